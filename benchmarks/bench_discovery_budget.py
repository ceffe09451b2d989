"""Bounded discovery: "Draw the causal graph" on 500 columns x 200 rows.

Before the budget this showed nothing for 130 s and more. Now ``causal-agent ask --progress``
prints the tool call at once and, since the estimate is over the 60 s budget, answers with the
estimate and the choices instead of starting. This prints, for the real command line in a fresh
process (imports included):

- the seconds to the first progress line on stderr,
- the seconds to the budget message (the end of the run),
- the estimate itself, and how long the estimate took in process;

then, for calibration, the estimate against a real PC run at sizes that finish (``--calibrate``).

    python benchmarks/bench_discovery_budget.py [--calibrate]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from causal_agent.examples.synthetic import sparse_linear_frame as linear_dag

ROOT = Path(__file__).resolve().parents[1]




def cli_run(path: Path) -> dict[str, object]:
    """Run the CLI, time-stamping each stderr line as it arrives."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "causal_agent", "ask", "-d", str(path), "--progress", "--json",
         "Draw the causal graph"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    first = None
    lines = []
    assert proc.stderr is not None
    for line in proc.stderr:
        if first is None and line.strip():
            first = time.perf_counter() - started
        lines.append(line.rstrip())
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    return {"first_progress_s": first, "total_s": time.perf_counter() - started, "rc": proc.returncode,
            "stderr": lines, "stdout": out}


def in_process(frame: pd.DataFrame) -> tuple[float, float, str]:
    """(seconds to load, seconds to the budget error, its message) inside one process."""
    from causal_agent import CausalAgent
    from causal_agent.discover import DiscoveryBudgetError, discover

    agent = CausalAgent(log=False)
    t = time.perf_counter()
    agent.load(frame, name="wide")
    loaded = time.perf_counter() - t
    t = time.perf_counter()
    try:
        discover(agent.context, "wide")
        message = "(no budget message: the run fitted the budget)"
    except DiscoveryBudgetError as exc:
        message = str(exc)
    return loaded, time.perf_counter() - t, message


def calibrate(sizes: list[tuple[int, int]]) -> None:
    """Estimate against a real PC (Fisher-z) run, sizes that finish in minutes on 2 cores."""
    from causal_agent.discover import estimate_cost
    from causal_agent.plugins import collect_registry, make_plugin_manager

    algorithms = collect_registry(make_plugin_manager()).algorithms
    pc = algorithms["pc"]
    print("\ncalibration (PC + Fisher-z, random sparse linear DAGs):")
    print(f"{'p x n':>10} {'estimate s':>11} {'actual s':>9} {'ratio':>6}")
    for p, n in sizes:
        data = linear_dag(p, n).to_numpy()
        est = estimate_cost(pc, data, run_test="fisherz", algorithms=algorithms)
        t = time.perf_counter()
        pc.function(data, [f"x{i}" for i in range(p)], alpha=0.05, ci_test="fisherz")
        actual = time.perf_counter() - t
        print(f"{p:>4} x {n:<4} {est.seconds:>11.1f} {actual:>9.1f} {actual / est.seconds:>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calibrate", action="store_true", help="also time real PC runs (minutes)")
    args = parser.parse_args()
    frame = linear_dag(500, 200)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wide.csv"
        frame.to_csv(path, index=False)
        run = cli_run(path)
    import json

    answer = json.loads(str(run["stdout"]))
    print("causal-agent ask --progress 'Draw the causal graph' on 500 columns x 200 rows")
    print(f"  first progress line on stderr: {run['first_progress_s']:.1f} s after start (imports included)")
    print(f"  budget message (run ended):     {run['total_s']:.1f} s after start, exit {run['rc']}")
    print(f"  first line: {run['stderr'][0] if run['stderr'] else '(none)'}")
    print(f"  answer: {answer['explanation'].splitlines()[0][:400]}")
    loaded, to_budget, message = in_process(frame)
    print(f"in process: load + profile {loaded:.1f} s; discover() to the budget error {to_budget:.1f} s")
    print(f"  {message}")
    if args.calibrate:
        calibrate([(40, 1000), (60, 200), (100, 200), (150, 200)])


if __name__ == "__main__":
    main()
