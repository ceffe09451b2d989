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
  estimate the effect for each, and report the ``range``. The headline estimate follows a fixed,
  documented rule: it is the orientation in which T's parents are only its *definite* parents (all
  undirected edges at T point away from T); the summary states that assumption and the range. If
  the outcome is a parent of T in some orientation, that orientation's effect is 0 (T cannot cause
  its own cause), so the range then includes 0 and the summary says the direction is not
  identified.
* **Identify.** Each orientation's DAG (restricted to the ancestors of T and Y) goes to DoWhy's
  ``CausalModel``; backdoor is preferred, then IV, then front-door. A graph with ``<->`` edges
  (latent confounders, e.g. PC orientation conflicts) is passed with a latent node per ``<->`` so
  DoWhy can find IV or front-door estimands. When a graph implies no directed path from T to Y we
  still estimate (adjusting for T's parents) and say the graph implies no effect.
* **Estimate.** Linear regression by default. With a back-door set, ``auto`` also fits spline
  outcome models and keeps linear regression unless a nested F-test rejects it (p < 0.001) *and*
  the effect changes materially; then it reports g-computation (``gcomputation.spline_regression``:
  predictions averaged over the sample at T=t1 minus at T=t0, sandwich CI), since a slope times
  (t1 - t0) is not the interventional contrast of a nonlinear outcome. Propensity-score methods for a binary treatment;
  EconML's LinearDML when econml is installed. CIs are 95% and on the (t1 - t0) scale of the
  estimate. DoWhy's IV and front-door estimators ignore ``control_value``/``treatment_value``
  (front-door even squares the contrast), so those are estimated per unit and scaled, under the
  linearity they already assume.
* **Refute.** A placebo-treatment refuter (random common cause for front-door, where permuting T
  does not reach the estimator; our own permutation placebo for g-computation), with ``ctx.settings.refute_simulations`` simulations.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from .errors import AlgorithmError, CausalAgentError, DataError, GraphError, VariableError, suggestion

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import pandas as pd

    from .context import AgentContext
    from .data import Dataset
    from .graph import CausalGraph

Estimand = Literal["backdoor", "iv", "frontdoor"]

#: user-facing method names -> DoWhy method names ("auto" picks per estimand)
METHODS: dict[str, str] = {
    "linear": "backdoor.linear_regression",
    "propensity": "backdoor.propensity_score_weighting",
    "propensity_matching": "backdoor.propensity_score_matching",
    "propensity_stratification": "backdoor.propensity_score_stratification",
    "dml": "backdoor.econml.dml.LinearDML",
    "iv": "iv.instrumental_variable",
    "frontdoor": "frontdoor.two_stage_regression",
    "gcomputation": "gcomputation.spline_regression",
}
_ALIASES: dict[str, str] = {
    "linear_regression": "linear",
    "regression": "linear",
    "ols": "linear",
    "propensity_weighting": "propensity",
    "propensity_score": "propensity",
    "ipw": "propensity",
    "matching": "propensity_matching",
    "stratification": "propensity_stratification",
    "lineardml": "dml",
    "econml": "dml",
    "instrumental_variable": "iv",
    "front_door": "frontdoor",
    "g_computation": "gcomputation",
    "gcomp": "gcomputation",
    "s_learner": "gcomputation",
    "spline": "gcomputation",
    "nonlinear": "gcomputation",
    **{v: k for k, v in METHODS.items()},
}
_LABELS: dict[str, str] = {
    "linear": "linear regression",
    "propensity": "propensity-score weighting",
    "propensity_matching": "propensity-score matching",
    "propensity_stratification": "propensity-score stratification",
    "dml": "EconML LinearDML",
    "iv": "instrumental-variable (Wald/2SLS) estimation",
    "frontdoor": "front-door two-stage regression",
    "gcomputation": "g-computation with a spline regression",
}
_PROPENSITY = {"propensity", "propensity_matching", "propensity_stratification"}
#: bootstrap samples for methods without an analytic CI when settings.bootstrap is 0
DEFAULT_BOOTSTRAP = 100
#: at most this many undirected neighbours of T are enumerated (2**k orientations)
MAX_UNDIRECTED_AT_TREATMENT = 12
#: "auto" leaves linear regression only when the nested F-test rejects linearity below this p ...
NONLINEAR_ALPHA = 1e-3
#: ... and the flexible contrast differs from the linear one by more than this share of it ...
NONLINEAR_MIN_REL = 0.05
#: ... plus this share of sd(Y) (so tiny, practically irrelevant curvature keeps the linear model)
NONLINEAR_MIN_SD = 0.02
#: interior quantile knots of each continuous variable's cubic spline
SPLINE_KNOTS = 5
_LATENT_PREFIX = "__latent__"


class AdjustmentEstimate(BaseModel):
    """The effect under one orientation of the undirected edges at the treatment."""

    parents: list[str] = Field(description="parents of the treatment in this orientation")
    adjustment_set: list[str] = Field(description="variables adjusted for")
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    note: str | None = Field(None, description="e.g. why the effect is zero in this orientation")


class EffectRange(BaseModel):
    """IDA: the effect over every adjustment set the equivalence class allows."""

    min: float
    max: float
    estimates: list[AdjustmentEstimate]


class Refutation(BaseModel):
    """A DoWhy refuter's verdict on the headline estimate."""

    refuter: str
    new_effect: float
    p_value: float | None
    passed: bool


class EffectResult(BaseModel):
    """An average treatment effect E[Y | do(T=t1)] - E[Y | do(T=t0)] with its assumptions."""

    treatment: str
    outcome: str
    t0: float
    t1: float
    estimate: float
    ci_low: float | None = Field(None, description="95% CI, same (t1 - t0) scale as estimate")
    ci_high: float | None = None
    method: str = Field(description="DoWhy method name, e.g. backdoor.linear_regression")
    estimand: Estimand
    adjustment_set: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)
    mediators: list[str] = Field(default_factory=list, description="front-door variables")
    assumption: str
    graph_key: str | None = Field(None, description="None when the user named the confounders")
    range: EffectRange | None = Field(None, description="set when the graph leaves the adjustment set ambiguous")
    direction_identified: bool = True
    graph_implies_zero: bool = Field(False, description="no directed path from treatment to outcome")
    refutation: Refutation | None = None
    n: int
    notes: list[str] = Field(default_factory=list)
    summary: str


# ---------------------------------------------------------------------------------------------
# small helpers


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.2e}"


def _p(p: float | None) -> str:
    if p is None:
        return "p n/a"
    return "p<1e-16" if p < 1e-16 else f"p={p:.2g}"


def _set(names: Sequence[str]) -> str:
    return "{" + ", ".join(names) + "}"


def _num(x: float) -> str:
    return f"{x:g}"


#: Guards the process-wide state that DoWhy reads (numpy's global RNG, logging, warnings).
_PROCESS_WIDE = threading.RLock()


@contextlib.contextmanager
def _quiet(seed: int) -> Iterator[None]:
    """Silence DoWhy's logging and warnings and seed numpy's global RNG (which DoWhy's bootstrap
    and refuters use) for one call, restoring both afterwards.

    All three are process-wide, and LangGraph's ToolNode runs parallel tool calls in threads, so
    the calls are serialised: otherwise one estimate could reseed another's refuter mid-run.
    """
    import numpy as np

    logger = logging.getLogger("dowhy")
    with _PROCESS_WIDE, warnings.catch_warnings():
        level = logger.level
        state = np.random.get_state()
        warnings.simplefilter("ignore")
        logger.setLevel(logging.CRITICAL)
        np.random.seed(seed)
        try:
            yield
        finally:
            logger.setLevel(level)
            np.random.set_state(state)


def normalize_method(method: str | None) -> str:
    """The canonical method name (see :data:`METHODS`); AlgorithmError lists the valid ones."""
    raw = (method or "auto").strip()
    key = raw.lower().replace("-", "_").replace(" ", "_")
    if key == "auto":
        return "auto"
    key = _ALIASES.get(key, _ALIASES.get(raw, key))
    if key not in METHODS:
        valid = ["auto", *METHODS]
        raise AlgorithmError(f"unknown effect method {raw!r}." + suggestion(key, valid, "method")
                             + f" Valid methods: {', '.join(valid)}.")
    if key == "dml":
        try:
            import econml  # noqa: F401
        except ImportError:
            raise AlgorithmError(
                "method 'dml' needs EconML, which is not installed; pip install econml, or use"
                " method='linear'"
            ) from None
    return key


# ---------------------------------------------------------------------------------------------
# which graph


class _Source(BaseModel):
    graph: Any  # CausalGraph
    key: str | None
    label: str  # "graph clinic:pc (PC with Fisher-z, alpha 0.05)" / "the named confounders {...}"
    notes: list[str] = Field(default_factory=list)


def _how(algorithm: str, ci_test: str | None, alpha: float | None) -> str:
    from .independence import CI_METHODS

    name = {"lingam": "DirectLiNGAM"}.get(algorithm, algorithm.upper())
    return name + (f", {CI_METHODS.get(ci_test, ci_test)}" if ci_test else "") + (
        f", alpha {alpha:g}" if alpha is not None else "")


def _graph_source(
    ctx: AgentContext, ds: Dataset, t: str, y: str, confounders: Sequence[str] | None,
    graph_key: str | None,
) -> _Source:
    from .graph import CausalGraph, Edge

    notes: list[str] = []
    if confounders:
        cs = list(dict.fromkeys(ds.resolve_many(list(confounders))))
        for c in cs:
            if c in (t, y):
                role = "treatment" if c == t else "outcome"
                raise VariableError(f"{c!r} is the {role}, so it cannot also be a confounder; drop it from confounders")
        if graph_key:
            notes.append(f"graph {graph_key!r} was not used because confounders were named.")
        edges = [Edge(source=c, target=t, type="-->") for c in cs]
        edges += [Edge(source=c, target=y, type="-->") for c in cs]
        edges.append(Edge(source=t, target=y, type="-->"))
        graph = CausalGraph(nodes=[t, y, *cs], edges=edges, kind="dag")
        label = f"the named confounders {_set(cs)} are the only common causes of {t} and {y}"
        return _Source(graph=graph, key=None, label=label, notes=notes)
    if graph_key:
        record = ctx.memory.get(graph_key)
        prov = record.provenance
        if prov.fingerprint != ds.fingerprint:
            notes.append(
                f"graph {graph_key!r} was learned from other data than dataset {ds.name}"
                f" ({prov.dataset}); re-run discovery if the data changed."
            )
        how = _how(prov.algorithm, prov.ci_test, prov.alpha)
        return _Source(graph=record.graph, key=graph_key, label=f"graph {graph_key} ({how})", notes=notes)
    from .discover import discover

    found = discover(ctx, ds)
    how = _how(found.algorithm, found.ci_test, found.alpha)
    notes.append(("reused" if found.reused else "learned") + f" graph {found.key!r} ({how}).")
    return _Source(graph=found.graph, key=found.key, label=f"graph {found.key} ({how})", notes=notes)


# ---------------------------------------------------------------------------------------------
# orientations of the undirected edges at T (IDA)


class _Orientation(BaseModel):
    parents: list[str]
    dag: Any = None  # CausalGraph (kind dag), or None for a graph with latent (<->) edges
    admg: Any = None  # CausalGraph with --> and <-> only
    into: list[str] = Field(default_factory=list)  # undirected neighbours of T oriented into T here
    siblings: list[str] = Field(default_factory=list)  # all undirected neighbours of T
    y_parent: bool = False  # Y is a parent of T here: effect 0
    no_path: bool = False  # no directed path T -> Y here
    conflict: bool = False  # the graph has no consistent DAG extension: definite parents assumed


def _has_path(graph: CausalGraph, a: str, b: str) -> bool:
    stack, seen = [a], {a}
    while stack:
        for c in graph.children(stack.pop()):
            if c == b:
                return True
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return False


def _orientations(graph: CausalGraph, t: str, y: str, label: str) -> list[_Orientation]:
    """Every parent set of ``t`` the graph allows, definite parents only first."""
    from .graph import CausalGraph

    types = {e.type for e in graph.edges}
    if types & {"o->", "o-o"}:
        raise GraphError(
            f"{label} is a PAG with circle marks (e.g. from FCI), which does not fix an adjustment"
            " set; use a PC or GES graph, or name the confounders"
        )
    if "<->" in types:
        if "---" in types:
            raise GraphError(
                f"{label} mixes undirected (---) and bidirected (<->) edges, which leaves the"
                " adjustment set undefined; use a PC or GES graph, or name the confounders"
            )
        probe = CausalGraph(nodes=graph.nodes, edges=[e for e in graph.edges if e.type == "-->"],
                            kind="cpdag")
        if not probe.is_dag():
            raise GraphError(f"the directed edges of {label} form a cycle; fix the graph")
        parents = probe.parents(t)
        return [_Orientation(parents=parents, admg=graph, y_parent=y in parents,
                             no_path=not _has_path(probe, t, y))]

    pdag = graph if graph.kind in ("dag", "cpdag") else CausalGraph(
        nodes=graph.nodes, edges=graph.edges, kind="cpdag")
    definite = pdag.parents(t)
    siblings = pdag.undirected_neighbors(t)
    if len(siblings) > MAX_UNDIRECTED_AT_TREATMENT:
        raise GraphError(
            f"{t} has {len(siblings)} undirected edges in {label}, too many orientations to"
            f" enumerate (limit {MAX_UNDIRECTED_AT_TREATMENT}); name the confounders instead"
        )
    out: list[_Orientation] = []
    for k in range(len(siblings) + 1):
        for into in itertools.combinations(siblings, k):
            forced = [(s, t) for s in into] + [(t, u) for u in siblings if u not in into]
            dag = pdag.consistent_extension(forced) if (forced or pdag.kind != "dag") else pdag
            if dag is None:
                continue
            parents = definite + list(into)
            out.append(_Orientation(parents=parents, dag=dag, into=list(into), siblings=siblings,
                                    y_parent=y in parents, no_path=not _has_path(dag, t, y)))
    if not out:
        # Conflicting orientations (an unfaithful sample): fall back, as the linear back-door
        # reference does, on adjusting for the treatment's directed parents, and say so.
        return [_Orientation(parents=definite, siblings=siblings, y_parent=y in definite,
                             conflict=True)]
    return out


def _ancestral(dag: CausalGraph, keep: set[str]) -> set[str]:
    out = set(keep)
    stack = list(keep)
    while stack:
        for p in dag.parents(stack.pop()):
            if p not in out:
                out.add(p)
                stack.append(p)
    return out


def _dowhy_graph(o: _Orientation, t: str, y: str) -> nx.DiGraph:
    """The networkx DAG DoWhy identifies from (ancestors of T and Y only; latent nodes for <->)."""
    import networkx as nx

    g = nx.DiGraph()
    if o.no_path or o.conflict:
        # No directed path (the graph says T does not cause Y) or no consistent DAG: estimate
        # anyway by adjusting for T's parents.
        g.add_nodes_from([t, y, *o.parents])
        g.add_edges_from([(p, t) for p in o.parents] + [(p, y) for p in o.parents] + [(t, y)])
        return g
    if o.admg is not None:
        directed = [(e.source, e.target) for e in o.admg.edges if e.type == "-->"]
        g.add_nodes_from(o.admg.nodes)
        g.add_edges_from(directed)
        for i, e in enumerate(x for x in o.admg.edges if x.type == "<->"):
            u = f"{_LATENT_PREFIX}{i}"
            g.add_edges_from([(u, e.source), (u, e.target)])
        keep = set(nx.ancestors(g, t)) | set(nx.ancestors(g, y)) | {t, y}
        return g.subgraph(keep).copy()
    keep = _ancestral(o.dag, {t, y})
    g.add_nodes_from(n for n in o.dag.nodes if n in keep)
    g.add_edges_from((e.source, e.target) for e in o.dag.edges if e.source in keep and e.target in keep)
    return g


# ---------------------------------------------------------------------------------------------
# one DoWhy run


class _Run(BaseModel):
    estimate: float
    ci_low: float | None
    ci_high: float | None
    estimand: Estimand
    method: str  # canonical key
    dowhy_method: str
    adjustment_set: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)
    mediators: list[str] = Field(default_factory=list)
    model: Any = None
    identified: Any = None
    dowhy_estimate: Any = None
    scale: float = 1.0  # estimate = scale * DoWhy estimate
    sign: float = 1.0
    p_linear: float | None = None  # nested F-test of the linear outcome model (backdoor, auto/gcomputation)
    linear_estimate: float | None = None  # the linear-regression contrast, when g-computation replaced it
    gcomp: Any = None  # the _GComp fit (g-computation runs)
    frame: Any = None  # the data the g-computation used (for its placebo refuter) ...
    contrast: tuple[str, str, float, float] | None = None  # ... and its (T, Y, t0, t1)


def _observed(g: nx.DiGraph) -> list[str]:
    return [n for n in g.nodes if not str(n).startswith(_LATENT_PREFIX)]


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


def _pin_backdoor(ident: Any, adjust: Sequence[str] | None) -> None:
    """Make DoWhy adjust for ``adjust`` (the treatment's parents, always valid in a DAG).

    DoWhy picks among equivalent back-door sets in set-iteration order, which varies with
    PYTHONHASHSEED, so without this the same question could get different estimates.
    """
    if adjust is None or not isinstance(getattr(ident, "backdoor_variables", None), dict):
        return
    for k in {"backdoor", ident.default_backdoor_id} - {None}:
        ident.set_backdoor_variables(sorted(adjust), key=k)


# ---------------------------------------------------------------------------------------------
# g-computation, for outcomes that are not linear in the treatment and the adjustment set


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


class _GComp(BaseModel):
    """A g-computation (S-learner) contrast and the tests that chose its outcome model."""

    estimate: float
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


def _gcomputation(
    data: pd.DataFrame, t: str, y: str, adjustment: Sequence[str], t0: float, t1: float,
    bootstrap: int = 0, seed: int = 0, permute: Any = None, t_flexible: bool | None = None,
) -> _GComp:
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
        return _GComp(estimate=estimate, ci_low=estimate, ci_high=estimate, p_linear=1.0,
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
    return _GComp(estimate=estimate, ci_low=low, ci_high=high, p_linear=p_linear,
                  p_treatment=p_treatment, t_flexible=use_flexible, model=model.label)


def _nonlinear_matters(g: _GComp, linear: float, sd_y: float) -> bool:
    """auto's switch: linearity rejected at NONLINEAR_ALPHA *and* a material change in the effect."""
    return g.p_linear < NONLINEAR_ALPHA and abs(g.estimate - linear) > (
        NONLINEAR_MIN_REL * abs(linear) + NONLINEAR_MIN_SD * sd_y)


def _run_dowhy(
    frame: pd.DataFrame, g: nx.DiGraph, t: str, y: str, t0: float, t1: float, method: str,
    settings: Any, adjust: Sequence[str] | None = None,
) -> _Run:
    from dowhy import CausalModel

    data = frame[_observed(g)].copy()
    with _quiet(settings.seed):
        model = CausalModel(data=data, treatment=t, outcome=y, graph=g)
        ident = model.identify_effect(proceed_when_unidentifiable=True)
    has = {k: ident.estimands.get(k) is not None for k in ("backdoor", "iv", "frontdoor")}
    if method == "auto":
        estimand = next((k for k in ("backdoor", "iv", "frontdoor") if has[k]), None)
        if estimand is None:
            raise GraphError(
                f"the effect of {t} on {y} is not identified by the graph (no backdoor set,"
                " instrument or front-door set); name the confounders or use another graph"
            )
        key = {"backdoor": "linear", "iv": "iv", "frontdoor": "frontdoor"}[estimand]
    else:
        key = method
        estimand = "backdoor" if key == "gcomputation" else METHODS[key].split(".")[0]  # type: ignore[assignment]
        if not has[estimand]:
            avail = [k for k, v in has.items() if v]
            fix = f"use method='auto' ({' or '.join(avail)} is available)" if avail else "name the confounders"
            raise AlgorithmError(
                f"method {method!r} needs a {estimand} estimand, but the graph gives none for"
                f" {t} -> {y}; {fix}"
            )
    dowhy_method = METHODS[key]
    if estimand == "backdoor":
        _pin_backdoor(ident, adjust)
    adjustment = list(ident.get_backdoor_variables() or []) if estimand == "backdoor" else []
    instruments = list(ident.get_instrumental_variables() or []) if estimand == "iv" else []
    mediators = list(ident.get_frontdoor_variables() or []) if estimand == "frontdoor" else []

    c0, c1, scale, sign = t0, t1, 1.0, 1.0
    if key in _PROPENSITY or key == "dml":
        levels = sorted(float(v) for v in data[t].unique())
        if key in _PROPENSITY and len(levels) != 2:
            raise AlgorithmError(
                f"method {method!r} needs a binary treatment, but {t} has {len(levels)} values;"
                " use method='linear'"
            )
        if key in _PROPENSITY:
            if {float(t0), float(t1)} != set(levels):
                raise DataError(
                    f"treatment {t} takes the values {_num(levels[0])} and {_num(levels[1])}; pass"
                    f" t0={_num(levels[0])}, t1={_num(levels[1])} for method {method!r}"
                )
            data[t] = data[t] == levels[1]
            c0, c1 = False, True  # type: ignore[assignment]
            sign = 1.0 if t1 == levels[1] else -1.0
    elif key in ("iv", "frontdoor"):
        # DoWhy's IV estimator ignores the contrast and front-door squares it: estimate per unit.
        c0, c1, scale = 0.0, 1.0, float(t1 - t0)
        data[t] = data[t].astype(float)
    else:
        data[t] = data[t].astype(float)  # DoWhy casts do(T=t) back to T's dtype: keep it float

    bootstrap = int(getattr(settings, "bootstrap", 0) or 0)
    if key == "linear" and bootstrap == 0:
        ci_arg: Any = True  # analytic OLS interval, scaled by (t1 - t0) inside DoWhy
        params: dict[str, Any] = {}
    else:
        ci_arg = "bootstrap"
        params = {"num_simulations": bootstrap or DEFAULT_BOOTSTRAP, "sample_size_fraction": 1}
    if key == "dml":
        params = {"init_params": {"random_state": settings.seed}, "fit_params": {}}
        ci_arg = False
    if key in _PROPENSITY and not adjustment:
        raise AlgorithmError(
            f"propensity methods model {t} from confounders, but the graph needs no adjustment for"
            f" {t} -> {y}; use method='linear' (a difference in means)"
        )
    columns = list(data.columns)
    model = None
    try:
        with _quiet(settings.seed):
            model = CausalModel(data=data, treatment=t, outcome=y, graph=g)
            ident = model.identify_effect(proceed_when_unidentifiable=True)
            if estimand == "backdoor":
                _pin_backdoor(ident, adjust)
                adjustment = list(ident.get_backdoor_variables() or [])
            if key == "gcomputation":  # not a DoWhy estimator: fitted below
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
        alt = "method='linear'" if key != "linear" else "fewer confounders"
        raise AlgorithmError(
            f"DoWhy {dowhy_method} failed for {t} -> {y} ({type(exc).__name__}: {first}); try {alt}"
        ) from exc
    p_linear = linear_estimate = None
    if key == "gcomputation" or (method == "auto" and estimand == "backdoor"):
        try:
            g: _GComp | None = _gcomputation(data, t, y, adjustment, t0, t1, bootstrap, settings.seed)
        except DataError:
            if key == "gcomputation":
                raise
            g = None  # too few rows to test linearity: auto keeps the linear model
        p_linear = None if g is None else g.p_linear
        if g is not None and (key == "gcomputation" or _nonlinear_matters(
                g, float(est.value), float(data[y].std()))):
            linear_estimate = None if est is None else float(est.value)
            key, dowhy_method = "gcomputation", METHODS["gcomputation"]
            return _Run(
                estimate=g.estimate, ci_low=g.ci_low, ci_high=g.ci_high, estimand="backdoor",
                method=key, dowhy_method=dowhy_method, adjustment_set=sorted(adjustment), model=model,
                identified=ident, p_linear=p_linear, linear_estimate=linear_estimate, frame=data,
                contrast=(t, y, t0, t1), gcomp=g,
            )
    value = float(est.value)
    if not math.isfinite(value):
        raise DataError(
            f"the {_LABELS[key]} estimate of {t} -> {y} is not finite (perfect collinearity or no"
            " overlap?); try fewer confounders or method='linear'"
        )
    factor = scale * sign
    value *= factor
    if low is not None and high is not None:
        low, high = sorted((low * factor, high * factor))
    return _Run(
        estimate=value, ci_low=low, ci_high=high, estimand=estimand, method=key,
        dowhy_method=dowhy_method, adjustment_set=sorted(adjustment), instruments=sorted(instruments),
        mediators=sorted(mediators), model=model, identified=ident, dowhy_estimate=est,
        scale=scale, sign=sign, p_linear=p_linear,
    )


def _refute(run: _Run, settings: Any) -> Refutation | None:
    """Placebo treatment (random common cause for front-door); None if DoWhy cannot run it."""
    import numpy as np

    if run.method == "gcomputation":
        return _refute_gcomputation(run, settings)
    if run.estimand == "frontdoor":
        name, kwargs = "random_common_cause", {"random_state": settings.seed}
    else:
        name, kwargs = "placebo_treatment_refuter", {
            "placebo_type": "permute", "random_state": np.random.RandomState(settings.seed)}
    try:
        with _quiet(settings.seed):
            ref = run.model.refute_estimate(
                run.identified, run.dowhy_estimate, method_name=name,
                num_simulations=int(settings.refute_simulations), **kwargs,
            )
    except Exception:  # noqa: BLE001 - a refuter that cannot run is reported as absent
        return None
    result = ref.refutation_result or {}
    p = result.get("p_value")
    p = float(p) if p is not None and math.isfinite(float(p)) else None
    significant = bool(result.get("is_statistically_significant", False))
    return Refutation(
        refuter=name, new_effect=float(ref.new_effect) * run.scale * run.sign, p_value=p,
        passed=not significant,
    )


def _refute_gcomputation(run: _Run, settings: Any) -> Refutation | None:
    """Placebo treatment for g-computation: refit with T permuted ``refute_simulations`` times; the
    placebo effects should scatter around 0 (DoWhy's normal test of 0 against them, two-sided)."""
    import numpy as np
    from scipy import stats

    if run.frame is None or run.contrast is None:
        return None
    t, y, t0, t1 = run.contrast
    rng = np.random.default_rng(settings.seed)
    try:
        effects = [
            _gcomputation(run.frame, t, y, run.adjustment_set, t0, t1, permute=rng,
                          t_flexible=run.gcomp.t_flexible if run.gcomp is not None else None).estimate
            for _ in range(int(settings.refute_simulations))
        ]
    except CausalAgentError:
        return None
    mean, sd = float(np.mean(effects)), float(np.std(effects))
    p = 2.0 * float(stats.norm.sf(abs(mean) / sd)) if sd > 0 else (1.0 if mean == 0 else 0.0)
    return Refutation(refuter="placebo_treatment_refuter", new_effect=mean, p_value=p, passed=p >= 0.05)


# ---------------------------------------------------------------------------------------------
# the facade


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
        raise DataError(f"t0 and t1 are both {_num(t0)}, so there is no contrast; pass two different treatment values")
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
) -> EffectResult:
    """The ATE E[Y | do(T=t1)] - E[Y | do(T=t0)] with a 95% CI, a refuter and its assumptions.

    See the module docstring for the graph, IDA range, identification and estimation rules.
    """
    key = normalize_method(method)
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
    notes += _check_variables(ds, t, y, t0, t1)

    source = _graph_source(ctx, ds, t, y, confounders, graph_key)
    notes += source.notes
    graph = source.graph
    missing = [v for v in (t, y) if v not in graph.nodes]
    if missing:
        raise GraphError(
            f"{source.label} has no node {missing[0]!r}; discover a graph that includes it or"
            " name the confounders"
        )
    orients = _orientations(graph, t, y, source.label)
    if orients[0].conflict:
        notes.append(
            f"{source.label} has conflicting orientations (no consistent DAG), so the estimate"
            f" adjusts for the directed parents of {t} only: {_set(sorted(orients[0].parents))}."
        )
    graphs = [None if o.y_parent else _dowhy_graph(o, t, y) for o in orients]
    needed = [v for v in graph.nodes if v in {t, y} or any(
        g is not None and v in g.nodes for g in graphs)]
    frame = ds.frame_for(needed)
    if frame.attrs.get("dropped_rows"):
        notes.append(f"{frame.attrs['dropped_rows']} row(s) with missing values were left out.")
    if frame[t].nunique() < 2:
        raise DataError(f"treatment {t!r} is constant in the usable rows; an effect needs variation in it")

    runs: list[_Run | None] = []
    for o, g in zip(orients, graphs):
        pinned = sorted(o.parents) if o.admg is None and set(o.parents) <= set(frame.columns) else None
        runs.append(None if g is None else _run_dowhy(
            frame, g, t, y, t0, t1, key, ctx.settings, adjust=pinned))

    head_i = 0  # orientations are listed definite-parents-only first: the documented headline rule
    head, head_run = orients[head_i], runs[head_i]
    entries = [
        AdjustmentEstimate(
            parents=sorted(o.parents),
            adjustment_set=sorted(o.parents) if r is None else (r.adjustment_set or []),
            estimate=0.0 if r is None else r.estimate,
            ci_low=None if r is None else r.ci_low,
            ci_high=None if r is None else r.ci_high,
            note=(f"{y} is a parent of {t} here, so {t} cannot cause {y}: effect 0 (not estimated)"
                  if r is None else (f"no directed path {t} -> {y} here; the graph implies effect 0"
                                     if o.no_path else None)),
        )
        for o, r in zip(orients, runs)
    ]
    ambiguous = len(orients) > 1
    effect_range = None
    if ambiguous:
        values = [e.estimate for e in entries]
        effect_range = EffectRange(min=min(values), max=max(values), estimates=entries)
    # identified when every orientation agrees on whether T can cause Y at all
    direction_identified = len({o.y_parent or o.no_path for o in orients}) == 1
    implies_zero = all(o.no_path or o.y_parent for o in orients)

    refutation = None
    if head_run is not None and ctx.settings.refute:
        refutation = _refute(head_run, ctx.settings)

    if head_run is None:
        estimate, low, high = 0.0, None, None
        dowhy_method, estimand, adjustment = METHODS["linear" if key == "auto" else key], "backdoor", sorted(head.parents)
        instruments, mediators = [], []
    else:
        estimate, low, high = head_run.estimate, head_run.ci_low, head_run.ci_high
        dowhy_method, estimand, adjustment = head_run.dowhy_method, head_run.estimand, head_run.adjustment_set
        instruments, mediators = head_run.instruments, head_run.mediators

    if head_run is not None and head_run.gcomp is not None:
        g = head_run.gcomp
        tests = (f"nested F-tests: linear {y} ~ {t} + adjustment set vs splines {_p(g.p_linear)};"
                 f" terms nonlinear in {t} {_p(g.p_treatment)}")
        if head_run.linear_estimate is not None:
            notes.append(
                f"the linear outcome model is misspecified ({tests}; threshold {NONLINEAR_ALPHA:g})"
                f" and the effect changes materially, so g-computation with {g.model} replaced linear"
                f" regression (which gave {_fmt(head_run.linear_estimate)})."
            )
        else:
            notes.append(f"g-computation with {g.model} ({tests}).")
    assumption = _assumption(t, y, estimand, adjustment, instruments, mediators, source, head,
                             orients, graph, head_run.method if head_run else key, head_run)
    result = EffectResult(
        treatment=t, outcome=y, t0=t0, t1=t1, estimate=estimate, ci_low=low, ci_high=high,
        method=dowhy_method, estimand=estimand, adjustment_set=adjustment, instruments=instruments,
        mediators=mediators, assumption=assumption, graph_key=source.key, range=effect_range,
        direction_identified=direction_identified, graph_implies_zero=implies_zero,
        refutation=refutation, n=int(len(frame)), notes=notes, summary="",
    )
    result.summary = _summary(result, head, orients, graph, head_run)
    return result


def _assumption(
    t: str, y: str, estimand: str, adjustment: list[str], instruments: list[str],
    mediators: list[str], source: _Source, head: _Orientation, orients: list[_Orientation],
    graph: CausalGraph, method: str, run: _Run | None = None,
) -> str:
    parts: list[str] = []
    if head.y_parent:
        parts.append(f"{y} causes {t}, as the graph says")
    elif estimand == "backdoor":
        parts.append(f"no unobserved confounding given {_set(adjustment)}" if adjustment
                     else f"no unobserved confounding of {t} and {y}")
    elif estimand == "iv":
        parts.append(f"{_set(instruments)} affect {y} only through {t} and share no unobserved cause with {y}")
    else:
        parts.append(f"{t} affects {y} only through {_set(mediators)}, with no unobserved confounding"
                     f" of {t} -> {_set(mediators)} and none of {_set(mediators)} -> {y} given {t}")
    if source.key is None:
        parts.append(source.label)
    else:
        parts.append(f"the graph {source.key} is right")
    if len(orients) > 1:
        parts.append(_headline_orientation(t, head) + f" (one of {len(orients)} orientations the data allow)")
    if head.y_parent:
        return "; ".join(parts)
    g = run.gcomp if run is not None else None
    if method == "gcomputation" and g is not None:
        why = ""
        if run is not None and run.linear_estimate is not None:
            why = (f"the effect of {t} on {y} is nonlinear" if g.t_flexible else
                   f"the adjustment set acts nonlinearly on {y} (the effect of {t} is linear given it)")
            why += f" (a linear outcome model was rejected, F-test {_p(g.p_linear)}), so "
        parts.append(why + f"E[{y} | {t}, adjustment set] follows g-computation's outcome model,"
                     f" {g.model} (OLS), averaged over the sample at {t}={_num(run.contrast[3])} and"
                     f" at {t}={_num(run.contrast[2])}" if run is not None and run.contrast else "")
    parts.append({"linear": "linear effect", "iv": "linear effect", "frontdoor": "linear effects",
                  "dml": "partially linear model (effect constant across units)"}.get(
        method, "every unit could have received either treatment (overlap)"))
    return "; ".join(parts)


def _headline_orientation(t: str, head: _Orientation) -> str:
    away = [s for s in head.siblings if s not in head.into]
    parts = []
    if head.into:
        parts.append(", ".join(f"{s} --> {t}" for s in head.into))
    if away:
        parts.append(", ".join(f"{t} --> {s}" for s in away))
    return "the undirected edges at " + t + " are oriented " + " and ".join(parts)


def _summary(r: EffectResult, head: _Orientation, orients: list[_Orientation], graph: CausalGraph,
             run: _Run | None) -> str:
    t, y = r.treatment, r.outcome
    contrast = f"{t} from {_num(r.t0)} to {_num(r.t1)}"
    if run is None:
        text = (f"{y} is a parent of {t} in the graph, so {t} cannot cause {y}: the effect of"
                f" changing {contrast} on {y} is 0 (implied by the graph, not estimated).")
    else:
        ci = (f" (95% CI {_fmt(r.ci_low)} to {_fmt(r.ci_high)})" if r.ci_low is not None else "")
        label = _LABELS[run.method]
        how = {
            "backdoor": f"{label} adjusting for {_set(r.adjustment_set)}" if r.adjustment_set
            else f"{label} with no adjustment needed",
            "iv": f"{label} with instrument(s) {_set(r.instruments)}",
            "frontdoor": f"{label} through {_set(r.mediators)}",
        }[r.estimand]
        text = f"Changing {contrast} changes {y} by {_fmt(r.estimate)}{ci}, by {how}."
        if r.ci_low is not None and r.ci_high is not None and not r.graph_implies_zero:
            if r.ci_low > 0 or r.ci_high < 0:
                text += " The CI excludes 0."
            else:
                text += " The CI includes 0, so the data do not show an effect."
    if r.graph_implies_zero and run is not None:
        text += (f" But the graph implies {t} does not cause {y} (no directed path {t} -> {y} in any"
                 f" DAG the data allow), so the causal effect is 0; the estimate above is the adjusted"
                 " association" + (" and it is consistent with 0." if r.ci_low is not None
                                   and r.ci_low <= 0 <= (r.ci_high or 0) else "."))
    if r.range is not None:
        sibs = head.siblings
        text += (f" The graph leaves {len(sibs)} edge(s) at {t} undirected"
                 f" ({', '.join(f'{t} --- {s}' for s in sibs)}), so the adjustment set is ambiguous:"
                 f" over the {len(orients)} possible parent sets of {t} the effect ranges from"
                 f" {_fmt(r.range.min)} to {_fmt(r.range.max)}. The headline assumes "
                 + _headline_orientation(t, head) + f", so {t}'s parents are {_set(sorted(head.parents))}.")
    if not r.direction_identified:
        text += f" The data do not identify whether {t} causes {y}: the direction is not identified."
    text += f" Assumes: {r.assumption}."
    if r.refutation is not None:
        ref = r.refutation
        verdict = "passed" if ref.passed else "FAILED"
        p = f", p={ref.p_value:.2g}" if ref.p_value is not None else ""
        what = "placebo-treatment effect" if ref.refuter.startswith("placebo") else "effect with a random common cause"
        text += f" Refuter ({ref.refuter}): {verdict} ({what} {_fmt(ref.new_effect)}{p})."
    text += f" n={r.n}."
    return text


__all__ = [
    "AdjustmentEstimate", "EffectRange", "EffectResult", "METHODS", "Refutation", "estimate_effect",
    "normalize_method",
]
