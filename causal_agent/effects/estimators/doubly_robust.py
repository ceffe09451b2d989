"""Doubly robust (AIPW) estimation of a binary treatment's effect, cross-fitted: ``auto``'s choice
when the treatment is binary and the back-door set has several covariates (``binary_design``).

Why not a single regression: with many covariates and a nonlinear treatment assignment, a linear
outcome model extrapolates between treated and controls that do not overlap, and a propensity
weight alone is unstable. AIPW (Robins, Rotnitzky & Zhao 1994) combines both: the effect is
consistent when either the outcome model or the propensity model is right. Here

* the propensity model is :func:`..overlap.propensity_model` (spline logit), the outcome model an
  additive cubic-spline ridge regression fitted separately in each arm (so effects may vary with
  the covariates);
* both are cross-fitted (``FOLDS`` folds, stratified by treatment, seeded), so a flexible fit does
  not reuse a unit's own outcome (Chernozhukov et al. 2018);
* units with a score outside :data:`..overlap.OVERLAP_BOUNDS` are dropped (the estimand becomes the
  effect over the units with overlap, said in the summary), and the CI is the influence-function
  (sandwich) interval: mean(psi) ± 1.96 sd(psi)/sqrt(n), no bootstrap needed.

Its refuter is a placebo: the same fit with the treatment permuted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import AlgorithmError, CausalAgentError, DataError
from ..overlap import (
    OVERLAP_BOUNDS,
    binary_levels,
    Diagnostics,
    check_arms,
    diagnose,
    one_thread,
    overlap_text,
    propensity_model,
)
from ..results import Refutation
from .base import EffectEstimator, EffectRun, OutcomeFit

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

FOLDS = 5
OUTCOME_KNOTS = 5


class AIPWFit(OutcomeFit):
    """The AIPW contrast and its design diagnostics."""

    ci_low: float
    ci_high: float
    diagnostics: Diagnostics | None = None
    n_used: int = 0


def outcome_model() -> Any:
    """E[Y | X] in one arm: additive cubic splines with a ridge penalty chosen by efficient LOO."""
    import numpy as np
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    return make_pipeline(StandardScaler(), SplineTransformer(n_knots=OUTCOME_KNOTS, degree=3,
                                                             extrapolation="linear"),
                         RidgeCV(alphas=np.logspace(-3, 3, 13)))


def aipw(
    x: np.ndarray, treated: np.ndarray, yv: np.ndarray, seed: int, t_name: str,
    names: Sequence[str], diagnostics: bool = True,
) -> tuple[float, float, int, Diagnostics | None]:
    """(ATE of treated vs control, its standard error, units used, diagnostics)."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    n = treated.size
    check_arms(t_name, int(treated.sum()), int((~treated).sum()))
    ps, m1, m0 = np.empty(n), np.empty(n), np.empty(n)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    with one_thread():
        for train, test in folds.split(x, treated):
            ps[test] = propensity_model(seed).fit(x[train], treated[train]).predict_proba(x[test])[:, 1]
            for arm, m in ((True, m1), (False, m0)):
                idx = train[treated[train] == arm]
                m[test] = outcome_model().fit(x[idx], yv[idx]).predict(x[test])
    low, high = OVERLAP_BOUNDS
    keep = (ps >= low) & (ps <= high)
    check_arms(t_name, int((treated & keep).sum()), int((~treated & keep).sum()),
               f" with a propensity score in [{low:g}, {high:g}] (no overlap beyond that)")
    e, tk, yk = ps[keep], treated[keep], yv[keep]
    psi = m1[keep] - m0[keep] + tk * (yk - m1[keep]) / e - (~tk) * (yk - m0[keep]) / (1 - e)
    ate = float(psi.mean())
    se = float(psi.std(ddof=1) / math.sqrt(psi.size))
    diag = diagnose(x, treated, ps, names, t_name, "trimmed") if diagnostics else None
    return ate, se, int(keep.sum()), diag


class DoublyRobust(EffectEstimator):
    """Cross-fitted AIPW (see the module docstring); not fitted by DoWhy, which identifies the set."""

    method_name = "backdoor.doubly_robust_aipw"
    estimand = "backdoor"
    dowhy = False
    auto = True
    #: auto prefers it for a binary treatment with several covariates to adjust for
    binary_design = True
    assumption = ("overlap (every unit could have received either treatment) and either the"
                  " propensity model or the outcome model is right (doubly robust)")

    def fit(self, data: pd.DataFrame, t: str, y: str, adjustment: Sequence[str], t0: float, t1: float,
            bootstrap: int, seed: int) -> AIPWFit:
        import numpy as np
        from scipy import stats

        if not adjustment:
            raise AlgorithmError(
                f"the doubly robust estimator models {t} from confounders, but the graph needs no"
                f" adjustment for {t} -> {y}; use method='linear' (a difference in means)"
            )
        _, hi = binary_levels(data, t, t0, t1, self.name)
        treated = (data[t].astype(float) == hi).to_numpy()
        x = data[list(adjustment)].to_numpy(dtype=float)
        yv = data[y].to_numpy(dtype=float)
        ate, se, used, diag = aipw(x, treated, yv, seed, t, list(adjustment))
        sign = 1.0 if float(t1) == hi else -1.0
        half = float(stats.norm.ppf(0.975)) * se
        est = sign * ate
        if not np.isfinite(est):
            raise DataError(f"the doubly robust estimate of {t} -> {y} is not finite; try method='linear'")
        return AIPWFit(estimate=est, ci_low=est - half, ci_high=est + half, diagnostics=diag, n_used=used)

    def refute(self, run: EffectRun, settings: Any) -> Refutation | None:
        """Placebo treatment: AIPW with T permuted ``refute_simulations`` times (at most 10: each is
        a cross-fit), scattered around 0 when the estimator is not finding structure in noise."""
        import numpy as np
        from scipy import stats

        if run.frame is None or run.contrast is None:
            return None
        t, y, t0, t1 = run.contrast
        hi = max(float(t0), float(t1))
        treated = (run.frame[t].astype(float) == hi).to_numpy()
        x = run.frame[run.adjustment_set].to_numpy(dtype=float)
        yv = run.frame[y].to_numpy(dtype=float)
        rng = np.random.default_rng(settings.seed)
        try:
            effects = [aipw(x, rng.permutation(treated), yv, settings.seed, t, run.adjustment_set,
                            diagnostics=False)[0]
                       for _ in range(min(int(settings.refute_simulations), 10))]
        except CausalAgentError:
            return None
        mean, sd = float(np.mean(effects)), float(np.std(effects))
        p = 2.0 * float(stats.norm.sf(abs(mean) / sd)) if sd > 0 else (1.0 if mean == 0 else 0.0)
        sign = 1.0 if float(t1) == hi else -1.0
        return Refutation(refuter="placebo_treatment_refuter", new_effect=sign * mean, p_value=p,
                          passed=p >= 0.05)

    def notes(self, run: EffectRun, t: str, y: str) -> list[str]:
        fit = run.fit
        if fit is None or fit.diagnostics is None:
            return []
        ov = fit.diagnostics.overlap
        return [f"doubly robust (AIPW, {FOLDS}-fold cross-fitted; spline logit propensity, spline"
                f" ridge outcome model per arm) on {ov.n_used} of {ov.n_treated + ov.n_control} units."
                " " + overlap_text(fit.diagnostics)]

    def assumptions(self, run: EffectRun, t: str, y: str) -> list[str]:
        fit = run.fit
        out = [self.assumption]
        if fit is not None and fit.diagnostics is not None and fit.diagnostics.overlap.n_outside:
            low, high = OVERLAP_BOUNDS
            out.append(f"the effect is averaged over the {fit.n_used} units whose propensity score lies"
                       f" in [{low:g}, {high:g}] (the others have no comparable counterpart)")
        return out

    def diagnostics(self, run: EffectRun) -> Diagnostics | None:
        return None if run.fit is None else run.fit.diagnostics
