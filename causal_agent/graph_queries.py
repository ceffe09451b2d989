"""Causal questions about a graph that respect what the graph does not know.

Every query returns ``yes``/``no``/``uncertain`` with a reason that names the edges or paths.

* **DAG** – read off the graph.
* **CPDAG** – the answer over the Markov equivalence class (see :mod:`causal_agent.graph`): **yes**
  when true in every DAG of the class, **no** when true in none, **uncertain** otherwise. Existence
  of a DAG with given orientations is checked exactly with the Dor–Tarsi extension; "true in every
  DAG" is checked by enumerating only the chain components around the queried variables, with a
  cap; past the cap the answer falls back to **uncertain** and says so.
* **PAG** (FCI) – conservative rules on endpoint marks, in the usual MAG reading (no selection
  bias assumed except where ``---`` appears):

  - ``x --> y``: x is an ancestor of y with no measured mediator → direct cause **yes**;
  - an arrowhead at x (``x <-> y``, ``y --> x``, ``y o-> x``): x is not an ancestor of y → **no**;
  - ``x o-> y``, ``x o-o y``, ``x --- y``: not determined → **uncertain**;
  - ``x <-> y``: no direct cause either way, and an unmeasured common cause → confounder **yes**;
  - any other adjacency in a PAG cannot rule out an unmeasured common cause → confounder at best
    **uncertain**; non-adjacent x, y have no unmeasured *direct* common cause;
  - d-separation uses one MAG of the class (``o->`` read as ``-->``, the ``o-o`` part oriented
    without new colliders, Zhang 2008) and m-separation, which is the same for every MAG of a PAG.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from .errors import GraphError
from .graph import CausalGraph, ClassTooLarge

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

Answer = Literal["yes", "no", "uncertain"]
MAX_UNDIRECTED_AT_TREATMENT = 12  # 2**12 candidate parent sets at most


class QueryAnswer(BaseModel):
    """A three-valued answer with its justification in words."""

    answer: Answer
    reason: str


class ParentSet(BaseModel):
    """One parent set the treatment can have in a DAG of the class, with one such DAG."""

    definite: list[str]  # parents in every DAG of the class (graph order)
    into: list[str]  # undirected neighbours oriented into the treatment here (neighbour order)
    dag: CausalGraph  # a member of the class with exactly these parents

    @property
    def parents(self) -> list[str]:
        return self.definite + self.into


class AdjustmentSets(BaseModel):
    """Back-door adjustment sets for the effect of ``treatment`` on ``outcome``.

    For a CPDAG there is one set per possible parent set of the treatment (IDA): estimate with each
    and report the range rather than silently picking one."""

    treatment: str
    outcome: str
    sets: list[list[str]]
    reason: str
    ambiguous: bool = False  # the class disagrees on the treatment's parents
    no_effect_possible: bool = False  # in some DAG the outcome is a parent of the treatment


# ---------------------------------------------------------------------- helpers
def _pair(g: CausalGraph, x: str, y: str) -> tuple[str, str]:
    x, y = g.resolve(x), g.resolve(y)
    if x == y:
        raise GraphError(f"{x!r} was given as both variables; ask about two different variables")
    return x, y


def _names(items: Iterable[str]) -> str:
    items = list(items)
    return "{" + ", ".join(items) + "}"


def _directed(g: CausalGraph) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in g.edges if e.type == "-->"}


def _over_class(g: CausalGraph, focus: Sequence[str],
                predicate: Callable[[set[tuple[str, str]]], bool]) -> tuple[int, int] | str:
    """(members where predicate holds, members) over the class restricted to the chain components
    around ``focus``; a string (why) when the class is too large to enumerate."""
    try:
        orientations = g.local_orientations(focus)
    except ClassTooLarge as exc:
        return str(exc)
    base = _directed(g)
    return sum(predicate(base | arcs) for arcs in orientations), len(orientations)


def _edge_text(g: CausalGraph, a: str, b: str) -> str:
    e = g.edge_between(a, b)
    return "" if e is None else e.reads(a, b)


def _no_class(g: CausalGraph) -> QueryAnswer | None:
    if g.kind == "cpdag" and g.consistent_extension() is None:
        return QueryAnswer(answer="uncertain", reason="the CPDAG has conflicting orientations: no DAG has its "
                           "skeleton and v-structures, so the class is empty; rediscover or add background knowledge")
    return None


# ---------------------------------------------------------------------- direct cause
def direct_cause(g: CausalGraph, x: str, y: str) -> QueryAnswer:
    """Is x a direct cause of y (``x --> y``)?"""
    x, y = _pair(g, x, y)
    e = g.edge_between(x, y)
    where = "the DAG" if g.kind == "dag" else "any graph of the class"
    if e is None:
        return QueryAnswer(answer="no", reason=f"{x} and {y} are not adjacent, so neither is a direct cause of "
                           f"the other in {where}")
    text = e.reads(x, y)
    if g.kind == "pag":
        return _direct_cause_pag(g, x, y, text)
    if e.type == "-->":
        every = "in the DAG" if g.kind == "dag" else "oriented in every DAG of the class"
        if e.source == x:
            return QueryAnswer(answer="yes", reason=f"{x} --> {y} is {every}")
        return QueryAnswer(answer="no", reason=f"{y} --> {x} is {every}: {y} causes {x}, not the reverse")
    empty = _no_class(g)
    if empty:
        return empty
    fwd = g.consistent_extension([(x, y)]) is not None
    bwd = g.consistent_extension([(y, x)]) is not None
    if fwd and bwd:
        return QueryAnswer(answer="uncertain", reason=f"{text} is undirected: the data cannot tell the direction "
                           f"({x} --> {y} in some DAGs of the class, {y} --> {x} in others)")
    if fwd:
        return QueryAnswer(answer="yes", reason=f"{text} is drawn undirected, but only {x} --> {y} gives a DAG "
                           "of the class (the other way adds a v-structure or a cycle)")
    return QueryAnswer(answer="no", reason=f"{text} is drawn undirected, but only {y} --> {x} gives a DAG "
                       "of the class (the other way adds a v-structure or a cycle)")


def _direct_cause_pag(g: CausalGraph, x: str, y: str, text: str) -> QueryAnswer:
    mx, my = g.mark(x, y), g.mark(y, x)
    if mx == "arrow" and my == "arrow":
        return QueryAnswer(answer="no", reason=f"{text}: an unmeasured common cause, and neither causes the other")
    if mx == "arrow":
        return QueryAnswer(answer="no", reason=f"{text}: the arrowhead at {x} means {x} is not a cause of {y}")
    if mx == "tail" and my == "arrow":
        return QueryAnswer(answer="yes", reason=f"{text}: {x} causes {y} in every MAG of the PAG's class "
                           "(no measured variable mediates)")
    if mx == "tail" and my == "tail":
        return QueryAnswer(answer="uncertain", reason=f"{text} in a PAG signals selection bias; the direction "
                           "is not determined")
    if my == "tail":
        return QueryAnswer(answer="no", reason=f"{text}: the tail at {y} means {y} is a cause of {x}, not the reverse")
    return QueryAnswer(answer="uncertain", reason=f"{text}: the circle mark at {x} is undetermined, so {x} may "
                       f"cause {y} or they may share an unmeasured common cause")


# ---------------------------------------------------------------------- common cause
def shared_confounder(g: CausalGraph, x: str, y: str) -> QueryAnswer:
    """Do x and y have a common CAUSE (a confounder, as the literature means it)?

    z is a common cause of x and y when z has a directed path to x that does not pass through y,
    and a directed path to y that does not pass through x; a grandparent counts. (A common
    *parent* is the narrower :func:`shared_direct_confounder`.) Over a CPDAG: yes in every DAG of
    the class, no in none, uncertain otherwise. Over a PAG only what the marks support."""
    x, y = _pair(g, x, y)
    if g.kind == "pag":
        return _common_cause_pag(g, x, y)
    if g.kind == "cpdag":
        empty = _no_class(g)
        if empty:
            return empty
    definite = _common_causes(_parents_map(g, possible=False), x, y)
    every = "in the DAG" if g.kind == "dag" else "in every DAG of the class (the edges are oriented)"
    if definite:
        return QueryAnswer(answer="yes", reason=_cause_reason(definite, x, y, every, g))
    where = "the DAG" if g.kind == "dag" else "any DAG of the class"
    if g.kind == "dag":
        return QueryAnswer(answer="no", reason=_no_common_cause(g, x, y, where))
    maybe = _parents_map(g, possible=True)
    possible = _common_causes(maybe, x, y)
    if not possible:
        return QueryAnswer(answer="no", reason=_no_common_cause(g, x, y, where))
    ways = _cause_reason(possible, x, y, "along edges the class leaves undirected", g, possible=True)
    focus = {x, y} | _ancestors_avoiding(maybe, x, y) | _ancestors_avoiding(maybe, y, x)
    base = _directed(g)

    def holds(arcs: set[tuple[str, str]]) -> bool:
        return bool(_common_causes(_arcs_parents(g.nodes, arcs), x, y))

    try:
        orientations = g.local_orientations(focus)
    except ClassTooLarge as exc:
        return QueryAnswer(answer="uncertain", reason=f"{ways}; whether every DAG of the class has a common "
                           f"cause could not be checked ({exc})")
    hits = sum(holds(base | arcs) for arcs in orientations)
    total = len(orientations)
    if total and hits == total:
        return QueryAnswer(answer="yes", reason=f"in every one of the {total} orientations of the undirected edges "
                           f"above {x} and {y} some variable is a common cause ({ways})")
    if hits == 0:
        return QueryAnswer(answer="no", reason=f"no DAG of the class gives {x} and {y} a common cause "
                           f"(checked over {total} orientations)")
    return QueryAnswer(answer="uncertain", reason=f"{ways} in some DAGs of the class but not in others "
                       f"({hits} of {total} orientations): the data cannot tell the direction")


def _parents_map(g: CausalGraph, possible: bool) -> dict[str, set[str]]:
    """Each node's parents (``-->`` only), or its possible parents (``-->`` and ``---``) in a CPDAG."""
    pa: dict[str, set[str]] = {n: set() for n in g.nodes}
    for e in g.edges:
        if e.type == "-->":
            pa[e.target].add(e.source)
        elif possible and e.type == "---":
            pa[e.target].add(e.source)
            pa[e.source].add(e.target)
    return pa


def _arcs_parents(nodes: Sequence[str], arcs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    pa: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in arcs:
        pa[b].add(a)
    return pa


def _ancestors_avoiding(pa: dict[str, set[str]], target: str, avoid: str) -> set[str]:
    """Nodes with a (possibly) directed path to ``target`` that does not pass through ``avoid``."""
    seen: set[str] = set()
    stack = [target]
    while stack:
        for p in pa[stack.pop()]:
            if p != avoid and p != target and p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def _path_to(pa: dict[str, set[str]], z: str, target: str, avoid: str) -> list[str]:
    """A shortest (possibly) directed path z ... target avoiding ``avoid`` (breadth-first, backwards)."""
    prev: dict[str, str] = {}
    frontier, seen = [target], {target}
    while frontier:
        nxt: list[str] = []
        for n in frontier:
            for p in sorted(pa[n]):
                if p in seen or p == avoid:
                    continue
                prev[p] = n
                if p == z:
                    path = [z]
                    while path[-1] != target:
                        path.append(prev[path[-1]])
                    return path
                seen.add(p)
                nxt.append(p)
        frontier = nxt
    return []


def _common_causes(pa: dict[str, set[str]], x: str, y: str) -> list[tuple[str, list[str], list[str]]]:
    """(z, path z..x, path z..y) for each common cause z of x and y, nearest first: a node with a
    (possibly) directed path to x avoiding y and one to y avoiding x."""
    found = (_ancestors_avoiding(pa, x, y) & _ancestors_avoiding(pa, y, x)) - {x, y}
    out = [(z, _path_to(pa, z, x, y), _path_to(pa, z, y, x)) for z in found]
    return sorted(out, key=lambda t: (len(t[1]) + len(t[2]), t[0]))


def _arrow_path(path: list[str], g: CausalGraph) -> str:
    parts = [path[0]]
    for a, b in zip(path, path[1:]):
        e = g.edge_between(a, b) if a in g.nodes and b in g.nodes else None
        parts.append(f"{e.type_from(a) if e is not None else '-->'} {b}")
    return " ".join(parts)


def _cause_reason(found: list[tuple[str, list[str], list[str]]], x: str, y: str, how: str,
                  g: CausalGraph, *, possible: bool = False, show: int = 3) -> str:
    """Names the common causes (nearest first) and one path from each to x and to y."""
    shown = "; ".join(_arrow_path([*reversed(px), *py[1:]], g) for _, px, py in found[:show])
    more = f" (and {len(found) - show} more)" if len(found) > show else ""
    names = _names(z for z, _, _ in found[:show])
    if possible:
        verb = "could be a common cause" if len(found) == 1 else "could be common causes"
    else:
        verb = "is a common cause" if len(found) == 1 else "are common causes"
    return (f"{names}{more} {verb} of {x} and {y} {how}: {shown}")


def _no_common_cause(g: CausalGraph, x: str, y: str, where: str) -> str:
    if not g.edges or not (set(g.neighbors(x)) | set(g.neighbors(y))):
        return f"neither {x} nor {y} has any edge, so they share no common cause in {where}"
    return (f"no variable has a directed path to {x} that avoids {y} and one to {y} that avoids {x} in {where}, "
            f"so {x} and {y} share no common cause")


def _common_cause_pag(g: CausalGraph, x: str, y: str) -> QueryAnswer:
    """A PAG: yes for a chain of ``-->`` edges from a measured z to both (or ``x <-> y``); no only
    when x and y are m-separated by the empty set (a common cause, even unmeasured, would open a
    trek between them, under faithfulness); uncertain otherwise."""
    sure: dict[str, set[str]] = {n: set() for n in g.nodes}
    maybe: dict[str, set[str]] = {n: set() for n in g.nodes}
    for e in g.edges:
        for a, b in ((e.source, e.target), (e.target, e.source)):
            ma, mb = g.mark(a, b), g.mark(b, a)
            if ma == "tail" and mb == "arrow":
                sure[b].add(a)
            if ma in ("tail", "circle") and mb in ("arrow", "circle") and not (ma == "tail" and mb == "tail"):
                maybe[b].add(a)
    definite = _common_causes(sure, x, y)
    if definite:
        return QueryAnswer(answer="yes", reason=_cause_reason(definite, x, y, "in every MAG of the PAG's class", g))
    xy = g.edge_between(x, y)
    if xy is not None and xy.type == "<->":
        return QueryAnswer(answer="yes", reason=f"{x} <-> {y}: an unmeasured common cause confounds {x} and {y}")
    if d_separated(g, x, y).answer == "yes":
        return QueryAnswer(answer="no", reason=f"{x} and {y} are m-separated given the empty set in the PAG, so "
                           "no common cause, measured or not, links them")
    possible = _common_causes(maybe, x, y)
    if possible:
        return QueryAnswer(answer="uncertain", reason=_cause_reason(
            possible, x, y, "only through circle marks, which leave the direction open", g, possible=True))
    return QueryAnswer(answer="uncertain", reason=f"{x} and {y} are m-connected and a PAG does not rule out an "
                       f"unmeasured common cause of them, though no measured variable is one")


# ---------------------------------------------------------------------- common parent / child
def shared_direct_confounder(g: CausalGraph, x: str, y: str) -> QueryAnswer:
    """Do x and y have a common PARENT (a direct common cause z --> x, z --> y)?"""
    return _common(g, x, y, into_z=False)


def shared_collider(g: CausalGraph, x: str, y: str) -> QueryAnswer:
    """Do x and y have a common CHILD (x --> z <-- y), the usual meaning of a common effect (collider)?"""
    return _common(g, x, y, into_z=True)


def _arcs(into_z: bool, x: str, y: str, z: str) -> list[tuple[str, str]]:
    return [(x, z), (y, z)] if into_z else [(z, x), (z, y)]


def _common(g: CausalGraph, x: str, y: str, into_z: bool) -> QueryAnswer:
    x, y = _pair(g, x, y)
    role = "common child (collider)" if into_z else "common parent (direct common cause)"
    candidates = [z for z in g.neighbors(x) if z != y and g.adjacent(z, y)]

    def shape(z: str) -> str:
        return f"{x} --> {z} <-- {y}" if into_z else f"{x} <-- {z} --> {y}"

    def current(z: str) -> str:
        return f"{_edge_text(g, x, z)}, {_edge_text(g, z, y)}"

    if g.kind == "pag":
        return _common_pag(g, x, y, into_z, candidates, role, shape, current)
    definite = [z for z in candidates if all(g.has_edge(a, b, "-->") for a, b in _arcs(into_z, x, y, z))]
    every = "in the DAG" if g.kind == "dag" else "oriented in every DAG of the class"
    if definite:
        return QueryAnswer(answer="yes", reason="; ".join(f"{shape(z)} is {every}" for z in definite)
                           + f": {_names(definite)} {'is a' if len(definite) == 1 else 'are'} {role}")
    if not candidates:
        return QueryAnswer(answer="no", reason=f"no variable is adjacent to both {x} and {y}, so they have no {role}")
    if g.kind == "dag":
        return QueryAnswer(answer="no", reason=f"none of their common neighbours {_names(candidates)} is a {role} "
                           f"in the DAG ({'; '.join(current(z) for z in candidates)})")
    empty = _no_class(g)
    if empty:
        return empty
    possible = [z for z in candidates if g.consistent_extension(_arcs(into_z, x, y, z)) is not None]
    if not possible:
        return QueryAnswer(answer="no", reason=f"no DAG of the class makes {_names(candidates)} a {role} of {x} "
                           f"and {y} ({'; '.join(current(z) for z in candidates)})")
    ways = "; ".join(f"{current(z)} can be oriented as {shape(z)}" for z in possible)
    counted = _over_class(g, [x, y], lambda arcs: any(set(_arcs(into_z, x, y, z)) <= arcs for z in possible))
    if isinstance(counted, str):
        return QueryAnswer(answer="uncertain", reason=f"{ways} in some DAGs of the class; whether every DAG has "
                           f"one could not be checked ({counted})")
    hits, total = counted
    if total and hits == total:
        return QueryAnswer(answer="yes", reason=f"every one of the {total} orientations of the undirected edges "
                           f"around {x} and {y} makes one of {_names(possible)} a {role} ({ways})")
    if hits == 0:
        return QueryAnswer(answer="no", reason=f"no DAG of the class makes {_names(possible)} a {role} of {x} and {y}")
    return QueryAnswer(answer="uncertain", reason=f"{ways} in some DAGs of the class but not in others "
                       f"({hits} of {total} local orientations): the data cannot tell the direction")


def _common_pag(g: CausalGraph, x: str, y: str, into_z: bool, candidates: list[str], role: str,
                shape: Callable[[str], str], current: Callable[[str], str]) -> QueryAnswer:
    # "a causes b" needs a tail-or-circle at a and an arrowhead-or-circle at b; definite is tail + arrow
    def status(a: str, b: str) -> str:
        ma, mb = g.mark(a, b), g.mark(b, a)
        if ma == "tail" and mb == "arrow":
            return "definite"
        if ma in ("tail", "circle") and mb in ("arrow", "circle") and not (ma == "tail" and mb == "tail"):
            return "possible"
        return "impossible"

    per_z = {z: [status(a, b) for a, b in _arcs(into_z, x, y, z)] for z in candidates}
    definite = [z for z, s in per_z.items() if s == ["definite", "definite"]]
    possible = [z for z, s in per_z.items() if "impossible" not in s and z not in definite]
    xy = g.edge_between(x, y)
    if definite:
        return QueryAnswer(answer="yes", reason="; ".join(f"{current(z)} in the PAG" for z in definite)
                           + f": {_names(definite)} is a {role} in every MAG of the class")
    if not into_z and xy is not None and xy.type == "<->":
        return QueryAnswer(answer="yes", reason=f"{x} <-> {y}: an unmeasured common cause confounds {x} and {y}")
    if possible:
        return QueryAnswer(answer="uncertain", reason="; ".join(current(z) for z in possible)
                           + f": circle marks leave open whether {_names(possible)} is a {role}")
    if not into_z and xy is not None:
        return QueryAnswer(answer="uncertain", reason=f"{xy.reads(x, y)} in a PAG does not rule out an unmeasured "
                           f"common cause of {x} and {y}, and no measured variable is a common parent")
    why = f"common neighbours {_names(candidates)} have the wrong marks" if candidates else \
        f"no variable is adjacent to both {x} and {y}"
    return QueryAnswer(answer="no", reason=f"{why}, so {x} and {y} have no {role} in any MAG of the class")


# ---------------------------------------------------------------------- d-separation
def d_separated(g: CausalGraph, x: str, y: str, z: Iterable[str] = ()) -> QueryAnswer:
    """Are x and y d-separated (m-separated for a PAG) given the set z?"""
    import networkx as nx

    x, y = _pair(g, x, y)
    given = [g.resolve(v) for v in z]
    for v in (x, y):
        if v in given:
            raise GraphError(f"{v!r} is both queried and in the conditioning set; remove it from 'given'")
    gset = set(given)
    zs = _names(given) if given else "the empty set"
    extra: set[str] = set()
    if g.kind == "dag":
        G, where = g.to_networkx(), "in the DAG"
    elif g.kind == "cpdag":
        dag = g.consistent_extension()
        if dag is None:
            return _no_class(g) or QueryAnswer(answer="uncertain", reason="the CPDAG has no consistent DAG")
        G, where = dag.to_networkx(), "in every DAG of the class (Markov-equivalent DAGs share d-separations)"
    else:
        built = _pag_canonical_dag(g)
        if built is None:
            return QueryAnswer(answer="uncertain", reason="the PAG's circle edges cannot be oriented without a new "
                               "collider, so no MAG of its class could be built")
        G, extra = built
        where = "in every MAG of the PAG's class (they share m-separations)"
    separated = nx.is_d_separator(G, {x}, {y}, gset | extra)
    if separated:
        return QueryAnswer(answer="yes", reason=f"every path between {x} and {y} is blocked given {zs} {where}")
    path = _open_path(g, G, x, y, gset | extra)
    via = f": the path {path} is open" if path else ""
    return QueryAnswer(answer="no", reason=f"{x} and {y} are d-connected given {zs} {where}{via}")


def _pag_canonical_dag(g: CausalGraph) -> tuple[nx.DiGraph, set[str]] | None:
    """One MAG of the PAG (Zhang 2008: ``o->`` as ``-->``, the ``o-o`` part as a DAG with no new
    unshielded collider) as its canonical DAG: ``<->`` gets a latent parent, ``---`` a selection
    child that joins the conditioning set. Returns (DAG, selection nodes) or None."""
    import networkx as nx

    from .graph import Edge

    circle = CausalGraph(nodes=g.nodes, kind="cpdag",
                         edges=[Edge(source=e.source, target=e.target, type="---") for e in g.edges if e.type == "o-o"])
    oriented = circle.consistent_extension()
    if oriented is None:
        return None
    G = nx.DiGraph()
    G.add_nodes_from(g.nodes)
    selection: set[str] = set()
    for e in g.edges:
        if e.type in ("-->", "o->"):
            G.add_edge(e.source, e.target)
        elif e.type == "<->":
            latent = f"[latent {e.source}~{e.target}]"
            G.add_edge(latent, e.source)
            G.add_edge(latent, e.target)
        elif e.type == "---":
            sel = f"[selection {e.source}~{e.target}]"
            G.add_edge(e.source, sel)
            G.add_edge(e.target, sel)
            selection.add(sel)
    G.add_edges_from((e.source, e.target) for e in oriented.edges)
    if not nx.is_directed_acyclic_graph(G):
        return None
    return G, selection


def _open_path(g: CausalGraph, G: nx.DiGraph, x: str, y: str, given: set[str], cutoff: int = 8,
               max_paths: int = 500) -> str | None:
    """A path between x and y that is open given ``given`` in ``G`` (one DAG/MAG of ``g``'s class),
    written with ``g``'s own marks so undirected edges stay undirected in the reason; or None."""
    import networkx as nx

    U = G.to_undirected(as_view=True)
    for k, path in enumerate(nx.all_simple_paths(U, x, y, cutoff=cutoff)):
        if k >= max_paths:
            return None
        ok = True
        for a, m, b in zip(path, path[1:], path[2:]):
            collider = G.has_edge(a, m) and G.has_edge(b, m)
            if collider and not ({m} | nx.descendants(G, m)) & given:
                ok = False
            if not collider and m in given:
                ok = False
            if not ok:
                break
        if ok:
            parts = [path[0]]
            for a, b in zip(path, path[1:]):
                e = g.edge_between(a, b) if a in g.nodes and b in g.nodes else None
                mark = e.type_from(a) if e is not None else ("-->" if G.has_edge(a, b) else "<--")
                parts.append(f"{mark} {b}")
            return " ".join(parts)
    return None


# ---------------------------------------------------------------------- adjustment
def adjustment_sets(g: CausalGraph, treatment: str, outcome: str) -> list[list[str]]:
    """Valid back-door adjustment sets (see :func:`adjustment_report`)."""
    return adjustment_report(g, treatment, outcome).sets


def adjustment_report(g: CausalGraph, treatment: str, outcome: str) -> AdjustmentSets:
    """Back-door sets for the effect of ``treatment`` on ``outcome``.

    DAG: the parents of the treatment (valid unless the outcome is one of them) and the minimal
    back-door set found by networkx in the graph without the treatment's out-edges. CPDAG: one set
    per parent set the treatment can have in a DAG of the class (IDA; each is checked to extend to
    a DAG). PAG: not supported (GraphError)."""
    t, y = _pair(g, treatment, outcome)
    if g.kind == "pag":
        raise GraphError("adjustment sets need a DAG or CPDAG, but this graph is a PAG (FCI); use a PC/GES "
                         "graph or name the confounders yourself")
    if g.kind == "dag":
        return _adjustment_dag(g, t, y)
    if g.consistent_extension() is None:
        return AdjustmentSets(treatment=t, outcome=y, sets=[], reason=_no_class(g).reason)  # type: ignore[union-attr]
    fixed = g.parents(t)
    und = g.undirected_neighbors(t)
    order = {n: i for i, n in enumerate(g.nodes)}
    parent_sets = [sorted(set(p.parents), key=order.__getitem__) for p in possible_parent_sets(g, t)]
    no_effect = any(y in P for P in parent_sets)
    sets = [P for P in parent_sets if y not in P]
    undirected = ", ".join(f"{t} --- {u}" for u in und)
    if not und:
        reason = (f"{t} has the same parents {_names(fixed)} in every DAG of the class; adjusting for them "
                  "blocks every back-door path") if y not in fixed else \
            f"{y} --> {t} in every DAG of the class: {t} has no causal effect on {y}"
    elif len(parent_sets) == 1:
        reason = (f"although {undirected} {'is' if len(und) == 1 else 'are'} undirected, only one parent set "
                  f"{_names(parent_sets[0])} of {t} is possible in the class")
    else:
        reason = (f"{undirected} {'is' if len(und) == 1 else 'are'} undirected, so the parents of {t} differ "
                  f"across the class; each possible parent set is listed (IDA): estimate with each and report "
                  "the range")
    if no_effect:
        reason += f"; in some DAGs of the class {y} is a parent of {t}, where {t} has no effect on {y}"
    return AdjustmentSets(treatment=t, outcome=y, sets=sets, reason=reason,
                          ambiguous=len(parent_sets) > 1, no_effect_possible=no_effect)


def possible_parent_sets(
    g: CausalGraph, t: str, *, where: str = "",
    fix: str = "orient some edges with background knowledge",
) -> list[ParentSet]:
    """IDA (Maathuis, Kalisch & Bühlmann 2009): every parent set ``t`` has in some DAG of the
    class of the DAG/CPDAG ``g``, the definite parents only (every undirected edge at ``t`` pointing
    away) first. Each candidate is checked exactly with the Dor–Tarsi extension, which also yields
    the member DAG an estimator needs; [] when the class is empty (conflicting orientations).

    The one enumeration behind both ``adjustment_report`` and the effect estimates, so the sets an
    adjustment question lists are exactly the ones an effect's range is taken over. ``where``
    ("in graph clinic:pc") and ``fix`` word the error past MAX_UNDIRECTED_AT_TREATMENT."""
    definite = g.parents(t)
    und = g.undirected_neighbors(t)
    if len(und) > MAX_UNDIRECTED_AT_TREATMENT:
        raise GraphError(f"{t} has {len(und)} undirected edges{where}, too many possible parent sets to list"
                         f" (limit {MAX_UNDIRECTED_AT_TREATMENT}); {fix}")
    if not und and g.kind == "dag":
        return [ParentSet(definite=definite, into=[], dag=g)]
    out: list[ParentSet] = []
    for r in range(len(und) + 1):
        for S in itertools.combinations(und, r):
            # Cheap pre-checks of what consistent_extension rejects anyway: a new parent of t that is
            # not adjacent to another parent of t would form a v-structure at t.
            if any(not g.adjacent(a, b) for a, b in itertools.combinations([*definite, *S], 2)
                   if a in S or b in S):
                continue
            forced = [(s, t) for s in S] + [(t, u) for u in und if u not in S]
            dag = g.consistent_extension(forced)
            if dag is not None:
                out.append(ParentSet(definite=definite, into=list(S), dag=dag))
    return out


def _adjustment_dag(g: CausalGraph, t: str, y: str) -> AdjustmentSets:
    import networkx as nx

    order = {n: i for i, n in enumerate(g.nodes)}
    G = g.to_networkx()
    pa = g.parents(t)
    sets: list[list[str]] = []
    reasons: list[str] = []
    if y in pa:
        return AdjustmentSets(treatment=t, outcome=y, sets=[], no_effect_possible=True,
                              reason=f"{y} --> {t} is in the DAG: {t} has no causal effect on {y}")
    sets.append(list(pa))
    reasons.append(f"the parents of {t} {_names(pa)} block every back-door path")
    back = G.copy()
    back.remove_edges_from(list(G.out_edges(t)))
    restricted = set(g.nodes) - nx.descendants(G, t) - {t, y}
    minimal = nx.find_minimal_d_separator(back, {t}, {y}, restricted=restricted)
    if minimal is not None:
        m = sorted(minimal, key=order.__getitem__)
        if m not in sets:
            sets.append(m)
            reasons.append(f"a minimal back-door set is {_names(m)}")
    if y not in nx.descendants(G, t):
        reasons.append(f"{t} is not an ancestor of {y}, so its effect on {y} is zero")
    return AdjustmentSets(treatment=t, outcome=y, sets=sets, reason="; ".join(reasons))
