"""The ``causal-agent`` command line.

Module import stays light (typer only): every command imports the heavy libraries it needs inside
its body, so ``causal-agent --help`` never loads pandas, causal-learn, DoWhy, LangChain or
LangGraph. Plugins add their own commands (``eval`` comes from the evals plugin), so this module
imports no plugin; :func:`make_app` builds a new app per run instead of growing a global one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from importlib import metadata
from typing import Annotated, Any

import typer

from .errors import CausalAgentError

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help=(
        "'offline' (default, no network), 'openai:<name>', 'ollama:<name>' (e.g. ollama:qwen2.5:1.5b), "
        "'llamacpp:' (llama-server), 'lmstudio:<name>'; `causal-agent models` lists them.")),
]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", help="OpenAI-compatible endpoint, overriding the prefix's default, e.g. http://localhost:11434/v1")]
TimeoutOpt = Annotated[float | None, typer.Option(
    "--timeout", metavar="SECONDS",
    help="Seconds to wait for each model reply (default: the prefix's; 300 for local servers).")]
RetriesOpt = Annotated[int | None, typer.Option(
    "--retries", metavar="N", help="Extra tries after a failed model request (default: the prefix's).")]
MaxTokensOpt = Annotated[int | None, typer.Option(
    "--max-tokens", metavar="N", help="Longest model reply, in tokens (default 1024).")]
PromptOpt = Annotated[str | None, typer.Option(
    "--prompt", metavar="compact|full",
    help="System prompt and tool schemas: 'compact' for small models (default: the prefix's).")]
TextCallsOpt = Annotated[bool | None, typer.Option(
    "--text-tool-calls/--no-text-tool-calls",
    help="Recover tool calls a model writes as text (default: on for OpenAI-compatible models).")]
MemoryOpt = Annotated[str | None, typer.Option("--memory", help="SQLite file where learned graphs persist.")]


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _split_columns(columns: str | None) -> list[str] | None:
    if columns is None:
        return None
    names = [c.strip() for c in columns.split(",")]
    if not all(names):
        _fail(f"--columns has an empty name in {columns!r}; give comma-separated names like 'a,b,c'")
    return names


ResamplesOpt = Annotated[int | None, typer.Option(
    "--resamples", min=0, help="Bootstrap resamples of discovery for edge support (0: off; default 30).")]


def _settings(resamples: int | None) -> object | None:
    """Settings with the --resamples choice (None: the defaults)."""
    if resamples is None:
        return None
    from .context import Settings

    return Settings(discovery_resamples=resamples)


def _model_config(
    model: str | None, base_url: str | None, memory: str | None = None, *, timeout: float | None = None,
    retries: int | None = None, max_tokens: int | None = None, prompt: str | None = None,
    text_tool_calls: bool | None = None,
) -> Any:
    """The ``ModelConfig`` of these flags over the environment and the config file."""
    from .config import load_config

    return load_config(model=model, base_url=base_url, memory=memory, timeout=timeout, retries=retries,
                       max_tokens=max_tokens, prompt=prompt, text_tool_calls=text_tool_calls)


def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain English.")],
    data: Annotated[list[str], typer.Option("--data", "-d", help="CSV/TSV/Parquet file (repeatable).")],
    columns: Annotated[str | None, typer.Option("--columns", help="Column names for a headerless file: 'a,b,c'.")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    memory: MemoryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
    resamples: ResamplesOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    max_tokens: MaxTokensOpt = None,
    prompt: PromptOpt = None,
    text_tool_calls: TextCallsOpt = None,
) -> None:
    """Answer one question about the data."""
    cfg = _model_config(model, base_url, memory, timeout=timeout, retries=retries, max_tokens=max_tokens,
                        prompt=prompt, text_tool_calls=text_tool_calls)
    from .agent import CausalAgent

    agent = CausalAgent(model=model, memory=memory, base_url=base_url, settings=_settings(resamples),
                        model_config=cfg)
    names = _split_columns(columns)
    for path in data:
        agent.load(path, columns=names)
    answer = agent.ask(question)
    if as_json:
        typer.echo(answer.to_json())
        return
    from .display import print_answer

    print_answer(answer)


def demo(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    max_tokens: MaxTokensOpt = None,
    prompt: PromptOpt = None,
    text_tool_calls: TextCallsOpt = None,
) -> None:
    """Ask a few questions of every level about the bundled clinic example."""
    cfg = _model_config(model, base_url, timeout=timeout, retries=retries, max_tokens=max_tokens,
                        prompt=prompt, text_tool_calls=text_tool_calls)
    from .demo import run_demo

    run_demo(model=model, base_url=base_url, as_json=as_json, model_config=cfg)


def chat(
    data: Annotated[list[str] | None, typer.Option("--data", "-d", help="CSV/TSV/Parquet file to load (repeatable).")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    memory: MemoryOpt = None,
    history: Annotated[str | None, typer.Option("--history", help="Input history file (default: ~/.local/share/causal-agent/history).")] = None,
    resamples: ResamplesOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    max_tokens: MaxTokensOpt = None,
    prompt: PromptOpt = None,
    text_tool_calls: TextCallsOpt = None,
) -> None:
    """Chat with your data in the terminal: questions, /graphs, /show, /export, /report, /help."""
    cfg = _model_config(model, base_url, memory, timeout=timeout, retries=retries, max_tokens=max_tokens,
                        prompt=prompt, text_tool_calls=text_tool_calls)
    from .repl import run_chat

    run_chat(data=data or [], model=model, base_url=base_url, memory=memory, history_path=history,
             settings=_settings(resamples), model_config=cfg)


def plugins(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List installed plugins: versions, sources and what each registers."""
    from .plugins import collect_registry, make_plugin_manager, plugin_infos

    pm = make_plugin_manager()
    registry = collect_registry(pm)
    infos = plugin_infos(pm, registry)
    if as_json:
        typer.echo(json.dumps([i.as_dict() for i in infos], indent=2))
        return
    from rich.markup import escape
    from rich.table import Table

    # (header, cell text per plugin); a kind of registration no plugin uses gets no column
    optional: list[tuple[str, list[str]]] = [
        ("tools", ["\n".join(i.tools) for i in infos]),
        ("intents", ["\n".join(_unique(str(x["name"]) for x in i.intents)) for i in infos]),
        ("algorithms", ["\n".join(str(a["name"]) for a in i.algorithms) for i in infos]),
        ("CI tests", ["\n".join(i.ci_tests) for i in infos]),
        ("estimators", ["\n".join(i.estimators) for i in infos]),
        ("models", ["\n".join(i.models) for i in infos]),
    ]
    shown = [(header, cells) for header, cells in optional if any(cells)]
    table = Table(title="causal-agent plugins")
    table.add_column("plugin", no_wrap=True)
    table.add_column("version")
    table.add_column("source", overflow="fold")
    for header, _ in shown:
        table.add_column(header, no_wrap=True)
    for row, i in enumerate(infos):
        table.add_row(escape(i.name), i.version or "-", escape(i.source),
                      *(escape(cells[row]) for _, cells in shown))
    console = _wide_console()
    console.print(table)
    for warning in registry.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


def _wide_console() -> Any:
    """A rich console; piped output gets 160 columns so wide tables keep one name per line."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=max(console.width, 160))


def _unique(items: Iterable[str]) -> list[str]:
    """``items`` without repeats, in first-seen order (a tool's intents may share a name)."""
    return list(dict.fromkeys(items))


def models(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """List the model prefixes the plugins register, and the configured default model."""
    from .config import load_config
    from .plugins import collect_registry, make_plugin_manager

    default = load_config().model
    backends = [m.as_dict() for m in collect_registry(make_plugin_manager()).models.values()]
    if as_json:
        typer.echo(json.dumps({"default": default, "models": backends}, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    default_prefix = default.split(":", 1)[0].lower()
    table = Table(title="causal-agent models")
    for col in ("prefix", "description", "default base URL", "prompt", "timeout", "plugin"):
        table.add_column(col, overflow="fold")
    for m in backends:
        usage = m["prefix"] if m["prefix"] == "offline" else f"{m['prefix']}:<model>"
        style = "bold" if m["prefix"] == default_prefix else None
        network = m["prefix"] != "offline"
        timeout = f"{m['timeout']:g} s" if network else "-"
        table.add_row(escape(usage), escape(m["description"]), escape(m["base_url"] or "-"), m["prompt"],
                      timeout, escape(m["plugin"]), style=style)
    console = _wide_console()
    console.print(table)
    console.print(f"default: [bold]{escape(default)}[/] (--model, CAUSAL_AGENT_MODEL or the config file)")


def make_app() -> typer.Typer:
    """The command line: the core commands, then those the plugins (built-in and third-party)
    register, found without building their tools."""
    from .plugins import command_plugins

    app = typer.Typer(
        name="causal-agent",
        help="Ask causal questions about a table; an agent answers with real causal tools.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback(invoke_without_command=True)(_root)
    for command in (ask, demo, chat, plugins, models):
        app.command()(command)
    for plugin in command_plugins():
        plugin.register_commands(cli=app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one clear line."""
    try:
        rc = make_app()(args=argv, standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except CausalAgentError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except typer.Exit as exc:  # click's own Exit / Abort in older typer, as typer re-exports them
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # usage errors: a missing argument, an unknown command or option
        code = _usage_error_code(exc)
        if code is None:
            raise
        sys.exit(code)


def _usage_error_code(exc: Exception) -> int | None:
    """Print a click usage error as click does and return its exit code (None: not one).

    Recognised by shape, ``show()`` plus ``exit_code``: typer >= 0.2x vendors click, so its
    exceptions are not ``click.ClickException`` and an ``isinstance`` check lets a traceback out.
    """
    show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
    if callable(show) and isinstance(code, int):
        show()
        return code
    return None


def version() -> str:
    try:
        return metadata.version("causal-agent")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _root(
    show_version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    """The options before the command."""
    if show_version:
        typer.echo(f"causal-agent {version()}")
        raise typer.Exit(0)


__all__ = ["main", "make_app"]
