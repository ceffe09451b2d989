"""Built-in plugin: mcp — ``causal-agent mcp`` serves the registered tools over the Model Context
Protocol (:mod:`causal_agent.mcp_server`).

It registers a command only. Loading it (as ``causal-agent --help`` does, to collect commands)
imports typer and the CLI's option definitions, never the MCP SDK, LangChain or LangGraph: the
command body imports the server. No ``from __future__ import annotations``: typer reads the
option annotations at run time, and the shared ones (``ModelOpt``…) are imported from the CLI.
"""

from enum import Enum
from typing import Annotated

import typer

from causal_agent.cli import (
    BaseUrlOpt, BudgetOpt, DestructiveOpt, ExportDirOpt, IncludeOpt, MaxFileOpt, MaxTokensOpt, MemoryOpt, ModelOpt,
    PromptOpt, ResamplesOpt, RetriesOpt, TextCallsOpt, TimeoutOpt,
)
from causal_agent.hookspecs import hookimpl


class Transport(str, Enum):
    stdio = "stdio"
    http = "http"


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    @cli.command("mcp")
    def mcp_(
        data: Annotated[list[str] | None, typer.Option(
            "--data", "-d", metavar="FILE", help="CSV/TSV/Parquet file to load at start (repeatable).")] = None,
        transport: Annotated[Transport, typer.Option(
            "--transport", metavar="stdio|http",
            help="stdio: the client starts the server; http: streamable HTTP.")] = Transport.stdio,
        host: Annotated[str, typer.Option(
            "--host", metavar="HOST", help="HTTP address; any but 127.0.0.1, localhost or ::1 needs --token.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(
            "--port", min=0, max=65535, metavar="N", help="HTTP port (0: any free port, printed at start).")] = 8000,
        allow_dir: Annotated[list[str] | None, typer.Option(
            "--allow-dir", metavar="DIR",
            help="Folder the load_data tool may read files from (repeatable; without it load_data is off).")] = None,
        token: Annotated[str | None, typer.Option(
            "--token", metavar="TOKEN",
            help="Bearer token every HTTP request must send (default: CAUSAL_AGENT_MCP_TOKEN).")] = None,
        model: ModelOpt = None,
        base_url: BaseUrlOpt = None,
        memory: MemoryOpt = None,
        resamples: ResamplesOpt = None,
        budget: BudgetOpt = None,
        include: IncludeOpt = None,
        max_file_size: MaxFileOpt = None,
        export_dir: ExportDirOpt = None,
        allow_destructive: DestructiveOpt = False,
        timeout: TimeoutOpt = None,
        retries: RetriesOpt = None,
        max_tokens: MaxTokensOpt = None,
        prompt: PromptOpt = None,
        text_tool_calls: TextCallsOpt = None,
    ) -> None:
        """Serve the tools (and an 'ask' tool running the whole agent) to MCP clients: Claude Desktop, Cursor, your own agent."""
        from causal_agent.cli import _check_included, _model_config, _settings
        from causal_agent.mcp_server import (
            CausalMcp, ServeOptions, allowed_folders, build_agent, check_options, serve,
        )

        # an unsafe address or a missing folder is refused before any work
        options = check_options(ServeOptions(transport=transport.value, host=host, port=port, allow_dirs=allow_dir or [],
                                             token=token))
        allowed_folders(options.allow_dirs)
        settings = _settings(resamples, budget=budget, include=include, max_file_size=max_file_size,
                             export_dir=export_dir, allow_destructive=allow_destructive)
        cfg = _model_config(model, base_url, memory, timeout=timeout, retries=retries, max_tokens=max_tokens,
                            prompt=prompt, text_tool_calls=text_tool_calls)
        agent = build_agent(data or [], settings=settings, model=model, memory=memory, base_url=base_url,
                            model_config=cfg)
        _check_included(agent, include)
        serve(CausalMcp(agent, options.allow_dirs), options)
