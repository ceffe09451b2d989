"""Mediation: how much of X's effect on Y goes through M (natural direct and indirect effects).

The steps, and why:

* **Which graph.** The one rule of the effects and graph queries
  (:func:`causal_agent.graph_choice.choose_graph`): a stored ``graph_key``, else the dataset's graph,
  discovered or reused from memory.
* **Is M a mediator at all?** :func:`.paths.structure`, over the equivalence class: M on a directed
  path X ~> M ~> Y in every DAG (yes), in some (uncertain), in none (no: the indirect effect is 0 by
  the graph, whatever a regression would say). Re-asked on every bootstrap resample of the graph
  (``bootstrap.agreement``, as the edge queries do): a yes or no fewer than
  ``Settings.support_threshold`` of them give is uncertain.
* **Estimate.** DoWhy's mediation estimands (``EstimandType.NONPARAMETRIC_NIE`` and ``_NDE``) with
  ``mediation.two_stage_regression``: NIE = (effect of X on M) x (effect of M on Y), NDE = total - NIE,
  the total from ``backdoor.linear_regression``. DoWhy picks *a* mediator itself (the first
  descendant of X on any path, in set order); here the estimand is the user's M, and the three
  regressions are pinned to the parents of X (first stage, total) and of M (second stage), which
  block every back-door path in a DAG, so the figures do not depend on set order. Per unit of X,
  then scaled by t1 - t0 (DoWhy would apply the contrast to both stages). CIs: DoWhy's bootstrap
  (``Settings.bootstrap`` resamples, default ``MEDIATION_BOOTSTRAP``) for NDE and NIE, the analytic
  OLS interval for the total, all 95%.
* **Ambiguous class.** Members that differ in the parents of X or M, or in whether M is on a
  path, are estimated separately (one :class:`.paths.Group` each); the effects then carry a
  ``range``, and the headline is that range unless the groups agree within their CIs.
* **Verdicts** (``question``): ``through`` / ``share`` - does X affect Y through M (the indirect
  effect's CI excludes 0 where M is a mediator in every DAG); ``fully`` - yes when the direct
  effect's CI includes 0 and the indirect's does not, no when a direct effect remains (or nothing
  goes through M); ``direct`` - is there an effect not through M. Anything else is uncertain, said
  with the figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from causal_agent.errors import DataError, GraphError, VariableError

from .paths import Group, Structure, arrow, structure

if TYPE_CHECKING:  # pragma: no cover
    from causal_agent.context import AgentContext

Question = Literal["through", "share", "fully", "direct"]
Verdict = Literal["yes", "no", "uncertain"]
QUESTIONS: tuple[str, ...] = ("through", "share", "fully", "direct")
#: the effect each question is about (the answer's headline ``effect``)
HEADLINE: dict[str, str] = {"through": "indirect", "share": "indirect", "fully": "direct", "direct": "direct"}
LABELS: tuple[str, ...] = ("total", "direct", "indirect")
#: groups of the class estimated at most (each costs two bootstrap runs)
MAX_GROUPS = 6
#: DoWhy bootstrap resamples for the NDE and NIE intervals when ``Settings.bootstrap`` is 0: each
#: refits the three regressions inside DoWhy (~0.1 s here), and 40 put DoWhy's 2.5 % and 97.5 %
#: order statistics on resamples 1 and 39
MEDIATION_BOOTSTRAP = 40
METHOD = "mediation.two_stage_regression"
TOTAL_METHOD = "backdoor.linear_regression"

_ASK: dict[str, str] = {
    "through": "Does {x} affect {y} through {m}?",
    "share": "How much of the effect of {x} on {y} goes through {m}?",
    "fully": "Is the effect of {x} on {y} fully mediated by {m}?",
    "direct": "Does {x} affect {y} directly, not through {m}?",
}
_FINDING: dict[str, tuple[str, str, str]] = {
    "through": ("{x} affects {y} through {m}", "{x} does not affect {y} through {m}",
                "it cannot be determined from the data whether {x} affects {y} through {m}"),
    "fully": ("the effect of {x} on {y} is fully mediated by {m}: no direct effect remains",
              "the effect of {x} on {y} is not fully mediated by {m}",
              "it cannot be determined from the data whether {m} fully mediates the effect of {x} on {y}"),
    "direct": ("{x} has an effect on {y} that does not go through {m}",
               "{x} has no effect on {y} beyond what goes through {m}",
               "it cannot be determined from the data whether {x} affects {y} other than through {m}"),
}
_FINDING["share"] = _FINDING["through"]


class Estimate(BaseModel):
    """One effect under one group of the class (per the question's t1 - t0)."""

    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    implied: bool = Field(False, description="0 because the graph implies it (no CI)")

    @property
    def excludes_zero(self) -> bool:
        return (not self.implied and self.ci_low is not None and self.ci_high is not None
                and (self.ci_low > 0 or self.ci_high < 0))

    @property
    def includes_zero(self) -> bool:
        return self.implied or (self.ci_low is not None and self.ci_high is not None
                                and self.ci_low <= 0 <= self.ci_high)


class GroupEstimate(BaseModel):
    """The three effects under one group of the class."""

    group: Group
    total: Estimate
    direct: Estimate
    indirect: Estimate
    warnings: list[str] = Field(default_factory=list)

    def get(self, label: str) -> Estimate:
        return getattr(self, label)


class MediationResult(BaseModel):
    """The verdict, the three effects (total, direct, indirect) and what they rest on."""

    question: Question
    treatment: str
    outcome: str
    mediator: str
    t0: float
    t1: float
    answer: Verdict
    finding: str
    reason: str
    mediator_on_path: Verdict = Field(description="is the mediator on a directed path from treatment to outcome?")
    role: str | None = Field(None, description="the mediator's role when it is none (collider, confounder ...)")
    path: list[str] = Field(default_factory=list, description="a directed path treatment ~> mediator ~> outcome")
    effects: list[dict[str, Any]] = Field(default_factory=list, description="Effect-shaped: total, direct, indirect")
    headline: int = Field(0, description="index in effects of the effect the question is about")
    proportion_mediated: float | None = None
    first_stage_adjustment: list[str] = Field(default_factory=list, description="adjusted for in X -> M and X -> Y")
    second_stage_adjustment: list[str] = Field(default_factory=list, description="adjusted for in M -> Y")
    assumption: str
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    graph_key: str
    algorithm: str
    reused: bool | None = None
    graph: dict[str, Any]
    support: str | None = Field(None, description="how many bootstrap resamples agree on the mediator's place")
    support_share: float | None = None
    graph_answer: Verdict | None = Field(None, description="the mediator's place in the learned graph, before the bootstrap check")
    n: int = 0
    summary: str
    polarity: str | None = None
    evidence: list[str] = Field(default_factory=list, description="the three effects in words (verdict text)")
    caveat: str | None = Field(None, description="what the figures rest on, shown with the verdict")


def _g(v: float | None) -> str:
    if v is None:
        return "n/a"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.3e}"
    return f"{v:.3g}"


def _ci_text(e: Estimate) -> str:
    if e.implied:
        return "0 (the graph implies it)"
    text = _g(e.estimate)
    if e.ci_low is not None and e.ci_high is not None:
        text += f" (95% CI {_g(e.ci_low)} to {_g(e.ci_high)}{', includes 0' if e.includes_zero else ''})"
    return text


def _set(items: Sequence[str]) -> str:
    return "{" + ", ".join(items) + "}"


def assumption_text(x: str, m: str, y: str) -> str:
    """What every mediation figure here rests on, in words."""
    return (f"natural direct and indirect effects by DoWhy's two-stage regression ({METHOD}); they assume"
            f" sequential ignorability: no unmeasured confounding of {x} and {y}, {x} and {m}, or {m} and {y}"
            f" (the graph's adjustment sets block every back-door path), and no confounder of {m} and {y}"
            f" that {x} itself affects; and linear effects with no {x} x {m} interaction")


# ---- estimation ---------------------------------------------------------------------------------
def _descendants(dag: Any, start: str) -> set[str]:
    import networkx as nx

    return set(nx.descendants(dag, start))


def _recanting(dag_nx: Any, x: str, m: str, y: str) -> list[str]:
    """Confounders of M and Y that X affects (they make natural effects non-identified without
    linearity): parents W of M other than X with X ~> W and W ~> Y avoiding M."""
    import networkx as nx

    out = []
    for w in dag_nx.predecessors(m):
        if w == x or w not in nx.descendants(dag_nx, x):
            continue
        rest = dag_nx.copy()
        rest.remove_node(m)
        if y in nx.descendants(rest, w):
            out.append(w)
    return sorted(out)


def _fit(frame: Any, dag_nx: Any, x: str, m: str, y: str, pa_x: list[str], pa_m: list[str],
         sims: int, seed: int) -> tuple[tuple[float, float | None, float | None], ...]:
    """(total, direct, indirect), each (estimate, ci_low, ci_high) per unit of X, from DoWhy."""
    import numpy as np
    from dowhy import CausalModel
    from dowhy.causal_identifier import EstimandType
    from dowhy.causal_identifier.auto_identifier import construct_mediation_estimand

    from causal_agent.effects.estimators.base import quiet
    from causal_agent.effects.identify import pin_backdoor

    def ci(est: Any) -> tuple[float | None, float | None]:
        try:
            arr = np.asarray(est.get_confidence_intervals(), dtype=float).ravel()
        except Exception:  # noqa: BLE001 - no interval: report none rather than fail
            return None, None
        if arr.size < 2 or not np.all(np.isfinite(arr[:2])):
            return None, None
        return float(min(arr[:2])), float(max(arr[:2]))

    out: list[tuple[float, float | None, float | None]] = []
    with quiet(seed):
        model = CausalModel(data=frame, treatment=x, outcome=y, graph=dag_nx)
        ident = model.identify_effect(proceed_when_unidentifiable=True)
        pin_backdoor(ident, pa_x)
        total = model.estimate_effect(ident, method_name=TOTAL_METHOD, control_value=0, treatment_value=1,
                                      confidence_intervals=True, effect_modifiers=[])
        out.append((float(total.value), *ci(total)))
        for kind in (EstimandType.NONPARAMETRIC_NDE, EstimandType.NONPARAMETRIC_NIE):
            ident = model.identify_effect(estimand_type=kind, proceed_when_unidentifiable=True)
            # the user's mediator, not the one DoWhy happened to find first, with pinned stages
            ident.mediator_variables = [m]
            ident.estimands = {"mediation": construct_mediation_estimand(kind, [x], [y], [m])}
            ident.mediation_first_stage_confounders = {"backdoor": sorted(pa_x)}
            ident.mediation_second_stage_confounders = {"backdoor": sorted(pa_m)}
            ident.backdoor_variables = {"backdoor": sorted(pa_x)}
            ident.default_backdoor_id = "backdoor"
            est = model.estimate_effect(ident, method_name=METHOD, control_value=0, treatment_value=1,
                                        confidence_intervals="bootstrap", effect_modifiers=[],
                                        method_params={"num_simulations": sims, "sample_size_fraction": 1})
            if est.value is None or not math.isfinite(float(est.value)):
                raise DataError(f"the mediation estimate of {x} -> {m} -> {y} is not finite (collinear"
                                " columns?); drop redundant variables or use another graph")
            out.append((float(est.value), *ci(est)))
    return tuple(out)


def _scaled(value: tuple[float, float | None, float | None], factor: float) -> Estimate:
    est, lo, hi = value
    if lo is None or hi is None:
        return Estimate(estimate=est * factor)
    lo, hi = sorted((lo * factor, hi * factor))
    return Estimate(estimate=est * factor, ci_low=lo, ci_high=hi)


def estimate_group(ds: Any, g: Any, group: Group, x: str, m: str, y: str, t0: float, t1: float,
                   sims: int, seed: int) -> GroupEstimate:
    """The total, direct and indirect effects of x on y (through m) under one group of the class."""
    zero = Estimate(estimate=0.0, implied=True)
    if not group.x_causes_y:
        return GroupEstimate(group=group, total=zero, direct=zero, indirect=zero)
    dag = group.dag(g)
    full = dag.to_networkx()
    needed = {x, m, y, *group.x_parents, *group.m_parents} | (_descendants(full, x) & (
        {a for a in full.nodes if y in _descendants(full, a)} | {y}))
    sub = full.subgraph(needed).copy()
    frame = ds.frame_for(sorted(needed, key=list(full.nodes).index)).astype(float)
    factor = float(t1 - t0)
    values = _fit(frame, sub, x, m, y, group.x_parents, group.m_parents, sims, seed) if group.on_path else None
    if values is None:  # m is no mediator here: everything is direct
        total = _total_only(frame, sub, x, y, group.x_parents, seed)
        t = _scaled(total, factor)
        return GroupEstimate(group=group, total=t, direct=t, indirect=zero)
    total, direct, indirect = (_scaled(v, factor) for v in values)
    warnings = []
    witnesses = _recanting(full, x, m, y)
    if witnesses:
        warnings.append(
            f"{_set(witnesses)} {'is' if len(witnesses) == 1 else 'are'} affected by {x} and confound"
            f" {m} and {y}: natural effects are then identified only under the linearity assumed here, as"
            f" the effect along paths through {m} versus the rest")
    return GroupEstimate(group=group, total=total, direct=direct, indirect=indirect, warnings=warnings)


def _total_only(frame: Any, dag_nx: Any, x: str, y: str, pa_x: list[str], seed: int) -> tuple[float, float | None, float | None]:
    import numpy as np
    from dowhy import CausalModel

    from causal_agent.effects.estimators.base import quiet
    from causal_agent.effects.identify import pin_backdoor

    with quiet(seed):
        model = CausalModel(data=frame, treatment=x, outcome=y, graph=dag_nx)
        ident = model.identify_effect(proceed_when_unidentifiable=True)
        pin_backdoor(ident, pa_x)
        est = model.estimate_effect(ident, method_name=TOTAL_METHOD, control_value=0, treatment_value=1,
                                    confidence_intervals=True, effect_modifiers=[])
    try:
        arr = np.asarray(est.get_confidence_intervals(), dtype=float).ravel()
        lo, hi = float(min(arr[:2])), float(max(arr[:2]))
    except Exception:  # noqa: BLE001 - no interval
        lo = hi = None
    return float(est.value), lo, hi


# ---- verdicts -------------------------------------------------------------------------------------
def _verdict(question: str, st: Structure, ests: list[GroupEstimate], x: str, m: str, y: str) -> tuple[Verdict, str]:
    """(answer, reason) for the question, from the structure and the groups' CIs."""
    if not any(e.group.x_causes_y for e in ests) and ests:
        return "no", f"{x} has no directed path to {y} in any DAG the data allow, so it has no effect on {y} at all"
    nie = [e.indirect for e in ests if e.group.on_path]
    nde = [e.direct for e in ests]
    if question in ("through", "share"):
        if st.answer == "no":
            return "no", st.reason
        if st.answer == "uncertain":
            return "uncertain", st.reason
        if nie and all(e.excludes_zero for e in nie):
            return "yes", f"{st.reason}, and the indirect effect's 95% CI excludes 0"
        return "uncertain", (f"{st.reason}, but the indirect effect's 95% CI includes 0: the data do not show"
                             f" that {m} carries any of the effect")
    if question == "fully":
        if st.answer == "no":
            return "no", f"nothing of the effect goes through {m}: {st.reason}"
        if st.answer == "uncertain":
            return "uncertain", st.reason
        if all(e.excludes_zero for e in nie) and all(e.includes_zero for e in nde):
            return "yes", (f"{st.reason}; the indirect effect's 95% CI excludes 0 and the direct effect's"
                           " includes 0")
        if all(e.excludes_zero for e in nde):
            return "no", f"a direct effect not through {m} remains: its 95% CI excludes 0"
        return "uncertain", "the 95% CIs of the direct and indirect effects cannot tell full from partial mediation"
    # direct
    if all(e.excludes_zero for e in nde):
        return "yes", f"the direct effect (not through {m}) has a 95% CI that excludes 0"
    if all(e.includes_zero for e in nde) and st.bypass == "no":
        return "no", f"every directed path from {x} to {y} goes through {m}, and the direct effect's 95% CI includes 0"
    if all(e.includes_zero for e in nde):
        return "uncertain", (f"the graph allows a path from {x} to {y} that avoids {m}, but the direct effect's"
                             " 95% CI includes 0")
    return "uncertain", "the estimates differ across the DAGs the data allow"


# ---- the question ------------------------------------------------------------------------------
def _effect_dicts(ests: list[GroupEstimate], x: str, y: str, m: str, t0: float, t1: float,
                  assumption: str, warnings: list[str]) -> list[dict[str, Any]]:
    """Answer.Effect-shaped dicts for total, direct and indirect (each with its range over groups)."""
    out = []
    first = ests[0]
    adj_first = list(first.group.x_parents)
    adj_second = [v for v in first.group.m_parents if v != x]
    for label in LABELS:
        e = first.get(label)
        method = TOTAL_METHOD if label == "total" else METHOD
        if label == "indirect" and not first.group.on_path:
            method = "graph: no path through the mediator"
        adjustment = adj_first if label == "total" else sorted(set(adj_first) | set(adj_second))
        item: dict[str, Any] = {
            "label": label, "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
            "method": method, "treatment": x, "outcome": y, "t0": t0, "t1": t1,
            "adjustment_set": adjustment, "assumption": assumption, "warnings": list(warnings),
            "headline": "estimate", "headline_basis": "unambiguous",
        }
        if len(ests) > 1:
            rows = [{"parents": ge.group.x_parents, "mediator_parents": ge.group.m_parents,
                     "adjustment_set": ge.group.x_parents, "estimate": ge.get(label).estimate,
                     "ci_low": ge.get(label).ci_low, "ci_high": ge.get(label).ci_high,
                     "note": ("the graph implies 0 here" if ge.get(label).implied else None)} for ge in ests]
            values = [r["estimate"] for r in rows]
            agree = _agree([ge.get(label) for ge in ests])
            item["range"] = {"min": min(values), "max": max(values), "estimates": rows, "agree": agree}
            item["headline"] = "estimate" if agree else "range"
            item["headline_basis"] = "sets_agree" if agree else "ambiguous"
        out.append(item)
    return out


def _agree(estimates: Sequence[Estimate]) -> bool:
    """Every estimate lies inside every other's 95% CI (a graph-implied 0 has none)."""
    for a in estimates:
        for b in estimates:
            if a is b or b.implied:
                continue
            if b.ci_low is None or b.ci_high is None or not (b.ci_low <= a.estimate <= b.ci_high):
                return False
    return True


def mediation(
    ctx: AgentContext, treatment: str, outcome: str, mediator: str, question: str = "through",
    t0: float = 0.0, t1: float = 1.0, graph_key: str | None = None, dataset: str | None = None,
) -> MediationResult:
    """Natural direct and indirect effects of ``treatment`` on ``outcome`` through ``mediator``,
    with the verdict ``question`` asks (see the module docstring)."""
    from causal_agent.bootstrap import agreement
    from causal_agent.effects import _check_variables
    from causal_agent.graph_choice import choose_graph

    if question not in QUESTIONS:
        raise VariableError(f"unknown mediation question {question!r}; use one of {', '.join(QUESTIONS)}")
    t0, t1 = float(t0), float(t1)
    chosen = choose_graph(ctx, graph_key, dataset, [treatment, outcome, mediator])
    x, y, m = chosen.names
    if x == y:
        raise VariableError(f"the treatment and the outcome are the same variable ({x}); name two different variables")
    if m in (x, y):
        role = "treatment" if m == x else "outcome"
        raise VariableError(f"the mediator {m} is also the {role}; name a third variable as the mediator")
    notes = list(chosen.notes)
    if chosen.discovery is not None:
        notes.extend(n for n in chosen.discovery.notes if n not in notes)
    ds = chosen.dataset
    if ds is None:
        prov_ds = ctx.memory.get(chosen.key).provenance.dataset
        if prov_ds not in ctx.datasets.names():
            raise DataError(f"the data of graph {chosen.key} ({prov_ds}) are not loaded; load {prov_ds} to estimate")
        ds = ctx.datasets.get(prov_ds)
    notes += _check_variables(ds, x, y, t0, t1)
    if ds.kind(m) == "categorical":
        raise DataError(f"the mediator {m!r} is text with categories; a linear mediation needs a numeric or"
                        " binary mediator, so recode it (e.g. one 0/1 column per category)")
    g = chosen.graph
    st = structure(g, x, m, y)
    notes.extend(n for n in st.notes if n not in notes)
    graph_answer = st.answer
    support_text = support_share = None
    support = getattr(chosen, "support", None)
    if support is not None and support.graphs:
        agree, asked = agreement(support, lambda gr: structure(gr, x, m, y).answer, st.answer)
        if asked:
            support_share = agree / asked
            support_text = f"'{st.answer}' in {agree} of {asked} bootstrap resamples"
            threshold = float(ctx.settings.support_threshold)
            if st.answer != "uncertain" and support_share < threshold:
                st = st.model_copy(update={"answer": "uncertain", "reason": (
                    f"the graph says {st.answer} ({st.reason}), but only {agree} of {asked} bootstrap resamples"
                    f" of the rows agree, below the {threshold:.0%} needed to answer")})
            else:
                st = st.model_copy(update={"reason": f"{st.reason} ({support_text})"})
    groups = st.groups
    if len(groups) > MAX_GROUPS:
        notes.append(f"The DAGs the data allow differ in {len(groups)} ways that matter here; only the first"
                     f" {MAX_GROUPS} were estimated.")
        groups = groups[:MAX_GROUPS]
    sims = int(ctx.settings.bootstrap or MEDIATION_BOOTSTRAP)
    ests = [estimate_group(ds, g, gr, x, m, y, t0, t1, sims, ctx.settings.seed) for gr in groups]
    answer, reason = _verdict(question, st, ests, x, m, y) if ests else ("uncertain", st.reason)
    assumption = assumption_text(x, m, y) if any(gr.on_path for gr in groups) else (
        f"the total effect by linear regression on the parents of {x} (no unmeasured confounding of {x} and"
        f" {y}, a linear effect); the indirect effect through {m} is 0 because the graph has no directed path"
        f" from {x} to {y} through {m}")
    warnings = list(dict.fromkeys(w for e in ests for w in e.warnings))
    for w in (m,):
        if ds.is_nominal(w):
            warnings.append(f"the mediator {w} is nominal text; its codes enter as one number")
    observed = ds.frame_for([x])[x].astype(float)
    lo_x, hi_x = float(observed.min()), float(observed.max())
    if any(v < lo_x or v > hi_x for v in (t0, t1)):
        warnings.append(f"{x} from {_g(t0)} to {_g(t1)} lies outside its observed range {_g(lo_x)} to {_g(hi_x)}:"
                        " the estimate extrapolates the linear model")
    effects = _effect_dicts(ests, x, y, m, t0, t1, assumption, warnings) if ests else []
    headline = LABELS.index(HEADLINE[question])
    first = ests[0] if ests else None
    proportion = None
    if first is not None and first.group.on_path and first.total.excludes_zero and first.total.estimate:
        proportion = first.indirect.estimate / first.total.estimate
    path = next((gr.path for gr in st.groups if gr.on_path), [])
    yes_t, no_t, unc_t = _FINDING[question]
    finding = {"yes": yes_t, "no": no_t, "uncertain": unc_t}[answer].format(x=x, y=y, m=m)
    summary = _summary(question, answer, reason, x, y, m, t0, t1, ests, proportion, chosen, assumption,
                       warnings, notes, effects)
    evidence = []
    if first is not None:
        evidence = [f"indirect effect through {m} (NIE) {_ci_text(first.indirect)}",
                    f"direct effect not through {m} (NDE) {_ci_text(first.direct)}",
                    f"total effect {_ci_text(first.total)}, for {x} from {_g(t0)} to {_g(t1)}"]
        if proportion is not None:
            evidence.append(f"{proportion:.0%} of the total goes through {m}")
        if len(ests) > 1:
            evidence.append(f"one of {len(ests)} orientations the data allow; the effects carry the range")
    caveat = assumption[:1].upper() + assumption[1:] + "".join(f"; warning: {w.rstrip('.')}" for w in warnings)
    return MediationResult(
        question=question, treatment=x, outcome=y, mediator=m, t0=t0, t1=t1, answer=answer,
        finding=finding, reason=reason, mediator_on_path=st.answer, role=st.role, path=path,
        effects=effects, headline=headline, proportion_mediated=proportion,
        first_stage_adjustment=list(first.group.x_parents) if first else [],
        second_stage_adjustment=[v for v in first.group.m_parents if v != x] if first and first.group.on_path else [],
        assumption=assumption, warnings=warnings, notes=notes, graph_key=chosen.key,
        algorithm=chosen.algorithm, reused=chosen.reused, graph=g.to_json(), support=support_text,
        support_share=support_share, graph_answer=graph_answer, n=len(ds.frame_for([x, m, y])),
        summary=summary, evidence=evidence, caveat=caveat,
    )


def _summary(question: str, answer: str, reason: str, x: str, y: str, m: str, t0: float, t1: float,
             ests: list[GroupEstimate], proportion: float | None, chosen: Any, assumption: str,
             warnings: list[str], notes: list[str], effects: list[dict[str, Any]]) -> str:
    text = f"{_ASK[question].format(x=x, y=y, m=m)} {answer.capitalize()}: {reason} ({chosen.label})."
    if ests:
        e = ests[0]
        contrast = f"Changing {x} from {_g(t0)} to {_g(t1)}"
        if len(ests) > 1:
            contrast += f" (one of {len(ests)} orientations the data allow; ranges below)"
        text += (f" {contrast}: indirect effect through {m} (NIE) {_ci_text(e.indirect)}; direct effect not"
                 f" through {m} (NDE) {_ci_text(e.direct)}; total effect {_ci_text(e.total)}.")
        if proportion is not None:
            text += f" {proportion:.0%} of the total effect goes through {m}."
        for item in effects:
            rng = item.get("range")
            if rng:
                text += (f" Over the DAGs the data allow the {item['label']} effect ranges from {_g(rng['min'])}"
                         f" to {_g(rng['max'])}" + ("" if rng["agree"] else ", so it is not identified from the data alone") + ".")
        if e.group.on_path:
            second = [v for v in e.group.m_parents if v != x]
            text += (f" Adjusted for {_set(e.group.x_parents)} in {x} → {m} and {x} → {y}, and for"
                     f" {_set([x, *second])} in {m} → {y}.")
        elif e.group.x_causes_y:
            text += f" Adjusted for {_set(e.group.x_parents)} in {x} → {y}."
    text += f" Assumptions: {assumption}."
    text += "".join(f" Warning: {w.rstrip('.')}." for w in warnings)
    if chosen.reused is not None:
        text += " (Graph reused from memory.)" if chosen.reused else " (Graph learned now and stored.)"
    if notes:
        text += " Notes: " + " ".join(notes)
    return text


__all__ = ["MediationResult", "QUESTIONS", "assumption_text", "mediation", "structure", "arrow"]
