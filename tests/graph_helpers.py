"""Graph-building helpers and brute-force oracles shared by the graph tests."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from causal_agent.errors import GraphError
from causal_agent.graph import CausalGraph, Edge


def E(s: str, t: str, ty: str = "-->") -> Edge:
    return Edge(source=s, target=t, type=ty)  # type: ignore[arg-type]


def dag(nodes: str | list[str], *arcs: str) -> CausalGraph:
    """dag('abc', 'ab', 'bc') is a --> b --> c."""
    return CausalGraph(nodes=list(nodes), edges=[E(a[0], a[1]) for a in arcs], kind="dag")


def brute_mec(g: CausalGraph) -> set[frozenset[tuple[str, str]]]:
    """All DAGs (as arc sets) with g's skeleton and exactly g's v-structures, by trying every
    orientation of every skeleton edge."""
    pairs = [tuple(sorted(p, key=g.nodes.index)) for p in g.skeleton()]
    target = g.v_structures()
    out = set()
    for bits in itertools.product([0, 1], repeat=len(pairs)):
        arcs = [(a, b) if bit else (b, a) for (a, b), bit in zip(pairs, bits)]
        try:
            d = CausalGraph(nodes=g.nodes, edges=[E(a, b) for a, b in arcs], kind="dag")
        except GraphError:
            continue  # cyclic
        if d.v_structures() == target:
            out.add(frozenset(arcs))
    return out


@st.composite
def random_dags(draw, max_nodes: int = 5) -> CausalGraph:
    n = draw(st.integers(2, max_nodes))
    nodes = [f"v{i}" for i in range(n)]
    order = draw(st.permutations(nodes))
    arcs = [(order[i], order[j]) for i, j in itertools.combinations(range(n), 2) if draw(st.booleans())]
    return CausalGraph(nodes=nodes, edges=[E(a, b) for a, b in arcs], kind="dag")
