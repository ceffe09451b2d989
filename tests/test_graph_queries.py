"""Graph queries: DAG answers, CPDAG answers checked against brute-force enumeration of the
equivalence class, PAG mark rules, errors and scaling."""

from __future__ import annotations

import itertools
import time

import networkx as nx
import pytest
from graph_helpers import E, brute_mec, dag, random_dags
from hypothesis import given, settings
from hypothesis import strategies as st

from causal_agent.errors import GraphError
from causal_agent.graph import CausalGraph, cpdag_of
from causal_agent.graph_queries import (
    adjustment_report,
    adjustment_sets,
    d_separated,
    direct_cause,
    shared_collider,
    shared_confounder,
    shared_direct_confounder,
)



def _big_cpdag(n: int = 40, clique: int = 14) -> CausalGraph:
    """40 nodes: a complete undirected component of 14 nodes, a 21-node undirected path, and
    compelled arcs into the last node."""
    nodes = [f"x{i}" for i in range(n)]
    edges = [E(nodes[i], nodes[j], "---") for i, j in itertools.combinations(range(clique), 2)]
    edges += [E(nodes[i], nodes[i + 1], "---") for i in range(clique, n - 6)]
    edges += [E(nodes[i], nodes[n - 1]) for i in range(n - 6, n - 1) if i % 2 == 0]
    return CausalGraph(nodes=nodes, edges=edges)


def common_cause(m: CausalGraph, x: str, y: str) -> bool:
    """Brute force, by networkx: some z reaches x in the DAG without y, and y without x."""
    G = m.to_networkx()
    to_x = nx.ancestors(G.subgraph(set(G) - {y}), x)
    to_y = nx.ancestors(G.subgraph(set(G) - {x}), y)
    return bool(to_x & to_y)


def test_common_cause_hand_built_dags():
    grand = dag("gpqab", "gp", "gq", "pa", "qb")  # the common cause g is a grandparent of both
    assert shared_confounder(grand, "a", "b").answer == "yes"
    assert "a <-- p <-- g --> q --> b" in shared_confounder(grand, "a", "b").reason
    assert shared_direct_confounder(grand, "a", "b").answer == "no"
    only_collider = dag("abc", "ac", "bc")  # connected only through a common effect
    assert shared_confounder(only_collider, "a", "b").answer == "no"
    assert shared_collider(only_collider, "a", "b").answer == "yes"
    through = dag("zab", "za", "ab")  # z reaches b only through a: not a common cause
    assert shared_confounder(through, "a", "b").answer == "no"
    both = dag("zab", "za", "ab", "zb")  # z --> b directly as well: a common cause
    assert shared_confounder(both, "a", "b").answer == "yes"
    long_way = dag("zwab", "za", "zw", "wb", "ab")  # z --> w --> b avoids a
    assert shared_confounder(long_way, "a", "b").answer == "yes"
    # ambiguous class: g --- p --- a, g --- q --- b; some orientations make g (or p, q) a common cause
    amb = shared_confounder(cpdag_of(grand), "a", "b")
    assert amb.answer == "uncertain" and "3 of 5 orientations" in amb.reason


def three_valued(values: list[bool]) -> str:
    return "yes" if all(values) else "no" if not any(values) else "uncertain"


# ---------------------------------------------------------------- DAGs
CHAIN = dag("abc", "ab", "bc")
FORK = dag("abc", "ba", "bc")
COLLIDER = dag("abc", "ac", "bc")


def test_chain_fork_collider_edge_queries():
    assert direct_cause(CHAIN, "a", "b").answer == "yes"
    assert direct_cause(CHAIN, "b", "a").answer == "no"
    assert "b --> a" not in direct_cause(CHAIN, "b", "a").reason and "a --> b" in direct_cause(CHAIN, "b", "a").reason
    assert direct_cause(CHAIN, "a", "c").answer == "no"
    assert shared_confounder(FORK, "a", "c").answer == "yes"
    assert "a <-- b --> c" in shared_confounder(FORK, "a", "c").reason
    assert shared_confounder(CHAIN, "a", "c").answer == "no"
    assert shared_confounder(COLLIDER, "a", "b").answer == "no"
    assert shared_collider(COLLIDER, "a", "b").answer == "yes"
    assert shared_collider(FORK, "a", "c").answer == "no"
    assert shared_collider(CHAIN, "a", "c").answer == "no"


def test_chain_fork_collider_d_separation():
    for g in (CHAIN, FORK):
        assert d_separated(g, "a", "c", ["b"]).answer == "yes"
        no = d_separated(g, "a", "c")
        assert no.answer == "no" and "the path a" in no.reason
    assert d_separated(COLLIDER, "a", "b").answer == "yes"
    opened = d_separated(COLLIDER, "a", "b", ["c"])
    assert opened.answer == "no" and "a --> c <-- b" in opened.reason
    # conditioning on a descendant of the collider opens it too
    d = dag("abcd", "ac", "bc", "cd")
    assert d_separated(d, "a", "b", ["d"]).answer == "no"


def test_dag_adjustment_sets():
    # z confounds t and y, w is a parent of t only, m mediates
    g = dag(["w", "z", "t", "m", "y"], "wt", "zt", "zy", "tm", "my")
    report = adjustment_report(g, "t", "y")
    assert report.sets == [["w", "z"], ["z"]]
    assert "minimal" in report.reason
    assert adjustment_sets(g, "m", "y") == [["t"]]  # the parents are already minimal here
    reverse = adjustment_report(g, "y", "t")
    assert "not an ancestor" in reverse.reason
    back = adjustment_report(dag("ab", "ba"), "a", "b")
    assert back.sets == [] and back.no_effect_possible


def _backdoor_valid(d: CausalGraph, t: str, y: str, s: list[str]) -> bool:
    G = d.to_networkx()
    if set(s) & nx.descendants(G, t):
        return False
    G.remove_edges_from(list(G.out_edges(t)))
    return nx.is_d_separator(G, {t}, {y}, set(s))


@settings(max_examples=40, deadline=None)
@given(random_dags(max_nodes=6), st.data())
def test_dag_adjustment_sets_are_backdoor_valid(d, data):
    t, y = data.draw(st.permutations(d.nodes))[:2]
    for s in adjustment_sets(d, t, y):
        assert _backdoor_valid(d, t, y, s)


# ---------------------------------------------------------------- CPDAGs against brute force
SMOKING = cpdag_of(CausalGraph(
    nodes=["smoking", "tar", "lung_cancer", "genes"],
    edges=[E("smoking", "tar"), E("tar", "lung_cancer"), E("genes", "lung_cancer")], kind="dag"))


def test_cpdag_hand_example():
    assert [str(e) for e in SMOKING.edges] == ["smoking --- tar", "tar --> lung_cancer", "genes --> lung_cancer"]
    unc = direct_cause(SMOKING, "smoking", "tar")
    assert unc.answer == "uncertain" and "smoking --- tar is undirected" in unc.reason
    yes = direct_cause(SMOKING, "tar", "lung_cancer")
    assert yes.answer == "yes" and "oriented in every DAG of the class" in yes.reason
    assert direct_cause(SMOKING, "lung_cancer", "tar").answer == "no"
    assert shared_collider(SMOKING, "tar", "genes").answer == "yes"
    tar_first = shared_confounder(SMOKING, "smoking", "lung_cancer")  # tar --> smoking is possible
    assert tar_first.answer == "uncertain" and "smoking --- tar --> lung_cancer" in tar_first.reason
    assert shared_confounder(SMOKING, "smoking", "genes").answer == "no"
    assert d_separated(SMOKING, "smoking", "genes").answer == "yes"
    assert d_separated(SMOKING, "smoking", "genes", ["lung_cancer"]).answer == "no"
    report = adjustment_report(SMOKING, "tar", "lung_cancer")
    assert report.sets == [[], ["smoking"]] and report.ambiguous and "IDA" in report.reason


def test_undirected_chain_confounder_is_uncertain():
    g = CausalGraph(nodes=list("abc"), edges=[E("a", "b", "---"), E("b", "c", "---")])
    ans = shared_confounder(g, "a", "c")
    assert ans.answer == "uncertain" and "a --- b --- c" in ans.reason
    assert shared_direct_confounder(g, "a", "c").answer == "uncertain"
    assert shared_collider(g, "a", "c").answer == "no"


def test_confounder_yes_through_different_parents():
    # the triangle a --- b --- c --- a with d compelled: check against brute force whatever it gives
    d = dag("abcd", "ab", "ac", "bc", "bd", "cd")
    cp = cpdag_of(d)
    members = [CausalGraph(nodes=cp.nodes, edges=[E(a, b) for a, b in m], kind="dag") for m in brute_mec(cp)]
    for x, y in itertools.permutations(cp.nodes, 2):
        truth = [bool(set(m.parents(x)) & set(m.parents(y))) for m in members]
        assert shared_direct_confounder(cp, x, y).answer == three_valued(truth)
        assert shared_confounder(cp, x, y).answer == three_valued([common_cause(m, x, y) for m in members])


@settings(max_examples=60, deadline=None)
@given(random_dags(max_nodes=5), st.data())
def test_cpdag_queries_match_brute_force(d, data):
    cp = cpdag_of(d)
    members = [CausalGraph(nodes=cp.nodes, edges=[E(a, b) for a, b in m], kind="dag") for m in brute_mec(cp)]
    for x, y in itertools.permutations(cp.nodes, 2):
        assert direct_cause(cp, x, y).answer == three_valued([m.has_edge(x, y, "-->") for m in members])
        assert shared_direct_confounder(cp, x, y).answer == three_valued(
            [bool(set(m.parents(x)) & set(m.parents(y))) for m in members])
        assert shared_confounder(cp, x, y).answer == three_valued([common_cause(m, x, y) for m in members])
        assert shared_confounder(d, x, y).answer == ("yes" if common_cause(d, x, y) else "no")
        assert shared_collider(cp, x, y).answer == three_valued(
            [bool(set(m.children(x)) & set(m.children(y))) for m in members])
    x, y = data.draw(st.permutations(cp.nodes))[:2]
    z = data.draw(st.lists(st.sampled_from([n for n in cp.nodes if n not in (x, y)] or ["_"]), unique=True))
    z = [v for v in z if v != "_"]
    expected = three_valued([nx.is_d_separator(m.to_networkx(), {x}, {y}, set(z)) for m in members])
    assert expected != "uncertain"  # Markov equivalence
    assert d_separated(cp, x, y, z).answer == expected
    # IDA: one set per possible parent set of the treatment (those containing the outcome dropped)
    expected_sets = {tuple(sorted(m.parents(x))) for m in members if y not in m.parents(x)}
    got = adjustment_report(cp, x, y)
    assert {tuple(sorted(s)) for s in got.sets} == expected_sets
    assert got.no_effect_possible == any(y in m.parents(x) for m in members)


# ---------------------------------------------------------------- PAGs
PAG = CausalGraph(nodes=list("abcde"), kind="pag", edges=[
    E("a", "c", "o->"), E("b", "c", "o->"), E("c", "d"), E("d", "e", "<->"), E("a", "b", "o-o")])


@pytest.mark.parametrize("x, y, answer", [
    ("c", "d", "yes"), ("d", "c", "no"), ("a", "c", "uncertain"), ("c", "a", "no"),
    ("d", "e", "no"), ("e", "d", "no"), ("a", "b", "uncertain"), ("a", "d", "no"),
])
def test_pag_direct_cause(x, y, answer):
    assert direct_cause(PAG, x, y).answer == answer


def test_pag_confounder_and_collider():
    assert shared_confounder(PAG, "d", "e").answer == "yes"
    assert "unmeasured common cause" in shared_confounder(PAG, "d", "e").reason
    assert shared_confounder(PAG, "c", "d").answer == "uncertain"  # --> does not exclude a latent
    maybe = shared_confounder(PAG, "a", "d")  # b may cause a (a o-o b) and reaches d through c
    assert maybe.answer == "uncertain" and "{b} could be a common cause" in maybe.reason
    none = shared_confounder(PAG, "a", "e")  # m-separated given nothing: no common cause, even latent
    assert none.answer == "no" and "m-separated" in none.reason
    assert shared_direct_confounder(PAG, "a", "d").answer == "no"
    chain = CausalGraph(nodes=list("gpab"), kind="pag", edges=[E("g", "p"), E("p", "a"), E("g", "b")])
    assert shared_confounder(chain, "a", "b").answer == "yes"  # g --> p --> a and g --> b are visible
    assert shared_collider(PAG, "a", "b").answer == "uncertain"  # a o-> c <-o b
    definite = CausalGraph(nodes=list("abc"), kind="pag", edges=[E("a", "c"), E("b", "c")])
    assert shared_collider(definite, "a", "b").answer == "yes"
    assert shared_collider(PAG, "c", "e").answer == "no"


def test_pag_m_separation():
    assert d_separated(PAG, "a", "e").answer == "yes"  # d is a collider on c --> d <-> e
    opened = d_separated(PAG, "a", "e", ["d"])
    assert opened.answer == "no" and "latent" in opened.reason
    assert d_separated(PAG, "a", "d", ["c"]).answer == "yes"
    assert d_separated(PAG, "a", "d").answer == "no"
    with pytest.raises(GraphError, match="PAG"):
        adjustment_sets(PAG, "c", "d")


# ---------------------------------------------------------------- errors and scaling
def test_bad_names_and_same_variable():
    with pytest.raises(GraphError, match="Did you mean 'smoking'"):
        direct_cause(SMOKING, "smokng", "tar")
    with pytest.raises(GraphError, match="two different variables"):
        shared_confounder(SMOKING, "tar", "TAR")
    with pytest.raises(GraphError, match="conditioning set"):
        d_separated(SMOKING, "tar", "genes", ["tar"])
    assert direct_cause(SMOKING, "Lung Cancer", "tar").answer == "no"  # case/space-insensitive names


def test_forty_node_queries_are_fast_and_safe():
    g = _big_cpdag()
    start = time.perf_counter()
    ans = shared_confounder(g, "x0", "x1")
    assert ans.answer == "uncertain" and "could not be checked" in ans.reason
    assert direct_cause(g, "x0", "x1").answer == "uncertain"
    assert shared_collider(g, "x0", "x1").answer == "uncertain"
    assert d_separated(g, "x0", "x20").answer == "yes"
    assert d_separated(g, "x14", "x20", ["x17"]).answer == "yes"
    assert direct_cause(g, "x36", "x39").answer == "yes"
    report = adjustment_report(g, "x20", "x21")  # x20 may be a root, a child of x19 or of x21
    assert report.sets == [[], ["x19"]] and report.no_effect_possible
    with pytest.raises(GraphError, match="too many possible parent sets"):
        adjustment_sets(g, "x0", "x1")
    assert time.perf_counter() - start < 15


@settings(max_examples=60, deadline=None)
@given(random_dags(max_nodes=6), st.data())
def test_possible_parent_sets_is_the_ida_enumeration(d, data):
    """One enumeration for adjustment sets and effect ranges: definite parents first, one member
    DAG each, exactly the parent sets of the class's members."""
    from causal_agent.graph_queries import possible_parent_sets

    cp = cpdag_of(d)
    members = [CausalGraph(nodes=cp.nodes, edges=[E(a, b) for a, b in arcs], kind="dag") for arcs in brute_mec(cp)]
    t = data.draw(st.sampled_from(cp.nodes))
    sets = possible_parent_sets(cp, t)
    assert sets[0].into == [] and sets[0].definite == cp.parents(t)
    assert {tuple(sorted(p.parents)) for p in sets} == {tuple(sorted(m.parents(t))) for m in members}
    assert all(sorted(p.dag.parents(t)) == sorted(p.parents) for p in sets)
