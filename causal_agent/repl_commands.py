"""The REPL's slash commands. Each takes the session and its arguments and prints to its console.

User mistakes raise ``CausalAgentError``; :func:`run_command` prints them as one ``error:`` line
and the REPL carries on. The REPL imports this module, never the other way round: a handler sees
the session only through :class:`Session`, the part of ``repl.ChatSession`` the commands use.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import CausalAgentError, closest

if TYPE_CHECKING:  # pragma: no cover
    from .agent import CausalAgent
    from .report import Turn

#: Slash commands: name -> (arguments, one-line help). The order is the /help order.
COMMANDS: dict[str, tuple[str, str]] = {
    "/load": ("PATH [name]", "load a CSV/TSV/Parquet file"),
    "/data": ("", "profile of the loaded data"),
    "/graphs": ("", "graphs in memory"),
    "/show": ("KEY", "draw a stored graph here"),
    "/export": ("KEY FILE [--force]", "save a graph as .png .svg .dot .json"),
    "/model": ("[name]", "show or switch the model"),
    "/memory": ("", "where graphs persist"),
    "/report": ("FILE [--force]", "write the session as .md or .html"),
    "/clear": ("", "clear the screen, start a new conversation"),
    "/help": ("", "this list"),
    "/quit": ("", "leave (or Ctrl-D)"),
}


class Session(Protocol):
    """What a command may read and change on the chat session (``repl.ChatSession`` is one)."""

    console: Console
    model_spec: Any
    base_url: str | None
    memory_spec: Any
    pending_data: list[str]
    turns: list[Turn]
    thread_id: str
    running: bool
    #: True when lines come from a pipe or file: nobody can be asked, so overwrites are refused
    plain_input: bool

    def agent(self, quiet: bool = False) -> CausalAgent | None: ...

    def set_agent(self, agent: CausalAgent) -> None: ...

    def load_pending(self) -> None: ...


Handler = Callable[[Session, list[str]], None]


def parse_command(text: str) -> tuple[str, list[str]]:
    """``/export clinic:graph "my file.png"`` -> ("/export", ["clinic:graph", "my file.png"]); CausalAgentError on bad quoting."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise CausalAgentError(f"cannot parse {text!r}: {exc}; close the quote") from None
    return words[0].lower(), words[1:]


def unknown_command(name: str) -> str:
    near = closest(name, list(COMMANDS), n=1)
    hint = f" — did you mean {near[0]}?" if near else ""
    return f"unknown command {name}{hint} (/help lists the commands)"


def dataset_line(ds: Any) -> str:
    """One line about a loaded dataset, for start-up and /load."""
    prof = ds.profile
    excluded = f"; left out: {', '.join(prof.excluded)}" if prof.excluded else ""
    return (
        f"loaded [bold cyan]{escape(ds.name)}[/]: {prof.n_rows} rows, {len(ds.variables)} variables "
        f"({escape(', '.join(ds.variables))}){escape(excluded)}"
    )


class _NoAgent(Exception):
    """The agent is unavailable; ``session.agent()`` has already said why."""


def run_command(session: Session, text: str) -> None:
    """Parse and run one slash command; errors become one printed line."""
    try:
        name, args = parse_command(text)
        handler = HANDLERS.get(name)
        if handler is None:
            raise CausalAgentError(unknown_command(name))
        handler(session, args)
    except CausalAgentError as exc:
        session.console.print(f"[red]error:[/] {escape(str(exc))}")
    except _NoAgent:
        pass


def _need_agent(session: Session) -> CausalAgent:
    agent = session.agent()
    if agent is None:
        raise _NoAgent
    return agent


def _usage(name: str) -> CausalAgentError:
    return CausalAgentError(f"usage: {name} {COMMANDS[name][0]}".rstrip())


def _split_force(args: list[str]) -> tuple[list[str], bool]:
    force = any(a in ("--force", "-f") for a in args)
    return [a for a in args if a not in ("--force", "-f")], force


def _ask_line(session: Session, question: str) -> str:
    """One line typed at the terminal, on the session's own input (Ctrl-C or Ctrl-D: empty)."""
    from prompt_toolkit import PromptSession

    prompt = session.prompt  # type: ignore[attr-defined]
    try:  # a throw-away prompt, so the answer does not go into the question history
        return PromptSession(input=prompt.input, output=prompt.output).prompt(question)
    except (KeyboardInterrupt, EOFError):
        return ""


def confirm_overwrite(session: Session, files: list[Path]) -> bool:
    """Ask before replacing existing ``files``: True to go ahead. With nobody to ask (lines from a
    pipe or file) it is a one-line error that names the file and says how to proceed."""
    from .memory_views import not_overwritten, shown_files

    if not files:
        return True
    many = len(files) > 1
    if getattr(session, "plain_input", False) or getattr(session, "prompt", None) is None:
        raise CausalAgentError(not_overwritten(files))
    session.console.print(f"{escape(shown_files(files))} already exist{'s' * (not many)}.")
    answer = _ask_line(session, "overwrite? [y/N] ")
    if answer.strip().lower() in ("y", "yes"):
        return True
    session.console.print("not overwritten; choose another name, or add --force")
    return False


# -- data ----------------------------------------------------------------------------------------
def cmd_load(session: Session, args: list[str]) -> None:
    if not args or len(args) > 2:
        raise _usage("/load")
    agent = _need_agent(session)
    with session.console.status(f"loading {escape(args[0])}…", spinner="dots"):
        ds = agent.load(args[0], name=args[1] if len(args) > 1 else None)
    session.console.print(dataset_line(ds))
    for note in ds.profile.notes:
        session.console.print(f"[dim]{escape(note)}[/]")


def cmd_data(session: Session, args: list[str]) -> None:
    agent = _need_agent(session)
    if not len(agent.datasets):
        session.console.print("no data is loaded: /load PATH")
        return
    wanted = [agent.datasets.get(args[0])] if args else list(agent.datasets)
    for ds in wanted:
        prof = ds.profile
        table = Table(title=f"{ds.name}: {prof.n_rows} rows", title_justify="left", expand=False)
        table.add_column("column", overflow="fold")
        table.add_column("kind")
        table.add_column("missing", justify="right")
        table.add_column("unique", justify="right")
        table.add_column("note", overflow="fold")
        for col in prof.columns:
            note = col.reason or ("constant" if col.constant else "")
            if col.excluded and not note:
                note = "left out"
            style = "dim" if col.excluded else None
            table.add_row(col.name, col.kind, str(col.n_missing), str(col.n_unique), note, style=style)
        session.console.print(table)
        for note in prof.notes:
            session.console.print(f"[dim]{escape(note)}[/]")


# -- graphs --------------------------------------------------------------------------------------
def cmd_graphs(session: Session, args: list[str]) -> None:
    from .memory_views import graphs_table

    agent = _need_agent(session)
    records = agent.memory.list()
    if not records:
        session.console.print("no graphs yet: ask a question that needs one, e.g. 'Draw the causal graph.'")
        return
    session.console.print(graphs_table(records, wide=session.console.width >= 80))
    session.console.print("[dim]/show KEY draws one; /export KEY FILE.png saves it[/]")


def cmd_show(session: Session, args: list[str]) -> None:
    agent = _need_agent(session)
    if len(args) != 1:
        keys = [r.key for r in agent.memory.list()]
        raise CausalAgentError(
            "usage: /show KEY" + (f"; stored keys: {', '.join(keys)}" if keys else "; no graphs yet")
        )
    from .memory_views import graph_view

    session.console.print(graph_view(agent.memory.get(args[0])))


def cmd_export(session: Session, args: list[str]) -> None:
    args, force = _split_force(args)
    if len(args) != 2:
        raise _usage("/export")
    agent = _need_agent(session)
    key, path = args
    target = Path(path).expanduser()
    from .memory_views import would_replace

    agent.memory.get(key)  # an unknown key is an error before anything is asked
    exists = would_replace(target)
    if exists and not force and not confirm_overwrite(session, [target]):
        return
    result = agent.memory.export(key, target, overwrite=force or exists)
    session.console.print(
        f"wrote [cyan]{escape(key)}[/] to {escape(result.path)} ({result.format.upper()}, {result.bytes} bytes)"
    )


def cmd_memory(session: Session, args: list[str]) -> None:
    agent = _need_agent(session)
    where = agent.memory.location
    n = len(agent.memory.list())
    if where == ":memory:":
        session.console.print(
            f"{n} graph{'s' * (n != 1)} kept in memory for this session only; "
            "start with --memory FILE.sqlite to keep them"
        )
    else:
        session.console.print(f"{n} graph{'s' * (n != 1)} persist in {escape(where)}")


# -- session -------------------------------------------------------------------------------------
def cmd_model(session: Session, args: list[str]) -> None:
    if len(args) > 1:
        raise _usage("/model")
    old = session.agent(quiet=bool(args))
    if not args:
        if old is not None:
            session.console.print(f"model: [cyan]{escape(old.model_name)}[/]")
        return
    from .agent import CausalAgent

    with session.console.status(f"starting {escape(args[0])}…", spinner="dots"):
        memory = old.memory if old is not None else session.memory_spec
        try:
            agent = CausalAgent(model=args[0], memory=memory, base_url=session.base_url,
                                settings=old.settings if old is not None else session.settings)
        except CausalAgentError as exc:
            keep = f" (still using {old.model_name})" if old is not None else ""
            raise CausalAgentError(f"{exc}{keep}") from None
        if old is not None:
            for ds in old.datasets:
                agent.datasets.add(ds)
    session.set_agent(agent)
    session.model_spec = args[0]
    if session.pending_data:  # the start-up agent failed before loading --data
        session.load_pending()
    session.console.print(
        f"model: [cyan]{escape(agent.model_name)}[/] (data and graphs kept; a new conversation starts)"
    )


def cmd_report(session: Session, args: list[str]) -> None:
    args, force = _split_force(args)
    if len(args) != 1:
        raise _usage("/report")
    from .report import ReportMeta, existing_report_files, write_report

    existing = existing_report_files(session.turns, args[0])  # the pictures beside an .md too
    if existing and not force and not any(f.is_dir() for f in existing):  # (a folder: write_report says so)
        if not confirm_overwrite(session, existing):
            return
        force = True
    agent = session.agent()
    meta = ReportMeta(
        model=agent.model_name if agent is not None else str(session.model_spec or ""),
        datasets=agent.datasets.names() if agent is not None else [],
        memory=agent.memory.location if agent is not None else "",
    )
    with session.console.status("writing the report…", spinner="dots"):
        result = write_report(session.turns, args[0], meta, overwrite=force)
    extra = f" and {len(result.images)} picture{'s' * (len(result.images) != 1)}" if result.images else ""
    session.console.print(
        f"wrote {result.questions} question{'s' * (result.questions != 1)} to {escape(result.path)}{extra}"
    )


def cmd_clear(session: Session, args: list[str]) -> None:
    import uuid

    session.console.clear()
    session.thread_id = str(uuid.uuid4())
    session.console.print("[dim]new conversation (data, graphs and the report so far are kept)[/]")


def cmd_help(session: Session, args: list[str]) -> None:
    table = Table(show_header=False, box=None, pad_edge=False, expand=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for name, (params, text) in COMMANDS.items():
        table.add_row(name, f"{escape(params)}  [dim]{escape(text)}[/]" if params else f"[dim]{escape(text)}[/]")
    session.console.print(table)
    session.console.print(
        "[dim]Anything else is a question, e.g. 'Does smoking directly cause lung_cancer?'. "
        "Enter sends, Alt-Enter adds a line, Tab completes commands and variable names, "
        "Ctrl-C cancels a running question, Ctrl-D leaves.[/]"
    )


def cmd_quit(session: Session, args: list[str]) -> None:
    session.running = False


HANDLERS: dict[str, Handler] = {
    "/load": cmd_load,
    "/data": cmd_data,
    "/graphs": cmd_graphs,
    "/show": cmd_show,
    "/export": cmd_export,
    "/model": cmd_model,
    "/memory": cmd_memory,
    "/report": cmd_report,
    "/clear": cmd_clear,
    "/help": cmd_help,
    "/quit": cmd_quit,
    "/exit": cmd_quit,
}

__all__ = ["COMMANDS", "HANDLERS", "Session", "dataset_line", "parse_command", "run_command", "unknown_command"]
