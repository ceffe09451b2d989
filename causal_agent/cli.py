"""The ``causal-agent`` command line.

Module import stays light (typer only): every command imports the heavy libraries it needs inside
its body, so ``causal-agent --help`` never loads pandas, causal-learn, DoWhy, LangChain or
LangGraph. Plugins add their own commands (``eval`` comes from the evals plugin), so this module
imports no plugin; :func:`make_app` builds a new app per run instead of growing a global one.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Annotated, Any

import typer

from .errors import CausalAgentError

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", metavar="MODEL", help=(
        "'offline' (default, no network), 'openai:<name>', 'ollama:<name>' (e.g. ollama:qwen2.5:1.5b), "
        "'llamacpp:' (llama-server), 'lmstudio:<name>'; `causal-agent models` lists them.")),
]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", metavar="URL", help="OpenAI-compatible endpoint, overriding the prefix's default, e.g. http://localhost:11434/v1")]
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
MemoryOpt = Annotated[str | None, typer.Option(
    "--memory", metavar="PATH|URL",
    help="Where learned graphs and conversations persist: a SQLite file or postgresql://user@host/db.")]


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
    "--resamples", min=0, metavar="N",
    help="Bootstrap resamples of discovery for edge support (0: off; default 30).")]
BudgetOpt = Annotated[float | None, typer.Option(
    "--budget", metavar="SECONDS",
    help="Longest estimated discovery (and its bootstrap) to start without asking (default 60; 0: no limit).")]
IncludeOpt = Annotated[list[str] | None, typer.Option(
    "--include", metavar="COL",
    help="Analyse a column the profiler left out (an ID-like column, say); repeatable.")]
MaxFileOpt = Annotated[str | None, typer.Option(
    "--max-file-size", metavar="SIZE",
    help="Largest data file to read, e.g. 4G or 500M (default 1G, or CAUSAL_AGENT_MAX_FILE_BYTES).")]
ExportDirOpt = Annotated[str | None, typer.Option(
    "--export-dir", metavar="DIR",
    help="The one folder the model's tools may write to (default ./causal-agent-exports).")]
DestructiveOpt = Annotated[bool, typer.Option(
    "--allow-destructive", help="Let the model use tools that delete (e.g. delete_graph).")]
ContextOpt = Annotated[str | None, typer.Option(
    "--context", metavar="COL",
    help="The column naming each row's environment (site, batch, period): graphs are learned with CD-NOD.")]
ExecutorOpt = Annotated[str | None, typer.Option(
    "--executor", metavar="local|ray",
    help="Where bootstrap resamples run: 'local' processes (default) or 'ray' tasks (or CAUSAL_AGENT_EXECUTOR).")]
RayAddressOpt = Annotated[str | None, typer.Option(
    "--ray-address", metavar="HOST:PORT",
    help="The Ray cluster for --executor ray (default: RAY_ADDRESS, else a local Ray with this machine's cores).")]


def _settings(
    resamples: int | None = None, *, budget: float | None = None, include: list[str] | None = None,
    max_file_size: str | None = None, export_dir: str | None = None, allow_destructive: bool = False,
    context: str | None = None, executor: str | None = None, ray_address: str | None = None,
) -> object | None:
    """Settings with the flags' choices (None: the defaults, when no flag was given)."""
    fields: dict[str, Any] = {
        "discovery_resamples": resamples, "discovery_budget_s": budget, "include": include or None,
        "max_file_bytes": _file_size(max_file_size), "export_dir": export_dir,
        "allow_destructive": allow_destructive or None, "context": context,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    fields.update(_executor_fields(executor, ray_address))
    if budget is not None and budget < 0:
        _fail(f"--budget must be a number of seconds >= 0 (0: no limit), not {budget:g}")
    if export_dir is not None and not export_dir.strip():
        _fail("--export-dir is empty; give a folder, e.g. --export-dir exports")
    if not fields:
        return None
    from .context import Settings

    return Settings(**fields)


def _executor_fields(executor: str | None, ray_address: str | None) -> dict[str, Any]:
    """The Settings fields of ``--executor`` / ``--ray-address`` over ``CAUSAL_AGENT_EXECUTOR`` /
    ``RAY_ADDRESS`` and the config file. A cluster named by address is reached now, so an
    unreachable one is one line before any work; a local Ray starts when a bootstrap needs it."""
    from .config import load_executor

    chosen = load_executor(executor, ray_address)
    if chosen.executor != "ray":
        if ray_address is not None:
            _fail(f"--ray-address {ray_address} is for --executor ray; add --executor ray")
        return {}
    if chosen.ray_address:
        from .executors import RayExecutor

        RayExecutor(chosen.ray_address, where=chosen.ray_address_from or "--ray-address").connect()
    return {"executor": "ray", "ray_address": chosen.ray_address}


def _file_size(text: str | None) -> int | None:
    """Bytes of a --max-file-size value ("4G", "500M", "2GiB", "1000000")."""
    if text is None:
        return None
    from .data import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        _fail(f"--max-file-size {text!r}: {exc}")
    return None  # pragma: no cover  (_fail raised)


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
    question: Annotated[str, typer.Argument(help="The question, in plain English.", metavar="QUESTION")],
    data: Annotated[list[str], typer.Option("--data", "-d", metavar="FILE", help="CSV/TSV/Parquet file (repeatable).")],
    columns: Annotated[str | None, typer.Option("--columns", metavar="A,B,C", help="Column names for a headerless file: 'a,b,c'.")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    memory: MemoryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
    resamples: ResamplesOpt = None,
    budget: BudgetOpt = None,
    include: IncludeOpt = None,
    max_file_size: MaxFileOpt = None,
    export_dir: ExportDirOpt = None,
    allow_destructive: DestructiveOpt = False,
    context: ContextOpt = None,
    executor: ExecutorOpt = None,
    ray_address: RayAddressOpt = None,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress",
        help="Show each step on stderr as it runs (default: when stderr is a terminal).")] = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    max_tokens: MaxTokensOpt = None,
    prompt: PromptOpt = None,
    text_tool_calls: TextCallsOpt = None,
) -> None:
    """Answer one question about the data."""
    settings = _settings(resamples, budget=budget, include=include, max_file_size=max_file_size,
                         export_dir=export_dir, allow_destructive=allow_destructive, context=context,
                         executor=executor, ray_address=ray_address)
    cfg = _model_config(model, base_url, memory, timeout=timeout, retries=retries, max_tokens=max_tokens,
                        prompt=prompt, text_tool_calls=text_tool_calls)
    from .agent import CausalAgent

    agent = CausalAgent(model=model, memory=memory, base_url=base_url, settings=settings,
                        model_config=cfg)
    names = _split_columns(columns)
    for path in data:
        agent.load(path, columns=names)
    _check_included(agent, include)
    _check_context(agent, context)
    show = _stderr_is_terminal() if progress is None else progress
    from .cancel import cancellable

    with cancellable() as token, _sigint_cancels(token):
        answer = _ask_showing_steps(agent, question) if show else agent.ask(question)
    if as_json:
        typer.echo(answer.to_json())
        return
    from .display import print_answer

    print_answer(answer)


@contextmanager
def _sigint_cancels(token: Any) -> Iterator[None]:
    """Ctrl-C first cancels the question's work (pool workers, Ray tasks, discovery), then
    interrupts as usual: the tool threads unwind at once, where otherwise the interpreter's exit
    would wait for them to finish. Main thread only (signal handlers live there)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        token.cancel("interrupted")
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_included(agent: Any, include: list[str] | None) -> None:
    """Every --include name is a column of some loaded dataset (one line naming the closest)."""
    if not include:
        return
    from .errors import VariableError, suggestion

    columns = [c for ds in agent.datasets for c in ds.columns]
    from .names import normalize

    known = {normalize(c) for c in columns}
    for name in include:
        if normalize(name) not in known:
            raise VariableError(f"--include {name!r} is not a column of the data." + suggestion(name, columns, "column"))


def _check_context(agent: Any, context: str | None) -> None:
    """--context names a column of a loaded dataset with at least two values (one line otherwise)."""
    if not context:
        return
    from .environments import has_column, resolve_context

    datasets = list(agent.datasets)
    having = [ds for ds in datasets if has_column(ds, context)]
    for ds in having:
        resolve_context(ds, context)  # one value only, left out: one line naming the fix
    if datasets and not having:
        resolve_context(datasets[-1], context)  # not a column: one line with the closest names


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _ask_showing_steps(agent: Any, question: str) -> Any:
    """``agent.ask`` that shows each tool call and the first line of its result on stderr as it
    happens, the way the REPL does (stdout keeps only the answer, so ``--json`` stays one object)."""
    from rich.console import Console
    from rich.text import Text

    from .repl import _short_args

    console = Console(stderr=True, highlight=False)
    answer = None
    with console.status("thinking…", spinner="dots") as status:
        for event in agent.stream(question):
            if event.kind == "tool_call":
                line = Text("▸ ", style="cyan")
                line.append(event.tool or "?", style="bold cyan")
                line.append(f"({_short_args(event.args or {})})", style="cyan")
                console.print(line, overflow="fold")
                status.update(f"{event.tool} running…")
            elif event.kind == "tool_result":
                ok = event.status != "error"
                text = (event.output or "").strip()
                line = Text("  ✓ " if ok else "  ✗ ", style="green" if ok else "red")
                line.append(text.splitlines()[0] if text else "(no output)", style="dim" if ok else "red")
                console.print(line, overflow="ellipsis", no_wrap=True, crop=True)
                status.update("thinking…")
            elif event.kind == "answer":
                answer = event.answer
    if answer is None:
        raise CausalAgentError("the agent finished without an answer; run again with --no-progress")
    return answer


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
    data: Annotated[list[str] | None, typer.Option("--data", "-d", metavar="FILE", help="CSV/TSV/Parquet file to load (repeatable).")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    memory: MemoryOpt = None,
    history: Annotated[str | None, typer.Option("--history", metavar="FILE", help="Input history file (default: ~/.local/share/causal-agent/history).")] = None,
    resamples: ResamplesOpt = None,
    budget: BudgetOpt = None,
    include: IncludeOpt = None,
    max_file_size: MaxFileOpt = None,
    export_dir: ExportDirOpt = None,
    allow_destructive: DestructiveOpt = False,
    context: ContextOpt = None,
    executor: ExecutorOpt = None,
    ray_address: RayAddressOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    max_tokens: MaxTokensOpt = None,
    prompt: PromptOpt = None,
    text_tool_calls: TextCallsOpt = None,
) -> None:
    """Chat with your data in the terminal: questions, /graphs, /show, /export, /report, /help."""
    settings = _settings(resamples, budget=budget, include=include, max_file_size=max_file_size,
                         export_dir=export_dir, allow_destructive=allow_destructive, context=context,
                         executor=executor, ray_address=ray_address)
    cfg = _model_config(model, base_url, memory, timeout=timeout, retries=retries, max_tokens=max_tokens,
                        prompt=prompt, text_tool_calls=text_tool_calls)
    from .repl import run_chat

    run_chat(data=data or [], model=model, base_url=base_url, memory=memory, history_path=history,
             settings=settings, model_config=cfg)


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
    from .cli_memory import register as register_memory_commands

    register_memory_commands(app)  # graphs, logs
    for plugin in command_plugins():
        plugin.register_commands(cli=app)
    return app


PROG = "causal-agent"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one clear line (exit 2)."""
    app = make_app()
    import typer.main

    command = typer.main.get_command(app)
    _plain_help_labels(command)
    try:
        rc = command.main(args=argv, prog_name=PROG, standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except CausalAgentError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # click's own exceptions, whichever package (typer._click, click) raised them
        code = _click_exit(exc, argv, command)
        if code is None:
            raise
        sys.exit(code)


def _click_exit(exc: BaseException, argv: list[str] | None, root: Any = None) -> int | None:
    """The exit code of a click exception, after printing a usage error as ONE line; None when
    ``exc`` is not one.

    Recognised by shape and class name, not ``isinstance``: typer >= 0.2x vendors click as
    ``typer._click``, so neither its exceptions nor a plugin's real ``click`` ones share a base
    class with the other package. ``Exit`` carries ``exit_code`` only; ``Abort`` is Ctrl-C or EOF at
    a prompt; a ``ClickException`` has ``format_message()`` and ``exit_code``.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "Abort" in names:
        typer.echo("aborted", err=True)
        return 130
    code = getattr(exc, "exit_code", None)
    if not isinstance(code, int):
        return None
    if not callable(getattr(exc, "format_message", None)):
        return code if "Exit" in names else None
    typer.echo(f"error: {usage_line(exc, sys.argv[1:] if argv is None else argv, root)}", err=True)
    return code


def usage_line(exc: Any, argv: list[str], root: Any = None) -> str:
    """A click exception as one line: the problem, then (usage errors) where to read the usage."""
    message = " ".join(str(exc.format_message()).split()).rstrip(".")
    kind = type(exc).__name__
    option = getattr(exc, "option_name", None)
    if kind == "NoSuchOption" and option:
        near = _close_options(option, _options_of(getattr(getattr(exc, "ctx", None), "command", None)))
        message = f"no such option {option}" + (f" (did you mean {' or '.join(near)}?)" if near else "")
    elif kind == "BadParameter" and message.startswith("Invalid value for "):
        hint, _, why = message[len("Invalid value for "):].partition(": ")
        given = _given_value(argv, list(getattr(getattr(exc, "param", None), "opts", None) or []))
        value = f" {given!r}" if given is not None else ""
        message = f"invalid value{value} for {hint}: {_plain_reason(why)}"
    message = re.sub(r"\. (Did you mean .*\?)$", lambda m: f" ({m.group(1)[0].lower()}{m.group(1)[1:]})", message)
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    if "UsageError" not in {cls.__name__ for cls in type(exc).__mro__}:
        return message
    return f"{message}; try '{_command_path(exc, argv, root)} --help'"


_REASONS = (("valid integer", "expected a whole number"), ("valid number", "expected a number"),
            ("valid float", "expected a number"), ("valid boolean", "expected true or false"))


def _plain_reason(why: str) -> str:
    """typer's pydantic-style reasons ("Input should be a valid integer, ...") in plain words."""
    low = why.lower()
    for words, plain in _REASONS:
        if words in low:
            return plain
    for words, plain in (("greater than or equal to", "at least"), ("less than or equal to", "at most"),
                         ("greater than", "more than"), ("less than", "less than")):
        if low.startswith(f"input should be {words} "):
            return f"must be {plain} {why[len(f'input should be {words} '):]}"
    return why


def _given_value(argv: list[str], opts: list[str]) -> str | None:
    """The value typed after one of ``opts`` on the command line (``--n abc`` or ``--n=abc``)."""
    for i, arg in enumerate(argv):
        for opt in opts:
            if arg == opt and i + 1 < len(argv):
                return argv[i + 1]
            if opt.startswith("--") and arg.startswith(opt + "="):
                return arg[len(opt) + 1:]
    return None


def _command_path(exc: Any, argv: list[str], root: Any = None) -> str:
    """``causal-agent <command>`` of the failing command: from the exception's context, else the
    first word of the command line that names a command (click leaves ``ctx`` unset for
    ``BadOptionUsage``)."""
    path = getattr(getattr(exc, "ctx", None), "command_path", None)
    if path:
        return str(path)
    name = getattr(getattr(exc, "cmd", None), "name", None)
    if name and name != PROG:
        return f"{PROG} {name}"
    words = [a for a in argv if not a.startswith("-")]
    commands = getattr(root, "commands", {})
    return f"{PROG} {words[0]}" if words and words[0] in commands else PROG


def _options_of(command: Any) -> list[str]:
    return [o for p in getattr(command, "params", [])
            for o in (*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])) if o.startswith("--")]


def _close_options(option: str, known: list[str]) -> list[str]:
    """Known options close to a mistyped one (dashes aside, so ``--bogus`` matches nothing)."""
    import difflib

    bare = {k.lstrip("-"): k for k in known}
    return [bare[m] for m in difflib.get_close_matches(option.lstrip("-"), list(bare), n=2, cutoff=0.7)]


#: typer 0.2x labels a value with its Python type in --help (``<str>``, ``<int>``, ``<list[str]>``,
#: ``<bool>`` even for flags); these are the words click used, for options without a metavar
_TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH", "bool": "BOOLEAN"}


def _plain_help_labels(command: Any) -> None:
    """Help that reads like a command line, for the core commands and every plugin's: flags show
    no value label, options show a metavar (TEXT, INTEGER, NUMBER, or their own), arguments only
    their name."""
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") == "argument":
            param.display_type_rich = _no_label  # typer ignores an argument's metavar here
        elif getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif getattr(param, "metavar", None) is None:
            param.metavar = _type_word(param)
    make_help = getattr(command, "get_help_option", None)
    if callable(make_help):  # --help is made per context, outside ``params``
        def help_option(ctx: Any, _make: Any = make_help) -> Any:
            option = _make(ctx)
            if option is not None:
                option.metavar = ""
            return option

        command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        _plain_help_labels(sub)


def _no_label(*args: Any, **kwargs: Any) -> None:
    return None


def _type_word(param: Any) -> str | None:
    import typing

    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if annotation is None:
        return None
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is tuple:
        return " ".join(_TYPE_WORDS.get(getattr(a, "__name__", ""), "VALUE") for a in args)
    if origin is list and args:
        annotation = args[0]
    elif args and origin is not None:  # X | None
        annotation = args[0]
    return _TYPE_WORDS.get(getattr(annotation, "__name__", ""), "VALUE")


def version() -> str:
    try:
        from . import DISTRIBUTION

        return metadata.version(DISTRIBUTION)
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
