"""``causal-agent mcp``: the agent's tools as a Model Context Protocol server.

Why: agent builders wire tools into Claude Desktop, Cursor or their own agents through MCP, so the
same tools the agent binds are offered to any MCP client, under the same rules.

* **One agent per server.** :class:`CausalMcp` wraps one :class:`~causal_agent.agent.CausalAgent`:
  its datasets, graph memory and plugin registrations are the server's state (no globals), and a
  second server in the same process shares nothing with the first.
* **The agent's tools, the agent's runtime.** The tools offered are ``agent.tools``, exactly the
  ones the agent binds to a model: a tool declaring access ``destroy`` (``delete_graph``) only with
  ``--allow-destructive``; a call of a withheld one is a one-line ``refused: …``. Each call runs
  through LangGraph's ``ToolNode`` with the agent's context and store, as inside the agent's graph,
  so a tool receives ``runtime.context`` the same way, a ``write`` tool writes only into the export
  folder (:mod:`causal_agent.exports`), and a failing tool yields the agent's one-line message
  (:func:`causal_agent.agent_graph.tool_error_message`). Schemas and descriptions come from
  :func:`causal_agent.tool_schemas.tool_schema` (the ``full`` style a model is sent).
* **Two tools of the server's own.** ``ask`` runs the whole agent on a question
  (``CausalAgent.ask``, so it is answered and logged like any other question) and returns
  ``Answer.to_json()``; the plugin host refuses a plugin tool named ``ask``
  (:mod:`causal_agent.registry`). ``load_data`` loads another file, only from the folders given with
  ``--allow-dir`` (the path resolved, symlinks and ``..`` included, before it is checked); without
  them it is not offered.
* **Errors are tool errors.** Every failure of a tool call is a ``CallToolResult`` with
  ``isError`` and ONE line of text ("unknown variable 'smkng' in dataset clinic. Did you mean
  'smoking'?"), never a protocol error or a traceback. Arguments are checked against the tool's
  schema first, so a missing or mistyped argument is one line too.
* **Stored graphs are resources**: ``graph://KEY`` is the record as JSON (graph and provenance,
  the document ``export_graph`` writes to a ``.json`` file) and ``graph://KEY/dot`` its DOT text;
  both are listed from the graph memory and offered as resource templates. Characters of a key
  outside ``_URI_SAFE`` are percent-encoded in the URI.
* **Transports.** stdio (the default; the SDK points fd 1 at stderr while serving, so stray output
  cannot corrupt the wire) or streamable HTTP (uvicorn), bound to 127.0.0.1 unless ``--host`` says
  otherwise. Any other address requires a token (``--token`` or ``CAUSAL_AGENT_MCP_TOKEN``), which
  every request must then carry as ``Authorization: Bearer TOKEN`` (else 401); a token given on
  127.0.0.1 is checked as well.
* **Cancellation.** Each call runs in a worker thread under a :class:`~causal_agent.cancel.CancelToken`;
  a client that cancels the request (or goes away) cancels the token, and closing the server
  cancels every running call and ends the child processes they started (the REPL's ``/quit`` rule).

The SDK is ``mcp`` >= 2 (the low-level ``mcp.server.lowlevel.Server``, whose ``on_*`` handlers
let tools be listed from their JSON schemas at run time), imported only by this module. No
``from __future__ import annotations``: LangChain reads the annotations of ``ask`` and
``load_data`` at run time (their argument descriptions are built from the server's folders), so the
names only type checkers import are written as strings.
"""

import hmac
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote, unquote

from pydantic import BaseModel, Field

from .errors import CausalAgentError, DataError, GraphKeyError, suggestion

if TYPE_CHECKING:  # pragma: no cover
    import mcp_types as types
    from mcp.server.lowlevel import Server

    from .agent import CausalAgent

#: the environment variable that holds the HTTP bearer token when --token is not given
TOKEN_ENV = "CAUSAL_AGENT_MCP_TOKEN"
#: addresses that only this machine can reach: no token is required to bind them
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: the path of the streamable-HTTP endpoint
HTTP_PATH = "/mcp"
ASK = "ask"
LOAD_DATA = "load_data"
URI_SCHEME = "graph://"
DOT_SUFFIX = "/dot"
DOT_MIME = "text/vnd.graphviz"
#: characters of a graph key left as they are in its URI (the others are percent-encoded)
_URI_SAFE = ":,=@+"
#: seconds closing the server waits for cancelled calls before it ends their child processes
CLOSE_GRACE_S = 1.0
INSTRUCTIONS = (
    "Causal questions about the loaded tables, answered with real causal tools (causal-learn, "
    "DoWhy). Call describe_data to see the datasets and their variables; the other tools test "
    "independence, learn causal graphs, query them and estimate effects. 'ask' runs the whole "
    "agent on a plain-English question and returns its answer as JSON. Learned graphs are "
    "resources: graph://KEY (JSON) and graph://KEY/dot."
)


class McpError(CausalAgentError):
    """The server cannot start as asked (an unsafe address, a missing folder, no SDK)."""


class ServeOptions(BaseModel):
    """How the server is reached (the ``causal-agent mcp`` options that are not the agent's)."""

    transport: Literal["stdio", "http"] = "stdio"
    host: str = DEFAULT_HOST
    port: int = Field(DEFAULT_PORT, ge=0, le=65535, description="0: any free port (printed at start)")
    allow_dirs: list[str] = Field(default_factory=list, description="folders load_data may read from")
    token: str | None = Field(None, description="bearer token every HTTP request must carry")


def check_options(options: ServeOptions, environ: Mapping[str, str] | None = None) -> ServeOptions:
    """``options`` with the token taken from ``CAUSAL_AGENT_MCP_TOKEN`` when not given; an HTTP
    server on an address other machines can reach without a token is a one-line ``McpError``."""
    env = os.environ if environ is None else environ
    token = options.token if options.token is not None else (env.get(TOKEN_ENV) or None)
    if token is not None and not token.strip():
        raise McpError("the MCP token is empty; give --token TOKEN (or set CAUSAL_AGENT_MCP_TOKEN) to a secret")
    if options.transport == "http" and options.host not in LOCAL_HOSTS and token is None:
        raise McpError(
            f"--host {options.host} would serve the tools to other machines without a token; give --token"
            f" TOKEN (or set {TOKEN_ENV}), which every request must then send as 'Authorization: Bearer"
            " TOKEN', or keep --host 127.0.0.1"
        )
    return options.model_copy(update={"token": token})


def allowed_folders(dirs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The ``--allow-dir`` folders, resolved; one that is not an existing folder is an ``McpError``."""
    out: list[Path] = []
    for raw in dirs:
        folder = Path(raw).expanduser().resolve()
        if not folder.is_dir():
            raise McpError(f"--allow-dir {str(raw)!r} is not an existing folder; give a folder that holds data files")
        if folder not in out:
            out.append(folder)
    return out


def allowed_file(path: str, folders: list[Path]) -> Path:
    """The file ``path`` names, resolved (symlinks and ``..``), when it lies inside one of
    ``folders``; a relative path is read inside the first folder. Else a one-line ``DataError``."""
    shown = ", ".join(str(f) for f in folders)
    text = str(path or "").strip()
    if not text:
        raise DataError(f"no file given; load_data reads files inside {shown}")
    if "://" in text and not text.startswith("file://"):
        raise DataError(f"refused: {text!r} is not a local file; load_data reads files inside {shown}")
    raw = Path(text.removeprefix("file://")).expanduser()
    candidate = raw if raw.is_absolute() else folders[0] / raw
    resolved = candidate.resolve()
    if not any(f in resolved.parents for f in folders):
        via = f" (it leads to {resolved})" if Path(os.path.normpath(candidate)) != resolved else ""
        raise DataError(f"refused: {text!r} is outside the folders the server allows ({shown}){via};"
                        " start the server with --allow-dir FOLDER to allow another")
    if not resolved.is_file():
        what = "a folder" if resolved.is_dir() else "not a file that exists"
        raise DataError(f"{text!r} is {what}; give a CSV/TSV/Parquet file inside {shown}")
    return resolved


def graph_uri(key: str, dot: bool = False) -> str:
    """The resource URI of the graph stored under ``key`` (its DOT text with ``dot``)."""
    return URI_SCHEME + quote(key, safe=_URI_SAFE) + (DOT_SUFFIX if dot else "")


def parse_graph_uri(uri: str) -> tuple[str, bool]:
    """(graph key, DOT wanted) of a ``graph://`` URI; another URI is a ``GraphKeyError``."""
    text = str(uri)
    if not text.startswith(URI_SCHEME) or len(text) == len(URI_SCHEME):
        raise GraphKeyError(f"unknown resource {text!r}; graph resources are graph://KEY and graph://KEY/dot")
    rest = text[len(URI_SCHEME):]
    dot = rest.endswith(DOT_SUFFIX)
    return unquote(rest.removesuffix(DOT_SUFFIX) if dot else rest), dot


def one_line(text: str) -> str:
    """``text`` on one line (an error message from a library may span several)."""
    return " ".join(str(text).split())


def withheld_tools(agent: "CausalAgent") -> dict[str, str]:
    """The registered tools ``agent`` does not bind (a ``destroy`` tool without
    ``--allow-destructive``), each with the one-line reason a call of it is refused."""
    return agent.withheld("MCP clients", "start the server with --allow-destructive to enable it")


class _StaticToken:
    """A ``TokenVerifier`` (the SDK's bearer-auth protocol) that accepts exactly one token."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify_token(self, token: str) -> Any:
        from mcp.server.auth.provider import AccessToken

        if hmac.compare_digest(token.encode(), self._token):
            return AccessToken(token=token, client_id="causal-agent-mcp", scopes=[])
        return None


class CausalMcp:
    """The MCP face of one agent: its tools, ``ask``, ``load_data`` and its graphs as resources.

    The methods are synchronous and return MCP result objects, so they can be used (and tested)
    without a transport; :meth:`server` wraps them in the SDK's low-level ``Server``.
    """

    def __init__(self, agent: "CausalAgent", allow_dirs: Iterable[str | os.PathLike[str]] = ()) -> None:
        from langgraph.prebuilt import ToolNode
        from langgraph.runtime import Runtime

        from .agent_graph import tool_error_message

        self.agent = agent
        self.allow_dirs = allowed_folders(allow_dirs)
        #: the registered tools offered: exactly those the agent binds to its model
        self.tools: dict[str, Any] = {t.name: t for t in agent.tools}
        self.withheld = withheld_tools(agent)
        self.own: dict[str, Any] = {ASK: self._ask_tool()}
        if self.allow_dirs:
            if LOAD_DATA in self.tools:
                print(f"warning: a plugin registers a tool named {LOAD_DATA!r}; the server's own"
                      f" {LOAD_DATA} is not offered", file=sys.stderr)
            else:
                self.own[LOAD_DATA] = self._load_data_tool()
        self._node = ToolNode(list(agent.tools), handle_tool_errors=tool_error_message)
        self._runtime = Runtime(context=agent.context, store=agent.memory.store)
        self._listing: "list[types.Tool] | None" = None
        self._lock = threading.Lock()
        self._running: dict[int, Any] = {}  # id -> CancelToken of each call in progress

    # -- tools ------------------------------------------------------------------------------------
    def list_tools(self) -> "list[types.Tool]":
        """Every offered tool with its JSON schema, description and access hints (built once)."""
        if self._listing is None:
            import mcp_types as types

            from .registry import tool_access
            from .tool_schemas import tool_schema

            listing = []
            for tool in [*self.tools.values(), *self.own.values()]:
                fn = tool_schema(tool, "full")["function"]
                access = tool_access(tool) if tool.name not in self.own else ("write" if tool.name == ASK else "read")
                listing.append(types.Tool(
                    name=fn["name"], description=fn.get("description") or "",
                    input_schema=fn.get("parameters") or {"type": "object", "properties": {}},
                    annotations=types.ToolAnnotations(read_only_hint=access == "read",
                                                      destructive_hint=access == "destroy",
                                                      open_world_hint=False),
                ))
            self._listing = listing
        return self._listing

    def input_schema(self, name: str) -> dict[str, Any] | None:
        """The input schema of the tool ``name`` (None when it is not offered)."""
        return next((t.input_schema for t in self.list_tools() if t.name == name), None)

    def call_tool(self, name: str, arguments: Mapping[str, Any] | None = None) -> "types.CallToolResult":
        """Run one tool; every failure is an ``isError`` result with one line of text."""
        args = dict(arguments or {})
        try:
            tool = self.own.get(name) or self.tools.get(name)
            if tool is None:
                return _error(self._not_offered(name))
            from .models.text_calls import schema_error

            problem = schema_error(tool, tool.tool_call_schema, args)
            if problem:
                return _error(problem)
            if name in self.own:  # validated arguments only (extra ones are ignored, as ToolNode does)
                parsed = tool.tool_call_schema.model_validate(args)
                content, artifact = tool.func(**{k: getattr(parsed, k) for k in type(parsed).model_fields})
                return _result(content, artifact)
            return self._run_registered(name, args)
        except CausalAgentError as exc:
            return _error(str(exc))
        except Exception as exc:  # a library failure is a tool error too, never a crash
            return _error(f"{type(exc).__name__}: {exc}")

    def _not_offered(self, name: str) -> str:
        if name in self.withheld:
            return f"refused: {self.withheld[name]}"
        if name == LOAD_DATA:
            return ("load_data is off: start the server with --allow-dir FOLDER to let clients load"
                    " files from that folder")
        offered = [*self.tools, *self.own]
        return f"unknown tool {name!r}." + suggestion(name, offered, "tool")

    def _run_registered(self, name: str, args: dict[str, Any]) -> "types.CallToolResult":
        """A registered tool through ``ToolNode``, with the agent's context and store injected."""
        from langchain_core.messages import AIMessage

        call = {"name": name, "args": args, "id": "mcp", "type": "tool_call"}
        out = self._node.invoke({"messages": [AIMessage(content="", tool_calls=[call])]},
                                {"metadata": {}, "configurable": {}}, runtime=self._runtime)
        message = out["messages"][0]
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        if message.status == "error":
            return _error(text.removeprefix("Error: "))
        return _result(text, message.artifact)

    def _ask_tool(self) -> Any:
        from langchain_core.tools import tool

        agent = self.agent

        @tool(ASK, response_format="content_and_artifact")
        def ask(
            question: Annotated[str, "the question in plain English, e.g. 'Does smoking cause lung_cancer?'"],
            thread_id: Annotated[str | None, "the same id on a follow-up question continues that"
                                 " conversation; omit for a new one"] = None,
        ) -> tuple[str, dict[str, Any]]:
            """Answer a causal question about the loaded data with the whole agent (it chooses and runs the tools) and return its answer as JSON: the verdict, the graph, the effect, the explanation and the steps."""
            answer = agent.ask(question, thread_id=thread_id)
            text = answer.to_json()
            return text, json.loads(text)

        return ask

    def _load_data_tool(self) -> Any:
        from langchain_core.tools import tool

        agent, folders = self.agent, self.allow_dirs
        where = ", ".join(str(f) for f in folders)

        @tool(LOAD_DATA, response_format="content_and_artifact")
        def load_data(
            path: Annotated[str, f"a CSV, TSV or Parquet file inside {where} (a relative path is"
                            f" read inside {folders[0]})"],
            name: Annotated[str | None, "the dataset's name (default: the file's stem)"] = None,
        ) -> tuple[str, dict[str, Any]]:
            """Load another data file for the tools, from the folders the server allows."""
            from rich.text import Text

            from .agent_graph import dataset_summaries
            from .repl_commands import dataset_line

            ds = agent.load(str(allowed_file(path, folders)), name=name)
            info = {"dataset": ds.name, **dataset_summaries(agent.context)[ds.name],
                    "excluded": list(ds.profile.excluded), "notes": list(ds.profile.notes)}
            return Text.from_markup(dataset_line(ds)).plain, info

        return load_data

    # -- resources --------------------------------------------------------------------------------
    def list_resources(self) -> "list[types.Resource]":
        """Each stored graph twice: as JSON and as DOT text."""
        import mcp_types as types

        out = []
        for record in self.agent.memory.list():
            out.append(types.Resource(name=record.key, uri=graph_uri(record.key), mime_type="application/json",
                                      description=record.summary()))
            out.append(types.Resource(name=f"{record.key} (DOT)", uri=graph_uri(record.key, dot=True),
                                      mime_type=DOT_MIME, description=f"Graphviz DOT text of {record.key}"))
        return out

    def resource_templates(self) -> "list[types.ResourceTemplate]":
        import mcp_types as types

        return [
            types.ResourceTemplate(name="graph", uri_template=URI_SCHEME + "{key}", mime_type="application/json",
                                   description="a stored causal graph with its provenance, as JSON (keys:"
                                   " list_graphs)"),
            types.ResourceTemplate(name="graph-dot", uri_template=URI_SCHEME + "{key}" + DOT_SUFFIX,
                                   mime_type=DOT_MIME, description="a stored causal graph as Graphviz DOT text"),
        ]

    def read_resource(self, uri: str) -> "types.ReadResourceResult":
        """The graph a ``graph://`` URI names; an unknown one raises ``GraphKeyError`` (one line
        naming the stored keys)."""
        import mcp_types as types

        key, dot = parse_graph_uri(uri)
        record = self.agent.memory.get(key)
        if dot:
            contents = types.TextResourceContents(uri=uri, mime_type=DOT_MIME, text=record.graph.to_dot())
        else:
            contents = types.TextResourceContents(uri=uri, mime_type="application/json",
                                                  text=json.dumps(record.model_dump(mode="json"), indent=2))
        return types.ReadResourceResult(contents=[contents])

    # -- running ----------------------------------------------------------------------------------
    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker thread under its own cancel token; a cancelled request
        cancels the token (the work then stops at its next check)."""
        import anyio

        from .cancel import CancelToken, cancellable

        token = CancelToken()

        def work() -> Any:
            with self._lock:
                self._running[id(token)] = token
            try:
                with cancellable(token):
                    return fn(*args)
            finally:
                with self._lock:
                    self._running.pop(id(token), None)

        try:
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            token.cancel("the MCP client cancelled the request")
            raise

    def close(self, grace_s: float = CLOSE_GRACE_S) -> bool:
        """Cancel every running call, wait up to ``grace_s`` for them, then end the child
        processes they started. True when nothing is left running."""
        import time

        from .cancel import terminate_children

        with self._lock:
            tokens = list(self._running.values())
        for token in tokens:
            token.cancel("the MCP server is closing")
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            with self._lock:
                if not self._running:
                    break
            time.sleep(0.02)
        if tokens:
            terminate_children()
        with self._lock:
            return not self._running

    def server(self) -> "Server":
        """The SDK's low-level server over this object's tools and resources."""
        import mcp_types as types
        from mcp.server.lowlevel import Server
        from mcp.shared.exceptions import MCPError

        from .cli import version

        async def list_tools(ctx: Any, params: Any) -> "types.ListToolsResult":
            return types.ListToolsResult(tools=self.list_tools())

        async def call_tool(ctx: Any, params: "types.CallToolRequestParams") -> "types.CallToolResult":
            return await self.in_thread(self.call_tool, params.name, params.arguments)

        async def list_resources(ctx: Any, params: Any) -> "types.ListResourcesResult":
            return types.ListResourcesResult(resources=await self.in_thread(self.list_resources))

        async def list_templates(ctx: Any, params: Any) -> "types.ListResourceTemplatesResult":
            return types.ListResourceTemplatesResult(resource_templates=self.resource_templates())

        async def read_resource(ctx: Any, params: "types.ReadResourceRequestParams") -> "types.ReadResourceResult":
            try:
                return await self.in_thread(self.read_resource, params.uri)
            except CausalAgentError as exc:  # unknown resource: invalid params (SEP-2164), one line
                raise MCPError(code=types.INVALID_PARAMS, message=str(exc), data={"uri": params.uri}) from None

        return Server(
            "causal-agent", version=version(), title="causal-agent", instructions=INSTRUCTIONS,
            get_tool_input_schema=self.input_schema, on_list_tools=list_tools, on_call_tool=call_tool,
            on_list_resources=list_resources, on_list_resource_templates=list_templates,
            on_read_resource=read_resource,
        )


def _result(text: str, artifact: Any) -> "types.CallToolResult":
    import mcp_types as types

    structured = json.loads(json.dumps(artifact, default=str)) if isinstance(artifact, dict) else None
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=structured)


def _error(message: str) -> "types.CallToolResult":
    import mcp_types as types

    return types.CallToolResult(content=[types.TextContent(type="text", text=one_line(message))], is_error=True)


# -- serving ------------------------------------------------------------------------------------------
def _require_sdk() -> None:
    try:
        import mcp.server.lowlevel  # noqa: F401
    except ImportError:
        raise McpError("the mcp command needs the MCP SDK (mcp >= 2); install it with"
                       " pip install 'causal-agent-kit[mcp]'") from None


def serve(mcp: CausalMcp, options: ServeOptions) -> None:
    """Serve ``mcp`` until the client hangs up (stdio) or Ctrl-C / SIGTERM (HTTP); then every
    running call is cancelled and its child processes are ended."""
    import anyio

    _require_sdk()
    options = check_options(options)
    restore = _exit_on_sigterm()
    try:
        if options.transport == "stdio":
            if options.token is not None and os.environ.get(TOKEN_ENV) != options.token:
                print("warning: --token applies to --transport http only; stdio is private to the client"
                      " that started the server", file=sys.stderr)
            anyio.run(_serve_stdio, mcp)
        else:
            anyio.run(_serve_http, mcp, options)
    finally:
        restore()
        if not mcp.close():
            # a tool that ignores its cancel would keep interpreter exit waiting on its thread
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def _exit_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM end the server through its ``finally`` (running calls cancelled, children
    ended), exit status 0; uvicorn re-raises the signal it caught once it has shut down, which by
    default would kill the process before that. Returns the undo."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stop)
    return lambda: signal.signal(signal.SIGTERM, previous)


async def _serve_stdio(mcp: CausalMcp) -> None:
    from mcp.server.stdio import stdio_server

    server = mcp.server()
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def _bind(host: str, port: int) -> Any:
    """A listening socket on ``host``:``port`` (0: any free port), so the real port is known
    before the server starts."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise McpError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port or --host") from None
    sock.listen(128)
    return sock


async def _serve_http(mcp: CausalMcp, options: ServeOptions) -> None:
    import uvicorn

    sock = _bind(options.host, options.port)
    port = sock.getsockname()[1]
    shown = f"[{options.host}]" if ":" in options.host else options.host
    url = f"http://{shown}:{port}{HTTP_PATH}"
    auth: dict[str, Any] = {}
    if options.token is not None:
        from mcp.server.auth.settings import AuthSettings

        # the SDK's bearer check (401 without a valid token); no OAuth routes: the token is static
        auth = {"token_verifier": _StaticToken(options.token),
                "auth": AuthSettings(issuer_url=url.removesuffix(HTTP_PATH), resource_server_url=None)}
    app = mcp.server().streamable_http_app(streamable_http_path=HTTP_PATH, host=options.host, **auth)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    bearer = "; requests need 'Authorization: Bearer <token>'" if options.token else ""
    print(f"causal-agent MCP server at {url} ({len(mcp.list_tools())} tools{bearer}); Ctrl-C stops it",
          file=sys.stderr, flush=True)
    try:
        await server.serve(sockets=[sock])
    finally:
        sock.close()


def build_agent(
    data: Iterable[str] = (), *, settings: Any = None, model: str | None = None, memory: str | None = None,
    base_url: str | None = None, model_config: Any = None,
) -> "CausalAgent":
    """The agent a server wraps, with ``data`` loaded (stray prints go to stderr: on stdio,
    stdout is the wire)."""
    from contextlib import redirect_stdout

    from .agent import CausalAgent

    with redirect_stdout(sys.stderr):
        agent = CausalAgent(model=model, memory=memory, base_url=base_url, settings=settings,
                            model_config=model_config)
        for path in data:
            agent.load(path)
    return agent


__all__ = [
    "ASK", "LOAD_DATA", "TOKEN_ENV", "CausalMcp", "McpError", "ServeOptions", "allowed_file", "build_agent",
    "check_options", "graph_uri", "parse_graph_uri", "serve", "withheld_tools",
]
