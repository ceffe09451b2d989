"""The words of an effect estimate: its assumptions and its plain-language summary.

Numbers are formatted here only, so the summary, the notes and the errors agree on how an
estimate, a p-value or a set is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .choose import Source
    from .estimators.base import EffectRun
    from .identify import Orientation
    from .results import EffectResult


def fmt(x: float | None) -> str:
    """An estimate with three significant digits (scientific below 1e-3)."""
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.2e}"


def p_text(p: float | None) -> str:
    if p is None:
        return "p n/a"
    return "p<1e-16" if p < 1e-16 else f"p={p:.2g}"


def set_text(names: Sequence[str]) -> str:
    return "{" + ", ".join(names) + "}"


def num(x: float) -> str:
    """A treatment value as the user would write it (1, not 1.0)."""
    return f"{x:g}"


def assumption(
    t: str, y: str, estimand: str, adjustment: list[str], instruments: list[str],
    mediators: list[str], source: Source, head: Orientation, n_orientations: int,
    run: EffectRun | None, basis: str = "unambiguous",
) -> str:
    """What must hold for the headline estimate to be causal: identification, graph, model."""
    parts: list[str] = []
    if head.y_parent:
        parts.append(f"{y} causes {t}, as the graph says")
    elif estimand == "backdoor":
        parts.append(f"no unobserved confounding given {set_text(adjustment)}" if adjustment
                     else f"no unobserved confounding of {t} and {y}")
    elif estimand == "iv":
        parts.append(f"{set_text(instruments)} affect {y} only through {t} and share no unobserved cause with {y}")
    else:
        parts.append(f"{t} affects {y} only through {set_text(mediators)}, with no unobserved confounding"
                     f" of {t} -> {set_text(mediators)} and none of {set_text(mediators)} -> {y} given {t}")
    if source.key is None:
        parts.append(source.label)
    else:
        parts.append(f"the graph {source.key} is right")
    if basis == "ambiguous":
        parts.append(f"the parents of {t} are one of the {n_orientations} sets the graph allows")
    elif basis == "lingam":
        parts.append("a linear model with non-Gaussian noise (DirectLiNGAM's orientation)")
        if n_orientations > 1:
            parts.append(headline_orientation(t, head) + f" (one of {n_orientations} orientations the"
                         " equivalence class allows, chosen by DirectLiNGAM)")
    elif n_orientations > 1:
        parts.append(headline_orientation(t, head) + f" (one of {n_orientations} orientations the data"
                     " allow; their estimates agree within the CIs)")
    if head.y_parent or run is None:
        return "; ".join(parts)
    parts += run.estimator.assumptions(run, t, y)
    return "; ".join(parts)


def headline_orientation(t: str, head: Orientation) -> str:
    away = [s for s in head.siblings if s not in head.into]
    parts = []
    if head.into:
        parts.append(", ".join(f"{s} --> {t}" for s in head.into))
    if away:
        parts.append(", ".join(f"{t} --> {s}" for s in away))
    return "the undirected edges at " + t + " are oriented " + " and ".join(parts)


def summary(r: EffectResult, head: Orientation, n_orientations: int, run: EffectRun | None) -> str:
    """The headline, its CI, the IDA range, the direction, the assumptions and the refuter."""
    t, y = r.treatment, r.outcome
    contrast = f"{t} from {num(r.t0)} to {num(r.t1)}"
    if r.headline == "range" and r.range is not None:
        return _range_summary(r, head, n_orientations, run)
    if run is None:
        text = (f"{y} is a parent of {t} in the graph, so {t} cannot cause {y}: the effect of"
                f" changing {contrast} on {y} is 0 (implied by the graph, not estimated).")
    else:
        ci = (f" (95% CI {fmt(r.ci_low)} to {fmt(r.ci_high)})" if r.ci_low is not None else "")
        label = run.label
        how = {
            "backdoor": f"{label} adjusting for {set_text(r.adjustment_set)}" if r.adjustment_set
            else f"{label} with no adjustment needed",
            "iv": f"{label} with instrument(s) {set_text(r.instruments)}",
            "frontdoor": f"{label} through {set_text(r.mediators)}",
        }[r.estimand]
        text = f"Changing {contrast} changes {y} by {fmt(r.estimate)}{ci}, by {how}."
        if r.ci_low is not None and r.ci_high is not None and not r.graph_implies_zero:
            if r.ci_low > 0 or r.ci_high < 0:
                text += " The CI excludes 0."
            else:
                text += " The CI includes 0, so the data do not show an effect."
    if r.graph_implies_zero and run is not None:
        text += (f" But the graph implies {t} does not cause {y} (no directed path {t} -> {y} in any"
                 f" DAG the data allow), so the causal effect is 0; the estimate above is the adjusted"
                 " association" + (" and it is consistent with 0." if r.ci_low is not None
                                   and r.ci_low <= 0 <= (r.ci_high or 0) else "."))
    if r.design is not None:
        text += " " + r.design
    if r.range is not None:
        sibs = head.siblings
        text += (f" The graph leaves {len(sibs)} edge(s) at {t} undirected"
                 f" ({', '.join(f'{t} --- {s}' for s in sibs)}): over the {n_orientations} possible"
                 f" parent sets of {t} the effect ranges from {fmt(r.range.min)} to {fmt(r.range.max)}."
                 f" A single number because {r.headline_reason}; it assumes "
                 + headline_orientation(t, head) + f", so {t}'s parents are {set_text(sorted(head.parents))}.")
    elif r.headline_basis in ("lingam", "background"):
        text += f" The adjustment set is fixed because {r.headline_reason}."
    return _tail(r, text)


def _tail(r: EffectResult, text: str) -> str:
    """Direction, warnings, assumptions, refuter and n: the end of every summary."""
    t, y = r.treatment, r.outcome
    if not r.direction_identified:
        text += f" The data do not identify whether {t} causes {y}: the direction is not identified."
    for w in r.warnings:
        text += f" Warning: {w}"
    text += f" Assumes: {r.assumption}."
    if r.refutation is not None:
        ref = r.refutation
        verdict = "passed" if ref.passed else "FAILED"
        p = f", p={ref.p_value:.2g}" if ref.p_value is not None else ""
        what = "placebo-treatment effect" if ref.refuter.startswith("placebo") else "effect with a random common cause"
        text += f" Refuter ({ref.refuter}): {verdict} ({what} {fmt(ref.new_effect)}{p})."
    text += f" n={r.n}."
    return text


def _range_summary(r: EffectResult, head: Orientation, n_orientations: int, run: EffectRun | None) -> str:
    """The headline is the range: lead with it, then each set's estimate, then why no single number."""
    assert r.range is not None
    t, y = r.treatment, r.outcome
    sibs = head.siblings
    text = (f"Changing {t} from {num(r.t0)} to {num(r.t1)} changes {y} by between {fmt(r.range.min)}"
            f" and {fmt(r.range.max)}: the effect is not identified from the data alone, since the graph"
            f" leaves {', '.join(f'{t} --- {s}' for s in sibs)} undirected and the {n_orientations}"
            " possible adjustment sets disagree beyond their CIs.")
    parts = []
    for e in r.range.estimates:
        ci = f" (95% CI {fmt(e.ci_low)} to {fmt(e.ci_high)})" if e.ci_low is not None else ""
        parts.append(f"with parents {set_text(e.parents)} of {t}: {fmt(e.estimate)}{ci}"
                     + (f" [{e.note}]" if e.note else ""))
    text += " By parent set: " + "; ".join(parts) + "."
    label = run.label if run is not None else "the estimator"
    text += (f" No single number: {r.headline_reason}. Background knowledge about the edges at {t}, or"
             f" continuous data with non-Gaussian noise (DirectLiNGAM), would pick one ({label} was used"
             " for each set).")
    if r.design is not None:
        text += " " + r.design
    return _tail(r, text)
