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
- otherwise -> **Fisher-z** (partial correlation). It detects linear association only; for mixed
  discrete/continuous variables it runs on the integer codes and says so in ``notes``; for
  non-Gaussian columns the notes suggest ``method="kci"`` to look for nonlinear dependence.

KCI costs O(n³), so it runs on a seeded random subsample of at most ``KCI_MAX_ROWS`` rows.
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
KCI_SMALL_N = 300


class IndependenceResult(BaseModel):
    """The outcome of one test of X ⫫ Y | given."""

    x: str
    y: str
    given: list[str] = Field(default_factory=list)
    method: str = Field(description="fisherz, chisq, gsq or kci")
    statistic: float | None = Field(None, description="see statistic_name; None if not exposed")
    statistic_name: str | None = None
    p_value: float
    alpha: float
    independent: bool = Field(description="p_value >= alpha (independence not rejected)")
    decision: Literal["independent", "dependent"]
    n: int = Field(description="rows used by the test")
    notes: list[str] = Field(default_factory=list)
    summary: str


def normalize_method(method: str | None, *, allow_auto: bool = True) -> str:
    """Canonical CI test name (``auto``, ``fisherz``, ``chisq``, ``gsq``, ``kci``)."""
    raw = "auto" if method is None else str(method)
    key = raw.strip().lower().replace("-", "_").replace(" ", "_").replace("²", "2")
    if allow_auto and key in ("", "auto", "default"):
        return "auto"
    if key in _ALIASES:
        return _ALIASES[key]
    valid = (["auto"] if allow_auto else []) + list(CI_METHODS)
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


def choose_ci_test(
    dataset: Dataset, variables: Sequence[str], n: int, *, allow_kci: bool = True
) -> tuple[str, str]:
    """The test ``auto`` picks for these variables, and why (rules in the module docstring)."""
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
    if discrete:
        return "fisherz", (
            f"the variables are mixed discrete/continuous (Fisher-z on the integer codes of"
            f" {', '.join(discrete)}: linear association only)"
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
    data: np.ndarray, method: str, n_given: int
) -> tuple[float, float | None, str | None]:
    """p-value, statistic and statistic name of column 0 ⫫ column 1 | columns 2.. of ``data``."""
    from causallearn.utils.cit import CIT

    cond = list(range(2, 2 + n_given))
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
    wanted = normalize_method(method)
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

    if wanted == "auto":
        chosen, why = choose_ci_test(dataset, names, n)
        notes.append(f"{CI_METHODS[chosen]} chosen because {why}.")
    else:
        chosen = wanted
    if chosen in ("chisq", "gsq"):
        continuous = [v for v in names if dataset.kind(v) not in DISCRETE_KINDS]
        if continuous:
            raise AlgorithmError(
                f"{CI_METHODS[chosen]} needs discrete variables but {', '.join(continuous)}"
                f" {'is' if len(continuous) == 1 else 'are'} continuous; use method='fisherz' or"
                " 'kci'"
            )
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
    if chosen == "kci" and n > KCI_MAX_ROWS:
        data = _subsample(data, KCI_MAX_ROWS, seed)
        notes.append(
            f"KCI costs O(n^3): it ran on a random subsample of {KCI_MAX_ROWS} of the {n} rows"
            f" (seed {seed})."
        )
        n = KCI_MAX_ROWS

    p, statistic, stat_name = run_ci_test(data, chosen, len(z_names))
    independent = bool(p >= alpha)
    decision: Literal["independent", "dependent"] = "independent" if independent else "dependent"
    cond = f" given {', '.join(z_names)}" if z_names else ""
    compare = f"{_fmt(p)} {'>=' if independent else '<'} alpha {alpha:g}"
    stat = f", {stat_name} {statistic:.3g}" if statistic is not None and stat_name else ""
    summary = (
        f"{x_name} and {y_name} are {decision}{cond} ({CI_METHODS[chosen]}, {compare}{stat}, "
        f"n = {n})."
    )
    if independent:
        summary += " The test found no evidence of dependence."
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
    "CI_METHODS", "IndependenceResult", "check_alpha", "choose_ci_test", "normalize_method",
    "run_ci_test", "test_independence",
]
