"""The eval's truth oracle against brute force and against the project's own graph queries.

The oracle (``causal_agent_evals.oracle``) is a separate implementation on purpose; these tests
make any disagreement with ``causal_agent.graph_queries`` / ``cpdag_of`` a failing test rather
than a silent change in the benchmark's score. Seeded, small graphs only (fast on 2 cores).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from causal_agent_evals.oracle import PREDICATES, ClassTooLarge, Oracle, common_causes
from causal_agent_evals.scm import random_dag

#: the project's query for each oracle question
PROJECT_QUERY = {
    "CAUSE": "direct_cause",
    "Has-Collider": "shared_collider",
    "Has-Confounder": "shared_confounder",
    "Has-Direct-Confounder": "shared_direct_confounder",
}


def _dags(seed: int, count: int, lo: int = 3, hi: int = 7, max_edges: int = 12) -> list[nx.DiGraph]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        dag = random_dag(int(rng.integers(lo, hi + 1)), float(rng.uniform(0.2, 0.7)), rng)
        if dag.number_of_edges() <= max_edges:
            out.append(dag)
    return out


def _v_structures(g: nx.DiGraph) -> set[tuple[frozenset[str], str]]:
    return {(frozenset((a, b)), c) for c in g for a, b in itertools.combinations(g.predecessors(c), 2)
            if not g.has_edge(a, b) and not g.has_edge(b, a)}


def _brute_force_class(dag: nx.DiGraph) -> list[dict[str, set[str]]]:
    """Every orientation of the skeleton with the same v-structures, acyclic (Verma & Pearl)."""
    edges, vs, out = list(dag.edges), _v_structures(dag), []
    for flips in itertools.product((False, True), repeat=len(edges)):
        g = nx.DiGraph()
        g.add_nodes_from(dag)
        g.add_edges_from((b, a) if f else (a, b) for (a, b), f in zip(edges, flips, strict=True))
        if nx.is_directed_acyclic_graph(g) and _v_structures(g) == vs:
            out.append({n: set(g.predecessors(n)) for n in g})
    return out


def _label(values: set[bool]) -> str:
    return "uncertain" if len(values) == 2 else ("yes" if values == {True} else "no")


def test_oracle_equals_brute_force_enumeration_of_the_class() -> None:
    for dag in _dags(seed=11, count=40):
        oracle, members = Oracle(dag), _brute_force_class(dag)
        for query, fn in PREDICATES.items():
            for a, b in itertools.permutations(dag.nodes, 2):
                want = _label({fn(m, a, b) for m in members})
                assert oracle.over_class(query, a, b) == want, (query, a, b, sorted(dag.edges))
                assert oracle.in_dag(query, a, b) == ("yes" if fn({n: set(dag.predecessors(n)) for n in dag}, a, b)
                                                      else "no")


def test_hand_built_common_cause_cases() -> None:
    # a grandparent is a common cause, not a common parent: G -> P -> A, G -> B
    gp = Oracle(nx.DiGraph([("G", "P"), ("P", "A"), ("G", "B"), ("U", "A"), ("V", "B")]))
    assert gp.in_dag("Has-Confounder", "A", "B") == "yes"
    assert gp.in_dag("Has-Direct-Confounder", "A", "B") == "no"
    # connected only through a collider: no common cause
    coll = Oracle(nx.DiGraph([("A", "C"), ("B", "C")]))
    assert coll.over_class("Has-Confounder", "A", "B") == "no"
    assert coll.over_class("Has-Collider", "A", "B") == "yes"
    # paths through each other: Z -> A -> B is not a common cause of A and B
    through = nx.DiGraph([("Z", "A"), ("A", "B")])
    assert common_causes({n: set(through.predecessors(n)) for n in through}, "A", "B") == set()
    assert Oracle(through).in_dag("Has-Confounder", "A", "B") == "no"
    # ...but Z -> A -> B with Z -> B is: Z reaches B without passing through A
    assert Oracle(nx.DiGraph([("Z", "A"), ("A", "B"), ("Z", "B")])).in_dag("Has-Confounder", "A", "B") == "yes"
    # ambiguous class: the chain A - B - C can be a fork at B (common cause) or not
    chain = Oracle(nx.DiGraph([("A", "B"), ("B", "C")]))
    assert chain.over_class("Has-Confounder", "A", "C") == "uncertain"
    assert chain.over_class("CAUSE", "A", "B") == "uncertain" and chain.over_class("CAUSE", "A", "C") == "no"


def test_graph_truths_and_the_cap() -> None:
    o = Oracle(nx.DiGraph([("A", "C"), ("B", "C"), ("C", "D")]))
    assert {(e["source"], e["target"], e["type"]) for e in o.cpdag_json()["edges"]} == {
        ("A", "C", "-->"), ("B", "C", "-->"), ("C", "D", "-->")}
    assert o.cpdag_json(["A", "C"])["edges"] == [{"source": "A", "target": "C", "type": "-->"}]
    clique = nx.DiGraph([(f"X{i}", f"X{j}") for i in range(6) for j in range(i + 1, 6)])  # 720 orientations
    with pytest.raises(ClassTooLarge):
        Oracle(clique, cap=100).over_class("Has-Confounder", "X0", "X5")
    assert Oracle(clique).over_class("Has-Confounder", "X0", "X5") == "uncertain"


def test_oracle_agrees_with_the_projects_graph_queries() -> None:
    """On random DAGs, for the true DAG and for its CPDAG, the project's queries (the code the
    benchmark scores) must give the oracle's answers; any disagreement is listed."""
    from causal_agent import graph_queries as gq
    from causal_agent.graph import CausalGraph, cpdag_of

    disagreements = []
    for dag in _dags(seed=5, count=15, hi=7, max_edges=12):
        oracle = Oracle(dag)
        g = CausalGraph.from_networkx(dag, kind="dag")
        cp = cpdag_of(g)
        for query, name in PROJECT_QUERY.items():
            fn = getattr(gq, name)
            for a, b in itertools.permutations(dag.nodes, 2):
                for graph, want in ((g, oracle.in_dag(query, a, b)), (cp, oracle.over_class(query, a, b))):
                    got = fn(graph, a, b).answer
                    if got != want:
                        disagreements.append((name, graph.kind, a, b, got, want, sorted(dag.edges)))
    assert not disagreements, disagreements[:5]
