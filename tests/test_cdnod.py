"""CD-NOD: data from several environments (issue 13, part 3).

The data come from the multi-environment family's own generator (a linear-Gaussian SCM whose
chosen mechanisms shift between environments), so the truth is the generator's, not the code's.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from causal_agent.context import Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.errors import CausalAgentError
from causal_agent.plugins import collect_registry, make_plugin_manager

from cli_helpers import run_cli

#: a -> b -> c <- d, c -> e: b's intercept and c's coefficient on b shift across three sites.
#: Around them: a -> b is oriented only by the context (site -> b <- a), b -> c, d -> c and c -> e by
#: the collider at c and Meek's rules.
EDGES = [("a", "b"), ("b", "c"), ("d", "c"), ("c", "e")]
SHIFTED = {"b": "intercept", "c": "coefficient"}


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())


@pytest.fixture(scope="module")
def three_sites():
    """(environment SCM, pooled frame of 3 x 600 rows with a 'site' column)."""
    from causal_agent_evals.environments import draw_environment_scm

    dag = nx.DiGraph(EDGES)
    rng = np.random.default_rng(7)
    env = draw_environment_scm(dag, rng, n_env=3, context="site", columns=list("abcde"),
                               nodes=list(SHIFTED), kinds=list(SHIFTED.values()))
    env = env.model_copy(update={"labels": ["north", "south", "east"]})
    return env, env.sample([600, 600, 600], np.random.default_rng(8)).round(5)


def _ctx(registry, frame, name="sites", **settings):
    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0, **settings))
    ds = ctx.datasets.add(load_dataset(frame, name=name))
    return ctx, ds


def test_three_environments_two_shifts_found_and_oriented(registry, three_sites):
    from causal_agent.discover import discover

    env, frame = three_sites
    assert sorted(env.changed) == ["b", "c"]  # the generator's truth
    ctx, ds = _ctx(registry, frame)
    result = discover(ctx, ds, context="site")
    g = result.graph
    assert result.algorithm == "cdnod" and result.key == "sites:cdnod@context=site"
    assert "site" not in g.nodes and g.context == "site"
    assert g.changing == ["b", "c"]
    for a, b in EDGES:
        assert g.has_edge(a, b, "-->"), f"{a} -> {b} expected, graph: {g.to_text()}"
    assert len(g.edges) == len(EDGES)
    # the changed set is part of the artifact: JSON, DOT, the text rendering and the summary
    assert g.to_json()["changing"] == ["b", "c"] and g.to_json()["context"] == "site"
    assert '"b" [peripheries=2' in g.to_dot() and "changes with site: b, c" in g.to_text()
    assert "Mechanisms that change with site: b, c" in result.summary
    # memory: the key carries the context and the record comes back as it was
    again = discover(ctx, ds, context="site")
    assert again.reused and again.graph == g
    stored = ctx.memory.get(result.key)
    assert stored.graph.changing == ["b", "c"] and stored.provenance.params["context"] == "site"
    # without the context the same data give a graph over every column, the site among them
    plain = discover(ctx, ds)
    assert plain.algorithm != "cdnod" and "site" in plain.graph.nodes and plain.graph.context is None


def test_context_orients_what_pc_cannot(registry, three_sites):
    """a -> b has no collider of its own: only the change at b (site -> b <- a) orients it."""
    from causal_agent.discover import discover

    _, frame = three_sites
    ctx, ds = _ctx(registry, frame.drop(columns="site"), name="pooled")
    pooled = discover(ctx, ds, algorithm="pc")
    assert pooled.graph.has_edge("a", "b", "---")


def test_registered_with_capabilities_and_auto(registry, three_sites):
    from causal_agent.discover import CONTEXT_ASSUMPTION, choose_algorithm

    algo = registry.algorithms["cdnod"]
    assert algo.label == "CD-NOD" and algo.uses_ci_test and CONTEXT_ASSUMPTION in algo.assumptions
    _, frame = three_sites
    ctx, ds = _ctx(registry, frame)
    names = list("abcde")
    assert choose_algorithm(ds, names, len(frame), ctx.algorithms, ctx.ci_tests)[0] != "cdnod"
    name, test, why = choose_algorithm(ds, names, len(frame), ctx.algorithms, ctx.ci_tests, context="site")
    assert (name, test) == ("cdnod", "fisherz") and "several environments named by site" in why


def test_plain_tests_reproduce_causallearn_cdnod(registry, three_sites):
    """With every test the given CI test, the plugin is causal-learn's cdnod edge for edge."""
    from causallearn.search.ConstraintBased.CDNOD import cdnod

    from causal_agent.graph import CausalGraph
    from causal_agent_plugins.discovery.cdnod import run_cdnod

    _, frame = three_sites
    _, ds = _ctx(registry, frame)
    data = ds.matrix([*"abcde", "site"])
    ours = run_cdnod(data, [*"abcde", "site"], alpha=0.05, ci_test="fisherz", context="site",
                     context_test="ci_test", uc_rule=0, uc_priority=2)
    cg = cdnod(data[:, :5], data[:, 5:], 0.05, "fisherz", uc_rule=0, uc_priority=2, show_progress=False)
    theirs = CausalGraph.from_causallearn(cg.G, [*"abcde", "site"])
    assert ours.edges == theirs.subgraph(list("abcde")).edges
    assert ours.changing == theirs.neighbors("site")


def test_site_codes_are_labels_not_numbers(registry):
    """A shift that is not monotone in the code order (south high, east and north low) is invisible
    to a correlation with the codes; the per-environment tests find it."""
    from causal_agent.discover import discover

    rng = np.random.default_rng(3)
    parts = []
    for label, shift in (("east", 0.0), ("north", 0.0), ("south", 1.5)):
        a = rng.normal(size=600)
        b = 0.8 * a + shift + rng.normal(size=600)
        parts.append(pd.DataFrame({"a": a, "b": b, "site": label}))
    frame = pd.concat(parts, ignore_index=True)
    frame.loc[frame.site == "north", "b"] += 0.0
    frame.loc[frame.site == "east", "b"] += 1.5  # east and south high, north low: codes 0, 1, 2
    ctx, ds = _ctx(registry, frame, name="codes")
    found = discover(ctx, ds, context="site")
    assert found.graph.changing == ["b"] and found.graph.has_edge("a", "b", "-->")
    plain = discover(ctx, ds, context="site", context_test="ci_test")
    assert plain.graph.changing == []  # Fisher-z on the codes: corr(b, code) is about zero


def test_bootstrap_reruns_with_the_context(registry, three_sites):
    from causal_agent.discover import discover

    _, frame = three_sites
    ctx, ds = _ctx(registry, frame)
    result = discover(ctx, ds, context="site", resamples=10)
    support = result.support
    assert support is not None and support.resamples == 10 and not support.failed
    assert support.edge("b", "c").b_to_a == 0  # never oriented against the truth
    assert all(set(g.get("changing", [])) <= {"b", "c", "a", "d", "e"} for g in support.graphs)
    assert sum("b" in g["changing"] and "c" in g["changing"] for g in support.graphs) >= 8


# ---- the planner ---------------------------------------------------------------------------------
ROUTES = [
    # the three phrasings
    ("which mechanisms change across sites?", "discover_graph", "site"),
    ("does the effect of dose on marker differ between batches?", "effect_across_environments", "batch"),
    ("learn the graph, taking the site into account", "discover_graph", "site"),
    # paraphrases (not the intents' examples)
    ("What mechanisms differ from site to site?", "discover_graph", "site"),
    ("Which causal mechanisms are not the same in every batch?", "discover_graph", "batch"),
    ("Do any causal mechanisms shift between the sites?", "discover_graph", "site"),
    ("Please discover the causal structure while accounting for the site.", "discover_graph", "site"),
    ("Treat batch as the environment and learn the causal DAG.", "discover_graph", "batch"),
    ("Is the effect of dose on marker the same in all batches?", "effect_across_environments", "batch"),
    ("Does dose influence marker differently from site to site?", "effect_across_environments", "site"),
    ("Does the effect of age on outcome vary across the batches?", "effect_across_environments", "batch"),
]
COLUMNS = {"trial": ["dose", "marker", "outcome", "age", "score", "site", "batch"]}


@pytest.mark.parametrize(("question", "tool", "context"), ROUTES)
def test_planner_routes_environment_questions(registry, question, tool, context):
    from causal_agent.planner.plan import Planner

    planner = Planner.from_registry(registry)
    plan = planner.plan(question, COLUMNS)
    assert plan.tool == tool, (plan.intent, plan.missing)
    assert plan.args.get("context") == context
    if tool == "effect_across_environments":
        assert (plan.args["treatment"], plan.args["outcome"]) in {("dose", "marker"), ("age", "outcome")}
    else:
        assert "variables" not in plan.args  # the context is no variable of a partial graph


def test_planner_keeps_ordinary_questions(registry):
    from causal_agent.planner.plan import Planner

    planner = Planner.from_registry(registry)
    assert "context" not in planner.plan("Draw the causal graph.", COLUMNS).args
    edge = planner.plan("Is there a direct edge between dose and marker?", COLUMNS)
    assert edge.tool == "direct_cause" and "context" not in edge.args
    partial = planner.plan("Show the causal links between dose, marker and outcome.", COLUMNS)
    assert partial.args.get("variables") == ["dose", "marker", "outcome"] and "context" not in partial.args
    effect = planner.plan("What is the effect of dose on marker?", COLUMNS)
    assert effect.tool == "estimate_effect" and "context" not in effect.args
    independence = planner.plan("Is dose independent of marker given age?", COLUMNS)
    assert independence.tool == "test_independence"


# ---- the effect across environments ----------------------------------------------------------------
def test_effect_differs_only_where_a_coefficient_shifts(registry, three_sites):
    from causal_agent.environments import compare_effects

    env, frame = three_sites
    truth_bc, truth_ab = env.effects("b", "c"), env.effects("a", "b")
    assert max(truth_bc) - min(truth_bc) > 0.5 and max(truth_ab) - min(truth_ab) < 1e-12
    ctx, ds = _ctx(registry, frame)
    differ = compare_effects(ctx, "b", "c", context="site")
    assert differ.answer == "yes" and differ.p_value < 1e-6 and len(differ.effects) == 3
    assert all(e.ci_low < e.estimate < e.ci_high for e in differ.effects)
    assert differ.on_paths == ["c"] and "site -> c" in differ.reason
    same = compare_effects(ctx, "a", "b", context="site")
    assert same.answer in ("no", "uncertain") and same.p_value > 0.01
    assert same.margin is not None and "cannot be ruled out" in same.finding or same.answer == "no"


def test_agent_answers_environment_questions(registry, three_sites, tmp_path):
    from causal_agent import CausalAgent

    _, frame = three_sites
    path = tmp_path / "sites.csv"
    frame.to_csv(path, index=False)
    agent = CausalAgent(settings=Settings(discovery_resamples=0, refute=False))
    agent.load(str(path))
    changed = agent.ask("Which mechanisms change across the sites?")
    assert changed.graph["changing"] == ["b", "c"] and "site" not in changed.graph["nodes"]
    assert "Mechanisms that change with site: b and c" in changed.explanation
    differs = agent.ask("Does the effect of b on c differ between sites?")
    assert differs.answer == "yes" and differs.steps[-1].tool == "effect_across_environments"
    assert "site=north" in differs.explanation


# ---- one-line errors ---------------------------------------------------------------------------------
def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_errors_are_one_line(registry, three_sites):
    from causal_agent.discover import discover
    from causal_agent.environments import compare_effects

    _, frame = three_sites
    ctx, ds = _ctx(registry, frame.assign(batch="b1"))
    with pytest.raises(CausalAgentError) as unknown:
        discover(ctx, ds, context="hospital")
    assert "context column 'hospital' is not a column" in _one_line(unknown.value)
    assert "'site'" in str(unknown.value)  # the closest names
    with pytest.raises(CausalAgentError) as single:
        discover(ctx, ds, context="batch")
    assert "has one value only ('b1')" in _one_line(single.value)
    with pytest.raises(CausalAgentError) as missing:
        discover(ctx, ds, algorithm="cdnod")
    assert "needs a context column" in _one_line(missing.value) and "'site' looks like one" in str(missing.value)
    with pytest.raises(CausalAgentError) as wrong:
        discover(ctx, ds, algorithm="pc", context="site")
    assert "PC does not take a context column" in _one_line(wrong.value)
    with pytest.raises(CausalAgentError) as none:
        compare_effects(ctx, "b", "c")
    assert "needs a context column" in _one_line(none.value)
    assert discover(ctx, ds, context="Site ").graph.context == "site"  # names read as variable names are


def test_cli_context_option(three_sites, tmp_path, capsys):
    _, frame = three_sites
    path = tmp_path / "sites.csv"
    frame.assign(batch="b1").to_csv(path, index=False)
    code, out, err = run_cli(capsys, "ask", "Draw the causal graph.", "--data", str(path), "--context",
                             "hospitl", "--no-progress", "--resamples", "0")
    assert code == 2 and err.count("\n") == 1 and "context column 'hospitl'" in err and "site" in err
    code, out, err = run_cli(capsys, "ask", "Draw the causal graph.", "--data", str(path), "--context",
                             "batch", "--no-progress", "--resamples", "0")
    assert code == 2 and err.count("\n") == 1 and "one value only" in err
    code, out, err = run_cli(capsys, "ask", "Draw the causal graph.", "--data", str(path), "--context",
                             "site", "--json", "--no-progress", "--resamples", "0")
    import json

    answer = json.loads(out)
    assert code == 0 and answer["graph"]["changing"] == ["b", "c"] and answer["graph_key"].endswith("@context=site")


# ---- the profile's suggestion ----------------------------------------------------------------------
def test_profile_suggests_a_context_never_an_ordinary_binary(three_sites):
    _, frame = three_sites
    rng = np.random.default_rng(0)
    n = len(frame)
    extra = frame.assign(treated=rng.integers(0, 2, n), fruit=rng.choice(["apple", "pear", "fig"], n),
                         grp=rng.choice(["g1", "g2", "g3"], n), batch_id=rng.choice([1, 2, 3], n),
                         level=rng.integers(0, 4, n))
    ds = load_dataset(extra, name="extra")
    assert ds.profile.context_columns == ["site", "grp", "batch_id"]
    assert any("'site' looks like an environment index (3 values" in note for note in ds.profile.notes)
    assert any("--include batch_id" in note for note in ds.profile.notes)
    # a suggestion only: nothing uses it unless asked
    assert Settings().context is None


# ---- the eval family -----------------------------------------------------------------------------
def test_family_truth_and_scoring():
    from causal_agent_evals.environments import TEMPLATES, generate_family, score_change
    from causal_agent_plugins.discovery.environments import CHANGING_EXAMPLES, EFFECT_DIFFERENCE_EXAMPLES

    datasets, questions = generate_family(seed=1, n_datasets=3, n_rows=600)
    for ds in datasets:
        assert set(ds.env.changed) == {s.node for s in ds.env.shifts} and 2 <= len(ds.env.labels) <= 5
        assert ds.data[ds.env.context].nunique() == len(ds.env.labels)
    change = [q for q in questions if q.question_type == "ENV-CHANGE"]
    assert len(change) == 3
    q = change[0]
    perfect = {**q.truth_dag, "kind": "cpdag", "context": q.context, "changing": q.truth}
    s = score_change(q, perfect)
    assert s["precision"] == s["recall"] == 1.0 and s["arrow_f1"] == 1.0
    assert s["near_right"] == s["near_edges"] and s["near_wrong"] == 0
    nothing = score_change(q, {**q.truth_dag, "edges": [], "context": q.context, "changing": []})
    assert nothing["recall"] == 0.0 and nothing["precision"] == 1.0
    # the ceiling only orients what the context and the class identify
    assert all(e["type"] in ("-->", "---") for e in q.ceiling["edges"])
    # benchmark phrasings are not training phrasings
    taught = {t.lower() for t in (*CHANGING_EXAMPLES, *EFFECT_DIFFERENCE_EXAMPLES)}
    assert not taught & {t.lower() for ts in TEMPLATES.values() for t in ts}
