"""Measure the offline planner on the generated eval suite and the held-out phrasings.

Every benchmark question (scenario paragraph + question, exactly as the agent is asked) is planned
against its dataset's columns, and the plan is compared with the question's own fields
(``causal_agent_evals.planner_check.check``): the tool, the variables of interest, the conditioning
set, the polarity of independence questions and the treatment values of ATE questions. Only the
planner runs (no tools), so this takes seconds and measures how often the offline model would call
the right tool with the right arguments. It also prints how long building the planner (fitting the
intent classifier) and planning one question take.

Run: ``python benchmarks/bench_planner.py [--seed 0] [--show 20] [--sweep]``.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from causal_agent_evals.planner_check import check
from causal_agent_evals.questions import template_sweep

from causal_agent.planner import Planner
from causal_agent.plugins import collect_registry, make_plugin_manager


def evaluate(questions: Iterable[Any], planner: Planner) -> dict[str, Any]:
    """Plan every question; per-type totals and the misses (question id, prompt, errors)."""
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    misses: dict[str, list[tuple[str, str, list[str]]]] = defaultdict(list)
    for q in questions:
        stem = Path(q.dataset).stem
        errors = check(q, planner.plan(q.prompt, {stem: list(q.variables)}))
        totals[q.question_type] += 1
        if errors:
            misses[q.question_type].append((q.id, q.prompt, errors))
        else:
            right[q.question_type] += 1
    return {"totals": dict(totals), "right": dict(right), "misses": dict(misses)}


def suite_questions(seed: int = 0) -> list[Any]:
    """The default eval suite's questions (truth only; the reference procedure is skipped)."""
    from causal_agent_evals.generator import generate_suite

    return list(generate_suite(seed=seed, reference=False).questions)


def report(result: dict[str, Any], show: int = 5, types: Sequence[str] | None = None) -> str:
    totals, right = result["totals"], result["right"]
    lines = [f"{'type':<15}{'right':>7}{'total':>7}{'acc':>8}"]
    for t in types or sorted(totals):
        n, r = totals.get(t, 0), right.get(t, 0)
        lines.append(f"{t:<15}{r:>7}{n:>7}{(r / n if n else 0):>8.1%}")
    n, r = sum(totals.values()), sum(right.values())
    lines.append(f"{'ALL':<15}{r:>7}{n:>7}{(r / n if n else 0):>8.1%}")
    for t, items in sorted(result["misses"].items()):
        for qid, prompt, errors in items[:show]:
            last = prompt.strip().splitlines()[-1]
            lines.append(f"  [{t}] {qid}: {last!r} -> {'; '.join(errors)}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=5, help="misses to print per type")
    ap.add_argument("--sweep", action="store_true", help="also re-ask every question with every phrasing")
    args = ap.parse_args()
    t = time.perf_counter()
    registry = collect_registry(make_plugin_manager())
    t_registry = time.perf_counter() - t
    t = time.perf_counter()
    planner = Planner.from_registry(registry)
    t_fit = time.perf_counter() - t
    n_examples = sum(len(i.examples) for i in registry.intents)
    print(f"planner: {len(registry.intents)} intents, {n_examples} examples; plugins loaded in {t_registry:.2f} s, "
          f"classifier fitted in {t_fit:.2f} s")
    questions = suite_questions(args.seed)
    t = time.perf_counter()
    result = evaluate(questions, planner)
    per_q = (time.perf_counter() - t) / max(len(questions), 1)
    print(f"default suite (seed {args.seed}), {len(questions)} questions as generated "
          f"({per_q * 1000:.1f} ms per question):")
    print(report(result, show=args.show))
    if args.sweep:
        swept = template_sweep(questions)
        print(f"\ntemplate sweep: {len(swept)} questions (each question in every phrasing of its type):")
        print(report(evaluate(swept, planner), show=args.show))
    heldout(planner, args.show)


def heldout(planner: Planner, show: int) -> None:
    """The held-out phrasings (tests/heldout_phrasings.jsonl), scored as their test scores them."""
    import sys
    from collections import Counter

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_heldout_phrasings import ROWS, score

    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for row in ROWS:
        errors = score(row, planner.plan(row["question"], {row["dataset"]: row["columns"]}))
        key = row["tool"] or "(ask back)"
        total[key] += 1
        right[key] += not errors
        if errors:
            misses.append((row["id"], row["question"], errors))
    n, r = sum(total.values()), sum(right.values())
    print(f"\nheld-out phrasings: {r}/{n} = {r / n:.1%}")
    for key in sorted(total):
        print(f"  {key:<20}{right[key]:>4}/{total[key]:<4}")
    for qid, q, errors in misses[:show]:
        print(f"  miss {qid}: {q!r} -> {'; '.join(errors)}")


if __name__ == "__main__":
    main()
