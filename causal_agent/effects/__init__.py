"""Average treatment effects with DoWhy: model -> identify -> estimate -> refute.

``estimate_effect(ctx, treatment, outcome, t0, t1, ...)`` is a facade over DoWhy's four steps that
also decides *which graph* the effect is identified from and says so in plain words:

* **Graph.** Named ``confounders`` give the DAG ``C -> T, C -> Y, T -> Y``. Otherwise the graph in
  memory under ``graph_key``, or the dataset's full graph from :func:`causal_agent.discover.discover`
  (reused from memory when it is already there).
* **Ambiguity (IDA).** A CPDAG may leave undirected edges at the treatment, and then the adjustment
  set depends on an orientation the data cannot decide. Following IDA (Maathuis, Kalisch & Bühlmann
  2009) we enumerate every set of T's undirected neighbours that may point into T (each checked to
  extend to a DAG of the class without a new v-structure or cycle, with the exact Dor–Tarsi test),
  estimate the effect for each, and report the ``range``. The headline is that range
  (``headline="range"``) unless the sets' estimates agree within their CIs, or DirectLiNGAM orients
  the undirected edges at T (continuous, non-Gaussian noise: :mod:`.orient`), or the graph itself
  came from LiNGAM or from background knowledge about T; ``headline_basis`` says which. If the
  outcome is a parent of T in some orientation, that orientation's effect is 0 (T cannot cause its
  own cause), so the range then includes 0 and the summary says the direction is not identified.
* **Identify.** Each orientation's DAG (restricted to the ancestors of T and Y) goes to DoWhy's
  ``CausalModel``; backdoor is preferred, then IV, then front-door. A graph with ``<->`` edges
  (latent confounders, e.g. PC orientation conflicts) is passed with a latent node per ``<->`` so
  DoWhy can find IV or front-door estimands. When a graph implies no directed path from T to Y we
  still estimate (adjusting for T's parents) and say the graph implies no effect.
* **Estimate.** A registered estimator, looked up by name in ``ctx.estimators`` (see
  :mod:`.estimate`). Linear regression by default. With a back-door set, ``auto`` also fits spline
  outcome models and keeps linear regression unless a nested F-test rejects it (p < 0.001) *and*
  the effect changes materially; then it reports g-computation (``gcomputation.spline_regression``:
  predictions averaged over the sample at T=t1 minus at T=t0, sandwich CI), since a slope times
  (t1 - t0) is not the interventional contrast of a nonlinear outcome. For a binary treatment with
  several covariates ``auto`` uses cross-fitted doubly robust AIPW, with overlap diagnostics and a
  balance table (:mod:`.overlap`). Propensity-score methods for a binary treatment;
  EconML's LinearDML when econml is installed. CIs are 95% and on the (t1 - t0) scale of the
  estimate. DoWhy's IV and front-door estimators ignore ``control_value``/``treatment_value``
  (front-door even squares the contrast), so those are estimated per unit and scaled, under the
  linearity they already assume.
* **Extrapolation.** t0 or t1 outside T's observed range is a warning in ``warnings`` and the summary.
* **Refute.** A placebo-treatment refuter (random common cause for front-door, where permuting T
  does not reach the estimator; our own permutation placebo for g-computation), with ``ctx.settings.refute_simulations`` simulations.

The package follows those steps: :mod:`.choose` (which graph), :mod:`.identify` (orientations and
the DoWhy graph), :mod:`.estimate` with one registered estimator a module in :mod:`.estimators`,
:mod:`.refute` and :mod:`.report` (assumptions and summary); this module is the facade.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import CausalAgentError, DataError, GraphError, VariableError
from .choose import graph_source
from .estimate import default_for, estimator_table, normalize_method, resolve_method, run_dowhy
from .estimators.base import EffectRun
from .identify import dowhy_graph, orientations
from .orient import lingam_orientation
from .refute import refute
from .report import assumption, fmt, num, set_text, summary
from .results import AdjustmentEstimate, EffectRange, EffectResult, Estimand, Refutation

if TYPE_CHECKING:  # pragma: no cover
    from ..context import AgentContext
    from ..data import Dataset


def _check_variables(ds: Dataset, t: str, y: str, t0: float, t1: float) -> list[str]:
    notes: list[str] = []
    if t == y:
        raise VariableError(f"treatment and outcome are both {t!r}; name two different variables")
    for var, role in ((t, "treatment"), (y, "outcome")):
        kind = ds.kind(var)
        if kind == "categorical":
            codes = ds.encoding(var) or {}
            raise DataError(
                f"the {role} {var!r} is text with {len(codes)} categories"
                f" ({', '.join(list(codes)[:5])}); an average effect needs a numeric or binary"
                f" {role}, so recode it (e.g. one 0/1 column per category)"
            )
        codes = ds.encoding(var)
        if codes:
            coding = ", ".join(f"{level}={code}" for level, code in codes.items())
            notes.append(f"{role} {var} is text, coded {coding}.")
    if not (math.isfinite(t0) and math.isfinite(t1)):
        raise DataError(f"t0 and t1 must be finite numbers, got t0={t0}, t1={t1}")
    if t0 == t1:
        raise DataError(f"t0 and t1 are both {num(t0)}, so there is no contrast; pass two different treatment values")
    return notes


def estimate_effect(
    ctx: AgentContext,
    treatment: str,
    outcome: str,
    t0: float = 0.0,
    t1: float = 1.0,
    dataset: str | Dataset | None = None,
    confounders: Sequence[str] | None = None,
    graph_key: str | None = None,
    method: str = "auto",
    contrast: str | None = None,
) -> EffectResult:
    """The ATE E[Y | do(T=t1)] - E[Y | do(T=t0)] with a 95% CI, a refuter and its assumptions.

    ``contrast`` ("stop", "shift:D", "set:V"; :mod:`.contrast`) replaces t0 and t1 by values read
    off the data, and the result states it. See the module docstring for the graph, IDA range,
    identification and estimation rules.
    """
    estimators = estimator_table(ctx.estimators)
    if (method or "auto").strip().lower() == "auto":
        method = ctx.settings.estimator or "auto"  # the user's configured default
    chosen = resolve_method(estimators, method)
    t0, t1 = float(t0), float(t1)
    if isinstance(confounders, str):
        confounders = [c for c in confounders.split(",") if c.strip()]
    if dataset is None and graph_key and not confounders:
        prov = ctx.memory.get(graph_key).provenance
        ds = ctx.datasets.get(prov.dataset)
    else:
        ds = dataset if hasattr(dataset, "fingerprint") else ctx.datasets.get(dataset)  # type: ignore[arg-type]
    notes: list[str] = []
    tm, ym = ds.match(treatment), ds.match(outcome)
    notes += [m.note + "." for m in (tm, ym) if m.note]
    t, y = tm.name, ym.name
    contrast_text, contrast_warnings = None, []
    if contrast:
        from .contrast import resolve_contrast

        t0, t1, contrast_text, contrast_warnings = resolve_contrast(ds, t, contrast)
    notes += _check_variables(ds, t, y, t0, t1)

    source = graph_source(ctx, ds, t, y, confounders, graph_key)
    notes += source.notes
    graph = source.graph
    missing = [v for v in (t, y) if v not in graph.nodes]
    if missing:
        raise GraphError(
            f"{source.label} has no node {missing[0]!r}; discover a graph that includes it or"
            " name the confounders"
        )
    orients = orientations(graph, t, y, source.label)
    if orients[0].conflict:
        notes.append(
            f"{source.label} has conflicting orientations (no consistent DAG), so the estimate"
            f" adjusts for the directed parents of {t} only: {set_text(sorted(orients[0].parents))}."
        )
    graphs = [None if o.y_parent else dowhy_graph(o, t, y) for o in orients]
    needed = [v for v in graph.nodes if v in {t, y} or any(
        g is not None and v in g.nodes for g in graphs)]
    frame = ds.frame_for(needed)
    if frame.attrs.get("dropped_rows"):
        notes.append(f"{frame.attrs['dropped_rows']} row(s) with missing values were left out.")
    if frame[t].nunique() < 2:
        raise DataError(f"treatment {t!r} is constant in the usable rows; an effect needs variation in it")

    runs: list[EffectRun | None] = []
    for o, g in zip(orients, graphs):
        pinned = sorted(o.parents) if o.admg is None and set(o.parents) <= set(frame.columns) else None
        runs.append(None if g is None else run_dowhy(
            frame, g, t, y, t0, t1, chosen, estimators, ctx.settings, adjust=pinned))

    ambiguous = len(orients) > 1
    entries = [_entry(o, r, t, y, ambiguous) for o, r in zip(orients, runs)]
    effect_range = None
    head_i = 0  # orientations are listed definite-parents-only first
    basis, basis_reason = _basis(ctx, source, t)
    if ambiguous:
        values = [e.estimate for e in entries]
        agree = sets_agree(entries)
        effect_range = EffectRange(min=min(values), max=max(values), estimates=entries, agree=agree)
        basis, basis_reason = "ambiguous", (
            f"the {len(orients)} possible parent sets of {t} give estimates that differ by more than"
            " their CIs, and nothing orients the undirected edges")
        if agree:
            basis, basis_reason = "sets_agree", (
                f"the {len(orients)} possible parent sets of {t} give estimates inside each other's 95%"
                " CIs, so the orientation does not matter for the answer")
        else:
            choice = lingam_orientation(ctx, ds if source.key else None, graph, t, orients)
            if choice is not None and choice.index is not None:
                head_i, basis, basis_reason = choice.index, "lingam", choice.reason
            elif choice is not None:
                notes.append(choice.reason + "; the headline stays the range.")
    head, head_run = orients[head_i], runs[head_i]
    # identified when every orientation agrees on whether T can cause Y at all
    direction_identified = len({o.y_parent or o.no_path for o in orients}) == 1
    implies_zero = all(o.no_path or o.y_parent for o in orients)

    refutation = None
    if head_run is not None and ctx.settings.refute:
        refutation = refute(head_run, ctx.settings)

    # the answer is the range; estimate/CI stay one stated set's (the headline orientation's entry,
    # 0 where the graph implies no effect), never a midpoint nobody estimated
    head_estimate = ((entries[head_i].estimate, entries[head_i].ci_low, entries[head_i].ci_high)
                     if basis == "ambiguous" else None)
    if head_run is None:
        estimate, low, high = 0.0, None, None
        fallback = chosen or default_for(estimators, "backdoor")
        dowhy_method, estimand, adjustment = fallback.estimator.method_name, "backdoor", sorted(head.parents)
        instruments, mediators = [], []
    else:
        estimate, low, high = head_run.estimate, head_run.ci_low, head_run.ci_high
        dowhy_method, estimand, adjustment = head_run.dowhy_method, head_run.estimand, head_run.adjustment_set
        instruments, mediators = head_run.instruments, head_run.mediators

    if head_estimate is not None:
        estimate, low, high = head_estimate

    warnings: list[str] = []
    tables: list[dict] = []
    overlap = None
    if head_run is not None:
        notes += head_run.estimator.notes(head_run, t, y)
        diag = head_run.diagnostics
        if diag is not None:
            warnings += diag.warnings
            tables.append(diag.balance)
            overlap = diag.overlap
        if head_run.design_note and head_run.estimator.binary_design is False:
            warnings.append(head_run.design_note)  # auto could not use the design estimator
    design = head_run.design_note if head_run is not None and head_run.estimator.binary_design else None
    observed_range = (float(frame[t].min()), float(frame[t].max()))
    warnings += extrapolation(t, t0, t1, observed_range, head_run or next((r for r in runs if r), None))
    warnings += contrast_warnings
    coded = [v for v in [*(adjustment or []), *instruments, *mediators]
             if v in ds.columns and ds.is_nominal(v)]
    if coded:
        warnings.append(
            f"{', '.join(coded)} {'is' if len(coded) == 1 else 'are'} nominal text whose integer codes"
            " enter the model as one number, so the adjustment is only as good as that arbitrary"
            " order; recode each category as its own 0/1 column for a proper adjustment."
        )
    assumed = assumption(t, y, estimand, adjustment, instruments, mediators, source, head,
                         len(orients), head_run, basis)
    result = EffectResult(
        treatment=t, outcome=y, t0=t0, t1=t1, estimate=estimate, ci_low=low, ci_high=high,
        method=dowhy_method, estimand=estimand, adjustment_set=adjustment, instruments=instruments,
        mediators=mediators, assumption=assumed, graph_key=source.key, range=effect_range,
        headline="range" if basis == "ambiguous" else "estimate", headline_basis=basis,
        headline_reason=basis_reason, design=design, observed_range=observed_range, overlap=overlap, tables=tables,
        warnings=warnings, contrast=contrast_text,
        direction_identified=direction_identified, graph_implies_zero=implies_zero,
        refutation=refutation, n=int(len(frame)), notes=notes, summary="",
    )
    result.summary = summary(result, head, len(orients), head_run)
    return result


def _entry(o: Any, r: EffectRun | None, t: str, y: str, ambiguous: bool) -> AdjustmentEstimate:
    """One orientation's row of the range. Where the graph implies no effect (Y is T's parent, or
    no directed path T -> Y) the row is 0, so the range includes 0 as its note says; the adjusted
    association is kept in the note only."""
    adjustment = sorted(o.parents) if r is None else (r.adjustment_set or [])
    if r is None:
        return AdjustmentEstimate(parents=sorted(o.parents), adjustment_set=adjustment, estimate=0.0,
                                  note=f"{y} is a parent of {t} here, so {t} cannot cause {y}: effect 0"
                                  " (not estimated)")
    if o.no_path and ambiguous:
        return AdjustmentEstimate(
            parents=sorted(o.parents), adjustment_set=adjustment, estimate=0.0,
            note=f"no directed path {t} -> {y} here; the graph implies effect 0 (the association"
                 f" adjusted for {set_text(adjustment)}, {fmt(r.estimate)}, is not a causal effect)")
    return AdjustmentEstimate(
        parents=sorted(o.parents), adjustment_set=adjustment, estimate=r.estimate, ci_low=r.ci_low,
        ci_high=r.ci_high,
        note=f"no directed path {t} -> {y} here; the graph implies effect 0" if o.no_path else None)


def sets_agree(entries: Sequence[AdjustmentEstimate]) -> bool:
    """Every set's estimate lies inside every other set's 95% CI (a set without a CI, e.g. an
    orientation where the effect is 0 by the graph, only has to fall inside the others')."""
    for a in entries:
        if a.ci_low is None or a.ci_high is None:
            continue
        if any(not (a.ci_low <= b.estimate <= a.ci_high) for b in entries):
            return False
    return any(e.ci_low is not None for e in entries)


def extrapolation(t: str, t0: float, t1: float, observed: tuple[float, float],
                  run: EffectRun | None) -> list[str]:
    """A warning when t0 or t1 lies outside the treatment's observed range. ``run`` is the headline
    estimate's run, else any estimated orientation's (a range's sets are extrapolated alike); with
    none (the graph implies the effect is 0, nothing was estimated) there is nothing to warn of."""
    lo, hi = observed
    outside = [f"{name}={num(v)}" for name, v in (("t0", t0), ("t1", t1)) if v < lo or v > hi]
    if not outside or run is None:
        return []
    model = run.label
    return [
        f"{' and '.join(outside)} {'lies' if len(outside) == 1 else 'lie'} outside the observed range"
        f" of {t} ({fmt(lo)} to {fmt(hi)}): the estimate there is an extrapolation that relies on the"
        f" {model}'s functional form, not on data."
    ]


def _basis(ctx: AgentContext, source: Any, t: str) -> tuple[str, str]:
    """Why an unambiguous graph fixes T's parents: DirectLiNGAM oriented it, background knowledge
    about T went into it, or the data's independences alone."""
    if source.key is None:
        return "unambiguous", "the named confounders fix the adjustment set"
    try:
        prov = ctx.memory.get(source.key).provenance
    except CausalAgentError:
        return "unambiguous", f"the graph fixes the parents of {t}"
    algo = ctx.algorithms.get(prov.algorithm)
    if algo is not None and "non_gaussian" in algo.assumptions and source.graph.kind == "dag":
        return "lingam", (f"{algo.label} oriented every edge of the graph, assuming a linear model with"
                          " non-Gaussian noise")
    bg = (prov.params or {}).get("background") or {}
    pairs = [*(bg.get("required") or []), *(bg.get("forbidden") or [])]
    if any(t in pair for pair in pairs) or any(t in tier for tier in bg.get("tiers") or []):
        return "background", f"the graph fixes the parents of {t} with background knowledge about {t}"
    return "unambiguous", f"the graph fixes the parents of {t}"


__all__ = [
    "AdjustmentEstimate", "EffectRange", "EffectResult", "Estimand", "Refutation", "estimate_effect",
    "normalize_method",
]
