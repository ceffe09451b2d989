"""Estimate: the registered estimator, looked up by name (DoWhy's ``method_name`` style), run on
one orientation's DAG.

``auto`` reads the estimators' declarations, never their names: for the estimand the graph gives
(back-door, then IV, then front-door) it uses the first registered ``auto`` estimator that is not
``nonlinear``, and on that estimand it also fits the first ``nonlinear=True`` ``auto`` estimator;
the nonlinear one replaces the default only when its test rejects a linear outcome model
(p < NONLINEAR_ALPHA) *and* the effect changes materially.

An observational design: when the treatment is binary (its two values are t0 and t1) and the
back-door set has at least ``DR_MIN_COVARIATES`` covariates, ``auto`` uses the first registered
``auto`` estimator declaring ``binary_design`` (the cross-fitted doubly robust AIPW) instead: with
several covariates a single outcome regression extrapolates between arms that need not overlap,
and DR stays consistent if either its propensity or its outcome model is right. If that design
cannot support an estimate (too few units in an arm, or none left after trimming), ``auto``
falls back to the default estimator and the result carries a warning saying why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import AlgorithmError, CausalAgentError, DataError, GraphError
from .estimators.base import (
    DR_MIN_COVARIATES,
    NONLINEAR_ALPHA,
    NONLINEAR_MIN_REL,
    NONLINEAR_MIN_SD,
    EffectRun,
    OutcomeFit,
    quiet,
)
from .identify import observed, pin_backdoor
from .results import ESTIMANDS

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import pandas as pd

    from ..registry import Estimator


def estimator_table(estimators: Mapping[str, Estimator] | None) -> Mapping[str, Estimator]:
    """``estimators`` (a context's); an empty table is a one-line AlgorithmError."""
    from ..registry import registered

    return registered(estimators, "effect estimators")


def resolve_method(estimators: Mapping[str, Estimator], method: str | None) -> Estimator | None:
    """The registered estimator named ``method`` (by name, label or alias; ``-`` and spaces read
    as ``_``), or None for ``auto``; a one-line AlgorithmError lists the known names."""
    from ..registry import lookup

    raw = (method or "auto").strip()
    key = raw.lower().replace("-", "_").replace(" ", "_")
    if key == "auto":
        return None
    try:
        entry = lookup(estimators, key, "effect method")
    except AlgorithmError as exc:
        raise AlgorithmError(f"{exc} Or use 'auto' to let the data choose.") from None
    entry.estimator.check_available()
    return entry


def normalize_method(method: str | None, estimators: Mapping[str, Estimator]) -> str:
    """The registered name of ``method`` (``auto`` stays ``auto``); AlgorithmError lists the valid ones."""
    entry = resolve_method(estimators, method)
    return "auto" if entry is None else entry.name


def default_for(estimators: Mapping[str, Estimator], estimand: str) -> Estimator:
    """``auto``'s estimator for ``estimand``: the first registered ``auto`` one that is not nonlinear."""
    for entry in estimators.values():
        est = entry.estimator
        if est.auto and not entry.nonlinear and not est.binary_design and est.estimand == estimand:
            return entry
    raise AlgorithmError(
        f"no registered effect estimator handles a {estimand} estimand for method='auto'; name a"
        f" method ({', '.join(estimators)})"
    )


def nonlinear_for(estimators: Mapping[str, Estimator], estimand: str) -> Estimator | None:
    """The first registered ``auto``, ``nonlinear=True`` estimator for ``estimand``, if any."""
    for entry in estimators.values():
        if entry.estimator.auto and entry.nonlinear and entry.estimator.estimand == estimand:
            return entry
    return None


def design_for(estimators: Mapping[str, Estimator]) -> Estimator | None:
    """The first registered ``auto`` back-door estimator declaring ``binary_design``, if any."""
    for entry in estimators.values():
        est = entry.estimator
        if est.auto and est.binary_design and est.estimand == "backdoor":
            return entry
    return None


def binary_contrast(data: pd.DataFrame, t: str, t0: float, t1: float) -> bool:
    """The treatment takes exactly the two values t0 and t1."""
    return {float(v) for v in data[t].dropna().unique()} == {float(t0), float(t1)}


def nonlinear_matters(fit: OutcomeFit, linear: float, sd_y: float) -> bool:
    """auto's switch: linearity rejected at NONLINEAR_ALPHA *and* a material change in the effect."""
    return fit.p_linear < NONLINEAR_ALPHA and abs(fit.estimate - linear) > (
        NONLINEAR_MIN_REL * abs(linear) + NONLINEAR_MIN_SD * sd_y)


def _ci(est: Any) -> tuple[float | None, float | None]:
    import numpy as np

    try:
        ci = est.get_confidence_intervals()
    except Exception:  # noqa: BLE001 - some estimators have no CI: report none rather than fail
        return None, None
    if ci is None:
        return None, None
    arr = np.asarray(ci, dtype=float).ravel()
    if arr.size < 2 or not np.all(np.isfinite(arr[:2])):
        return None, None
    return float(min(arr[0], arr[1])), float(max(arr[0], arr[1]))


def run_dowhy(
    frame: pd.DataFrame, g: nx.DiGraph, t: str, y: str, t0: float, t1: float,
    chosen: Estimator | None, estimators: Mapping[str, Estimator], settings: Any,
    adjust: Sequence[str] | None = None,
) -> EffectRun:
    """Identify with DoWhy on ``g``, then estimate with ``chosen`` (None: ``auto``)."""
    from dowhy import CausalModel

    data = frame[observed(g)].copy()
    with quiet(settings.seed):
        model = CausalModel(data=data, treatment=t, outcome=y, graph=g)
        ident = model.identify_effect(proceed_when_unidentifiable=True)
    has = {k: ident.estimands.get(k) is not None for k in ESTIMANDS}
    if chosen is None:
        estimand = next((k for k in ESTIMANDS if has[k]), None)
        if estimand is None:
            raise GraphError(
                f"the effect of {t} on {y} is not identified by the graph (no backdoor set,"
                " instrument or front-door set); name the confounders or use another graph"
            )
        entry = default_for(estimators, estimand)
        fitter = entry if not entry.estimator.dowhy else nonlinear_for(estimators, estimand)
    else:
        entry, estimand = chosen, chosen.estimator.estimand
        fitter = None if entry.estimator.dowhy else entry
        if not has[estimand]:
            avail = [k for k, v in has.items() if v]
            fix = f"use method='auto' ({' or '.join(avail)} is available)" if avail else "name the confounders"
            raise AlgorithmError(
                f"method {entry.name!r} needs a {estimand} estimand, but the graph gives none for"
                f" {t} -> {y}; {fix}"
            )
    est_obj = entry.estimator
    dowhy_method = est_obj.method_name
    if estimand == "backdoor":
        pin_backdoor(ident, adjust)
    adjustment = list(ident.get_backdoor_variables() or []) if estimand == "backdoor" else []
    instruments = list(ident.get_instrumental_variables() or []) if estimand == "iv" else []
    mediators = list(ident.get_frontdoor_variables() or []) if estimand == "frontdoor" else []
    bootstrap = int(getattr(settings, "bootstrap", 0) or 0)

    design_note = None
    design = design_for(estimators) if chosen is None and estimand == "backdoor" else None
    if design is not None and len(adjustment) >= DR_MIN_COVARIATES and binary_contrast(data, t, t0, t1):
        try:
            fit_dr = design.estimator.fit(data.copy(), t, y, sorted(adjustment), t0, t1, bootstrap,
                                          settings.seed)
        except DataError as exc:
            design_note = (f"{t} is binary with {len(adjustment)} covariates to adjust for, but"
                           f" {design.label} could not be used: {exc}. auto fell back to an outcome"
                           " regression, which extrapolates across units without comparable"
                           " counterparts.")
        else:
            return EffectRun(
                estimate=fit_dr.estimate, ci_low=fit_dr.ci_low, ci_high=fit_dr.ci_high,
                estimand="backdoor", method=design.name, dowhy_method=design.estimator.method_name,
                label=design.label, estimator=design.estimator, adjustment_set=sorted(adjustment),
                model=model, identified=ident, frame=data, contrast=(t, y, t0, t1), fit=fit_dr,
                diagnostics=getattr(fit_dr, "diagnostics", None),
                design_note=(f"auto chose {design.label} because {t} is binary and there are"
                             f" {len(adjustment)} covariates to adjust for (at least"
                             f" {DR_MIN_COVARIATES}): it models both who gets treated and the outcome,"
                             " and stays consistent if either model is right, where one regression"
                             " would extrapolate between the arms."),
            )

    c0, c1, scale, sign = est_obj.prepare(data, t, t0, t1)
    ci_arg, params = est_obj.dowhy_params(settings, bootstrap)
    est_obj.check_adjustment(t, y, adjustment)
    columns = list(data.columns)
    model = None
    try:
        with quiet(settings.seed):
            model = CausalModel(data=data, treatment=t, outcome=y, graph=g)
            ident = model.identify_effect(proceed_when_unidentifiable=True)
            if estimand == "backdoor":
                pin_backdoor(ident, adjust)
                adjustment = list(ident.get_backdoor_variables() or [])
            if not est_obj.dowhy:  # fitted below
                est, low, high = None, None, None
            else:
                est = model.estimate_effect(
                    ident, method_name=dowhy_method, control_value=c0, treatment_value=c1,
                    confidence_intervals=ci_arg, effect_modifiers=[], method_params=params or None,
                )
                low, high = _ci(est)
            # Propensity estimators cache their scores as a column of the model's data; refuters
            # copy that data, so a stale column would score the placebo treatment with the real
            # treatment's propensities. Keep the model's data as it was given.
            model._data = model._data[columns].copy()
    except CausalAgentError:
        raise
    except Exception as exc:  # a library failure on this data: one line, with what to try
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        fallback = default_for(estimators, "backdoor").name
        alt = f"method='{fallback}'" if entry.name != fallback else "fewer confounders"
        raise AlgorithmError(
            f"DoWhy {dowhy_method} failed for {t} -> {y} ({type(exc).__name__}: {first}); try {alt}"
        ) from exc
    p_linear = linear_estimate = None
    if fitter is not None:
        explicit = fitter is entry
        try:
            fit: OutcomeFit | None = fitter.estimator.fit(data, t, y, adjustment, t0, t1, bootstrap, settings.seed)
        except DataError:
            if explicit:
                raise
            fit = None  # too few rows to test linearity: auto keeps the default model
        p_linear = None if fit is None else fit.p_linear
        if fit is not None and (explicit or nonlinear_matters(fit, float(est.value), float(data[y].std()))):
            linear_estimate = None if est is None else float(est.value)
            return EffectRun(
                estimate=fit.estimate, ci_low=fit.ci_low, ci_high=fit.ci_high,
                estimand=fitter.estimator.estimand, method=fitter.name,
                dowhy_method=fitter.estimator.method_name, label=fitter.label,
                estimator=fitter.estimator, adjustment_set=sorted(adjustment), model=model,
                identified=ident, p_linear=p_linear, linear_estimate=linear_estimate, frame=data,
                contrast=(t, y, t0, t1), fit=fit, diagnostics=getattr(fit, "diagnostics", None),
                design_note=design_note,
            )
    value = float(est.value)
    if not math.isfinite(value):
        raise DataError(
            f"the {entry.label} estimate of {t} -> {y} is not finite (perfect collinearity or no"
            " overlap?); try fewer confounders or method='linear'"
        )
    diagnostics = est_obj.diagnose(data, t, adjustment, settings.seed) if adjustment else None
    factor = scale * sign
    value *= factor
    if low is not None and high is not None:
        low, high = sorted((low * factor, high * factor))
    return EffectRun(
        estimate=value, ci_low=low, ci_high=high, estimand=estimand, method=entry.name,
        dowhy_method=dowhy_method, label=entry.label, estimator=est_obj,
        adjustment_set=sorted(adjustment), instruments=sorted(instruments),
        mediators=sorted(mediators), model=model, identified=ident, dowhy_estimate=est,
        scale=scale, sign=sign, p_linear=p_linear, diagnostics=diagnostics, design_note=design_note,
    )
