"""Benchmark ``causal-agent eval``: where the time goes in a full four-level run.

    python evals/bench_eval.py                    # n=1000, offline, 2 workers, cached suite
    python evals/bench_eval.py --cold             # also time generating the suite from scratch
    python evals/bench_eval.py --profile 100      # cProfile the agent inline on 100 questions

Prints: suite generation / cache load, per-worker start-up (imports + first agent), per-question
agent latency by sub-type, answering time and the total wall time, then the results table. With
``--profile`` it also lists the agent's hottest functions, to point at hot spots in the agent.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", default="offline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--refute-simulations", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="generate the suite into an empty cache first")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile N questions inline")
    parser.add_argument("--report", help="write the JSON report here")
    parser.add_argument("--markdown", help="write the Markdown report here")
    args = parser.parse_args(argv)

    from rich.console import Console

    from causal_agent_evals.report import build_report, render_table, to_markdown
    from causal_agent_evals.runner import RunOptions, prepare_four_level, run_suite

    console = Console(width=150)
    t_total = time.perf_counter()
    cache = None
    if args.cold:
        cache = tempfile.mkdtemp(prefix="eval-cold-")
        t = time.perf_counter()
        prepare_four_level(n=args.n, seed=args.seed, cache_dir=cache)
        console.print(f"suite generation (cold, {args.n} questions): {time.perf_counter() - t:.1f} s")
    suite = prepare_four_level(n=args.n, seed=args.seed, cache_dir=cache)
    console.print(f"suite load ({'cache' if suite.cached else 'generated'}): {suite.prepare_s:.2f} s")

    if args.profile:
        _profile(suite, args, console)

    options = RunOptions(model=args.model, workers=args.workers, refute_simulations=args.refute_simulations,
                         progress=True, resume=False)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_suite(suite, options, Path(tmp) / "bench.jsonl", console=console)
    stats = result.stats
    total = time.perf_counter() - t_total
    console.print(f"worker start-up (imports + first agent), per worker: {stats.worker_startup_s} s")
    console.print(f"answering {stats.n_new} questions with {stats.workers} workers: {stats.run_s:.1f} s "
                  f"({stats.n_new / max(stats.run_s, 1e-9):.1f} questions/s)")
    lat = stats.latency_summary()
    console.print(f"agent latency per question: mean {lat.get('mean_s')} s, median {lat.get('median_s')} s, "
                  f"p95 {lat.get('p95_s')} s, max {lat.get('max_s')} s, sum {lat.get('total_s')} s")
    for code, s in stats.latency_by_type_summary().items():
        console.print(f"  {code:15s} n={s['n']:4d}  mean {s['mean_s']:.4f}  median {s['median_s']:.4f}  "
                      f"p95 {s['p95_s']:.4f}  sum {s['total_s']:.1f} s")
    console.print(f"[bold]total wall time: {total:.1f} s[/bold]")
    report = build_report(result)
    render_table(report, console)
    if args.report:
        report.save(args.report)
    if args.markdown:
        Path(args.markdown).write_text(to_markdown(report), encoding="utf-8")
    return 0


def _profile(suite, args, console) -> None:  # type: ignore[no-untyped-def]
    """Inline (one process) cProfile of the first N questions, one agent per dataset."""
    from causal_agent_evals.runner import RunOptions, answer_dataset, data_spec, warm_imports

    warm = warm_imports()
    options = RunOptions(model=args.model, workers=1, refute_simulations=args.refute_simulations)
    questions = suite.questions[: args.profile]
    groups: dict[str, list] = {}
    for q in questions:
        groups.setdefault(q.dataset, []).append(q)
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for qs in groups.values():
        for _ in answer_dataset(options, data_spec(qs[0], suite.data_dir), qs):
            pass
    prof.disable()
    elapsed = time.perf_counter() - t
    console.print(f"profile: {len(questions)} questions over {len(groups)} datasets inline in {elapsed:.1f} s "
                  f"(imports warmed first in {warm:.1f} s)")
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
    stats.print_stats(r"causal_agent|dowhy|causallearn|langgraph", 30)
    console.print(out.getvalue(), markup=False, highlight=False)


if __name__ == "__main__":
    sys.exit(main())
