"""Causal discovery with memory: learn a graph once, reuse it for every later question.

``discover(ctx, ...)`` resolves the dataset and variables, chooses an algorithm (saying why),
returns a stored graph when memory already holds one for the same data, variables, algorithm and
parameters, and otherwise runs a registered algorithm and stores the result with full provenance.

How ``algorithm="auto"`` chooses. It names no algorithm: it ranks the registered ones by what they
declare (``register_algorithms``) against the profile of the chosen variables.

1. **Eligible**: the algorithm declares the data kind (all discrete / all continuous / mixed) in
   ``data_kinds``; it declares ``latent_confounders`` if they were asked for; and every assumption
   the profile can check holds: ``non_gaussian`` needs nearly all continuous columns clearly
   non-Gaussian (at most one Gaussian-looking and at least ``NON_GAUSSIAN_MIN_SHARE``), ``gaussian``
   none clearly non-Gaussian. Assumptions the profile cannot check (``linear``) are stated in the
   reason, not tested.
2. **Ranked**, lexicographically: affordable first (``cost`` x n x p³ within ``AUTO_BUDGET``; if
   nothing eligible is affordable, the cheapest is taken); then the more informative ``output``
   (dag > cpdag > pag: a DAG orients every edge, a CPDAG leaves the unorientable ones undirected, a
   PAG adds circle marks for possible latent confounding); then the lower ``cost``; then
   registration order.
3. An algorithm that ``uses_ci_test`` gets the cheapest registered CI test declaring the data kind
   (``choose_ci_test(allow_nonlinear=False)``): PC runs many tests.

With the built-ins this gives: discrete data -> **PC with chi-square**; continuous data, nearly all
clearly non-Gaussian, at an affordable size -> **DirectLiNGAM** (a DAG: under a linear model with
non-Gaussian noise it orients edges PC leaves undirected; on Gaussian data it would orient them
confidently wrong, which is why its ``non_gaussian`` assumption gates it); otherwise -> **PC with
Fisher-z** (cheapest; Fisher-z works on the correlation matrix, so its cost barely grows with n).
A test whose per-test cost grows as n³ or faster (KCI) is never chosen automatically; when asked
for, it runs on at most ``COSTLY_TEST_MAX_ROWS`` sampled rows.

Background knowledge (``Background``) goes to causal-learn's ``BackgroundKnowledge`` for PC and
FCI, to DirectLiNGAM's prior-knowledge matrix for LiNGAM, and algorithms without support raise an
error rather than ignoring it. Every result is also checked against the knowledge afterwards, and
any violation (e.g. a required edge the data do not support) is reported in ``notes``.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from .errors import AlgorithmError, CausalAgentError, PluginError, VariableError
from .graph import CausalGraph
from .independence import (
    DISCRETE_KINDS,
    alternatives,
    check_alpha,
    choose_ci_test,
    ci_label,
    ci_test_table,
    data_kind,
    discovery_ci_test,
    normalize_method,
    require_discrete,
)

if TYPE_CHECKING:  # pragma: no cover
    from .context import AgentContext
    from .data import Dataset
    from .registry import Algorithm, CITest

#: rows a CI test whose per-test cost grows as n^COSTLY_TEST_COST (KCI) runs on inside discovery
COSTLY_TEST_MAX_ROWS = 1500
COSTLY_TEST_COST = 3.0
#: ``auto``'s budget for cost x n x p³: an algorithm of cost 1 (DirectLiNGAM: 0.4 s at 2000 x 10
#: here) stays within it up to ~5 s.
AUTO_BUDGET = 30_000_000
#: seconds per unit of cost x n x p³ (the same calibration: 0.4 s / (2000 x 10³)); the time
#: estimate of an algorithm that runs no CI tests
SECONDS_PER_COST_UNIT = 2e-7
#: the CI-test probe of ``estimate_cost``: at most this many pairs and seconds
PROBE_PAIRS = 300
PROBE_S = 1.0
#: PC's depth-1 tests against 2·E·(d−1) (E adjacent pairs, d mean degree after depth 0): 1.2–1.6
#: on random sparse DAGs of 50–200 variables x 200 rows (0.6–2 on noise)
DEPTH1_FACTOR = 1.3
#: a real run over the time of its tests alone: the algorithm's own bookkeeping and the tests of
#: its orientation phase (PC + Fisher-z, maxP, random sparse DAGs: 1.7–2.7 at 40 x 1000 to
#: 150 x 200, benchmarks/bench_discovery_budget.py --calibrate)
RUN_OVERHEAD = 1.8
NON_GAUSSIAN_MIN_SHARE = 0.8
#: output kinds, most informative first
OUTPUT_ORDER: tuple[str, ...] = ("dag", "cpdag", "pag")
_OUTPUT_TEXT = {
    "dag": "a DAG, every edge oriented",
    "cpdag": "a CPDAG, edges it cannot orient left undirected",
    "pag": "a PAG, with circle marks where latent confounding is possible",
}
#: assumptions the data profile can check (others are stated, not tested)
CHECKED_ASSUMPTIONS: tuple[str, ...] = ("non_gaussian", "gaussian", "linear")
#: the assumption an algorithm declares when it takes a context column (data from several
#: environments, e.g. CD-NOD): it runs only with one, and a context is given only to such algorithms
CONTEXT_ASSUMPTION = "context"
#: nonlinearity profile of discovery: pairs checked, rows used, and the share of clearly
#: dependent pairs that must look nonlinear (spline gain at least ``PAIR_NONLINEAR_GAIN``)
NONLINEAR_PAIRS = 40
NONLINEAR_ROWS = 2000
PAIR_NONLINEAR_GAIN = 0.10
NONLINEAR_PAIR_SHARE = 0.25
#: PC with a nonparametric test runs only while rows x variables² stay within this (RCIT took
#: ~0.1 s per test at 1000 rows here, and PC runs O(p²) tests and more)
NONLINEAR_TEST_BUDGET = 1_000_000


class DiscoveryNote(UserWarning):
    """Warn with this category inside an algorithm function to add a caveat to the result's
    ``notes`` (e.g. how background knowledge was translated); other warnings stay silent."""

_ARROW = re.compile(r"\s*(?:-+>|→|=>)\s*")


def _pair(value: Any) -> Any:
    """Read "a -> b" (as models tend to write edges) or [a, b] as a pair."""
    if isinstance(value, str):
        parts = [p.strip() for p in _ARROW.split(value) if p.strip()]
        if len(parts) != 2:
            raise ValueError(f"cannot read {value!r} as an edge; write it as 'a -> b' or [a, b]")
        return tuple(parts)
    if isinstance(value, dict) and {"source", "target"} <= set(value):
        return (value["source"], value["target"])
    return value


class Background(BaseModel):
    """Background knowledge for discovery.

    ``required``/``forbidden`` hold directed edges ``(a, b)`` meaning a -> b. ``tiers`` is a temporal
    order: a variable in an earlier tier cannot be caused by one in a later tier (e.g.
    ``[["age", "sex"], ["smoking"], ["cancer"]]``).
    """

    required: list[tuple[str, str]] = Field(
        default_factory=list, description="edges a -> b that must be present"
    )
    forbidden: list[tuple[str, str]] = Field(
        default_factory=list, description="edges a -> b that must be absent"
    )
    tiers: list[list[str]] = Field(
        default_factory=list,
        description="temporal tiers, earliest first; later tiers cannot cause earlier ones",
    )

    @field_validator("required", "forbidden", mode="before")
    @classmethod
    def _read_pairs(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, (str, dict)):
            value = [value]
        return [_pair(v) for v in value]

    @field_validator("tiers", mode="before")
    @classmethod
    def _read_tiers(cls, value: Any) -> Any:
        if value is None:
            return []
        return [[t] if isinstance(t, str) else t for t in value]

    def is_empty(self) -> bool:
        return not (self.required or self.forbidden or self.tiers)

    def resolve(self, dataset: Dataset, variables: Sequence[str]) -> Background:
        """Names resolved to columns of ``dataset``, all inside ``variables``, and consistent."""
        inside = set(variables)

        def name(raw: str) -> str:
            col = dataset.resolve(raw)
            if col not in inside:
                raise VariableError(
                    f"background knowledge names {col!r}, which is not among the graph's variables"
                    f" ({', '.join(variables)}); add it to variables or drop that rule"
                )
            return col

        def edges(pairs: list[tuple[str, str]], what: str) -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            for a, b in pairs:
                pair = (name(a), name(b))
                if pair[0] == pair[1]:
                    raise VariableError(
                        f"{what} edge {a} -> {b} joins {pair[0]!r} to itself; name two variables"
                    )
                if pair not in out:
                    out.append(pair)
            return out

        # Canonical order (edges sorted, tier members in variable order) so that the same
        # knowledge written differently maps to the same memory key.
        order = {v: i for i, v in enumerate(variables)}
        required = sorted(edges(self.required, "required"))
        forbidden = sorted(edges(self.forbidden, "forbidden"))
        tiers = [sorted(dict.fromkeys(name(v) for v in tier), key=order.__getitem__)
                 for tier in self.tiers]
        tiers = [t for t in tiers if t]
        tier_of: dict[str, int] = {}
        for i, tier in enumerate(tiers):
            for v in tier:
                if v in tier_of:
                    raise VariableError(
                        f"{v!r} is in tiers {tier_of[v] + 1} and {i + 1}; put each variable in one tier"
                    )
                tier_of[v] = i
        for a, b in required:
            if (a, b) in forbidden:
                raise VariableError(f"edge {a} -> {b} is both required and forbidden; keep one")
            if (b, a) in required:
                raise VariableError(f"both {a} -> {b} and {b} -> {a} are required; keep one direction")
            if a in tier_of and b in tier_of and tier_of[a] > tier_of[b]:
                raise VariableError(
                    f"required edge {a} -> {b} contradicts the tiers ({a!r} is in a later tier than"
                    f" {b!r}); fix the tiers or the edge"
                )
        return Background(required=required, forbidden=forbidden, tiers=tiers)

    def tier_of(self) -> dict[str, int]:
        return {v: i for i, tier in enumerate(self.tiers) for v in tier}

    def violations(self, graph: CausalGraph) -> list[str]:
        """Plain-language list of the rules ``graph`` breaks (checked after every algorithm)."""
        directed: set[tuple[str, str]] = set()
        adjacent: dict[frozenset[str], str] = {}
        for e in graph.edges:
            adjacent[frozenset((e.source, e.target))] = f"{e.source} {e.type} {e.target}"
            if e.type == "-->":
                directed.add((e.source, e.target))
        out: list[str] = []
        for a, b in self.required:
            if (a, b) in directed:
                continue
            found = adjacent.get(frozenset((a, b)))
            if found is None:
                out.append(
                    f"required edge {a} -> {b} is absent: the data show no direct dependence"
                    " between them"
                )
            else:
                out.append(f"required edge {a} -> {b} appears as {found}")
        for a, b in self.forbidden:
            if (a, b) in directed:
                out.append(f"forbidden edge {a} -> {b} is in the graph")
        tiers = self.tier_of()
        for a, b in sorted(directed):
            if a in tiers and b in tiers and tiers[a] > tiers[b]:
                out.append(f"edge {a} -> {b} runs from a later tier to an earlier one")
        return out


class DiscoveryResult(BaseModel):
    """A learned (or reused) graph and how it was obtained."""

    key: str = Field(description="memory key of the graph")
    graph: CausalGraph
    algorithm: str
    ci_test: str | None = Field(None, description="CI test used (None for score/FCM-based methods)")
    alpha: float | None = Field(None, description="significance level (None when not used)")
    reason: str = Field(description="why this algorithm (and test) were used")
    reused: bool = Field(description="True when the graph came from memory and nothing was run")
    elapsed_s: float = Field(description="seconds this call took")
    variables: list[str]
    notes: list[str] = Field(default_factory=list)
    summary: str
    support: Any = Field(None, description="bootstrap Support of the graph (None: off or skipped)")


def _assumption_unmet(assumption: str, continuous: int, non_gaussian: Sequence[str]) -> str | None:
    """Why the profile contradicts ``assumption`` (None: it holds or cannot be checked)."""
    k = len(non_gaussian)
    if assumption == "non_gaussian":
        needed = max(continuous - 1, math.ceil(NON_GAUSSIAN_MIN_SHARE * continuous), 1)
        if k < needed:
            return f"only {k} of {continuous} variables are clearly non-Gaussian"
    if assumption == "gaussian" and k:
        return f"{k} of {continuous} variables are clearly non-Gaussian"
    return None


def _readable(assumptions: Sequence[str]) -> str:
    return ", ".join(a.replace("_", "-").replace("gaussian", "Gaussian") for a in assumptions)


class NonlinearProfile(BaseModel):
    """How many clearly dependent pairs of variables look nonlinear (spline F-test per pair)."""

    checked: int = Field(description="pairs checked")
    dependent: int = Field(description="pairs with a clear (linear or spline) relation")
    nonlinear_pairs: list[tuple[str, str]] = Field(default_factory=list)

    @property
    def nonlinear(self) -> bool:
        return bool(self.dependent) and len(self.nonlinear_pairs) >= max(
            1, NONLINEAR_PAIR_SHARE * self.dependent)

    def describe(self) -> str:
        shown = ", ".join(f"{a}~{b}" for a, b in self.nonlinear_pairs[:3])
        return (f"{len(self.nonlinear_pairs)} of {self.dependent} clearly related pairs checked look"
                f" nonlinear, e.g. {shown}" if self.nonlinear_pairs else
                f"none of {self.dependent} clearly related pairs checked looks nonlinear")


def nonlinear_profile(data: Any, names: Sequence[str], *, seed: int = 0) -> NonlinearProfile:
    """Spline F-tests (``independence.nonlinearity_check``) on up to ``NONLINEAR_PAIRS`` random
    pairs and ``NONLINEAR_ROWS`` rows: a pair counts as nonlinear when the splines explain at
    least ``PAIR_NONLINEAR_GAIN`` of the linear residual variance (stricter than a single test's
    2%: a linear relation with non-Gaussian noise has a mildly nonlinear reverse regression)."""
    import itertools

    import numpy as np

    from .independence import nonlinearity_check

    rng = np.random.default_rng(seed)
    if data.shape[0] > NONLINEAR_ROWS:
        data = data[np.sort(rng.choice(data.shape[0], NONLINEAR_ROWS, replace=False))]
    pairs = list(itertools.combinations(range(len(names)), 2))
    if len(pairs) > NONLINEAR_PAIRS:
        pairs = [pairs[i] for i in sorted(rng.choice(len(pairs), NONLINEAR_PAIRS, replace=False))]
    dependent, found = 0, []
    for i, j in pairs:
        x, y = data[:, i], data[:, j]
        if np.std(x) == 0 or np.std(y) == 0:
            continue
        r = abs(float(np.corrcoef(x, y)[0, 1]))
        check = nonlinearity_check(data[:, [i, j]], [names[i], names[j]])
        clear = check.p_value < 1e-3 or r * np.sqrt(data.shape[0]) > 4
        if not clear:
            continue
        dependent += 1
        if check.nonlinear and check.gain >= PAIR_NONLINEAR_GAIN:
            found.append((names[i], names[j]))
    return NonlinearProfile(checked=len(pairs), dependent=dependent, nonlinear_pairs=found)


def _nonlinear_test(tests: Mapping[str, CITest] | None, kind: str, n: int, p: int, linear: str,
                    shape: NonlinearProfile) -> tuple[str, str]:
    """The cheapest nonlinear CI test declaring ``kind`` data that PC can afford (cost below
    ``COSTLY_TEST_COST``, rows x p² within ``NONLINEAR_TEST_BUDGET``), else the linear one, and
    what to say about it."""
    table = ci_test_table(tests)
    fits = [t for t in table.values() if kind in t.data_kinds and t.nonlinear
            and t.cost < COSTLY_TEST_COST]
    if not fits:
        return linear, (f"; no affordable nonlinear CI test is registered, so {table[linear].label}"
                        " tests, which see linear association only")
    best = min(fits, key=lambda t: t.cost)
    if n * p * p > NONLINEAR_TEST_BUDGET:
        return linear, (f"; a nonlinear test ({best.label}) would be too costly at {n} rows x {p}"
                        f" variables, so {table[linear].label} tests, which see linear association"
                        f" only (name ci_test={best.name!r} to force it)")
    return best.name, ""


def choose_algorithm(
    dataset: Dataset,
    variables: Sequence[str],
    n: int,
    algorithms: Mapping[str, Algorithm],
    ci_tests: Mapping[str, CITest] | None = None,
    *,
    latent_confounders: bool = False,
    data: Any = None,
    seed: int = 0,
    context: str | None = None,
) -> tuple[str, str | None, str]:
    """The registered algorithm (and CI test) ``auto`` picks for these variables, and why, from
    the algorithms' declarations only (the ranking rule is in the module docstring). ``data``
    (columns in the order of ``variables``) enables the nonlinearity profile. With a ``context``
    column only algorithms declaring ``CONTEXT_ASSUMPTION`` are eligible, without one only others."""
    p = len(variables)
    kind = data_kind(dataset, variables)
    continuous = [v for v in variables if dataset.kind(v) == "continuous"]
    discrete = [v for v in variables if dataset.kind(v) in DISCRETE_KINDS]
    non_gaussian = [v for v in continuous if dataset.profile.column(v).gaussian is False]
    shape = (nonlinear_profile(data, list(variables), seed=seed)
             if data is not None and kind == "continuous" else None)
    nonlinear = shape is not None and shape.nonlinear
    eligible: list[Algorithm] = []
    excluded: list[tuple[Algorithm, str]] = []  # declared the data kind, an assumption fails
    for algo in algorithms.values():
        if kind not in algo.data_kinds or (latent_confounders and not algo.latent_confounders):
            continue
        if (CONTEXT_ASSUMPTION in algo.assumptions) != (context is not None):
            continue
        unmet = [u for u in (_assumption_unmet(a, len(continuous), non_gaussian)
                             for a in algo.assumptions) if u]
        if nonlinear and "linear" in algo.assumptions:
            unmet.insert(0, shape.describe())  # type: ignore[union-attr]
        if unmet:
            excluded.append((algo, unmet[0]))
        else:
            eligible.append(algo)
    if not eligible:
        wanted = f"{kind} data" + (" with latent confounders" if latent_confounders else "") + (
            f" with a context column ({context})" if context else "")
        raise AlgorithmError(
            f"no registered discovery algorithm declares {wanted} (known: "
            f"{', '.join(algorithms) or 'none'}); name one with algorithm="
        )
    load = n * p**3

    def rank(algo: Algorithm) -> tuple[bool, int, float]:
        return (algo.cost * load > AUTO_BUDGET, OUTPUT_ORDER.index(algo.output), algo.cost)

    best = min(eligible, key=rank)  # min keeps registration order on ties
    ci_name: str | None = None
    nonlinear_note = ""
    if best.uses_ci_test:
        ci_name, _ = choose_ci_test(dataset, variables, n, allow_nonlinear=False,
                                         tests=ci_tests)
        if nonlinear:
            ci_name, nonlinear_note = _nonlinear_test(ci_tests, kind, n, p, ci_name, shape)  # type: ignore[arg-type]
    better = [a for a in algorithms.values() if kind in a.data_kinds
              and OUTPUT_ORDER.index(a.output) < OUTPUT_ORDER.index(best.output)]

    if context is not None:
        why = f"the data come from several environments named by {context}, so {best.label}"
    elif kind == "discrete":
        why = f"all {p} variables are discrete, so {best.label}"
    elif nonlinear:
        why = f"continuous data whose relations look nonlinear ({shape.describe()}), so {best.label}"  # type: ignore[union-attr]
    elif kind == "mixed":
        why = f"mixed data ({len(discrete)} discrete, {len(continuous)} continuous), so {best.label}"
    elif "non_gaussian" in best.assumptions:
        why = f"{len(non_gaussian)} of {p} continuous variables are clearly non-Gaussian, so {best.label}"
    else:
        why = f"continuous data, so {best.label}"
    if ci_name is not None:
        test = ci_test_table(ci_tests)[ci_name]
        why += f" with {test.label} tests"
        if kind == "mixed":
            why += " on the integer codes" + ("" if test.nonlinear else " (linear association only)")
    # say what the output bought when the runner-up would have given less
    runner = min((a for a in eligible if a is not best), key=rank, default=None)
    if runner is not None and OUTPUT_ORDER.index(runner.output) > OUTPUT_ORDER.index(best.output):
        why += (f", which gives {_OUTPUT_TEXT[best.output]} ({runner.label} would give"
                f" {_OUTPUT_TEXT[runner.output]})")
    if nonlinear_note:
        why += nonlinear_note
    stated = [a for a in best.assumptions if a != CONTEXT_ASSUMPTION]
    if stated:
        unchecked = [a for a in stated if a not in CHECKED_ASSUMPTIONS or (
            a == "linear" and shape is None)]
        why += f"; it assumes {_readable(stated)} data"
        if best.output == "dag":
            why += (", and its DAG is identifiable only under that assumption (a different"
                    " orientation would fit as well if it fails)")
        if unchecked:
            why += (f" ({_readable(unchecked)}: not checked here, and its result is unreliable if"
                    " that fails)")
    if ci_name is not None and test.cost == 0 and n * p >= 100_000:
        why += (f"; {test.label} tests do not grow in cost with n, so it stays fast at {n} rows x"
                f" {p} variables")
    for algo in better:
        if algo in eligible and rank(algo)[0]:
            why += (f"; {algo.label} would suit the data but is too costly at {n} rows x {p}"
                    " variables")
    for algo, unmet in excluded:
        if algo in better and (non_gaussian or nonlinear):
            why += (f"; {algo.label} not chosen: {unmet} and it assumes"
                    f" {_readable(algo.assumptions)} data")
    return best.name, ci_name, why


def _resolve_variables(dataset: Dataset, variables: Sequence[str] | str | None,
                       context: str | None = None) -> list[str]:
    if variables is None:
        names = list(dataset.variables)
    else:
        if isinstance(variables, str):
            variables = [v for v in re.split(r"\s*,\s*", variables) if v]
        wanted = set(dataset.resolve_many(variables))
        names = [v for v in dataset.variables if v in wanted]  # dataset order: one graph per key
    names = [v for v in names if v != context]  # the context is no variable of the graph
    if len(names) < 2:
        raise VariableError(
            f"a causal graph needs at least 2 variables, got {len(names)}"
            f" ({', '.join(names) or 'none'}); name more of: {', '.join(dataset.variables)}"
        )
    return names


def _coerce_background(background: Background | dict | None) -> Background | None:
    if background is None:
        return None
    if isinstance(background, Background):
        return background
    if isinstance(background, dict):
        try:
            return Background.model_validate(background)
        except ValueError as exc:
            first = str(exc).splitlines()
            raise VariableError(
                "cannot read the background knowledge: "
                + (first[-1].strip() if first else str(exc))
                + "; give required/forbidden as [a, b] pairs and tiers as lists of names"
            ) from None
    raise VariableError(
        f"background knowledge must be a Background or a dict, not {type(background).__name__}"
    )


def _describe(graph: CausalGraph) -> str:
    counts: dict[str, int] = {}
    for e in graph.edges:
        counts[e.type] = counts.get(e.type, 0) + 1
    names = {"-->": "directed", "---": "undirected", "<->": "bidirected", "o->": "partially directed",
             "o-o": "nondirected"}
    parts = [f"{k} {names.get(t, t)}" for t, k in counts.items()]
    n_edges = len(graph.edges)
    text = f"{n_edges} edge{'s' * (n_edges != 1)}"
    return text + (f" ({', '.join(parts)})" if parts else "")


def method_label(algorithms: Mapping[str, Any], algorithm: str, ci_test: str | None = None,
                 alpha: float | None = None, ci_tests: Mapping[str, CITest] | None = None) -> str:
    """How a graph was learned, for people: "PC (Fisher-z, alpha 0.05)", "DirectLiNGAM", "GES".

    The one place an algorithm's label is read (from its registration; a graph stored by an
    algorithm that is no longer loaded shows its name in capitals); test labels come from the
    CI tests' registration."""
    algo = algorithms.get(algorithm)
    label = algo.label if algo is not None else algorithm.upper()
    details = [ci_label(ci_tests, ci_test)] if ci_test else []
    if alpha is not None:
        details.append(f"alpha {alpha:g}")
    return label + (f" ({', '.join(details)})" if details else "")


def _background_text(bg: Background) -> str:
    parts = []
    if bg.required:
        parts.append(f"{len(bg.required)} required edge{'s' * (len(bg.required) != 1)}")
    if bg.forbidden:
        parts.append(f"{len(bg.forbidden)} forbidden edge{'s' * (len(bg.forbidden) != 1)}")
    if bg.tiers:
        parts.append(f"{len(bg.tiers)} tiers")
    return "background knowledge (" + ", ".join(parts) + ")"


class CostEstimate(BaseModel):
    """What a discovery run is expected to cost before it starts (``estimate_cost``)."""

    seconds: float
    how: str = Field(description="the figures behind it, in words")
    tests: float | None = None
    per_test_s: float | None = None
    dependent_share: float | None = None
    #: the largest number of variables estimated to fit the budget it was checked against
    fits_variables: int | None = None


class DiscoveryBudgetError(AlgorithmError):
    """Discovery was not started: its estimated time is over ``Settings.discovery_budget_s``."""

    def __init__(self, message: str, estimate: CostEstimate) -> None:
        super().__init__(message)
        self.estimate = estimate


def _probe(run_test: Any, data: Any) -> Callable[[int, int, list[int]], float]:
    """``(x, y, given) -> p`` of the test discovery will run (a causal-learn name or a function)."""
    if callable(run_test):
        return lambda x, y, given: float(run_test(data, x, y, list(given)))
    from causallearn.utils.cit import CIT

    cit = CIT(data, run_test)
    return lambda x, y, given: float(cit(x, y, list(given)))


def _ci_tests_needed(p: int, share: float) -> tuple[float, float]:
    """(unconditional tests, depth-1 tests) PC runs over ``p`` variables when ``share`` of the
    pairs are dependent: every pair once, then each ordered adjacent pair against each other
    neighbour (deeper levels, usually far fewer on sparse graphs, are left out: a lower bound)."""
    pairs = p * (p - 1) / 2
    degree = share * (p - 1)
    return pairs, DEPTH1_FACTOR * 2 * share * pairs * max(degree - 1, 0.0)


def estimate_cost(algo: Algorithm, data: Any, *, run_test: Any = None, alpha: float = 0.05,
                  algorithms: Mapping[str, Algorithm] | None = None, budget_s: float | None = None,
                  seed: int = 0) -> CostEstimate:
    """The seconds a run of ``algo`` on ``data`` (n x p) is expected to take here.

    Algorithms that use CI tests: a probe runs the very test discovery will run on up to
    ``PROBE_PAIRS`` random pairs and single conditioning variables (at most ``PROBE_S`` seconds):
    its median time per test times the tests PC needs at the share of dependent pairs found
    (``_ci_tests_needed``), times ``RUN_OVERHEAD`` and the algorithm's declared cost over the
    cheapest CI-based one's (FCI adds its possible-d-sep tests). Others: ``cost x n x p³ x SECONDS_PER_COST_UNIT``, the
    scale ``auto`` ranks by. ``fits_variables``: how many variables would fit ``budget_s``.
    """
    import numpy as np

    n, p = int(data.shape[0]), int(data.shape[1])
    if not algo.uses_ci_test:
        unit = algo.cost * n * SECONDS_PER_COST_UNIT
        seconds = unit * p**3
        fits = int((budget_s / unit) ** (1 / 3)) if budget_s and unit > 0 else None
        return CostEstimate(seconds=seconds, how=f"{algo.label} scales as n x p³ (declared cost"
                            f" {algo.cost:g})", fits_variables=fits)
    rng = np.random.default_rng(seed)
    test = _probe(run_test, data)
    test(0, 1, [])  # warm-up: imports and caches are not the per-test cost
    started = time.perf_counter()
    marginal: list[float] = []
    dependent: list[tuple[int, int]] = []
    for _ in range(min(PROBE_PAIRS, p * (p - 1) // 2)):
        x, y = (int(v) for v in rng.choice(p, size=2, replace=False))
        t = time.perf_counter()
        if test(x, y, []) < alpha:
            dependent.append((x, y))
        marginal.append(time.perf_counter() - t)
        if time.perf_counter() - started > PROBE_S:
            break
    share = len(dependent) / len(marginal)
    conditional: list[float] = []
    for x, y in dependent[:50] if p > 2 else []:
        z = int(rng.choice([v for v in range(p) if v not in (x, y)][:1000]))
        t = time.perf_counter()
        test(x, y, [z])
        conditional.append(time.perf_counter() - t)
        if time.perf_counter() - started > 2 * PROBE_S:
            break
    t0 = float(np.median(marginal))  # the median: a busy machine's stalls are not the test's cost
    t1 = float(np.median(conditional)) if conditional else t0
    cheapest = min((a.cost for a in (algorithms or {}).values() if a.uses_ci_test and a.cost > 0),
                   default=algo.cost) or algo.cost
    factor = max(algo.cost / cheapest, 1.0) if cheapest else 1.0

    def seconds_for(k: int) -> float:
        zero, one = _ci_tests_needed(k, share)
        return RUN_OVERHEAD * factor * (t0 * zero + t1 * one)

    zero, one = _ci_tests_needed(p, share)
    fits = None
    if budget_s:
        fits = next((k for k in range(p, 1, -1) if seconds_for(k) <= budget_s), 2)
    return CostEstimate(
        seconds=seconds_for(p), tests=zero + one, per_test_s=(t0 * zero + t1 * one) / (zero + one),
        dependent_share=share, fits_variables=fits,
        how=(f"~{_round(zero + one)} CI tests at {1000 * (t0 * zero + t1 * one) / (zero + one):.2g} ms"
             f" each, {100 * share:.0f}% of the pairs looking dependent"
             + (f", x{factor:g} for {algo.label}" if factor > 1 else "")),
    )


def _round(x: float) -> str:
    """A count people can read: 1,200 / 56,000 / 1.4 million."""
    if x >= 1e6:
        return f"{x / 1e6:.1f} million"
    digits = max(int(math.log10(max(x, 1))) - 1, 0)
    return f"{int(round(x, -digits)):,}"


def _seconds(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.0f} h"


def _faster_choices(ctx: AgentContext, algo: Algorithm, test: str | None, kind: str, data: Any,
                    estimate: CostEstimate, budget: float) -> list[str]:
    """Registered algorithms and CI tests estimated to be faster here, named as a question can
    ask for them ("using ges"), with their estimates."""
    out: list[tuple[float, str]] = []
    for other in ctx.algorithms.values():
        if other.name == algo.name or kind not in other.data_kinds:
            continue
        if other.uses_ci_test and algo.uses_ci_test:
            secs = estimate.seconds * other.cost / algo.cost if algo.cost else estimate.seconds
        elif other.uses_ci_test:
            continue  # no probe of a test here: no honest figure
        else:
            secs = estimate_cost(other, data).seconds
        if secs < estimate.seconds:
            out.append((secs, f"'using {other.name}' ({other.label}, ~{_seconds(secs)})"))
    if test is not None and algo.uses_ci_test:
        tests = ci_test_table(ctx.ci_tests)
        current = tests[test]
        for t in tests.values():
            if t.name != test and kind in t.data_kinds and t.cost < current.cost:
                out.append((0.0, f"'with the {t.name} test' ({t.label}, cheaper than {current.label})"))
    out.sort(key=lambda c: c[0])
    return [text for _, text in out[:3]]


def _check_budget(ctx: AgentContext, algo: Algorithm, test: str | None, run_test: Any, data: Any,
                  names: list[str], kind: str, alpha: float | None) -> CostEstimate | None:
    """Raise ``DiscoveryBudgetError`` (estimate and choices) when the run is estimated to take
    longer than ``Settings.discovery_budget_s`` (0: no limit); else the estimate."""
    budget = float(ctx.settings.discovery_budget_s or 0)
    if budget <= 0:
        return None
    est = estimate_cost(algo, data, run_test=run_test, alpha=alpha or 0.05, algorithms=ctx.algorithms,
                        budget_s=budget, seed=ctx.settings.seed)
    if est.seconds <= budget:
        return est
    method = algo.label + (f" and {ci_test_table(ctx.ci_tests)[test].label} tests" if test else "")
    choices = []
    if est.fits_variables and est.fits_variables < len(names):
        shown = ", ".join(names[:3])
        choices.append(f"a graph over at most ~{est.fits_variables} of the variables, e.g. 'draw"
                       f" the causal graph over {shown}'")
    faster = _faster_choices(ctx, algo, test, kind, data, est, budget)
    if faster:
        choices.append("a faster method: " + " or ".join(faster))
    else:
        choices.append("no registered algorithm or CI test is estimated to be faster here")
    raise_to = max(int(math.ceil(est.seconds * 1.5 / 10) * 10), int(budget) + 10)
    choices.append(f"a larger budget: --budget {raise_to} (Settings.discovery_budget_s)")
    raise DiscoveryBudgetError(
        f"Discovery not started: learning the graph over {len(names)} variables x {data.shape[0]}"
        f" rows with {method} would take about {_seconds(est.seconds)} here ({est.how}), over the"
        f" {budget:g} s budget. Choose: " + "; ".join(choices) + ".", est)


def discover(
    ctx: AgentContext,
    dataset: str | Dataset | None = None,
    variables: Sequence[str] | str | None = None,
    algorithm: str | None = None,
    alpha: float | None = None,
    ci_test: str | None = "auto",
    background: Background | dict | None = None,
    partial: str | None = None,
    latent_confounders: bool = False,
    resamples: int | None = None,
    context: str | None = None,
    **params: Any,
) -> DiscoveryResult:
    """Learn (or reuse from ``ctx.memory``) a causal graph over ``variables`` of ``dataset``.

    ``variables=None`` means every analysable column; a subset gives a partial graph (at least 2).
    A partial graph is by default the subgraph the full graph induces on the subset
    (``partial="induced"``): learning on every variable keeps confounders in view, orients more
    edges, and reuses the full graph from memory. ``partial="marginal"`` instead runs the
    algorithm on the subset's columns alone (what the literature's benchmark does), where
    left-out common causes show up as extra edges.
    ``algorithm``/``alpha`` default to ``ctx.settings``; ``algorithm`` is ``auto`` or any
    registered name (an unknown one is an error listing the known ones, never a silent fallback).
    ``latent_confounders=True`` makes ``auto`` consider only algorithms that declare them.
    ``partial`` defaults to ``ctx.settings.partial_graph`` ("subset" is "marginal"); ``ci_test``
    "auto" to ``ctx.settings.ci_test`` when that names a test (and the algorithm uses one).
    ``resamples`` (default ``ctx.settings.discovery_resamples``; 0 off) adds the bootstrap support
    (``causal_agent.bootstrap``); an explicit number is never cut by the cost budget.
    Extra ``params`` go to the algorithm and into the memory key.
    ``context`` (default ``ctx.settings.context``) names a column that indexes environments (site,
    batch, period): only an algorithm declaring ``CONTEXT_ASSUMPTION`` (CD-NOD) runs, on the
    variables plus that column as the last one; the context is no node of the graph, its
    ``changing`` set lists the variables whose mechanism changes with it, and the key carries
    ``@context=<column>``.
    """
    from .memory import GraphRecord, Provenance
    from .registry import lookup

    started = time.perf_counter()
    ds = dataset if hasattr(dataset, "fingerprint") else ctx.datasets.get(dataset)  # type: ignore[arg-type]
    context_asked = context
    context, context_notes = _context_column(ctx, ds, context, algorithm)
    names = _resolve_variables(ds, variables, context)
    every = [v for v in ds.variables if v != context]  # the full graph's variables
    mode = (partial or ctx.settings.partial_graph or "induced").strip().lower()
    mode = {"subset": "marginal"}.get(mode, mode)
    if mode not in ("induced", "marginal"):
        raise AlgorithmError(f"unknown partial-graph mode {partial!r}; use 'induced' or 'subset'"
                             " (also called 'marginal')")
    if mode == "induced" and len(names) < len(every):
        return _induced(ctx, ds, names, started, algorithm=algorithm, alpha=alpha,
                        ci_test=ci_test, background=background,
                        latent_confounders=latent_confounders, resamples=resamples,
                        context=context_asked, **params)
    requested_alpha = alpha
    alpha = check_alpha(ctx.settings.alpha if alpha is None else alpha)
    tests = ci_test_table(ctx.ci_tests)
    wanted_test = normalize_method(ci_test, tests)
    configured_test = False
    if wanted_test == "auto" and normalize_method(ctx.settings.ci_test, tests) != "auto":
        wanted_test, configured_test = normalize_method(ctx.settings.ci_test, tests), True
    bg = _coerce_background(background)
    bg = bg.resolve(ds, names) if bg is not None and not bg.is_empty() else None
    notes: list[str] = list(context_notes)

    requested = (algorithm or "auto").strip().lower()
    if requested == "auto" and (ctx.settings.algorithm or "auto").strip().lower() != "auto":
        requested = ctx.settings.algorithm.strip().lower()  # the user's configured default
        if not params and ctx.settings.algorithm_params:  # ... with its configured parameters
            params = dict(ctx.settings.algorithm_params)
    if requested == "auto":
        data = ds.matrix(names)
        name, auto_test, reason = choose_algorithm(ds, names, data.shape[0], ctx.algorithms, tests,
                                                   latent_confounders=latent_confounders,
                                                   # pooled environments look nonlinear (a mixture
                                                   # of shifted lines): no nonlinearity profile
                                                   data=data if context is None else None,
                                                   seed=ctx.settings.seed, context=context)
        algo = ctx.algorithms[name]
    else:
        algo = lookup(ctx.algorithms, requested, "discovery algorithm")
        name, auto_test, reason = algo.name, None, f"{algo.name} was requested"
        data = None
        context = _context_for_algorithm(ds, algo, context, context_asked is not None, notes)
    if context is not None:
        params = {**params, "context": context}  # to the algorithm, into the key and provenance

    ci_based = algo.uses_ci_test
    if ci_based:
        if wanted_test != "auto":
            test = wanted_test
            reason += f"; {tests[test].label} tests as " + ("configured" if configured_test else "requested")
        elif auto_test is not None:
            test = auto_test
        else:
            data = ds.matrix(names) if data is None else data
            test, why = choose_ci_test(ds, names, data.shape[0], allow_nonlinear=False, tests=tests)
            reason += f"; {tests[test].label} tests because {why}"
        key_params: dict[str, Any] = {"alpha": alpha, "ci_test": wanted_test, "background": bg}
    else:
        if wanted_test != "auto" and not configured_test:
            users = [a for a, spec in ctx.algorithms.items() if spec.uses_ci_test]
            raise AlgorithmError(
                f"{name} does not use a conditional independence test, so ci_test={ci_test!r}"
                " cannot apply; leave ci_test as 'auto' or use "
                + (" or ".join(users) if users else "an algorithm that uses one")
            )
        if requested_alpha is not None:
            notes.append(f"alpha does not apply to {name} (it uses no independence tests).")
        if configured_test:
            notes.append(f"The configured CI test ({tests[wanted_test].label}) does not apply to"
                         f" {name} (it uses no independence tests).")
        test = None
        key_params = {"background": bg}
    alpha_used = alpha if ci_based else None
    key_params.update(params)
    subset_vars = None if len(names) == len(every) else names
    if subset_vars is not None:  # a marginal partial graph; induced ones returned above
        key_params["partial"] = "marginal"

    key = ctx.memory.key_for(ds, name, subset_vars, key_params)
    record = ctx.memory.lookup(ds, name, subset_vars, key_params)
    if record is not None and record.graph.context != context:
        record = None  # a copy that lost its context (e.g. reused under other names): learn it again
    if record is not None:
        prov = record.provenance
        notes = [str(n) for n in prov.params.get("notes") or []] + notes
        if prov.renamed_from:
            notes.append(f"Reused the graph of {prov.renamed_from!r}, renamed (same data under"
                         " other column names).")
        support = _support(ctx, record, resamples, notes, context)
        took = f" in {prov.elapsed_s:.2f} s" if prov.elapsed_s is not None else ""
        summary = (
            f"Reused graph {key!r} from memory (no discovery run): a {record.graph.kind.upper()}"
            f" over {len(record.graph.nodes)} variables with {_describe(record.graph)}, learned"
            f" by {method_label(ctx.algorithms, prov.algorithm, prov.ci_test, prov.alpha, ctx.ci_tests)}{took} on {prov.created_at}."
        )
        summary += _changing_text(record.graph)
        summary += _support_text(support, record.graph, ctx.settings.support_threshold)
        if notes:
            summary += " Note: " + " ".join(notes)
        return DiscoveryResult(
            key=key, graph=record.graph, algorithm=prov.algorithm, ci_test=prov.ci_test,
            alpha=prov.alpha, reason=prov.reason or reason, reused=True,
            elapsed_s=round(time.perf_counter() - started, 4), variables=list(record.graph.nodes),
            notes=notes, summary=summary, support=support,
        )

    if context is not None:  # the context is the last column, as CD-NOD takes it
        data = ds.matrix([*names, context])
    data = ds.matrix(names) if data is None else data
    n = int(data.shape[0])
    if ds.n_rows - n:
        notes.append(f"{ds.n_rows - n} row(s) with missing values in these variables were left out.")
    kind = data_kind(ds, names)
    run_test: Any = None
    if test is not None:
        spec = tests[test]
        hint = " or ".join(repr(a) for a in alternatives(tests, kind)) or "another test"
        require_discrete(ds, names, spec, f"use ci_test={hint}")
        if spec.cost >= COSTLY_TEST_COST and n > COSTLY_TEST_MAX_ROWS:
            import numpy as np

            rng = np.random.default_rng(ctx.settings.seed)
            data = data[np.sort(rng.choice(n, size=COSTLY_TEST_MAX_ROWS, replace=False))]
            notes.append(
                f"{spec.label} costs O(n^{spec.cost:g}) per test: discovery ran on a random"
                f" subsample of {COSTLY_TEST_MAX_ROWS} of the {n} rows (seed {ctx.settings.seed})."
            )
        run_test = discovery_ci_test(spec, seed=ctx.settings.seed)
    if kind not in algo.data_kinds:
        notes.append(
            f"{algo.label} is declared for {' or '.join(sorted(algo.data_kinds))} data and these are"
            f" {kind}; its result may be unreliable."
        )

    _check_budget(ctx, algo, test, run_test, data, names, kind, alpha_used)
    t0 = time.perf_counter()
    run_kwargs: dict[str, Any] = {"background": bg, **params}
    if ci_based:
        run_kwargs.update(alpha=alpha_used, ci_test=run_test)
    else:
        run_kwargs.update(alpha=None, ci_test=None)
    run_names = names if context is None else [*names, context]
    graph, run_notes = _run(algo, data, run_names, dataset=ds.name, seed=ctx.settings.seed, **run_kwargs)
    elapsed = time.perf_counter() - t0
    notes.extend(run_notes)
    if not isinstance(graph, CausalGraph):
        raise PluginError(
            f"algorithm {name!r} ({algo.plugin}) returned {type(graph).__name__}, not a"
            " CausalGraph; fix the plugin"
        )
    if set(graph.nodes) != set(names):
        raise PluginError(
            f"algorithm {name!r} ({algo.plugin}) returned a graph over other variables than"
            f" {', '.join(names)}; fix the plugin"
        )
    if bg is not None:
        notes.extend(f"Background knowledge not met: {v}." for v in bg.violations(graph))

    run_params = {"alpha": alpha_used, "ci_test": test, "requested_ci_test": wanted_test,
                  "requested_algorithm": requested, "n_rows": int(data.shape[0]),
                  "background": bg.model_dump(mode="json") if bg else None,
                  "notes": list(notes), "algorithm_params": dict(params), **params}
    provenance = Provenance(
        dataset=ds.name, fingerprint=ds.fingerprint, variables=list(graph.nodes), algorithm=name,
        params=run_params, ci_test=test, alpha=alpha_used, reason=reason,
        elapsed_s=round(elapsed, 4), content_fingerprint=ds.content_fingerprint,
        columns=list(ds.columns),
    )
    record = GraphRecord(key=key, graph=graph, provenance=provenance)
    ctx.memory.put(record)
    support = _support(ctx, record, resamples, notes, context)
    subset = "" if subset_vars is None else " (marginal partial graph)"
    with_bg = f" and {_background_text(bg)}" if bg is not None else ""
    summary = (
        f"Learned a {graph.kind.upper()} over {len(names)} variables{subset} with"
        f" {method_label(ctx.algorithms, name, test, alpha_used, ctx.ci_tests)}{with_bg} in {elapsed:.2f} s: {_describe(graph)}."
        f" Stored as {key!r}. Why: {reason}."
    )
    summary += _changing_text(graph)
    summary += _support_text(support, graph, ctx.settings.support_threshold)
    if notes:
        summary += " Note: " + " ".join(notes)
    return DiscoveryResult(
        key=key, graph=graph, algorithm=name, ci_test=test, alpha=alpha_used, reason=reason,
        reused=False, elapsed_s=round(time.perf_counter() - started, 4),
        variables=list(graph.nodes), notes=notes, summary=summary, support=support,
    )


def _support(ctx: AgentContext, record: Any, resamples: int | None, notes: list[str],
             context: str | None = None) -> Any:
    """The bootstrap support of ``record`` (computed once and stored; see ``bootstrap``)."""
    from .bootstrap import support_for

    if resamples is not None and int(resamples) < 0:
        raise AlgorithmError(f"resamples must be 0 (off) or a positive number, not {resamples!r}")
    force = resamples is not None and int(resamples) > 0
    if context is not None:
        return _context_support(ctx, record, resamples, notes, context, force)
    return support_for(ctx, record, resamples, force=force, notes=notes)


def _context_support(ctx: AgentContext, record: Any, resamples: int | None, notes: list[str],
                     context: str, force: bool) -> Any:
    """``support_for`` for a graph learned with a context column: the resamples rerun the
    algorithm on the variables plus the context (``bootstrap._task_for`` rebuilds the data from
    the graph's nodes alone), under the same cost rule, on the user's executor, stored the same way."""
    from .bootstrap import ResampleTask, bootstrap
    from .independence import ci_test_table, discovery_ci_test
    from .memory import GraphRecord

    wanted = ctx.settings.discovery_resamples if resamples is None else int(resamples)
    if wanted <= 0:
        return None
    stored = record.provenance.support
    if stored is not None and (stored.requested or stored.resamples) >= wanted and not (
            force and stored.resamples < wanted):
        notes.extend(n for n in stored.notes if n not in notes)
        return stored if stored.resamples else None
    prov = record.provenance
    ds = next((d for d in ctx.datasets if d.name == prov.dataset), None)
    algo = ctx.algorithms.get(prov.algorithm)
    if ds is None or ds.fingerprint != prov.fingerprint or algo is None:
        return None
    kwargs: dict[str, Any] = dict(prov.params.get("algorithm_params") or {})
    if algo.uses_ci_test:
        kwargs["alpha"] = prov.alpha
        kwargs["ci_test"] = discovery_ci_test(ci_test_table(ctx.ci_tests)[prov.ci_test],
                                              seed=ctx.settings.seed)
    if prov.params.get("background"):
        kwargs["background"] = Background.model_validate(prov.params["background"])
    columns = [*prov.variables, context]
    data = ds.matrix(columns)
    task = ResampleTask(algorithm=algo, data=data, names=tuple(columns), kwargs=kwargs,
                        rows=min(int(prov.params.get("n_rows") or data.shape[0]), data.shape[0]),
                        seed=ctx.settings.seed, dataset=ds.name)
    budget = ctx.settings.discovery_budget_s
    from .executors import executor_for

    support = bootstrap(task, record.graph, wanted, one_run_s=prov.elapsed_s, force=force,
                        budget_s=budget or float("inf"), executor=executor_for(ctx.settings))
    notes.extend(n for n in support.notes if n not in notes)
    ctx.memory.put(GraphRecord(key=record.key, graph=record.graph,
                               provenance=prov.model_copy(update={"support": support})))
    return support if support.resamples else None


def _context_column(ctx: AgentContext, ds: Dataset, context: str | None,
                    algorithm: str | None) -> tuple[str | None, list[str]]:
    """The context column of this discovery: the one asked for (checked: a column with at least
    two values, else one line naming the fix), else ``Settings.context`` when this dataset has it
    (a configured context another dataset lacks is left out, with a note)."""
    from .environments import resolve_context

    if context:
        return resolve_context(ds, context), []
    configured = ctx.settings.context
    if not configured:
        return None, []
    try:
        return resolve_context(ds, configured), []
    except CausalAgentError as exc:  # another dataset's column, or one environment in these rows
        return None, [f"The context column {configured!r} (--context) is not used for dataset"
                      f" {ds.name}: {str(exc).split(';')[0]}."]


def _context_for_algorithm(ds: Dataset, algo: Algorithm, context: str | None, asked: bool,
                           notes: list[str]) -> str | None:
    """The context a requested algorithm runs with: one that takes none refuses an asked-for
    context (and ignores a configured one, with a note); one that needs one refuses to run
    without it, naming the columns that look like an environment index."""
    takes = CONTEXT_ASSUMPTION in algo.assumptions
    if context is not None and not takes:
        if asked:
            raise AlgorithmError(
                f"{algo.label} does not take a context column, so {context!r} cannot be taken into"
                " account; use an algorithm that does (e.g. 'using cdnod'), or drop the context")
        notes.append(f"The context column {context!r} (--context) is not used: {algo.label} takes none.")
        return None
    if context is None and takes:
        from .environments import missing_context

        raise AlgorithmError(missing_context(ds, algo.label))
    return context


def _changing_text(graph: CausalGraph) -> str:
    """One sentence on the mechanisms that change with the graph's context (CD-NOD)."""
    if graph.context is None:
        return ""
    if not graph.changing:
        return f" No mechanism changes with {graph.context} (no variable depends on it)."
    return (f" Mechanisms that change with {graph.context}: {', '.join(graph.changing)}"
            f" ({graph.context} -> each).")


def _support_text(support: Any, graph: CausalGraph, threshold: float) -> str:
    """One sentence on the bootstrap: how many resamples, and the edges below the threshold."""
    if support is None:
        return ""
    weak = support.weak_edges(graph, threshold)
    text = (f" Bootstrap: {support.resamples} resamples (seed {support.seed});")
    if not weak:
        return text + f" every edge came back in at least {100 * threshold:g}% of them."
    shown = "; ".join(w for w, _ in weak[:8]) + (f"; and {len(weak) - 8} more" if len(weak) > 8 else "")
    return text + (f" {len(weak)} edge{'s' * (len(weak) != 1)} below {100 * threshold:g}% support,"
                   f" answered 'uncertain': {shown}.")


def _run(algo: Any, data: Any, names: list[str], *, dataset: str, seed: int | None = None,
         **kwargs: Any) -> tuple[Any, list[str]]:
    """Call an algorithm with its console output silenced; library failures become one line.
    Returns the result and the ``DiscoveryNote`` warnings it raised (other warnings are dropped).
    With ``seed``, numpy's global generator (which randomised CI tests such as RCIT draw from) is
    seeded for the call and restored after it, so a run is reproducible."""
    import numpy as np

    from .cancel import interruptible

    state = np.random.get_state()
    if seed is not None:
        np.random.seed(seed)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings(record=True) as caught, interruptible():  # Ctrl-C stops it
            warnings.simplefilter("always")
            result = algo.function(data, list(names), **kwargs)
    except CausalAgentError:
        raise
    except Exception as exc:  # a library failure on this data: say which and what to try
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise AlgorithmError(
            f"{algo.name} failed on dataset {dataset} ({type(exc).__name__}: {first[:200]});"
            " try another algorithm or ci_test, or fewer variables"
        ) from exc
    finally:
        np.random.set_state(state)
    notes = [str(w.message) for w in caught if issubclass(w.category, DiscoveryNote)]
    return result, list(dict.fromkeys(notes))


__all__ = [
    "AUTO_BUDGET",
    "CostEstimate",
    "DiscoveryBudgetError",
    "estimate_cost",
    "COSTLY_TEST_MAX_ROWS",
    "Background",
    "DiscoveryNote",
    "DiscoveryResult",
    "choose_algorithm",
    "discover",
    "method_label",
]


def _induced(ctx: AgentContext, ds: Dataset, names: list[str], started: float, **kw: Any) -> DiscoveryResult:
    """The partial graph over ``names`` as the subgraph of the full graph (learned or reused)."""
    from .memory import GraphRecord

    try:
        full = discover(ctx, ds, None, **kw)
    except DiscoveryBudgetError as exc:  # the full graph is too costly: learn on the subset alone
        result = discover(ctx, ds, names, partial="marginal", **kw)
        note = (f"The full graph over {len(ds.variables)} variables would take about"
                f" {_seconds(exc.estimate.seconds)}, over the {ctx.settings.discovery_budget_s:g} s"
                f" budget, so this partial graph was learned on its {len(names)} columns alone"
                " (a common cause left out may show as an extra edge).")
        return result.model_copy(update={"notes": [*result.notes, note],
                                         "summary": f"{result.summary} Note: {note}"})
    key = f"{full.key.split('@', 1)[0]}:{','.join(sorted(names))}"
    if "@" in full.key:
        key += "@" + full.key.split("@", 1)[1]
    graph = full.graph.subgraph(names)
    record = ctx.memory.get(full.key)
    support = full.support.restricted(graph.nodes) if full.support is not None else None
    full_support = record.provenance.support
    prov = record.provenance.model_copy(
        update={
            "variables": list(graph.nodes),
            "params": {**record.provenance.params, "partial": "induced", "full_graph": full.key},
            "support": full_support.restricted(graph.nodes) if full_support is not None else None,
        }
    )
    ctx.memory.put(GraphRecord(key=key, graph=graph, provenance=prov))
    how = "reused from memory" if full.reused else "learned now"
    summary = (
        f"Partial graph over {', '.join(names)}: the subgraph of the full graph {full.key!r}"
        f" ({how}, {method_label(ctx.algorithms, full.algorithm, full.ci_test, full.alpha, ctx.ci_tests)}), {_describe(graph)}."
        f" Stored as {key!r}. Learning on all variables keeps their common causes in view."
    )
    summary += _support_text(support, graph, ctx.settings.support_threshold)
    return DiscoveryResult(
        key=key, graph=graph, algorithm=full.algorithm, ci_test=full.ci_test, alpha=full.alpha,
        reason=full.reason + "; partial graph induced from the full graph", reused=full.reused,
        elapsed_s=round(time.perf_counter() - started, 4), variables=list(graph.nodes),
        notes=full.notes, summary=summary, support=support,
    )
