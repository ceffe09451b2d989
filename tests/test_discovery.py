"""Discovery through ``discover()``: recovered CPDAGs, memory reuse, background knowledge, tools."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from conftest import counting

from causal_agent.context import AgentContext, DatasetRegistry
from causal_agent.data import load_dataset
from causal_agent.discover import Background, DiscoveryResult, discover
from causal_agent.errors import AlgorithmError, CausalAgentError, DataError, VariableError
from causal_agent.graph import CausalGraph
from causal_agent.memory import GraphMemory
from causal_agent.plugins import collect_tools, make_plugin_manager


def linear(edges: dict[str, list[str]], n: int = 2000, seed: int = 0, weight: float = 0.8,
           noise=None) -> pd.DataFrame:
    """Linear SCM (Gaussian noise unless ``noise(rng, n)`` is given); parents listed per node."""
    rng = np.random.default_rng(seed)
    draw = noise or (lambda r, k: r.normal(size=k))
    cols: dict[str, np.ndarray] = {}
    for node, parents in edges.items():
        cols[node] = sum((weight * cols[p] for p in parents), np.zeros(n)) + draw(rng, n)
    return pd.DataFrame(cols)


CHAIN = {"A": [], "B": ["A"], "C": ["B"]}
COLLIDER = {"A": [], "C": [], "B": ["A", "C"]}
DAG7 = {
    "X1": [], "X2": [], "X3": ["X1", "X2"], "X4": ["X3"], "X6": ["X2"], "X5": ["X4", "X6"],
    "X7": ["X5"],
}


def make_ctx(algorithms, *frames: tuple[str, pd.DataFrame]) -> AgentContext:
    ctx = AgentContext(datasets=DatasetRegistry(), memory=GraphMemory(), algorithms=dict(algorithms))
    for name, frame in frames:
        ctx.datasets.add(load_dataset(frame, name=name))
    return ctx


def expected_cpdag(edges: dict[str, list[str]]) -> CausalGraph:
    """The true DAG's CPDAG, computed by causal-learn's dag2cpdag."""
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    dag = CausalGraph(
        nodes=list(edges),
        edges=[{"source": p, "target": c, "type": "-->"} for c, ps in edges.items() for p in ps],
        kind="dag",
    )
    return CausalGraph.from_causallearn(dag2cpdag(dag.to_causallearn()), list(edges))


def edge_set(graph: CausalGraph) -> set[str]:
    return {str(e) for e in graph.edges}


def test_pc_orients_collider(algorithms):
    ctx = make_ctx(algorithms, ("collider", linear(COLLIDER, seed=2)))
    result = discover(ctx)
    assert result.algorithm == "pc" and result.ci_test == "fisherz" and result.alpha == 0.05
    assert edge_set(result.graph) == {"A --> B", "C --> B"}
    assert result.key == "collider:pc" and not result.reused
    assert "continuous data, so PC with Fisher-z" in result.reason


def test_pc_leaves_chain_undirected(algorithms):
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    result = discover(ctx, algorithm="pc")
    assert edge_set(result.graph) == {"A --- B", "B --- C"}
    assert result.graph.kind == "cpdag"


def test_pc_recovers_seven_node_cpdag(algorithms):
    ctx = make_ctx(algorithms, ("dag7", linear(DAG7, n=3000, seed=3)))
    result = discover(ctx)
    truth = expected_cpdag(DAG7)
    assert result.graph.shd(truth) == 0, result.graph.to_text()
    assert "X1 --> X3" in edge_set(result.graph) and "X6 --> X5" in edge_set(result.graph)


def test_second_request_runs_no_discovery(algorithms):
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    first = discover(ctx, algorithm="pc")
    second = discover(ctx, algorithm="PC", alpha=0.05)
    assert calls == [1]
    assert not first.reused and second.reused
    assert second.key == first.key and second.graph == first.graph
    assert "no discovery run" in second.summary
    record = ctx.memory.get(first.key)
    assert record.provenance.algorithm == "pc" and record.provenance.ci_test == "fisherz"
    assert record.provenance.fingerprint == ctx.datasets.get("chain").fingerprint
    assert record.provenance.reason == first.reason and record.provenance.elapsed_s is not None
    # other parameters are another graph
    third = discover(ctx, algorithm="pc", alpha=0.01)
    assert calls == [2] and not third.reused and third.key == "chain:pc@alpha=0.01"


def test_changed_data_recomputes(algorithms):
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    first = discover(ctx)
    ctx.datasets.add(load_dataset(linear(COLLIDER, seed=2), name="chain"))  # same name, new content
    second = discover(ctx)
    assert calls == [2] and not second.reused and second.key == first.key
    assert edge_set(second.graph) == {"A --> B", "C --> B"}
    assert ctx.memory.get(first.key).provenance.fingerprint == ctx.datasets.get().fingerprint


def test_partial_graph(algorithms):
    ctx = make_ctx(algorithms, ("dag7", linear(DAG7, n=3000, seed=3)))
    result = discover(ctx, variables=["x3", "X1", "X2"])
    assert result.key == "dag7:pc:X1,X2,X3"
    assert result.variables == ["X1", "X2", "X3"] == result.graph.nodes
    assert edge_set(result.graph) == {"X1 --> X3", "X2 --> X3"}
    again = discover(ctx, variables=["X2", "X3", "X1"])
    assert again.reused and again.key == result.key
    assert ctx.memory.get("dag7:pc").graph.subgraph(["X1", "X2", "X3"]) == result.graph
    induced = discover(ctx, variables=["X1", "X4"])  # no direct edge in the full graph
    assert edge_set(induced.graph) == set() and induced.reused
    marginal = discover(ctx, variables=["X1", "X4"], partial="marginal")  # X1 -> X3 -> X4 marginalised
    assert edge_set(marginal.graph) == {"X1 --- X4"}
    assert marginal.key == "dag7:pc:X1,X4@partial=marginal"
    with pytest.raises(AlgorithmError, match="partial-graph mode"):
        discover(ctx, variables=["X1", "X4"], partial="sideways")


def test_background_orients_chain(algorithms):
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    plain = discover(ctx)
    required = discover(ctx, background={"required": [["A", "B"]]})
    assert edge_set(plain.graph) == {"A --- B", "B --- C"}
    assert edge_set(required.graph) == {"A --> B", "B --> C"}  # Meek rule 1 propagates
    assert required.key.startswith("chain:pc@background=") and required.key != plain.key
    assert not required.notes
    reverse = discover(ctx, background=Background(tiers=[["c"], ["b"], ["a"]]))
    assert edge_set(reverse.graph) == {"B --> A", "C --> B"}
    forbidden = discover(ctx, background=Background(forbidden=["B -> A"]))
    assert "A --> B" in edge_set(forbidden.graph)


def test_background_violation_is_reported(algorithms):
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    result = discover(ctx, background={"required": ["A -> C"]})
    assert any("required edge A -> C is absent" in n for n in result.notes)
    assert "required edge A -> C is absent" in result.summary


def test_lingam_uses_tiers(algorithms):
    frame = linear(CHAIN, noise=lambda r, k: r.uniform(-1, 1, size=k), seed=9)
    ctx = make_ctx(algorithms, ("u", frame))
    free = discover(ctx, algorithm="lingam")
    assert free.graph.kind == "dag" and free.ci_test is None and free.alpha is None
    assert edge_set(free.graph) == {"A --> B", "B --> C"}
    forced = discover(ctx, algorithm="lingam", background={"tiers": [["C"], ["B"], ["A"]]})
    assert "A --> B" not in edge_set(forced.graph) and "B --> C" not in edge_set(forced.graph)


@pytest.mark.parametrize("name", ["pc", "fci", "ges", "lingam", "grasp"])
def test_each_algorithm_returns_a_graph(algorithms, name):
    frame = linear(COLLIDER, n=600, seed=11, noise=lambda r, k: r.uniform(-1.5, 1.5, size=k))
    ctx = make_ctx(algorithms, ("small", frame))
    result = discover(ctx, algorithm=name)
    assert isinstance(result, DiscoveryResult) and isinstance(result.graph, CausalGraph)
    assert result.algorithm == name and result.key == f"small:{name}"
    assert sorted(result.graph.nodes) == ["A", "B", "C"]
    skeleton = {frozenset((e.source, e.target)) for e in result.graph.edges}
    assert skeleton == {frozenset("AB"), frozenset("CB")}
    assert ctx.memory.get(result.key).graph == result.graph


def test_auto_choices_say_why(algorithms):
    rng = np.random.default_rng(12)
    n = 2000
    a = rng.integers(0, 3, n)
    b = (a + rng.integers(0, 2, n)) % 3
    c = (b + (rng.random(n) < 0.2)) % 3
    discrete = make_ctx(algorithms, ("d", pd.DataFrame({"a": a, "b": b, "c": c})))
    result = discover(discrete)
    assert (result.algorithm, result.ci_test) == ("pc", "chisq")
    assert "all 3 variables are discrete" in result.reason
    assert edge_set(result.graph) == {"a --- b", "b --- c"}

    uniform = linear(CHAIN, noise=lambda r, k: r.exponential(size=k), seed=13)
    nongauss = make_ctx(algorithms, ("ng", uniform))
    chosen = discover(nongauss)
    assert chosen.algorithm == "lingam" and "non-Gaussian" in chosen.reason
    assert edge_set(chosen.graph) == {"A --> B", "B --> C"}

    gaussian = discover(make_ctx(algorithms, ("g", linear(CHAIN))))
    assert gaussian.algorithm == "pc" and "lingam" not in gaussian.reason.lower()


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"algorithm": "pcc"}, AlgorithmError, "Did you mean 'pc'"),
        ({"variables": ["A"]}, VariableError, "at least 2 variables"),
        ({"variables": ["A", "Q"]}, VariableError, "unknown variable 'Q'"),
        ({"ci_test": "fishr"}, AlgorithmError, "Did you mean 'fisherz'"),
        ({"ci_test": "chisq"}, AlgorithmError, "needs discrete variables"),
        ({"algorithm": "ges", "ci_test": "kci"}, AlgorithmError, "does not use a conditional"),
        ({"algorithm": "ges", "background": {"required": [["A", "B"]]}}, AlgorithmError,
         "cannot use background knowledge"),
        ({"background": {"required": [["A", "Z"]]}}, VariableError, "unknown variable 'Z'"),
        ({"variables": ["A", "B"], "partial": "marginal", "background": {"tiers": [["C"]]}}, VariableError,
         "not among the graph's variables"),
        ({"background": {"required": [["A", "B"]], "forbidden": [["A", "B"]]}}, VariableError,
         "both required and forbidden"),
        ({"background": {"required": ["A -> B"], "tiers": [["B"], ["A"]]}}, VariableError,
         "contradicts the tiers"),
        ({"algorithm": "pc", "depth": 2}, AlgorithmError, "unknown parameter 'depth' for pc"),
        ({"alpha": 0}, AlgorithmError, "alpha must be between 0 and 1"),
        ({"dataset": "chian"}, DataError, "Did you mean 'chain'"),
    ],
)
def test_bad_input_is_one_line(algorithms, kwargs, error, fragment):
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN, n=300)))
    with pytest.raises(error) as info:
        discover(ctx, **kwargs)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, CausalAgentError)
    assert ctx.memory.keys() == []  # nothing half-written


def test_constant_column_is_rejected(algorithms):
    ctx = make_ctx(algorithms, ("k", linear(CHAIN, n=100).assign(K=2.0)))
    with pytest.raises(DataError, match="constant"):
        discover(ctx, variables=["A", "K"])
    assert "K" not in discover(ctx).variables  # excluded from full graphs by the profile


def test_tool_through_toolnode(algorithms):
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    tools = {t.name: t for t in collect_tools(make_plugin_manager())}
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode([tools["discover_graph"]], handle_tool_errors=True))
    builder.add_edge(START, "tools")
    app = builder.compile()

    def call(args: dict) -> object:
        msg = AIMessage(content="", tool_calls=[{"name": "discover_graph", "args": args, "id": "1"}])
        return app.invoke({"messages": [msg]}, context=ctx)["messages"][-1]

    first = call({})
    assert first.status == "success"
    art = first.artifact
    assert {"key", "graph", "algorithm", "ci_test", "alpha", "reason", "reused", "elapsed_s",
            "variables"} <= set(art)
    assert art["key"] == "chain:pc" and art["reused"] is False
    assert CausalGraph.from_json(art["graph"]).has_edge("A", "B")
    assert "chain:pc" in first.content and "A --- B" in first.content
    second = call({"algorithm": "auto"})
    assert second.artifact["reused"] is True and calls == [1]
    oriented = call({"background": {"required": [["A", "B"]]}})
    assert "A --> B" in oriented.content and oriented.artifact["key"] != "chain:pc"
    bad = call({"algorithm": "nope"})
    assert bad.status == "error" and "unknown discovery algorithm 'nope'" in bad.content


def test_background_key_is_canonical_and_notes_survive_reuse(algorithms):
    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    first = discover(ctx, background={"required": [["A", "B"], ["a", "c"]]})
    second = discover(ctx, background={"required": ["A -> C", "A -> B"]})
    assert calls == [1] and second.reused and second.key == first.key
    assert any("required edge A -> C is absent" in n for n in second.notes)


def test_settings_choose_the_default_algorithm(algorithms):
    from causal_agent.context import Settings

    ctx = make_ctx(algorithms, ("chain", linear(CHAIN)))
    ctx.settings = Settings(algorithm="ges", alpha=0.01)
    result = discover(ctx)
    assert result.algorithm == "ges" and result.key == "chain:ges" and result.alpha is None
    pc = discover(ctx, algorithm="pc")
    assert pc.alpha == 0.01 and pc.key == "chain:pc@alpha=0.01"
