"""Causal questions about a graph that respect what the graph does not know.

Every query returns ``yes``/``no``/``uncertain`` with a reason that names the edges or paths.
Edge questions (direct cause, common cause, common parent / child, d-separation, adjustment sets)
and path questions (the causes or effects of a variable, total causation, why two variables are
associated, the role of a third one: :func:`relatives`, :func:`total_cause`,
:func:`explain_association`, :func:`adjustment_role`) share the semantics below.

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


# ---------------------------------------------------------------------- paths over the class
# Causes and effects of one variable, total causation, why two variables are associated and the
# role of a third one. Each is answered in every DAG of the class the query needs (the chain
# components that can carry the paths in question, enumerated with ``local_orientations``), so
# "yes" is true in every DAG the data cannot tell apart, "no" in none, "uncertain" otherwise.
# Over a PAG only what the marks support: a chain of ``-->`` edges is a causal path, no possibly
# directed path means none.
Verdict4 = Literal["yes", "no", "partly", "uncertain"]
MAX_PATHS = 5000  # simple paths between two variables examined for the role of a third
ROLES = ("mediator", "collider", "descendant of a collider", "descendant of the treatment", "confounder",
         "confounder and collider", "none")
STATUS = {"yes": "definitely", "uncertain": "possibly", "no": "definitely not"}


class Relative(BaseModel):
    """One variable's answer to "is it a cause (an effect) of the target?", with a path."""

    variable: str
    answer: Answer  # yes: in every DAG of the class; no: in none; uncertain: in some
    path: str = ""  # a (possibly) directed path, written with the graph's marks
    share: str = ""  # "in 2 of 3 DAGs of the class" when the class decides it by enumeration

    @property
    def status(self) -> str:
        return STATUS[self.answer]


class Relatives(BaseModel):
    """The causes (ancestors, or parents when ``direct``) or effects (descendants, or children) of
    ``target``: every other variable with its answer, definitely ones first."""

    target: str
    direction: Literal["causes", "effects"]
    direct: bool
    relatives: list[Relative]
    reason: str

    def of(self, answer: str) -> list[str]:
        return [r.variable for r in self.relatives if r.answer == answer]


class PathAnswer(QueryAnswer):
    """A yes/no/uncertain answer with the paths it rests on (written with the graph's marks)."""

    paths: list[str] = []


class AssociationPath(BaseModel):
    """One path between the pair: what it is in the DAGs of the class and whether it is open."""

    path: str
    kinds: list[str]  # "causal chain a -> b", "causal chain b -> a", "confounding", "blocked at z" …
    open: Answer  # open (given nothing) in every / no / some DAG of the class


class AssociationReport(BaseModel):
    """Why a and b are associated, and whether the association is causal: ``yes`` (only causal
    paths are open), ``partly`` (causal and confounding paths), ``no`` (only confounding, or no
    association at all: ``associated`` false), ``uncertain`` (the class disagrees)."""

    a: str
    b: str
    answer: Verdict4
    associated: bool | None  # None: the PAG leaves it open (never: d-connection is class-invariant)
    paths: list[AssociationPath]
    reason: str
    labels: dict[str, int] = {}  # per-DAG answer -> how many DAGs of the class give it


class RoleReport(BaseModel):
    """The role of ``variable`` on the paths between ``treatment`` and ``outcome``, and whether to
    adjust for it when estimating the treatment's effect (``answer``)."""

    treatment: str
    outcome: str
    variable: str
    role: str  # one of ROLES, or "uncertain" when the DAGs of the class disagree
    roles: dict[str, int]  # role -> DAGs of the class that give it
    answer: Answer  # adjust for it? yes / no / uncertain
    reason: str
    sets: list[list[str]] = []  # valid back-door sets (adjustment_report), when they can be listed


def _possible_maps(g: CausalGraph) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(possible parents, possible children): ``-->`` one way, ``---`` both; over a PAG every edge
    with no arrowhead at its start (``o->``, ``o-o``, ``-->``, ``---``)."""
    pa: dict[str, set[str]] = {n: set() for n in g.nodes}
    ch: dict[str, set[str]] = {n: set() for n in g.nodes}
    for e in g.edges:
        for a, b in ((e.source, e.target), (e.target, e.source)):
            if g.kind == "pag":
                ok = g.mark(a, b) != "arrow"
            else:
                ok = e.type == "---" or (e.type == "-->" and e.source == a)
            if ok:
                pa[b].add(a)
                ch[a].add(b)
    return pa, ch


def _sure_maps(g: CausalGraph) -> dict[str, set[str]]:
    """Definite parents: ``-->`` edges (over a PAG a tail at the start and an arrowhead at the end)."""
    pa: dict[str, set[str]] = {n: set() for n in g.nodes}
    for e in g.edges:
        if e.type == "-->":
            pa[e.target].add(e.source)
    return pa


def _reach(step: dict[str, set[str]], start: str) -> set[str]:
    """Nodes reached from ``start`` along ``step`` (not ``start`` itself unless on a cycle)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        for n in step[stack.pop()]:
            if n not in seen:
                seen.add(n)
                stack.append(n)
    seen.discard(start)
    return seen


def _members(g: CausalGraph, focus: Iterable[str]) -> list[set[tuple[str, str]]] | str:
    """The DAGs of a DAG's / CPDAG's class that differ on the chain components touching ``focus``,
    as arc sets (directed edges plus one orientation of those components; other undirected
    edges are left out, which the callers' questions never need); a string saying why when the
    class is too large to enumerate or empty."""
    base = _directed(g)
    if g.kind == "dag" or not any(e.type == "---" for e in g.edges):
        return [base]
    if g.consistent_extension() is None:
        return _no_class(g).reason  # type: ignore[union-attr]
    focus = [n for n in focus if g.undirected_neighbors(n)]
    if not focus:
        return [base]
    try:
        return [base | arcs for arcs in g.local_orientations(focus)]
    except ClassTooLarge as exc:
        return str(exc)


def _path_text(g: CausalGraph, path: Sequence[str], arcs: set[tuple[str, str]] | None = None) -> str:
    """``a --> b --- c`` with the graph's marks, or with the arrows of one member DAG (``arcs``)."""
    parts = [path[0]]
    for a, b in zip(path, path[1:]):
        if arcs is not None:
            parts.append(f"{'-->' if (a, b) in arcs else '<--'} {b}")
        else:
            e = g.edge_between(a, b)
            parts.append(f"{e.type_from(a) if e is not None else '-->'} {b}")
    return " ".join(parts)


def _shortest_paths(step: dict[str, set[str]], src: str, dst: str, k: int = 3) -> list[list[str]]:
    """Up to ``k`` shortest simple paths src -> dst along ``step`` (networkx's Yen enumeration)."""
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(step)
    G.add_edges_from((a, b) for a, bs in step.items() for b in bs)
    if src not in G or dst not in G or not nx.has_path(G, src, dst):
        return []
    out: list[list[str]] = []
    for p in nx.shortest_simple_paths(G, src, dst):
        out.append(p)
        if len(out) >= k:
            break
    return out


def _share(hits: int, total: int) -> str:
    return f"in {hits} of {total} DAGs of the class" if total > 1 else ""


def relatives(g: CausalGraph, target: str, direction: Literal["causes", "effects"] = "causes",
              direct: bool = False) -> Relatives:
    """Every other variable as a cause (``causes``: an ancestor; ``direct``: a parent) or an effect
    (``effects``: a descendant; ``direct``: a child) of ``target``, yes / no / uncertain over the
    class, with a path for each yes and uncertain. ``direct`` reuses :func:`direct_cause` per
    neighbour, so "the parents of y" and "is x a direct cause of y?" never disagree."""
    t = g.resolve(target)
    others = [n for n in g.nodes if n != t]
    word = "cause" if direction == "causes" else "effect"
    rows: list[Relative] = []
    if direct:
        for n in others:
            src, dst = (n, t) if direction == "causes" else (t, n)
            qa = direct_cause(g, src, dst)
            e = g.edge_between(src, dst)
            rows.append(Relative(variable=n, answer=qa.answer, path=e.reads(src, dst) if e is not None else ""))
        reason = (f"the direct {word}s of {t} are its {'parents' if direction == 'causes' else 'children'}: each "
                  f"neighbour's edge read over every DAG of the class")
        return Relatives(target=t, direction=direction, direct=True, relatives=_ordered(rows), reason=reason)
    pa, ch = _possible_maps(g)
    sure = _sure_maps(g)
    sure_ch: dict[str, set[str]] = {n: set() for n in g.nodes}
    for b, ps in sure.items():
        for a in ps:
            sure_ch[a].add(b)
    back, fwd = (pa, ch) if direction == "causes" else (ch, pa)
    possible = _reach(back, t)  # possible ancestors (descendants) of t
    definite = _reach(sure if direction == "causes" else sure_ch, t)
    counts: dict[str, int] = {}
    total = 1
    undecided = [n for n in possible if n not in definite]
    note = ""
    if undecided and g.kind != "pag":
        members = _members(g, [t, *possible])
        if isinstance(members, str):
            note = f"; whether {', '.join(sorted(undecided))} {'is' if len(undecided) == 1 else 'are'} a {word} in " \
                   f"every DAG of the class could not be checked ({members})"
        else:
            total = len(members)
            for arcs in members:
                parents = _arcs_parents(g.nodes, arcs)
                if direction == "causes":
                    found = _reach(parents, t)
                else:
                    found = _reach(_children_of(parents), t)
                for n in found:
                    counts[n] = counts.get(n, 0) + 1
    for n in others:
        src, dst = (n, t) if direction == "causes" else (t, n)
        if n in definite:
            path = _shortest_paths(sure if direction == "causes" else sure_ch, t, n)
            shown = _path_text(g, list(reversed(path[0])) if direction == "causes" else path[0]) if path else ""
            rows.append(Relative(variable=n, answer="yes", path=shown))
        elif n not in possible:
            rows.append(Relative(variable=n, answer="no"))
        else:
            path = _shortest_paths(ch, src, dst)
            shown = _path_text(g, path[0]) if path else ""
            hits = counts.get(n)
            if g.kind == "pag" or hits is None or note:
                rows.append(Relative(variable=n, answer="uncertain", path=shown))
            elif hits == total:
                rows.append(Relative(variable=n, answer="yes", path=shown, share=_share(hits, total)))
            elif hits == 0:
                rows.append(Relative(variable=n, answer="no", share=_share(hits, total)))
            else:
                rows.append(Relative(variable=n, answer="uncertain", path=shown, share=_share(hits, total)))
    what = "ancestors" if direction == "causes" else "descendants"
    if g.kind == "dag":
        reason = f"the {word}s of {t} are its {what} in the DAG"
    elif g.kind == "pag":
        reason = (f"the {word}s of {t} are its {what}: definitely along chains of --> edges, possibly along paths "
                  f"whose circle marks leave the direction open, definitely not where no path can point "
                  f"{'into' if direction == 'causes' else 'out of'} {t}")
    else:
        reason = (f"the {word}s of {t} are its {what} in the DAGs the data cannot tell apart: definitely when in "
                  f"every one, possibly when in some ({total} DAG{'s' if total != 1 else ''} enumerated)")
    return Relatives(target=t, direction=direction, direct=False, relatives=_ordered(rows), reason=reason + note)


def _ordered(rows: list[Relative]) -> list[Relative]:
    rank = {"yes": 0, "uncertain": 1, "no": 2}
    return sorted(rows, key=lambda r: rank[r.answer])


def _children_of(parents: dict[str, set[str]]) -> dict[str, set[str]]:
    ch: dict[str, set[str]] = {n: set() for n in parents}
    for b, ps in parents.items():
        for a in ps:
            ch.setdefault(a, set()).add(b)
    return ch


def total_cause(g: CausalGraph, x: str, y: str) -> PathAnswer:
    """Is x a cause of y at all (a directed path x -> ... -> y, any length)? yes in every DAG of
    the class, no in none, uncertain otherwise; the reason names the paths. A direct edge is
    :func:`direct_cause`'s question."""
    x, y = _pair(g, x, y)
    pa, ch = _possible_maps(g)
    sure = _sure_maps(g)
    sure_paths = _shortest_paths(_children_of(sure), x, y)
    tail = f" (whether {x} causes {y} directly, through an edge of its own, is the direct-cause question)"
    if sure_paths:
        shown = [_path_text(g, p) for p in sure_paths]
        where = "in the DAG" if g.kind == "dag" else "in every DAG of the class" if g.kind == "cpdag" \
            else "in every MAG of the PAG's class"
        return PathAnswer(answer="yes", reason=f"{x} causes {y} through the directed path {shown[0]} {where}"
                          + (f" (and {len(shown) - 1} more shown)" if len(shown) > 1 else "") + tail, paths=shown)
    maybe = _shortest_paths(ch, x, y)
    if not maybe:
        back = _shortest_paths(ch, y, x)
        why = f"; {y} may cause {x} instead ({_path_text(g, back[0])})" if back else ""
        where = "the DAG" if g.kind == "dag" else "any DAG of the class" if g.kind == "cpdag" else \
            "any MAG of the PAG's class"
        return PathAnswer(answer="no", reason=f"no directed path leads from {x} to {y} in {where}, so {x} is not a "
                          f"cause of {y}{why}", paths=[])
    shown = [_path_text(g, p) for p in maybe]
    if g.kind == "pag":
        return PathAnswer(answer="uncertain", reason=f"{shown[0]} could be a causal path from {x} to {y}, but its "
                          f"circle marks leave the direction open" + tail, paths=shown)
    between = (_reach(ch, x) | {x}) & (_reach(pa, y) | {y})
    members = _members(g, between)
    if isinstance(members, str):
        return PathAnswer(answer="uncertain", reason=f"{shown[0]} could be a causal path; whether every DAG of the "
                          f"class has one could not be checked ({members})", paths=shown)
    hits = sum(y in _reach(_children_of(_arcs_parents(g.nodes, arcs)), x) for arcs in members)
    total = len(members)
    if hits == total:
        return PathAnswer(answer="yes", reason=f"every one of the {total} DAGs of the class has a directed path from "
                          f"{x} to {y} (e.g. along {shown[0]}), though no single one is oriented in all" + tail,
                          paths=shown)
    if hits == 0:
        return PathAnswer(answer="no", reason=f"none of the {total} DAGs of the class has a directed path from {x} to "
                          f"{y} ({shown[0]} cannot be oriented that way)", paths=[])
    return PathAnswer(answer="uncertain", reason=f"{shown[0]} is a causal path from {x} to {y} in {hits} of the "
                      f"{total} DAGs of the class but not in the others: the data cannot tell the direction" + tail,
                      paths=shown)


# ---------------------------------------------------------------------- why associated
def _latent_parents(g: CausalGraph, arcs: set[tuple[str, str]]) -> dict[str, set[str]]:
    """Parents of one member DAG, with a latent parent for each ``<->`` edge of a PAG."""
    pa = _arcs_parents(g.nodes, arcs)
    for e in g.edges:
        if e.type == "<->":
            latent = f"[latent {e.source}~{e.target}]"
            pa[latent] = set()
            pa[e.source].add(latent)
            pa[e.target].add(latent)
    return pa


def _association_label(parents: dict[str, set[str]], a: str, b: str) -> str:
    """One DAG: 'yes' (causal paths only), 'partly', 'no' (confounding only) or 'none'."""
    children = _children_of(parents)
    causal = b in _reach(children, a) or a in _reach(children, b)
    confounded = bool((_ancestors_avoiding(parents, a, b) & _ancestors_avoiding(parents, b, a)) - {a, b})
    if causal and confounded:
        return "partly"
    if causal:
        return "yes"
    return "no" if confounded else "none"


def explain_association(g: CausalGraph, a: str, b: str, max_paths: int = 30) -> AssociationReport:
    """Why a and b are associated (given nothing): the open paths between them, as causal chains
    (one causes the other) and confounding (a common cause, latent ones of a PAG's ``<->``
    included), colliders blocking the rest; and whether the association is causal."""
    a, b = _pair(g, a, b)
    if g.kind == "pag":
        return _association_pag(g, a, b, max_paths)
    pa, _ = _possible_maps(g)
    listed = _skeleton_paths(g, a, b, max_paths)
    focus = {a, b} | _reach(pa, a) | _reach(pa, b) | {n for p in listed for n in p}
    members = _members(g, focus)
    if isinstance(members, str):
        return AssociationReport(a=a, b=b, answer="uncertain", associated=None, paths=[],
                                 reason=f"the DAGs of the class could not be enumerated ({members})")
    labels: dict[str, int] = {}
    for arcs in members:
        lab = _association_label(_arcs_parents(g.nodes, arcs), a, b)
        labels[lab] = labels.get(lab, 0) + 1
    paths = _classify_paths(g, members, listed)
    shown = "; ".join(f"{p.path} ({', '.join(p.kinds)})" for p in paths if p.open != "no")
    total = len(members)
    if set(labels) == {"none"}:
        blocked = [p.path for p in paths]
        why = f": every path is blocked by a collider ({'; '.join(blocked[:3])})" if blocked else \
            ": no path joins them"
        return AssociationReport(a=a, b=b, answer="no", associated=False, paths=paths, labels=labels,
                                 reason=f"{a} and {b} are not associated in the causal graph (d-separated given "
                                 f"nothing){why}, so there is no association to be causal")
    if len(labels) == 1:
        label = next(iter(labels))
        meaning = {"yes": "only causal paths are open, so the association is causal",
                   "partly": "causal and confounding paths are both open, so the association is partly causal "
                             "and partly confounding",
                   "no": "only confounding paths are open, so the association is not causal"}[label]
        where = "in the DAG" if g.kind == "dag" else f"in every one of the {total} DAGs of the class" \
            if total > 1 else "in every DAG of the class"
        return AssociationReport(a=a, b=b, answer=label, associated=True, paths=paths, labels=labels,  # type: ignore[arg-type]
                                 reason=f"{meaning} {where}: {shown}")
    split = ", ".join(f"{_LABEL_WORDS[k]} in {v}" for k, v in sorted(labels.items()))
    return AssociationReport(a=a, b=b, answer="uncertain", associated=True, paths=paths, labels=labels,
                             reason=f"the DAGs of the class disagree ({split} of {total}): undirected edges "
                             f"leave open which paths are causal ({shown})")


_LABEL_WORDS = {"yes": "causal", "partly": "partly causal", "no": "confounding only", "none": "not associated"}


def _skeleton_paths(g: CausalGraph, a: str, b: str, max_paths: int) -> list[list[str]]:
    """The ``max_paths`` shortest simple paths between a and b in the skeleton."""
    import networkx as nx

    U = nx.Graph()
    U.add_nodes_from(g.nodes)
    U.add_edges_from((e.source, e.target) for e in g.edges)
    if not nx.has_path(U, a, b):
        return []
    return list(itertools.islice(nx.shortest_simple_paths(U, a, b), max_paths))


def _classify_paths(g: CausalGraph, members: list[set[tuple[str, str]]],
                    listed: list[list[str]]) -> list[AssociationPath]:
    """What each listed path is in the DAGs of the class (``members`` orient all its edges)."""
    out: list[AssociationPath] = []
    for path in listed:
        kinds: list[str] = []
        opened = 0
        for arcs in members:
            kind = _path_kind(path, arcs)
            opened += not kind.startswith("blocked")
            if kind not in kinds:
                kinds.append(kind)
        state: Answer = "yes" if opened == len(members) else "no" if opened == 0 else "uncertain"
        out.append(AssociationPath(path=_path_text(g, path), kinds=kinds, open=state))
    return out


def _path_kind(path: Sequence[str], arcs: set[tuple[str, str]]) -> str:
    """What one path is in one DAG: a causal chain, confounding (a fork), or blocked at a collider."""
    a, b = path[0], path[-1]
    steps = [(u, v) in arcs for u, v in zip(path, path[1:])]  # True: points towards b
    for k in range(1, len(path) - 1):
        if steps[k - 1] and not steps[k]:
            return f"blocked at collider {path[k]}"
    if all(steps):
        return f"causal chain {a} -> {b}"
    if not any(steps):
        return f"causal chain {b} -> {a}"
    fork = next(path[k] for k in range(1, len(path) - 1) if not steps[k - 1] and steps[k])
    return f"confounding via {fork}"


def _association_pag(g: CausalGraph, a: str, b: str, max_paths: int) -> AssociationReport:
    """A PAG cannot rule out unmeasured confounding of a pair it leaves connected: yes/partly are
    never claimed; 'no' when the pair is m-separated or no possibly directed path joins them."""
    sep = d_separated(g, a, b)
    if sep.answer == "yes":
        return AssociationReport(a=a, b=b, answer="no", associated=False, paths=[],
                                 reason=f"{a} and {b} are m-separated given nothing in the PAG: not associated, so "
                                 "there is no association to be causal")
    _, ch = _possible_maps(g)
    ab, ba = _shortest_paths(ch, a, b), _shortest_paths(ch, b, a)
    if not ab and not ba:
        return AssociationReport(a=a, b=b, answer="no", associated=True, paths=[],
                                 reason=f"no possibly directed path joins {a} and {b} either way in the PAG, so "
                                 f"their association is not causal: it comes from common causes, measured or not "
                                 f"({sep.reason})")
    shown = _path_text(g, (ab or ba)[0])
    return AssociationReport(a=a, b=b, answer="uncertain", associated=True, paths=[
        AssociationPath(path=shown, kinds=["possibly causal"], open="uncertain")],
        reason=f"{shown} may be causal, but a PAG (latent confounders allowed) cannot rule out an unmeasured "
        f"common cause of {a} and {b}, so how much of the association is causal is not identified")


# ---------------------------------------------------------------------- the role of a third variable
def adjustment_role(g: CausalGraph, treatment: str, outcome: str, variable: str) -> RoleReport:
    """The role of ``variable`` (z) on the paths between treatment x and outcome y, and whether to
    adjust for z when estimating x's effect on y. In one DAG (first that applies):

    * **mediator**: z on a directed path x -> ... -> z -> ... -> y (no: adjusting removes part of
      the effect);
    * **confounder and collider**: z blocks an open back-door path and is a collider on another
      (yes only together with a set that closes what z opens; no if no valid set contains z);
    * **collider**: z is the only collider on some path between x and y (no: adjusting for z
      opens that path);
    * **descendant of a collider**: of the only collider on such a path (no, for the same reason);
    * **descendant of the treatment** (no: post-treatment);
    * **confounder**: z is a non-collider on an open back-door path x <- ... y (yes: adjusting
      blocks it);
    * **none**: on no such path (no: not needed).

    Over a CPDAG each DAG of the class is read so; they must agree on the advice, else uncertain.
    The valid back-door sets come from :func:`adjustment_report`."""
    import networkx as nx

    x, y = _pair(g, treatment, outcome)
    z = g.resolve(variable)
    if z in (x, y):
        raise GraphError(f"{z!r} is the {'treatment' if z == x else 'outcome'} itself; name a third variable "
                         "whose role to check")
    if g.kind == "pag":
        raise GraphError("adjustment advice needs a DAG or CPDAG, but this graph is a PAG (FCI); use a PC/GES "
                         "graph or name the confounders yourself")
    U = nx.Graph()
    U.add_nodes_from(g.nodes)
    U.add_edges_from((e.source, e.target) for e in g.edges)
    component = nx.node_connected_component(U, x)
    members = _members(g, component)
    sets_report = adjustment_report(g, x, y)
    if isinstance(members, str):
        return RoleReport(treatment=x, outcome=y, variable=z, role="uncertain", roles={}, answer="uncertain",
                          sets=sets_report.sets, reason=f"the DAGs of the class could not be enumerated ({members})")
    paths: list[list[str]] | None = []
    if y in component:
        for k, p in enumerate(nx.all_simple_paths(U, x, y)):
            if k >= MAX_PATHS:
                paths = None
                break
            paths.append(p)  # type: ignore[union-attr]
    roles: dict[str, int] = {}
    example: dict[str, str] = {}
    for arcs in members:
        role, why = _role_in(arcs, g.nodes, x, y, z, paths)
        roles[role] = roles.get(role, 0) + 1
        example.setdefault(role, why)
    advice = {r: _ADVICE[r] for r in roles}
    total = len(members)
    where = "in the DAG" if g.kind == "dag" else "in every DAG of the class" if total == 1 else \
        f"in every one of the {total} DAGs of the class"
    shown = _sets_text(sets_report)
    if "confounder and collider" in roles:
        ok = _set_with(members, g.nodes, x, y, z)
        advice["confounder and collider"] = "yes" if ok is not None else "no"
        if ok:
            example["confounder and collider"] += f"; adjust for {z} together with {_names(ok)} (a valid set)"
        elif ok is not None:
            example["confounder and collider"] += f"; {{{z}}} alone is a valid set"
        else:
            example["confounder and collider"] += f"; no valid back-door set contains {z}"
    if "unchecked" in roles:
        return RoleReport(treatment=x, outcome=y, variable=z, role="uncertain", roles=roles, answer="uncertain",
                          sets=sets_report.sets, reason=f"there are more than {MAX_PATHS} paths between {x} and {y}, "
                          f"too many to check whether {z} is a collider on one; {shown}")
    if len(roles) == 1:
        role = next(iter(roles))
        answer = advice[role]
        return RoleReport(treatment=x, outcome=y, variable=z, role=role, roles=roles, answer=answer,  # type: ignore[arg-type]
                          sets=sets_report.sets,
                          reason=f"{z} is {ROLE_WORDS[role]} {where}: {example[role]}. {_ADVICE_WORDS[answer]}; {shown}")
    split = "; ".join(f"{ROLE_WORDS[r]} in {n} ({example[r]})" for r, n in sorted(roles.items()))
    answers = set(advice.values())
    if len(answers) == 1:
        answer = answers.pop()
        return RoleReport(treatment=x, outcome=y, variable=z, role="uncertain", roles=roles, answer=answer,  # type: ignore[arg-type]
                          sets=sets_report.sets, reason=f"the role of {z} differs across the {total} DAGs of the "
                          f"class ({split}), but the advice is the same in all. {_ADVICE_WORDS[answer]}; {shown}")
    return RoleReport(treatment=x, outcome=y, variable=z, role="uncertain", roles=roles, answer="uncertain",
                      sets=sets_report.sets, reason=f"the DAGs of the class disagree on the role of {z} ({split} of "
                      f"{total}), so whether to adjust for it is not identified from the data; {shown}")


_ADVICE = {"mediator": "no", "collider": "no", "descendant of a collider": "no", "descendant of the treatment": "no",
           "confounder": "yes", "confounder and collider": "yes", "none": "no", "unchecked": "uncertain"}
ROLE_WORDS = {
    "mediator": "a mediator (on a causal path from the treatment to the outcome)",
    "collider": "a collider on a path between the treatment and the outcome",
    "descendant of a collider": "a descendant of a collider on a path between the treatment and the outcome",
    "descendant of the treatment": "a descendant of the treatment (affected by it, not on its way to the outcome)",
    "confounder": "a confounder (on an open back-door path between the treatment and the outcome)",
    "confounder and collider": "both a confounder and a collider",
    "none": "on no open or openable path between the treatment and the outcome",
    "unchecked": "not checked",
}
_ADVICE_WORDS = {"yes": "Adjust for it", "no": "Do not adjust for it", "uncertain": "Whether to adjust is uncertain"}


def _sets_text(rep: AdjustmentSets) -> str:
    if not rep.sets:
        return f"no back-door set is listed ({rep.reason})"
    shown = "; ".join(_names(s) for s in rep.sets[:4])
    return f"valid back-door set{'s' if len(rep.sets) > 1 else ''} for {rep.treatment} -> {rep.outcome}: {shown}"


def _role_in(arcs: set[tuple[str, str]], nodes: Sequence[str], x: str, y: str, z: str,
             paths: list[list[str]] | None) -> tuple[str, str]:
    """(role, why) of z in one DAG (``arcs``); ``paths``: the simple x–y paths of the skeleton
    (None: too many to list)."""
    parents = _arcs_parents(nodes, arcs)
    children = _children_of(parents)
    de_x = _reach(children, x)
    an_y = _reach(parents, y)
    if z in de_x and z in an_y:
        via = _shortest_paths(children, x, z)[0] + _shortest_paths(children, z, y)[0][1:]
        return "mediator", _path_text_arcs(via, arcs)
    if paths is None:  # too many paths to look for colliders; a descendant of x is a "no" either way
        if z in de_x:
            return "descendant of the treatment", f"{_path_text_arcs(_shortest_paths(children, x, z)[0], arcs)}"
        return "unchecked", ""
    collider = desc = confound = None
    for p in paths:
        kinds = _node_kinds(p, arcs)
        colliders = [p[k] for k in range(1, len(p) - 1) if kinds[k]]
        if z in p[1:-1]:
            if colliders == [z] and collider is None:  # adjusting for z alone opens this path
                collider = p
            if not colliders and (p[1], x) in arcs and confound is None:
                confound = p
        if desc is None and z not in p and len(colliders) == 1 and z in _reach(children, colliders[0]):
            desc = (p, colliders[0])
    if collider is not None and confound is not None:
        return "confounder and collider", (f"it blocks {_path_text_arcs(confound, arcs)} but is a collider on "
                                           f"{_path_text_arcs(collider, arcs)}")
    if collider is not None:
        return "collider", f"{_path_text_arcs(collider, arcs)}: adjusting for {z} opens this path"
    if desc is not None and confound is None:
        p, c = desc
        return "descendant of a collider", (f"{z} descends from {c}, a collider on {_path_text_arcs(p, arcs)}: "
                                            f"adjusting for {z} opens it")
    if z in de_x:
        via = _shortest_paths(children, x, z)[0]
        return "descendant of the treatment", f"{_path_text_arcs(via, arcs)}, and {z} does not lead to {y}"
    if confound is not None:
        common = x in _reach(children, z) and y in _reach(children, z)
        what = "a common cause, on" if common else "on"
        return "confounder", f"{what} the back-door path {_path_text_arcs(confound, arcs)}; adjusting for {z} blocks it"
    return "none", f"{z} lies on no open back-door path, no causal path and no collider path between {x} and {y}"


def _node_kinds(path: Sequence[str], arcs: set[tuple[str, str]]) -> list[bool]:
    """Per position: is the node a collider on the path (both neighbours point into it)?"""
    out = [False] * len(path)
    for k in range(1, len(path) - 1):
        out[k] = (path[k - 1], path[k]) in arcs and (path[k + 1], path[k]) in arcs
    return out


def _path_text_arcs(path: Sequence[str], arcs: set[tuple[str, str]]) -> str:
    parts = [path[0]]
    for a, b in zip(path, path[1:]):
        parts.append(f"{'-->' if (a, b) in arcs else '<--'} {b}")
    return " ".join(parts)


def _set_with(members: list[set[tuple[str, str]]], nodes: Sequence[str], x: str, y: str,
              z: str) -> list[str] | None:
    """The other variables of a back-door set containing z that is valid in every member DAG, or
    None when there is none."""
    import networkx as nx

    found: list[str] | None = None
    for arcs in members:
        G = nx.DiGraph()
        G.add_nodes_from(nodes)
        G.add_edges_from(arcs)
        back = G.copy()
        back.remove_edges_from(list(G.out_edges(x)))
        restricted = set(nodes) - nx.descendants(G, x) - {x, y}
        if z not in restricted:
            return None
        if found is not None:
            S = set(found) | {z}
            if S <= restricted and nx.is_d_separator(back, {x}, {y}, S):
                continue
            return None
        m = nx.find_minimal_d_separator(back, {x}, {y}, included={z}, restricted=restricted)
        if m is None:
            return None
        found = sorted(set(m) - {z}, key=list(nodes).index)
    return found
