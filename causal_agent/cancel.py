"""Cancellable long work: a token the running question carries, and the ways work obeys it.

Why: a cancelled question used to go on computing in its thread (and its bootstrap's worker
processes) until it finished, and a ``/quit`` waited for it at interpreter exit (LangGraph runs
tools on non-daemon executor threads). Now the REPL's Ctrl-C and ``/quit`` cancel a
:class:`CancelToken`, and long work stops within a fraction of a second:

* **The token travels in a context variable**, not in a global: ``with cancellable(token):``
  around a question makes it :func:`current` there and in every thread that copies the context
  (LangGraph's and LangChain's executors do), and nowhere else, so two agents or threads never
  see each other's token. Code run without a token sees ``None`` and every call here is a no-op.
* **Cooperative checks.** Loops call :func:`check` between units of work (resamples, CI tests);
  it raises :class:`Cancelled` once the token is cancelled.
* **Callbacks** (:func:`on_cancel`) stop what a check cannot reach: the bootstrap kills its
  worker processes.
* **Interruptible library code.** Third-party loops (causal-learn's PC) have no hook. Inside
  ``with interruptible():`` a cancel raises :class:`Cancelled` asynchronously in that thread
  (``PyThreadState_SetAsyncExc``), at its next bytecode; a pending one is withdrawn when the block
  ends, so it never lands outside the block.
* :func:`terminate_children` is the last step of ``/quit``: no child process outlives the session.

:class:`Cancelled` derives from ``BaseException`` (like ``KeyboardInterrupt``) so the many
``except Exception`` that turn a library failure into a one-line error or a failed resample let it
through: a cancel is not a failure of the work, and must unwind all of it.
"""

from __future__ import annotations

import contextvars
import ctypes
import os
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "CancelToken",
    "Cancelled",
    "cancellable",
    "cancelled",
    "check",
    "child_pids",
    "current",
    "interruptible",
    "on_cancel",
    "pid_alive",
    "terminate_children",
]


class Cancelled(BaseException):
    """The running work was cancelled (Ctrl-C, ``/quit``, or :meth:`CancelToken.cancel`)."""


_CURRENT: contextvars.ContextVar[CancelToken | None] = contextvars.ContextVar(
    "causal_agent_cancel_token", default=None
)


class CancelToken:
    """One piece of cancellable work (a question). Thread-safe; cancelling twice is harmless.

    :meth:`cancel` may run inside a signal handler (the REPL's Ctrl-C): it only sets a flag,
    sends signals and schedules exceptions, and never waits.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        # re-entrant: a second Ctrl-C may arrive while the main thread is inside cancel()
        self._lock = threading.RLock()
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._next_id = 0
        #: threads inside ``interruptible()`` -> whether a Cancelled was scheduled there
        self._threads: dict[int, bool] = {}
        self.reason = "cancelled"

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "cancelled") -> None:
        """Cancel: run the callbacks (each once) and interrupt the interruptible threads."""
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks = list(self._callbacks.values())
            self._callbacks.clear()
            for tid, sent in list(self._threads.items()):
                if not sent and _async_raise(tid, Cancelled):
                    self._threads[tid] = True
        for fn in callbacks:
            try:
                fn()
            except Exception:  # noqa: BLE001 - one failing stopper must not keep the others from running
                pass

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancelled."""
        if self._event.is_set():
            raise Cancelled(self.reason)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until cancelled (True) or ``timeout`` seconds passed (False)."""
        return self._event.wait(timeout)

    def add_callback(self, fn: Callable[[], None]) -> int | None:
        """Call ``fn`` on cancel (now, if already cancelled: then None is returned)."""
        with self._lock:
            if not self._event.is_set():
                self._next_id += 1
                self._callbacks[self._next_id] = fn
                return self._next_id
        fn()
        return None

    def remove_callback(self, handle: int | None) -> None:
        with self._lock:
            self._callbacks.pop(handle, None)  # type: ignore[arg-type]

    # -- interruptible() bookkeeping ------------------------------------------------------------
    def _enter(self, tid: int) -> None:
        with self._lock:
            self.check()
            self._threads[tid] = False

    def _leave(self, tid: int) -> None:
        with self._lock:
            if self._threads.pop(tid, False):
                _async_raise(tid, None)  # withdraw a Cancelled not delivered yet


def current() -> CancelToken | None:
    """The token of the work running in this context, or None."""
    return _CURRENT.get()


def cancelled() -> bool:
    """True when the current work has been cancelled."""
    token = _CURRENT.get()
    return token is not None and token.cancelled


def check() -> None:
    """Raise :class:`Cancelled` if the current work has been cancelled (no token: nothing)."""
    token = _CURRENT.get()
    if token is not None:
        token.check()


@contextmanager
def cancellable(token: CancelToken | None = None) -> Iterator[CancelToken]:
    """Run the block (and the threads that copy its context) under ``token`` (default: a new one)."""
    token = token if token is not None else CancelToken()
    reset = _CURRENT.set(token)
    try:
        yield token
    finally:
        _CURRENT.reset(reset)


@contextmanager
def on_cancel(fn: Callable[[], None]) -> Iterator[None]:
    """While the block runs, a cancel of the current work calls ``fn`` (no token: never)."""
    token = _CURRENT.get()
    if token is None:
        yield
        return
    handle = token.add_callback(fn)
    try:
        yield
    finally:
        token.remove_callback(handle)


@contextmanager
def interruptible() -> Iterator[None]:
    """Let a cancel raise :class:`Cancelled` inside this block, in this thread, at any bytecode.

    For third-party code without a hook (a discovery algorithm's loops). Code in the block must
    tolerate being unwound mid-way, as it would for ``KeyboardInterrupt``: its partial results are
    dropped. A C call that runs long is interrupted when it returns. No token: a plain block.
    """
    token = _CURRENT.get()
    if token is None:
        yield
        return
    tid = threading.get_ident()
    token._enter(tid)
    try:
        yield
    finally:
        token._leave(tid)
    token.check()  # cancelled just as the block finished: its result is not wanted either


def _async_raise(tid: int, exc: type[BaseException] | None) -> bool:
    """Schedule ``exc`` in thread ``tid`` (None: withdraw a scheduled one)."""
    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(tid), ctypes.py_object(exc) if exc is not None else None
    )
    return bool(done)


# ---- child processes ------------------------------------------------------------------------------
def child_pids(pid: int | None = None, *, recursive: bool = True) -> list[int]:
    """Live (not zombie) child processes of ``pid`` (default: this process), with their children.

    psutil when it is installed, else Linux's ``/proc``; elsewhere only this process's
    ``multiprocessing`` children are known."""
    pid = os.getpid() if pid is None else pid
    try:
        import psutil  # type: ignore[import-not-found]
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            kids = psutil.Process(pid).children(recursive=recursive)
        except psutil.Error:
            return []
        return [k.pid for k in kids if pid_alive(k.pid)]
    proc = Path("/proc")
    if not proc.is_dir():  # pragma: no cover - not Linux
        import multiprocessing

        return [p.pid for p in multiprocessing.active_children() if p.pid] if pid == os.getpid() else []
    parents: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is not None and stat[0] != "Z":
            parents.setdefault(stat[1], []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for kid in parents.get(todo.pop(), []):
            out.append(kid)
            if recursive:
                todo.append(kid)
    return out


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of ``pid`` from ``/proc/PID/stat``, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()  # the command name may hold spaces and ")"
    return fields[0], int(fields[1])


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, finished but not reaped, does not count)."""
    stat = _stat(pid) if Path("/proc").is_dir() else ("R", 0)
    if stat is None or stat[0] in ("Z", "X"):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process now
        return False
    return True


def terminate_children(grace_s: float = 1.0, *, exclude: Collection[int] = ()) -> list[int]:
    """Stop this process's ``multiprocessing`` children (pools' workers) and their descendants,
    except the pids in ``exclude`` (children that existed before the work): SIGTERM, then
    SIGKILL after ``grace_s``; the children are joined, so none stays a zombie. Returns the pids
    that were signalled. Other subprocesses (a server a caller started) are not ours to end."""
    import multiprocessing

    mp_children = [p for p in multiprocessing.active_children() if p.pid and p.pid not in exclude]
    pids: set[int] = set()
    for p in mp_children:
        pids |= {p.pid, *child_pids(p.pid)}  # type: ignore[arg-type]
    pids -= {os.getpid(), *exclude}
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(pid_alive(pid) for pid in pids):
        time.sleep(0.02)
    for pid in pids:
        if pid_alive(pid):
            _signal(pid, signal.SIGKILL)
    for p in mp_children:
        p.join(timeout=grace_s)
    multiprocessing.active_children()  # reaps the joined ones
    return sorted(pids)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
