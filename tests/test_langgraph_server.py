"""The LangGraph platform entry: ``langgraph dev`` serves ``langgraph.json``'s ``causal_agent`` graph.

One real dev server (langgraph-cli[inmem]) for the module, on 127.0.0.1, started from a temporary
folder holding a copy of the repository's ``langgraph.json`` (the server keeps its state in
``.langgraph_api/`` beside it), with every phone-home switched off. The client is ``langgraph_sdk``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the server never reaches the network: no CLI analytics, no PyPI version check, no LangSmith
#: tracing (and no key it could use), no browser, no hot-reload watcher over the folder
OFFLINE_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
}
SECRETS = ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGSMITH_CONTROL_PLANE_API_KEY",
           "LANGGRAPH_CLOUD_LICENSE_KEY", "OPENAI_API_KEY")
START_BOUND_S = 120


def _langgraph_cli() -> list[str] | None:
    """The ``langgraph`` command of THIS interpreter's environment (None when the extra is missing)."""
    if not all(importlib.util.find_spec(m) for m in ("langgraph_cli", "langgraph_api", "langgraph_sdk")):
        return None
    script = Path(sys.executable).with_name("langgraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "langgraph_cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ok", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    command = _langgraph_cli()
    if command is None:
        pytest.skip("langgraph-cli[inmem] is not installed (pip install -e '.[server]')")
    folder = tmp_path_factory.mktemp("langgraph-dev")
    shutil.copy(ROOT / "langgraph.json", folder / "langgraph.json")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("CAUSAL_AGENT_")}
    env.update(OFFLINE_ENV, CAUSAL_AGENT_LOGS="off", CAUSAL_AGENT_CONFIG=str(folder / "no-config.toml"))
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen(
        [*command, "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_BOUND_S
        while not _ok(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (folder / "server.log").read_text()[-3000:]
                pytest.fail(f"langgraph dev did not start within {START_BOUND_S} s "
                            f"(exit code {proc.poll()}):\n{tail}")
            time.sleep(0.2)
        yield url, folder
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        log.close()


def test_langgraph_json_names_the_factory():
    config = json.loads((ROOT / "langgraph.json").read_text())
    assert config["graphs"] == {"causal_agent": "causal_agent.server_graph:make_graph"}


def test_a_run_answers_from_the_runs_data(server, clinic_path):
    from langgraph_sdk import get_client

    url, folder = server

    async def scenario() -> dict:
        client = get_client(url=url)
        assistants = await client.assistants.search(graph_id="causal_agent")
        assert [a["graph_id"] for a in assistants] == ["causal_agent"]
        schemas = await client.assistants.get_schemas(assistants[0]["assistant_id"])
        assert {"data", "memory", "model"} <= set(schemas["context_schema"]["properties"])

        thread = await client.threads.create()
        tid = thread["thread_id"]
        ask = {"role": "user", "content": "Does smoking directly cause lung cancer?"}
        # the datasets come from the run's context ...
        await client.runs.wait(tid, "causal_agent", input={"messages": [ask]},
                               context={"data": [str(clinic_path)]})
        first = (await client.threads.get_state(tid))["values"]
        # ... or from its configurable; a follow-up on the same thread, streamed
        follow = {"role": "user", "content": "What is the causal graph of clinic?"}
        updates = [chunk async for chunk in client.runs.stream(
            tid, "causal_agent", input={"messages": [follow]},
            config={"configurable": {"data": [str(clinic_path)]}}, stream_mode="updates")]
        second = (await client.threads.get_state(tid))["values"]
        stored = await client.store.search_items(("causal_agent", "graphs"))
        failed = await client.runs.wait(tid, "causal_agent", input={"messages": [ask]},
                                        context={"data": [str(folder / "missing.csv")]}, raise_error=False)
        return {"first": first, "updates": updates, "second": second, "stored": stored, "failed": failed}

    got = asyncio.run(asyncio.wait_for(scenario(), timeout=300))

    first = got["first"]["answer"]
    assert first["answer"] == "yes" and first["complete"]
    assert "smoking is a direct cause of lung_cancer" in first["explanation"]
    assert [s["tool"] for s in first["steps"]] == ["direct_cause"]
    assert got["first"]["messages"][-1]["type"] == "ai"

    second = got["second"]
    assert second["answer"]["graph_key"] == "clinic:pc"
    assert {"source": "smoking", "target": "lung_cancer", "type": "-->"} in second["answer"]["graph"]["edges"]
    humans = [m["content"] for m in second["messages"] if m["type"] == "human"]
    assert humans == ["Does smoking directly cause lung cancer?", "What is the causal graph of clinic?"]
    assert any(c.event == "updates" and "agent" in (c.data or {}) for c in got["updates"])
    # the graph learned in the first run was kept in the server's store, and reused
    assert "clinic:pc" in [item["key"] for item in got["stored"]["items"]]
    discover = second["answer"]["steps"][0]
    assert discover["tool"] == "discover_graph" and discover["artifact"]["reused"] is True

    error = got["failed"]["__error__"]
    assert error["error"] == "RunError" and "file not found" in error["message"]
    assert "\n" not in error["message"]


def test_run_options_are_checked_in_one_line():
    from causal_agent.errors import CausalAgentError
    from causal_agent.server_graph import RunError, server_options

    assert server_options({"configurable": {"data": "clinic.csv", "thread_id": "t"}}).data == ["clinic.csv"]
    assert server_options(None).data == [] and server_options({}).memory is None
    with pytest.raises(RunError) as err:
        server_options({"configurable": {"data": 5}})
    message = str(err.value)
    assert "'data'" in message and "\n" not in message and '{"data": ["clinic.csv"]' in message
    assert isinstance(err.value, CausalAgentError) and isinstance(err.value, ValueError)


def test_the_graph_runs_in_process_without_a_server(clinic_path):
    """The factory's graph is an ordinary compiled graph: no server is needed to use it."""
    from causal_agent.server_graph import RunError, make_graph

    config = {"configurable": {"data": [str(clinic_path)]}}
    graph = make_graph(config)
    state = graph.invoke({"messages": [{"role": "user", "content": "Are age and genetics independent?"}]}, config)
    assert state["answer"]["answer"] == "yes" and state["answer"]["steps"][0]["tool"] == "test_independence"
    assert [m.type for m in state["messages"]][0] == "human" and state["messages"][-1].type == "ai"
    with pytest.raises(RunError, match="file not found"):
        make_graph({"configurable": {"data": ["no-such.csv"]}}).invoke(
            {"messages": [{"role": "user", "content": "Are age and genetics independent?"}]})
    with pytest.raises(RunError, match="user message"):
        graph.invoke({"messages": [{"role": "ai", "content": "hello"}]}, config)
