"""Design diagnostics for a binary treatment: propensity scores, overlap, trimming and balance.

Why these rules (written down so the numbers can be checked):

* **Propensity model.** A logistic regression on cubic-spline features of each covariate
  (standardised, ``PS_KNOTS`` knots, L2 penalty ``C=1``). A plain linear logit is the usual
  misspecification in observational designs (earnings with many zeros, ages); additive splines fix
  most of it without the variance of a tree ensemble at a few hundred treated units.
* **Overlap.** Units whose score lies outside ``OVERLAP_BOUNDS`` = [0.05, 0.95] have (almost) no
  comparable unit in the other arm: the doubly robust estimator *drops* them (Crump et al. 2009
  trim at 0.1/0.9; 0.05/0.95 is DoWhy's own clipping bound for weighting, so all the propensity
  methods here use one bound), and the estimand becomes the effect over the units left, which the
  summary says. DoWhy's weighting estimator *clips* scores to the same bounds instead.
* **Support.** Fewer than ``MIN_ARM`` units in either arm (before or after trimming) and the design
  cannot support an estimate: a one-line DataError says so. More than ``MAX_TRIMMED_SHARE`` trimmed
  is a warning: the answer is about a small, selected part of the data.
* **Balance.** Standardised mean differences (treated minus control mean over the pooled SD of the
  unweighted arms) per covariate, before and after inverse-propensity weighting. ``|SMD| > 0.1``
  after weighting is the conventional sign of remaining imbalance, and is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..errors import AlgorithmError, DataError
from .report import num

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

OVERLAP_BOUNDS: tuple[float, float] = (0.05, 0.95)
MIN_ARM = 10
MAX_TRIMMED_SHARE = 0.5
SMD_LIMIT = 0.1
PS_KNOTS = 5


class Overlap(BaseModel):
    """Propensity-score overlap of a binary treatment and what was done about the extremes."""

    n_treated: int
    n_control: int
    ps_min: float
    ps_max: float
    treated_range: tuple[float, float] = Field(description="score range among the treated")
    control_range: tuple[float, float] = Field(description="score range among the controls")
    bounds: tuple[float, float] = OVERLAP_BOUNDS
    n_outside: int = Field(description="units whose score lies outside the bounds")
    share_outside: float
    action: str = Field(description="'trimmed' (dropped) or 'clipped' (scores set to the bounds)")
    n_used: int = Field(description="units the estimate uses")


class Diagnostics(BaseModel):
    """What a propensity-based design reports besides its estimate."""

    overlap: Overlap
    balance: dict[str, Any] = Field(description="table {title, columns, rows}: SMD before/after weighting")
    max_smd_before: float
    max_smd_after: float
    warnings: list[str] = Field(default_factory=list)


def propensity_model(seed: int) -> Any:
    """The sklearn classifier every propensity method here uses (rule in the module docstring)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    return make_pipeline(
        StandardScaler(),
        SplineTransformer(n_knots=PS_KNOTS, degree=3, extrapolation="linear"),
        LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=200, random_state=seed),
    )


def one_thread() -> Any:
    """BLAS limited to one thread for the small fits here: on a busy machine its thread pool made
    each fit ~10x slower (0.6 s instead of 0.05 s at 2000 x 4)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def check_arms(t_name: str, n_treated: int, n_control: int, when: str = "") -> None:
    """DataError when either arm is too small for a propensity design."""
    if min(n_treated, n_control) < MIN_ARM:
        raise DataError(
            f"the design cannot support an estimate: {n_treated} treated and {n_control} control"
            f" units{when} (at least {MIN_ARM} of each are needed for {t_name}); collect more data,"
            " use fewer confounders, or use method='linear' and accept its extrapolation"
        )


def scores(x: np.ndarray, treated: np.ndarray, seed: int) -> np.ndarray:
    """In-sample propensity scores from :func:`propensity_model`."""
    with one_thread():
        return propensity_model(seed).fit(x, treated).predict_proba(x)[:, 1]


def overlap(ps: np.ndarray, treated: np.ndarray, action: str) -> Overlap:
    import numpy as np

    low, high = OVERLAP_BOUNDS
    outside = (ps < low) | (ps > high)
    t, c = ps[treated], ps[~treated]
    return Overlap(
        n_treated=int(treated.sum()), n_control=int((~treated).sum()),
        ps_min=float(ps.min()), ps_max=float(ps.max()),
        treated_range=(float(t.min()), float(t.max())), control_range=(float(c.min()), float(c.max())),
        n_outside=int(outside.sum()), share_outside=float(np.mean(outside)), action=action,
        n_used=int((~outside).sum()) if action == "trimmed" else int(ps.size),
    )


def smd(x: np.ndarray, treated: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Standardised mean differences per column (pooled SD of the unweighted arms)."""
    import numpy as np

    xt, xc = x[treated], x[~treated]
    sd = np.sqrt((xt.var(axis=0, ddof=1) + xc.var(axis=0, ddof=1)) / 2)
    sd = np.where(sd > 0, sd, 1.0)
    if w is None:
        return (xt.mean(axis=0) - xc.mean(axis=0)) / sd
    wt, wc = w[treated], w[~treated]
    return (np.average(xt, axis=0, weights=wt) - np.average(xc, axis=0, weights=wc)) / sd


def diagnose(
    x: np.ndarray, treated: np.ndarray, ps: np.ndarray, names: Sequence[str], t_name: str,
    action: str,
) -> Diagnostics:
    """Overlap and the balance table for scores ``ps``; weights 1/e and 1/(1-e) on the units kept
    (``trimmed``) or with the scores clipped to the bounds (``clipped``)."""
    import numpy as np

    from .report import fmt

    ov = overlap(ps, treated, action)
    low, high = OVERLAP_BOUNDS
    if action == "trimmed":
        keep = (ps >= low) & (ps <= high)
        e = ps
    else:
        keep = np.ones_like(treated, dtype=bool)
        e = np.clip(ps, low, high)
    w = np.where(treated, 1.0 / e, 1.0 / (1.0 - e))
    before = smd(x, treated)
    after = smd(x[keep], treated[keep], w[keep]) if treated[keep].any() and (~treated[keep]).any() \
        else np.full(x.shape[1], np.nan)
    rows = [
        [name, round(float(x[treated, j].mean()), 4), round(float(x[~treated, j].mean()), 4),
         round(float(before[j]), 3), round(float(after[j]), 3)]
        for j, name in enumerate(names)
    ]
    table = {
        "title": f"Covariate balance for {t_name} (standardised mean differences,"
                 f" inverse-propensity weights{', trimmed' if action == 'trimmed' else ', clipped'}"
                 f" at [{low:g}, {high:g}])",
        "columns": ["covariate", "mean treated", "mean control", "SMD before", "SMD after weighting"],
        "rows": rows,
    }
    warnings: list[str] = []
    if ov.share_outside > MAX_TRIMMED_SHARE:
        warnings.append(
            f"weak overlap: {ov.n_outside} of {ov.n_treated + ov.n_control} units"
            f" ({ov.share_outside:.0%}) have a propensity score outside [{low:g}, {high:g}]"
            f" (treated {fmt(ov.treated_range[0])}–{fmt(ov.treated_range[1])}, controls"
            f" {fmt(ov.control_range[0])}–{fmt(ov.control_range[1])}), so the estimate describes"
            " only the units with comparable counterparts."
        )
    bad = [names[j] for j in range(len(names)) if np.isfinite(after[j]) and abs(after[j]) > SMD_LIMIT]
    if bad:
        warnings.append(
            f"covariates still imbalanced after weighting (|SMD| > {SMD_LIMIT:g}): {', '.join(bad)};"
            " the estimate leans on the outcome model for them."
        )
    finite_after = after[np.isfinite(after)]
    return Diagnostics(
        overlap=ov, balance=table, max_smd_before=float(np.max(np.abs(before))) if before.size else 0.0,
        max_smd_after=float(np.max(np.abs(finite_after))) if finite_after.size else float("nan"),
        warnings=warnings,
    )


def overlap_text(d: Diagnostics) -> str:
    """One sentence on the overlap for the notes."""
    from .report import fmt

    ov = d.overlap
    low, high = ov.bounds
    what = ("dropped" if ov.action == "trimmed" else "clipped to the bounds")
    return (
        f"Propensity scores range {fmt(ov.ps_min)}–{fmt(ov.ps_max)} (treated {fmt(ov.treated_range[0])}–"
        f"{fmt(ov.treated_range[1])}, controls {fmt(ov.control_range[0])}–{fmt(ov.control_range[1])});"
        f" {ov.n_outside} of {ov.n_treated + ov.n_control} units ({ov.share_outside:.1%}) lie outside"
        f" [{low:g}, {high:g}] and were {what}; the largest |SMD| is {d.max_smd_before:.2f} before and"
        f" {d.max_smd_after:.2f} after weighting."
    )


def binary_levels(data: pd.DataFrame, t: str, t0: float, t1: float, name: str) -> tuple[float, float]:
    """The two values of a binary treatment, checked against (t0, t1)."""
    levels = sorted(float(v) for v in data[t].unique())
    if len(levels) != 2:
        raise AlgorithmError(
            f"method {name!r} needs a binary treatment, but {t} has {len(levels)} values;"
            " use method='linear'"
        )
    if {float(t0), float(t1)} != set(levels):
        raise DataError(
            f"treatment {t} takes the values {num(levels[0])} and {num(levels[1])}; pass"
            f" t0={num(levels[0])}, t1={num(levels[1])} for method {name!r}"
        )
    return levels[0], levels[1]
