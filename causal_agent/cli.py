"""The ``causal-agent`` command line.

Module import stays light (typer only): every command imports the heavy libraries it needs inside
its body, so ``causal-agent --help`` never loads pandas, causal-learn, DoWhy or LangGraph.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from typing import Annotated, Any

import typer

from .errors import CausalAgentError

app = typer.Typer(
    name="causal-agent",
    help="Ask causal questions about a table; an agent answers with real causal tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="'offline' (default) or 'openai:<name>' for any OpenAI-compatible endpoint."),
]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")]
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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain English.")],
    data: Annotated[list[str], typer.Option("--data", "-d", help="CSV/TSV/Parquet file (repeatable).")],
    columns: Annotated[str | None, typer.Option("--columns", help="Column names for a headerless file: 'a,b,c'.")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    memory: MemoryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
) -> None:
    """Answer one question about the data."""
    from .agent import CausalAgent

    agent = CausalAgent(model=model, memory=memory, base_url=base_url)
    names = _split_columns(columns)
    for path in data:
        agent.load(path, columns=names)
    answer = agent.ask(question)
    if as_json:
        typer.echo(answer.to_json())
        return
    from .display import print_answer

    print_answer(answer)


@app.command()
def demo(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Ask a few questions of every level about the bundled clinic example."""
    from .demo import run_demo

    run_demo(model=model, base_url=base_url, as_json=as_json)


@app.command()
def chat(
    data: Annotated[list[str] | None, typer.Option("--data", "-d", help="CSV/TSV/Parquet file to load (repeatable).")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    memory: MemoryOpt = None,
    history: Annotated[str | None, typer.Option("--history", help="Input history file (default: ~/.local/share/causal-agent/history).")] = None,
) -> None:
    """Chat with your data in the terminal: questions, /graphs, /show, /export, /report, /help."""
    from .repl import run_chat

    run_chat(data=data or [], model=model, base_url=base_url, memory=memory, history_path=history)


@app.command()
def plugins(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List installed plugins, their versions, sources and tools."""
    from .plugins import make_plugin_manager, plugin_infos

    infos = plugin_infos(make_plugin_manager())
    if as_json:
        typer.echo(json.dumps([i.as_dict() for i in infos], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="causal-agent plugins")
    for col in ("plugin", "version", "source", "tools", "algorithms"):
        table.add_column(col)
    for i in infos:
        table.add_row(i.name, i.version or "-", i.source, ", ".join(i.tools), ", ".join(i.algorithms))
    Console().print(table)


def _register_plugin_commands() -> None:
    """Let plugins (built-in and third-party) add commands, without building their tools."""
    from .plugins import command_plugins

    for plugin in command_plugins():
        plugin.register_commands(cli=app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one clear line."""
    try:
        _register_plugin_commands()
        rc = app(args=argv, standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except CausalAgentError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise


def version() -> str:
    try:
        return metadata.version("causal-agent")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


@app.callback(invoke_without_command=True)
def _root(
    show_version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if show_version:
        typer.echo(f"causal-agent {version()}")
        raise typer.Exit(0)


__all__: list[Any] = ["app", "main"]
