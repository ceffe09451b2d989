"""Measure the offline planner on the generated eval suite and the held-out phrasings.

Every benchmark question (scenario paragraph + question, exactly as the agent is asked) is planned
against its dataset's columns, and the plan is compared with the question's own fields: the tool,
the variables of interest, the conditioning set, the polarity of independence questions and the
treatment values of ATE questions. Only the planner runs (no tools), so this takes seconds and
measures how often the offline model would call the right tool with the right arguments. It also
prints how long building the planner (fitting the intent classifier) and planning one question take.

Run: ``python benchmarks/bench_planner.py [--seed 0] [--show 20] [--sweep]``.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import time

from causal_agent.planner import Plan, Planner
from causal_agent.plugins import collect_registry, make_plugin_manager

#: the tool each benchmark question type must be answered with (the built-in plugins' names)
EXPECTED_TOOL: dict[str, str] = {
    "IT": "test_independence",
    "CIT": "test_independence",
    "MULTCIT": "test_independence",
    "CAUSE": "direct_cause",
    "Has-Collider": "shared_collider",
    "Has-Confounder": "shared_confounder",
    "CAUSALKG": "discover_graph",
    "PARTIAL_CG": "discover_graph",
    "ATE": "estimate_effect",
}
POLARITY = {"independence": "independent", "dependence": "dependent"}


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check(question: Any, plan: Plan) -> list[str]:
    """What the plan got wrong for one benchmark ``Question`` (empty: fully right)."""
    qtype = question.question_type
    want = EXPECTED_TOOL[qtype]
    if plan.tool != want:
        return [f"tool {plan.tool} (want {want}); missing={plan.missing}"]
    a = plan.args
    errors: list[str] = []
    interest = list(question.interest)
    if want == "test_independence":
        if {a.get("x"), a.get("y")} != set(interest):
            errors.append(f"pair {a.get('x')},{a.get('y')} (want {interest})")
        if set(a.get("given") or []) != set(question.given):
            errors.append(f"given {a.get('given')} (want {question.given})")
        if plan.asks != POLARITY[question.polarity]:
            errors.append(f"polarity {plan.asks} (want {POLARITY[question.polarity]})")
    elif want == "direct_cause":
        if (a.get("x"), a.get("y")) != tuple(interest):
            errors.append(f"edge {a.get('x')}->{a.get('y')} (want {interest[0]}->{interest[1]})")
        if plan.flip:
            errors.append("read as negated")
    elif want in {"shared_collider", "shared_confounder"}:
        if {a.get("x"), a.get("y")} != set(interest):
            errors.append(f"pair {a.get('x')},{a.get('y')} (want {interest})")
        if plan.flip:
            errors.append("read as negated")
    elif qtype == "CAUSALKG":
        if a.get("variables"):
            errors.append(f"variables {a['variables']} (want the full graph)")
    elif qtype == "PARTIAL_CG":
        if set(a.get("variables") or []) != set(interest):
            errors.append(f"variables {a.get('variables')} (want {interest})")
    elif want == "estimate_effect":
        if (a.get("treatment"), a.get("outcome")) != tuple(interest):
            errors.append(f"treatment/outcome {a.get('treatment')}/{a.get('outcome')} (want {interest})")
        if not (_close(a.get("t0"), question.t0) and _close(a.get("t1"), question.t1)):
            errors.append(f"values {a.get('t0')}->{a.get('t1')} (want {question.t0}->{question.t1})")
        if a.get("confounders"):
            errors.append(f"confounders {a['confounders']} (none named)")
    return errors


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


def template_sweep(questions: Iterable[Any]) -> list[Any]:
    """Every question re-asked with every phrasing of its type and polarity (same variables, values
    and scenario), so that each template is measured over many variable names, with and without a
    scenario paragraph."""
    from causal_agent_evals.questions import TEMPLATES, fmt_value, words

    out = []
    for q in questions:
        discrete = q.scm_kind == "discrete"
        slots: dict[str, Any] = {
            "x": q.interest[0], "y": q.interest[1] if len(q.interest) > 1 else "",
            "z": words(q.given), "zc": ",".join(q.given),
            "vars": words(q.interest), "vc": ",".join(q.interest),
        }
        if q.question_type == "ATE":
            slots.update(t=q.interest[0], t0=fmt_value(q.t0, discrete), t1=fmt_value(q.t1, discrete),
                         tk="discrete" if discrete else "continuous")
        for k, template in enumerate(TEMPLATES[q.question_type][q.polarity]):
            out.append(q.model_copy(update={"id": f"{q.id}/t{k}", "question": template.format(**slots)}))
    return out


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
