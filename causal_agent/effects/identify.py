"""Identification: the parent sets the graph allows the treatment (IDA) and, for each, the DAG that
DoWhy identifies the effect from.

A CPDAG may leave undirected edges at the treatment, and then the adjustment set depends on an
orientation the data cannot decide. Following IDA (Maathuis, Kalisch & Bühlmann 2009) every parent
set of T the class allows is enumerated by :func:`causal_agent.graph_queries.possible_parent_sets`
(the same enumeration the ``adjustment_set`` tool lists), definite parents only first: that one is
the headline. A graph with ``<->`` edges (latent confounders) goes to DoWhy with a latent node per
``<->`` so it can find IV or front-door estimands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..errors import GraphError

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from ..graph import CausalGraph

LATENT_PREFIX = "__latent__"


class Orientation(BaseModel):
    """One parent set of the treatment and the graph that gives it."""

    parents: list[str]
    dag: Any = None  # CausalGraph (kind dag), or None for a graph with latent (<->) edges
    admg: Any = None  # CausalGraph with --> and <-> only
    into: list[str] = Field(default_factory=list)  # undirected neighbours of T oriented into T here
    siblings: list[str] = Field(default_factory=list)  # all undirected neighbours of T
    y_parent: bool = False  # Y is a parent of T here: effect 0
    no_path: bool = False  # no directed path T -> Y here
    conflict: bool = False  # the graph has no consistent DAG extension: definite parents assumed


def has_path(graph: CausalGraph, a: str, b: str) -> bool:
    stack, seen = [a], {a}
    while stack:
        for c in graph.children(stack.pop()):
            if c == b:
                return True
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return False


def orientations(graph: CausalGraph, t: str, y: str, label: str) -> list[Orientation]:
    """Every parent set of ``t`` the graph allows, definite parents only first."""
    from ..graph import CausalGraph
    from ..graph_queries import possible_parent_sets

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
        return [Orientation(parents=parents, admg=graph, y_parent=y in parents,
                            no_path=not has_path(probe, t, y))]

    pdag = graph if graph.kind in ("dag", "cpdag") else CausalGraph(
        nodes=graph.nodes, edges=graph.edges, kind="cpdag")
    siblings = pdag.undirected_neighbors(t)
    sets = possible_parent_sets(pdag, t, where=f" in {label}", fix="name the confounders instead")
    out = [Orientation(parents=p.parents, dag=p.dag, into=p.into, siblings=siblings,
                       y_parent=y in p.parents, no_path=not has_path(p.dag, t, y)) for p in sets]
    if not out:
        # Conflicting orientations (an unfaithful sample): fall back, as the linear back-door
        # reference does, on adjusting for the treatment's directed parents, and say so.
        definite = pdag.parents(t)
        return [Orientation(parents=definite, siblings=siblings, y_parent=y in definite, conflict=True)]
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


def dowhy_graph(o: Orientation, t: str, y: str) -> nx.DiGraph:
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
            u = f"{LATENT_PREFIX}{i}"
            g.add_edges_from([(u, e.source), (u, e.target)])
        keep = set(nx.ancestors(g, t)) | set(nx.ancestors(g, y)) | {t, y}
        return g.subgraph(keep).copy()
    keep = _ancestral(o.dag, {t, y})
    g.add_nodes_from(n for n in o.dag.nodes if n in keep)
    g.add_edges_from((e.source, e.target) for e in o.dag.edges if e.source in keep and e.target in keep)
    return g


def observed(g: nx.DiGraph) -> list[str]:
    """The graph's measured variables (DoWhy's data columns)."""
    return [n for n in g.nodes if not str(n).startswith(LATENT_PREFIX)]


def pin_backdoor(ident: Any, adjust: Sequence[str] | None) -> None:
    """Make DoWhy adjust for ``adjust`` (the treatment's parents, always valid in a DAG).

    DoWhy picks among equivalent back-door sets in set-iteration order, which varies with
    PYTHONHASHSEED, so without this the same question could get different estimates.
    """
    if adjust is None or not isinstance(getattr(ident, "backdoor_variables", None), dict):
        return
    for k in {"backdoor", ident.default_backdoor_id} - {None}:
        ident.set_backdoor_variables(sorted(adjust), key=k)
