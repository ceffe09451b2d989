"""The terminal REPL driven through prompt_toolkit's pipe input, as a user would type.

The session test uses the real offline planner and real tools on the bundled clinic example; the
Ctrl-C test uses a chat model that blocks, and interrupts it the way a terminal does: SIGINT to
the process while the question runs.
"""

from __future__ import annotations

import io
import os
import re
import signal
import threading
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from causal_agent.repl import ChatSession, default_history_path, run_chat


def drive(lines: list[str], tmp_path: Path, width: int = 100, **kw: Any) -> tuple[ChatSession, str]:
    """Type ``lines`` (each ended with Enter) into a fresh REPL; return the session and its output."""
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("".join(line + "\r" for line in lines))
        session = run_chat(
            input=pipe,
            output=DummyOutput(),
            history_path=tmp_path / "history",
            file=out,
            width=width,
            **kw,
        )
    return session, out.getvalue()


def test_session_every_level_graphs_export_report(tmp_path, clinic_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("a,b\n1,2\n")  # too few rows: the loader refuses it
    png, md, html = tmp_path / "g.png", tmp_path / "session.md", tmp_path / "session.html"
    questions = [
        "Are stress and age independent?",
        "Does smoking directly cause lung cancer?",
        "Draw the causal graph.",
        "What is the effect of smoking on lung cancer going from 0 to 1?",
    ]
    session, text = drive(
        [
            "/load /no/such/file.csv",
            f"/load {bad}",
            f"/load {clinic_path} clinic",
            "/grpahs",
            *questions,
            "/graphs",
            "/show clinic:pc",
            f"/export clinic:pc {png}",
            f"/report {md}",
            f"/report {html}",
            "/model offline",
            "/data",
            "/quit",
        ],
        tmp_path,
        width=55,
    )
    # Bad input kept the REPL up, with one-line errors and a suggestion.
    assert "unknown command /grpahs — did you mean /graphs?" in " ".join(text.split())
    assert text.count("error:") >= 3
    assert "Traceback" not in text
    # Every question got its level's answer, streamed step by step.
    turns = session.turns
    assert [t.question for t in turns] == questions
    assert all(t.status == "answered" for t in turns), [(t.status, t.error) for t in turns]
    indep, edge, graph, effect = (t.answer for t in turns)
    assert indep.answer == "yes" and edge.answer == "yes"
    assert graph.graph is not None and graph.graph_key == "clinic:pc"
    assert effect.effect is not None and effect.effect.ci_low < 0.8 < effect.effect.ci_high
    for tool in ("test_independence", "direct_cause", "discover_graph", "estimate_effect"):
        assert f"▸ {tool}(" in text
    assert " YES " in text and "95% CI" in text
    # /graphs lists the key, /show draws its edges.
    assert "clinic:pc" in text and "yellow_fingers" in text
    # /export wrote a real PNG.
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(png) as im:
        im.verify()
        assert im.size[0] > 50 and im.size[1] > 50
    # /report: Markdown with the answers and a linked picture; HTML with it embedded.
    report = md.read_text()
    for q in questions:
        assert q in report
    assert "**Answer: YES**" in report and "95% CI" in report and "discover_graph" in report
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", report)
    assert linked and (tmp_path / linked[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = html.read_text()
    assert "data:image/png;base64," in page and "Answer: YES" in page
    # /model rebuilt the agent and kept the data; /data printed the profile.
    assert "data and graphs kept" in text and "identifier" in text
    # Readable at 55 columns: nothing runs past the edge.
    assert max(len(line) for line in text.splitlines()) <= 55
    # History persists across sessions.
    assert "Draw the causal graph." in (tmp_path / "history").read_text()


class _BlockingModel(BaseChatModel):
    """Answers the first question, blocks on the second until released, answers the third."""

    calls: list[list[Any]]
    release: Any
    interrupt_after: float = 0.3

    @property
    def _llm_type(self) -> str:
        return "blocking-test-model"

    def bind_tools(self, tools: Any, **kw: Any) -> Any:
        return self

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> ChatResult:
        self.calls.append(list(messages))
        n = len(self.calls)
        if n == 1:
            reply = AIMessage(
                content="",
                tool_calls=[{"name": "test_independence", "args": {"x": "stress", "y": "age"}, "id": "c1"}],
            )
        elif n == 2:
            reply = AIMessage(content="Stress and age are independent.\nANSWER: yes")
        elif n == 3:  # the slow question: a terminal's Ctrl-C is SIGINT to the process
            threading.Timer(self.interrupt_after, os.kill, (os.getpid(), signal.SIGINT)).start()
            self.release.wait(30)
            reply = AIMessage(content="too late\nANSWER: no")
        elif n == 4:  # the follow-up runs its test (an LLM's verdict needs a tool result behind it)
            reply = AIMessage(
                content="",
                tool_calls=[{"name": "test_independence", "args": {"x": "stress", "y": "age", "given": ["smoking"]},
                             "id": "c2"}],
            )
        else:  # given smoking (a collider of both), stress and age are dependent
            reply = AIMessage(content="Follow-up answered.\nANSWER: no")
        return ChatResult(generations=[ChatGeneration(message=reply)])


def test_ctrl_c_cancels_the_running_question_and_returns_to_the_prompt(tmp_path, clinic_path):
    release = threading.Event()
    model = _BlockingModel(calls=[], release=release)
    started = time.monotonic()
    try:
        session, text = drive(
            [
                "Are stress and age independent?",
                "A question that takes forever",
                "and given smoking?",
                "/quit",
            ],
            tmp_path,
            data=[str(clinic_path)],
            model=model,
        )
        elapsed = time.monotonic() - started
        # The REPL went on while the cancelled model call was still blocked.
        assert not release.is_set()
    finally:
        release.set()
    assert [t.status for t in session.turns] == ["answered", "cancelled", "answered"]
    assert "cancelled" in text and "Follow-up answered." in text
    assert elapsed < 25
    # The follow-up saw the first question (same conversation) but not the cancelled half-turn.
    seen = [m.content for m in model.calls[3] if isinstance(m, HumanMessage)]
    assert seen == ["Are stress and age independent?", "and given smoking?"]
    assert len(model.calls) == 5


def test_completion_of_commands_keys_and_variables(tmp_path, clinic_path):
    session, text = drive([f"/load {clinic_path}", "/quit"], tmp_path)
    complete = session.prompt.completer

    def options(typed: str) -> list[str]:
        """The whole line after accepting each completion."""
        doc = Document(typed, len(typed))
        found = complete.get_completions(doc, CompleteEvent(completion_requested=True))
        return [typed[: len(typed) + c.start_position] + c.text for c in found]

    assert options("/gr") == ["/graphs"]
    assert options("/ex") == ["/export"]
    assert options("Does smok") == ["Does smoking"]
    assert options("is Lung") == ["is lung_cancer"]
    assert f"/load {clinic_path}" in options(f"/load {clinic_path.parent}/cli")


def test_tab_completes_a_command_through_the_terminal_input(tmp_path):
    # Completion runs asynchronously, so type like a person: Tab, a pause, then Enter.
    out = io.StringIO()
    with create_pipe_input() as pipe:

        def type_keys() -> None:
            for chunk in ("/hel", "\t", "\r", "/quit\r"):
                time.sleep(0.3)
                pipe.send_text(chunk)

        typist = threading.Thread(target=type_keys, daemon=True)
        typist.start()
        run_chat(input=pipe, output=DummyOutput(), history_path=tmp_path / "h", file=out, width=100)
        typist.join()
    text = out.getvalue()
    assert "/report" in text and "unknown command" not in text


def test_unknown_command_and_no_data(tmp_path):
    session, text = drive(["/shwo x", "/export", "Does a cause b?", "/quit"], tmp_path, model="offline")
    flat = " ".join(text.split())
    assert "did you mean /show?" in flat
    assert "usage: /export KEY FILE" in flat
    assert "no data is loaded" in flat
    assert session.turns == []


def test_history_location(monkeypatch, tmp_path):
    monkeypatch.setenv("CAUSAL_AGENT_HISTORY", str(tmp_path / "h"))
    assert default_history_path() == tmp_path / "h"
    monkeypatch.delenv("CAUSAL_AGENT_HISTORY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_history_path() == tmp_path / "xdg" / "causal-agent" / "history"


@pytest.mark.parametrize("suffix", [".txt", ""])
def test_report_rejects_unknown_format(tmp_path, suffix):
    session, text = drive([f"/report {tmp_path / ('out' + suffix)}", "/quit"], tmp_path)
    assert "use a .md or .html file name" in " ".join(text.split())


def test_chat_settings_reach_the_agent_and_survive_a_model_switch(tmp_path, clinic_path):
    from causal_agent.context import Settings

    session, text = drive(["Does smoking directly cause lung_cancer?", "/model offline", "/quit"], tmp_path,
                          model="offline", data=[str(clinic_path)], settings=Settings(discovery_resamples=0))
    assert session._agent is not None and session._agent.settings.discovery_resamples == 0
    step = session.turns[0].answer.steps[-1]
    assert step.artifact is not None and step.artifact.get("support") is None  # no bootstrap ran
    assert "bootstrap" not in step.output


# ---- Ctrl-C and /quit stop the running work (causal_agent.cancel) ---------------------------------
def _table(tmp_path: Path, columns: int, rows: int) -> Path:
    from causal_agent.examples.synthetic import chain_window_frame

    path = tmp_path / f"t{columns}x{rows}.csv"
    chain_window_frame(columns, rows).to_csv(path, index=False, float_format="%.6f")
    return path


def _no_budget() -> dict[str, Any]:
    """Settings that let a long discovery start (the cost budget would refuse a wide table)."""
    from causal_agent.context import Settings

    return {"discovery_budget_s": 0} if "discovery_budget_s" in Settings.model_fields else {}


def _interrupt_when(ready: Callable[[], bool], seen: set[int], then_s: float = 1.0) -> threading.Thread:
    """Send SIGINT (a terminal's Ctrl-C) once ``ready()`` holds, ``then_s`` later; meanwhile
    remember the multiprocessing children that appear in ``seen``."""
    import multiprocessing

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen.update(p.pid for p in multiprocessing.active_children() if p.pid)
            if ready():
                end = time.monotonic() + then_s
                while time.monotonic() < end:
                    seen.update(p.pid for p in multiprocessing.active_children() if p.pid)
                    time.sleep(0.05)
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_ctrl_c_on_the_bootstrap_then_quit_leaves_no_worker_process(tmp_path):
    import multiprocessing

    from causal_agent.cancel import child_pids, pid_alive
    from causal_agent.context import Settings

    before = {p.pid for p in multiprocessing.active_children()} | set(child_pids())
    seen: set[int] = set()
    workers_up = lambda: len({p.pid for p in multiprocessing.active_children()} - before) >= 2  # noqa: E731
    watcher = _interrupt_when(workers_up, seen)
    session, text = drive(["Draw the causal graph", "/quit"], tmp_path, data=[str(_table(tmp_path, 20, 2000))],
                          memory=str(tmp_path / "m.sqlite"), settings=Settings(discovery_resamples=400))
    watcher.join(5)
    workers = seen - before
    assert len(workers) >= 2, text  # the bootstrap's pool ran when Ctrl-C came
    assert [t.status for t in session.turns] == ["cancelled"]
    assert "cancelled" in text and "bye" in text and "Traceback" not in text
    assert session.stopped  # /quit found nothing still running
    deadline = time.monotonic() + 30
    while any(pid_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pid_alive(p) for p in workers)  # no worker computes on
    assert not ({p.pid for p in multiprocessing.active_children()} - before)
    # multiprocessing's resource tracker serves this interpreter until it exits (the chat command
    # test below sees it go with the process); every other child is gone
    assert not {pid for pid in set(child_pids()) - before if not _is_resource_tracker(pid)}


def _is_resource_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_ctrl_c_on_a_wide_discovery_stops_it_and_quit_finds_nothing_running(tmp_path):
    from causal_agent.context import Settings

    question_running = lambda: any(t.name == "causal-agent-question" for t in threading.enumerate())  # noqa: E731
    threads_before = set(threading.enumerate())
    watcher = _interrupt_when(question_running, set(), then_s=2.0)
    started = time.monotonic()
    session, text = drive(["Draw the causal graph", "/quit"], tmp_path, data=[str(_table(tmp_path, 150, 300))],
                          memory=str(tmp_path / "m.sqlite"),
                          settings=Settings(discovery_resamples=0, **_no_budget()))
    watcher.join(5)
    assert [t.status for t in session.turns] == ["cancelled"], text
    assert "▸ discover_graph(" in text and "cancelled" in text and "bye" in text
    assert session.stopped  # the discovery's tool thread ended within /quit's grace period
    assert time.monotonic() - started < 60  # PC over 150 variables takes minutes here
    # no executor thread (LangGraph runs tools on them; interpreter exit joins them) is left
    import concurrent.futures.thread as executor_threads

    running = [t.name for t in executor_threads._threads_queues if t.is_alive() and t not in threads_before]
    assert running == [], [t.name for t in threading.enumerate()]
    assert session._agent is not None and session._agent.memory.list() == []  # nothing half-learned stored


@pytest.mark.parametrize("leave", ["/quit", "Ctrl-D"])
def test_the_chat_command_exits_after_ctrl_c_and_quit_leaving_no_process(tmp_path, leave):
    """``causal-agent chat`` as a user runs it, stdin piped: a question, SIGINT, then /quit (or
    end of input, as Ctrl-D): the process exits and none of its processes survives it."""
    import queue
    import subprocess
    import sys

    from causal_agent.cancel import child_pids, pid_alive

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "causal_agent", "chat", "--data", str(_table(tmp_path, 20, 2000)),
         "--memory", str(tmp_path / "m.sqlite"), "--history", str(tmp_path / "h"), "--resamples", "400"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    out, seen = "", set()

    def until(done: Callable[[], bool], bound_s: float) -> bool:
        nonlocal out
        deadline = time.monotonic() + bound_s
        while not done():
            seen.update(child_pids(proc.pid))
            try:
                out += lines.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() > deadline or proc.poll() is not None:
                    return False
        return True

    try:
        proc.stdin.write("Draw the causal graph\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        assert until(lambda: len(child_pids(proc.pid)) >= 2, 120), out  # the bootstrap's workers run
        until(lambda: False, 1.0)
        proc.send_signal(signal.SIGINT)
        assert until(lambda: "cancelled" in out, 30), out
        if leave == "/quit":
            proc.stdin.write("/quit\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
        else:
            proc.stdin.close()  # type: ignore[union-attr]
        assert proc.wait(timeout=30) == 0
        until(lambda: False, 0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(seen) >= 2
    assert "bye" in out and "Traceback" not in out
    deadline = time.monotonic() + 30
    while any(pid_alive(p) for p in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in seen if pid_alive(p)] == []
