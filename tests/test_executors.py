"""Executors (``causal_agent.executors``): the local process pool and Ray, on a REAL local Ray
(``ray.init(num_cpus=2)``, started once for the module and shut down at its end).

Shown here: an eval of 200 questions gives the same answers and per-type figures on Ray as on the
local executor; a bootstrap of 20 resamples gives the same frequencies on both; results stream back
as they finish; a cancel (and SIGINT to ``causal-agent eval --executor ray``) leaves no Ray worker
running; choosing an executor (flag > environment > config) and its one-line errors."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

ray = pytest.importorskip("ray")

from causal_agent import executors  # noqa: E402
from causal_agent.cancel import Cancelled, cancellable, child_pids, pid_alive  # noqa: E402
from causal_agent.context import Settings, context_from_registry  # noqa: E402
from causal_agent.data import load_dataset  # noqa: E402
from causal_agent.discover import discover  # noqa: E402
from causal_agent.executors import (  # noqa: E402
    ExecutorError,
    LocalExecutor,
    RayExecutor,
    check_executor,
    make_executor,
)
from causal_agent.plugins import collect_registry, make_plugin_manager  # noqa: E402

#: types whose questions take seconds each (effects, mediation): left out of the 200-question run
SLOW_TYPES = {"ATE", "NDE", "NIE", "Mediates"}


@pytest.fixture(scope="module")
def local_ray():
    """One real local Ray for the module (2 CPUs, 127.0.0.1, no dashboard, no usage statistics)."""
    if ray.is_initialized():  # pragma: no cover - another module left one running
        ray.shutdown()
    started = executors.start_local_ray(num_cpus=2)
    yield started
    started.shutdown()


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _ray_task_workers(name: str) -> list[int]:
    """Live Ray worker processes of this session running task ``name`` (Ray titles a busy worker
    ``ray::<function>``; an idle one ``ray::IDLE``)."""
    return [pid for pid in child_pids() if _cmdline(pid).startswith(f"ray::{name}") and pid_alive(pid)]


# ---- the eval: 200 questions, same figures -----------------------------------------------------------
@pytest.fixture(scope="module")
def suite_200(tmp_path_factory):
    """200 questions over 5 small generated datasets (60 questions each, the slow effect and
    mediation types left out), so the run costs five discoveries and cheap questions."""
    from causal_agent_evals.generator import SuiteConfig, generate_suite, write_suite
    from causal_agent_evals.runner import PreparedSuite, read_questions

    root = tmp_path_factory.mktemp("suite200")
    cfg = SuiteConfig(seed=11, n_datasets=5, n_rows=200, node_range=(5, 7), questions_per_dataset=60,
                      kinds=["linear_gaussian"], ate_mc_samples=1000, reference=False)
    write_suite(generate_suite(seed=11, config=cfg), root)
    questions = [q for q in read_questions(root / "questions.jsonl") if q.question_type not in SLOW_TYPES]
    assert len(questions) >= 200
    return PreparedSuite(name="four-level", key="executors-200", questions=questions[:200],
                         data_dir=str(root / "data"), config=cfg.model_dump(mode="json"))


def test_an_eval_of_200_questions_gives_the_same_figures_on_ray_as_locally(local_ray, suite_200, tmp_path):
    from causal_agent_evals.report import build_report
    from causal_agent_evals.runner import RunOptions, run_suite

    results = {}
    for name in ("local", "ray"):
        options = RunOptions(workers=2, progress=False, protocol="reference", refute_simulations=1, executor=name)
        results[name] = run_suite(suite_200, options, tmp_path / f"{name}.jsonl")
    local, on_ray = results["local"], results["ray"]
    assert len(local.records) == len(on_ray.records) == 200
    assert not any(r.error for r in on_ray.records), [r.error for r in on_ray.records if r.error][:3]
    assert len({r.worker for r in on_ray.records}) >= 2  # Ray worker processes answered, two at a time
    assert os.getpid() not in {r.worker for r in on_ray.records}
    by_id = {r.id: r for r in local.records}
    for r in on_ray.records:
        mine = by_id[r.id]
        assert (r.answer, r.correct, r.graph, r.effect) == (mine.answer, mine.correct, mine.graph, mine.effect), r.id
    a, b = build_report(local), build_report(on_ray)
    assert sum(row.n > 0 for row in a.types.values()) >= 8
    for code, row in a.types.items():
        assert row.model_dump(exclude={"median_latency_s"}) == b.types[code].model_dump(exclude={"median_latency_s"})
    assert a.overall.accuracy == b.overall.accuracy


def test_results_stream_back_as_they_finish(local_ray):
    """A quick job's result arrives while a slow one still runs, on both executors."""
    sleeps = functools.partial(map, time.sleep)  # a job: sleep for each number, yield None each time
    for executor in (LocalExecutor(), RayExecutor()):
        order = [e.index for e in executor.stream(sleeps, [[4.0], [0.0, 0.0]], workers=2) if e.kind == "result"]
        assert order == [1, 1, 0], executor.name


def test_a_job_that_raises_is_lost_and_the_others_go_on(local_ray):
    for executor in (LocalExecutor(), RayExecutor()):
        events = list(executor.stream(functools.partial(map, int), [["1", "2"], ["x"], ["3"]], workers=2))
        results = sorted((e.index, e.value) for e in events if e.kind == "result")
        lost = [(e.index, e.value) for e in events if e.kind == "lost"]
        assert results == [(0, 1), (0, 2), (2, 3)], executor.name
        assert len(lost) == 1 and lost[0][0] == 1 and "ValueError" in lost[0][1] and "\n" not in lost[0][1]


# ---- the bootstrap: 20 resamples, same frequencies -----------------------------------------------
def _weak_edges(n: int = 300, seed: int = 4) -> pd.DataFrame:
    """a -> b <- c with a weak c -> d, so the resamples disagree on some pairs."""
    rng = np.random.default_rng(seed)
    a, c = rng.normal(size=n), rng.normal(size=n)
    b = 0.7 * a + 0.7 * c + rng.normal(size=n)
    d = 0.15 * c + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d})


def _bootstrap_on(registry, executor: str, resamples: int = 20):
    """``support_for`` on a context whose settings choose ``executor``; the stored run time is set
    to 1 s so the cost rule runs the resamples on the executor's workers, not in this process."""
    from causal_agent.bootstrap import support_for
    from causal_agent.memory import GraphRecord

    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0, executor=executor))
    ctx.datasets.add(load_dataset(_weak_edges(), name="weak"))
    key = discover(ctx, algorithm="pc").key
    record = ctx.memory.get(key)
    ctx.memory.put(GraphRecord(key=key, graph=record.graph,
                               provenance=record.provenance.model_copy(update={"elapsed_s": 1.0})))
    return support_for(ctx, key, resamples, force=True)


def test_a_bootstrap_of_20_resamples_gives_the_same_frequencies_on_both(local_ray, registry, monkeypatch):
    used: list[tuple[str, int]] = []
    for cls in (LocalExecutor, RayExecutor):
        real = cls.mapper

        def spy(self, n_workers, _real=real):
            used.append((self.name, n_workers))
            return _real(self, n_workers)

        monkeypatch.setattr(cls, "mapper", spy)
    local = _bootstrap_on(registry, "local")
    on_ray = _bootstrap_on(registry, "ray")
    from causal_agent.bootstrap import workers

    # each ran on its executor's workers: this machine's cores, the module Ray's two CPUs
    assert used == [("local", min(workers(), 20)), ("ray", 2)]
    assert local.resamples == on_ray.resamples == 20 and not local.failed and not on_ray.failed
    assert [e.model_dump() for e in local.edges] == [e.model_dump() for e in on_ray.edges]
    assert local.graphs == on_ray.graphs
    assert any(0 < e.adjacent < 1 for e in local.edges)  # the resamples do disagree: a real check
    assert not any("ran in this process" in n for n in local.notes + on_ray.notes)


def test_ray_map_keeps_item_order_and_runs_on_ray_workers(local_ray):
    with RayExecutor().mapper(2) as ray_map:
        pids = list(ray_map(lambda _: os.getpid(), range(6)))  # cloudpickle ships the lambda by value
        assert list(ray_map(abs, [-3, 2, -1, 0])) == [3, 2, 1, 0]
    assert len(pids) == 6 and os.getpid() not in pids


# ---- cancellation ---------------------------------------------------------------------------------
def test_a_cancel_stops_the_ray_tasks_and_leaves_no_worker_running(local_ray, registry):
    from causal_agent.bootstrap import support_for

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(3000, 12)), columns=[f"x{i}" for i in range(12)])
    frame["y"] = frame.sum(axis=1) + rng.normal(size=3000)
    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0, executor="ray",
                                                             discovery_budget_s=0))  # no budget
    ctx.datasets.add(load_dataset(frame, name="wide"))
    key = discover(ctx, algorithm="pc").key
    seen: set[int] = set()

    def cancel_once_the_tasks_run(token) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(seen) < 2:
            seen.update(_ray_task_workers("_ray_apply"))
            time.sleep(0.05)
        time.sleep(0.5)  # they are computing now
        token.cancel()

    with cancellable() as token:
        watcher = threading.Thread(target=cancel_once_the_tasks_run, args=(token,), daemon=True)
        watcher.start()
        with pytest.raises(Cancelled):
            support_for(ctx, key, 2000, force=True)  # minutes of work on two workers
        watcher.join(5)
    assert len(seen) >= 2
    deadline = time.monotonic() + 30
    while _ray_task_workers("_ray_apply") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _ray_task_workers("_ray_apply")  # no worker goes on computing a cancelled resample
    assert ctx.memory.get(key).provenance.support is None  # nothing half-done was stored
    with RayExecutor().mapper(2) as ray_map:  # and the Ray is fine for the next work
        assert list(ray_map(abs, [-1, -2])) == [1, 2]


def test_ctrl_c_in_ask_cancels_its_ray_tasks_and_exits(tmp_path):
    """``causal-agent ask --executor ray`` with a long bootstrap: Ctrl-C (SIGINT to its process
    group) cancels the question's token, so the Ray tasks are cancelled, the command exits 130
    promptly, and no process of its Ray is left (the Ray was started from a tool thread)."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(4000, 16))
    for j in range(1, 16):
        data[:, j] += 0.5 * data[:, j - 1]
    path = tmp_path / "wide.csv"
    pd.DataFrame(data, columns=[f"x{i}" for i in range(16)]).to_csv(path, index=False)
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    cmd = [sys.executable, "-m", "causal_agent", "ask", "discover the graph with 2000 bootstrap resamples",
           "-d", str(path), "--executor", "ray", "--budget", "0", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    deadline = time.time() + 120
    busy: list[int] = []
    while time.time() < deadline and proc.poll() is None and len(busy) < 2:
        busy = [p for p in child_pids(proc.pid) if _cmdline(p).startswith("ray::_ray_apply")]
        time.sleep(0.1)
    assert len(busy) >= 2, proc.communicate()[1][-2000:] if proc.poll() is not None else "no Ray task ran"
    family = child_pids(proc.pid)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr[-2000:]
    assert time.monotonic() - t0 < 30  # not the minutes the 2000 resamples would take
    deadline = time.time() + 30
    while time.time() < deadline and any(pid_alive(p) for p in family):
        time.sleep(0.1)
    assert not [(_cmdline(p)[:60]) for p in family if pid_alive(p)]


def test_sigint_to_eval_on_ray_stops_its_ray_and_leaves_a_resumable_file(tmp_path):
    """``causal-agent eval --executor ray`` starts its own local Ray; SIGINT to its process group
    (a terminal's Ctrl-C) ends the run with exit 130 and a resumable file, and no process of that
    Ray (GCS, raylet, workers) is left; the run then resumes, here on the local executor."""
    from causal_agent_evals.runner import RunOptions, prepare_four_level, read_results, run_suite

    cache = tmp_path / "cache"
    suite = prepare_four_level(n=20, seed=3, rows=300, cache_dir=cache)
    out = tmp_path / "ray.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    cmd = [sys.executable, "-m", "causal_agent", "eval", "--n", "20", "--seed", "3", "--rows", "300",
           "--protocol", "reference", "--refute-simulations", "1", "--executor", "ray",
           "--cache-dir", str(cache), "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not (out.exists() and out.read_text().count("\n") >= 2):
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    family = child_pids(proc.pid)  # its Ray: gcs_server, raylet, workers, agents
    assert any("raylet" in _cmdline(p) for p in family), [_cmdline(p)[:60] for p in family]
    assert any(_cmdline(p).startswith("ray::_ray_job") for p in family)  # the job runs on a Ray worker
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-2000:]
    assert "resume with" in stdout and "--executor ray" in stdout and "Traceback" not in stderr
    deadline = time.time() + 30
    while time.time() < deadline and any(pid_alive(p) for p in family):
        time.sleep(0.1)
    assert not [(_cmdline(p)[:60]) for p in family if pid_alive(p)]
    done = read_results(out)
    assert 2 <= len(done) < 20
    assert len(out.read_text().splitlines()) == len(done)  # every line is a whole record
    # resuming works as before, on either executor (the executor is not part of the run key): the
    # answered questions are skipped, the next ones asked (a prefix of the suite, to keep it short)
    answered = {r.id for r in done}
    assert answered == {q.id for q in suite.questions[:len(done)]}  # one job answers in order
    options = RunOptions(workers=1, progress=False, protocol="reference", refute_simulations=1, executor="local")
    prefix = suite.model_copy(update={"questions": suite.questions[:len(done) + 2]})
    resumed = run_suite(prefix, options, out)
    assert resumed.stats.n_skipped == len(done) and resumed.stats.n_new == 2
    assert len(read_results(out)) == len(done) + 2 and not any(r.error for r in resumed.records)


# ---- choosing an executor, and its one-line errors ----------------------------------------------
def test_names_flags_environment_and_config(monkeypatch, tmp_path):
    from causal_agent.config import load_executor

    assert check_executor(" Ray ") == "ray" and make_executor("local").name == "local"
    assert isinstance(executors.executor_for(Settings(executor="ray", ray_address="h:1")), RayExecutor)
    config = tmp_path / "config.toml"
    config.write_text('executor = "ray"\nray_address = "10.0.0.5:6379"\n')
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(config))
    monkeypatch.delenv("CAUSAL_AGENT_EXECUTOR", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    got = load_executor()
    assert (got.executor, got.ray_address, got.ray_address_from) == ("ray", "10.0.0.5:6379", f"ray_address in {config}")
    monkeypatch.setenv("CAUSAL_AGENT_EXECUTOR", "local")
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.6:6379")
    got = load_executor()
    assert (got.executor, got.ray_address, got.ray_address_from) == ("local", "10.0.0.6:6379", "RAY_ADDRESS")
    got = load_executor("ray", "10.0.0.7:6379")  # --ray-address wins over RAY_ADDRESS
    assert (got.executor, got.ray_address, got.ray_address_from) == ("ray", "10.0.0.7:6379", "--ray-address")
    monkeypatch.setenv("CAUSAL_AGENT_EXECUTOR", "rya")
    with pytest.raises(ExecutorError, match=r"CAUSAL_AGENT_EXECUTOR.*Did you mean 'ray'"):
        load_executor()


def _one_line_error(capsys, *argv: str, match: str) -> str:
    code, _, err = run_cli(capsys, *argv)
    err = err.strip()
    assert code == 2 and err.startswith("error:") and "\n" not in err and "Traceback" not in err, err
    assert match in err, err
    return err


def test_unknown_executor_is_one_line_with_the_choices(capsys, clinic_path):
    err = _one_line_error(capsys, "ask", "is smoking a cause of tar?", "-d", str(clinic_path), "--executor", "rya",
                          match="unknown executor 'rya'")
    assert "--executor local or --executor ray" in err and "did you mean 'ray'" in err.lower()
    _one_line_error(capsys, "eval", "--n", "1", "--executor", "spark", match="unknown executor 'spark'")
    _one_line_error(capsys, "chat", "--executor", "threads", match="unknown executor 'threads'")
    _one_line_error(capsys, "ask", "q", "-d", str(clinic_path), "--ray-address", "127.0.0.1:6379",
                    match="--ray-address 127.0.0.1:6379 is for --executor ray")


def test_ray_not_installed_is_one_line_naming_the_extra(capsys, clinic_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed: import ray fails
    with pytest.raises(ExecutorError, match=r"pip install 'causal-agent-kit\[ray\]'"):
        check_executor("ray")
    with pytest.raises(ExecutorError, match="not installed"):
        RayExecutor().connect()
    _one_line_error(capsys, "ask", "q", "-d", str(clinic_path), "--executor", "ray",
                    match="pip install 'causal-agent-kit[ray]'")
    _one_line_error(capsys, "eval", "--n", "1", "--executor", "ray", match="pip install 'causal-agent-kit[ray]'")


def test_an_unreachable_ray_address_is_one_line_without_hanging(capsys, clinic_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if ray.is_initialized():
        monkeypatch.setattr(ray, "is_initialized", lambda: False)  # a fresh process would not be connected
    t0 = time.monotonic()
    err = _one_line_error(capsys, "ask", "q", "-d", str(clinic_path), "--executor", "ray", "--ray-address",
                          f"127.0.0.1:{port}", match=f"cannot reach the Ray cluster at 127.0.0.1:{port} (--ray-address)")
    assert "ray start --head" in err
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    _one_line_error(capsys, "eval", "--n", "1", "--executor", "ray", match="(RAY_ADDRESS)")
    _one_line_error(capsys, "ask", "q", "-d", str(clinic_path), "--executor", "ray", "--ray-address", "nonsense",
                    match="is not a Ray address")
    assert time.monotonic() - t0 < 60  # Ray itself would retry for minutes
