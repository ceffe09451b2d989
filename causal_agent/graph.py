"""The causal graph type shared by discovery, queries, memory and evaluation.

One pydantic model covers the three kinds of graph the tools produce:

* ``dag``   – only ``-->`` edges, acyclic (a fully specified causal model);
* ``cpdag`` – ``-->`` and ``---`` edges (PC, GES, GRaSP output: a Markov equivalence class);
* ``pag``   – any of ``-->``, ``---``, ``<->``, ``o->``, ``o-o`` (FCI output, or a PC result whose
  orientation conflicts produced ``<->``).

Edge marks follow the field's notation; for ``o->`` the circle is at ``source`` and the arrowhead at
``target``. Symmetric edges (``---``, ``<->``, ``o-o``) are stored with source before target in node
order and the edge list is sorted by node order, so equal graphs compare equal and SHD is
deterministic.

Equivalence class of a CPDAG (used by ``graph_queries``): the DAGs with the same skeleton that keep
every directed edge and add no unshielded collider (v-structure). They are Markov equivalent, so a
d-separation holds in one iff it holds in all. The class factors over chain components (connected
components of the ``---`` part); enumeration is done per component with a cap
(:class:`ClassTooLarge`) so a large graph never hangs, and the polynomial Dor–Tarsi extension
(:meth:`CausalGraph.consistent_extension`) answers "is there a DAG in the class with these
orientations" exactly without enumerating.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator, model_validator

from .errors import GraphError, suggestion

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

EdgeType = Literal["-->", "---", "<->", "o->", "o-o"]
GraphKind = Literal["dag", "cpdag", "pag"]
Mark = Literal["tail", "arrow", "circle"]

EDGE_TYPES: tuple[str, ...] = get_args(EdgeType)
SYMMETRIC: frozenset[str] = frozenset({"---", "<->", "o-o"})
#: endpoint marks of each edge type: (mark at source, mark at target)
MARKS: dict[str, tuple[Mark, Mark]] = {
    "-->": ("tail", "arrow"),
    "---": ("tail", "tail"),
    "<->": ("arrow", "arrow"),
    "o->": ("circle", "arrow"),
    "o-o": ("circle", "circle"),
}
_FROM_MARKS: dict[tuple[str, str], tuple[str, bool]] = {}  # (mark_a, mark_b) -> (type, swap)
for _t, (_ms, _mt) in MARKS.items():
    _FROM_MARKS[(_ms, _mt)] = (_t, False)
    _FROM_MARKS.setdefault((_mt, _ms), (_t, True))
#: reversed spellings accepted on input and flipped to the canonical direction
_REVERSED = {"<--": "-->", "<-o": "o->"}
#: causal-learn Endpoint values (causallearn/graph/Endpoint.py): G[i, j] is the mark at i
_CL_MARK = {-1: "tail", 1: "arrow", 2: "circle"}
_CL_VALUE = {v: k for k, v in _CL_MARK.items()}
_DOT_MARK = {"tail": "none", "arrow": "normal", "circle": "odot"}

DEFAULT_LIMIT = 2000  # max DAGs enumerated per query before falling back
DEFAULT_BUDGET = 200_000  # max backtracking steps per enumeration


class ClassTooLarge(GraphError):
    """The equivalence class (or the part a query needs) is too large to enumerate."""


class Edge(BaseModel):
    """One edge with its endpoint marks; ``type`` reads from ``source`` to ``target``."""

    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    type: EdgeType

    @model_validator(mode="before")
    @classmethod
    def _flip_reversed(cls, data: Any) -> Any:
        """Accept ``<--``/``<-o`` by swapping ends; reject unknown marks with a GraphError."""
        if isinstance(data, dict):
            t = data.get("type")
            if t in _REVERSED:
                data = {**data, "source": data.get("target"), "target": data.get("source"),
                        "type": _REVERSED[t]}
            elif t not in EDGE_TYPES:
                raise GraphError(f"unknown edge type {t!r}; use one of {', '.join(EDGE_TYPES)}")
            for end in ("source", "target"):
                if not isinstance(data.get(end), str) or not data.get(end):
                    raise GraphError(f"edge {data!r} needs a non-empty string {end}")
        return data

    @property
    def marks(self) -> tuple[Mark, Mark]:
        """(mark at source, mark at target)."""
        return MARKS[self.type]

    def mark_at(self, node: str) -> Mark:
        """The endpoint mark at ``node`` (one of this edge's ends)."""
        if node == self.source:
            return self.marks[0]
        if node == self.target:
            return self.marks[1]
        raise GraphError(f"{node!r} is not an end of the edge {self}")

    def other(self, node: str) -> str:
        return self.target if node == self.source else self.source

    def type_from(self, a: str) -> str:
        """The edge's marks read from end ``a``: ``-->`` read from its target is ``<--``."""
        if a == self.source or self.type in SYMMETRIC:
            return self.type
        return {"-->": "<--", "o->": "<-o"}[self.type]

    def reads(self, a: str, b: str) -> str:
        """The edge written from ``a`` to ``b``, e.g. ``a --> b`` read from b is ``b <-- a``."""
        return f"{a} {self.type_from(a)} {b}"

    def __str__(self) -> str:
        return f"{self.source} {self.type} {self.target}"


def _norm_name(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


class CausalGraph(BaseModel):
    """Nodes plus marked edges; a DAG, a CPDAG or a PAG (see module docstring)."""

    model_config = ConfigDict(frozen=True)

    nodes: list[str]
    edges: list[Edge] = []
    kind: GraphKind = "cpdag"
    #: data from several environments (CD-NOD): the context column the graph was learned with (not
    #: a node) and the nodes whose mechanism changes with it (the context's children); empty otherwise
    context: str | None = None
    changing: list[str] = []

    _adj: dict[str, dict[str, Edge]] = PrivateAttr(default_factory=dict)
    _index: dict[str, int] = PrivateAttr(default_factory=dict)

    # ------------------------------------------------------------------ validation
    @field_validator("nodes", mode="before")
    @classmethod
    def _check_nodes(cls, nodes: Any) -> Any:
        if not isinstance(nodes, (list, tuple)):
            raise GraphError("graph nodes must be a list of names")
        seen: set[str] = set()
        for n in nodes:
            if not isinstance(n, str) or not n.strip():
                raise GraphError(f"graph node names must be non-empty strings, got {n!r}")
            if n in seen:
                raise GraphError(f"node {n!r} is listed twice; node names must be unique")
            seen.add(n)
        return list(nodes)

    @field_validator("edges", mode="after")
    @classmethod
    def _check_edges(cls, edges: list[Edge], info: Any) -> list[Edge]:
        """Reject unknown nodes, self-loops and duplicate pairs; put edges in canonical order."""
        nodes: list[str] = info.data.get("nodes", [])
        index = {n: i for i, n in enumerate(nodes)}
        pairs: dict[frozenset[str], Edge] = {}
        out: list[Edge] = []
        for e in edges:
            for end in (e.source, e.target):
                if end not in index:
                    raise GraphError(f"edge {e} uses unknown node {end!r}." + suggestion(end, nodes, "node"))
            if e.source == e.target:
                raise GraphError(f"self-loop {e} is not allowed; remove it")
            key = frozenset((e.source, e.target))
            if key in pairs:
                raise GraphError(f"two edges between {e.source!r} and {e.target!r} ({pairs[key]} and {e}); keep one")
            if e.type in SYMMETRIC and index[e.source] > index[e.target]:
                e = Edge(source=e.target, target=e.source, type=e.type)
            pairs[key] = e
            out.append(e)
        out.sort(key=lambda e: (min(index[e.source], index[e.target]), max(index[e.source], index[e.target])))
        return out

    @field_validator("changing", mode="after")
    @classmethod
    def _check_changing(cls, changing: list[str], info: Any) -> list[str]:
        """Changed mechanisms are nodes of the graph, listed once, in node order."""
        nodes: list[str] = info.data.get("nodes", [])
        for n in changing:
            if n not in nodes:
                raise GraphError(f"changing mechanism {n!r} is not a node of the graph." + suggestion(n, nodes, "node"))
        return [n for n in nodes if n in set(changing)]

    @model_validator(mode="after")
    def _check_kind(self) -> CausalGraph:
        allowed = {"dag": {"-->"}, "cpdag": {"-->", "---"}, "pag": set(EDGE_TYPES)}[self.kind]
        for e in self.edges:
            if e.type not in allowed:
                fix = "use kind='pag'" if self.kind == "cpdag" else "use kind='cpdag' or 'pag'"
                raise GraphError(f"edge {e} is not allowed in a {self.kind.upper()}; {fix}")
        if self.kind == "dag":
            cycle = _find_cycle(self.nodes, [(e.source, e.target) for e in self.edges])
            if cycle:
                raise GraphError("graph of kind 'dag' has a directed cycle "
                                 + " --> ".join(cycle + [cycle[0]]) + "; use kind='cpdag' or remove an edge")
        return self

    def model_post_init(self, __context: Any) -> None:
        self._index = {n: i for i, n in enumerate(self.nodes)}
        adj: dict[str, dict[str, Edge]] = {n: {} for n in self.nodes}
        for e in self.edges:
            adj[e.source][e.target] = e
            adj[e.target][e.source] = e
        self._adj = adj

    # ------------------------------------------------------------------ names and local structure
    def resolve(self, name: str) -> str:
        """The node called ``name``; case, spaces, '_' and '-' are ignored when unambiguous."""
        if name in self._index:
            return name
        hits = [n for n in self.nodes if _norm_name(n) == _norm_name(str(name))]
        if len(hits) == 1:
            return hits[0]
        raise GraphError(f"unknown node {name!r} in the graph." + suggestion(str(name), self.nodes, "node"))

    def edge_between(self, x: str, y: str) -> Edge | None:
        """The edge joining x and y (in either direction), or None."""
        return self._adj[self.resolve(x)].get(self.resolve(y))

    def adjacent(self, x: str, y: str) -> bool:
        return self.edge_between(x, y) is not None

    def has_edge(self, x: str, y: str, type: str | None = None) -> bool:
        """Whether x and y are joined; with ``type``, whether the edge read from x to y has that type
        (``has_edge('a', 'b', '-->')`` is true for ``a --> b``, ``has_edge('b', 'a', '<--')`` too)."""
        e = self.edge_between(x, y)
        if e is None:
            return False
        if type is None:
            return True
        x, y = self.resolve(x), self.resolve(y)
        return e.reads(x, y) == f"{x} {type} {y}"

    def neighbors(self, x: str) -> list[str]:
        """All nodes adjacent to x, whatever the marks (node order)."""
        x = self.resolve(x)
        return sorted(self._adj[x], key=self._index.__getitem__)

    def parents(self, x: str) -> list[str]:
        """Nodes p with ``p --> x``."""
        x = self.resolve(x)
        return [n for n in self.neighbors(x) if self._adj[x][n].type == "-->" and self._adj[x][n].target == x]

    def children(self, x: str) -> list[str]:
        """Nodes c with ``x --> c``."""
        x = self.resolve(x)
        return [n for n in self.neighbors(x) if self._adj[x][n].type == "-->" and self._adj[x][n].source == x]

    def undirected_neighbors(self, x: str) -> list[str]:
        """Nodes u with ``x --- u``."""
        x = self.resolve(x)
        return [n for n in self.neighbors(x) if self._adj[x][n].type == "---"]

    def mark(self, at: str, other: str) -> Mark | None:
        """The endpoint mark at ``at`` on the edge between ``at`` and ``other`` (None if no edge)."""
        e = self.edge_between(at, other)
        return None if e is None else e.mark_at(self.resolve(at))

    def is_dag(self) -> bool:
        """Only directed edges and no directed cycle (whatever ``kind`` says)."""
        if any(e.type != "-->" for e in self.edges):
            return False
        return not _find_cycle(self.nodes, [(e.source, e.target) for e in self.edges])

    def skeleton(self) -> set[frozenset[str]]:
        """The adjacencies, as unordered pairs."""
        return {frozenset((e.source, e.target)) for e in self.edges}

    def v_structures(self) -> set[tuple[str, str, str]]:
        """Unshielded colliders ``a --> c <-- b`` made of directed edges, as (a, c, b) with a before b."""
        out: set[tuple[str, str, str]] = set()
        for c in self.nodes:
            for a, b in itertools.combinations(self.parents(c), 2):
                if b not in self._adj[a]:
                    out.add((a, c, b))
        return out

    def subgraph(self, nodes: Iterable[str]) -> CausalGraph:
        """The induced subgraph over ``nodes`` (kept in this graph's node order), same kind."""
        keep = {self.resolve(n) for n in nodes}
        return CausalGraph(
            nodes=[n for n in self.nodes if n in keep],
            edges=[e for e in self.edges if e.source in keep and e.target in keep],
            kind=self.kind, context=self.context, changing=[n for n in self.changing if n in keep],
        )

    def shd(self, other: CausalGraph) -> int:
        """Structural Hamming distance: the number of node pairs whose edge differs in presence or
        in any endpoint mark (a reversed or differently marked edge counts 1, a missing or extra
        edge counts 1). Both graphs must have the same node set."""
        if set(self.nodes) != set(other.nodes):
            only = sorted(set(self.nodes) ^ set(other.nodes))
            raise GraphError(f"SHD needs graphs over the same nodes; they differ in {', '.join(only)}")
        pairs = self.skeleton() | other.skeleton()
        count = 0
        for p in pairs:
            a, b = sorted(p)
            if self.mark(a, b) != other.mark(a, b) or self.mark(b, a) != other.mark(b, a):
                count += 1
        return count

    # ------------------------------------------------------------------ conversions
    @classmethod
    def from_causallearn(cls, G: Any, names: Sequence[str] | None = None, kind: GraphKind | None = None) -> CausalGraph:
        """From causal-learn output: a ``GeneralGraph`` (``cg.G`` of pc/fci, ``Record['G']`` of ges,
        GRaSP's result), the ``CausalGraph`` object of pc, a ges ``Record`` dict, or a raw endpoint
        matrix. ``G[i, j]`` is the mark at i of the i–j edge (TAIL=-1, ARROW=1, CIRCLE=2), so
        ``G[i,j]=-1, G[j,i]=1`` is ``i --> j``. ``kind`` defaults to 'pag' when a circle or ``<->``
        appears, else 'cpdag'."""
        import numpy as np

        if isinstance(G, dict) and "G" in G:
            G = G["G"]
        if hasattr(G, "G") and hasattr(G.G, "graph"):
            G = G.G
        if hasattr(G, "graph") and hasattr(G, "get_node_names"):
            matrix = np.asarray(G.graph)
            default_names = list(G.get_node_names())
        else:
            try:
                matrix = np.asarray(G)
            except Exception as exc:  # noqa: BLE001 - anything unreadable is a user error here
                raise GraphError(f"cannot read a causal-learn graph from {type(G).__name__}") from exc
            default_names = [f"X{i + 1}" for i in range(matrix.shape[0] if matrix.ndim else 0)]
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise GraphError(f"a causal-learn endpoint matrix must be square, got shape {matrix.shape}")
        names = list(names) if names is not None else default_names
        if len(names) != matrix.shape[0]:
            raise GraphError(f"{len(names)} names given for a graph of {matrix.shape[0]} nodes")
        edges: list[Edge] = []
        for i, j in itertools.combinations(range(len(names)), 2):
            a, b = int(matrix[i, j]), int(matrix[j, i])
            if a == 0 and b == 0:
                continue
            if a not in _CL_MARK or b not in _CL_MARK:
                raise GraphError(f"unsupported causal-learn endpoints ({a}, {b}) between {names[i]!r} and "
                                 f"{names[j]!r}; only TAIL, ARROW and CIRCLE single edges are supported")
            edges.append(_edge_from_marks(names[i], names[j], _CL_MARK[a], _CL_MARK[b]))
        if kind is None:
            kind = "pag" if any(e.type in {"<->", "o->", "o-o"} for e in edges) else "cpdag"
        return cls(nodes=names, edges=edges, kind=kind)

    def to_causallearn(self) -> Any:
        """A causal-learn ``GeneralGraph`` with the same endpoints (e.g. for causal-learn metrics)."""
        from causallearn.graph.Edge import Edge as ClEdge
        from causallearn.graph.Endpoint import Endpoint
        from causallearn.graph.GeneralGraph import GeneralGraph
        from causallearn.graph.GraphNode import GraphNode

        cl_nodes = [GraphNode(n) for n in self.nodes]
        g = GeneralGraph(cl_nodes)
        by_name = dict(zip(self.nodes, cl_nodes))
        for e in self.edges:
            ms, mt = e.marks
            g.add_edge(ClEdge(by_name[e.source], by_name[e.target], Endpoint(_CL_VALUE[ms]), Endpoint(_CL_VALUE[mt])))
        return g

    @classmethod
    def from_adjacency(cls, B: Any, names: Sequence[str], kind: GraphKind = "dag") -> CausalGraph:
        """From a weighted adjacency matrix as LiNGAM's ``adjacency_matrix_``: ``B[i, j] != 0``
        means ``names[j] --> names[i]``. NaN entries count as absent."""
        import numpy as np

        B = np.asarray(B, dtype=float)
        names = list(names)
        if B.shape != (len(names), len(names)):
            raise GraphError(f"adjacency matrix shape {B.shape} does not match {len(names)} names")
        nz = np.nan_to_num(B) != 0
        edges = []
        for i, j in zip(*np.nonzero(nz)):
            if i == j:
                raise GraphError(f"adjacency matrix has a self-loop on {names[i]!r}")
            if nz[j, i] and j < i:
                raise GraphError(f"adjacency matrix has edges both ways between {names[j]!r} and {names[i]!r}")
            if not nz[j, i] or i < j:
                edges.append(Edge(source=names[j], target=names[i], type="-->"))
        return cls(nodes=names, edges=edges, kind=kind)

    @classmethod
    def from_causallearn_text(cls, text: str, kind: GraphKind | None = None) -> CausalGraph:
        """Parse causal-learn's ``str(G)`` dump ("Graph Nodes:" / "Graph Edges:" with ``1. A --> B``
        lines). Node names may contain spaces; each edge line is split where both sides are known
        nodes."""
        lines = [ln.strip() for ln in text.strip().splitlines()]
        try:
            start = lines.index("Graph Nodes:")
            nodes_line = lines[start + 1]
            edges_at = lines.index("Graph Edges:")
        except (ValueError, IndexError):
            raise GraphError("not a causal-learn graph dump: expected 'Graph Nodes:' and 'Graph Edges:' sections") from None
        nodes = [n.strip() for n in nodes_line.split(";") if n.strip()]
        known = set(nodes)
        marks = sorted(set(EDGE_TYPES) | set(_REVERSED), key=len, reverse=True)
        edges: list[Edge] = []
        for ln in lines[edges_at + 1:]:
            if not ln:
                continue
            body = re.sub(r"^\d+\.\s*", "", ln)
            found = None
            for m in marks:
                for match in re.finditer(re.escape(f" {m} "), body):
                    a, b = body[: match.start()].strip(), body[match.end():].strip()
                    if a in known and b in known:
                        found = (a, b, m)
                        break
                if found:
                    break
            if not found:
                raise GraphError(f"cannot parse edge line {ln!r}: expected 'A --> B' between listed nodes")
            a, b, m = found
            edges.append(Edge(source=a, target=b, type=m))  # type: ignore[arg-type]
        if kind is None:
            kind = "pag" if any(e.type in {"<->", "o->", "o-o"} for e in edges) else "cpdag"
        return cls(nodes=nodes, edges=edges, kind=kind)

    def to_causallearn_text(self) -> str:
        """The causal-learn dump format read by :meth:`from_causallearn_text`."""
        lines = ["Graph Nodes:", ";".join(self.nodes), "", "Graph Edges:"]
        lines += [f"{i}. {e}" for i, e in enumerate(self.edges, 1)]
        return "\n".join(lines) + "\n"

    def to_networkx(self) -> nx.DiGraph:
        """A ``DiGraph`` whose edges carry ``type``: ``-->`` and ``o->`` as one arc source→target;
        symmetric edges (``---``, ``<->``, ``o-o``) as two arcs, both with that type. ``kind`` is in
        ``G.graph['kind']``. For a DAG this is the plain causal DiGraph networkx/DoWhy expect."""
        import networkx as nx

        G = nx.DiGraph(kind=self.kind)
        G.add_nodes_from(self.nodes)
        for e in self.edges:
            G.add_edge(e.source, e.target, type=e.type)
            if e.type in SYMMETRIC:
                G.add_edge(e.target, e.source, type=e.type)
        return G

    @classmethod
    def from_networkx(cls, G: Any, kind: GraphKind | None = None) -> CausalGraph:
        """From a ``DiGraph``. Arcs without a ``type`` attribute are ``-->`` (a plain DiGraph gives a
        DAG); typed arcs as written by :meth:`to_networkx` round-trip."""
        if not hasattr(G, "is_directed") or not G.is_directed():
            raise GraphError("from_networkx needs a networkx DiGraph")
        nodes = [str(n) for n in G.nodes]
        edges: dict[frozenset[str], Edge] = {}
        for u, v, data in G.edges(data=True):
            u, v = str(u), str(v)
            t = data.get("type", "-->")
            key = frozenset((u, v))
            if key in edges:
                if t in SYMMETRIC and edges[key].type == t:
                    continue
                raise GraphError(f"networkx graph has arcs both ways between {u!r} and {v!r}; a DAG cannot")
            edges[key] = Edge(source=u, target=v, type=t)
        if kind is None:
            kind = G.graph.get("kind") or ("dag" if all(e.type == "-->" for e in edges.values()) else "pag")
        return cls(nodes=nodes, edges=list(edges.values()), kind=kind)

    def to_json(self) -> dict[str, Any]:
        """``{"nodes": [...], "edges": [{"source", "target", "type"}], "kind": ...}``, plus
        ``context`` and ``changing`` for a graph learned from several environments."""
        out: dict[str, Any] = {"nodes": list(self.nodes), "edges": [e.model_dump() for e in self.edges],
                               "kind": self.kind}
        if self.context is not None:
            out.update(context=self.context, changing=list(self.changing))
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> CausalGraph:
        """Inverse of :meth:`to_json` (also accepts the JSON text; ``kind`` defaults to 'cpdag')."""
        import json

        from pydantic import ValidationError

        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise GraphError(f"graph JSON does not parse: {exc.msg} at line {exc.lineno}") from None
        if not isinstance(data, dict) or "nodes" not in data:
            raise GraphError('graph JSON must be an object {"nodes": [...], "edges": [...]}')
        try:
            return cls.model_validate({"edges": [], **data})
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise GraphError(f"invalid graph JSON at {where}: {err['msg']}") from None

    def to_dot(self, name: str = "G") -> str:
        """Graphviz DOT; every edge has ``dir=both`` with explicit marks (tail=none, arrow=normal,
        circle=odot) so PAG/CPDAG marks render faithfully."""
        def q(s: str) -> str:
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

        out = [f"digraph {q(name)} {{"]
        if self.context is not None:  # changed mechanisms: a double outline, and say with what
            out.append(f"  // mechanisms that change with {self.context}: {', '.join(self.changing) or 'none'}")
        out += [f"  {q(n)}" + (f" [peripheries=2, tooltip={q('mechanism changes with ' + self.context)}]"
                              if n in self.changing and self.context else "") + ";" for n in self.nodes]
        for e in self.edges:
            ms, mt = e.marks
            out.append(f"  {q(e.source)} -> {q(e.target)} [dir=both, arrowtail={_DOT_MARK[ms]}, "
                       f"arrowhead={_DOT_MARK[mt]}];")
        out.append("}")
        return "\n".join(out) + "\n"

    def to_text(self) -> str:
        """Compact rendering: one edge per line, then isolated nodes."""
        lines = [str(e) for e in self.edges]
        isolated = [n for n in self.nodes if not self._adj[n]]
        if isolated:
            lines.append("isolated: " + ", ".join(isolated))
        if self.context is not None:
            lines.append(f"changes with {self.context}: " + (", ".join(self.changing) or "none"))
        return "\n".join(lines) if lines else "(no nodes)"

    def __str__(self) -> str:
        return f"{self.kind.upper()} over {len(self.nodes)} nodes\n" + self.to_text()

    def _repr_svg_(self) -> str:
        """Jupyter: the picture (Graphviz, else matplotlib), or the edges as SVG text if drawing
        fails; never raises."""
        from .notebook import graph_svg_or_text

        return graph_svg_or_text(self)

    # ------------------------------------------------------------------ equivalence class
    def _require_pdag(self, what: str) -> None:
        if self.kind == "pag":
            raise GraphError(f"{what} needs a DAG or CPDAG, but this graph is a PAG; use PC/GES output")

    def chain_components(self) -> list[list[str]]:
        """Connected components of the undirected (``---``) part with at least one edge, in node order."""
        seen: set[str] = set()
        comps: list[list[str]] = []
        for n in self.nodes:
            if n in seen or not self.undirected_neighbors(n):
                continue
            comp, stack = {n}, [n]
            while stack:
                for u in self.undirected_neighbors(stack.pop()):
                    if u not in comp:
                        comp.add(u)
                        stack.append(u)
            seen |= comp
            comps.append([m for m in self.nodes if m in comp])
        return comps

    def consistent_extension(self, forced: Iterable[tuple[str, str]] = ()) -> CausalGraph | None:
        """A DAG of the class that also orients each ``(a, b)`` in ``forced`` as ``a --> b``, or None
        if there is none. Exact and polynomial (Dor & Tarsi 1992): forcing must add no unshielded
        collider, then sinks whose undirected neighbours are adjacent to all their other neighbours
        are peeled off one by one."""
        self._require_pdag("a consistent extension")
        directed = {(e.source, e.target) for e in self.edges if e.type == "-->"}
        undirected = {frozenset((e.source, e.target)) for e in self.edges if e.type == "---"}
        new: list[tuple[str, str]] = []
        for a, b in ((self.resolve(a), self.resolve(b)) for a, b in forced):
            if (a, b) in directed:
                continue
            if frozenset((a, b)) not in undirected:
                return None
            undirected.discard(frozenset((a, b)))
            directed.add((a, b))
            new.append((a, b))
        parents: dict[str, set[str]] = {n: set() for n in self.nodes}
        for a, b in directed:
            parents[b].add(a)
        for a, b in new:  # a collider of two old arcs is one of the graph's own v-structures
            if any(p != a and p not in self._adj[a] for p in parents[b]):
                return None
        return self._dor_tarsi(directed, undirected)

    def _dor_tarsi(self, directed: set[tuple[str, str]], undirected: set[frozenset[str]]) -> CausalGraph | None:
        remaining = set(self.nodes)
        children: dict[str, set[str]] = {n: set() for n in self.nodes}
        und: dict[str, set[str]] = {n: set() for n in self.nodes}
        for a, b in directed:
            children[a].add(b)
        for p in undirected:
            a, b = tuple(p)
            und[a].add(b)
            und[b].add(a)
        result = set(directed)
        while remaining:
            for x in self.nodes:
                if x not in remaining or children[x] & remaining:
                    continue
                adj = set(self._adj[x]) & remaining
                ux = und[x] & remaining
                if all(adj - {y} <= set(self._adj[y]) for y in ux):
                    result |= {(y, x) for y in ux}
                    remaining.discard(x)
                    break
            else:
                return None
        if _find_cycle(self.nodes, result):
            return None
        return CausalGraph(nodes=self.nodes, edges=[Edge(source=a, target=b, type="-->") for a, b in result], kind="dag")

    def local_orientations(self, focus: Iterable[str], limit: int = DEFAULT_LIMIT,
                           budget: int = DEFAULT_BUDGET, check_global: bool = True) -> list[set[tuple[str, str]]]:
        """The orientations of the undirected edges in the chain components that touch ``focus``, one
        set of ``(a, b)`` arcs per member of the class restricted to those components. Each keeps
        acyclicity and adds no v-structure; with ``check_global`` each is also checked to extend to a
        full DAG of the class. Raises :class:`ClassTooLarge` past ``limit`` results or ``budget``
        search steps, so callers can fall back."""
        self._require_pdag("local orientations")
        focus = {self.resolve(n) for n in focus}
        comps = [c for c in self.chain_components() if focus & set(c)]
        per_comp = [self._orient_component(c, limit, budget) for c in comps]
        total = 1
        for p in per_comp:
            total *= len(p)
            if total > limit:
                raise ClassTooLarge(f"more than {limit} orientations of the undirected edges around "
                                    f"{', '.join(sorted(focus))}")
        out: list[set[tuple[str, str]]] = []
        for combo in itertools.product(*per_comp):
            arcs = set().union(*combo) if combo else set()
            if check_global and self.consistent_extension(arcs) is None:
                continue
            out.append(arcs)
        return out

    def _orient_component(self, comp: list[str], limit: int, budget: int) -> list[set[tuple[str, str]]]:
        """Backtracking over the component's undirected edges, pruning new v-structures and cycles."""
        # BFS edge order so that constraints between edges bite early
        order: list[tuple[str, str]] = []
        seen_edges: set[frozenset[str]] = set()
        queue, visited = [comp[0]], {comp[0]}
        while queue:
            n = queue.pop(0)
            for u in self.undirected_neighbors(n):
                if frozenset((n, u)) not in seen_edges:
                    seen_edges.add(frozenset((n, u)))
                    order.append((n, u))
                if u not in visited:
                    visited.add(u)
                    queue.append(u)
        parents: dict[str, set[str]] = {n: set(self.parents(n)) for n in self.nodes}
        children: dict[str, set[str]] = {n: set(self.children(n)) for n in self.nodes}
        results: list[set[tuple[str, str]]] = []
        chosen: list[tuple[str, str]] = []
        steps = 0

        def reaches(src: str, dst: str) -> bool:
            stack, seen = [src], {src}
            while stack:
                for c in children[stack.pop()]:
                    if c == dst:
                        return True
                    if c not in seen:
                        seen.add(c)
                        stack.append(c)
            return False

        def rec(k: int) -> None:
            nonlocal steps
            steps += 1
            if steps > budget:
                raise ClassTooLarge(f"the chain component {{{', '.join(comp[:5])}{', …' if len(comp) > 5 else ''}}} "
                                    f"is too large to enumerate within {budget} steps")
            if k == len(order):
                results.append(set(chosen))
                if len(results) > limit:
                    raise ClassTooLarge(f"more than {limit} orientations of the chain component "
                                        f"{{{', '.join(comp[:5])}{', …' if len(comp) > 5 else ''}}}")
                return
            u, v = order[k]
            for a, b in ((u, v), (v, u)):
                if any(p not in self._adj[a] for p in parents[b]):
                    continue  # a --> b <-- p with a, p non-adjacent would be a new v-structure
                if reaches(b, a):
                    continue
                parents[b].add(a)
                children[a].add(b)
                chosen.append((a, b))
                rec(k + 1)
                chosen.pop()
                parents[b].discard(a)
                children[a].discard(b)

        rec(0)
        return results

    def consistent_dags(self, limit: int = 10_000) -> list[CausalGraph]:
        """Every DAG in this CPDAG's equivalence class (a DAG gives itself). Raises
        :class:`ClassTooLarge` when there are more than ``limit``; use queries, which work locally."""
        self._require_pdag("enumerating consistent DAGs")
        directed = {(e.source, e.target) for e in self.edges if e.type == "-->"}
        arcs_list = self.local_orientations(self.nodes, limit=limit, budget=max(DEFAULT_BUDGET, 50 * limit),
                                           check_global=False)
        dags = []
        for arcs in arcs_list:
            all_arcs = directed | arcs
            if _find_cycle(self.nodes, all_arcs):
                continue
            dags.append(CausalGraph(nodes=self.nodes, kind="dag",
                                    edges=[Edge(source=a, target=b, type="-->") for a, b in all_arcs]))
        return dags


def _edge_from_marks(a: str, b: str, mark_a: str, mark_b: str) -> Edge:
    try:
        t, swap = _FROM_MARKS[(mark_a, mark_b)]
    except KeyError:
        raise GraphError(f"unsupported endpoint marks {mark_a}/{mark_b} between {a!r} and {b!r}") from None
    return Edge(source=b, target=a, type=t) if swap else Edge(source=a, target=b, type=t)  # type: ignore[arg-type]


def _find_cycle(nodes: Sequence[str], arcs: Iterable[tuple[str, str]]) -> list[str]:
    """A directed cycle as a node list, or [] (iterative DFS, no networkx import needed)."""
    children: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in arcs:
        children[a].append(b)
    state: dict[str, int] = {}
    for root in nodes:
        if root in state:
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(children[root]))]
        state[root] = 1
        path.append(root)
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(children[nxt])))
    return []


def cpdag_of(dag: CausalGraph) -> CausalGraph:
    """The CPDAG (essential graph) of a DAG: compelled edges stay directed, reversible ones become
    ``---``. Uses causal-learn's ``dag2cpdag`` (Chickering's edge labelling)."""
    if not dag.is_dag():
        raise GraphError("cpdag_of needs a DAG (only --> edges, no cycle)")
    if not dag.edges:
        return CausalGraph(nodes=dag.nodes, edges=[], kind="cpdag")
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    cl_nodes = [GraphNode(n) for n in dag.nodes]
    d = Dag(cl_nodes)
    by_name = dict(zip(dag.nodes, cl_nodes))
    for e in dag.edges:
        d.add_directed_edge(by_name[e.source], by_name[e.target])
    return CausalGraph.from_causallearn(dag2cpdag(d), names=dag.nodes, kind="cpdag")
