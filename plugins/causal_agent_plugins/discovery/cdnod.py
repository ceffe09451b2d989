"""CD-NOD (Zhang, Huang et al. 2017; Huang et al. 2020): causal discovery from data of several
environments, with causal-learn's steps.

The context column C (a domain or time index: site, batch, period) is appended to the variables as
one more node; its adjacencies are the variables whose mechanism changes with it (C -> X), and
those arrows orient the edges around X as a PC run would orient known causes (a C -> X <- Y
collider when C and Y are independent, else X -> Y by Meek's rules). C is exogenous: it is given
to causal-learn as background knowledge (no variable causes C), which orients every C - X edge as
``causallearn.search.ConstraintBased.CDNOD.cdnod_alg`` does and keeps collider and Meek steps from
pointing into C. The steps run on a ``CIT_Base`` object (the PC plugin's ``_pc_with``), so the
context's tests can be its own; with ``context_test="ci_test"`` every test is the given CI test and
the result is causal-learn's ``cdnod`` edge for edge (tested).

**Tests that involve C.** With Fisher-z on a categorical context (at most ``MAX_ENVIRONMENTS``
values), the codes of C are labels, not numbers: a linear correlation with them misses a shift
that is not monotone in the code order (site A, C high, site B low), and conditioning on C as a
number does not remove a per-site shift. So (``context_test="auto"``):

* ``X _||_ C | Z`` is the invariance test of Invariant Causal Prediction (Peters, Bühlmann &
  Meinshausen 2016, approximate version): X regressed on Z in each environment against one pooled
  regression (a Chow F-test: intercepts and slopes that differ), and a Brown-Forsythe (median
  Levene) test of equal residual variance across environments (noise that changes); the p-value is
  the smaller of the two, Bonferroni-corrected (x2).
* ``X _||_ Y | Z, C``: X and Y independent given Z in every environment: Fisher's z of the partial
  correlation within each environment, combined as the sum of squares (chi-square, one degree of
  freedom an environment), so dependences of opposite sign in two environments do not cancel.
* Tests without C are the given CI test (Fisher-z) unchanged.

Discrete tests (chi-square, G²) read C's codes as categories already, and kernel tests see any
change, so they are used as they are. A context with more values (a time index) is a number and
every test is the given one. Phase 3 of the paper (orienting edges between two changing variables
by the independence of their changes) is not in causal-learn and not done here.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from causal_agent.errors import AlgorithmError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from causal_agent.discover import Background
    from causal_agent.graph import CausalGraph

#: a context with at most this many values is a set of environments (categories), not a time index
MAX_ENVIRONMENTS = 20
#: CD-NOD's own parameters; the rest are PC's
CDNOD_PARAMS = ("context", "context_test", "stable", "uc_rule", "uc_priority", "max_k")
CONTEXT_TESTS = ("auto", "ci_test")


def _fit(z: "np.ndarray", target: "np.ndarray", groups: "np.ndarray | None", levels: int,
         ) -> tuple[float, int, "np.ndarray"]:
    """Least squares of ``target`` on [1, Z]: pooled (``groups`` None), or separately in each
    environment (its own intercept and slopes); returns (RSS, coefficients fitted, residuals).
    One small fit per environment, not one block-diagonal design: k² times less work."""
    import numpy as np

    from causal_agent.independence import _rss

    def design(rows: "np.ndarray") -> "np.ndarray":
        return np.column_stack([np.ones(len(rows)), rows]) if rows.size else np.ones((len(rows), 1))

    if groups is None:
        return _rss(design(z), target)
    resid = np.empty_like(target)
    rss, rank = 0.0, 0
    for g in range(levels):
        at = groups == g
        r_g, k_g, e_g = _rss(design(z[at]), target[at])
        rss, rank = rss + r_g, rank + k_g
        resid[at] = e_g
    return rss, rank, resid


class ContextTest:
    """p-values of ``x _||_ y | given`` over the augmented data (C the last column): the invariance
    and within-environment tests for those that involve C, ``base`` for the others (see the
    module docstring). Picklable; one instance per run (its cache is the run's)."""

    def __init__(self, data: "np.ndarray", base: Callable[[int, int, list[int]], float]) -> None:
        import numpy as np

        self.data = data
        self.c = data.shape[1] - 1
        _, self.groups = np.unique(data[:, self.c], return_inverse=True)
        self.levels = int(self.groups.max()) + 1
        self.base = base
        self.cache: dict[tuple[int, int, tuple[int, ...]], float] = {}

    def __call__(self, data: "np.ndarray", x: int, y: int, given: Sequence[int]) -> float:
        x, y = int(x), int(y)
        given = tuple(sorted(int(g) for g in given))
        key = (min(x, y), max(x, y), given)
        if key not in self.cache:
            if self.c in (x, y):
                self.cache[key] = self.invariance(y if x == self.c else x, [g for g in given])
            elif self.c in given:
                self.cache[key] = self.within(x, y, [g for g in given if g != self.c])
            else:
                self.cache[key] = float(self.base(x, y, list(given)))
        return self.cache[key]

    def _grouped(self, k: int) -> "np.ndarray | None":
        """Per-environment blocks when every environment has rows to fit ``k`` coefficients."""
        import numpy as np

        counts = np.bincount(self.groups, minlength=self.levels)
        return self.groups if counts.min() > k + 2 else None

    def invariance(self, target: int, given: list[int]) -> float:
        """Does the distribution of ``target`` given ``given`` change across environments?"""
        import numpy as np
        from scipy import stats

        from causal_agent.independence import _rss

        t = self.data[:, target]
        z = self.data[:, given]
        rss0, r0, _ = _fit(z, t, None, self.levels)
        groups = self._grouped(len(given) + 1)
        if groups is None:  # too few rows per environment for its own slopes: intercepts only
            rss1, r1, resid = _rss(np.column_stack([np.eye(self.levels)[self.groups], z]), t)
        else:
            rss1, r1, resid = _fit(z, t, groups, self.levels)
        df1, df2 = r1 - r0, t.shape[0] - r1
        if df1 <= 0 or df2 <= 0:
            return 1.0
        if rss1 <= 1e-12 * max(rss0, 1e-300):
            p_mean = 0.0 if rss0 > 1e-12 else 1.0
        else:
            p_mean = float(stats.f.sf(max(rss0 - rss1, 0.0) / df1 / (rss1 / df2), df1, df2))
        parts = [resid[self.groups == g] for g in range(self.levels)]
        p_var = float(stats.levene(*parts, center="median").pvalue) if all(len(p) > 1 for p in parts) else 1.0
        if p_var != p_var:  # constant residuals in every environment
            p_var = 1.0
        return min(1.0, 2.0 * min(p_mean, p_var))

    def within(self, x: int, y: int, given: list[int]) -> float:
        """x _||_ y | given in every environment: Fisher's z of the partial correlation within each
        environment, combined as the sum of their squares (chi-square with one degree of freedom an
        environment), so dependences of opposite sign in two environments do not cancel."""
        import numpy as np
        from scipy import stats

        from causal_agent.independence import _rss

        z = self.data[:, given]
        stat, df = 0.0, 0
        for g in range(self.levels):
            at = self.groups == g
            n_g = int(at.sum())
            if n_g - len(given) - 3 <= 0:
                continue
            design = np.column_stack([np.ones(n_g), z[at]]) if given else np.ones((n_g, 1))
            _, _, rx = _rss(design, self.data[at, x])
            _, _, ry = _rss(design, self.data[at, y])
            sx, sy = float(np.sqrt(rx @ rx)), float(np.sqrt(ry @ ry))
            if sx == 0 or sy == 0:
                continue
            r = float(np.clip((rx @ ry) / (sx * sy), -1 + 1e-15, 1 - 1e-15))
            stat += float(np.arctanh(r)) ** 2 * (n_g - len(given) - 3)
            df += 1
        return float(stats.chi2.sf(stat, df)) if df else 1.0


def _base_test(data: "np.ndarray", ci_test: "str | Callable[..., float]") -> Callable[[int, int, list[int]], float]:
    """``(x, y, given) -> p`` of the given CI test over ``data``."""
    if callable(ci_test):
        return lambda x, y, given: float(ci_test(data, x, y, given))
    from causallearn.utils.cit import CIT

    cit = CIT(data, ci_test)
    return lambda x, y, given: float(cit(x, y, given))


def _exogenous(background: "Background | None", names: Sequence[str]) -> Any:
    """causal-learn background knowledge: the user's, plus "no variable causes the context"."""
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge

    from . import causallearn_background

    bk = causallearn_background(background, names) or BackgroundKnowledge()
    context = GraphNode(names[-1])
    for n in names[:-1]:
        bk.add_forbidden_by_node(GraphNode(n), context)
    return bk


def run_cdnod(
    data: "np.ndarray", names: Sequence[str], *, alpha: float, ci_test: "str | Callable[..., float]",
    background: "Background | None" = None, context: str | None = None, **params: Any,
) -> "CausalGraph":
    """CD-NOD: ``data``'s last column is the context ``context`` (``names[-1]``); returns the graph
    over the other columns with ``changing`` (the context's children) and ``context`` set."""
    import warnings

    import numpy as np

    from causal_agent.graph import CausalGraph

    from . import PC_UC_PRIORITY, PC_UC_RULE, _check_params, _pc_with, collider_conflicts, function_cit

    _check_params("cdnod", {"context": context, **params}, CDNOD_PARAMS)
    if not context or not names or names[-1] != context:
        raise AlgorithmError(
            "cdnod needs a context column (site, batch, period) as the last column: name it in the"
            " question ('... across sites') or with --context COL"
        )
    how = params.pop("context_test", "auto")
    if how not in CONTEXT_TESTS:
        raise AlgorithmError(f"context_test must be one of {', '.join(CONTEXT_TESTS)}, not {how!r}")
    params = {"uc_rule": PC_UC_RULE, "uc_priority": PC_UC_PRIORITY, **params}
    names = list(names)
    levels = len(np.unique(data[:, -1]))
    if levels < 2:
        raise AlgorithmError(f"the context column {context!r} has one value only in these rows; CD-NOD"
                             " needs data from at least two environments")
    base = _base_test(data, ci_test)
    grouped = how == "auto" and ci_test == "fisherz" and levels <= MAX_ENVIRONMENTS
    test: Any = ContextTest(data, base) if grouped else (
        ci_test if callable(ci_test) else None)
    bk = _exogenous(background, names)
    if test is None:
        from causallearn.utils.cit import CIT

        indep = CIT(data, ci_test)
    else:
        indep = function_cit(data, test)
    cg = _pc_with(indep, data, names, alpha, bk, **params)
    conflicts = collider_conflicts(cg, names, bk)
    if conflicts:
        from causal_agent.discover import DiscoveryNote

        warnings.warn(f"CD-NOD found {len(conflicts)} collider conflict{'s' * (len(conflicts) != 1)}: "
                      + "; ".join(conflicts[:5]) + ". Such an orientation is weakly supported.",
                      DiscoveryNote, stacklevel=2)
    if grouped:
        from causal_agent.discover import DiscoveryNote

        warnings.warn(f"Tests with {context} read its {levels} values as environments: per-environment"
                      " regressions (changed intercepts, slopes or noise), not a correlation with its codes.",
                      DiscoveryNote, stacklevel=2)
    full = CausalGraph.from_causallearn(cg.G, names)
    changing = full.neighbors(context)
    inner = full.subgraph(names[:-1])
    return CausalGraph(nodes=inner.nodes, edges=inner.edges, kind=inner.kind, context=context,
                       changing=changing)


__all__ = ["CONTEXT_TESTS", "ContextTest", "MAX_ENVIRONMENTS", "run_cdnod"]
