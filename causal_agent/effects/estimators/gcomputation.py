"""G-computation with a spline outcome regression: the estimator for outcomes that are not linear
in the treatment and the adjustment set (``nonlinear=True``, so ``auto`` tries it on a back-door
set and keeps it only when linear regression is misspecified and the effect changes materially).

Not a DoWhy estimator: DoWhy identifies the back-door set, this module fits E[Y | T, Z] and
averages predictions at T=t1 minus at T=t0 over the sample (S-learner), with a sandwich CI, and
refutes with its own permutation placebo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import CausalAgentError, DataError
from ..report import fmt, num, p_text
from ..results import Refutation
from .base import NONLINEAR_ALPHA, EffectEstimator, EffectRun, OutcomeFit

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: interior quantile knots of each continuous variable's cubic spline
SPLINE_KNOTS = 5


class _SplineOutcome:
    """E[Y | T, Z] as additive cubic splines in each Z plus, when ``t_flexible``, a cubic spline in
    T and T x Z interactions; otherwise linear in T (a partially linear model).

    Why this model: the contrast E[Y | do(T=t1)] - E[Y | do(T=t0)] = mean_i m(t1, Z_i) - m(t0, Z_i)
    is then linear in the coefficients, so it has an exact sandwich standard error without a
    bootstrap, and linear (T, Z) < partially linear < flexible are nested, so F-tests say whether
    the linear outcome model is misspecified and whether the treatment itself acts nonlinearly.
    Variables with at most 4 values get saturating powers instead of splines; splines extrapolate
    linearly beyond the data.
    """

    def __init__(self, t_values: Any, z_values: Any, t_flexible: bool = True) -> None:
        self.t_flexible = t_flexible
        self.t_basis = self._fit_basis(t_values) if t_flexible else self._linear_basis(t_values)
        self.z_bases = [self._fit_basis(z_values[:, j]) for j in range(z_values.shape[1])]

    @property
    def label(self) -> str:
        if self.t_flexible:
            return "cubic splines in the treatment and each confounder plus treatment x confounder interactions"
        return "linear in the treatment plus cubic splines in each confounder"

    @staticmethod
    def _linear_basis(x: Any) -> tuple[float, float, int, Any]:
        import numpy as np

        return float(np.mean(x)), float(np.std(x)) or 1.0, 1, None

    @staticmethod
    def _fit_basis(x: Any) -> tuple[float, float, int, Any]:
        import numpy as np

        loc, scale = float(np.mean(x)), float(np.std(x)) or 1.0
        levels = np.unique(x).size
        if levels <= 4:  # powers 1..levels-1 saturate a variable with few values
            return loc, scale, max(1, levels - 1), None
        z = (x - loc) / scale
        knots = np.unique(np.quantile(z, np.linspace(0.0, 1.0, SPLINE_KNOTS)))
        if knots.size < 3:
            return loc, scale, 3, None
        from sklearn.preprocessing import SplineTransformer

        spline = SplineTransformer(degree=3, knots=knots.reshape(-1, 1), extrapolation="linear",
                                   include_bias=False).fit(z.reshape(-1, 1))
        return loc, scale, 0, spline

    @staticmethod
    def _expand(basis: tuple[float, float, int, Any], x: Any) -> Any:
        import numpy as np

        loc, scale, degree, spline = basis
        z = (np.asarray(x, dtype=float) - loc) / scale
        if spline is not None:
            return spline.transform(z.reshape(-1, 1))
        return np.column_stack([z**k for k in range(1, degree + 1)])

    def design(self, t_values: Any, z_values: Any) -> Any:
        import numpy as np

        n = z_values.shape[0]
        t_values = np.broadcast_to(np.asarray(t_values, dtype=float), (n,))
        tz = (t_values - self.t_basis[0]) / self.t_basis[1]
        cols = [np.ones((n, 1)), self._expand(self.t_basis, t_values)]
        cols += [self._expand(b, z_values[:, j]) for j, b in enumerate(self.z_bases)]
        if self.z_bases and self.t_flexible:
            locs = np.array([b[0] for b in self.z_bases])
            scales = np.array([b[1] for b in self.z_bases])
            cols.append(tz[:, None] * ((z_values - locs) / scales))
        return np.column_stack(cols)


class GComputationFit(OutcomeFit):
    """A g-computation (S-learner) contrast and the tests that chose its outcome model."""

    ci_low: float
    ci_high: float
    p_linear: float  # F-test: linear (T, Z) model vs the flexible one
    p_treatment: float  # F-test: linear in T (splines in Z) vs flexible in T too
    t_flexible: bool  # the model used is flexible in T (p_treatment < NONLINEAR_ALPHA)
    model: str


def _ols(x: Any, y: Any) -> tuple[Any, Any, int, Any]:
    """Least squares through the (pseudo-)inverted normal equations: coefficients, residuals, rank
    and (X'X)^+. The columns are standardised, and this is ~50x cheaper than an SVD of X."""
    import numpy as np

    xtx = x.T @ x
    eig = np.linalg.eigvalsh(xtx)
    rank = int(np.sum(eig > 1e-10 * max(float(eig[-1]), 1e-300)))
    inv = np.linalg.pinv(xtx, rcond=1e-10, hermitian=True)
    beta = inv @ (x.T @ y)
    return beta, y - x @ beta, rank, inv


def _f_test(small: tuple[Any, Any, int, Any], big: tuple[Any, Any, int, Any], n: int) -> float:
    """p-value of the nested F-test of ``small`` against ``big`` (both from :func:`_ols`)."""
    from scipy import stats

    rss0, rss1 = float(small[1] @ small[1]), float(big[1] @ big[1])
    k0, k1 = small[2], big[2]
    if k1 <= k0 or rss1 <= 0 or n <= k1:
        return 1.0
    f = ((rss0 - rss1) / (k1 - k0)) / (rss1 / (n - k1))
    return float(stats.f.sf(max(f, 0.0), k1 - k0, n - k1))


def gcomputation(
    data: pd.DataFrame, t: str, y: str, adjustment: Sequence[str], t0: float, t1: float,
    bootstrap: int = 0, seed: int = 0, permute: Any = None, t_flexible: bool | None = None,
) -> GComputationFit:
    """Fit the spline outcome models, test the linear one against them (nested F-tests), and
    average predictions with T set to t1 and to t0 over the sample; 95% CI from the HC1 sandwich
    (or a seeded percentile bootstrap when ``bootstrap`` > 0).

    The model is flexible in T only when the treatment terms are significant at NONLINEAR_ALPHA
    (else linear in T with splines in Z): six spline terms in a heavy-tailed T can otherwise bend
    an effect that is linear. ``t_flexible`` forces the choice; ``permute`` (a numpy Generator)
    shuffles T first, for the placebo refuter, which needs neither tests nor CI."""
    import numpy as np
    from scipy import stats

    tv = data[t].to_numpy(dtype=float)
    if permute is not None:
        tv = permute.permutation(tv)
    yv = data[y].to_numpy(dtype=float)
    zv = data[list(adjustment)].to_numpy(dtype=float).reshape(len(data), len(adjustment))
    n = len(yv)
    flexible = _SplineOutcome(tv, zv, t_flexible=True)
    x = flexible.design(tv, zv)
    big = _ols(x, yv)
    if n - big[2] < max(30, x.shape[1]):
        raise DataError(
            f"{n} rows are too few for a spline outcome model with {x.shape[1]} terms"
            f" ({len(adjustment)} adjustment variable(s)); use method='linear' or fewer confounders"
        )
    partial = _SplineOutcome(tv, zv, t_flexible=False)
    xp = partial.design(tv, zv)
    mid = _ols(xp, yv)
    p_treatment = _f_test(mid, big, n)
    use_flexible = (p_treatment < NONLINEAR_ALPHA) if t_flexible is None else t_flexible
    model, x, fit = (flexible, x, big) if use_flexible else (partial, xp, mid)
    beta, resid, rank, inv = fit
    x0, x1 = model.design(t0, zv), model.design(t1, zv)
    c = x1.mean(axis=0) - x0.mean(axis=0)
    estimate = float(c @ beta)
    if permute is not None:
        return GComputationFit(estimate=estimate, ci_low=estimate, ci_high=estimate, p_linear=1.0,
                      p_treatment=p_treatment, t_flexible=use_flexible, model=model.label)
    p_linear = _f_test(_ols(np.column_stack([np.ones(n), tv, zv]), yv), big, n)
    if bootstrap > 0:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(bootstrap):
            idx = rng.integers(0, n, n)
            b = _ols(x[idx], yv[idx])[0]
            draws.append(float((x1[idx].mean(axis=0) - x0[idx].mean(axis=0)) @ b))
        low, high = (float(v) for v in np.quantile(draws, [0.025, 0.975]))
    else:
        meat = x.T @ (x * (resid**2)[:, None])
        cov = inv @ meat @ inv * (n / (n - rank))  # HC1
        half = float(stats.norm.ppf(0.975)) * math.sqrt(max(float(c @ cov @ c), 0.0))
        low, high = estimate - half, estimate + half
    return GComputationFit(estimate=estimate, ci_low=low, ci_high=high, p_linear=p_linear,
                  p_treatment=p_treatment, t_flexible=use_flexible, model=model.label)


class SplineGComputation(EffectEstimator):
    """``gcomputation.spline_regression``: see the module docstring."""

    method_name = "gcomputation.spline_regression"
    estimand = "backdoor"
    auto = True
    dowhy = False

    def fit(self, data: pd.DataFrame, t: str, y: str, adjustment: Sequence[str], t0: float, t1: float,
            bootstrap: int, seed: int) -> GComputationFit:
        return gcomputation(data, t, y, adjustment, t0, t1, bootstrap, seed)

    def refute(self, run: EffectRun, settings: Any) -> Refutation | None:
        """Placebo treatment: refit with T permuted ``refute_simulations`` times; the placebo effects
        should scatter around 0 (DoWhy's normal test of 0 against them, two-sided)."""
        import numpy as np
        from scipy import stats

        if run.frame is None or run.contrast is None:
            return None
        t, y, t0, t1 = run.contrast
        rng = np.random.default_rng(settings.seed)
        try:
            effects = [
                gcomputation(run.frame, t, y, run.adjustment_set, t0, t1, permute=rng,
                             t_flexible=run.fit.t_flexible if run.fit is not None else None).estimate
                for _ in range(int(settings.refute_simulations))
            ]
        except CausalAgentError:
            return None
        mean, sd = float(np.mean(effects)), float(np.std(effects))
        p = 2.0 * float(stats.norm.sf(abs(mean) / sd)) if sd > 0 else (1.0 if mean == 0 else 0.0)
        return Refutation(refuter="placebo_treatment_refuter", new_effect=mean, p_value=p, passed=p >= 0.05)

    def notes(self, run: EffectRun, t: str, y: str) -> list[str]:
        g = run.fit
        if g is None:
            return []
        tests = (f"nested F-tests: linear {y} ~ {t} + adjustment set vs splines {p_text(g.p_linear)};"
                 f" terms nonlinear in {t} {p_text(g.p_treatment)}")
        if run.linear_estimate is not None:
            return [(
                f"the linear outcome model is misspecified ({tests}; threshold {NONLINEAR_ALPHA:g})"
                f" and the effect changes materially, so g-computation with {g.model} replaced linear"
                f" regression (which gave {fmt(run.linear_estimate)})."
            )]
        return [f"g-computation with {g.model} ({tests})."]

    def assumptions(self, run: EffectRun, t: str, y: str) -> list[str]:
        g = run.fit
        if g is None:
            return [self.assumption]
        why = ""
        if run.linear_estimate is not None:
            why = (f"the effect of {t} on {y} is nonlinear" if g.t_flexible else
                   f"the adjustment set acts nonlinearly on {y} (the effect of {t} is linear given it)")
            why += f" (a linear outcome model was rejected, F-test {p_text(g.p_linear)}), so "
        model = (why + f"E[{y} | {t}, adjustment set] follows g-computation's outcome model,"
                 f" {g.model} (OLS), averaged over the sample at {t}={num(run.contrast[3])} and"
                 f" at {t}={num(run.contrast[2])}" if run.contrast else "")
        return [model, self.assumption]
