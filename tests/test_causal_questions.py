"""The path questions (causes_of, effects_of, causes, explain_association, adjustment_advice) on
hand-built graphs: a mediator, a collider, a descendant of a collider, a confounder, an ambiguous
class and a variable with no path, through the semantics (``causal_agent.graph_queries``) and
through the tools as an agent calls them (a LangGraph ToolNode over a stored graph)."""

from __future__ import annotations

import pytest

from causal_agent import graph_queries as gq
from causal_agent.errors import GraphError
from causal_agent.graph import CausalGraph, Edge


def graph(kind: str, *edges: str, nodes: list[str] | None = None) -> CausalGraph:
    """graph('dag', 'a --> b', 'b --- c')."""
    es, ns = [], list(nodes or [])
    for text in edges:
        a, t, b = text.split()
        es.append(Edge(source=a, target=b, type=t))  # type: ignore[arg-type]
        ns += [n for n in (a, b) if n not in ns]
    return CausalGraph(nodes=ns, edges=es, kind=kind)  # type: ignore[arg-type]


#: X -> M -> Y (mediator M), C -> X, C -> Y (confounder C), X -> K <- Y (collider K), K -> D
#: (descendant of a collider), X -> P (descendant of the treatment only), M-bias X <- A -> B <- E -> Y
#: (B a collider, A on a blocked path), N with no edge at all
ROLES = graph("dag", "C --> X", "C --> Y", "X --> M", "M --> Y", "X --> K", "Y --> K", "K --> D", "X --> P",
              "A --> X", "A --> B", "E --> B", "E --> Y", nodes=["N"])
#: the class of a --- b --- c: a -> b -> c, a <- b <- c and a <- b -> c (three DAGs)
CHAIN_CLASS = graph("cpdag", "a --- b", "b --- c")


# ---- adjustment advice: every role --------------------------------------------------------------
@pytest.mark.parametrize("z, role, answer", [
    ("M", "mediator", "no"),
    ("C", "confounder", "yes"),
    ("K", "collider", "no"),
    ("B", "collider", "no"),  # M-bias: adjusting for B opens X <- A -> B <- E -> Y
    ("D", "descendant of a collider", "no"),
    ("P", "descendant of the treatment", "no"),
    ("A", "none", "no"),  # on a path that B blocks
    ("N", "none", "no"),  # no path at all
])
def test_the_role_of_a_third_variable(z: str, role: str, answer: str) -> None:
    rep = gq.adjustment_role(ROLES, "X", "Y", z)
    assert (rep.role, rep.answer) == (role, answer), rep.reason
    assert rep.roles == {role: 1}
    assert ["A", "C"] in rep.sets or ["C"] in rep.sets  # the adjustment sets come from adjustment_report
    assert z in rep.reason


def test_a_confounder_that_is_also_a_collider_needs_company() -> None:
    """Butterfly: Z causes X and Y and is the collider of A -> Z <- B (A -> X, B -> Y). Adjusting for
    Z blocks X <- Z -> Y but opens X <- A -> Z <- B -> Y: yes, together with A or B."""
    g = graph("dag", "A --> X", "A --> Z", "B --> Z", "B --> Y", "Z --> X", "Z --> Y", "X --> Y")
    rep = gq.adjustment_role(g, "X", "Y", "Z")
    assert rep.role == "confounder and collider" and rep.answer == "yes"
    assert "together with" in rep.reason


def test_the_role_over_an_ambiguous_class_is_uncertain() -> None:
    rep = gq.adjustment_role(CHAIN_CLASS, "a", "c", "b")
    assert rep.role == "uncertain" and rep.answer == "uncertain"
    assert rep.roles == {"mediator": 1, "confounder": 2}  # a -> b -> c; b a common cause or on a <- b <- c
    with pytest.raises(GraphError, match="third variable"):
        gq.adjustment_role(ROLES, "X", "Y", "Y")


# ---- causes and effects of one variable ---------------------------------------------------------
def test_causes_and_effects_of_a_variable_in_a_dag() -> None:
    causes = gq.relatives(ROLES, "Y")
    assert set(causes.of("yes")) == {"C", "X", "M", "A", "E"}
    assert causes.of("uncertain") == [] and "N" in causes.of("no") and "K" in causes.of("no")
    path = {r.variable: r.path for r in causes.relatives}
    assert path["A"] in ("A --> X --> M --> Y",)
    effects = gq.relatives(ROLES, "X", "effects")
    assert set(effects.of("yes")) == {"M", "Y", "K", "D", "P"}
    direct = gq.relatives(ROLES, "X", "effects", direct=True)
    assert set(direct.of("yes")) == {"M", "K", "P"}
    parents = gq.relatives(ROLES, "Y", direct=True)
    assert set(parents.of("yes")) == {"C", "M", "E"}
    assert {r.variable: r.path for r in parents.relatives}["M"] == "M --> Y"


def test_causes_over_an_ambiguous_class_are_possible_with_their_share() -> None:
    rep = gq.relatives(CHAIN_CLASS, "c")
    rows = {r.variable: r for r in rep.relatives}
    assert rows["a"].answer == rows["b"].answer == "uncertain"
    assert rows["a"].share == "in 1 of 3 DAGs of the class" and rows["b"].share == "in 2 of 3 DAGs of the class"
    assert rows["a"].path == "a --- b --- c"
    # an arrow into a v-structure decides what the class alone cannot: a -> b <- c, b --- d
    v = graph("cpdag", "a --> b", "c --> b", "b --> d")
    assert set(gq.relatives(v, "d").of("yes")) == {"a", "b", "c"}
    assert gq.relatives(v, "a", "effects").of("no") == ["c"]


def test_a_definite_ancestor_without_a_directed_path() -> None:
    """x --- a --> y, x --- b --> y with a, b not adjacent: x must be an ancestor of y in every DAG
    (a <- x -> b is forced, else a -> x <- b would be a new v-structure), though no path of
    directed edges shows it; the enumeration finds it."""
    g = graph("cpdag", "x --- a", "x --- b", "a --> y", "b --> y")
    assert gq.total_cause(g, "x", "y").answer == "yes"
    assert {r.variable: r.answer for r in gq.relatives(g, "y").relatives}["x"] == "yes"


# ---- total causation ------------------------------------------------------------------------------
def test_total_causation() -> None:
    yes = gq.total_cause(ROLES, "C", "D")
    assert yes.answer == "yes" and yes.paths and yes.paths[0].startswith("C --> ")
    assert "direct-cause question" in yes.reason
    no = gq.total_cause(ROLES, "Y", "X")
    assert no.answer == "no" and no.paths == []
    assert gq.total_cause(ROLES, "N", "Y").answer == "no"  # no path at all
    maybe = gq.total_cause(CHAIN_CLASS, "a", "c")
    assert maybe.answer == "uncertain" and "1 of the 3 DAGs" in maybe.reason
    # a PAG: a chain of --> edges is causal; a circle mark leaves it open
    pag = graph("pag", "u o-> v", "v --> w")
    assert gq.total_cause(pag, "v", "w").answer == "yes"
    assert gq.total_cause(pag, "u", "w").answer == "uncertain"
    assert gq.total_cause(pag, "w", "u").answer == "no"


# ---- why two variables are associated -------------------------------------------------------------
@pytest.mark.parametrize("a, b, answer, associated", [
    ("X", "Y", "partly", True),  # X -> M -> Y and X <- C -> Y
    ("C", "M", "yes", True),  # C -> X -> M only
    ("P", "M", "no", True),  # P <- X -> M: confounding only
    ("K", "D", "yes", True),
    ("N", "Y", "no", False),  # no path: not associated
    ("A", "E", "no", False),  # A -> B <- E and A -> X ... Y <- E: colliders block both
])
def test_explain_association(a: str, b: str, answer: str, associated: bool) -> None:
    rep = gq.explain_association(ROLES, a, b)
    assert (rep.answer, rep.associated) == (answer, associated), rep.reason
    if associated:
        assert any(p.open == "yes" for p in rep.paths)
    kinds = {k for p in rep.paths for k in p.kinds}
    if (a, b) == ("X", "Y"):
        assert "causal chain X -> Y" in kinds and "confounding via C" in kinds
    if (a, b) == ("A", "E"):
        assert {p.open for p in rep.paths} == {"no"} and "blocked at collider B" in kinds


def test_explain_association_over_the_class_and_a_pag() -> None:
    rep = gq.explain_association(CHAIN_CLASS, "a", "c")
    assert rep.answer == "uncertain" and rep.labels == {"yes": 2, "no": 1}
    pag = graph("pag", "u <-> v")
    assert gq.explain_association(pag, "u", "v").answer == "no"  # only a latent common cause
    assert gq.explain_association(graph("pag", "u o-> v"), "u", "v").answer == "uncertain"


# ---- the tools, as the agent calls them ---------------------------------------------------------
@pytest.fixture(scope="module")
def call():
    """Calls one tool through a LangGraph ToolNode over stored hand-built graphs."""
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    from causal_agent.context import AgentContext, Settings, context_from_registry
    from causal_agent.memory import GraphRecord, Provenance
    from causal_agent.plugins import collect_registry, make_plugin_manager

    registry = collect_registry(make_plugin_manager())
    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0))
    for key, g in (("hand:roles", ROLES), ("hand:chain", CHAIN_CLASS)):
        ctx.memory.put(GraphRecord(key=key, graph=g, provenance=Provenance(
            dataset="hand", fingerprint="none", variables=g.nodes, algorithm="pc")))
    names = ("causes_of", "effects_of", "causes", "explain_association", "adjustment_advice")
    tools = [registry.tools[n] for n in names]
    for t in tools:
        assert t.metadata["access"] == "read"
        assert len(t.description) > 200  # a real model reads it to pick the tool
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode(tools, handle_tool_errors=True))
    builder.add_edge(START, "tools")
    app = builder.compile()

    def run(name: str, **args: object):
        msg = AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "1"}])
        return app.invoke({"messages": [msg]}, context=ctx)["messages"][-1]

    return run


def test_causes_of_is_a_table(call) -> None:
    out = call("causes_of", variable="y", graph_key="hand:roles")  # names resolved case-insensitively
    art = out.artifact
    assert art["title"] == "Causes of Y" and art["columns"][:2] == ["variable", "cause of Y?"]
    assert {r[0]: r[1] for r in art["rows"]}["C"] == "definitely"
    assert {r[0]: r[1] for r in art["rows"]}["N"] == "definitely not"
    assert set(art["definitely"]) == {"C", "X", "M", "A", "E"}
    direct = call("causes_of", variable="Y", direct=True, graph_key="hand:roles").artifact
    assert set(direct["definitely"]) == {"C", "M", "E"} and direct["title"] == "Causes of Y (direct)"
    chain = call("effects_of", variable="a", graph_key="hand:chain").artifact
    assert chain["possibly"] == ["b", "c"] and chain["definitely"] == []


def test_the_verdict_tools(call) -> None:
    yes = call("causes", x="C", y="D", graph_key="hand:roles").artifact
    assert yes["answer"] == "yes" and yes["paths"] and "a directed causal path" in yes["finding"]
    part = call("explain_association", a="X", b="Y", graph_key="hand:roles").artifact
    assert part["answer"] == "partly" and part["associated"] is True
    assert any("confounding via C" in p for p in part["paths"])
    advice = call("adjustment_advice", treatment="X", outcome="Y", variable="B", graph_key="hand:roles").artifact
    assert advice["answer"] == "no" and advice["role"] == "collider"
    assert advice["finding"].startswith("do not adjust for B") and "collider" in advice["finding"]
    unsure = call("causes", x="a", y="c", graph_key="hand:chain").artifact
    assert unsure["answer"] == "uncertain" and "equivalence class" in unsure["finding"]
    bad = call("adjustment_advice", treatment="X", outcome="Y", variable="nope", graph_key="hand:roles")
    assert bad.status == "error" and "nope" in bad.content


def test_partly_reaches_the_answer_and_the_offline_text() -> None:
    """A verdict of "partly" is a verdict: composed, put in the question's polarity, and kept."""
    from causal_agent.planner.compose import render_verdict, shown_verdict

    assert shown_verdict("partly", True) == "partly" and shown_verdict("yes", True) == "no"
    text, shown = render_verdict({"answer": "partly", "finding": "the association is partly causal"}, "", False)
    assert shown == "partly" and text.startswith("Partly.")


# ---- the eval's independent oracle agrees with these semantics ----------------------------------
def _random_dags(n_graphs: int = 14, seed: int = 7):
    import networkx as nx
    import numpy as np

    rng = np.random.default_rng(seed)
    for _ in range(n_graphs):
        p = int(rng.integers(4, 7))
        names = [f"v{i}" for i in range(p)]
        g = nx.DiGraph()
        g.add_nodes_from(names)
        for i in range(p):
            for j in range(i + 1, p):
                if rng.random() < 0.45:
                    g.add_edge(names[i], names[j])
        yield g


def test_the_oracle_and_the_queries_agree_on_random_dags() -> None:
    """causal_agent_evals.oracle computes the path truths with networkx on the true DAG and its
    class by brute force, never through graph_queries; on random DAGs, read as the DAG and as its
    CPDAG, both give the same answers (a semantic bug in either fails here, not in the scores)."""
    import itertools

    from causal_agent.graph import cpdag_of
    from causal_agent_evals.oracle import Oracle
    from causal_agent_evals.truth import dag_graph

    checked = 0
    for dag in _random_dags():
        oracle, g_dag = Oracle(dag), dag_graph(dag)
        g_cls = cpdag_of(g_dag)
        for v in dag.nodes:
            for direction in ("causes", "effects"):
                cls, in_dag = oracle.relatives(v, direction)
                assert {r.variable: r.answer for r in gq.relatives(g_cls, v, direction).relatives} == cls
                assert {r.variable: r.answer for r in gq.relatives(g_dag, v, direction).relatives} == in_dag
        for x, y in itertools.permutations(dag.nodes, 2):
            cls, in_dag = oracle.total_cause(x, y)
            assert (gq.total_cause(g_cls, x, y).answer, gq.total_cause(g_dag, x, y).answer) == (cls, in_dag)
            a_cls, a_dag = oracle.association(x, y)
            assert gq.explain_association(g_cls, x, y).answer == a_cls, (list(dag.edges), x, y)
            assert gq.explain_association(g_dag, x, y).answer == a_dag
            for z in dag.nodes:
                if z in (x, y):
                    continue
                advice, advice_dag, role, role_dag = oracle.z_role(x, y, z)
                got, got_dag = gq.adjustment_role(g_cls, x, y, z), gq.adjustment_role(g_dag, x, y, z)
                assert (got.answer, got.role) == (advice, role), (list(dag.edges), x, y, z, got.reason)
                assert (got_dag.answer, got_dag.role) == (advice_dag, role_dag)
                checked += 1
    assert checked > 250


def test_the_eval_asks_and_scores_the_path_families() -> None:
    """The generated suite poses the five path families with truths from the oracle; a table
    answer is scored per variable, "partly" as a decided label."""
    from causal_agent_evals.generator import SuiteConfig, generate_suite
    from causal_agent_evals.questions import Question
    from causal_agent_evals.scoring import score

    cfg = SuiteConfig(seed=3, n_datasets=2, questions_per_dataset=28, ate_mc_samples=1000)
    qs = [q for q in generate_suite(seed=3, config=cfg, reference=False).questions if q.level == "path"]
    assert {q.question_type for q in qs} == {"Causes-Of", "Effects-Of", "Total-Cause", "Z-Role", "Causal-Association"}
    for q in qs:
        if q.question_type in ("Causes-Of", "Effects-Of"):
            assert set(q.truth) == set(q.truth_dag) == set(q.variables) - {q.interest[0]}
        else:
            assert q.truth in ("yes", "no", "partly", "uncertain") and q.truth_dag in ("yes", "no", "partly")
        if q.question_type == "Z-Role":
            assert any(n.startswith("role in the true DAG: ") for n in q.notes)
    table = {"title": "Causes of Y", "columns": ["variable", "cause of Y?", "path", "note"],
             "rows": [["A", "definitely", "A --> Y", ""], ["B", "possibly", "B --- Y", ""]]}
    q = Question(id="q", question_type="Causes-Of", level="path", dataset="d.csv", variables=["A", "B", "Y"],
                 interest=["Y"], question="What causes Y?", truth={"A": "yes", "B": "uncertain"},
                 truth_dag={"A": "yes", "B": "no"})
    s = score(q, {"tables": [table]})
    assert s.answered and s.correct and not s.correct_dag and s.uncertain and not s.confidently_wrong_dag
    assert s.ceiling_right is False and s.ceiling_uncertain is True
    wrong = {**table, "rows": [["A", "definitely not", "", ""], ["B", "possibly", "", ""]]}
    assert score(q, {"tables": [wrong]}).confidently_wrong_dag
    assoc = Question(id="a", question_type="Causal-Association", level="path", dataset="d.csv", variables=["A", "Y"],
                     interest=["A", "Y"], question="Is it causal?", truth="partly", truth_dag="partly")
    assert score(assoc, {"answer": "partly"}).correct and score(assoc, {"answer": "yes"}).confidently_wrong


def test_the_reference_protocol_reads_cause_questions_as_the_benchmark_labels_them() -> None:
    """"Does X cause Y?" is total causation by default; the published benchmark labels it by a
    direct PC edge, so the reference protocol (Settings.read_as) keeps that reading, and an
    explicit "directly" is a direct edge under both."""
    from causal_agent.planner import Planner
    from causal_agent.plugins import collect_registry, make_plugin_manager
    from causal_agent_evals.reference import protocol_settings

    planner = Planner.from_registry(collect_registry(make_plugin_manager()))
    cols = {"clinic": ["age", "stress", "smoking", "coughing"]}
    default, reference = protocol_settings("default").read_as, protocol_settings("reference").read_as
    assert planner.plan("Does stress cause coughing?", cols, read_as=default).tool == "causes"
    ref = planner.plan("Does stress cause coughing?", cols, read_as=reference)
    assert (ref.tool, ref.args["x"], ref.args["y"]) == ("direct_cause", "stress", "coughing")
    for read_as in (default, reference):
        assert planner.plan("Does stress directly cause coughing?", cols, read_as=read_as).tool == "direct_cause"
        assert planner.plan("What causes coughing?", cols, read_as=read_as).tool == "causes_of"


def test_contrasts_are_read_from_the_phrasing_and_resolved_on_the_data() -> None:
    """'if nobody smoked' / 'reduced by 2' / 'set to 3' become contrast specs the effect tool turns
    into t0 and t1 from the data: a binary treatment 1 -> 0, a continuous one from its mean."""
    import numpy as np
    import pandas as pd

    from causal_agent.data import load_dataset
    from causal_agent.effects.contrast import resolve_contrast
    from causal_agent.errors import DataError
    from causal_agent.planner import Planner
    from causal_agent.plugins import collect_registry, make_plugin_manager

    planner = Planner.from_registry(collect_registry(make_plugin_manager()))
    cols = {"clinic": ["age", "stress", "smoking", "lung_cancer"]}
    for question, treatment, spec in [
        ("If nobody smoked, how much would lung cancer change?", "smoking", "stop"),
        ("How much would lung cancer drop if we reduced smoking by 2?", "smoking", "shift:-2"),
        ("What would lung cancer be if smoking were set to 3?", "smoking", "set:3"),
        ("If smoking were banned, what would happen to lung cancer?", "smoking", "stop"),
    ]:
        plan = planner.plan(question, cols)
        assert (plan.tool, plan.args.get("treatment"), plan.args.get("contrast")) == \
            ("estimate_effect", treatment, spec), (question, plan.args, plan.missing)
    stated = planner.plan("What happens to lung cancer if smoking goes from 2 to 5?", cols)
    assert "contrast" not in stated.args and (stated.args["t0"], stated.args["t1"]) == (2.0, 5.0)

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"drug": rng.integers(0, 2, 200), "dose": rng.normal(3.0, 1.0, 200)})
    ds = load_dataset(frame, name="trial")
    assert resolve_contrast(ds, "drug", "stop")[:2] == (1.0, 0.0)
    assert resolve_contrast(ds, "drug", "set:1")[:2] == (0.0, 1.0)
    with pytest.raises(DataError, match="binary"):
        resolve_contrast(ds, "drug", "shift:2")
    mean = float(frame["dose"].mean())
    t0, t1, what, warnings = resolve_contrast(ds, "dose", "shift:-2")
    assert (t0, t1) == pytest.approx((mean, mean - 2)) and "observed mean" in what and not warnings
    assert resolve_contrast(ds, "dose", "set:3")[:2] == pytest.approx((mean, 3.0))
    t0, t1, what, warnings = resolve_contrast(ds, "dose", "stop")
    assert (t0, t1) == pytest.approx((mean, 0.0)) and "stopping" in what
    with pytest.raises(DataError, match="unknown contrast"):
        resolve_contrast(ds, "dose", "double")
