"""Cancellable long work (``causal_agent.cancel``): the token, its reach across threads, the
interruption of library code, discovery stopped mid-run, and ending child processes.

Time bounds are generous (30 s): they prove that work stops, not how fast; the figure is in
``benchmarks/bench_repl_quit.py``.
"""

from __future__ import annotations

import contextvars
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

from causal_agent.examples.synthetic import chain_window_frame as wide_frame
from causal_agent.cancel import (
    CancelToken,
    Cancelled,
    cancellable,
    cancelled,
    check,
    child_pids,
    current,
    interruptible,
    on_cancel,
    pid_alive,
    terminate_children,
)

BOUND_S = 30.0




# ---- the token ------------------------------------------------------------------------------------
def test_check_raises_only_under_a_cancelled_token():
    check()  # no token: nothing to obey
    assert current() is None and not cancelled()
    with cancellable() as token:
        assert current() is token
        check()
        token.cancel("the user pressed Ctrl-C")
        assert cancelled()
        with pytest.raises(Cancelled, match="Ctrl-C"):
            check()
    assert current() is None  # the block's token does not outlive it
    check()


def test_cancelled_is_not_caught_by_except_exception():
    """Library code turns ``Exception`` into one-line errors or failed resamples; a cancel must
    unwind through all of it."""
    token = CancelToken()
    token.cancel()
    caught = []
    with pytest.raises(Cancelled):
        try:
            token.check()
        except Exception as exc:  # noqa: BLE001 - what library code does
            caught.append(exc)
    assert caught == []


def test_callbacks_run_once_and_a_removed_one_never():
    token = CancelToken()
    calls: list[str] = []
    with cancellable(token):
        with on_cancel(lambda: calls.append("gone")):
            pass  # left before the cancel: removed
        with on_cancel(lambda: calls.append("pool killed")):
            token.cancel()
            token.cancel()  # twice is harmless
        with on_cancel(lambda: calls.append("late")):  # registered after the cancel: runs now
            pass
    assert calls == ["pool killed", "late"]


def test_a_failing_callback_does_not_stop_the_others():
    token = CancelToken()
    calls = []
    token.add_callback(lambda: 1 / 0)
    token.add_callback(lambda: calls.append("second"))
    token.cancel()
    assert calls == ["second"] and token.cancelled


def test_the_token_reaches_threads_that_copy_the_context_and_no_others():
    """Executors (LangGraph's, LangChain's) copy the context into their threads; a plain thread
    or another question's thread sees no token, so agents never share one."""
    seen: dict[str, object] = {}
    with cancellable() as token:
        ctx = contextvars.copy_context()
        copied = threading.Thread(target=lambda: seen.update(copied=ctx.run(current)))
        plain = threading.Thread(target=lambda: seen.update(plain=current()))
        copied.start(), plain.start()
        copied.join(), plain.join()
    assert seen == {"copied": token, "plain": None}

    other = CancelToken()
    results: dict[str, bool] = {}

    def question(name: str, tok: CancelToken) -> None:
        with cancellable(tok):
            time.sleep(0.1)
            results[name] = cancelled()

    a = threading.Thread(target=question, args=("a", token))
    b = threading.Thread(target=question, args=("b", other))
    a.start(), b.start()
    token.cancel()
    a.join(), b.join()
    assert results == {"a": True, "b": False}


# ---- interruptible library code -------------------------------------------------------------------
def busy(counter: list[int], seconds: float = 120.0) -> None:
    """A pure-Python loop with no hook, as a library's would be."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        counter[0] += 1


@pytest.mark.parametrize("with_token", [True, False])
def test_interruptible_stops_a_loop_without_a_hook(with_token):
    token = CancelToken()
    counter = [0]
    outcome: list[str] = []

    def work() -> None:
        try:
            if with_token:
                with cancellable(token), interruptible():
                    busy(counter)
            else:  # no token: interruptible() is a plain block, the loop runs its course
                with interruptible():
                    busy(counter, seconds=1.0)
            outcome.append("finished")
        except Cancelled:
            outcome.append("cancelled")

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while counter[0] == 0:
        time.sleep(0.01)
    started = time.monotonic()
    token.cancel()
    thread.join(BOUND_S)
    assert not thread.is_alive()
    assert outcome == (["cancelled"] if with_token else ["finished"])
    if with_token:
        assert time.monotonic() - started < BOUND_S
        frozen = counter[0]
        time.sleep(0.2)
        assert counter[0] == frozen  # the work really stopped


def test_a_cancel_never_lands_after_the_interruptible_block():
    """A cancel racing with the block's end raises at the block's end, never later."""
    for i in range(200):
        token = CancelToken()
        after: list[int] = []
        with cancellable(token):
            try:
                with interruptible():
                    if i % 2:
                        token.cancel()  # from inside: raised in this very thread
                    else:
                        threading.Thread(target=token.cancel).start()
                        sum(range(2000))
            except Cancelled:
                pass
            # code after the block: no Cancelled may arrive here
            for k in range(20000):
                after.append(k)
        assert len(after) == 20000


def test_entering_interruptible_after_a_cancel_raises_at_once():
    with cancellable() as token:
        token.cancel()
        ran = []
        with pytest.raises(Cancelled):
            with interruptible():
                ran.append(True)
        assert ran == []


def test_discovery_stops_mid_run_and_stores_nothing():
    from causal_agent.context import Settings, context_from_registry
    from causal_agent.data import load_dataset
    from causal_agent.discover import discover
    from causal_agent.plugins import collect_registry, make_plugin_manager

    ctx = context_from_registry(collect_registry(make_plugin_manager()),
                                settings=Settings(discovery_resamples=0, discovery_budget_s=0))  # no budget: the cost
    # estimate (measured speed) can exceed it on a busy machine, and this test is about cancelling
    ds = load_dataset(wide_frame(150, 300), name="wide")
    ctx.datasets.add(ds)
    token = CancelToken()
    timer = threading.Timer(1.0, token.cancel)
    timer.start()
    started = time.monotonic()
    with cancellable(token), pytest.raises(Cancelled):
        discover(ctx, ds, algorithm="pc")
    assert time.monotonic() - started < BOUND_S
    assert ctx.memory.list() == []  # a cancelled discovery leaves no graph behind


# ---- child processes ------------------------------------------------------------------------------
def _sleep_forever() -> None:  # module level: picklable for a spawned child
    time.sleep(600)


def test_terminate_children_ends_new_children_and_spares_the_excluded():
    spawn = multiprocessing.get_context("spawn")
    before = spawn.Process(target=_sleep_forever, daemon=True)
    before.start()
    try:
        keep = {before.pid}
        new = [spawn.Process(target=_sleep_forever, daemon=True) for _ in range(2)]
        for p in new:
            p.start()
        assert {p.pid for p in new} <= set(child_pids())
        ended = terminate_children(grace_s=5.0, exclude=keep)
        assert set(ended) >= {p.pid for p in new} and before.pid not in ended
        assert all(not p.is_alive() for p in new)
        assert not any(pid_alive(p.pid) for p in new)  # reaped: not even a zombie
        assert before.is_alive()
    finally:
        before.kill()
        before.join(5)


def test_child_pids_sees_a_subprocess_and_its_child_until_they_exit():
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + BOUND_S
        while len(child_pids(proc.pid)) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        grandchildren = child_pids(proc.pid)
        assert len(grandchildren) == 1
        assert proc.pid in child_pids() and grandchildren[0] in child_pids()  # recursive
        assert grandchildren[0] not in child_pids(recursive=False)
    finally:
        for pid in child_pids(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()
    assert proc.pid not in child_pids()


# ---- work that ignores the cancel -----------------------------------------------------------------
def _interrupt_then_quit(proc: subprocess.Popen) -> str:  # type: ignore[type-arg]
    """Ctrl-C the running question, then /quit: the rest of the output, which must come within
    ``BOUND_S`` of the /quit."""
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.stdin.write("/quit\n")  # type: ignore[union-attr]
    proc.stdin.flush()  # type: ignore[union-attr]
    started = time.monotonic()
    rest, _ = proc.communicate(timeout=BOUND_S)
    assert time.monotonic() - started < BOUND_S
    return rest


def test_quit_does_not_wait_for_a_model_call_that_ignores_the_cancel(tmp_path, clinic_path):
    """A model server that never answers (the call has a 300 s timeout and no hook to stop it):
    after Ctrl-C and /quit the chat command still exits at once, abandoning the call."""
    from test_local_models import _Silent

    silent = _Silent()
    proc = subprocess.Popen(
        [sys.executable, "-m", "causal_agent", "chat", "--data", str(clinic_path), "--model", "llamacpp:",
         "--base-url", silent.url, "--timeout", "300", "--retries", "0", "--memory", str(tmp_path / "m.sqlite"),
         "--history", str(tmp_path / "h")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 120
        proc.stdin.write("Are stress and age independent?\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        while not silent.conns and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # the model call is waiting on the silent server
        assert silent.conns, "the model was never called"
        out = _interrupt_then_quit(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        silent.close()
    assert proc.returncode == 0
    assert "cancelled" in out and "bye" in out and "Traceback" not in out


STUBBORN_CHAT = """
import sys, time
from concurrent.futures import ThreadPoolExecutor
import causal_agent.repl as repl

def stubborn(agent, question, thread_id, cancel, out):
    # a tool that never checks the token, on an executor thread as LangGraph runs tools (interpreter
    # exit joins those, daemon or not)
    work = ThreadPoolExecutor(1).submit(time.sleep, 300)
    print("working", flush=True)
    work.result()

repl._stream_worker = stubborn
repl.run_chat(data=[sys.argv[1]], model="offline", memory=sys.argv[2], history_path=sys.argv[3])
"""


def test_quit_abandons_a_tool_thread_that_ignores_the_cancel(tmp_path, clinic_path):
    """Interpreter exit would wait 300 s for the stubborn executor thread; the chat command
    leaves anyway once /quit's grace period is over."""
    proc = subprocess.Popen(
        [sys.executable, "-c", STUBBORN_CHAT, str(clinic_path), str(tmp_path / "m.sqlite"), str(tmp_path / "h")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        proc.stdin.write("Are stress and age independent?\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        out = ""
        while "working" not in out:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, out
            out += line
        rest = _interrupt_then_quit(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "cancelled" in rest and "bye" in rest and "Traceback" not in rest
