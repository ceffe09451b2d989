"""``causal-agent mcp``: the registered tools (a third-party plugin's included) and ``ask`` served
over MCP, tested with the SDK's own clients against real subprocess servers: stdio (the server the
client starts) and streamable HTTP on 127.0.0.1 with a bearer token. Each server is started once
per module; a background thread holds each client session, and the tests send it requests."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import install_plugin

pytest.importorskip("mcp.server.lowlevel", reason="the MCP SDK (mcp >= 2) is not installed: pip install 'causal-agent-kit[mcp]'")

#: generous bound on one request (a cold server, two busy cores)
WAIT_S = 120
TOKEN = "test-token-5b1e"

PLUGIN_SOURCE = textwrap.dedent(
    '''
    """causal-agent-range: the observed range of a variable (a tool the core does not know)."""
    from typing import Annotated

    from causal_agent.hookspecs import hookimpl


    def value_range_tool():
        from langchain_core.tools import tool
        from causal_agent.tool_runtime import ToolRuntime

        @tool("value_range", response_format="content_and_artifact")
        def value_range(x: Annotated[str, "a variable"], runtime: ToolRuntime,
                        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None):
            """The smallest and largest observed value of variable x."""
            ds = runtime.context.datasets.get(dataset)
            var = ds.resolve(x)
            low, high = float(ds.frame[var].min()), float(ds.frame[var].max())
            return f"{var} ranges from {low:g} to {high:g}", {"variable": var, "min": low, "max": high}

        value_range.metadata = {"artifact": "text"}
        return value_range


    @hookimpl
    def register_tools(register):
        register(value_range_tool())
    '''
)


class Session:
    """An MCP ``ClientSession`` held open in a background event loop; ``run`` sends it one request."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.session: Any = None
        self.initialized: Any = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        if not self._ready.wait(WAIT_S) or self._error is not None:
            raise RuntimeError(f"the MCP session did not start: {self._error!r}")

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._hold())

    async def _hold(self) -> None:
        from mcp import ClientSession

        self._stop = asyncio.Event()
        try:
            async with self._connect() as streams, ClientSession(streams[0], streams[1]) as session:
                self.initialized = await session.initialize()
                self.session = session
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:  # noqa: BLE001 - reported to the test that waits
            self._error = exc
            self._ready.set()

    def run(self, request: Callable[[Any], Awaitable[Any]]) -> Any:
        return asyncio.run_coroutine_threadsafe(request(self.session), self._loop).result(WAIT_S)

    def close(self) -> None:
        if self.session is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(WAIT_S)


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """causal-agent-range 0.1.0 installed as a distribution with an entry point (on sys.path here,
    and on the servers' PYTHONPATH)."""
    mp = pytest.MonkeyPatch()
    path = install_plugin(tmp_path_factory.mktemp("plugin"), mp, module="range_plugin", source=PLUGIN_SOURCE,
                          dist="causal-agent-range", version="0.1.0", entry="range")
    yield path
    mp.undo()


@pytest.fixture(scope="module")
def work(tmp_path_factory, clinic_path):
    """The servers' working folder: an allowed data folder (a second CSV, a symlink leading out of
    it), a CSV outside it, and the export folder."""
    root = tmp_path_factory.mktemp("mcp")
    allowed = root / "allowed"
    allowed.mkdir()
    frame = pd.read_csv(clinic_path)
    frame[["age", "smoking", "lung_cancer"]].head(500).to_csv(allowed / "small.csv", index=False)
    frame.head(300).to_csv(root / "outside.csv", index=False)
    (allowed / "link.csv").symlink_to(root / "outside.csv")
    return root


def _env(plugin_path: Path, work: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "CAUSAL_AGENT_LOGS": str(work / "logs.sqlite"), "XDG_DATA_HOME": str(work / "data-home"),
        "XDG_CONFIG_HOME": str(work / "config-home"),
    }


def _server_args(clinic_path: str, work: Path, *extra: str) -> list[str]:
    return ["-m", "causal_agent", "mcp", "--data", str(clinic_path), "--model", "offline", "--resamples", "0",
            "--export-dir", str(work / "exports"), *extra]


@pytest.fixture(scope="module")
def stdio(plugin_path, work, clinic_path):
    """``causal-agent mcp --data clinic.csv --allow-dir allowed`` started by the SDK's stdio client."""
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(
        command=sys.executable, args=_server_args(clinic_path, work, "--allow-dir", str(work / "allowed")),
        env=_env(plugin_path, work), cwd=str(work))
    errlog = (work / "stdio-stderr.txt").open("w")
    session = Session(lambda: stdio_client(params, errlog=errlog))
    yield session
    session.close()
    errlog.close()


@pytest.fixture(scope="module")
def http(plugin_path, work, clinic_path):
    """``causal-agent mcp --transport http --port 0 --token T`` on 127.0.0.1: (url, process)."""
    proc = subprocess.Popen(
        [sys.executable, *_server_args(clinic_path, work, "--transport", "http", "--port", "0", "--token", TOKEN)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=work,
        env={**os.environ, **_env(plugin_path, work)})
    line = proc.stderr.readline()  # the address, printed once the socket listens
    found = re.search(r"(http://127\.0\.0\.1:\d+/mcp)", line)
    if not found:
        proc.kill()
        pytest.fail(f"the HTTP server did not start: {line}{proc.stderr.read()}")
    yield found.group(1), proc
    proc.terminate()
    try:
        proc.wait(WAIT_S)
    except subprocess.TimeoutExpired:  # pragma: no cover - reported by the assertion below
        proc.kill()
    assert proc.returncode == 0, proc.stderr.read()


@pytest.fixture(scope="module")
def http_session(http):
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    url, _ = http

    def connect():  # type: ignore[no-untyped-def]
        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def streams():  # type: ignore[no-untyped-def]
            async with create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"}) as client, \
                    streamable_http_client(url, http_client=client) as pair:
                yield pair

        return streams()

    session = Session(connect)
    yield session
    session.close()


def _text(result: Any) -> str:
    assert len(result.content) == 1 and result.content[0].type == "text"
    return result.content[0].text


def _one_line_error(result: Any) -> str:
    text = _text(result)
    assert result.is_error, text
    assert "\n" not in text and "Traceback" not in text and not text.startswith("Error:"), text
    return text


# -- stdio ------------------------------------------------------------------------------------------
def test_every_registered_tool_is_listed_with_its_schema_plus_ask(stdio, plugin_path):
    from causal_agent.plugins import collect_registry, make_plugin_manager
    from causal_agent.tool_schemas import tool_schema

    assert stdio.initialized.server_info.name == "causal-agent"
    listed = {t.name: t for t in stdio.run(lambda s: s.list_tools()).tools}
    registry = collect_registry(make_plugin_manager())  # the plugin is on sys.path here too
    assert "value_range" in registry.tools and "value_range" in listed
    # every registered tool but the destructive one, plus the server's own
    expected = {n for n, t in registry.tools.items() if (t.metadata or {}).get("access") != "destroy"}
    assert set(listed) == expected | {"ask", "load_data"} and "delete_graph" not in listed
    for name in expected:  # the very schema and description a model is sent
        fn = tool_schema(registry.tools[name])["function"]
        assert listed[name].input_schema == fn["parameters"] and listed[name].description == fn["description"]
    assert listed["ask"].input_schema["required"] == ["question"]
    assert listed["test_independence"].annotations.read_only_hint is True
    assert listed["export_graph"].annotations.read_only_hint is False


def test_independence_over_stdio(stdio):
    result = stdio.run(lambda s: s.call_tool("test_independence", {"x": "smoking", "y": "lung_cancer"}))
    assert not result.is_error, _text(result)
    assert _text(result).startswith("smoking and lung_cancer are dependent")
    assert result.structured_content["independent"] is False and result.structured_content["p_value"] < 0.05


def test_a_plugin_tool_runs_with_the_servers_datasets(stdio, clinic_path):
    frame = pd.read_csv(clinic_path)
    result = stdio.run(lambda s: s.call_tool("value_range", {"x": "Age"}))
    assert not result.is_error, _text(result)
    assert result.structured_content == {"variable": "age", "min": float(frame["age"].min()),
                                         "max": float(frame["age"].max())}


def test_ask_runs_the_whole_agent_and_returns_the_answer_json(stdio):
    from causal_agent.answer import Answer

    result = stdio.run(lambda s: s.call_tool("ask", {"question": "Does smoking directly cause lung_cancer?"}))
    assert not result.is_error, _text(result)
    answer = Answer.model_validate_json(_text(result))
    assert answer.answer == "yes" and answer.complete
    assert [s.tool for s in answer.steps] == ["direct_cause"] and answer.steps[0].status == "ok"
    assert result.structured_content == json.loads(_text(result))
    empty = stdio.run(lambda s: s.call_tool("ask", {"question": "  ", "extra": 1}))  # extra arguments ignored
    assert "the question is empty" in _one_line_error(empty)


def test_stored_graphs_are_resources_as_json_and_dot(stdio):
    from causal_agent.memory import GraphRecord
    from mcp.shared.exceptions import MCPError

    found = stdio.run(lambda s: s.call_tool("discover_graph", {}))
    assert not found.is_error, _text(found)
    key = found.structured_content["key"]
    assert key == "clinic:pc"
    uris = {r.uri: r for r in stdio.run(lambda s: s.list_resources()).resources}
    assert {f"graph://{key}", f"graph://{key}/dot"} <= set(uris)
    assert uris[f"graph://{key}"].mime_type == "application/json"
    templates = {t.uri_template for t in stdio.run(lambda s: s.list_resource_templates()).resource_templates}
    assert templates == {"graph://{key}", "graph://{key}/dot"}

    record = GraphRecord.model_validate_json(stdio.run(lambda s: s.read_resource(f"graph://{key}")).contents[0].text)
    assert record.key == key and record.graph.to_json() == found.structured_content["graph"]
    dot = stdio.run(lambda s: s.read_resource(f"graph://{key}/dot")).contents[0]
    assert dot.mime_type == "text/vnd.graphviz" and dot.text == record.graph.to_dot()
    assert '"smoking" -> "lung_cancer"' in dot.text

    with pytest.raises(MCPError) as missing:
        stdio.run(lambda s: s.read_resource("graph://clinic:pcc"))
    assert "\n" not in missing.value.message and "Did you mean 'clinic:pc'?" in missing.value.message


def test_errors_are_one_line_tool_errors(stdio):
    unknown = stdio.run(lambda s: s.call_tool("test_independence", {"x": "smkng", "y": "lung_cancer"}))
    assert _one_line_error(unknown) == "unknown variable 'smkng' in dataset clinic. Did you mean 'smoking'?"
    missing = stdio.run(lambda s: s.call_tool("test_independence", {"x": "smoking"}))
    assert _one_line_error(missing) == "test_independence: argument 'y': Field required"
    typo = stdio.run(lambda s: s.call_tool("test_independance", {"x": "a", "y": "b"}))
    assert "Did you mean 'test_independence'?" in _one_line_error(typo)
    # destroy tools stay off unless the server was started with --allow-destructive
    refused = _one_line_error(stdio.run(lambda s: s.call_tool("delete_graph", {"key": "clinic:pc"})))
    assert refused.startswith("refused: delete_graph") and "--allow-destructive" in refused
    # the server is still serving
    assert not stdio.run(lambda s: s.call_tool("describe_data", {})).is_error


def test_writes_stay_in_the_export_folder(stdio, work):
    stdio.run(lambda s: s.call_tool("discover_graph", {}))
    escape = _one_line_error(stdio.run(lambda s: s.call_tool("export_graph", {"key": "clinic:pc", "path": "../out.json"})))
    assert escape.startswith("refused:") and not (work / "out.json").exists()
    done = stdio.run(lambda s: s.call_tool("export_graph", {"key": "clinic:pc", "path": "pc.dot"}))
    assert not done.is_error, _text(done)
    assert (work / "exports" / "pc.dot").read_text().startswith("digraph")


def test_load_data_reads_only_inside_the_allowed_folders(stdio, work):
    loaded = stdio.run(lambda s: s.call_tool("load_data", {"path": "small.csv"}))
    assert not loaded.is_error, _text(loaded)
    assert loaded.structured_content["dataset"] == "small" and loaded.structured_content["rows"] == 500
    result = stdio.run(lambda s: s.call_tool("test_independence", {"x": "smoking", "y": "lung_cancer",
                                                                    "dataset": "small"}))
    assert not result.is_error and result.structured_content["n"] == 500
    for path, said in [("../outside.csv", "is outside the folders"), (str(work / "outside.csv"), "is outside"),
                       ("link.csv", "it leads to"), ("nothing.csv", "not a file that exists")]:
        text = _one_line_error(stdio.run(lambda s, p=path: s.call_tool("load_data", {"path": p})))
        assert said in text, text
    names = stdio.run(lambda s: s.call_tool("describe_data", {})).structured_content
    assert "outside" not in json.dumps(names)


# -- HTTP -------------------------------------------------------------------------------------------
def test_http_session_with_the_token(http_session):
    listed = {t.name for t in http_session.run(lambda s: s.list_tools()).tools}
    assert {"value_range", "test_independence", "ask"} <= listed
    assert "load_data" not in listed  # no --allow-dir
    off = _one_line_error(http_session.run(lambda s: s.call_tool("load_data", {"path": "x.csv"})))
    assert "--allow-dir" in off
    result = http_session.run(lambda s: s.call_tool("test_independence", {"x": "smoking", "y": "lung_cancer"}))
    assert not result.is_error and result.structured_content["independent"] is False
    answer = json.loads(_text(http_session.run(lambda s: s.call_tool("ask", {"question": "Is smoking independent of lung_cancer?"}))))
    assert answer["answer"] == "no" and answer["steps"][0]["tool"] == "test_independence"


def test_http_requests_without_the_bearer_token_get_401(http):
    import httpx2

    url, _ = http
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream"}
    assert httpx2.post(url, json=ping, headers=headers, timeout=WAIT_S).status_code == 401
    wrong = httpx2.post(url, json=ping, headers={**headers, "Authorization": "Bearer nope"}, timeout=WAIT_S)
    assert wrong.status_code == 401 and "invalid_token" in wrong.text


def test_a_non_local_host_without_a_token_is_refused_in_one_line(work):
    env = {k: v for k, v in os.environ.items() if k != "CAUSAL_AGENT_MCP_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "causal_agent", "mcp", "--transport", "http", "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=WAIT_S, env=env, cwd=work)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --host 0.0.0.0") and "--token" in lines[0]


# -- in process -------------------------------------------------------------------------------------
def test_check_options_takes_the_token_from_the_environment():
    from causal_agent.mcp_server import McpError, ServeOptions, check_options

    opts = ServeOptions(transport="http", host="0.0.0.0")
    assert check_options(opts, {"CAUSAL_AGENT_MCP_TOKEN": "abc"}).token == "abc"
    assert check_options(opts.model_copy(update={"token": "flag"}), {"CAUSAL_AGENT_MCP_TOKEN": "abc"}).token == "flag"
    with pytest.raises(McpError):
        check_options(opts, {})
    assert check_options(ServeOptions(transport="http"), {}).token is None  # 127.0.0.1 needs none


def test_destructive_tools_only_with_allow_destructive(offline_agent):
    from causal_agent import CausalAgent
    from causal_agent.context import Settings
    from causal_agent.mcp_server import CausalMcp

    assert "delete_graph" not in {t.name for t in CausalMcp(offline_agent).list_tools()}
    allowed = CausalAgent(settings=Settings(allow_destructive=True))
    mcp = CausalMcp(allowed)
    listed = {t.name: t for t in mcp.list_tools()}
    assert listed["delete_graph"].annotations.destructive_hint is True
    gone = mcp.call_tool("delete_graph", {"key": "none:pc"})
    assert "no graph stored under 'none:pc'" in _one_line_error(gone)


def test_a_plugin_tool_named_ask_is_refused():
    from langchain_core.tools import tool

    from causal_agent import CausalAgent
    from causal_agent.errors import PluginError
    from causal_agent.hookspecs import hookimpl

    @tool
    def ask(question: str) -> str:
        """Shadow the server's ask."""
        return question

    class Shadow:
        @hookimpl
        def register_tools(self, register):  # type: ignore[no-untyped-def]
            register(ask)

    with pytest.raises(PluginError) as exc:
        CausalAgent(plugins=[Shadow()])
    assert "\n" not in str(exc.value) and "named 'ask', which is reserved" in str(exc.value)


@pytest.mark.parametrize("key", ["clinic:pc", "clinic:pc:age,smoking@alpha=0.01", "d:pc:a b,c/dot,x%y"])
def test_graph_uris_round_trip(key):
    from causal_agent.mcp_server import graph_uri, parse_graph_uri

    assert parse_graph_uri(graph_uri(key)) == (key, False)
    assert parse_graph_uri(graph_uri(key, dot=True)) == (key, True)
    assert graph_uri("clinic:pc") == "graph://clinic:pc"


def test_help_does_not_import_the_mcp_sdk():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "causal_agent", "mcp", "--help"],
                          capture_output=True, text=True, timeout=WAIT_S)
    assert proc.returncode == 0 and "--allow-dir" in proc.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert not imported & {"mcp", "mcp_types", "uvicorn", "langgraph", "pandas"}, imported


def test_a_cancelled_request_cancels_its_work_and_close_cancels_the_rest(offline_agent):
    import time

    import anyio

    from causal_agent import cancel
    from causal_agent.mcp_server import CausalMcp

    mcp = CausalMcp(offline_agent)
    seen: list[str] = []

    def work() -> None:  # long work that obeys its token, as the bootstrap and discovery do
        try:
            while True:
                cancel.check()
                time.sleep(0.01)
        except cancel.Cancelled as exc:
            seen.append(str(exc))
            raise

    async def cancelled_request() -> None:
        with anyio.move_on_after(0.3):
            await mcp.in_thread(work)

    anyio.run(cancelled_request)
    deadline = time.monotonic() + 30
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == ["the MCP client cancelled the request"]

    def serving() -> None:
        with pytest.raises(cancel.Cancelled):
            anyio.run(mcp.in_thread, work)

    thread = threading.Thread(target=serving, daemon=True)
    thread.start()
    while not mcp._running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert mcp.close() and seen[-1] == "the MCP server is closing"
    thread.join(30)
