"""(Conditional) independence tests: is X ⫫ Y | Z in this dataset?

The test runs on causal-learn's ``CIT`` (KCI on its ``KCI_UInd``/``KCI_CInd`` classes, which also
return the test statistic). **p < alpha means dependent**: the null hypothesis of every test here is
independence, so a small p-value rejects it.

How ``method="auto"`` chooses (from the dataset profile of the tested variables):

- every variable binary/discrete/categorical -> **chi-square** (``chisq``). Chi-square and G² are
  asymptotically the same test; Pearson's chi-square is chosen because its chi-square
  approximation holds up better than G²'s when the contingency tables of a conditional test are
  sparse (small expected counts per stratum), which is the usual case as ``given`` grows.
- at most ``KCI_SMALL_N`` rows and a non-Gaussian continuous variable -> **KCI**: at small n the
  Fisher-z normal approximation is unreliable for non-Gaussian data, and KCI is affordable there.
- every variable continuous and a relation among them **nonlinear** -> **KCI** without a
  conditioning set, **residual KCI** (``rkci``) with one. Fisher-z tests partial *linear*
  correlation: a nonlinear dependence can leave it near zero (Y = X² with symmetric X), and a
  conditioning set Z that screens X off from Y does not do so linearly when X and Y depend on Z
  nonlinearly (false "dependent"). The check (``nonlinearity_check``) is a nested F-test of a
  linear regression against one that adds a cubic B-spline basis (knots at quantiles) of every
  regressor, for X on Z and Y on Z, and Y on (X, Z) and X on (Y, Z) (with Z empty: Y on X and
  X on Y). A relation counts as nonlinear only if p < ``NONLINEAR_P`` **and** the splines remove
  at least ``NONLINEAR_GAIN`` of the linear residual variance, so linear data stays on Fisher-z
  (linear-Gaussian: ~0.1% of tests switch; linear with non-Gaussian noise switches more often,
  because E[cause | effect] is then genuinely nonlinear, and residual KCI is exact there too).
- otherwise -> **Fisher-z** (partial correlation). It detects linear association only; for mixed
  discrete/continuous variables it runs on the integer codes and says so in ``notes``; for
  non-Gaussian columns the notes suggest ``method="kci"`` to look for nonlinear dependence.

Residual KCI regresses X and Y on the additive spline basis of Z (all rows; cheap least squares)
and tests the residuals for independence with KCI's unconditional test (HSIC with a gamma null).
It is exact for additive-noise relations (X = f(Z) + e with e ⫫ Z) and takes ~0.1 s, where
``KCI_CInd`` takes 1–3 s at 1000 rows and was no more accurate on the eval's nonlinear SCMs. It
is a single-test method: PC discovery keeps Fisher-z (``allow_kci=False``).

KCI costs O(n³) (conditional) or O(n²) (unconditional), so it runs on a seeded random subsample of
at most ``KCI_MAX_ROWS`` (conditional) or ``HSIC_MAX_ROWS`` rows (unconditional, residual KCI).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from .errors import AlgorithmError, DataError, VariableError, closest

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .data import Dataset

#: Test name -> how it is called in summaries.
CI_METHODS: dict[str, str] = {
    "fisherz": "Fisher-z",
    "chisq": "chi-square",
    "gsq": "G-squared",
    "kci": "KCI",
}
_ALIASES: dict[str, str] = {
    "fisher": "fisherz", "fisher_z": "fisherz", "fisherz": "fisherz", "partial_correlation": "fisherz",
    "chisq": "chisq", "chi2": "chisq", "chi_square": "chisq", "chisquare": "chisq",
    "chi_squared": "chisq", "pearson": "chisq",
    "gsq": "gsq", "g2": "gsq", "g_square": "gsq", "gsquare": "gsq", "g_squared": "gsq", "g_test": "gsq",
    "kci": "kci", "kernel": "kci",
}
DISCRETE_KINDS = ("binary", "discrete", "categorical")
KCI_MAX_ROWS = 1000
#: the unconditional KCI (HSIC with a gamma null: O(n²), ~0.2 s at 1500 rows) affords more rows
HSIC_MAX_ROWS = 2000
KCI_SMALL_N = 300
#: single-test-only methods (not runnable inside PC): name -> how it is called in summaries
SINGLE_TEST_METHODS: dict[str, str] = {"rkci": "residual KCI"}
_SINGLE_ALIASES: dict[str, str] = {
    "rkci": "rkci", "residual_kci": "rkci", "kci_residual": "rkci", "residual": "rkci",
}
#: nonlinearity check: significance and minimum share of the linear residual variance explained
NONLINEAR_P = 1e-3
NONLINEAR_GAIN = 0.02
SPLINE_INNER_KNOTS = 4


class IndependenceResult(BaseModel):
    """The outcome of one test of X ⫫ Y | given."""

    x: str
    y: str
    given: list[str] = Field(default_factory=list)
    method: str = Field(description="fisherz, chisq, gsq, kci or rkci (residual KCI)")
    statistic: float | None = Field(None, description="see statistic_name; None if not exposed")
    statistic_name: str | None = None
    p_value: float
    alpha: float
    independent: bool = Field(description="p_value >= alpha (independence not rejected)")
    decision: Literal["independent", "dependent"]
    n: int = Field(description="rows used by the test")
    notes: list[str] = Field(default_factory=list)
    summary: str


def normalize_method(
    method: str | None, *, allow_auto: bool = True, single_test: bool = False
) -> str:
    """Canonical CI test name (``auto``, ``fisherz``, ``chisq``, ``gsq``, ``kci``; with
    ``single_test`` also ``rkci``, which only a single test can run, not PC)."""
    raw = "auto" if method is None else str(method)
    key = raw.strip().lower().replace("-", "_").replace(" ", "_").replace("²", "2")
    if allow_auto and key in ("", "auto", "default"):
        return "auto"
    if key in _ALIASES:
        return _ALIASES[key]
    if single_test and key in _SINGLE_ALIASES:
        return _SINGLE_ALIASES[key]
    valid = (
        (["auto"] if allow_auto else []) + list(CI_METHODS)
        + (list(SINGLE_TEST_METHODS) if single_test else [])
    )
    near = closest(raw, valid)
    hint = (" Did you mean " + " or ".join(repr(c) for c in near) + "?") if near else ""
    raise AlgorithmError(f"unknown independence test {raw!r}; valid tests: {', '.join(valid)}.{hint}")


def check_alpha(alpha: float) -> float:
    """alpha as a float in (0, 1), else AlgorithmError."""
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise AlgorithmError(f"alpha must be a number between 0 and 1, not {alpha!r}") from None
    if not 0 < value < 1:
        raise AlgorithmError(f"alpha must be between 0 and 1 (e.g. 0.05), not {alpha!r}")
    return value


class NonlinearityCheck(BaseModel):
    """The strongest nonlinear relation found among the tested variables (see module docstring)."""

    nonlinear: bool
    target: str = Field(description="the regressed variable of the strongest relation")
    inputs: list[str] = Field(description="its regressors")
    p_value: float = Field(description="nested F-test: linear vs linear + cubic splines")
    gain: float = Field(description="share of the linear residual variance the splines explain")

    def describe(self) -> str:
        return (
            f"the relation of {self.target} to {', '.join(self.inputs)} looks"
            f" {'nonlinear' if self.nonlinear else 'linear'} (spline F-test {_fmt(self.p_value)},"
            f" splines explain {100 * self.gain:.1f}% of the linear residual variance)"
        )


def _spline_block(v: np.ndarray) -> np.ndarray:
    """Cubic B-spline basis of one column, inner knots at quantiles (robust to heavy tails)."""
    import numpy as np
    from scipy.interpolate import BSpline

    lo, hi = float(v.min()), float(v.max())
    inner = np.unique(np.quantile(v, np.linspace(0, 1, SPLINE_INNER_KNOTS + 2)[1:-1]))
    inner = inner[(inner > lo) & (inner < hi)]
    knots = np.concatenate([[lo] * 4, inner, [hi] * 4])
    return BSpline.design_matrix(v, knots, 3).toarray()


def _rss(design: np.ndarray, target: np.ndarray) -> tuple[float, int, np.ndarray]:
    """Residual sum of squares, rank and residuals of the least-squares fit."""
    import numpy as np

    coef, _, rank, _ = np.linalg.lstsq(design, target, rcond=None)
    resid = target - design @ coef
    return float(resid @ resid), int(rank), resid


def _spline_design(data: np.ndarray, cols: Sequence[int], blocks: dict[int, np.ndarray]) -> np.ndarray:
    import numpy as np

    parts = [np.ones((data.shape[0], 1)), data[:, list(cols)]]
    parts += [blocks[c] for c in cols]
    return np.column_stack(parts)


def nonlinearity_check(data: np.ndarray, names: Sequence[str]) -> NonlinearityCheck:
    """Nested F-tests of linear vs additive-spline regressions among columns 0 (X), 1 (Y) and
    2.. (Z): X~Z, Y~Z, Y~X+Z, X~Y+Z (Y~X, X~Y when Z is empty). Continuous columns only."""
    import numpy as np
    from scipy import stats

    n, k = data.shape
    z = list(range(2, k))
    fits = [(0, z), (1, z), (1, [0, *z]), (0, [1, *z])] if z else [(1, [0]), (0, [1])]
    blocks = {c: _spline_block(data[:, c]) for c in range(k)}
    best: NonlinearityCheck | None = None
    for target, inputs in fits:
        y = data[:, target]
        rss0, p0, _ = _rss(np.column_stack([np.ones(n), data[:, inputs]]), y)
        rss1, p1, _ = _rss(_spline_design(data, inputs, blocks), y)
        df1, df2 = p1 - p0, n - p1
        if df1 <= 0 or df2 <= 0 or rss1 <= 0:
            continue
        f = max(rss0 - rss1, 0.0) / df1 / (rss1 / df2)
        check = NonlinearityCheck(
            nonlinear=False, target=names[target], inputs=[names[i] for i in inputs],
            p_value=float(stats.f.sf(f, df1, df2)), gain=max(rss0 - rss1, 0.0) / rss0,
        )
        check.nonlinear = check.p_value < NONLINEAR_P and check.gain >= NONLINEAR_GAIN
        key = (check.nonlinear, check.gain)
        if best is None or key > (best.nonlinear, best.gain):
            best = check
    if best is None:  # too few rows for any spline fit
        return NonlinearityCheck(nonlinear=False, target=names[1], inputs=list(names[2:]) or [names[0]],
                                 p_value=1.0, gain=0.0)
    return best


def spline_residuals(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residuals of columns 0 and 1 after least squares on an additive cubic-spline basis of
    columns 2.. (the nonparametric regressions behind residual KCI)."""
    blocks = {c: _spline_block(data[:, c]) for c in range(2, data.shape[1])}
    design = _spline_design(data, range(2, data.shape[1]), blocks)
    return _rss(design, data[:, 0])[2], _rss(design, data[:, 1])[2]


def choose_ci_test(
    dataset: Dataset,
    variables: Sequence[str],
    n: int,
    *,
    allow_kci: bool = True,
    data: np.ndarray | None = None,
) -> tuple[str, str]:
    """The test ``auto`` picks for these variables, and why (rules in the module docstring).

    ``data`` (columns in the order of ``variables``: X, Y, Z...) enables the nonlinearity check;
    it only runs when ``allow_kci`` (single tests; PC keeps Fisher-z)."""
    kinds = {v: dataset.kind(v) for v in variables}
    if all(k in DISCRETE_KINDS for k in kinds.values()):
        return "chisq", "all variables are discrete (chi-square on the category counts)"
    non_gaussian = [
        v for v in variables
        if kinds[v] == "continuous" and dataset.profile.column(v).gaussian is False
    ]
    if allow_kci and non_gaussian and n <= KCI_SMALL_N:
        return "kci", (
            f"the sample is small (n = {n}) and {', '.join(non_gaussian)} non-Gaussian, where"
            " Fisher-z is unreliable; KCI makes no distributional assumption"
        )
    discrete = [v for v, k in kinds.items() if k in DISCRETE_KINDS]
    if allow_kci and data is not None and not discrete:
        check = nonlinearity_check(data, variables)
        if check.nonlinear:
            chosen = "rkci" if len(variables) > 2 else "kci"
            return chosen, f"{check.describe()}, which Fisher-z's linear partial correlation misses"
    if discrete:
        return "fisherz", (
            f"the variables are mixed discrete/continuous (Fisher-z on the integer codes of"
            f" {', '.join(discrete)}: linear association only)"
        )
    if allow_kci and data is not None:
        return "fisherz", (
            "the variables are continuous and their relations look linear (no spline F-test"
            f" p < {NONLINEAR_P:g} with a gain of {100 * NONLINEAR_GAIN:g}%); Fisher-z tests partial"
            " correlations"
        )
    return "fisherz", "the variables are continuous (Fisher-z tests partial correlations)"


def _check_names(x: str, y: str, given: Sequence[str]) -> None:
    if x == y:
        raise VariableError(
            f"x and y are both {x!r}; a variable cannot be tested against itself, name two"
            " different variables"
        )
    for v in (x, y):
        if v in given:
            raise VariableError(
                f"{v!r} is both tested and in the conditioning set; remove it from given"
            )
    repeated = [v for v, k in Counter(given).items() if k > 1]
    if repeated:
        raise VariableError(
            f"{repeated[0]!r} appears more than once in the conditioning set; list it once"
        )


def _partial_correlation(data: np.ndarray) -> float:
    """Partial correlation of columns 0 and 1 given the rest (as causal-learn's Fisher-z does)."""
    import numpy as np

    corr = np.atleast_2d(np.corrcoef(data.T))
    try:
        inv = np.linalg.inv(corr)
    except np.linalg.LinAlgError:
        raise DataError(
            "the correlation matrix of the tested variables is singular (one is an exact linear"
            " function of the others); drop the redundant variable from given"
        ) from None
    r = -inv[0, 1] / np.sqrt(abs(inv[0, 0] * inv[1, 1]))
    return float(np.clip(r, -1.0, 1.0))


def _fmt(p: float) -> str:
    if p == 0:  # below double precision of 1 - Phi(z)
        return "p < 1e-16"
    return f"p = {p:.2e}" if p < 1e-4 else f"p = {p:.4g}"


def _subsample(data: np.ndarray, limit: int, seed: int) -> np.ndarray:
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(data.shape[0], size=limit, replace=False))
    return data[rows]


def run_ci_test(
    data: np.ndarray, method: str, n_given: int, *, seed: int = 0
) -> tuple[float, float | None, str | None]:
    """p-value, statistic and statistic name of column 0 ⫫ column 1 | columns 2.. of ``data``.

    ``rkci`` fits its regressions on all rows and subsamples the residuals to ``HSIC_MAX_ROWS``
    (seeded); the other methods use ``data`` as given."""
    import numpy as np
    from causallearn.utils.cit import CIT

    cond = list(range(2, 2 + n_given))
    if method == "rkci":
        from causallearn.utils.KCI.KCI import KCI_UInd

        if n_given:
            rx, ry = spline_residuals(data)
        else:
            rx, ry = data[:, 0], data[:, 1]
        if rx.shape[0] > HSIC_MAX_ROWS:
            rows = _subsample(np.column_stack([rx, ry]), HSIC_MAX_ROWS, seed)
            rx, ry = rows[:, 0], rows[:, 1]
        p, stat = KCI_UInd().compute_pvalue(rx[:, None], ry[:, None])
        return float(p), float(stat), "KCI statistic of the spline residuals"
    if method == "kci":
        from causallearn.utils.KCI.KCI import KCI_CInd, KCI_UInd

        if n_given:
            p, stat = KCI_CInd().compute_pvalue(data[:, [0]], data[:, [1]], data[:, cond])
        else:
            p, stat = KCI_UInd().compute_pvalue(data[:, [0]], data[:, [1]])
        return float(p), float(stat), "KCI statistic"
    statistic: float | None = None
    name: str | None = None
    if method == "fisherz":
        statistic = _partial_correlation(data)
        name = "partial correlation" if n_given else "correlation"
    try:
        p = CIT(data, method)(0, 1, cond)
    except ValueError as exc:  # causal-learn: singular correlation matrix
        raise DataError(
            f"the {CI_METHODS[method]} test failed: {str(exc).splitlines()[0]}; drop redundant"
            " variables from given"
        ) from exc
    return float(p), statistic, name


def require_discrete(dataset: Dataset, names: Sequence[str], method: str, fix: str) -> None:
    """Chi-square and G² count cells, so every variable must be discrete; say which are not."""
    if method not in ("chisq", "gsq"):
        return
    continuous = [v for v in names if dataset.kind(v) not in DISCRETE_KINDS]
    if continuous:
        raise AlgorithmError(
            f"{CI_METHODS[method]} needs discrete variables but {', '.join(continuous)}"
            f" {'is' if len(continuous) == 1 else 'are'} continuous; {fix}"
        )


def test_independence(
    dataset: Dataset,
    x: str,
    y: str,
    given: Iterable[str] | str | None = (),
    method: str = "auto",
    alpha: float = 0.05,
    *,
    seed: int = 0,
) -> IndependenceResult:
    """Test X ⫫ Y | given on ``dataset``; ``p < alpha`` means dependent."""
    alpha = check_alpha(alpha)
    wanted = normalize_method(method, single_test=True)
    if given is None:
        given = []
    elif isinstance(given, str):
        given = [given]
    matches = [dataset.match(v) for v in (x, y, *given)]
    notes = [m.note for m in matches if m.note]
    names = [m.name for m in matches]
    x_name, y_name, z_names = names[0], names[1], names[2:]
    _check_names(x_name, y_name, z_names)

    data = dataset.matrix(names)
    n = int(data.shape[0])
    dropped = dataset.n_rows - n
    if dropped:
        notes.append(f"{dropped} row(s) with missing values in these variables were left out.")

    labels = {**CI_METHODS, **SINGLE_TEST_METHODS}
    switched = ""  # why auto chose a kernel test over Fisher-z, for the summary
    if wanted == "auto":
        chosen, why = choose_ci_test(dataset, names, n, data=data)
        notes.append(f"{labels[chosen]} chosen because {why}.")
        if chosen in ("kci", "rkci"):
            label = labels[chosen]
            switched = f" {label[0].upper()}{label[1:]} chosen because {why}."
    else:
        chosen = wanted
    require_discrete(dataset, names, chosen, "use method='fisherz' or 'kci'")
    if chosen == "fisherz":
        non_gaussian = [
            v for v in names
            if dataset.kind(v) == "continuous" and dataset.profile.column(v).gaussian is False
        ]
        if non_gaussian:
            notes.append(
                f"{', '.join(non_gaussian)} look non-Gaussian; Fisher-z only sees linear"
                " association, method='kci' also detects nonlinear dependence."
            )
    if chosen == "rkci" and n > HSIC_MAX_ROWS:
        notes.append(
            f"Residual KCI: X and Y were regressed on splines of the conditioning set on all {n}"
            f" rows; the residuals were tested on a random subsample of {HSIC_MAX_ROWS} (seed"
            f" {seed})."
        )
        n = HSIC_MAX_ROWS
    limit = KCI_MAX_ROWS if z_names else HSIC_MAX_ROWS
    if chosen == "kci" and n > limit:
        data = _subsample(data, limit, seed)
        notes.append(
            f"KCI costs O(n^{3 if z_names else 2}): it ran on a random subsample of {limit} of the"
            f" {n} rows (seed {seed})."
        )
        n = limit

    p, statistic, stat_name = run_ci_test(data, chosen, len(z_names), seed=seed)
    independent = bool(p >= alpha)
    decision: Literal["independent", "dependent"] = "independent" if independent else "dependent"
    cond = f" given {', '.join(z_names)}" if z_names else ""
    compare = f"{_fmt(p)} {'>=' if independent else '<'} alpha {alpha:g}"
    stat = f", {stat_name} {statistic:.3g}" if statistic is not None and stat_name else ""
    summary = (
        f"{x_name} and {y_name} are {decision}{cond} ({labels[chosen]}, {compare}{stat}, "
        f"n = {n})."
    )
    if independent:
        summary += " The test found no evidence of dependence."
    summary += switched
    return IndependenceResult(
        x=x_name,
        y=y_name,
        given=list(z_names),
        method=chosen,
        statistic=statistic,
        statistic_name=stat_name,
        p_value=p,
        alpha=alpha,
        independent=independent,
        decision=decision,
        n=n,
        notes=notes,
        summary=summary,
    )


# pytest would otherwise collect ``test_independence`` when a test module imports it by name.
test_independence.__test__ = False  # type: ignore[attr-defined]

__all__ = [
    "CI_METHODS", "SINGLE_TEST_METHODS", "IndependenceResult", "NonlinearityCheck", "check_alpha",
    "choose_ci_test", "nonlinearity_check", "normalize_method", "run_ci_test", "spline_residuals",
    "test_independence",
]
