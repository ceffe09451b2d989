"""The mediation tool on hand-built linear SCMs: natural direct and indirect effects against the
truth (products of the SCM's coefficients), and the place of the would-be mediator over the
equivalence class (a mediator, a collider, a descendant of a collider, a confounder, an ambiguous
class, no path)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causal_agent.context import Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.errors import CausalAgentError, GraphError, VariableError
from causal_agent.graph import CausalGraph, Edge
from causal_agent.memory import GraphRecord, Provenance
from causal_agent.plugins import collect_registry, make_plugin_manager
from causal_agent_plugins.mediation.analysis import mediation
from causal_agent_plugins.mediation.paths import structure

N = 800


def scm(coef: dict[str, dict[str, float]], n: int = N, seed: int = 0) -> pd.DataFrame:
    """Linear Gaussian SCM: node -> {parent: coefficient}, in topological order."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for node, parents in coef.items():
        cols[node] = sum((c * cols[p] for p, c in parents.items()), np.zeros(n)) + rng.normal(size=n)
    return pd.DataFrame(cols)


def graph_of(coef: dict[str, dict[str, float]], undirected: tuple[tuple[str, str], ...] = ()) -> CausalGraph:
    und = {frozenset(p) for p in undirected}
    edges = [Edge(source=p, target=c, type="---" if frozenset((p, c)) in und else "-->")
             for c, ps in coef.items() for p in ps]
    return CausalGraph(nodes=list(coef), edges=edges, kind="cpdag" if und else "dag")


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())


def context(registry, name: str, coef, undirected=(), seed: int = 0):
    """A context holding the SCM's data and its graph stored as '<name>:hand'."""
    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0, bootstrap=25))
    ds = load_dataset(scm(coef, seed=seed), name=name)
    ctx.datasets.add(ds)
    g = graph_of(coef, undirected)
    ctx.memory.put(GraphRecord(key=f"{name}:hand", graph=g, provenance=Provenance(
        dataset=name, fingerprint=ds.fingerprint, variables=g.nodes, algorithm="pc")))
    return ctx


# z confounds x and y; x acts on y directly (0.5) and through m (1.5 * 2 = 3); c is a collider of
# x and y and d a child of c
MEDIATED = {"z": {}, "x": {"z": 0.8}, "m": {"x": 1.5}, "y": {"m": 2.0, "x": 0.5, "z": 0.6},
            "c": {"x": 1.0, "y": 1.0}, "d": {"c": 1.0}, "w": {}}
TRUE_NIE, TRUE_NDE = 1.5 * 2.0, 0.5


@pytest.fixture(scope="module")
def mediated(registry):
    ctx = context(registry, "med", MEDIATED)
    return ctx, mediation(ctx, "x", "y", "m", question="through", graph_key="med:hand")


def by_label(result) -> dict:
    return {e["label"]: e for e in result.effects}


def test_a_mediator_gives_the_true_direct_and_indirect_effects_within_their_cis(mediated):
    _, r = mediated
    assert r.answer == "yes" and r.mediator_on_path == "yes"
    eff = by_label(r)
    assert set(eff) == {"total", "direct", "indirect"}
    for label, truth in (("indirect", TRUE_NIE), ("direct", TRUE_NDE), ("total", TRUE_NIE + TRUE_NDE)):
        e = eff[label]
        assert e["ci_low"] <= truth <= e["ci_high"], (label, e)
        assert abs(e["estimate"] - truth) < 0.15 * max(abs(truth), 1), (label, e)
    assert eff["total"]["estimate"] == pytest.approx(eff["direct"]["estimate"] + eff["indirect"]["estimate"], abs=1e-6)
    assert r.effects[r.headline]["label"] == "indirect"  # the effect the question is about
    assert r.first_stage_adjustment == ["z"]  # the parents of x, not a set DoWhy picked in set order
    assert r.proportion_mediated == pytest.approx(TRUE_NIE / (TRUE_NIE + TRUE_NDE), abs=0.05)
    assert "sequential ignorability" in r.summary and "linear" in r.summary
    assert r.path == ["x", "m", "y"]


def test_partial_mediation_is_not_full_and_leaves_a_direct_effect(mediated):
    ctx, _ = mediated
    full = mediation(ctx, "x", "y", "m", question="fully", graph_key="med:hand")
    assert full.answer == "no" and "direct effect" in full.reason
    assert full.effects[full.headline]["label"] == "direct"
    # scaling: the contrast t0 -> t1 multiplies every effect
    direct = mediation(ctx, "x", "y", "m", question="direct", t0=1, t1=3, graph_key="med:hand")
    assert direct.answer == "yes"
    assert by_label(direct)["direct"]["estimate"] == pytest.approx(2 * by_label(full)["direct"]["estimate"], rel=1e-6)


def test_full_mediation_is_yes(registry):
    coef = {"x": {}, "m": {"x": 1.0}, "y": {"m": 1.0}}
    ctx = context(registry, "full", coef, seed=3)
    r = mediation(ctx, "x", "y", "m", question="fully", graph_key="full:hand")
    assert r.answer == "yes", r.summary
    eff = by_label(r)
    assert eff["direct"]["ci_low"] <= 0 <= eff["direct"]["ci_high"]
    assert eff["indirect"]["ci_low"] > 0


@pytest.mark.parametrize(("m", "role", "words"), [
    ("c", "collider", "common effect (a collider)"),
    ("d", "descendant of a collider", "common effect (collider) of x and y"),
    ("z", "cause of the treatment", "confounds them"),
    ("w", "not an effect of the treatment", "no directed path"),
])
def test_no_mediator_is_a_no_with_the_reason(mediated, m, role, words):
    ctx, _ = mediated
    r = mediation(ctx, "x", "y", m, question="through", graph_key="med:hand")
    assert r.answer == "no" and r.mediator_on_path == "no"
    assert r.role == role and words in r.reason
    eff = by_label(r)
    assert eff["indirect"]["estimate"] == 0 and eff["indirect"]["ci_low"] is None  # implied by the graph
    assert eff["direct"]["estimate"] == pytest.approx(eff["total"]["estimate"])
    full = mediation(ctx, "x", "y", m, question="fully", graph_key="med:hand")
    assert full.answer == "no"  # nothing goes through it


def test_an_ambiguous_class_is_uncertain_with_a_range(registry):
    # x --- m --- y, no v-structure: x -> m -> y, x <- m <- y and x <- m -> y are all possible
    coef = {"x": {}, "m": {"x": 1.0}, "y": {"m": 1.0}}
    ctx = context(registry, "amb", coef, undirected=(("x", "m"), ("m", "y")), seed=5)
    st = structure(ctx.memory.get("amb:hand").graph, "x", "m", "y")
    assert st.answer == "uncertain" and st.members == 3 and st.on_path_members == 1
    r = mediation(ctx, "x", "y", "m", question="through", graph_key="amb:hand")
    assert r.answer == "uncertain" and "1 of 3" in r.reason
    rng = by_label(r)["indirect"]["range"]
    assert rng["min"] == 0 and rng["max"] > 0.5 and not rng["agree"]
    assert by_label(r)["indirect"]["headline"] == "range"


def test_bad_roles_and_graphs_are_one_line_errors(mediated):
    ctx, _ = mediated
    with pytest.raises(VariableError, match="mediator x is also the treatment"):
        mediation(ctx, "x", "y", "x", graph_key="med:hand")
    with pytest.raises(CausalAgentError, match="no node 'q'|unknown|not found|q"):
        mediation(ctx, "x", "y", "q", graph_key="med:hand")
    pag = CausalGraph(nodes=["x", "m", "y"], edges=[Edge(source="x", target="m", type="o->"),
                                                     Edge(source="m", target="y", type="-->")], kind="pag")
    with pytest.raises(GraphError, match="PAG"):
        structure(pag, "x", "m", "y")


def test_the_planner_reads_the_mediator_and_never_guesses_it(registry):
    from causal_agent.planner.plan import Planner

    planner = Planner.from_registry(registry)
    cols = {"clinic": ["genetics", "smoking", "lung_cancer", "coughing"]}
    p = planner.plan("Would genetics act on lung cancer by way of smoking at all?", cols)
    assert p.tool == "mediation" and p.args["mediator"] == "smoking"
    assert (p.args["treatment"], p.args["outcome"]) == ("genetics", "lung_cancer")
    p = planner.plan("Is the effect of smoking on coughing fully mediated by lung cancer?", cols)
    assert p.tool == "mediation" and p.args["question"] == "fully" and p.args["mediator"] == "lung_cancer"
    p = planner.plan("What fraction of the smoking effect on coughing is carried by lung_cancer?", cols)
    assert p.tool == "mediation" and p.args["question"] == "through" and p.args["mediator"] == "lung_cancer"
    # no variable named as the mediator: ask, never guess one
    p = planner.plan("Is the effect of smoking on coughing mediated?", cols)
    assert p.tool is None and any("mediator" in m for m in p.missing), p


def test_the_agent_answers_with_three_effects_and_the_headline(registry, tmp_path):
    """Through the offline agent: discovery, the tool, Answer.effects (total, direct, indirect) and
    Answer.effect the one asked about, the verdict in the question's polarity."""
    from causal_agent import CausalAgent

    coef = {"z1": {}, "z2": {}, "x": {"z1": 0.9, "z2": 0.9}, "z3": {}, "m": {"x": 1.0, "z3": 0.9},
            "z4": {}, "y": {"m": 1.0, "x": 0.7, "z4": 0.9}}
    agent = CausalAgent(model="offline", settings=Settings(discovery_resamples=0, bootstrap=25), log=False)
    agent.load(scm(coef, n=1000, seed=11), name="chain")
    ans = agent.ask("Does x affect y through m?")
    assert ans.answer == "yes", ans.explanation
    labels = [e.label for e in ans.effects]
    assert labels == ["total", "direct", "indirect"]
    assert ans.effect is not None and ans.effect.label == "indirect"
    assert ans.effect.ci_low <= 1.0 <= ans.effect.ci_high
    neg = agent.ask("Is the effect of x on y not mediated by m?")
    assert neg.answer == "no"


def test_the_eval_truth_is_the_sum_of_path_products_and_the_oracle_agrees_with_the_tool():
    """The benchmark's NIE/NDE come from the SCM's coefficients (independent of the code scored):
    checked against an explicit sum over directed paths; the oracle's "mediates" over the class
    against the tool's structure() on random DAGs' CPDAGs."""
    import itertools

    import networkx as nx

    from causal_agent.graph import cpdag_of
    from causal_agent_evals.oracle import Oracle
    from causal_agent_evals.scm import build_scm, random_dag
    from causal_agent_evals.truth import linear_mediation

    rng = np.random.default_rng(4)
    for k in range(6):
        dag = random_dag(6, 0.5, rng, names=[f"v{i}" for i in range(6)])
        scm = build_scm(dag, "linear_gaussian", rng)
        b = scm.coefficient_matrix()
        idx = {n: i for i, n in enumerate(scm.order)}

        def paths_through(t, y, m):
            out = 0.0
            for path in nx.all_simple_paths(dag, t, y):
                if m in path:
                    out += float(np.prod([b[idx[a], idx[c]] for a, c in itertools.pairwise(path)]))
            return out

        oracle = Oracle(dag)
        cpdag = cpdag_of(CausalGraph.from_networkx(dag, kind="dag"))
        for t, y, m in itertools.permutations(dag.nodes, 3):
            te, nde, nie = linear_mediation(scm, t, y, m)
            assert nie == pytest.approx(paths_through(t, y, m), abs=1e-9)
            assert te == pytest.approx(nde + nie)
            assert oracle.mediates_over_class(t, m, y) == structure(cpdag, t, m, y).answer, (k, t, m, y)
