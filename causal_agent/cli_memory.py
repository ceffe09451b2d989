"""``causal-agent graphs`` and ``causal-agent logs``: the graph memory and the question log, for
scripts and terminals.

``graphs`` is the REPL's ``/graphs``, ``/show`` and ``/export`` plus ``delete`` and ``compare``, over
the same memory ``ask`` and ``chat`` use (``--memory``, ``CAUSAL_AGENT_MEMORY`` or the config file,
opened by ``memory.open_memory``), with the same one-line errors and the same rule before a file is
replaced: ask, or, with nobody to ask, refuse in one line naming ``--force``. ``delete`` asks too
unless ``--yes``. ``logs`` reads :mod:`causal_agent.logs`; ``logs off|on`` sets ``logs`` in the
config file, ``logs path`` prints where the log is.

Only typer (and the light ``cli`` options) at module level: each command imports what it needs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli import MemoryOpt
from .errors import CausalAgentError

if TYPE_CHECKING:  # pragma: no cover
    from .logs import LogEntry
    from .memory import GraphMemory

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (one value).")]
KeyArg = Annotated[str, typer.Argument(metavar="KEY", help="A stored graph's key, as `graphs list` shows it.")]


def _can_ask() -> bool:
    """Whether a person can answer a question: stdin is a terminal."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _console() -> Any:
    from .cli import _wide_console

    return _wide_console()


# -- graphs -------------------------------------------------------------------------------------
def open_graphs(memory: str | None) -> GraphMemory:
    """The memory ``ask``/``chat`` would use with this ``--memory``; an error in one line when there
    is none to read (nothing configured, or a file that does not exist: never created here)."""
    import os

    from .config import config_path, load_config
    from .memory import open_memory
    from .stores import parse_location

    location = load_config(memory=memory).memory
    where = ("--memory" if memory else "CAUSAL_AGENT_MEMORY" if os.environ.get("CAUSAL_AGENT_MEMORY")
             else f"memory in {config_path()}")
    parsed = parse_location(location)
    if parsed.kind == "memory" and location and str(location).strip():
        raise CausalAgentError(f"{where} {str(location).strip()!r} keeps graphs in memory only while a command "
                               "runs, so there is nothing to read: give the file ask or chat used, e.g. "
                               "--memory graphs.sqlite")
    if parsed.kind == "memory":
        raise CausalAgentError(
            "no graph memory is configured, so ask and chat keep graphs only while they run: give the file "
            "they used with --memory FILE (or set CAUSAL_AGENT_MEMORY, or memory = \"FILE\" in the config file)")
    path = Path(parsed.target)
    if parsed.kind == "sqlite" and not path.exists():
        from .errors import closest

        folder = path.parent
        files = [f.name for f in (folder.iterdir() if folder.is_dir() else [])
                 if f.suffix.lower() in (".sqlite", ".sqlite3", ".db")]
        near = [str(folder / n) if str(folder) != "." else n for n in closest(path.name, files)]
        tail = (" Did you mean " + " or ".join(repr(n) for n in near) + "?") if near else ""
        raise CausalAgentError(f"{where} {str(location).strip()!r} does not exist; give the graph memory file "
                               f"ask or chat wrote (their --memory).{tail}")
    return open_memory(location)


def graphs_list(memory: MemoryOpt = None, as_json: JsonOpt = False,
                dataset: Annotated[str | None, typer.Option("--dataset", metavar="NAME",
                                                            help="Only graphs of this dataset.")] = None) -> None:
    """List the stored graphs (key, kind, size, algorithm, when)."""
    from .memory_views import graphs_table, record_row

    with open_graphs(memory) as mem:
        records = mem.list(dataset)
        if as_json:
            typer.echo(json.dumps([record_row(r) for r in records], indent=2))
            return
        if not records:
            from .errors import suggestion

            others = mem.datasets()
            if dataset and others:
                raise CausalAgentError(f"no graphs of dataset {dataset!r} in {mem.location}."
                                       + suggestion(dataset, others, "dataset"))
            typer.echo(f"no graphs in {mem.location} yet: ask a question that needs one, e.g. "
                       f"causal-agent ask --memory {mem.location} --data FILE 'Draw the causal graph.'")
            return
        console = _console()
        console.print(graphs_table(records, wide=console.width >= 80))


def graphs_show(key: KeyArg, memory: MemoryOpt = None, as_json: JsonOpt = False) -> None:
    """Show one stored graph: its edges and where it came from (--json: the whole record)."""
    from .memory_views import graph_view

    with open_graphs(memory) as mem:
        record = mem.get(key)
        if as_json:
            typer.echo(json.dumps(record.model_dump(mode="json"), indent=2))
            return
        _console().print(graph_view(record))


def graphs_export(
    key: KeyArg,
    file: Annotated[str, typer.Argument(metavar="FILE", help="Where to write: .json .dot .png or .svg.")],
    memory: MemoryOpt = None,
    force: Annotated[bool, typer.Option("--force", "-f", "--yes", "-y",
                                        help="Replace an existing file without asking.")] = False,
) -> None:
    """Save a stored graph as .json (graph and provenance), .dot, .png or .svg."""
    from .memory_views import not_overwritten, would_replace

    target = Path(file).expanduser()
    with open_graphs(memory) as mem:
        mem.get(key)  # an unknown key is an error before anything is asked
        exists = would_replace(target)
        if exists and not force:
            if not _can_ask():
                raise CausalAgentError(not_overwritten([target]))
            if not typer.confirm(f"{str(target)!r} already exists; overwrite?", default=False):
                typer.echo("not overwritten; choose another name, or add --force", err=True)
                raise typer.Exit(1)
        result = mem.export(key, target, overwrite=force or exists)
    typer.echo(f"wrote {key} to {result.path} ({result.format.upper()}, {result.bytes} bytes)")


def graphs_delete(
    key: KeyArg,
    memory: MemoryOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
) -> None:
    """Delete a stored graph (asks first unless --yes)."""
    with open_graphs(memory) as mem:
        record = mem.get(key)
        if not yes:
            if not _can_ask():
                raise CausalAgentError(f"not deleted: nobody to ask (input is not a terminal); add --yes to "
                                       f"delete {key!r} without asking")
            if not typer.confirm(f"delete {record.summary()}?", default=False):
                typer.echo("not deleted", err=True)
                raise typer.Exit(1)
        mem.delete(key)
        left = len(mem.keys())
    typer.echo(f"deleted {key}; {left} graph{'s' * (left != 1)} left in {mem.location}")


def graphs_compare(
    key_a: Annotated[str, typer.Argument(metavar="A", help="First graph key.")],
    key_b: Annotated[str, typer.Argument(metavar="B", help="Second graph key.")],
    memory: MemoryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two stored graphs: structural Hamming distance and the edges that differ."""
    from .memory_views import comparison_view

    with open_graphs(memory) as mem:
        cmp = mem.compare(key_a, key_b)
    if as_json:
        typer.echo(json.dumps(cmp.model_dump(mode="json"), indent=2))
        return
    _console().print(comparison_view(cmp))


# -- logs ---------------------------------------------------------------------------------------
def logs_list(
    ctx: typer.Context,
    count: Annotated[int, typer.Option("-n", "--count", min=0, metavar="N",
                                       help="How many, newest first (0: all).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array, newest first.")] = False,
    query: Annotated[str | None, typer.Option("-q", "--query", metavar="TEXT",
                                              help="Only questions or answers containing TEXT.")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", metavar="NAME",
                                                help="Only questions about this dataset.")] = None,
) -> None:
    """Show the questions asked (ask, chat, the Python API, MCP), newest first; `logs off|on|path`."""
    if ctx.invoked_subcommand is not None:
        return
    from .config import load_config
    from .logs import QuestionLog, dataset_name

    log = QuestionLog()
    entries = log.entries(count, query=query, dataset=dataset)
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    if not load_config().logs:
        typer.echo("note: question logging is off; 'causal-agent logs on' turns it on", err=True)
    if not entries:
        from .errors import suggestion

        if dataset:
            known = log.datasets()
            typer.echo(f"no logged question used dataset {dataset_name(dataset)!r}."
                       + (suggestion(dataset, known, "dataset") if known else ""))
        elif query:
            typer.echo(f"no logged question or answer contains {query!r}")
        else:
            typer.echo(f"no questions logged yet in {log.path}")
        return
    for i, entry in enumerate(entries):
        if i:
            typer.echo("")
        typer.echo(_entry_text(entry))


def _entry_text(e: LogEntry) -> str:
    """A logged question as a few plain lines: when and how, the question, the answer, the steps."""
    when = e.time.replace("T", " ").replace("+00:00", " UTC")
    data = ", ".join(d.name for d in e.datasets) or "no data"
    cost = f"{e.latency_s:.2f} s" + (f", {e.tokens} tokens" if e.tokens else "")
    verdict = f"  answer: {e.answer}" if e.answer else ""
    lines = [f"#{e.id}  {when}  {e.model}  {data}  {cost}{verdict}", f"Q: {e.question}"]
    if e.error:
        lines.append(f"error: {e.error}")
    else:
        first = next((x.strip() for x in e.explanation.splitlines() if x.strip()), "")
        lines.append("A: " + (first if len(first) <= 160 else first[:159].rstrip() + "…"))
    for s in e.steps:
        args = ", ".join(f"{k}={v!r}" for k, v in s.args.items())
        mark = "✗" if s.status == "error" else "→"
        result = s.result if len(s.result) <= 100 else s.result[:99].rstrip() + "…"
        lines.append(f"   {s.tool}({args}) {mark} {result}")
    return "\n".join(lines)


def _set_logging(on: bool) -> None:
    from .config import logs_env_off, write_setting

    path = write_setting("logs", on)
    state = "on" if on else "off"
    other = "off" if on else "on"
    typer.echo(f"question logging is {state} (logs = {str(on).lower()} in {path}); "
               f"'causal-agent logs {other}' turns it {other}")
    if on and logs_env_off():
        typer.echo("note: CAUSAL_AGENT_LOGS=off still turns it off in this environment", err=True)


def logs_off() -> None:
    """Stop logging questions (kept in the config file)."""
    _set_logging(False)


def logs_on() -> None:
    """Log questions again (kept in the config file)."""
    _set_logging(True)


def logs_path() -> None:
    """Print the question log's file (CAUSAL_AGENT_LOGS, else the user's data folder)."""
    from .logs import log_path

    typer.echo(str(log_path()))


def register(app: typer.Typer) -> None:
    """Add ``graphs`` and ``logs`` to ``app`` (new sub-apps each time: no global state)."""
    graphs = typer.Typer(name="graphs", no_args_is_help=True,
                         help="Stored graphs for scripts: list, show, export, delete, compare.")
    for name, command in (("list", graphs_list), ("show", graphs_show), ("export", graphs_export),
                          ("delete", graphs_delete), ("compare", graphs_compare)):
        graphs.command(name)(command)
    app.add_typer(graphs, name="graphs")
    logs = typer.Typer(name="logs", help="The questions asked, newest first; logs off|on|path.")
    logs.callback(invoke_without_command=True)(logs_list)
    for name, command in (("off", logs_off), ("on", logs_on), ("path", logs_path)):
        logs.command(name)(command)
    app.add_typer(logs, name="logs")


__all__ = ["open_graphs", "register"]
