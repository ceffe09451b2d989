"""Edge-level graph-query tools (and describe_data) through a real LangGraph ToolNode."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from causal_agent.context import AgentContext, Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.plugins import collect_registry, make_plugin_manager

TOOLS = ("direct_cause", "shared_confounder", "shared_collider", "d_separation", "adjustment_sets",
         "describe_data")


def linear(edges: dict[str, list[str]], n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for node, parents in edges.items():
        cols[node] = sum((0.8 * cols[p] for p in parents), np.zeros(n)) + rng.normal(size=n)
    return pd.DataFrame(cols)


CHAIN = {"smoking": [], "tar": ["smoking"], "lung_cancer": ["tar"]}
COLLIDER = {"A": [], "C": [], "B": ["A", "C"]}


@pytest.fixture(scope="module")
def registry():
    """What the installed plugins register, as an agent collects it."""
    return collect_registry(make_plugin_manager())


@pytest.fixture()
def env(registry):
    """(ctx, call, pc_calls): a context with chain and collider data, and a ToolNode caller."""
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    tools = dict(registry.tools)
    assert set(TOOLS) <= set(tools)
    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0))  # counts PC runs
    ctx.datasets.add(load_dataset(linear(CHAIN, seed=1), name="chain"))
    ctx.datasets.add(load_dataset(linear(COLLIDER, seed=2), name="collider"))
    calls = [0]
    original = ctx.algorithms["pc"]

    @functools.wraps(original.function)
    def counted(*args, **kwargs):
        calls[0] += 1
        return original.function(*args, **kwargs)

    ctx.algorithms["pc"] = replace(original, function=counted)
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode([tools[n] for n in TOOLS], handle_tool_errors=True))
    builder.add_edge(START, "tools")
    app = builder.compile()

    def call(name: str, **args: object):
        msg = AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "1"}])
        return app.invoke({"messages": [msg]}, context=ctx)["messages"][-1]

    return ctx, call, calls


def test_schemas_hide_runtime(registry):
    tools = registry.tools
    for name in TOOLS:
        props = tools[name].tool_call_schema.model_json_schema()["properties"]
        assert "runtime" not in props and "dataset" in props
    assert {"x", "y", "graph_key"} <= set(tools["direct_cause"].tool_call_schema.model_json_schema()["properties"])
    assert "given" in tools["d_separation"].tool_call_schema.model_json_schema()["properties"]


def test_direct_cause_yes_no_uncertain(env):
    ctx, call, _ = env
    yes = call("direct_cause", x="A", y="B", dataset="collider")
    assert yes.status == "success" and yes.artifact["answer"] == "yes"
    assert yes.content.startswith("Is A a direct cause of B? Yes: A --> B")
    assert "(graph collider:pc from PC (Fisher-z, alpha 0.05))" in yes.content  # discover.method_label
    artifact = yes.artifact
    assert {"question", "x", "y", "answer", "reason", "graph_key", "algorithm", "graph"} <= set(artifact)
    assert artifact["graph_key"] == "collider:pc" and artifact["algorithm"] == "pc"
    assert {"source": "A", "target": "B", "type": "-->"} in artifact["graph"]["edges"]
    assert call("direct_cause", x="B", y="A", dataset="collider").artifact["answer"] == "no"
    assert call("direct_cause", x="A", y="C", dataset="collider").artifact["answer"] == "no"
    # a chain's CPDAG is undirected: the direction is not identified
    unsure = call("direct_cause", x="smoking", y="tar", dataset="chain")
    assert unsure.artifact["answer"] == "uncertain" and "undirected" in unsure.artifact["reason"]
    assert call("direct_cause", x="smoking", y="lung_cancer", dataset="chain").artifact["answer"] == "no"


def test_confounder_collider_dseparation_adjustment(env):
    _, call, _ = env
    assert call("shared_collider", x="A", y="C", dataset="collider").artifact["answer"] == "yes"
    assert call("shared_confounder", x="A", y="C", dataset="collider").artifact["answer"] == "no"
    sep = call("d_separation", x="A", y="C", dataset="collider")
    assert sep.artifact["answer"] == "yes" and sep.artifact["given"] == []
    opened = call("d_separation", x="A", y="C", given=["B"], dataset="collider")
    assert opened.artifact["answer"] == "no" and opened.artifact["given"] == ["B"]
    assert call("d_separation", x="smoking", y="lung_cancer", given=["tar"],
                dataset="chain").artifact["answer"] == "yes"
    adj = call("adjustment_sets", treatment="tar", outcome="lung_cancer", dataset="chain")
    assert adj.status == "success" and adj.artifact["ambiguous"]
    assert adj.artifact["sets"] == [[], ["smoking"]] and adj.artifact["no_effect_possible"]
    assert adj.content.startswith("Adjustment sets for the effect of tar on lung_cancer")


def test_second_question_reuses_the_graph(env):
    ctx, call, pc_calls = env
    first = call("direct_cause", x="smoking", y="tar")  # no dataset: the last loaded is 'collider'
    assert first.status == "error"  # smoking is not a column of 'collider'
    first = call("direct_cause", x="smoking", y="tar", dataset="chain")
    assert first.artifact["reused"] is False and pc_calls[0] == 1
    second = call("shared_confounder", x="smoking", y="lung_cancer", dataset="chain")
    assert second.artifact["reused"] is True and pc_calls[0] == 1
    assert "reused from memory" in second.content
    assert ctx.memory.keys() == ["chain:pc"]
    by_key = call("direct_cause", x="tar", y="lung cancer", graph_key="chain:pc")
    assert by_key.artifact["reused"] is None and by_key.artifact["y"] == "lung_cancer"
    assert pc_calls[0] == 1


def test_names_are_resolved_and_errors_are_messages(env):
    _, call, _ = env
    typo = call("direct_cause", x="Smokng", y="TAR", dataset="chain")
    assert typo.status == "success" and (typo.artifact["x"], typo.artifact["y"]) == ("smoking", "tar")
    assert "read as 'smoking'" in typo.content
    unknown = call("direct_cause", x="weight", y="tar", dataset="chain")
    assert unknown.status == "error" and "unknown variable 'weight'" in unknown.content
    same = call("direct_cause", x="tar", y="tar", dataset="chain")
    assert same.status == "error" and "two different variables" in same.content
    inside = call("d_separation", x="tar", y="smoking", given=["tar"], dataset="chain")
    assert inside.status == "error" and "conditioning set" in inside.content
    missing_key = call("direct_cause", x="A", y="B", graph_key="nope:pc")
    assert missing_key.status == "error" and "no graph stored under 'nope:pc'" in missing_key.content


def test_describe_data(env):
    _, call, _ = env
    out = call("describe_data", dataset="chain")
    assert out.status == "success"
    assert out.artifact["datasets"] == ["chain", "collider"] and out.artifact["n_rows"] == 2000
    kinds = {c["name"]: c["kind"] for c in out.artifact["profile"]["columns"]}
    assert kinds == {"smoking": "continuous", "tar": "continuous", "lung_cancer": "continuous"}
    assert "- tar (continuous)" in out.content and "Loaded datasets: chain, collider." in out.content
    last = call("describe_data")
    assert last.artifact["dataset"] == "collider"


def test_describe_data_shows_excluded_columns(registry):
    from causal_agent_plugins.dataset import describe

    frame = linear(CHAIN, n=50).assign(patient_id=range(50), K=1.0)
    frame.loc[:4, "tar"] = np.nan
    ctx = context_from_registry(registry)
    ctx.datasets.add(load_dataset(frame, name="p"))
    text, artifact = describe(ctx)
    assert set(artifact["excluded"]) == {"patient_id", "K"}
    assert "patient_id (identifier, EXCLUDED" in text and "tar (continuous, 5 missing)" in text
