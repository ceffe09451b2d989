"""Measure the offline planner's question parser on the generated eval suite.

Every benchmark question (scenario paragraph + question, exactly as the agent is asked) is parsed
against its dataset's columns, and the parse is compared with the question's own fields: the type,
the variables of interest, the conditioning set, the polarity of independence questions and the
treatment values of ATE questions. Only the parser runs (no tools), so this takes seconds and
measures how often the offline model would call the right tool with the right arguments.

Run: ``python benchmarks/bench_parser.py [--seed 0] [--show 20]`` (prints per-type accuracy and
the first misses of each type).
"""

from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from causal_agent.models.parser import Intent, parse_question

#: the parser kind each benchmark question type must map to
EXPECTED_KIND: dict[str, str] = {
    "IT": "independence",
    "CIT": "independence",
    "MULTCIT": "independence",
    "CAUSE": "direct_cause",
    "Has-Collider": "collider",
    "Has-Confounder": "confounder",
    "CAUSALKG": "graph",
    "PARTIAL_CG": "partial_graph",
    "ATE": "effect",
}
POLARITY = {"independence": "independent", "dependence": "dependent"}


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check(question: Any, intent: Intent) -> list[str]:
    """What the parse got wrong for one benchmark ``Question`` (empty: fully right)."""
    qtype = question.question_type
    want = EXPECTED_KIND[qtype]
    if intent.kind != want:
        return [f"kind {intent.kind} (want {want}); missing={intent.missing}"]
    errors: list[str] = []
    interest = list(question.interest)
    if want == "independence":
        if {intent.x, intent.y} != set(interest):
            errors.append(f"pair {intent.x},{intent.y} (want {interest})")
        if set(intent.given) != set(question.given):
            errors.append(f"given {intent.given} (want {question.given})")
        if intent.polarity != POLARITY[question.polarity]:
            errors.append(f"polarity {intent.polarity} (want {POLARITY[question.polarity]})")
    elif want == "direct_cause":
        if (intent.x, intent.y) != tuple(interest):
            errors.append(f"edge {intent.x}->{intent.y} (want {interest[0]}->{interest[1]})")
        if intent.negated:
            errors.append("read as negated")
    elif want in {"collider", "confounder"}:
        if {intent.x, intent.y} != set(interest):
            errors.append(f"pair {intent.x},{intent.y} (want {interest})")
        if intent.negated:
            errors.append("read as negated")
    elif want == "partial_graph":
        if set(intent.variables) != set(interest):
            errors.append(f"variables {intent.variables} (want {interest})")
    elif want == "effect":
        if (intent.treatment, intent.outcome) != tuple(interest):
            errors.append(f"treatment/outcome {intent.treatment}/{intent.outcome} (want {interest})")
        if not (_close(intent.t0, question.t0) and _close(intent.t1, question.t1)):
            errors.append(f"values {intent.t0}->{intent.t1} (want {question.t0}->{question.t1})")
        if intent.confounders:
            errors.append(f"confounders {intent.confounders} (none named)")
    return errors


def evaluate(questions: Iterable[Any]) -> dict[str, Any]:
    """Parse every question; per-type totals and the misses (question id, prompt, errors)."""
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    misses: dict[str, list[tuple[str, str, list[str]]]] = defaultdict(list)
    for q in questions:
        stem = Path(q.dataset).stem
        intent = parse_question(q.prompt, {stem: list(q.variables)})
        errors = check(q, intent)
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
    questions = suite_questions(args.seed)
    print(f"default suite (seed {args.seed}), {len(questions)} questions as generated:")
    print(report(evaluate(questions), show=args.show))
    if args.sweep:
        swept = template_sweep(questions)
        print(f"\ntemplate sweep: {len(swept)} questions (each question in every phrasing of its type):")
        print(report(evaluate(swept), show=args.show))


if __name__ == "__main__":
    main()
