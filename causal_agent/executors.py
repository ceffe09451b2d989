"""Executors: where the project's two kinds of parallel work run, on this machine or on Ray.

The work (and its one loop each):

* **eval jobs** (``Executor.stream``): one job per data file, a generator that yields one result
  per question as it is answered; the eval runner (``causal_agent_evals.runner``) writes each
  result to its results file as it arrives.
* **bootstrap resamples** (``Executor.mapper``): an ordered ``map`` over resample indices;
  ``causal_agent.bootstrap.run_resamples`` is the loop and owns the resampling.

Two implementations, chosen by name (``make_executor``, ``executor_for(settings)``; the command
line's ``--executor local|ray``, ``CAUSAL_AGENT_EXECUTOR`` or the config's ``executor``):

* ``local`` (the default): this machine's processes. ``stream`` runs spawned worker processes that
  pull whole jobs from a queue (they ignore SIGINT, the parent owns Ctrl-C, and run with a fixed
  ``PYTHONHASHSEED``); ``mapper`` is a spawned process pool with only ``2 x workers`` items
  submitted at a time, killed on cancel.
* ``ray``: Ray tasks (``ray`` is the optional extra ``causal-agent-kit[ray]``, imported only when
  used). ``--ray-address`` (``Settings.ray_address``) wins over ``RAY_ADDRESS``; with neither, a
  local Ray is started with the machine's cores, bound to 127.0.0.1, without dashboard or usage
  statistics. Eval jobs are streaming generator tasks, resamples plain tasks; the data of a
  resample task go to the object store once, not once per resample.

The contract every executor keeps:

* **Same results anywhere.** A work item carries its own seeds (resample ``i`` draws its rows with
  ``default_rng([seed, i])``; an eval question runs under the agent's ``Settings.seed`` and every
  worker gets the same ``PYTHONHASHSEED``), so a result depends on the item, never on the worker,
  the order or the machine that ran it.
* **Results stream back as they finish** (``ray.wait`` / the result queue): ``stream`` yields each
  value when a worker produces it; ``mapper`` yields in item order (a bootstrap summary is
  order-sensitive), buffering what finished early.
* **Cancellation** (``causal_agent.cancel``): the current token is checked while waiting (every
  ``POLL_S``); a cancel, Ctrl-C or an error stops the work in flight: local workers are killed, Ray
  tasks are cancelled with ``force=True`` (their worker processes exit). Nothing half-done is
  returned.
* **Nested work runs serially.** Inside a job an executor runs (an eval question's bootstrap),
  ``slots()`` is 1, so a worker never starts a pool or tasks of its own.
"""

from __future__ import annotations

import contextvars
import importlib.util
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any, ClassVar, Literal, NamedTuple

from .errors import CausalAgentError, suggestion

__all__ = [
    "EXECUTORS", "RAY_INSTALL", "Event", "Executor", "ExecutorError", "LocalExecutor", "RayExecutor",
    "check_executor", "executor_for", "local_mapper", "local_workers", "make_executor", "nested",
    "start_local_ray",
]

EXECUTORS = ("local", "ray")
RAY_INSTALL = "pip install 'causal-agent-kit[ray]'"
#: seconds a fresh local worker process takes to start and import causal-learn (spawned, not forked)
POOL_STARTUP_S = 5.0
#: seconds ``ray.init`` takes to start a local Ray here (benchmarks/bench_executors.py measures it)
RAY_START_S = 5.0
#: seconds between checks of the cancel token while waiting for results
POLL_S = 0.1
#: set before a local Ray starts (``setdefault``: the user's own values win): no usage statistics,
#: every port on 127.0.0.1 (Ray binds the node's address otherwise), no dashboard UI
RAY_LOCAL_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_DISABLE_IMPORT_WARNING": "1",
}

Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


class ExecutorError(CausalAgentError):
    """An executor cannot be chosen or reached (unknown name, Ray missing, cluster unreachable)."""


class Event(NamedTuple):
    """What ``Executor.stream`` reports: a worker is ``ready`` (value: its start-up seconds), a job
    yielded a ``result`` (value), or a job was ``lost`` (value: one line saying why; its results
    not yet reported never will be)."""

    kind: Literal["ready", "result", "lost"]
    index: int  # the job's position in ``items`` (-1 for ``ready``)
    value: Any
    worker: int | None = None  # local: the worker's pid


# ---- choosing -------------------------------------------------------------------------------------
def check_executor(name: str, where: str = "--executor") -> str:
    """The executor ``name`` (case and spaces ignored), or a one-line ``ExecutorError`` naming the
    choices, or naming the install when Ray is asked for but not installed."""
    key = str(name).strip().lower()
    if key not in EXECUTORS:
        raise ExecutorError(f"unknown executor {name!r} ({where}); use --executor local or --executor ray."
                            + suggestion(str(name), EXECUTORS, "executor"))
    if key == "ray" and not ray_installed():
        raise ExecutorError(f"the ray executor ({where}) needs Ray, which is not installed: {RAY_INSTALL}")
    return key


def ray_installed() -> bool:
    """Whether ``import ray`` would work, without importing it."""
    try:
        return importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):  # a None entry in sys.modules
        return False


def make_executor(name: str = "local", *, ray_address: str | None = None,
                  where: str = "--ray-address") -> Executor:
    """The executor called ``name``; ``ray_address`` (named ``where`` in errors) only for Ray."""
    if check_executor(name) == "ray":
        return RayExecutor(ray_address, where=where)
    return LocalExecutor()


def executor_for(settings: Any) -> Executor:
    """The executor an agent's ``Settings`` choose (``executor``, ``ray_address``)."""
    return make_executor(getattr(settings, "executor", "local") or "local",
                         ray_address=getattr(settings, "ray_address", None))


# ---- nesting --------------------------------------------------------------------------------------
#: True inside a job an executor runs (the local stream's workers set it for their process)
_NESTED: contextvars.ContextVar[bool] = contextvars.ContextVar("causal_agent_executor_job", default=False)


def nested() -> bool:
    """True where parallel work must run serially: inside an executor's job (a local stream
    worker, a Ray task) or a daemonic process (which may not start children)."""
    return _NESTED.get() or multiprocessing.current_process().daemon or _in_ray_worker()


def _in_ray_worker() -> bool:
    ray = sys.modules.get("ray")
    if ray is None:
        return False
    try:
        worker = ray._private.worker
        return worker.global_worker.mode == worker.WORKER_MODE
    except AttributeError:  # pragma: no cover - another Ray layout
        return False


def local_workers() -> int:
    """Cores this process may use (1 inside an executor's job or a daemonic process)."""
    if nested():
        return 1
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


# ---- the interface --------------------------------------------------------------------------------
class Executor(ABC):
    """Runs the project's parallel work (module docstring: the contract)."""

    name: ClassVar[str]

    @abstractmethod
    def slots(self) -> int:
        """How many items can run at once (1 inside an executor's own job)."""

    @abstractmethod
    def startup_s(self) -> float:
        """Estimated seconds before parallel work starts (pool spawn, Ray start, worker imports)."""

    @abstractmethod
    def mapper(self, n_workers: int) -> Any:
        """A context manager giving an ordered ``map(fn, items)`` over ``n_workers`` (1: this
        process, builtin ``map``). ``fn`` and the items must be picklable."""

    @abstractmethod
    def stream(self, fn: Callable[[Any], Iterable[Any]], items: Iterable[Any], *, workers: int,
               init: Callable[[], Any] | None = None,
               env: Mapping[str, str] | None = None) -> Iterator[Event]:
        """Run ``fn(item)`` (a generator) for every item on up to ``workers`` workers and yield an
        ``Event`` per value as it is produced. ``init`` runs once per worker process before its
        first job (warm-up); ``env`` is set in every worker's environment before it starts."""

    def close(self) -> None:
        """Release what this executor started (a local Ray it started is shut down)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}"[:500] if text else type(exc).__name__


# ---- local ----------------------------------------------------------------------------------------
class LocalExecutor(Executor):
    """This machine's processes (module docstring)."""

    name = "local"

    def slots(self) -> int:
        return local_workers()

    def startup_s(self) -> float:
        return POOL_STARTUP_S

    def mapper(self, n_workers: int) -> Any:
        return local_mapper(n_workers)

    def stream(self, fn: Callable[[Any], Iterable[Any]], items: Iterable[Any], *, workers: int,
               init: Callable[[], Any] | None = None,
               env: Mapping[str, str] | None = None) -> Iterator[Event]:
        return _process_stream(fn, list(items), max(1, workers), init, dict(env or {}))


@contextmanager
def local_mapper(n_workers: int) -> Iterator[Mapper]:
    """``map`` for one worker, else a spawned process pool's ``map`` (spawned, not forked: the
    agent runs tools on threads, and forking a threaded process can deadlock)."""
    if n_workers <= 1 or nested():
        yield map  # a daemonic process (an eval worker) may not start children: run serially
        return
    from concurrent.futures import ProcessPoolExecutor

    from .cancel import on_cancel

    pool = ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        with on_cancel(lambda: _kill_workers(pool)):
            yield partial(_pool_map, pool, in_flight=2 * n_workers)
    except BaseException:  # a cancel, a failure, Ctrl-C: the running items are not wanted
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        _join_workers(pool)
        raise
    pool.shutdown(wait=True)


def _pool_map(pool: Any, fn: Callable[[Any], Any], items: Iterable[Any], *,
              in_flight: int) -> Iterator[Any]:
    """``pool.map`` with at most ``in_flight`` items submitted and the cancel token checked
    while waiting (``Executor.map`` submits everything up front, so it cannot stop submitting)."""
    from collections import deque

    from .cancel import check

    todo = iter(items)
    pending: deque[Any] = deque()

    def fill() -> None:
        while len(pending) < in_flight:
            check()
            try:
                item = next(todo)
            except StopIteration:
                return
            pending.append(pool.submit(fn, item))

    fill()
    while pending:
        while True:
            try:
                out = pending[0].result(timeout=POLL_S)
                break
            except TimeoutError:
                check()
        pending.popleft()
        yield out
        fill()


def _workers_of(pool: Any) -> list[Any]:
    return list((getattr(pool, "_processes", None) or {}).values())  # private, stable since 3.3


def _kill_workers(pool: Any) -> None:
    """SIGKILL the pool's worker processes (may run in a signal handler: signals only, no waiting)."""
    for proc in _workers_of(pool):
        try:
            proc.kill()
        except (OSError, ValueError, AttributeError):  # already gone or closed
            pass


def _join_workers(pool: Any, timeout_s: float = 2.0) -> None:
    for proc in _workers_of(pool):
        try:
            proc.join(timeout_s)
        except (OSError, ValueError, AssertionError):
            pass


def _process_stream(fn: Callable[[Any], Iterable[Any]], items: list[Any], n_workers: int,
                    init: Callable[[], Any] | None, env: dict[str, str]) -> Iterator[Event]:
    """Spawned workers pull whole jobs from a queue and stream their values back one by one; a
    worker that dies (crash, OOM kill) loses only the job it was running."""
    from .cancel import check, on_cancel

    ctx = multiprocessing.get_context("spawn")
    task_q = ctx.Queue()
    result_q = ctx.Queue()
    for i, item in enumerate(items):
        task_q.put((i, item))
    for _ in range(n_workers):
        task_q.put(None)
    outstanding = set(range(len(items)))
    in_flight: dict[int, int] = {}  # worker pid -> job index
    procs: list[Any] = []
    # Children inherit an ignored SIGINT across exec, so Ctrl-C reaches only the parent even
    # while a child is still importing.
    main_thread = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for _ in range(n_workers):
            p = ctx.Process(target=_stream_worker, args=(fn, init, task_q, result_q), daemon=True)
            p.start()
            procs.append(p)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, old)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def kill() -> None:
        for p in procs:
            try:
                p.kill()
            except (OSError, ValueError, AttributeError):
                pass

    try:
        with on_cancel(kill):
            while outstanding:
                check()
                try:
                    kind, pid, index, payload = result_q.get(timeout=0.5)
                except queue.Empty:
                    for p in procs:  # a dead worker loses its current job
                        if not p.is_alive() and p.exitcode not in (0, None) and p.pid in in_flight:
                            index = in_flight.pop(p.pid)
                            if index in outstanding:
                                outstanding.discard(index)
                                yield Event("lost", index, f"worker {p.pid} exited with code {p.exitcode}", p.pid)
                    if not any(p.is_alive() for p in procs) and outstanding:
                        for index in sorted(outstanding):
                            yield Event("lost", index, "no worker left to run this job")
                        outstanding.clear()
                    continue
                if kind == "ready":
                    yield Event("ready", -1, payload, pid)
                elif kind == "start":
                    in_flight[pid] = index
                elif index in outstanding:
                    if kind == "result":
                        yield Event("result", index, payload, pid)
                    elif kind == "lost":
                        outstanding.discard(index)
                        yield Event("lost", index, payload, pid)
                    elif kind == "done":
                        outstanding.discard(index)
                        in_flight.pop(pid, None)
        for p in procs:
            p.join(timeout=5)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
        task_q.cancel_join_thread()
        result_q.cancel_join_thread()
        task_q.close()
        result_q.close()


def _stream_worker(fn: Callable[[Any], Iterable[Any]], init: Callable[[], Any] | None,
                   tasks: Any, results: Any) -> None:
    """A local stream worker: warm up, then run whole jobs until the sentinel."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _NESTED.set(True)  # this process only runs jobs: their own parallel work runs serially
    pid = os.getpid()
    t0 = time.perf_counter()
    if init is not None:
        try:
            init()
        except Exception:  # noqa: BLE001 - the job itself reports the real error
            pass
    results.put(("ready", pid, -1, time.perf_counter() - t0))
    while True:
        job = tasks.get()
        if job is None:
            break
        index, item = job
        results.put(("start", pid, index, None))
        try:
            for value in fn(item):
                results.put(("result", pid, index, value))
        except Exception as exc:  # noqa: BLE001 - a failing job is lost, the worker goes on
            results.put(("lost", pid, index, _one_line(exc)))
        results.put(("done", pid, index, None))
    results.put(("exit", pid, -1, None))


# ---- Ray ------------------------------------------------------------------------------------------
def start_local_ray(num_cpus: int | None = None, **kwargs: Any) -> Any:
    """Start a local Ray in this process (``ray.init``) with ``num_cpus`` (default: the machine's
    cores): every port on 127.0.0.1, no dashboard, no usage statistics, worker output kept in Ray's
    log files. Returns the ``ray`` module.

    Ray's processes (GCS, raylet) die with the *thread* that started them (Linux's parent-death
    signal), and a bootstrap runs in one of LangGraph's short-lived tool threads; so off the main
    thread Ray is started from a daemon thread that lives as long as the process."""
    for key, value in RAY_LOCAL_ENV.items():
        os.environ.setdefault(key, value)  # read by Ray when it is imported and when it starts
    import ray

    def start() -> None:
        ray.init(address="local", num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                 logging_level=logging.ERROR, log_to_driver=False, **kwargs)

    if threading.current_thread() is threading.main_thread():
        start()
        return ray
    started = threading.Event()
    failure: list[BaseException] = []

    def keeper() -> None:
        try:
            start()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)
        started.set()
        if not failure:
            threading.Event().wait()  # until the process exits: Ray's processes live with this thread

    threading.Thread(target=keeper, name="causal-agent-ray", daemon=True).start()
    started.wait()
    if failure:
        raise failure[0]
    return ray


def _probe(address: str, where: str, timeout_s: float = 5.0) -> None:
    """A TCP connection to ``address`` (host:port, or ray://host:port) within ``timeout_s``, else
    one line: Ray itself retries an unreachable GCS for minutes."""
    import socket

    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ExecutorError(f"{where} {address!r} is not a Ray address; give host:port, e.g. 10.0.0.5:6379"
                            " (the address 'ray start --head' prints)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ExecutorError(f"cannot reach the Ray cluster at {address} ({where}): {reason}; start it with"
                            f" 'ray start --head' on that machine, check the address, or drop {where} to"
                            " start a local Ray") from None


class RayExecutor(Executor):
    """Ray tasks on the cluster at ``address`` (else ``RAY_ADDRESS``, else a local Ray started on
    first use and shut down by :meth:`close`). An already connected Ray (``ray.init`` done by the
    caller) is used as it is."""

    name = "ray"

    def __init__(self, address: str | None = None, *, where: str = "--ray-address") -> None:
        self.address = address or None
        self.where = where if address else "RAY_ADDRESS"
        self.started = False

    def _target(self) -> str | None:
        return self.address or os.environ.get("RAY_ADDRESS") or None

    def connect(self) -> Any:
        """The ``ray`` module, connected (started locally when no address is known)."""
        try:
            import ray
        except ImportError:
            raise ExecutorError(f"the ray executor needs Ray, which is not installed: {RAY_INSTALL}") from None
        if ray.is_initialized():
            return ray
        address = self._target()
        if address is None:
            start_local_ray()
            self.started = True
            return ray
        _probe(address, self.where)
        try:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        except Exception as exc:  # noqa: BLE001 - Ray's many connection failures: one line
            raise ExecutorError(f"cannot connect to the Ray cluster at {address} ({self.where}):"
                                f" {_one_line(exc)}; check the address 'ray start --head' printed") from None
        return ray

    def slots(self) -> int:
        if nested():
            return 1
        ray = sys.modules.get("ray")
        if ray is None or not ray.is_initialized():
            if self._target() is None:  # a local Ray will have the machine's cores
                return max(os.cpu_count() or 1, 1)
            ray = self.connect()
        return max(int(ray.cluster_resources().get("CPU", 1)), 1)

    def startup_s(self) -> float:
        ray = sys.modules.get("ray")
        connected = ray is not None and ray.is_initialized()
        return POOL_STARTUP_S + (0.0 if connected else RAY_START_S)

    @contextmanager
    def mapper(self, n_workers: int) -> Iterator[Mapper]:
        if n_workers <= 1 or nested():
            yield map
            return
        ray = self.connect()
        yield partial(_ray_map, ray, in_flight=2 * n_workers)

    def stream(self, fn: Callable[[Any], Iterable[Any]], items: Iterable[Any], *, workers: int,
               init: Callable[[], Any] | None = None,
               env: Mapping[str, str] | None = None) -> Iterator[Event]:
        """Streaming generator tasks, ``workers`` at a time (``init`` is not needed: a Ray worker
        process stays up between tasks, so its imports are paid once)."""
        ray = self.connect()
        return _ray_stream(ray, fn, list(items), max(1, workers), dict(env or {}))

    def close(self) -> None:
        if self.started:
            import ray

            ray.shutdown()
            self.started = False


def _ray_apply(fn: Callable[[Any], Any], is_tuple: bool, *parts: Any) -> Any:
    """One map item on a Ray worker (tuple items travel as separate arguments, so their big parts
    are object-store references Ray resolves)."""
    return fn(tuple(parts) if is_tuple else parts[0])


def _ray_job(fn: Callable[[Any], Iterable[Any]], item: Any) -> Iterator[Any]:
    """One stream job on a Ray worker, as a streaming generator task (a plain loop, not ``yield
    from``: Ray resumes the generator with ``send``, which a job's iterator may not have)."""
    for value in fn(item):
        yield value


def _small(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _ray_map(ray: Any, fn: Callable[[Any], Any], items: Iterable[Any], *, in_flight: int) -> Iterator[Any]:
    """Ordered ``map`` over Ray tasks, at most ``in_flight`` submitted; results are collected with
    ``ray.wait`` as they finish and yielded in item order. A part of a tuple item that recurs (the
    resample task's data) is put in the object store once."""
    from .cancel import check

    remote = ray.remote(_ray_apply)
    shared: dict[int, tuple[Any, Any]] = {}  # id(part) -> (part, its ObjectRef); the part is kept alive
    pending: dict[Any, int] = {}
    done: dict[int, Any] = {}
    todo = iter(items)
    submitted = 0
    yielded = 0

    def ref_of(part: Any) -> Any:
        if _small(part):
            return part
        hit = shared.get(id(part))
        if hit is None:
            hit = shared[id(part)] = (part, ray.put(part))
        return hit[1]

    def fill() -> None:
        nonlocal submitted
        while len(pending) < in_flight:
            check()
            try:
                item = next(todo)
            except StopIteration:
                return
            parts = item if isinstance(item, tuple) else (item,)
            ref = remote.remote(fn, isinstance(item, tuple), *(ref_of(p) for p in parts))
            pending[ref] = submitted
            submitted += 1

    try:
        fill()
        while pending or yielded in done:
            while yielded in done:
                yield done.pop(yielded)
                yielded += 1
                fill()
            if not pending:
                break
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
            check()
            for ref in ready:
                index = pending.pop(ref)
                try:
                    done[index] = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    raise RuntimeError(f"a Ray task failed: {_ray_error(exc)}") from None
    finally:
        _ray_cancel(ray, pending)


def _ray_stream(ray: Any, fn: Callable[[Any], Iterable[Any]], items: list[Any], workers: int,
                env: dict[str, str]) -> Iterator[Event]:
    from .cancel import check

    options: dict[str, Any] = {"max_retries": 0}
    if env:
        options["runtime_env"] = {"env_vars": env}
    remote = ray.remote(_ray_job).options(**options)
    running: dict[Any, int] = {}
    todo = iter(enumerate(items))

    def fill() -> None:
        while len(running) < workers:
            check()
            try:
                index, item = next(todo)
            except StopIteration:
                return
            running[remote.remote(fn, item)] = index

    try:
        fill()
        while running:
            ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
            check()
            for gen in ready:
                index = running[gen]
                try:
                    ref = next(gen)
                except StopIteration:
                    del running[gen]
                    continue
                try:
                    value = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    del running[gen]
                    yield Event("lost", index, _ray_error(exc))
                    continue
                yield Event("result", index, value)
            fill()
    finally:
        _ray_cancel(ray, running)


def _ray_error(exc: BaseException) -> str:
    """A Ray failure as one line: the task's own exception when it raised one."""
    cause = getattr(exc, "cause", None)
    return _one_line(cause) if isinstance(cause, BaseException) else _one_line(exc)


def _ray_cancel(ray: Any, refs: Iterable[Any]) -> None:
    """Force-cancel the tasks still running (their worker processes exit)."""
    for ref in list(refs):
        try:
            ray.cancel(ref, force=True)
        except Exception:  # noqa: BLE001 - finished meanwhile, or Ray is going down: nothing to stop
            pass
