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


@app.command("eval")
def eval_(
    suite: Annotated[str, typer.Option("--suite", help="'four-level' (generated, with known truth) or 'published'.")] = "four-level",
    n: Annotated[int, typer.Option("--n", help="Number of questions.")] = 1000,
    model: Annotated[str | None, typer.Option("--model", "-m", help="'offline' (default) or 'openai:<name>'.")] = "offline",
    base_url: BaseUrlOpt = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Suite seed.")] = 0,
    rows: Annotated[int | None, typer.Option("--rows", help="Rows per generated dataset (default 1500).")] = None,
    out: Annotated[str | None, typer.Option("--out", "-o", help="Results file (JSON lines); rerun with it to resume.")] = None,
    report: Annotated[str | None, typer.Option("--report", help="Write the JSON report here.")] = None,
    markdown: Annotated[str | None, typer.Option("--markdown", help="Write the Markdown report here.")] = None,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Skip questions already in --out.")] = True,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="On resume, ask again questions that errored.")] = False,
    tolerance_rel: Annotated[float, typer.Option("--tolerance-rel", help="ATE relative tolerance.")] = 0.10,
    tolerance_abs: Annotated[float, typer.Option("--tolerance-abs", help="ATE absolute tolerance.")] = 0.05,
    refute_simulations: Annotated[int, typer.Option("--refute-simulations", help="DoWhy refuter simulations per estimate.")] = 5,
    max_model_calls: Annotated[int | None, typer.Option("--max-model-calls", help="Cap on model calls per question.")] = None,
    path: Annotated[str | None, typer.Option("--path", help="Published suite: the questions .jsonl file.")] = None,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="Published suite: folder of the CSVs.")] = None,
    graphs_dir: Annotated[str | None, typer.Option("--graphs-dir", help="Published suite: the causal_graph folder.")] = None,
    cache_dir: Annotated[str | None, typer.Option("--cache-dir", help="Where generated suites are cached (default ~/.cache/causal-agent/evals).")] = None,
    compare: Annotated[tuple[str, str] | None, typer.Option("--compare", help="Compare two JSON reports: --compare a.json b.json")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
) -> None:
    """Run the four-level benchmark (or the published one) and report accuracy by level and sub-type."""
    from causal_agent_evals.cli import eval_command

    eval_command(
        suite=suite, n=n, model=model, base_url=base_url, workers=workers, seed=seed, rows=rows, out=out,
        report=report, markdown=markdown, resume=resume, retry_errors=retry_errors, tolerance_rel=tolerance_rel,
        tolerance_abs=tolerance_abs, refute_simulations=refute_simulations, max_model_calls=max_model_calls,
        path=path, data_dir=data_dir, graphs_dir=graphs_dir, cache_dir=cache_dir, compare=compare,
        progress=progress,
    )


def _register_plugin_commands() -> None:
    """Let third-party plugins add commands. Built-ins add none, so they are not imported here."""
    from .plugins import third_party_command_plugins

    for plugin in third_party_command_plugins():
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
