"""A tiny third-party plugin, installed as a real distribution (a module plus a dist-info with an
entry point, put on sys.path), that registers one tool with its own intents and one discovery
algorithm with its capabilities. The core knows neither name: the planner learns the question
from the plugin's examples, the answer is assembled from the artifact kind the tool declares, and
``auto`` picks the algorithm from its declarations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from conftest import install_plugin

PLUGIN_SOURCE = textwrap.dedent(
    '''
    """causal-agent-blanket: the Markov blanket of a variable, and the Chow-Liu tree."""
    import numpy as np

    from causal_agent.hookspecs import hookimpl


    def markov_blanket_tool():
        from langchain_core.tools import tool
        from causal_agent.tool_runtime import ToolRuntime

        from causal_agent.discover import discover

        @tool("markov_blanket", response_format="content_and_artifact")
        def markov_blanket(x: str, runtime: ToolRuntime, dataset: str | None = None):
            """The Markov blanket of variable x: its parents, children and the children's other
            parents in the learned causal graph."""
            ds = runtime.context.datasets.get(dataset)
            var = ds.match(x).name
            g = discover(runtime.context, ds).graph
            rows = [[p, "parent"] for p in g.parents(var)]
            kids = g.children(var)
            rows += [[c, "child"] for c in kids]
            spouses = {p for c in kids for p in g.parents(c) if p != var} - {r[0] for r in rows}
            rows += [[s, "co-parent"] for s in sorted(spouses)]
            rows += [[n, "adjacent (undirected)"] for n in g.undirected_neighbors(var)]
            names = ", ".join(r[0] for r in rows) or "none"
            return f"Markov blanket of {var}: {names}", {
                "title": f"Markov blanket of {var}", "columns": ["variable", "role"], "rows": rows}

        markov_blanket.metadata = {"artifact": "table"}
        return markov_blanket


    def chow_liu(data, names, *, alpha=None, ci_test=None, background=None, **params):
        """Chow-Liu tree: the maximum spanning tree of pairwise mutual information (undirected)."""
        import networkx as nx
        from sklearn.metrics import mutual_info_score

        from causal_agent.graph import CausalGraph

        g = nx.Graph()
        p = data.shape[1]
        for i in range(p):
            for j in range(i + 1, p):
                g.add_edge(i, j, weight=mutual_info_score(data[:, i], data[:, j]))
        tree = nx.maximum_spanning_tree(g)
        edges = [{"source": names[a], "target": names[b], "type": "---"} for a, b in tree.edges]
        return CausalGraph(nodes=list(names), edges=edges, kind="cpdag")


    @hookimpl
    def register_tools(register):
        register(markov_blanket_tool())


    @hookimpl
    def register_intents(register):
        register("markov_blanket", examples=[
            "What is the Markov blanket of {x}?",
            "Give me the Markov blanket of {x}.",
            "Which variables are in the Markov blanket of {x}?",
            "Find the Markov blanket for {x}.",
            "What shields {x} from all other variables?",
            "Which variables make {x} independent of everything else?",
        ])


    @hookimpl
    def register_algorithms(register):
        register("chowliu", chow_liu, "Chow-Liu tree over discrete data (mutual information)",
                 data_kinds=["discrete"], output="cpdag", uses_ci_test=False, cost=0.01,
                 label="Chow-Liu", aliases=["chow-liu"])
    '''
)


@pytest.fixture()
def blanket_plugin(tmp_path, monkeypatch):
    """Install causal-agent-blanket 0.1.0: a module and a dist-info with an entry point."""
    return install_plugin(tmp_path, monkeypatch, module="blanket_plugin", source=PLUGIN_SOURCE,
                          dist="causal-agent-blanket", version="0.1.0", entry="blanket")


def _env(path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(path) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "causal_agent", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _discrete_csv(path) -> str:
    """A seeded discrete chain a -> b -> c -> d (four levels each)."""
    rng = np.random.default_rng(7)
    n = 1500
    a = rng.integers(0, 4, n)
    b = np.where(rng.random(n) < 0.8, a, rng.integers(0, 4, n))
    c = np.where(rng.random(n) < 0.8, b, rng.integers(0, 4, n))
    d = np.where(rng.random(n) < 0.8, c, rng.integers(0, 4, n))
    file = path / "chain.csv"
    pd.DataFrame({"a": a, "b": b, "c": c, "d": d}).to_csv(file, index=False)
    return str(file)


def test_ask_calls_the_plugin_tool_from_a_phrasing_not_among_its_examples(blanket_plugin, clinic_path):
    question = "Which columns form the Markov blanket around smoking?"
    out = _cli("ask", "--data", clinic_path, "--json", question, env=_env(blanket_plugin))
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert [s["tool"] for s in answer["steps"]] == ["markov_blanket"]
    assert answer["steps"][0]["args"]["x"] == "smoking"
    assert answer["model_calls"] == 2 and answer["complete"] is True
    table = answer["tables"][0]
    assert table["title"] == "Markov blanket of smoking" and table["columns"] == ["variable", "role"]
    blanket = {row[0] for row in table["rows"]}
    assert {"age", "stress", "lung_cancer", "yellow_fingers"} <= blanket  # parents and children
    assert "coughing" not in blanket  # two steps away: shielded by lung_cancer


def test_using_the_plugin_algorithm_runs_it(blanket_plugin, tmp_path):
    from causal_agent import CausalAgent

    agent = CausalAgent()
    agent.load(_discrete_csv(tmp_path), name="chain")
    answer = agent.ask("Draw the causal graph using chowliu")
    step = answer.steps[0]
    assert step.tool == "discover_graph" and step.args.get("algorithm") == "chowliu"
    assert step.artifact["algorithm"] == "chowliu" and answer.graph_key == "chain:chowliu"
    skeleton = {frozenset((e["source"], e["target"])) for e in answer.graph["edges"]}
    assert skeleton == {frozenset("ab"), frozenset("bc"), frozenset("cd")}  # the chain's tree


def test_auto_picks_the_plugin_algorithm_when_its_declarations_fit_best(blanket_plugin, tmp_path):
    from causal_agent import CausalAgent

    agent = CausalAgent()
    agent.load(_discrete_csv(tmp_path), name="chain")
    found = agent.ask("Draw the causal graph").steps[0].artifact
    assert found["algorithm"] == "chowliu"  # discrete data, cheapest declared fit
    assert "Chow-Liu" in found["reason"]
    continuous = CausalAgent()
    rng = np.random.default_rng(1)
    x = rng.normal(size=800)
    continuous.load(pd.DataFrame({"x": x, "y": x + rng.normal(size=800), "z": rng.normal(size=800)}), name="cont")
    assert continuous.ask("Draw the causal graph").steps[0].artifact["algorithm"] != "chowliu"


def test_an_unknown_algorithm_is_an_error_naming_the_known_ones(blanket_plugin, tmp_path):
    from causal_agent import CausalAgent
    from causal_agent.discover import discover
    from causal_agent.errors import AlgorithmError

    agent = CausalAgent()
    agent.load(_discrete_csv(tmp_path), name="chain")
    with pytest.raises(AlgorithmError) as info:
        discover(agent.context, "chain", algorithm="chowlu")
    message = str(info.value)
    assert "\n" not in message and "'chowlu'" in message
    assert all(name in message for name in ("chowliu", "pc", "fci", "ges", "lingam", "grasp"))
    assert agent.memory.keys() == []  # nothing ran, nothing stored
    # asked in words, a near-miss name reaches the tool as written and its error names the fix
    step = agent.ask("Draw the causal graph using chowlu").steps[0]
    assert step.args["algorithm"] == "chowlu" and step.status == "error"
    assert "chowliu" in step.output and agent.memory.keys() == []
    # a name no plugin registers is not dropped for a silent default either
    answer = agent.ask("Draw the causal graph using foobar")
    (step,) = answer.steps
    assert step.args["algorithm"] == "foobar" and step.status == "error"
    assert all(name in step.output for name in ("chowliu", "pc", "lingam"))
    assert answer.complete is False and answer.incomplete_reason == "no_evidence" and answer.graph is None


def test_plugins_json_lists_the_tool_its_intents_and_the_algorithm(blanket_plugin):
    out = _cli("plugins", "--json", env=_env(blanket_plugin))
    assert out.returncode == 0, out.stderr
    plugin = {p["name"]: p for p in json.loads(out.stdout)}["blanket"]
    assert plugin["version"] == "0.1.0" and plugin["tools"] == ["markov_blanket"]
    assert plugin["intents"] == [{"tool": "markov_blanket", "name": "markov_blanket", "examples": 6}]
    (algo,) = plugin["algorithms"]
    assert algo["name"] == "chowliu" and algo["label"] == "Chow-Liu" and algo["data_kinds"] == ["discrete"]
    assert algo["output"] == "cpdag" and algo["cost"] == 0.01 and algo["uses_ci_test"] is False


def test_a_required_argument_the_question_leaves_out_is_asked_for():
    """Slots come from the tool's schema: a required number is read from the question (its only
    number) or asked for, never left for the tool to fail on."""
    from langchain_core.tools import tool

    from causal_agent.planner import Planner
    from causal_agent.registry import IntentSpec

    @tool
    def top_associates(x: str, k: int) -> str:
        """The k variables most associated with variable x."""
        return ""

    spec = IntentSpec(tool="top_associates", name="top_associates", plugin="test", slots={}, constants={},
                      examples=("Which {k} variables are most associated with {x}?",
                                "Give me the top {k} associates of {x}.", "List {k} variables linked to {x}."))
    planner = Planner([spec], {"top_associates": top_associates})
    cols = {"d": ["smoking", "age", "stress"]}
    plan = planner.plan("Which 3 variables are the most associated with smoking?", cols)
    assert plan.tool == "top_associates" and plan.args["x"] == "smoking" and plan.args["k"] == 3
    plan = planner.plan("Which variables are the most associated with smoking?", cols)
    assert plan.tool is None and any("a value for k" in m for m in plan.missing)
