"""The evaluation's own truth oracle: edge and graph truths computed from the true DAG alone.

Why a separate implementation: the agent answers with ``causal_agent.graph_queries`` and
``causal_agent.graph.cpdag_of``; if the benchmark computed its truths with the same code, a
semantic bug there would score as correct. This module imports networkx, numpy and causal-learn
only (``tests/test_oracle.py`` checks the two implementations against each other on random DAGs,
so a disagreement fails a test instead of silently moving the score).

Definitions (the literature's):

* **CAUSE** "does A directly cause B?": the arc A → B.
* **Has-Collider**: a common child Z (A → Z ← B).
* **Has-Confounder**: a common *cause*: some Z ∉ {A, B} with a directed path Z ⇝ A that does not
  pass through B and a directed path Z ⇝ B that does not pass through A (a grandparent counts).
* **Has-Direct-Confounder**: a common *parent* (Z → A and Z → B).
* **Mediates** (three variables): M on a directed path X ⇝ M ⇝ Y (``mediates_in_dag`` /
  ``mediates_over_class``).

Each is answered in the true DAG (``in_dag``) and over its Markov equivalence class
(``over_class``: yes if true in every DAG of the class, no if in none, uncertain otherwise).

**The class, by brute force.** The CPDAG comes from causal-learn's ``dag2cpdag`` (Chickering's
compelled-edge labelling). The class is the product, over the CPDAG's chain components (connected
components of its undirected edges), of each component's orientations that are acyclic and create
no v-structure (Andersson, Madigan & Perlman 1997); each component is enumerated by backtracking
over its edges. A query only needs the components that can carry a directed path into A or B, i.e.
those meeting the *possible ancestors* of {A, B} (reached backwards over arcs and undirected edges);
every other component keeps the true DAG's own orientation, which is one of its valid ones. When
the relevant part of the class has more than ``cap`` members the oracle raises
:class:`ClassTooLarge` rather than guessing; the question sampler then skips that pair, so every
recorded truth was computed exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

import networkx as nx

from causal_agent.errors import DataError, VariableError, suggestion

Label = Literal["yes", "no", "uncertain"]
EDGE_QUERIES = ("CAUSE", "Has-Collider", "Has-Confounder", "Has-Direct-Confounder")
DEFAULT_CAP = 4096  # members of the relevant part of the class enumerated per query


class ClassTooLarge(DataError):
    """The relevant part of the equivalence class is larger than the enumeration cap."""


Arc = tuple[str, str]


# ---------------------------------------------------------------------------------------------
# predicates on one DAG, given as {node: set of parents}
# ---------------------------------------------------------------------------------------------


def _ancestors_avoiding(parents: dict[str, set[str]], target: str, avoid: str) -> set[str]:
    """Nodes with a directed path to ``target`` that does not pass through ``avoid``."""
    seen: set[str] = set()
    stack = [target]
    while stack:
        for p in parents[stack.pop()]:
            if p not in seen and p != avoid and p != target:
                seen.add(p)
                stack.append(p)
    return seen


def is_cause(parents: dict[str, set[str]], a: str, b: str) -> bool:
    return a in parents[b]


def has_collider(parents: dict[str, set[str]], a: str, b: str) -> bool:
    return any(a in ps and b in ps for z, ps in parents.items() if z not in (a, b))


def has_direct_confounder(parents: dict[str, set[str]], a: str, b: str) -> bool:
    return bool((parents[a] & parents[b]) - {a, b})


def common_causes(parents: dict[str, set[str]], a: str, b: str) -> set[str]:
    """Every Z with Z ⇝ a avoiding b and Z ⇝ b avoiding a."""
    return (_ancestors_avoiding(parents, a, b) & _ancestors_avoiding(parents, b, a)) - {a, b}


def has_confounder(parents: dict[str, set[str]], a: str, b: str) -> bool:
    return bool(common_causes(parents, a, b))


def descendants(parents: dict[str, set[str]], a: str) -> set[str]:
    """Nodes with a directed path from ``a`` (``a`` excluded)."""
    children: dict[str, set[str]] = {n: set() for n in parents}
    for n, ps in parents.items():
        for p in ps:
            children[p].add(n)
    seen: set[str] = set()
    stack = [a]
    while stack:
        for c in children[stack.pop()]:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return seen


def mediates(parents: dict[str, set[str]], x: str, m: str, y: str) -> bool:
    """Is ``m`` on a directed path x ⇝ m ⇝ y (does x act on y through m at all)?"""
    return m in descendants(parents, x) and y in descendants(parents, m)


PREDICATES: dict[str, Callable[[dict[str, set[str]], str, str], bool]] = {
    "CAUSE": is_cause,
    "Has-Collider": has_collider,
    "Has-Confounder": has_confounder,
    "Has-Direct-Confounder": has_direct_confounder,
}


# ---------------------------------------------------------------------------------------------
# the CPDAG (causal-learn) and its chain components
# ---------------------------------------------------------------------------------------------


def cpdag_parts(dag: nx.DiGraph) -> tuple[set[Arc], set[frozenset[str]]]:
    """(compelled arcs, reversible edges) of the CPDAG of ``dag``, from causal-learn's ``dag2cpdag``."""
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    names = list(dag.nodes)
    if dag.number_of_edges() == 0:
        return set(), set()
    nodes = [GraphNode(f"X{i + 1}") for i in range(len(names))]
    g = Dag(nodes)
    idx = {n: i for i, n in enumerate(names)}
    for a, b in dag.edges:
        g.add_directed_edge(nodes[idx[a]], nodes[idx[b]])
    m = dag2cpdag(g).graph  # m[i, j] == -1 and m[j, i] == 1: i --> j; both -1: i --- j
    arcs: set[Arc] = set()
    undirected: set[frozenset[str]] = set()
    for i, j in itertools.combinations(range(len(names)), 2):
        if m[i, j] == -1 and m[j, i] == 1:
            arcs.add((names[i], names[j]))
        elif m[j, i] == -1 and m[i, j] == 1:
            arcs.add((names[j], names[i]))
        elif m[i, j] == -1 and m[j, i] == -1:
            undirected.add(frozenset((names[i], names[j])))
    if {frozenset(e) for e in dag.edges} != {frozenset(a) for a in arcs} | undirected:
        raise DataError("dag2cpdag returned another skeleton than the DAG's; the CPDAG cannot be trusted")
    return arcs, undirected


def _component_orientations(edges: Sequence[tuple[str, str]], adjacent: Callable[[str, str], bool],
                            cap: int) -> list[set[Arc]]:
    """Every acyclic orientation of one chain component's edges that creates no v-structure
    (a → c ← b with a, b not adjacent), by backtracking; more than ``cap`` raises."""
    found: list[set[Arc]] = []
    into: dict[str, set[str]] = {}
    out: dict[str, set[str]] = {}

    def reaches(src: str, dst: str) -> bool:
        stack, seen = [src], {src}
        while stack:
            n = stack.pop()
            if n == dst:
                return True
            for m in out.get(n, ()):
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        return False

    def ok(a: str, c: str) -> bool:
        if any(not adjacent(a, b) for b in into.get(c, ())):
            return False  # a new v-structure a -> c <- b
        return not reaches(c, a)  # a cycle

    def step(k: int) -> None:
        if k == len(edges):
            found.append({(a, c) for c, ps in into.items() for a in ps})
            if len(found) > cap:
                raise ClassTooLarge(f"a chain component has more than {cap} orientations")
            return
        u, v = edges[k]
        for a, c in ((u, v), (v, u)):
            if ok(a, c):
                into.setdefault(c, set()).add(a)
                out.setdefault(a, set()).add(c)
                step(k + 1)
                into[c].discard(a)
                out[a].discard(c)

    step(0)
    return found


class Oracle:
    """Edge and graph truths for one true DAG (the CPDAG and each component's orientations are
    computed once and cached per instance)."""

    def __init__(self, dag: nx.DiGraph, cap: int = DEFAULT_CAP) -> None:
        if not nx.is_directed_acyclic_graph(dag):
            raise DataError("the true graph has a directed cycle; the oracle needs a DAG")
        self.dag = dag
        self.cap = cap
        self.nodes: list[str] = list(dag.nodes)
        self.parents: dict[str, set[str]] = {n: set(dag.predecessors(n)) for n in self.nodes}
        self.arcs, self.undirected = cpdag_parts(dag)
        und = nx.Graph()
        und.add_nodes_from(self.nodes)
        und.add_edges_from(tuple(e) for e in self.undirected)
        self._und = und
        self._component_of: dict[str, int] = {}
        self._components: list[set[str]] = []
        for comp in nx.connected_components(und):
            if len(comp) > 1:
                for n in comp:
                    self._component_of[n] = len(self._components)
                self._components.append(set(comp))
        self._orientations: dict[int, list[set[Arc]]] = {}
        self._skeleton = {frozenset(e) for e in dag.edges}

    # -- the class ------------------------------------------------------------------------------
    def _check(self, *names: str) -> None:
        for n in names:
            if n not in self.parents:
                raise VariableError(f"unknown variable {n!r} in the true DAG." + suggestion(n, self.nodes, "variable"))

    def adjacent(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self._skeleton

    def orientations(self, component: int) -> list[set[Arc]]:
        """The valid orientations of chain component ``component`` (cached)."""
        if component not in self._orientations:
            comp = self._components[component]
            edges = sorted(tuple(sorted(e)) for e in self.undirected if set(e) <= comp)
            self._orientations[component] = _component_orientations(edges, self.adjacent, self.cap)  # type: ignore[arg-type]
        return self._orientations[component]

    def possible_ancestors(self, targets: Iterable[str]) -> set[str]:
        """Nodes with a possibly directed path (arcs forwards, undirected edges either way) into a target."""
        pa: dict[str, set[str]] = {n: set() for n in self.nodes}
        for a, b in self.arcs:
            pa[b].add(a)
        for e in self.undirected:
            a, b = tuple(e)
            pa[a].add(b)
            pa[b].add(a)
        seen = set(targets)
        stack = list(seen)
        while stack:
            for p in pa[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    def members(self, focus: Iterable[str]) -> Iterator[dict[str, set[str]]]:
        """DAGs of the class (as parent maps) that differ on the chain components meeting the
        possible ancestors of ``focus``; other components keep the true DAG's orientation."""
        relevant = sorted({self._component_of[n] for n in self.possible_ancestors(focus) if n in self._component_of})
        choices = [self.orientations(c) for c in relevant]
        total = 1
        for c in choices:
            total *= len(c)
        if total > self.cap:
            raise ClassTooLarge(f"the class has {total} members over the variables that matter (cap {self.cap})")
        fixed = {n: {p for p in ps if frozenset((p, n)) not in self.undirected or self._component_of.get(n) not in relevant}
                 for n, ps in self.parents.items()}
        for combo in itertools.product(*choices):
            parents = {n: set(ps) for n, ps in fixed.items()}
            for arcs in combo:
                for a, b in arcs:
                    parents[b].add(a)
            yield parents

    # -- answers --------------------------------------------------------------------------------
    def in_dag(self, query: str, a: str, b: str) -> Label:
        """The answer in the true DAG itself."""
        fn = self._predicate(query, a, b)
        return "yes" if fn(self.parents, a, b) else "no"

    def over_class(self, query: str, a: str, b: str) -> Label:
        """yes if true in every DAG of the class, no if in none, uncertain otherwise."""
        fn = self._predicate(query, a, b)
        seen: set[bool] = set()
        for parents in self.members((a, b)):
            seen.add(fn(parents, a, b))
            if len(seen) == 2:
                return "uncertain"
        return "yes" if seen == {True} else "no"

    def _predicate(self, query: str, a: str, b: str) -> Callable[[dict[str, set[str]], str, str], bool]:
        self._check(a, b)
        if a == b:
            raise VariableError(f"an edge question needs two distinct variables, got {a!r} twice")
        if query not in PREDICATES:
            raise DataError(f"{query!r} is not an edge question." + suggestion(query, PREDICATES, "type"))
        return PREDICATES[query]

    # -- mediation (three variables) -------------------------------------------------------------
    def mediates_in_dag(self, x: str, m: str, y: str) -> Label:
        """Is m on a directed path x ⇝ m ⇝ y in the true DAG?"""
        self._check_triple(x, m, y)
        return "yes" if mediates(self.parents, x, m, y) else "no"

    def mediates_over_class(self, x: str, m: str, y: str) -> Label:
        """The same over the class. Every node of a directed path into m or y is a possible
        ancestor of {m, y}, so the members over those components decide it."""
        self._check_triple(x, m, y)
        seen: set[bool] = set()
        for parents in self.members((m, y)):
            seen.add(mediates(parents, x, m, y))
            if len(seen) == 2:
                return "uncertain"
        return "yes" if seen == {True} else "no"

    def _check_triple(self, x: str, m: str, y: str) -> None:
        self._check(x, m, y)
        if len({x, m, y}) < 3:
            raise VariableError(f"a mediation question needs three distinct variables, got {x!r}, {m!r}, {y!r}")

    # -- paths: causes and effects, total causation, association, the role of a third ----------
    def possible_descendants(self, source: str) -> set[str]:
        """Nodes a possibly directed path (arcs forwards, undirected edges either way) reaches."""
        ch: dict[str, set[str]] = {n: set() for n in self.nodes}
        for a, b in self.arcs:
            ch[a].add(b)
        for e in self.undirected:
            a, b = tuple(e)
            ch[a].add(b)
            ch[b].add(a)
        seen, stack = {source}, [source]
        while stack:
            for c in ch[stack.pop()]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return seen

    def _over(self, focus: Iterable[str], fn: Callable[[dict[str, set[str]]], Any]) -> list[Any]:
        """``fn`` of every DAG of the class the focus needs (raises ClassTooLarge past the cap)."""
        return [fn(parents) for parents in self.members(focus)]

    def relatives(self, v: str, direction: str) -> tuple[dict[str, Label], dict[str, Label]]:
        """(over the class, in the true DAG): each other variable as an ancestor ("causes") or a
        descendant ("effects") of ``v``: yes in every DAG, no in none, uncertain otherwise."""
        self._check(v)
        if direction not in ("causes", "effects"):
            raise DataError(f"direction {direction!r}: use 'causes' or 'effects'")

        def found(parents: dict[str, set[str]]) -> set[str]:
            return ancestors(parents, v) if direction == "causes" else descendants(parents, v)

        focus = {v} if direction == "causes" else self.possible_descendants(v)
        sets = self._over(focus, found)
        in_dag = found(self.parents)
        others = [n for n in self.nodes if n != v]
        cls = {n: _label([n in s for s in sets]) for n in others}
        return cls, {n: ("yes" if n in in_dag else "no") for n in others}

    def total_cause(self, x: str, y: str) -> tuple[Label, Label]:
        """(over the class, in the true DAG): a directed path x ⇝ y."""
        self._check(x, y)
        return (_label(self._over((y,), lambda pa: y in descendants(pa, x))),
                "yes" if y in descendants(self.parents, x) else "no")

    def association(self, a: str, b: str) -> tuple[str, str]:
        """(over the class, in the true DAG) answer to "is the association of a and b causal?":
        yes (causal paths only), partly, no (confounding only, or no association); uncertain when
        the DAGs of the class disagree."""
        self._check(a, b)
        labels = set(self._over((a, b), lambda pa: association_label(pa, a, b)))
        over = labels.pop() if len(labels) == 1 else "uncertain"
        return over, association_label(self.parents, a, b)

    def z_role(self, x: str, y: str, z: str, max_paths: int = 20_000) -> tuple[Label, Label, str, str]:
        """(advice over the class, advice in the DAG, role over the class, role in the DAG) for
        "should z be adjusted for when estimating x -> y?" (:func:`role_of`); the role over the class
        is "uncertain" when its DAGs disagree, and so is the advice unless they agree on it."""
        self._check(x, y, z)
        skeleton = nx.Graph()
        skeleton.add_nodes_from(self.nodes)
        skeleton.add_edges_from(tuple(e) for e in self._skeleton)
        comp = nx.node_connected_component(skeleton, x)
        paths = []
        if y in comp:
            for k, p in enumerate(nx.all_simple_paths(skeleton, x, y)):
                if k >= max_paths:
                    raise ClassTooLarge(f"more than {max_paths} paths between {x} and {y}")
                paths.append(p)
        dags = list(self.members(comp))
        roles = [role_of(pa, x, y, z, paths) for pa in dags]
        advice = [_advice(r, pa, x, y, z, dags) for r, pa in zip(roles, dags)]
        role_dag = role_of(self.parents, x, y, z, paths)
        advice_dag = _advice(role_dag, self.parents, x, y, z, [self.parents])
        role_cls = roles[0] if len(set(roles)) == 1 else "uncertain"
        return _label_of(advice), advice_dag, role_cls, role_dag

    # -- graphs ---------------------------------------------------------------------------------
    def cpdag_json(self, subset: Sequence[str] | None = None) -> dict[str, Any]:
        """The CPDAG as ``CausalGraph`` JSON (``{"nodes", "edges", "kind": "cpdag"}``): full, or the
        subgraph induced on ``subset`` (the PARTIAL_CG truth, as documented in ``truth``)."""
        keep = list(subset) if subset else list(self.nodes)
        self._check(*keep)
        inside = set(keep)
        edges = []
        for a, b in self.dag.edges:  # the DAG's own order keeps the output stable
            if a in inside and b in inside:
                kind = "---" if frozenset((a, b)) in self.undirected else "-->"
                edges.append({"source": a, "target": b, "type": kind})
        return {"nodes": keep, "edges": edges, "kind": "cpdag"}

    def dag_json(self, subset: Sequence[str] | None = None) -> dict[str, Any]:
        """The true DAG (or its induced sub-DAG) in the same JSON form, kind 'dag'."""
        keep = list(subset) if subset else list(self.nodes)
        self._check(*keep)
        inside = set(keep)
        edges = [{"source": a, "target": b, "type": "-->"} for a, b in self.dag.edges if a in inside and b in inside]
        return {"nodes": keep, "edges": edges, "kind": "dag"}


def ancestors(parents: dict[str, set[str]], a: str) -> set[str]:
    """Nodes with a directed path into ``a`` (``a`` excluded)."""
    seen: set[str] = set()
    stack = [a]
    while stack:
        for p in parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    seen.discard(a)
    return seen


def _label(values: Sequence[bool]) -> Label:
    return "yes" if all(values) else "no" if not any(values) else "uncertain"


def _label_of(values: Sequence[str]) -> Label:
    return values[0] if len(set(values)) == 1 else "uncertain"  # type: ignore[return-value]


def association_label(parents: dict[str, set[str]], a: str, b: str) -> str:
    """One DAG: "yes" when a directed path joins a and b and no common cause does, "partly" with
    both, "no" with only a common cause or with neither (no marginal association)."""
    causal = b in descendants(parents, a) or a in descendants(parents, b)
    confounded = bool(common_causes(parents, a, b))
    return "partly" if causal and confounded else "yes" if causal else "no"


def role_of(parents: dict[str, set[str]], x: str, y: str, z: str, paths: Sequence[Sequence[str]]) -> str:
    """The role of z for the effect of x on y in one DAG, first that applies: "mediator" (on a
    directed path x ⇝ z ⇝ y); "confounder and collider" / "collider" (z the only collider on some
    x–y path, so adjusting for z alone opens it; with the first, z also a non-collider on an open
    back-door path); "descendant of a collider" (of the only collider of such a path, z off it);
    "descendant of the treatment"; "confounder" (a non-collider on an open back-door path, i.e. a
    collider-free path whose first edge points into x); "none". ``paths``: the simple x–y paths of
    the skeleton."""
    de_x = descendants(parents, x)
    if z in de_x and y in descendants(parents, z):
        return "mediator"

    def into(a: str, b: str) -> bool:  # the edge a - b points into b
        return a in parents[b]

    collider = desc = confound = False
    for p in paths:
        colliders = [p[k] for k in range(1, len(p) - 1) if into(p[k - 1], p[k]) and into(p[k + 1], p[k])]
        if z in p[1:-1]:
            collider |= colliders == [z]
            confound |= not colliders and into(p[1], x)
        elif len(colliders) == 1 and z in descendants(parents, colliders[0]):
            desc = True
    if collider and confound:
        return "confounder and collider"
    if collider:
        return "collider"
    if desc and not confound:
        return "descendant of a collider"
    if z in de_x:
        return "descendant of the treatment"
    return "confounder" if confound else "none"


def _advice(role: str, parents: dict[str, set[str]], x: str, y: str, z: str,
            dags: Sequence[dict[str, set[str]]]) -> Label:
    """Adjust for z? yes for a confounder; for a confounder that is also a collider, yes when a
    back-door set containing z is valid in every DAG of ``dags`` (networkx d-separation in the
    graph without x's out-arcs, no descendant of x in the set); no otherwise."""
    if role == "confounder":
        return "yes"
    if role != "confounder and collider":
        return "no"
    found: set[str] | None = None
    for pa in dags:
        g = nx.DiGraph()
        g.add_nodes_from(pa)
        g.add_edges_from((p, n) for n, ps in pa.items() for p in ps)
        back = g.copy()
        back.remove_edges_from(list(g.out_edges(x)))
        allowed = set(pa) - descendants(pa, x) - {x, y}
        if z not in allowed:
            return "no"
        if found is None:
            m = nx.find_minimal_d_separator(back, {x}, {y}, included={z}, restricted=allowed)
            if m is None:
                return "no"
            found = set(m)
        elif not (found <= allowed and nx.is_d_separator(back, {x}, {y}, found)):
            return "no"
    return "yes"


__all__ = ["EDGE_QUERIES", "PREDICATES", "ClassTooLarge", "Oracle", "ancestors", "association_label", "common_causes",
           "cpdag_parts", "descendants", "mediates", "role_of"]
