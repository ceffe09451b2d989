"""The plugin system: entry-point discovery, third-party plugins, filtering, no shared state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest
from conftest import install_plugin

from causal_agent.plugins import (
    DEFAULT_PLUGINS,
    builtin_name,
    collect_algorithms,
    collect_tools,
    make_plugin_manager,
    plugin_infos,
)

PLUGIN_SOURCE = textwrap.dedent(
    '''
    """A third-party causal-agent plugin used by the tests."""
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    from causal_agent.hookspecs import hookimpl


    @tool(response_format="content_and_artifact")
    def count_rows(runtime: ToolRuntime, dataset: str | None = None) -> tuple[str, dict]:
        """Count the rows of a loaded dataset."""
        ds = runtime.context.datasets.get(dataset)
        n = ds.profile.n_rows
        return f"{ds.name} has {n} rows", {"rows": n}


    @hookimpl
    def register_tools(register):
        register(count_rows)


    @hookimpl
    def register_commands(cli):
        @cli.command(name="hello-plugin")
        def hello():
            """Say hello from a plugin."""
            print("hello from a plugin")
    '''
)


@pytest.fixture()
def third_party(tmp_path, monkeypatch):
    """Install a tiny plugin distribution (a module plus a dist-info with an entry point)."""
    return install_plugin(tmp_path, monkeypatch, module="rowcount_plugin", source=PLUGIN_SOURCE,
                          dist="causal-agent-rowcount", version="0.3.1", entry="rowcount")


def test_builtins_load_from_the_default_list_not_entry_points():
    eps = {ep.name: ep.dist.name for ep in metadata.entry_points(group="causal_agent")}
    assert "causal-agent" not in eps.values()  # the group is for third parties
    pm = make_plugin_manager()
    assert [pm.get_plugin(builtin_name(m)).__name__ for m in DEFAULT_PLUGINS] == list(DEFAULT_PLUGINS)
    assert builtin_name("causal_agent_evals.plugin") == "evals"
    names = {t.name for t in collect_tools(pm)}
    assert {"test_independence", "discover_graph", "direct_cause", "estimate_effect", "list_graphs"} <= names
    assert {"pc", "fci", "ges", "lingam", "grasp"} <= set(collect_algorithms(pm))


def test_third_party_plugin_loaded_listed_and_callable(third_party, clinic_path):
    pm = make_plugin_manager()
    info = {i.name: i for i in plugin_infos(pm)}
    assert info["rowcount"].version == "0.3.1" and info["rowcount"].tools == ["count_rows"]
    from causal_agent import CausalAgent
    from causal_agent.agent_graph import build_agent_graph  # noqa: F401  (the agent uses it)

    agent = CausalAgent()
    assert "count_rows" in {t.name for t in agent.tools}
    agent.load(clinic_path, name="clinic")
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    from causal_agent.context import AgentContext

    g = StateGraph(MessagesState, context_schema=AgentContext)
    g.add_node("tools", ToolNode(agent.tools))
    g.add_edge(START, "tools")
    out = g.compile().invoke(
        {"messages": [AIMessage("", tool_calls=[{"name": "count_rows", "args": {}, "id": "1"}])]},
        context=agent.context,
    )
    assert out["messages"][-1].artifact == {"rows": 2000}


def test_load_plugins_env_filters_third_party_plugins_only(third_party, monkeypatch):
    builtins = [builtin_name(m) for m in DEFAULT_PLUGINS]
    monkeypatch.setenv("CAUSAL_AGENT_LOAD_PLUGINS", "causal-agent-rowcount")
    assert [i.name for i in plugin_infos(make_plugin_manager())] == [*builtins, "rowcount"]
    monkeypatch.setenv("CAUSAL_AGENT_LOAD_PLUGINS", "some-other-dist")
    assert [i.name for i in plugin_infos(make_plugin_manager())] == builtins
    monkeypatch.setenv("CAUSAL_AGENT_LOAD_PLUGINS", "")
    names = {t.name for t in collect_tools(make_plugin_manager())}
    assert "count_rows" not in names and len(names) >= 10  # the built-ins still load


def test_cli_lists_third_party_plugin_and_its_command(third_party):
    env = {**os.environ, "PYTHONPATH": str(third_party) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "causal_agent", "plugins", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    plugins = {p["name"]: p for p in json.loads(out.stdout)}
    assert plugins["rowcount"]["tools"] == ["count_rows"]
    out = subprocess.run([sys.executable, "-m", "causal_agent", "hello-plugin"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0 and "hello from a plugin" in out.stdout


def test_managers_are_independent():
    a, b = make_plugin_manager(), make_plugin_manager()
    assert a is not b
    ta, tb = collect_tools(a), collect_tools(b)
    assert [t.name for t in ta] == [t.name for t in tb]
