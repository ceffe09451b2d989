"""Does a plan of the offline planner answer a benchmark question as asked?

``check(question, plan)`` compares the plan's tool call with the question's own fields: the tool,
the variables of interest, the conditioning set, the polarity of independence questions and the
treatment values of ATE questions, and whether a confounder question asks for a common cause or
(``Has-Direct-Confounder``, ``direct=True``) a common parent. ``benchmarks/bench_planner.py``
scores the planner with it on the template sweep (:func:`causal_agent_evals.questions.template_sweep`);
no test sweeps the benchmark's templates (they are the benchmark's phrasing set, not the tests').
"""

from __future__ import annotations

import math
from typing import Any

from .report import EXPECTED_TOOLS

#: the tool the planner must pick for each question type: the first of the tools the failure
#: analysis accepts (the built-in plugins' names)
EXPECTED_TOOL: dict[str, str] = {qtype: tools[0] for qtype, tools in EXPECTED_TOOLS.items()}
#: a question's polarity -> the plan's ``asks``
POLARITY = {"independence": "independent", "dependence": "dependent"}


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check(question: Any, plan: Any) -> list[str]:
    """What ``plan`` (a ``causal_agent.planner.Plan``) got wrong for one benchmark ``Question``
    (empty: fully right)."""
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
        if want == "shared_confounder" and bool(a.get("direct")) != (qtype == "Has-Direct-Confounder"):
            errors.append(f"direct={bool(a.get('direct'))} (want {qtype == 'Has-Direct-Confounder'}: "
                          f"{'a common parent' if qtype == 'Has-Direct-Confounder' else 'a common cause'})")
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
    elif want in ("causes_of", "effects_of"):
        if a.get("variable") != interest[0]:
            errors.append(f"variable {a.get('variable')} (want {interest[0]})")
        if a.get("direct"):
            errors.append("direct=True (the question asks for all of them, near or far)")
    elif want == "causes":
        if (a.get("x"), a.get("y")) != tuple(interest[:2]):
            errors.append(f"x/y {a.get('x')}/{a.get('y')} (want {interest[0]}/{interest[1]})")
        if plan.flip:
            errors.append("read as negated")
    elif want == "explain_association":
        if {a.get("a"), a.get("b")} != set(interest[:2]):
            errors.append(f"pair {a.get('a')},{a.get('b')} (want {interest[:2]})")
    elif want == "adjustment_advice":  # interest: treatment, outcome, the variable asked about
        got = (a.get("treatment"), a.get("outcome"), a.get("variable"))
        if got != tuple(interest[:3]):
            errors.append(f"treatment/outcome/variable {'/'.join(map(str, got))} (want {interest})")
        if plan.flip:
            errors.append("read as negated")
    elif want == "mediation":  # interest: treatment, outcome, mediator
        got = (a.get("treatment"), a.get("outcome"), a.get("mediator"))
        if got != tuple(interest[:3]):
            errors.append(f"treatment/outcome/mediator {'/'.join(map(str, got))} (want {interest})")
        asked = {"Mediates": ("through", "share"), "NIE": ("through", "share"), "NDE": ("direct", "fully")}[qtype]
        if a.get("question", "through") not in asked:
            errors.append(f"question {a.get('question')} (want {' or '.join(asked)})")
        if plan.flip:
            errors.append("read as negated")
    return errors


__all__ = ["EXPECTED_TOOL", "POLARITY", "check"]
