"""Benchmark the agent end to end with its default (offline) model.

Reports the figures the agent issue asks for in its closing note:

* paraphrase accuracy and mean model calls per question (the suite in ``tests/paraphrase_questions.py``);
* median ``causal-agent ask`` wall time in a cold process (a fresh interpreter per run, clinic example)
  and warm in the Python API (one ``CausalAgent`` reused across clinic questions);
* median ``causal-agent --help`` time;
* peak resident set size of this process (suite + warm runs) and of the largest cold child.

Run: ``python benchmarks/bench_agent.py`` (about a minute here; ``--skip-suite`` for timings only).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the paraphrase suite lives with the tests

COLD_QUESTION = "Does smoking directly cause lung cancer?"


def _cli() -> list[str]:
    """The installed console script, or ``python -m causal_agent`` when it is not on PATH."""
    exe = shutil.which("causal-agent")
    return [exe] if exe else [sys.executable, "-m", "causal_agent"]


def _timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - t, proc


def bench_help(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        dt, proc = _timed([*_cli(), "--help"])
        if proc.returncode != 0:
            raise SystemExit(f"causal-agent --help failed: {proc.stderr.strip()}")
        times.append(dt)
    return times


def bench_cold(runs: int, clinic: Path) -> tuple[list[float], list[float]]:
    """Wall time of whole processes, and the agent's own ``elapsed_s`` inside them."""
    walls, inner = [], []
    for _ in range(runs):
        dt, proc = _timed([*_cli(), "ask", "--data", str(clinic), "--json", COLD_QUESTION])
        if proc.returncode != 0:
            raise SystemExit(f"causal-agent ask failed: {proc.stderr.strip()}")
        walls.append(dt)
        inner.append(float(json.loads(proc.stdout)["elapsed_s"]))
    return walls, inner


def bench_warm(n_questions: int, clinic: Path) -> tuple[list[float], float]:
    """Per-question wall time with one agent (after one warm-up question that pays the imports)."""
    from paraphrase_questions import QUESTIONS

    from causal_agent import CausalAgent

    agent = CausalAgent(log=False)
    agent.load(clinic, name="clinic")
    t = time.perf_counter()
    agent.ask(COLD_QUESTION)
    first = time.perf_counter() - t
    # round-robin over sub-types, so cheap independence tests do not dominate the median
    by_kind: dict[str, list[str]] = {}
    for q in QUESTIONS:
        if q.dataset == "clinic":
            by_kind.setdefault(q.kind, []).append(q.text)
    queues = [list(v) for v in by_kind.values()]
    questions: list[str] = []
    while len(questions) < n_questions and any(queues):
        questions += [queue.pop(0) for queue in queues if queue][: n_questions - len(questions)]
    times = []
    for text in questions:
        t = time.perf_counter()
        agent.ask(text)
        times.append(time.perf_counter() - t)
    return times, first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--help-runs", type=int, default=5)
    parser.add_argument("--warm-questions", type=int, default=20)
    parser.add_argument("--skip-suite", action="store_true", help="timings only")
    args = parser.parse_args(argv)

    from causal_agent.examples import example_path

    clinic = Path(example_path("clinic"))
    rows: list[tuple[str, str]] = []

    help_times = bench_help(args.help_runs)
    rows.append((f"causal-agent --help (median of {len(help_times)})", f"{statistics.median(help_times):.3f} s"))

    cold, cold_inner = bench_cold(args.cold_runs, clinic)
    rows.append((f"ask, cold process (median of {len(cold)})", f"{statistics.median(cold):.2f} s"))
    rows.append(("  of which inside the agent (elapsed_s)", f"{statistics.median(cold_inner):.2f} s"))

    warm, first = bench_warm(args.warm_questions, clinic)
    rows.append(("ask, API first question (imports + discovery)", f"{first:.2f} s"))
    rows.append((f"ask, API warm (median of {len(warm)})", f"{statistics.median(warm):.3f} s"))
    rows.append(("ask, API warm (max)", f"{max(warm):.3f} s"))

    report = None
    if not args.skip_suite:
        from paraphrase_questions import run_suite

        with tempfile.TemporaryDirectory() as tmp:
            report = run_suite(Path(tmp))
        ok = sum(r.ok for r in report.results)
        rows.append(("paraphrase accuracy", f"{report.accuracy:.1%} ({ok}/{len(report.results)})"))
        rows.append(("mean model calls per question", f"{report.mean_model_calls:.2f}"))
        rows.append(("max model calls on a question", f"{max(r.model_calls for r in report.results)}"))
        rows.append(("suite wall time", f"{report.seconds:.1f} s"))

    kb = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    rows.append(("peak RSS, this process", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kb:.0f} MiB"))
    rows.append(("peak RSS, largest cold child", f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kb:.0f} MiB"))

    width = max(len(k) for k, _ in rows)
    print(f"{'metric':<{width}}  value")
    print("-" * (width + 20))
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if report is not None:
        print("\nper sub-type:\n" + report.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
