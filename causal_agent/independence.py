"""(Conditional) independence tests: is X ⫫ Y | Z in this dataset?

The test runs on causal-learn's ``CIT`` (KCI on its ``KCI_UInd``/``KCI_CInd`` classes, which also
return the test statistic). **p < alpha means dependent**: the null hypothesis of every test here is
independence, so a small p-value rejects it.

How ``method="auto"`` chooses. It names no test: it reads the declarations of the registered tests
(``register_ci_tests``: ``data_kinds``, ``nonlinear``, ``cost``, ``assumptions``) and ranks those
that declare the data kind of the tested variables (all discrete / all continuous / mixed):

- every variable binary/discrete/categorical -> the **cheapest** test declaring discrete data (ties:
  registration order). Of the built-ins that is chi-square: it and G² are asymptotically the same
  test, and Pearson's chi-square approximation holds up better when the contingency tables of a
  conditional test are sparse, so the plugin registers it first.
- at most ``KCI_SMALL_N`` rows and a non-Gaussian continuous variable -> the nonlinear test with the
  **fewest assumptions** (then the cheapest): at small n the Fisher-z normal approximation is
  unreliable for non-Gaussian data, and an assumption-free kernel test (KCI) is affordable there.
- every variable continuous and a relation among them **nonlinear** -> a nonlinear test: without a
  conditioning set the one with the fewest assumptions (KCI: every unconditional kernel test is
  O(n²)), with one the **cheapest** (residual KCI, ``rkci``: conditional KCI is O(n³)). Fisher-z
  tests partial *linear* correlation: a nonlinear dependence can leave it near zero (Y = X² with
  symmetric X), and a conditioning set Z that screens X off from Y does not do so linearly when X
  and Y depend on Z nonlinearly (false "dependent"). The check (``nonlinearity_check``) is a
  nested F-test of a linear regression against one that adds a cubic B-spline basis (knots at
  quantiles) of every regressor, for X on Z and Y on Z, and Y on (X, Z) and X on (Y, Z) (with Z
  empty: Y on X and X on Y). A relation counts as nonlinear only if p < ``NONLINEAR_P`` **and** the
  splines remove at least ``NONLINEAR_GAIN`` of the linear residual variance, so linear data stays
  on Fisher-z (linear-Gaussian: ~0.1% of tests switch; linear with non-Gaussian noise switches more
  often, because E[cause | effect] is then genuinely nonlinear, and residual KCI is exact there too).
- a **nominal** text variable (unordered categories, ``Dataset.is_nominal``) among mixed variables ->
  never a correlation on its arbitrary codes. When the continuous variables are all in the tested
  pair, the **cheapest discrete** test (chi-square) on the contingency table with each continuous
  one cut into at most ``MAX_BINS`` quantile bins (a function of X is independent of Y | Z when X
  is, so binning a tested variable keeps the test valid; binning Z would not); with a continuous
  conditioning variable, the nonlinear test with the fewest assumptions whose core implementation
  takes a one-hot block per nominal variable (KCI: a Gaussian kernel on one-hot vectors is a delta
  kernel on the categories). Ordered text (low/medium/high) is coded in order and stays on the
  rules below, with a note.
- otherwise -> the **cheapest linear** test (``nonlinear=False``): Fisher-z (partial correlation).
  It detects linear association only; for mixed discrete/continuous variables it runs on the
  integer codes and says so in ``notes``; for non-Gaussian columns the notes suggest the
  assumption-free nonlinear test to look for nonlinear dependence.

Discovery (``allow_nonlinear=False``) uses only the first and last rule: PC runs many tests, so it
keeps the cheapest test for the data kind unless a test is named.

**No verdict from a NaN.** A test whose p-value or statistic is NaN or infinite raises a one-line
``DataError`` naming the cause (values too large or too tightly spread for double precision:
rescale; else a degenerate design), in ``run_ci_test`` (so discovery's p-value functions are
guarded too) and for plugin functions. ``Dataset.matrix`` already refuses columns whose magnitude
would overflow (``data.check_scale``), which also covers the tests causal-learn runs by name inside
PC. A variable both tested and conditioned on is an error, never a dropped condition.

A registered test with its own ``function(data, x, y, given) -> p`` runs when named; a built-in
(``function=None``) runs on the implementations below. ``ci_test_table`` gives the tests of a
context (``ctx.ci_tests``, filled from the plugin registry by ``context_from_registry``); an empty
table is an error, never a silent fallback to the built-in plugin (no module-level table).

Residual KCI regresses X and Y on the additive spline basis of Z (all rows; cheap least squares)
and tests the residuals for independence with KCI's unconditional test (HSIC with a gamma null).
It is exact for additive-noise relations (X = f(Z) + e with e ⫫ Z) and takes ~0.1 s, where
``KCI_CInd`` takes 1–3 s at 1000 rows and was no more accurate on the eval's nonlinear SCMs. It
is a single-test method in ``auto``; named in discovery it runs through causal-learn's PC as a
p-value function (``discovery_ci_test``).

KCI costs O(n³) (conditional) or O(n²) (unconditional), so it runs on a seeded random subsample of
at most ``KCI_MAX_ROWS`` (conditional) or ``HSIC_MAX_ROWS`` rows (unconditional, residual KCI).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from .errors import (
    AlgorithmError,
    CausalAgentError,
    DataError,
    PluginError,
    VariableError,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .data import Dataset
    from .registry import CITest

DISCRETE_KINDS = ("binary", "discrete", "categorical")
KCI_MAX_ROWS = 1000
#: the unconditional KCI (HSIC with a gamma null: O(n²), ~0.2 s at 1500 rows) affords more rows
HSIC_MAX_ROWS = 2000
KCI_SMALL_N = 300
#: nonlinearity check: significance and minimum share of the linear residual variance explained
NONLINEAR_P = 1e-3
NONLINEAR_GAIN = 0.02
SPLINE_INNER_KNOTS = 4
#: a test declaring at least this cost (a power of n: KCI's conditional test is O(n^3)) is too
#: costly for ``auto`` where many tests run or rows are many
COSTLY_COST = 3.0
#: a continuous variable tested against a nominal one is cut into at most this many quantile bins,
#: fewer when the contingency table would have under ``MIN_CELL`` rows per cell on average
MAX_BINS = 5
MIN_CELL = 5
#: core implementations that take a block of columns per variable (one-hot nominal variables)
_BLOCK_TESTS = ("kci",)


class IndependenceResult(BaseModel):
    """The outcome of one test of X ⫫ Y | given."""

    x: str
    y: str
    given: list[str] = Field(default_factory=list)
    method: str = Field(description="registered name of the test used (fisherz, chisq, kci…)")
    statistic: float | None = Field(None, description="see statistic_name; None if not exposed")
    statistic_name: str | None = None
    p_value: float
    alpha: float
    independent: bool = Field(description="p_value >= alpha (independence not rejected)")
    decision: Literal["independent", "dependent"]
    n: int = Field(description="rows used by the test")
    test_reason: str | None = Field(None, description="why auto chose this test (None when named)")
    data_notes: list[str] = Field(default_factory=list, description="how the tested columns were"
                                  " read (ordered text coding, bad cells read as missing)")
    binned: dict[str, int] = Field(default_factory=dict,
                                   description="continuous variables cut into this many quantile bins")
    one_hot: list[str] = Field(default_factory=list, description="nominal variables one-hot encoded")
    notes: list[str] = Field(default_factory=list)
    summary: str


def ci_test_table(tests: Mapping[str, CITest] | None) -> Mapping[str, CITest]:
    """``tests`` (a context's ``ci_tests``); an empty table is a one-line AlgorithmError."""
    from .registry import registered

    return registered(tests, "CI tests")


def ci_label(tests: Mapping[str, CITest] | None, name: str | None) -> str:
    """How a test is called for people, from its registration (unknown names as given)."""
    if not name:
        return ""
    test = (tests or {}).get(name)
    return test.label if test is not None else name


def _key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_").replace("²", "2")


def find_ci_test(tests: Mapping[str, CITest], method: str) -> CITest:
    """The registered test called ``method`` (its name, label or an alias, ignoring case, spaces
    and hyphens); an unknown name is a one-line error listing the known ones."""
    from .registry import lookup

    key = _key(method)
    for test in tests.values():
        if key in {_key(test.name), _key(test.label), *(_key(a) for a in test.aliases)}:
            return test
    return lookup(tests, method, "independence test")  # raises, listing the known names


def normalize_method(
    method: str | None, tests: Mapping[str, CITest] | None = None, *, allow_auto: bool = True
) -> str:
    """The registered name of CI test ``method`` (``auto`` kept when ``allow_auto``)."""
    raw = "auto" if method is None else str(method)
    if allow_auto and _key(raw) in ("", "auto", "default"):
        return "auto"
    return find_ci_test(ci_test_table(tests), raw).name


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


def data_kind(dataset: Dataset, variables: Sequence[str]) -> str:
    """``discrete`` (all binary/discrete/categorical), ``continuous`` (none) or ``mixed``: the kind
    a test or algorithm declares in ``data_kinds``."""
    discrete = [dataset.kind(v) in DISCRETE_KINDS for v in variables]
    return "discrete" if all(discrete) else "mixed" if any(discrete) else "continuous"


def _cheapest(tests: Sequence[CITest]) -> CITest | None:
    """Lowest declared cost; ``min`` keeps registration order on ties."""
    return min(tests, key=lambda t: t.cost, default=None)


def _most_general(tests: Sequence[CITest]) -> CITest | None:
    """Fewest declared assumptions, then lowest cost."""
    return min(tests, key=lambda t: (len(t.assumptions), t.cost), default=None)


def _fitting(tests: Mapping[str, CITest], kind: str) -> list[CITest]:
    return [t for t in tests.values() if kind in t.data_kinds]


def choose_ci_test(
    dataset: Dataset,
    variables: Sequence[str],
    n: int,
    *,
    allow_nonlinear: bool = True,
    data: np.ndarray | None = None,
    tests: Mapping[str, CITest] | None = None,
) -> tuple[str, str]:
    """The registered test ``auto`` picks for these variables, and why (rules in the module
    docstring), from the tests' declarations only.

    ``data`` (columns in the order of ``variables``: X, Y, Z...) enables the nonlinearity check;
    it and the small-sample rule only run when ``allow_nonlinear`` (single tests; discovery keeps
    the cheapest test for the data kind)."""
    table = ci_test_table(tests)
    kind = data_kind(dataset, variables)
    fits = _fitting(table, kind)
    if not fits:
        raise AlgorithmError(
            f"no registered independence test declares {kind} data (known: {', '.join(table)});"
            " name one with method="
        )
    if kind == "discrete":
        best = _cheapest(fits)
        return best.name, (
            f"all variables are discrete ({best.label}, the cheapest test registered for discrete"
            " data, on the category counts)"
        )
    linear = _cheapest([t for t in fits if not t.nonlinear])
    nonlinear = [t for t in fits if t.nonlinear]
    linear_label = linear.label if linear is not None else "a linear test"
    nominal = nominal_variables(dataset, variables)
    if allow_nonlinear and nominal:
        picked = _nominal_choice(dataset, variables, table, nonlinear, nominal)
        if picked is not None:
            return picked
    non_gaussian = [
        v for v in variables
        if dataset.kind(v) == "continuous" and dataset.profile.column(v).gaussian is False
    ]
    if allow_nonlinear and nonlinear and non_gaussian and n <= KCI_SMALL_N:
        best = _most_general(nonlinear)
        free = ("makes no distributional assumption" if not best.assumptions
                else f"assumes only {', '.join(best.assumptions)}")
        return best.name, (
            f"the sample is small (n = {n}) and {', '.join(non_gaussian)} non-Gaussian, where"
            f" {linear_label} is unreliable; {best.label} {free}"
        )
    if allow_nonlinear and data is not None and kind == "continuous" and nonlinear:
        check = nonlinearity_check(data, variables)
        if check.nonlinear:
            # unconditional kernel tests are all O(n^2): take the most general; with a
            # conditioning set, the most general one cheaper than conditional KCI (O(n^3)), ties
            # in registration order: one test costs under a second either way, and residual KCI
            # agreed with d-separation more often than RCIT (136 vs 132 of 150 tests here)
            if len(variables) > 2:
                affordable = [t for t in nonlinear if t.cost < COSTLY_COST] or nonlinear
                best = min(affordable, key=lambda t: len(t.assumptions))
            else:
                best = _most_general(nonlinear)
            return best.name, f"{check.describe()}, which a linear test ({linear_label}) misses"
    if linear is None:  # only nonlinear tests declare this data kind
        best = _cheapest(fits)
        return best.name, f"it is the cheapest test registered for {kind} data"
    if kind == "mixed":
        discrete = [v for v in variables if dataset.kind(v) in DISCRETE_KINDS]
        return linear.name, (
            f"the variables are mixed discrete/continuous ({linear.label} on the integer codes of"
            f" {', '.join(discrete)}: linear association only)"
        )
    if allow_nonlinear and data is not None:
        return linear.name, (
            "the variables are continuous and their relations look linear (no spline F-test"
            f" p < {NONLINEAR_P:g} with a gain of {100 * NONLINEAR_GAIN:g}%); {linear.label} tests"
            " linear association"
        )
    return linear.name, f"the variables are continuous ({linear.label} tests linear association)"


def nominal_variables(dataset: Dataset, variables: Sequence[str]) -> list[str]:
    """The variables that are nominal text (unordered categories with arbitrary codes)."""
    return [v for v in variables if dataset.is_nominal(v)]


def _nominal_text(nominal: Sequence[str]) -> str:
    one = len(nominal) == 1
    return (f"{', '.join(nominal)} {'is' if one else 'are'} nominal text (unordered categories: a"
            f" correlation on {'its' if one else 'their'} codes would test an arbitrary order)")


def _nominal_choice(dataset: Dataset, variables: Sequence[str], table: Mapping[str, CITest],
                    nonlinear: Sequence[CITest], nominal: Sequence[str]) -> tuple[str, str] | None:
    """The test for mixed variables with a nominal one (module docstring), or None if none fits."""
    continuous = [v for v in variables if dataset.kind(v) not in DISCRETE_KINDS]
    if set(continuous) <= set(variables[:2]):
        best = _cheapest(_fitting(table, "discrete"))
        if best is not None:
            cut = ", ".join(continuous)
            return best.name, (
                f"{_nominal_text(nominal)}; {best.label} on the contingency table, with {cut} cut"
                " into quantile bins"
            )
    blocks = [t for t in nonlinear if t.function is None and t.name in _BLOCK_TESTS]
    best = _most_general(blocks)
    if best is None:
        return None
    where = [v for v in continuous if v in variables[2:]]
    return best.name, (
        f"{_nominal_text(nominal)} and the conditioning set holds continuous {', '.join(where)};"
        f" {best.label} with {', '.join(nominal)} one-hot encoded (a delta kernel on the categories)"
    )


def quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Integer codes 0..k-1 of ``k`` equal-count bins of ``values`` (ties share a bin; at least two
    bins for a non-constant column)."""
    import numpy as np
    from scipy.stats import rankdata

    n = values.shape[0]
    ranks = rankdata(values, method="average")
    codes = np.minimum(np.floor((ranks - 0.5) * k / n), k - 1).astype(int)
    if np.unique(codes).size < 2:  # one value holds most rows: split it from the rest
        codes = (values > np.median(values)).astype(int)
        if np.unique(codes).size < 2:
            codes = (values >= values.max()).astype(int)
    return np.unique(codes, return_inverse=True)[1].astype(float)


def _bin_count(data: np.ndarray, binned: Sequence[int], n_given: int) -> int:
    """Quantile bins per binned column: at most ``MAX_BINS``, and enough rows per cell (``MIN_CELL``
    on average) of the table of X, Y and the strata of Z."""
    import numpy as np

    cells = 1
    for j in (0, 1):
        if j not in binned:
            cells *= np.unique(data[:, j]).size
    if n_given:
        cells *= np.unique(data[:, 2:2 + n_given], axis=0).shape[0]
    room = data.shape[0] / (MIN_CELL * cells)
    k = int(room ** (1 / len(binned))) if room > 1 else 2
    return max(2, min(MAX_BINS, k))


def alternatives(tests: Mapping[str, CITest], kind: str) -> list[str]:
    """The cheapest linear and the most general nonlinear test declaring ``kind`` data: what to
    suggest when a named test does not fit."""
    fits = _fitting(tests, kind)
    picks = [_cheapest([t for t in fits if not t.nonlinear]),
             _most_general([t for t in fits if t.nonlinear])]
    return [t.name for t in picks if t is not None]


def discovery_ci_test(test: CITest, *, seed: int = 0) -> str | Callable[..., float]:
    """What a constraint-based algorithm receives as ``ci_test``: the name of a test causal-learn
    implements itself (PC/FCI run it exactly as before), else a p-value function
    ``(data, x, y, given) -> p`` (a plugin's own function, or the core implementation). The
    functions are picklable objects, so the bootstrap can send them to worker processes."""
    if test.function is not None:
        return _checked(test)
    from causallearn.utils import cit

    if getattr(cit, test.name, None) == test.name:
        return test.name
    return CorePValue(test.name, test.label, seed)


class CorePValue:
    """p-value of x ⫫ y | given with the core implementation of a built-in test (picklable)."""

    def __init__(self, method: str, label: str, seed: int) -> None:
        self.method, self.label, self.seed = method, label, seed

    def __call__(self, data: np.ndarray, x: int, y: int, given: Sequence[int]) -> float:
        cols = [x, y, *given]
        return run_ci_test(data[:, cols], self.method, len(given), seed=self.seed,
                           label=self.label)[0]


class CheckedPValue:
    """A plugin's p-value function that fails in one line and returns a number in [0, 1]."""

    def __init__(self, test: CITest) -> None:
        self.test = test

    def __call__(self, data: np.ndarray, x: int, y: int, given: Sequence[int]) -> float:
        test = self.test
        assert test.function is not None
        try:
            p = float(test.function(data, int(x), int(y), [int(g) for g in given]))
        except CausalAgentError:
            raise
        except Exception as exc:  # a plugin failure: say which test, keep one line
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise AlgorithmError(
                f"CI test {test.name!r} ({test.plugin}) failed: {type(exc).__name__}: {first};"
                " use another test or fix the plugin"
            ) from exc
        if math.isnan(p):  # the data's scale explains it (values too large): say so
            from .data import check_scale

            for j in (int(x), int(y), *map(int, given)):
                check_scale(f"column {j}", data[:, j])
        if not 0.0 <= p <= 1.0:  # also catches NaN
            raise PluginError(
                f"CI test {test.name!r} ({test.plugin}) returned p = {p!r}, not a number in"
                " [0, 1]; fix the plugin"
            )
        return p


def _checked(test: CITest) -> Callable[..., float]:
    return CheckedPValue(test)


def _check_names(x: str, y: str, given: Sequence[str]) -> None:
    if x == y:
        raise VariableError(
            f"x and y are both {x!r}; a variable cannot be tested against itself, name two"
            " different variables"
        )
    for v in (x, y):
        if v in given:
            raise VariableError(
                f"{v} is both tested and conditioned on (given {v}): given itself it is constant,"
                f" so the question has no answer; remove {v} from the conditioning set or test"
                " another pair"
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


def check_finite(p: float, statistic: float | None, data: np.ndarray, label: str | None,
                 names: Sequence[str] | None = None) -> None:
    """A NaN or infinite p-value or statistic is a one-line DataError naming the cause, never a
    verdict (``p >= alpha`` is False for NaN, which would read as "dependent")."""
    import numpy as np

    if math.isfinite(p) and (statistic is None or math.isfinite(statistic)):
        return
    from .data import check_scale

    names = list(names) if names else [f"column {i}" for i in range(data.shape[1])]
    for j in range(data.shape[1]):
        check_scale(names[j], np.asarray(data[:, j], dtype=float))  # raises for the usual cause
    what = f"p = {p}" if not math.isfinite(p) else f"a statistic of {statistic}"
    pair = f"{names[0]} and {names[1]}" + (f" given {', '.join(names[2:])}" if len(names) > 2 else "")
    raise DataError(
        f"the {label or 'independence'} test of {pair} gave {what}, not a number, so it has no"
        " verdict (a variable may be an exact function of the others); drop the redundant"
        " variable, rescale the data or name another test with method="
    )


def _block(data: np.ndarray, cols: Sequence[int], one_hot: Sequence[int]) -> np.ndarray:
    """Columns ``cols`` of ``data``, each one-hot encoded when it is in ``one_hot``."""
    import numpy as np

    parts = []
    for c in cols:
        if c in one_hot:
            levels = np.unique(data[:, c])
            parts.append((data[:, [c]] == levels[None, :]).astype(float))
        else:
            parts.append(data[:, [c]])
    return np.column_stack(parts)


def run_ci_test(
    data: np.ndarray, method: str, n_given: int, *, seed: int = 0, label: str | None = None,
    one_hot: Sequence[int] = (), names: Sequence[str] | None = None,
) -> tuple[float, float | None, str | None]:
    """p-value, statistic and statistic name of column 0 ⫫ column 1 | columns 2.. of ``data``,
    with the core implementation of a built-in test (``function=None`` in its registration).

    ``rkci`` fits its regressions on all rows and subsamples the residuals to ``HSIC_MAX_ROWS``
    (seeded); ``kci`` one-hot encodes the columns in ``one_hot`` (nominal variables); the other
    methods use ``data`` as given (any other name goes to causal-learn's ``CIT``). A NaN or
    infinite result raises (``check_finite``; ``names`` label the columns in its message)."""
    p, statistic, name = _run_core(data, method, n_given, seed=seed, label=label, one_hot=one_hot)
    check_finite(p, statistic, data, label or method, names)
    return p, statistic, name


def _run_core(
    data: np.ndarray, method: str, n_given: int, *, seed: int, label: str | None,
    one_hot: Sequence[int],
) -> tuple[float, float | None, str | None]:
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

        bx, by = _block(data, [0], one_hot), _block(data, [1], one_hot)
        with np.errstate(all="ignore"):  # an overflow becomes a NaN, which check_finite explains
            if n_given:
                p, stat = KCI_CInd().compute_pvalue(bx, by, _block(data, cond, one_hot))
            else:
                p, stat = KCI_UInd().compute_pvalue(bx, by)
        return float(p), float(stat), "KCI statistic"
    statistic: float | None = None
    name: str | None = None
    if method == "fisherz":
        with np.errstate(all="ignore"):
            statistic = _partial_correlation(data)
        name = "partial correlation" if n_given else "correlation"
    state = np.random.get_state()  # RCIT/FastKCI draw from numpy's global generator: seed it
    np.random.seed(seed)
    try:
        with np.errstate(all="ignore"):
            p = CIT(data, method)(0, 1, cond)
    except np.linalg.LinAlgError as exc:  # RCIT on values that overflow
        check_finite(float("nan"), None, data, label or method)
        raise DataError(f"the {label or method} test failed: {exc}; rescale the data or name"
                        " another test with method=") from exc
    except ValueError as exc:  # causal-learn: singular correlation matrix
        raise DataError(
            f"the {label or method} test failed: {str(exc).splitlines()[0]}; drop redundant"
            " variables from given"
        ) from exc
    finally:
        np.random.set_state(state)
    return float(p), statistic, name


def require_discrete(dataset: Dataset, names: Sequence[str], test: CITest, fix: str) -> None:
    """A test that declares discrete data only (chi-square, G²: they count cells) needs every
    variable discrete; say which are not."""
    if set(test.data_kinds) != {"discrete"}:
        return
    continuous = [v for v in names if dataset.kind(v) not in DISCRETE_KINDS]
    if continuous:
        raise AlgorithmError(
            f"{test.label} needs discrete variables but {', '.join(continuous)}"
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
    tests: Mapping[str, CITest] | None = None,
) -> IndependenceResult:
    """Test X ⫫ Y | given on ``dataset`` with a registered test (``tests``: a context's
    ``ci_tests``, which must not be empty); ``p < alpha`` means dependent."""
    alpha = check_alpha(alpha)
    table = ci_test_table(tests)
    wanted = normalize_method(method, table)
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
    data_notes = [note.rstrip(".") + "." for v in dict.fromkeys(names)
                  if (note := dataset.profile.column(v).note)]  # ordered coding, bad cells
    notes += data_notes

    kind = data_kind(dataset, names)
    nominal = nominal_variables(dataset, names)
    switched = ""  # why auto chose a test other than the linear default, for the summary
    reason: str | None = None
    if wanted == "auto":
        chosen, reason = choose_ci_test(dataset, names, n, data=data, tests=table)
        test = table[chosen]
        notes.append(f"{test.label} chosen because {reason}.")
        if test.nonlinear and kind != "discrete":
            switched = f" {test.label[0].upper()}{test.label[1:]} chosen because {reason}."
    else:
        test = table[wanted]
        chosen = test.name
    binned: dict[str, int] = {}
    if set(test.data_kinds) == {"discrete"} and kind != "discrete" and nominal and wanted == "auto":
        # chi-square against a nominal variable: cut the continuous tested variables into bins
        import numpy as np

        cols = [j for j in (0, 1) if dataset.kind(names[j]) not in DISCRETE_KINDS]
        k = _bin_count(data, cols, len(z_names))
        data = data.copy()
        for j in cols:
            data[:, j] = quantile_bins(data[:, j], k)
            binned[names[j]] = int(np.unique(data[:, j]).size)
        notes.append("Cut into equal-count quantile bins for the contingency table: "
                     + ", ".join(f"{v} ({b} bins)" for v, b in binned.items()) + ".")
    else:
        kinds = "'kci'" if nominal else " or ".join(repr(a) for a in alternatives(table, kind))
        require_discrete(dataset, names, test, f"use method={kinds or 'another test'}")
    one_hot: list[str] = []
    if nominal and not binned:
        if test.function is None and chosen in _BLOCK_TESTS:
            one_hot = list(nominal)
            notes.append(f"{', '.join(nominal)} one-hot encoded for {test.label} (unordered"
                         " categories).")
        elif kind != "discrete":
            fits = [t.name for t in table.values() if t.function is None and t.name in _BLOCK_TESTS]
            better = f"; method='auto' or '{fits[0]}' treat them as categories" if fits else ""
            notes.append(
                f"{_nominal_text(nominal)}: {test.label} ran on those codes, so its result is only as"
                f" meaningful as that order{better}."
            )
    if not test.nonlinear and kind != "discrete":
        non_gaussian = [
            v for v in names
            if dataset.kind(v) == "continuous" and dataset.profile.column(v).gaussian is False
        ]
        general = _most_general([t for t in _fitting(table, kind) if t.nonlinear])
        if non_gaussian:
            also = (f", method='{general.name}' also detects nonlinear dependence"
                    if general is not None else "")
            notes.append(
                f"{', '.join(non_gaussian)} look non-Gaussian; {test.label} only sees linear"
                f" association{also}."
            )
    if test.function is not None:
        p = _checked(test)(data, 0, 1, list(range(2, 2 + len(z_names))))
        statistic, stat_name = None, None
    else:
        if chosen == "rkci" and n > HSIC_MAX_ROWS:
            notes.append(
                f"Residual KCI: X and Y were regressed on splines of the conditioning set on all"
                f" {n} rows; the residuals were tested on a random subsample of {HSIC_MAX_ROWS}"
                f" (seed {seed})."
            )
            n = HSIC_MAX_ROWS
        limit = KCI_MAX_ROWS if z_names else HSIC_MAX_ROWS
        if test.cost >= 3 and n > limit:  # KCI, FastKCI: O(n^3) conditional, O(n^2) marginal
            data = _subsample(data, limit, seed)
            notes.append(
                f"{test.label} costs O(n^{3 if z_names else 2}): it ran on a random subsample of {limit} of"
                f" the {n} rows (seed {seed})."
            )
            n = limit
        p, statistic, stat_name = run_ci_test(
            data, chosen, len(z_names), seed=seed, label=test.label,
            one_hot=[i for i, v in enumerate(names) if v in one_hot], names=names)
    independent = bool(p >= alpha)
    decision: Literal["independent", "dependent"] = "independent" if independent else "dependent"
    cond = f" given {', '.join(z_names)}" if z_names else ""
    compare = f"{_fmt(p)} {'>=' if independent else '<'} alpha {alpha:g}"
    stat = f", {stat_name} {statistic:.3g}" if statistic is not None and stat_name else ""
    summary = (
        f"{x_name} and {y_name} are {decision}{cond} ({test.label}, {compare}{stat}, "
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
        test_reason=reason,
        data_notes=data_notes,
        binned=binned,
        one_hot=one_hot,
        notes=notes,
        summary=summary,
    )


# pytest would otherwise collect ``test_independence`` when a test module imports it by name.
test_independence.__test__ = False  # type: ignore[attr-defined]

__all__ = [
    "IndependenceResult", "NonlinearityCheck", "alternatives", "check_alpha",
    "check_finite", "choose_ci_test", "ci_label", "ci_test_table", "data_kind",
    "discovery_ci_test", "find_ci_test", "nominal_variables", "nonlinearity_check",
    "normalize_method", "quantile_bins", "run_ci_test",
    "spline_residuals", "test_independence",
]
