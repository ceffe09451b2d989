"""Where a mediator sits: is M on a directed path X -> ... -> M -> ... -> Y, over the class?

A learned CPDAG stands for every DAG with its skeleton and v-structures, and they can disagree on
whether M carries any of X's effect on Y. The answer follows the project's three values (see
:mod:`causal_agent.graph_queries`): **yes** when M is on such a path in every DAG of the class,
**no** when in none (M is then no mediator: a collider, a descendant of one, a confounder, an
effect of Y, or unrelated), **uncertain** otherwise.

Only the chain components that can carry a directed path between X, M and Y are enumerated:
every node of a directed path X ~> M in a member DAG is a *possible descendant* of X and a
*possible ancestor* of M (reached along ``-->`` and ``---`` edges), so the components meeting
those nodes decide every path the question needs, and the others are irrelevant to it.

Each member is summarised by what the estimate needs: the parents of X and of M (the adjustment
sets of the two stages), whether X reaches Y at all, and whether some directed path X ~> Y avoids
M (a direct effect is possible). Members that agree on all of it form one :class:`Group`, estimated
once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from causal_agent.errors import GraphError
from causal_agent.graph import CausalGraph, ClassTooLarge

Answer = Literal["yes", "no", "uncertain"]


class Group(BaseModel):
    """Members of the class that agree on everything a mediation estimate needs."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    on_path: bool = Field(description="M is on a directed path X ~> M ~> Y")
    x_causes_y: bool = Field(description="some directed path X ~> Y")
    bypass: bool = Field(description="some directed path X ~> Y that avoids M (a direct effect)")
    x_parents: list[str]
    m_parents: list[str]
    path: list[str] = Field(default_factory=list, description="one directed path X ~> M ~> Y, if on_path")
    members: int = 1
    arcs: Any = None  # one member's local orientation (set of arcs), to extend to a full DAG

    def dag(self, g: CausalGraph) -> CausalGraph:
        """A full DAG of the class in this group (what DoWhy is given); for a graph with
        conflicting orientations, its arrows, this orientation, and the other undirected edges
        along a topological order."""
        if g.kind == "dag":
            return g
        dag = g.consistent_extension(self.arcs or ())
        return dag if dag is not None else _acyclic_completion(g, set(self.arcs or ()))


class Structure(BaseModel):
    """M's place between X and Y over the class, in words, with the groups to estimate."""

    answer: Answer = Field(description="is M on a directed path from X to Y?")
    reason: str
    groups: list[Group] = Field(default_factory=list)
    members: int = 0
    on_path_members: int = 0
    bypass: Answer = Field("uncertain", description="is there a directed path X ~> Y avoiding M?")
    role: str | None = Field(None, description="M's role when it is no mediator (collider, confounder, ...)")
    notes: list[str] = Field(default_factory=list)


def _arcs_of(g: CausalGraph) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in g.edges if e.type == "-->"}


def _possible(g: CausalGraph, start: str, forward: bool) -> set[str]:
    """Possible descendants (``forward``) or possible ancestors of ``start``: reached along
    ``-->`` in that direction and along ``---`` either way (``start`` excluded)."""
    step: dict[str, set[str]] = {n: set() for n in g.nodes}
    for e in g.edges:
        if e.type == "-->":
            a, b = (e.source, e.target) if forward else (e.target, e.source)
            step[a].add(b)
        elif e.type == "---":
            step[e.source].add(e.target)
            step[e.target].add(e.source)
    seen: set[str] = set()
    stack = [start]
    while stack:
        for n in step[stack.pop()]:
            if n not in seen and n != start:
                seen.add(n)
                stack.append(n)
    return seen


def _children(nodes: Iterable[str], arcs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in arcs:
        out[a].add(b)
    return out


def _reach(children: dict[str, set[str]], start: str, avoid: str | None = None) -> dict[str, str | None]:
    """Nodes reachable from ``start`` along arcs (not through ``avoid``), each with its predecessor."""
    prev: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        n = queue.pop(0)
        for c in sorted(children[n]):
            if c not in prev and c != avoid:
                prev[c] = n
                queue.append(c)
    return prev


def _path(prev: dict[str, str | None], end: str) -> list[str]:
    out = [end]
    while prev[out[-1]] is not None:
        out.append(prev[out[-1]])  # type: ignore[arg-type]
    return out[::-1]


def arrow(path: Sequence[str]) -> str:
    return " → ".join(path)


def structure(g: CausalGraph, x: str, m: str, y: str) -> Structure:
    """Is ``m`` on a directed path from ``x`` to ``y`` in every / some / no DAG of ``g``'s class?"""
    if g.kind == "pag":
        raise GraphError("mediation needs a DAG or CPDAG, but this graph is a PAG (FCI: it allows latent"
                         " confounders, which break the mediation formula); use a PC or GES graph")
    x, m, y = g.resolve(x), g.resolve(m), g.resolve(y)
    if len({x, m, y}) < 3:
        raise GraphError("the treatment, the outcome and the mediator must be three different variables")
    pd_x, pd_m = _possible(g, x, True), _possible(g, m, True)
    pa_m, pa_y = _possible(g, m, False), _possible(g, y, False)
    focus = {x, m, y} | (pd_x & (pa_m | pa_y | {m, y})) | (pd_m & (pa_y | {y}))
    notes: list[str] = []
    try:
        if g.kind == "dag":
            orientations: list[set[tuple[str, str]]] = [set()]
        elif g.consistent_extension() is None:
            # PC's output can contradict itself (no DAG has all its arrows without a new collider):
            # its arrows are read as they are and the undirected edges that matter oriented every
            # acyclic way, as the effect estimates adjust for the directed parents in that case
            orientations = _relaxed_orientations(g, focus)
            notes.append("The graph has conflicting orientations (no DAG has all its arrows without a new"
                         " collider); its arrows are read as they are, and the undirected edges between"
                         " the three variables are tried every acyclic way.")
        else:
            orientations = g.local_orientations(sorted(focus))
    except ClassTooLarge as exc:
        return Structure(answer="uncertain", reason=f"the equivalence class is too large to check ({exc});"
                         " orient some edges with background knowledge")
    if not orientations:
        return Structure(answer="uncertain", notes=notes, reason=(
            "the graph's orientations contradict each other around these variables (no acyclic reading);"
            " rediscover or add background knowledge"))
    base = _arcs_of(g)
    groups: dict[tuple[Any, ...], Group] = {}
    flags = {"x_to_m": 0, "m_to_y": 0, "y_to_m": 0, "m_to_x": 0, "collider": 0, "collider_desc": 0}
    seen_colliders: set[str] = set()
    for arcs in orientations:
        full = base | arcs
        ch = _children(g.nodes, full)
        from_x, from_m = _reach(ch, x), _reach(ch, m)
        on = m in from_x and y in from_m
        x_y = y in from_x
        bypass = y in _reach(ch, x, avoid=m)
        parents = {n: sorted((a for a, b in full if b == n), key=g.nodes.index) for n in (x, m)}
        flags["x_to_m"] += m in from_x
        flags["m_to_y"] += y in from_m
        flags["y_to_m"] += m in _reach(ch, y)
        flags["m_to_x"] += x in from_m
        flags["collider"] += (x, m) in full and (y, m) in full
        below = [c for c in g.nodes if (x, c) in full and (y, c) in full and c != m and m in _reach(ch, c)]
        flags["collider_desc"] += bool(below)
        if below:
            seen_colliders.update(below)
        key = (on, x_y, bypass, tuple(parents[x]), tuple(parents[m]) if on else ())
        if key in groups:
            groups[key].members += 1
            continue
        path = _path(from_x, m)[:-1] + _path(from_m, y) if on else []
        groups[key] = Group(on_path=on, x_causes_y=x_y, bypass=bypass, x_parents=parents[x],
                            m_parents=parents[m], path=path, arcs=arcs)
    total = len(orientations)
    ordered = sorted(groups.values(), key=lambda gr: (not gr.on_path, len(gr.x_parents) + len(gr.m_parents)))
    on_members = sum(gr.members for gr in ordered if gr.on_path)
    by_members = sum(gr.members for gr in ordered if gr.bypass)
    bypass: Answer = "yes" if by_members == total else "no" if by_members == 0 else "uncertain"
    where = "in the graph" if g.kind == "dag" else "in every DAG the data allow"
    if on_members == total:
        return Structure(answer="yes", reason=f"{arrow(ordered[0].path)} is a directed path {where}",
                         groups=ordered, members=total, on_path_members=on_members, bypass=bypass, notes=notes)
    if on_members == 0:
        role, why = _no_reason(g, x, m, y, flags, total, sorted(seen_colliders, key=g.nodes.index))
        return Structure(answer="no", reason=why, groups=ordered, members=total, on_path_members=0,
                         bypass=bypass, role=role, notes=notes)
    example = next(gr.path for gr in ordered if gr.on_path)
    undirected = sorted({f"{e.source} --- {e.target}" for e in g.edges
                         if e.type == "---" and {e.source, e.target} & focus})
    return Structure(
        answer="uncertain",
        reason=(f"{m} lies on a directed path from {x} to {y} (e.g. {arrow(example)}) in {on_members} of"
                f" {total} DAGs the data allow, and in the others it does not; the undirected edges"
                f" {', '.join(undirected)} decide it"),
        groups=ordered, members=total, on_path_members=on_members, bypass=bypass, notes=notes)


#: undirected edges tried every way in a graph with conflicting orientations (2**k readings)
MAX_RELAXED_EDGES = 12


def _relaxed_orientations(g: CausalGraph, focus: set[str]) -> list[set[tuple[str, str]]]:
    """Every acyclic orientation of the undirected edges within ``focus`` (new colliders allowed),
    for a graph whose own orientations admit no DAG."""
    import itertools

    base = _arcs_of(g)
    edges = sorted((e.source, e.target) for e in g.edges if e.type == "---" and e.source in focus and e.target in focus)
    if len(edges) > MAX_RELAXED_EDGES:
        raise ClassTooLarge(f"{len(edges)} undirected edges around the variables to orient every way")
    out = []
    for bits in itertools.product((0, 1), repeat=len(edges)):
        arcs = {(a, b) if bit else (b, a) for (a, b), bit in zip(edges, bits)}
        if _acyclic(g.nodes, base | arcs):
            out.append(arcs)
    return out


def _acyclic(nodes: Sequence[str], arcs: set[tuple[str, str]]) -> bool:
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(nodes)
    G.add_edges_from(arcs)
    return nx.is_directed_acyclic_graph(G)


def _acyclic_completion(g: CausalGraph, arcs: set[tuple[str, str]]) -> CausalGraph:
    """A DAG with ``g``'s arrows, ``arcs``, and every other undirected edge pointing along a
    topological order of those (so no cycle appears)."""
    import networkx as nx

    from causal_agent.graph import Edge

    G = nx.DiGraph()
    G.add_nodes_from(g.nodes)
    G.add_edges_from(_arcs_of(g) | arcs)
    if not nx.is_directed_acyclic_graph(G):
        raise GraphError("the graph's arrows form a directed cycle; rediscover the graph")
    rank = {n: i for i, n in enumerate(nx.lexicographical_topological_sort(G))}
    for e in g.edges:
        if e.type == "---" and not G.has_edge(e.source, e.target) and not G.has_edge(e.target, e.source):
            a, b = sorted((e.source, e.target), key=rank.__getitem__)
            G.add_edge(a, b)
    return CausalGraph(nodes=g.nodes, kind="dag",
                       edges=[Edge(source=a, target=b, type="-->") for a, b in G.edges])


def _no_reason(g: CausalGraph, x: str, m: str, y: str, flags: dict[str, int], total: int,
               colliders: Sequence[str]) -> tuple[str, str]:
    """(role, reason) for a variable that is on no directed path from x to y."""
    where = "in the graph" if g.kind == "dag" else "in any DAG the data allow"
    if flags["collider_desc"] == total and flags["m_to_y"] == 0:
        c = colliders[0]
        return "descendant of a collider", (
            f"{m} is an effect of {c}, a common effect (collider) of {x} and {y} ({x} --> {c} <-- {y}), and has"
            f" no directed path to {y}, so it carries none of {x}'s effect; adjusting for it would open a"
            " non-causal path")
    if flags["collider"] == total:
        return "collider", (f"{m} is a common effect (a collider) of {x} and {y} ({x} --> {m} <-- {y}), not on a"
                            f" path from {x} to {y}; adjusting for it would open a non-causal path")
    if flags["y_to_m"] == total:
        return "descendant of the outcome", (f"{m} is an effect of {y} (a directed path {y} → … → {m}), so it"
                                             f" cannot carry {x}'s effect on {y}")
    if flags["m_to_x"] == total:
        return "cause of the treatment", (f"{m} is a cause of {x}, not an effect of it (a directed path {m} → …"
                                          f" → {x}), so it cannot carry {x}'s effect on {y}"
                                          + ("; it confounds them" if flags["m_to_y"] == total else ""))
    if flags["x_to_m"] == 0:
        return "not an effect of the treatment", (f"{x} has no directed path to {m} {where}, so {m} cannot carry"
                                                  f" {x}'s effect on {y}")
    if flags["m_to_y"] == 0:
        return "not a cause of the outcome", (f"{m} has no directed path to {y} {where}, so it cannot carry"
                                              f" {x}'s effect on {y}")
    return "no mediator", (f"no DAG the data allow has both a directed path {x} → … → {m} and one {m} → … → {y}")


__all__ = ["Group", "Structure", "arrow", "structure"]
