"""``causal-agent chat``: the terminal REPL.

Design notes (the why):

* **Fast start.** Only prompt_toolkit and rich are imported before the first prompt; the agent
  (LangGraph, causal-learn, DoWhy, pandas) is built and the ``--data`` files are loaded in a
  background thread while the user types. The first command that needs the agent joins it.
* **Cancellable questions.** A question runs in a worker thread that streams ``AgentEvent`` s
  into a queue; the main thread prints them. Ctrl-C (SIGINT) cancels the question's
  ``CancelToken`` (``causal_agent.cancel``) and returns to the prompt at once. The token travels
  with the question's context into the tool threads, so the running work itself stops: discovery
  is interrupted, the bootstrap kills its worker processes. Whatever still arrives is dropped.
* **Quitting stops everything.** ``/quit`` and Ctrl-D cancel every question still running, wait
  ``QUIT_GRACE_S`` for them, and end the child processes the session started, so the process
  exits at once instead of computing on in the background. In the terminal command a tool that
  ignores the cancel is abandoned: the process leaves with ``os._exit`` after flushing its output.
* **Conversation.** Every question of a session uses one LangGraph ``thread_id``, so the
  checkpointer carries follow-ups. A cancelled or failed question would leave half a turn (tool
  calls without results) in that thread, so the session continues on a fresh thread seeded with
  the conversation as it was before that question.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, TimeoutError
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from rich.console import Console
from rich.text import Text

from .cancel import CancelToken, cancellable, terminate_children
from .errors import CausalAgentError
from .repl_commands import COMMANDS, dataset_line, run_command

if TYPE_CHECKING:  # pragma: no cover
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from .agent import AgentEvent, CausalAgent
    from .report import Turn

HISTORY_ENV = "CAUSAL_AGENT_HISTORY"
#: seconds ``/quit`` waits for cancelled questions to stop before it ends their processes
QUIT_GRACE_S = 1.0


def default_history_path() -> Path:
    """``$CAUSAL_AGENT_HISTORY``, else ``$XDG_DATA_HOME/causal-agent/history``, else
    ``~/.local/share/causal-agent/history``."""
    env = os.environ.get(HISTORY_ENV)
    if env:
        return Path(env).expanduser()
    from .config import data_dir

    return data_dir() / "history"


def make_history(path: str | Path | None) -> History:
    """A FileHistory at ``path`` (default: :func:`default_history_path`); in-memory if unwritable."""
    target = Path(path).expanduser() if path is not None else default_history_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)
        return FileHistory(str(target))
    except OSError:
        return InMemoryHistory()


class ChatCompleter(Completer):
    """Slash commands, their arguments (paths, graph keys, models), and variable names in questions."""

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: Any) -> Iterator[Completion]:
        text = document.text_before_cursor
        stripped = text.lstrip()
        if stripped.startswith("/"):
            if " " not in stripped:
                for name, (args, help_) in COMMANDS.items():
                    if name.startswith(stripped):
                        yield Completion(name, start_position=-len(stripped), display_meta=help_)
                return
            command, _, rest = stripped.partition(" ")
            words = rest.split(" ")
            if command == "/load" and len(words) == 1:
                yield from self.paths.get_completions(Document(rest, len(rest)), complete_event)
            elif command in ("/export", "/report") and len(words) == 2 - (command == "/report"):
                last = words[-1]
                yield from self.paths.get_completions(Document(last, len(last)), complete_event)
            elif command in ("/show", "/export") and len(words) == 1:
                for key in self.session.graph_keys():
                    if key.startswith(rest):
                        yield Completion(key, start_position=-len(rest))
            elif command == "/model" and len(words) == 1:
                for name in ("offline", "openai:gpt-4o-mini", "openai:gpt-4o"):
                    if name.startswith(rest):
                        yield Completion(name, start_position=-len(rest))
            return
        word = document.get_word_before_cursor(WORD=False)
        if not word or not (word[0].isalnum() or word[0] == "_"):
            return
        low = word.lower()
        for name in self.session.variable_names():
            if name.lower().startswith(low) and name != word:
                yield Completion(name, start_position=-len(word), display_meta="variable")


class ChatSession:
    """One REPL session: the agent (built in the background), the conversation and its turns."""

    def __init__(
        self,
        *,
        console: Console,
        data: Iterable[str] = (),
        model: Any = None,
        base_url: str | None = None,
        memory: Any = None,
        history_path: str | Path | None = None,
        input: Input | None = None,
        output: Output | None = None,
        settings: Any = None,
        model_config: Any = None,
    ) -> None:
        self.console = console
        self.model_spec = model
        self.base_url = base_url
        #: a ``ModelConfig`` built from the CLI's flags (None: ``load_config`` at start-up)
        self.model_config = model_config
        self.settings = settings  # causal_agent.context.Settings or None (the defaults)
        self.memory_spec = memory
        self.turns: list[Turn] = []
        self.thread_id = str(uuid.uuid4())
        self.pending_data = list(data)
        self.running = True
        #: True when lines come from a pipe or file rather than a terminal (no prompt is drawn).
        self.plain_input = False
        #: True when reading a real terminal (then typed-ahead keys are not echoed mid-answer).
        self.tty = input is None and _isatty(sys.stdin)
        self._agent: CausalAgent | None = None
        self._agent_error: str | None = None
        self._startup_notes: list[str] = []
        self._startup_reported = False
        self._future: Future[None] = Future()
        #: question threads started and their tokens (a cancelled one may still be unwinding)
        self._workers: list[tuple[threading.Thread, CancelToken]] = []
        import multiprocessing

        #: child processes that existed before the session (not ours to end at /quit)
        self._children_before = {p.pid for p in multiprocessing.active_children() if p.pid}
        self._loader = threading.Thread(target=self._build, name="causal-agent-loader", daemon=True)
        self._loader_lock = threading.Lock()
        self.prompt = PromptSession(
            history=make_history(history_path),
            completer=ChatCompleter(self),
            complete_while_typing=False,
            key_bindings=self._key_bindings(),
            bottom_toolbar=self._toolbar,
            refresh_interval=0.5,
            input=input,
            output=output,
            multiline=False,
            prompt_continuation=lambda width, line, soft_wrap: "" if soft_wrap else "." * (width - 1) + " ",
        )

    # -- the agent, built in the background ------------------------------------------------------
    def _build(self) -> None:
        """Import the heavy libraries, build the agent and load the --data files."""
        try:
            from .agent import CausalAgent

            try:
                self._agent = CausalAgent(
                    model=self.model_spec, memory=self.memory_spec, base_url=self.base_url,
                    settings=self.settings, model_config=self.model_config,
                )
            except CausalAgentError as exc:
                self._agent_error = str(exc)
                self._startup_notes.append(f"[red]error:[/] {_esc(str(exc))}")
                self._startup_notes.append("Switch to the built-in planner with [bold]/model offline[/].")
                return
            self._load_pending()
        except Exception as exc:  # never let the loader die silently
            self._agent_error = f"{type(exc).__name__}: {exc}"
            self._startup_notes.append(f"[red]error while starting:[/] {_esc(self._agent_error)}")
        finally:
            self._future.set_result(None)
            self._announce()

    def _announce(self) -> None:
        """If the user is at the prompt, print the start-up notes above it right away."""
        app = getattr(self, "prompt", None) and self.prompt.app
        loop = getattr(app, "loop", None)
        if app is None or not app.is_running or loop is None:
            return  # printed before the next prompt instead

        def show() -> None:
            from prompt_toolkit.application import run_in_terminal

            if app.is_running and not self._startup_reported:
                run_in_terminal(self.report_startup)

        try:
            loop.call_soon_threadsafe(show)
        except RuntimeError:  # the loop closed in between
            pass

    def load_pending(self) -> None:
        """Load the ``--data`` files a failed start-up agent left, then print what happened (once
        more): ``/model`` calls this after it replaced that agent."""
        self._load_pending()
        self._startup_reported = False
        self.report_startup()

    def _load_pending(self) -> None:
        assert self._agent is not None
        while self.pending_data:
            path = self.pending_data.pop(0)
            try:
                ds = self._agent.load(path)
            except CausalAgentError as exc:
                self._startup_notes.append(f"[red]error:[/] {_esc(str(exc))}")
            else:
                self._startup_notes.append(dataset_line(ds))

    @property
    def ready(self) -> bool:
        return self._future.done()

    def report_startup(self) -> None:
        """Print what the background start-up did, once, between prompts."""
        if self.ready and not self._startup_reported:
            self._startup_reported = True
            for note in self._startup_notes:
                self.console.print(note)

    def _after_first_render(self, app: Any) -> None:
        app.after_render -= self._after_first_render
        self.start_loading()

    def agent(self, quiet: bool = False) -> CausalAgent | None:
        """The agent, waiting for the background start-up if needed (Ctrl-C stops waiting)."""
        self.start_loading()
        if not self.ready:
            stop = threading.Event()
            with sigint_sets(stop), no_echo(self.tty), self.console.status("loading the causal libraries…", spinner="dots"):
                while not stop.is_set() and not self._future.done():
                    try:
                        self._future.result(timeout=0.05)
                    except TimeoutError:
                        pass
            if not self.ready:
                self.console.print("[yellow]stopped waiting[/]: the libraries are still loading")
                return None
        self.report_startup()
        if self._agent is None and not quiet:
            self.console.print(
                f"[red]no agent:[/] {_esc(self._agent_error or 'start-up failed')}; "
                "try [bold]/model offline[/]"
            )
        return self._agent

    def set_agent(self, agent: CausalAgent) -> None:
        self._agent, self._agent_error = agent, None
        self.thread_id = str(uuid.uuid4())

    # -- what the completer may read without blocking ----------------------------------------------
    def variable_names(self) -> list[str]:
        if not self.ready or self._agent is None:
            return []
        names: list[str] = []
        for ds in self._agent.datasets:
            names += [v for v in ds.variables if v not in names]
        return names

    def graph_keys(self) -> list[str]:
        if not self.ready or self._agent is None:
            return []
        try:
            return [r.key for r in self._agent.memory.list()]
        except Exception:  # a completer must never raise
            return []

    # -- prompt ----------------------------------------------------------------------------------
    def _key_bindings(self) -> KeyBindings:
        kb = KeyBindings()

        @kb.add("escape", "enter")  # Alt-Enter / Esc Enter
        def _newline(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        return kb

    def _toolbar(self) -> str:
        try:
            from prompt_toolkit.application import get_app

            width = get_app().output.get_size().columns
        except Exception:
            width = 80
        if not self.ready:
            state = "loading…"
        elif self._agent is None:
            state = "no model"
        else:
            names = self._agent.datasets.names()
            state = ", ".join(names) if names else "no data: /load PATH"
        if width >= 90:
            keys = "Enter send · Alt-Enter newline · Tab complete · /help · Ctrl-D quit"
        elif width >= 60:
            keys = "Enter send · Alt-Enter newline · /help"
        else:
            keys = "Alt-Enter newline · /help"
        return f" {keys} │ {state} "[: max(width - 1, 10)]

    def read(self) -> str:
        return self.prompt.prompt([("bold ansicyan", "causal› ")])

    # -- the loop --------------------------------------------------------------------------------
    def start_loading(self, *_: Any) -> None:
        """Start the background start-up (once). Called after the first prompt is drawn, so the
        import work does not compete with drawing it; any command that needs the agent calls it
        too."""
        with self._loader_lock:
            if not self._loader.is_alive() and not self.ready:
                try:
                    self._loader.start()
                except RuntimeError:  # already started and finished
                    pass

    def run(self) -> None:
        self.banner()
        self.prompt.app.after_render += self._after_first_render
        if self.plain_input:  # nothing is drawn, so start now
            self.start_loading()
        while self.running:
            self.report_startup()
            try:
                line = self.read()
            except KeyboardInterrupt:  # Ctrl-C at the prompt clears the line
                continue
            except EOFError:  # Ctrl-D
                break
            try:
                self.handle(line)
            except KeyboardInterrupt:
                self.console.print("[yellow]interrupted[/]")
        self.stopped = self.close()
        self.console.print("[dim]bye[/]")

    #: False when a question's thread was still running after ``close`` (set by ``run``)
    stopped: bool = True

    def close(self, grace_s: float = QUIT_GRACE_S) -> bool:
        """Stop all running work: cancel every question, wait up to ``grace_s`` for their threads,
        then end the child processes the session started. True when nothing is left running."""
        import time

        for _, token in self._workers:
            token.cancel("the session ended")
        deadline = time.monotonic() + grace_s
        for thread, _ in self._workers:
            thread.join(max(deadline - time.monotonic(), 0.0))
        terminate_children(exclude=self._children_before)
        self._workers = [(t, k) for t, k in self._workers if t.is_alive()]
        return not self._workers

    def banner(self) -> None:
        self.console.print(
            Text.assemble(("causal-agent chat", "bold"), " · ask causal questions about your data")
        )
        if self.pending_data:
            self.console.print(f"[dim]loading {_esc(', '.join(self.pending_data))} in the background…[/]")
        else:
            self.console.print("[dim]load a table with /load PATH, then ask a question.[/]")
        self.console.print(
            "[dim]Enter sends · Alt-Enter adds a line · Tab completes · Ctrl-C cancels · /help[/]"
        )

    def handle(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        if text.startswith("/"):
            run_command(self, text)
        else:
            self.ask(text)

    # -- questions ---------------------------------------------------------------------------------
    def ask(self, question: str) -> Turn | None:
        agent = self.agent()
        if agent is None:
            return None
        if not len(agent.datasets):
            self.console.print("[yellow]no data is loaded[/]: /load PATH first (e.g. /load data.csv)")
            return None
        from .report import Turn

        turn = Turn(question=question)
        self.turns.append(turn)
        events: queue.Queue[Any] = queue.Queue()
        cancel = CancelToken()
        pending: dict[str, Any] = {}
        failure: BaseException | None = None
        self.current_cancel = cancel
        # Ctrl-C only cancels ``cancel`` here: a KeyboardInterrupt raised at an arbitrary point
        # (say, while rich starts its spinner thread) would leave the terminal in a mess.
        with sigint_sets(cancel), no_echo(self.tty):
            before = self._messages(agent)
            worker = threading.Thread(
                target=_stream_worker,
                args=(agent, question, self.thread_id, cancel, events),
                name="causal-agent-question",
                daemon=True,
            )
            self._workers = [(t, k) for t, k in self._workers if t.is_alive()]
            self._workers.append((worker, cancel))
            worker.start()
            with self.console.status("thinking…", spinner="dots") as status:
                while not cancel.cancelled:
                    try:
                        item = events.get(timeout=0.05)
                    except queue.Empty:
                        continue
                    if item is _DONE:
                        break
                    if isinstance(item, BaseException):
                        failure = item
                        break
                    try:
                        self._show_event(item, turn, pending, status.update)
                    except Exception as exc:  # a display bug must not kill the REPL
                        failure = exc
                        break
        self.current_cancel = None
        if cancel.cancelled:
            turn.status = "cancelled"
            self._restart_thread(agent, before)
            self.console.print("[yellow]cancelled[/] — back at the prompt")
            return turn
        if failure is not None:
            if isinstance(failure, CausalAgentError):
                turn.error = str(failure)
            else:  # a bug or a library failure: one line, the REPL stays up
                turn.error = f"{type(failure).__name__}: {failure}".splitlines()[0]
            turn.status = "error"
            self._restart_thread(agent, before)
            self.console.print(f"[red]error:[/] {_esc(turn.error)}")
            return turn
        if turn.answer is not None:
            from .display import answer_renderable

            self.console.print(answer_renderable(turn.answer, show_steps=False))
        else:
            turn.status, turn.error = "error", "the agent finished without an answer"
            self.console.print("[red]error:[/] the agent finished without an answer")
        return turn

    current_cancel: CancelToken | None = None

    def cancel(self) -> None:
        """Stop the running question and its work (what Ctrl-C does)."""
        if self.current_cancel is not None:
            self.current_cancel.cancel()

    def _show_event(
        self, event: AgentEvent, turn: Turn, pending: dict[str, Any], update: Callable[[str], None]
    ) -> None:
        from .answer import Step

        if event.kind == "tool_call":
            args = _short_args(event.args or {})
            pending.setdefault(event.tool or "", []).append(event.args or {})
            line = Text("▸ ", style="cyan")
            line.append(event.tool or "?", style="bold cyan")
            line.append(f"({args})", style="cyan")
            self.console.print(line, overflow="fold")
            update(f"{event.tool} running…")
        elif event.kind == "tool_result":
            calls = pending.get(event.tool or "") or [{}]
            args = calls.pop(0) if calls else {}
            ok = event.status != "error"
            output = event.output or ""
            turn.steps.append(
                Step(tool=event.tool or "?", args=args, output=output, status="ok" if ok else "error")
            )
            first = output.strip().splitlines()[0] if output.strip() else "(no output)"
            line = Text("  ✓ " if ok else "  ✗ ", style="green" if ok else "red")
            line.append(first, style="dim" if ok else "red")
            self.console.print(line, overflow="ellipsis", no_wrap=True, crop=True)
            update("thinking…")
        elif event.kind == "answer" and event.answer is not None:
            turn.answer = event.answer

    # -- conversation threads ----------------------------------------------------------------------
    def _messages(self, agent: CausalAgent) -> list[Any]:
        try:
            state = agent.graph.get_state({"configurable": {"thread_id": self.thread_id}})
        except Exception:
            return []
        return list((state.values or {}).get("messages") or [])

    def _restart_thread(self, agent: CausalAgent, messages: list[Any]) -> None:
        """Continue on a fresh thread that holds the conversation as it was before a failed turn."""
        self.thread_id = str(uuid.uuid4())
        if not messages:
            return
        try:
            agent.graph.update_state(
                {"configurable": {"thread_id": self.thread_id}}, {"messages": messages}, as_node="finalize"
            )
        except Exception:  # the conversation restarts; data and graphs are kept
            self.console.print("[dim](the conversation restarts; data and graphs are kept)[/]")


_DONE = object()


@contextmanager
def no_echo(enabled: bool) -> Iterator[None]:
    """Stop the terminal from echoing keys typed while a question runs: they would garble the
    spinner. The keys are not lost; the next prompt reads them."""
    if not enabled:
        yield
        return
    try:
        import termios

        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
        new = list(old)
        new[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSANOW, new)
    except (ImportError, OSError, ValueError):
        yield
        return
    except Exception:  # termios.error
        yield
        return
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, old)


@contextmanager
def sigint_sets(flag: threading.Event | CancelToken) -> Iterator[None]:
    """While active, Ctrl-C (SIGINT) sets ``flag`` (cancels a token) instead of raising
    KeyboardInterrupt.

    Signal handlers can only be installed from the main thread; elsewhere this does nothing and
    Ctrl-C keeps its default behaviour.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    action = flag.cancel if isinstance(flag, CancelToken) else flag.set
    signal.signal(signal.SIGINT, lambda signum, frame: action())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stream_worker(
    agent: CausalAgent, question: str, thread_id: str, cancel: CancelToken, out: queue.Queue[Any]
) -> None:
    """Stream one question's events into ``out`` under ``cancel`` (the tools it runs see the
    token); stop at the first event after a cancel."""
    with cancellable(cancel):
        stream = agent.stream(question, thread_id=thread_id)
        try:
            for event in stream:
                if cancel.cancelled:
                    break
                out.put(event)
        except BaseException as exc:  # handed to the main thread, which prints one line
            if not cancel.cancelled:
                out.put(exc)
        finally:
            try:
                stream.close()
            except BaseException:  # noqa: BLE001 - a Cancelled unwinding the stream's cleanup
                pass
            out.put(_DONE)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _short_args(args: dict[str, Any], limit: int = 80) -> str:
    parts = []
    for k, v in args.items():
        if v is None or v == [] or v == {}:
            continue
        parts.append(f"{k}={v!r}")
    text = ", ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _lines_input(stream: IO[str]) -> Callable[[], str]:
    """Read plain lines when stdin is not a terminal (``causal-agent chat < questions.txt``)."""

    def read() -> str:
        line = stream.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    return read


def run_chat(
    data: Iterable[str] | None = None,
    model: Any = None,
    base_url: str | None = None,
    memory: Any = None,
    input: Input | None = None,
    output: Output | None = None,
    history_path: str | Path | None = None,
    *,
    file: IO[str] | None = None,
    width: int | None = None,
    settings: Any = None,
    model_config: Any = None,
) -> ChatSession:
    """Run the REPL until /quit or Ctrl-D; returns the session (its ``turns``) for tests.

    ``input``/``output`` are prompt_toolkit's (``create_pipe_input()``, ``DummyOutput()`` in tests);
    ``file``/``width`` direct the rich console (a ``StringIO`` in tests). ``model_config`` (a
    ``ModelConfig``, e.g. from the CLI's flags) replaces the environment and the config file for
    the start-up agent.
    """
    console = (
        Console(file=file, width=width, force_terminal=False, color_system=None, highlight=False)
        if file is not None
        # the real stdout, bound now: a tool thread's redirect_stdout (discovery silences its
        # library) would otherwise swallow what the REPL prints meanwhile ("cancelled")
        else Console(file=sys.stdout, width=width, highlight=False)
    )
    session = ChatSession(
        console=console,
        data=list(data or []),
        model=model,
        base_url=base_url,
        memory=memory,
        history_path=history_path,
        input=input,
        output=output,
        settings=settings,
        model_config=model_config,
    )
    if input is None and not _isatty(sys.stdin):
        session.read = _lines_input(sys.stdin)  # type: ignore[method-assign]
        session.plain_input = True
    session.run()
    if not session.stopped and input is None and file is None:
        # the terminal command: a tool ignored the cancel, and interpreter exit would join its
        # executor thread (daemon or not); the user asked to leave, so leave now
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return session


__all__ = ["COMMANDS", "ChatCompleter", "ChatSession", "default_history_path", "run_chat"]
