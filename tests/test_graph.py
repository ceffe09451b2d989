"""The causal graph type: validation, conversions, CPDAG tools and the equivalence class."""

from __future__ import annotations

import itertools
import time

import networkx as nx
import numpy as np
import pytest
from graph_helpers import E, brute_mec, dag, random_dags
from conftest import PUBLISHED_FIXTURE
from hypothesis import given, settings
from hypothesis import strategies as st

from causal_agent.errors import GraphError
from causal_agent.graph import ClassTooLarge, CausalGraph, Edge, cpdag_of

FIXTURES = PUBLISHED_FIXTURE / "causal_graph"


# ---------------------------------------------------------------- brute force over DAGs
# ---------------------------------------------------------------- validation and normalisation
def test_symmetric_edges_are_normalised_and_sorted():
    g1 = CausalGraph(nodes=["a", "b", "c"], edges=[E("c", "b", "---"), E("b", "a", "<->")], kind="pag")
    g2 = CausalGraph(nodes=["a", "b", "c"], edges=[E("a", "b", "<->"), E("b", "c", "---")], kind="pag")
    assert g1 == g2
    assert [str(e) for e in g1.edges] == ["a <-> b", "b --- c"]


def test_reversed_spellings_are_flipped():
    assert E("a", "b", "<--") == E("b", "a", "-->")
    assert E("a", "b", "<-o") == E("b", "a", "o->")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"nodes": ["smoking", "cancer"], "edges": [E("smoking", "cancr")]}, "Did you mean 'cancer'"),
        ({"nodes": ["a", "b"], "edges": [E("a", "a")]}, "self-loop"),
        ({"nodes": ["a", "b"], "edges": [E("a", "b"), E("b", "a")]}, "two edges between"),
        ({"nodes": ["a", "b"], "edges": [E("a", "b", "---"), E("a", "b")]}, "two edges between"),
        ({"nodes": ["a", "a"], "edges": []}, "listed twice"),
        ({"nodes": ["a", "b"], "edges": [E("a", "b", "o->")], "kind": "cpdag"}, "kind='pag'"),
        ({"nodes": ["a", "b"], "edges": [E("a", "b", "---")], "kind": "dag"}, "not allowed in a DAG"),
        ({"nodes": ["a", "b", "c"], "edges": [E("a", "b"), E("b", "c"), E("c", "a")], "kind": "dag"}, "cycle"),
    ],
)
def test_bad_graphs_raise_one_line_graph_errors(kwargs, message):
    with pytest.raises(GraphError, match=message) as info:
        CausalGraph(**kwargs)
    assert "\n" not in str(info.value)


def test_bad_edge_type_raises_graph_error():
    with pytest.raises(GraphError, match="unknown edge type '->'"):
        Edge(source="a", target="b", type="->")  # type: ignore[arg-type]


def test_local_structure_and_name_resolution():
    g = CausalGraph(nodes=["Diet Quality", "gene", "chol", "heart"],
                    edges=[E("Diet Quality", "chol"), E("gene", "chol"), E("chol", "heart", "---")])
    assert g.resolve("diet_quality") == "Diet Quality"
    with pytest.raises(GraphError, match="Did you mean 'heart'"):
        g.resolve("hart")
    assert g.parents("chol") == ["Diet Quality", "gene"]
    assert g.children("gene") == ["chol"]
    assert g.undirected_neighbors("heart") == ["chol"]
    assert g.neighbors("chol") == ["Diet Quality", "gene", "heart"]
    assert g.adjacent("heart", "chol") and not g.adjacent("gene", "heart")
    assert g.has_edge("gene", "chol", "-->") and g.has_edge("chol", "gene", "<--")
    assert not g.has_edge("chol", "gene", "-->")
    assert str(g.edge_between("heart", "chol")) == "chol --- heart"
    assert g.v_structures() == {("Diet Quality", "chol", "gene")}
    assert g.skeleton() == {frozenset(p) for p in [("Diet Quality", "chol"), ("gene", "chol"), ("chol", "heart")]}
    assert not g.is_dag() and dag("ab", "ab").is_dag()
    sub = g.subgraph(["chol", "gene"])
    assert sub.nodes == ["gene", "chol"] and [str(e) for e in sub.edges] == ["gene --> chol"]


def test_shd_counts_pairs_that_differ():
    truth = dag("abcd", "ab", "bc", "cd")
    assert truth.shd(truth) == 0
    assert truth.shd(dag("abcd", "ba", "bc", "cd")) == 1  # reversed
    assert truth.shd(dag("abcd", "ab", "bc")) == 1  # missing
    assert truth.shd(dag("abcd", "ab", "bc", "cd", "ad")) == 1  # extra
    cp = CausalGraph(nodes=list("abcd"), edges=[E("a", "b", "---"), E("b", "c"), E("d", "c")])
    assert truth.shd(cp) == 2  # a---b vs a-->b, and c-->d vs d-->c
    assert cp.shd(truth) == 2
    with pytest.raises(GraphError, match="same nodes"):
        truth.shd(dag("abc", "ab"))


# ---------------------------------------------------------------- conversions
graph_strategy = st.builds(
    lambda n, picks: CausalGraph(
        nodes=[f"n {i}" for i in range(n)],
        edges=[E(f"n {i}", f"n {j}", t) for (i, j), t in zip(itertools.combinations(range(n), 2), picks) if t],
        kind="pag",
    ),
    st.shared(st.integers(1, 6), key="n"),
    st.lists(st.sampled_from([None, "-->", "<--", "---", "<->", "o->", "<-o", "o-o"]), max_size=15),
)


@settings(max_examples=60, deadline=None)
@given(graph_strategy)
def test_round_trips_json_networkx_text_causallearn(g):
    assert CausalGraph.from_json(g.to_json()) == g
    import json

    assert CausalGraph.from_json(json.dumps(g.to_json())) == g
    assert CausalGraph.from_networkx(g.to_networkx()) == g
    assert CausalGraph.from_causallearn_text(g.to_causallearn_text(), kind="pag") == g
    assert CausalGraph.from_causallearn(g.to_causallearn(), kind="pag") == g


def test_from_json_errors_are_graph_errors():
    with pytest.raises(GraphError, match="does not parse"):
        CausalGraph.from_json("{nope")
    with pytest.raises(GraphError, match="nodes"):
        CausalGraph.from_json({"edges": []})
    with pytest.raises(GraphError, match="unknown node 'z'"):
        CausalGraph.from_json({"nodes": ["a"], "edges": [{"source": "a", "target": "z", "type": "-->"}]})
    with pytest.raises(GraphError, match="kind"):
        CausalGraph.from_json({"nodes": ["a"], "edges": [], "kind": "tree"})


def test_networkx_conventions():
    g = CausalGraph(nodes=list("abc"), edges=[E("a", "b"), E("b", "c", "---")])
    G = g.to_networkx()
    assert G.graph["kind"] == "cpdag"
    assert G.edges["a", "b"]["type"] == "-->" and not G.has_edge("b", "a")
    assert G.edges["b", "c"]["type"] == G.edges["c", "b"]["type"] == "---"
    plain = nx.DiGraph([("x", "y"), ("y", "z")])
    d = CausalGraph.from_networkx(plain)
    assert d.kind == "dag" and d.parents("z") == ["y"]
    with pytest.raises(GraphError, match="both ways"):
        CausalGraph.from_networkx(nx.DiGraph([("x", "y"), ("y", "x")]))


def _simulate(kind: str, n: int = 2000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "chain":
        a = rng.normal(size=n)
        b = a + rng.normal(size=n)
        c = b + rng.normal(size=n)
    else:  # collider a --> c <-- b
        a = rng.normal(size=n)
        b = rng.normal(size=n)
        c = a + b + rng.normal(size=n)
    return np.c_[a, b, c]


def test_from_causallearn_pc_collider_and_chain():
    from causallearn.search.ConstraintBased.PC import pc

    cg = pc(_simulate("collider"), 0.05, "fisherz", show_progress=False, node_names=["a", "b", "c"])
    g = CausalGraph.from_causallearn(cg.G)
    assert g.kind == "cpdag"
    assert [str(e) for e in g.edges] == ["a --> c", "b --> c"]
    assert CausalGraph.from_causallearn(cg) == g  # the pc result object works too
    assert CausalGraph.from_causallearn_text(str(cg.G)) == g
    renamed = CausalGraph.from_causallearn(cg.G, names=["x", "y", "z"])
    assert renamed.parents("z") == ["x", "y"]

    cg = pc(_simulate("chain"), 0.05, "fisherz", show_progress=False, node_names=["a", "b", "c"])
    g = CausalGraph.from_causallearn(cg.G)
    assert [str(e) for e in g.edges] == ["a --- b", "b --- c"]
    assert g == cpdag_of(dag("abc", "ab", "bc"))


def test_from_causallearn_fci_circles_and_ges_record():
    from causallearn.search.ConstraintBased.FCI import fci
    from causallearn.search.ScoreBased.GES import ges

    G, _ = fci(_simulate("collider"), "fisherz", 0.05, show_progress=False)
    g = CausalGraph.from_causallearn(G, names=["a", "b", "c"])
    assert g.kind == "pag"
    assert [str(e) for e in g.edges] == ["a o-> c", "b o-> c"]
    record = ges(_simulate("collider"))
    assert CausalGraph.from_causallearn(record, names=["a", "b", "c"]).parents("c") == ["a", "b"]


def test_from_causallearn_matrix_convention():
    # G[i, j] is the mark at i: circle at 0 and arrow at 1 is 0 o-> 1
    m = np.array([[0, 2, -1], [1, 0, 0], [-1, 0, 0]])
    g = CausalGraph.from_causallearn(m, names=["p", "q", "r"])
    assert [str(e) for e in g.edges] == ["p o-> q", "p --- r"]
    with pytest.raises(GraphError, match="unsupported"):
        CausalGraph.from_causallearn(np.array([[0, 4], [5, 0]]))


def test_from_adjacency_lingam_convention():
    B = np.array([[0.0, 0.0, 0.0], [1.5, 0.0, 0.0], [0.0, -0.7, 0.0]])  # B[i, j] != 0: j --> i
    g = CausalGraph.from_adjacency(B, ["a", "b", "c"])
    assert g.kind == "dag" and [str(e) for e in g.edges] == ["a --> b", "b --> c"]
    with pytest.raises(GraphError, match="both ways"):
        CausalGraph.from_adjacency(np.array([[0, 1], [1, 0]]), ["a", "b"])


def test_from_adjacency_real_direct_lingam():
    from causallearn.search.FCMBased import lingam

    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, 2000)
    b = a + rng.uniform(-1, 1, 2000)
    c = b + rng.uniform(-1, 1, 2000)
    model = lingam.DirectLiNGAM(random_state=0)
    model.fit(np.c_[a, b, c])
    g = CausalGraph.from_adjacency(model.adjacency_matrix_, ["a", "b", "c"])
    assert [str(e) for e in g.edges] == ["a --> b", "b --> c"]


def test_published_fixture_text_dumps():
    g6 = CausalGraph.from_causallearn_text((FIXTURES / "fixture_6.txt").read_text())
    assert g6.nodes == ["Diet Quality", "Genetic Risk", "Cholesterol Level", "Heart Disease"]
    assert g6.parents("Cholesterol Level") == ["Diet Quality", "Genetic Risk"]
    assert g6.children("Cholesterol Level") == ["Heart Disease"]
    g7 = CausalGraph.from_causallearn_text((FIXTURES / "fixture_7.txt").read_text())
    assert [str(e) for e in g7.edges] == ["Diet Quality --- Cholesterol Level", "Cholesterol Level --- Heart Disease"]
    with pytest.raises(GraphError, match="cannot parse edge line"):
        CausalGraph.from_causallearn_text("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A --> C\n")
    with pytest.raises(GraphError, match="Graph Nodes"):
        CausalGraph.from_causallearn_text("A --> B")


def test_dot_output_parses_with_marks():
    import pydot

    g = CausalGraph(nodes=["lung cancer", 'say "hi"', "c"],
                    edges=[E("lung cancer", 'say "hi"', "o->"), E('say "hi"', "c", "---")], kind="pag")
    (parsed,) = pydot.graph_from_dot_data(g.to_dot())
    edges = {(e.get_source(), e.get_destination()): e.get_attributes() for e in parsed.get_edges()}
    first = edges[('"lung cancer"', '"say \\"hi\\""')]
    assert first["arrowtail"] == "odot" and first["arrowhead"] == "normal" and first["dir"] == "both"
    second = edges[('"say \\"hi\\""', '"c"')]
    assert second["arrowtail"] == "none" and second["arrowhead"] == "none"
    assert len(parsed.get_nodes()) == 3


def test_text_rendering():
    g = CausalGraph(nodes=list("abcd"), edges=[E("a", "b"), E("c", "b", "---")])
    assert g.to_text() == "a --> b\nb --- c\nisolated: d"


# ---------------------------------------------------------------- CPDAG and the class
@settings(max_examples=60, deadline=None)
@given(random_dags())
def test_cpdag_of_matches_brute_force_equivalence_class(d):
    cp = cpdag_of(d)
    mec = brute_mec(d)
    assert frozenset((e.source, e.target) for e in d.edges) in mec
    for e in cp.edges:  # directed iff every member agrees
        votes = {(e.source, e.target) in m for m in mec}
        if e.type == "-->":
            assert votes == {True}
        else:
            assert len({frozenset({(e.source, e.target)}) & m for m in mec}) == 2
    members = {frozenset((x.source, x.target) for x in m.edges) for m in cp.consistent_dags()}
    assert members == mec
    for m in cp.consistent_dags():
        assert m.is_dag() and m.v_structures() == cp.v_structures() and cpdag_of(m) == cp


def test_consistent_dags_of_undirected_chain_and_triangle():
    chain = CausalGraph(nodes=list("abcd"), edges=[E("a", "b", "---"), E("b", "c", "---"), E("c", "d", "---")])
    assert len(chain.consistent_dags()) == 4  # one per choice of root, no collider allowed
    tri = CausalGraph(nodes=list("abc"), edges=[E("a", "b", "---"), E("b", "c", "---"), E("a", "c", "---")])
    assert len(tri.consistent_dags()) == 6
    assert dag("ab", "ab").consistent_dags() == [dag("ab", "ab")]


def test_consistent_extension_respects_forcing():
    chain = CausalGraph(nodes=list("abc"), edges=[E("a", "b", "---"), E("b", "c", "---")])
    assert chain.consistent_extension([("a", "b")]).has_edge("b", "c", "-->")
    assert chain.consistent_extension([("a", "b"), ("c", "b")]) is None  # new v-structure
    assert chain.consistent_extension([("a", "c")]) is None  # not an edge
    with pytest.raises(GraphError, match="PAG"):
        CausalGraph(nodes=["a", "b"], edges=[E("a", "b", "o-o")], kind="pag").consistent_extension()


def _big_cpdag(n: int = 40, clique: int = 14) -> CausalGraph:
    """A 40-node CPDAG: a complete undirected component of ``clique`` nodes (clique! DAGs) plus an
    undirected chain with compelled arcs hanging off it."""
    nodes = [f"x{i}" for i in range(n)]
    edges = [E(nodes[i], nodes[j], "---") for i, j in itertools.combinations(range(clique), 2)]
    edges += [E(nodes[i], nodes[i + 1], "---") for i in range(clique, n - 6)]
    edges += [E(nodes[i], nodes[n - 1]) for i in range(n - 6, n - 1) if i % 2 == 0]
    return CausalGraph(nodes=nodes, edges=edges)


def test_forty_nodes_do_not_hang():
    g = _big_cpdag()
    start = time.perf_counter()
    with pytest.raises(ClassTooLarge):
        g.consistent_dags(limit=500)
    with pytest.raises(ClassTooLarge):
        g.local_orientations(["x0", "x1"], limit=500)
    assert len(g.local_orientations(["x20"])) == 21  # the 21-node undirected path: one DAG per root
    assert g.consistent_extension() is not None
    assert time.perf_counter() - start < 10
