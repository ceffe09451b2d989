"""Built-in plugin: causal discovery algorithms (causal-learn) and the ``discover_graph`` tool.

(No ``from __future__ import annotations`` here: the tool's ``runtime: ToolRuntime`` annotation must
be a real class, imported lazily inside the factory, for ToolNode to inject the context.)

Each algorithm is a function ``(data, names, *, alpha, ci_test, background, **params) ->
CausalGraph``, registered with what it handles (``data_kinds``, ``output``, ``latent_confounders``,
``uses_ci_test``, ``cost``, ``assumptions``): ``auto`` in ``causal_agent.discover`` reads only those
declarations. Score- and FCM-based ones declare ``uses_ci_test=False``, so they are neither asked
for a CI test nor get alpha into their memory key. ``ci_test`` is a causal-learn test name, or a
p-value function ``(data, x, y, given) -> p`` for a registered test causal-learn does not know;
PC runs such a function through a ``CIT_Base`` wrapper, FCI cannot (one-line error).
Unknown ``params`` are rejected with the list of accepted ones, because causal-learn would
otherwise swallow a misspelt keyword silently.
"""

import random
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from causal_agent.errors import AlgorithmError
from causal_agent.hookspecs import hookimpl

from .cdnod import run_cdnod
from .intents import register_intents  # noqa: F401  (the planner's phrasings)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from causal_agent.discover import Background
    from causal_agent.graph import CausalGraph

_DISCRETE_MAX_LEVELS = 10


def _check_params(algorithm: str, params: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        shown = ", ".join(allowed) if allowed else "none"
        raise AlgorithmError(
            f"unknown parameter {unknown[0]!r} for {algorithm}; accepted parameters: {shown}"
        )


def _no_background(algorithm: str, background: "Background | None") -> None:
    if background is not None and not background.is_empty():
        raise AlgorithmError(
            f"{algorithm} cannot use background knowledge (causal-learn's {algorithm} has no such"
            " option); use algorithm 'pc' or 'fci', or 'lingam' for tiers, or drop the knowledge"
        )


def causallearn_background(background: "Background | None", names: Sequence[str]) -> Any:
    """causal-learn ``BackgroundKnowledge`` for PC/FCI (nodes are ``GraphNode``s, equal by name)."""
    if background is None or background.is_empty():
        return None
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge

    nodes = {n: GraphNode(n) for n in names}
    bk = BackgroundKnowledge()
    for a, b in background.required:
        bk.add_required_by_node(nodes[a], nodes[b])
    for a, b in background.forbidden:
        bk.add_forbidden_by_node(nodes[a], nodes[b])
    for tier, members in enumerate(background.tiers):
        for v in members:
            bk.add_node_to_tier(nodes[v], tier)
    return bk


def lingam_prior_knowledge(background: "Background | None", names: Sequence[str]) -> Any:
    """DirectLiNGAM's prior-knowledge matrix: ``pk[i, j]`` is 1/0 when ``names[j]`` has / has no
    directed path to ``names[i]`` (-1 unknown). LiNGAM speaks of paths, not edges, so a required
    edge becomes a required path and a forbidden edge forbids any directed path a ⇝ b (stronger);
    tiers translate exactly."""
    if background is None or background.is_empty():
        return None
    import numpy as np

    idx = {n: i for i, n in enumerate(names)}
    pk = -np.ones((len(names), len(names)))
    for i, later in enumerate(background.tiers):
        for earlier in background.tiers[:i]:
            for a in later:
                for b in earlier:
                    pk[idx[b], idx[a]] = 0
    for a, b in background.forbidden:
        pk[idx[b], idx[a]] = 0
    for a, b in background.required:
        pk[idx[b], idx[a]] = 1
    return pk


def _looks_discrete(data: "np.ndarray") -> bool:
    import numpy as np

    return bool(np.all(data == np.round(data))) and all(
        len(np.unique(data[:, j])) <= _DISCRETE_MAX_LEVELS for j in range(data.shape[1])
    )


def _default_score(data: "np.ndarray") -> str:
    """BDeu for integer-coded discrete data, the linear-Gaussian BIC otherwise."""
    return "local_score_BDeu" if _looks_discrete(data) else "local_score_BIC"


# ---- algorithms ---------------------------------------------------------------------------------
def function_cit(data: "np.ndarray", function: Callable[..., float]) -> Any:
    """A causal-learn ``CIT_Base`` object that answers with ``function(data, x, y, given)``
    (p-values cached per (x, y | given), as causal-learn's own tests do)."""
    from causallearn.utils.cit import NO_SPECIFIED_PARAMETERS_MSG, CIT_Base

    class FunctionCIT(CIT_Base):
        def __init__(self, data: "np.ndarray") -> None:
            super().__init__(data)
            self.check_cache_method_consistent("registered_function", NO_SPECIFIED_PARAMETERS_MSG)

        def __call__(self, X: Any, Y: Any, condition_set: Any = None) -> float:
            xs, ys, given, key = self.get_formatted_XYZ_and_cachekey(X, Y, condition_set)
            if key not in self.pvalue_cache:
                self.pvalue_cache[key] = float(function(self.data, xs[0], ys[0], list(given)))
            return self.pvalue_cache[key]

    return FunctionCIT(data)


def _pc_with(indep: Any, data: "np.ndarray", names: Sequence[str], alpha: float, bk: Any, *,
             stable: bool = True, uc_rule: int = 0, uc_priority: int = 2,
             max_k: int | None = None) -> Any:
    """PC on a ready ``CIT_Base`` object: the steps of causal-learn's ``pc_alg`` (which only
    accepts a test *name*), so a registered p-value function runs without touching causal-learn's
    module-level test registry."""
    from causallearn.utils.PCUtils import Meek, SkeletonDiscovery, UCSepset
    from causallearn.utils.PCUtils.BackgroundKnowledgeOrientUtils import (
        orient_by_background_knowledge,
    )

    cg = SkeletonDiscovery.skeleton_discovery(data, alpha, indep, stable, background_knowledge=bk,
                                              verbose=False, show_progress=False,
                                              node_names=list(names), max_k=max_k)
    if bk is not None:
        orient_by_background_knowledge(cg, bk)
    prio = () if uc_priority == -1 else (uc_priority,)
    if uc_rule == 0:
        return Meek.meek(UCSepset.uc_sepset(cg, *prio, background_knowledge=bk), background_knowledge=bk)
    if uc_rule == 1:
        return Meek.meek(UCSepset.maxp(cg, *prio, background_knowledge=bk), background_knowledge=bk)
    if uc_rule == 2:
        before = Meek.definite_meek(UCSepset.definite_maxp(cg, alpha, *prio, background_knowledge=bk),
                                    background_knowledge=bk)
        return Meek.meek(before, background_knowledge=bk)
    raise AlgorithmError(f"uc_rule must be 0, 1 or 2 for pc, not {uc_rule!r}")


def collider_conflicts(cg: Any, names: Sequence[str], bk: Any = None) -> list[str]:
    """Pairs two unshielded colliders want oriented both ways (a -> b from one, b -> a from the
    other), read off PC's skeleton and separating sets the way causal-learn's ``uc_sepset`` reads
    them (y is a collider of x - y - z when y is in no separating set of x and z)."""
    wants: dict[tuple[int, int], tuple[int, int, int]] = {}
    out: list[str] = []
    for x, y, z in cg.find_unshielded_triples():
        if x > z:
            continue
        if bk is not None and (bk.is_forbidden(cg.G.nodes[x], cg.G.nodes[y])
                               or bk.is_forbidden(cg.G.nodes[z], cg.G.nodes[y])):
            continue
        if all(y not in S for S in (cg.sepset[x, z] or [])):
            for a in (x, z):
                wants.setdefault((a, y), (x, y, z))
    for (a, b), (x, y, z) in wants.items():
        if a < b and (b, a) in wants:
            x2, y2, z2 = wants[(b, a)]
            out.append(f"{names[a]} -- {names[b]} (collider {names[x]} -> {names[y]} <- {names[z]}"
                       f" against {names[x2]} -> {names[y2]} <- {names[z2]})")
    return out


#: PC's collider rule and conflict priority unless given (see ``run_pc``)
PC_UC_RULE, PC_UC_PRIORITY = 1, 3

_UC_PRIORITY_TEXT = {
    -1: "causal-learn's uc_sepset default for the rule", 0: "overwrite: the collider oriented last wins",
    1: "orient bi-directed: the edge becomes a <-> b", 2: "prioritise existing colliders: the"
    " collider oriented first wins", 3: "prioritise stronger colliders (larger p-value of the"
    " separating test)", 4: "prioritise stronger* colliders",
}


def run_pc(
    data: "np.ndarray", names: Sequence[str], *, alpha: float, ci_test: "str | Callable[..., float]",
    background: "Background | None" = None, **params: Any,
) -> "CausalGraph":
    """PC (causal-learn): a CPDAG from conditional independence tests.

    Unshielded colliders are found by **maxP** (``uc_rule=1``, Ramsey 2016: x - y - z is a
    collider when the separating set of x and z with the largest p-value leaves y out), with
    conflicts resolved in favour of the stronger collider (``uc_priority=3``). On our generated
    networks (11 continuous datasets, 600 pairs) this gave 21% fewer wrong common-effect answers
    and 22% fewer wrong direct-cause answers than causal-learn's default (``uc_rule=0``: the first
    separating set found, ``uc_priority=2``), for about 15% more time. Pass ``uc_rule=0,
    uc_priority=2`` for plain ``pc()`` (the eval's reference protocol does). Conflicts are
    reported as a ``DiscoveryNote``."""
    from causallearn.search.ConstraintBased.PC import pc

    from causal_agent.graph import CausalGraph

    _check_params("pc", params, ("stable", "uc_rule", "uc_priority", "max_k"))
    params = {"uc_rule": PC_UC_RULE, "uc_priority": PC_UC_PRIORITY, **params}
    bk = causallearn_background(background, names)
    if callable(ci_test):
        cg = _pc_with(function_cit(data, ci_test), data, names, alpha, bk, **params)
    else:
        cg = pc(data, alpha=alpha, indep_test=ci_test, show_progress=False, verbose=False,
                node_names=list(names), background_knowledge=bk, **params)
    conflicts = collider_conflicts(cg, names, bk)
    if conflicts:
        from causal_agent.discover import DiscoveryNote

        rule, prio = params["uc_rule"], params["uc_priority"]
        shown = "; ".join(conflicts[:5]) + (f"; and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        warnings.warn(
            f"PC found {len(conflicts)} collider conflict{'s' * (len(conflicts) != 1)}: {shown}."
            f" Resolved by uc_rule={rule}, uc_priority={prio} ({_UC_PRIORITY_TEXT.get(prio, prio)});"
            " such an orientation is weakly supported.", DiscoveryNote, stacklevel=2)
    return CausalGraph.from_causallearn(cg.G, list(names))


def run_fci(
    data: "np.ndarray", names: Sequence[str], *, alpha: float, ci_test: "str | Callable[..., float]",
    background: "Background | None" = None, **params: Any,
) -> "CausalGraph":
    """FCI (causal-learn): a PAG that allows latent confounders."""
    from causallearn.search.ConstraintBased.FCI import fci

    from causal_agent.graph import CausalGraph

    _check_params("fci", params, ("depth", "max_path_length"))
    if callable(ci_test):
        raise AlgorithmError(
            "fci runs only causal-learn's own CI tests (fisherz, chisq, gsq, kci), not a registered"
            " test with its own function; use algorithm 'pc' with that test, or one of those"
        )
    G, _edges = fci(data, independence_test_method=ci_test, alpha=alpha, show_progress=False,
                    verbose=False, node_names=list(names),
                    background_knowledge=causallearn_background(background, names), **params)
    return CausalGraph.from_causallearn(G, list(names), kind="pag")


def run_ges(
    data: "np.ndarray", names: Sequence[str], *, alpha: float | None = None,
    ci_test: str | None = None, background: "Background | None" = None, **params: Any,
) -> "CausalGraph":
    """GES (causal-learn): a CPDAG maximising a score (BIC, or BDeu for discrete data)."""
    from causallearn.search.ScoreBased.GES import ges

    from causal_agent.graph import CausalGraph

    _no_background("ges", background)
    _check_params("ges", params, ("score_func", "maxP", "lambda_value"))
    score = params.pop("score_func", None) or _default_score(data)
    record = ges(data, score_func=score, node_names=list(names), **params)
    return CausalGraph.from_causallearn(record["G"], list(names), kind="cpdag")


def run_grasp(
    data: "np.ndarray", names: Sequence[str], *, alpha: float | None = None,
    ci_test: str | None = None, background: "Background | None" = None, **params: Any,
) -> "CausalGraph":
    """GRaSP (causal-learn): permutation search; a CPDAG. GRaSP shuffles with Python's global
    ``random``, so it runs under a fixed ``seed`` (default 0) and the caller's state is restored."""
    from causallearn.search.PermutationBased.GRaSP import grasp

    from causal_agent.graph import CausalGraph

    _no_background("grasp", background)
    _check_params("grasp", params, ("score_func", "depth", "seed"))
    seed = params.pop("seed", 0)
    score = params.pop("score_func", None) or (
        "local_score_BDeu" if _looks_discrete(data) else "local_score_BIC_from_cov"
    )
    state = random.getstate()
    try:
        random.seed(seed)
        G = grasp(data, score_func=score, verbose=False, node_names=list(names), **params)
    finally:
        random.setstate(state)
    return CausalGraph.from_causallearn(G, list(names), kind="cpdag")


def run_lingam(
    data: "np.ndarray", names: Sequence[str], *, alpha: float | None = None,
    ci_test: str | None = None, background: "Background | None" = None, **params: Any,
) -> "CausalGraph":
    """DirectLiNGAM (causal-learn): a fully oriented DAG for linear non-Gaussian data.

    Background knowledge goes in as LiNGAM prior knowledge (see ``lingam_prior_knowledge``)."""
    from causallearn.search.FCMBased.lingam import DirectLiNGAM

    from causal_agent.graph import CausalGraph

    _check_params("lingam", params, ("measure", "random_state"))
    if background is not None and (background.required or background.forbidden):
        from causal_agent.discover import DiscoveryNote

        warnings.warn(
            "DirectLiNGAM's prior knowledge is about paths: a required edge a -> b became a required"
            " directed path a to b, a forbidden one forbids any directed path from a to b.",
            DiscoveryNote, stacklevel=2,
        )
    model = DirectLiNGAM(
        random_state=params.get("random_state", 0),
        prior_knowledge=lingam_prior_knowledge(background, names),
        measure=params.get("measure", "pwling"),
    )
    model.fit(data)
    return CausalGraph.from_adjacency(model.adjacency_matrix_, list(names), kind="dag")


def _algorithms() -> tuple[tuple[str, Callable[..., Any], str, dict[str, Any]], ...]:
    """name, function, description, capabilities (fresh per call: no module-level table).

    ``cost`` scales n x p³ against ``auto``'s budget (DirectLiNGAM, 1, is the reference: ~0.4 s at
    2000 x 10); PC with Fisher-z is the cheapest (~4.5 s at 10k x 40), FCI adds the possible-d-sep
    tests, GRaSP and GES search over scores."""
    every = ("continuous", "discrete", "mixed")
    return (
        ("pc", run_pc, "PC: constraint-based, CPDAG; background knowledge supported",
         {"data_kinds": every, "output": "cpdag", "uses_ci_test": True, "cost": 0.05, "label": "PC",
          "aliases": ("peter-clark",)}),
        ("fci", run_fci, "FCI: constraint-based, PAG allowing latent confounders; background knowledge",
         {"data_kinds": every, "output": "pag", "latent_confounders": True, "uses_ci_test": True,
          "cost": 0.1, "label": "FCI"}),
        ("ges", run_ges, "GES: score-based (BIC/BDeu), CPDAG",
         {"data_kinds": every, "output": "cpdag", "uses_ci_test": False, "cost": 0.5,
          "label": "GES"}),
        ("lingam", run_lingam, "DirectLiNGAM: linear non-Gaussian, fully oriented DAG; tiers as prior",
         {"data_kinds": ("continuous",), "output": "dag", "uses_ci_test": False, "cost": 1.0,
          "label": "DirectLiNGAM", "assumptions": ("linear", "non_gaussian"),
          "aliases": ("directlingam",)}),
        ("grasp", run_grasp, "GRaSP: permutation-based (BIC/BDeu), CPDAG",
         {"data_kinds": every, "output": "cpdag", "uses_ci_test": False, "cost": 0.3,
          "label": "GRaSP"}),
        ("cdnod", run_cdnod, "CD-NOD: constraint-based, data from several environments (a context"
         " column: site, batch, period); marks the mechanisms that change with it and orients by them",
         {"data_kinds": every, "output": "cpdag", "uses_ci_test": True, "cost": 0.08,
          "label": "CD-NOD", "assumptions": ("context",), "aliases": ("cd-nod",)}),
    )


@hookimpl
def register_algorithms(register):  # type: ignore[no-untyped-def]
    for name, function, description, capabilities in _algorithms():
        register(name, function, description, **capabilities)


# ---- tool ---------------------------------------------------------------------------------------
def discover_graph_tool() -> Any:
    """The ``discover_graph`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    from causal_agent.discover import Background, discover

    @tool("discover_graph", response_format="content_and_artifact")
    def discover_graph(
        runtime: ToolRuntime,
        variables: Annotated[
            list[str] | None, "variables of a partial graph (at least 2); omit for all variables"
        ] = None,
        algorithm: Annotated[
            str, "auto (chosen from the data) or the name of a registered algorithm"
        ] = "auto",
        alpha: Annotated[float | None, "significance level; omit for the default"] = None,
        ci_test: Annotated[
            str, "auto or the name of a registered CI test (for algorithms that use CI tests)"
        ] = "auto",
        background: Annotated[
            Background | None, "background knowledge: required/forbidden edges [a, b], tiers"
        ] = None,
        partial: Annotated[
            str | None,
            "for a partial graph: 'induced' (subgraph of the full graph) or 'subset' (also"
            " 'marginal': learn on the subset's columns only); omit for the configured default",
        ] = None,
        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None,
        resamples: Annotated[
            int | None, "bootstrap resamples for edge support (0: off); omit for the default"
        ] = None,
        context: Annotated[
            str | None,
            "column naming each row's environment (site, batch, period): learns with CD-NOD and"
            " lists the mechanisms that change across it; omit for one environment",
        ] = None,
    ) -> tuple[str, dict[str, Any]]:
        """Learn a causal graph (CPDAG/PAG/DAG) from the data, or reuse the stored one.

        Returns the graph's memory key, its edges and, with the bootstrap, each edge's support;
        pass variables for a partial graph, and context (a site/batch/period column) to learn from
        several environments and find which mechanisms change across them."""
        result = discover(runtime.context, dataset=dataset, variables=variables,
                          algorithm=algorithm, alpha=alpha, ci_test=ci_test, background=background,
                          partial=partial, resamples=resamples, context=context)
        content = f"{result.summary}\nGraph {result.key}:\n{result.graph.to_text()}"
        artifact = {
            "key": result.key,
            "graph": result.graph.to_json(),
            "algorithm": result.algorithm,
            "ci_test": result.ci_test,
            "alpha": result.alpha,
            "reason": result.reason,
            "reused": result.reused,
            "elapsed_s": result.elapsed_s,
            "variables": result.variables,
            "notes": result.notes,
            "support": None if result.support is None else {
                "resamples": result.support.resamples, "seed": result.support.seed,
                "edges": [e.model_dump() for e in result.support.edges]},
        }
        if result.graph.context is not None:  # CD-NOD: what changes with the context
            artifact.update(context=result.graph.context, changing=list(result.graph.changing))
        return content, artifact

    discover_graph.metadata = {"artifact": "graph", "summary": "Learn the causal graph, of all columns or some."}
    return discover_graph


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    from .environments import effect_across_environments_tool

    register(discover_graph_tool())
    register(effect_across_environments_tool())
