"""Benchmark: the local and Ray executors (``causal_agent.executors``) on this machine.

Prints, for 1, 2 and all cores under each executor:

* **eval throughput** (questions/s): ``run_suite`` over a generated suite of ``--questions``
  questions (small linear-Gaussian datasets of 5-7 nodes and 200 rows, 60 questions each; the
  effect and mediation types, which take seconds per question, are left out), offline model,
  reference protocol. Local with 1 core is the runner's inline path (no worker process); Ray with k
  cores is a fresh local Ray started with ``num_cpus=k`` and k jobs in flight.
* **bootstrap time** (s): ``--resamples`` resamples of PC (Fisher-z) over a linear chain of
  ``--columns`` x ``--rows`` through ``bootstrap.run_resamples`` and the executor's mapper: local
  with 1 core is this process (builtin ``map``), else a fresh spawned pool of k processes (its
  start-up included, as a user's bootstrap pays it); Ray with k cores is a fresh local Ray with
  ``num_cpus=k`` (its start-up reported apart), 2 x k tasks in flight.
* **Ray's overhead**: ``ray.init`` of a local Ray, the first task (a worker process starting and
  importing causal-learn), a warm empty task, and a warm resample task.

Results are the same on both executors (checked here: the bootstrap's graphs and the eval's answers
are compared); only time differs. The machine's other load shows in the figures: run it on an idle
machine for clean numbers.

Run: ``python benchmarks/bench_executors.py [--questions 100] [--resamples 24] [--columns 16]
[--rows 4000]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any


def cores_list() -> list[int]:
    all_cores = os.cpu_count() or 1
    return sorted({1, min(2, all_cores), all_cores})


def build_suite(root: Path, n: int) -> Any:
    """``n`` cheap questions (the edge, independence and graph types) over 60-question datasets."""
    from causal_agent_evals.generator import SuiteConfig, generate_suite, write_suite
    from causal_agent_evals.runner import PreparedSuite, read_questions

    slow = {"ATE", "NDE", "NIE", "Mediates"}
    per = 60
    cfg = SuiteConfig(seed=11, n_datasets=max(1, -(-n // 45)), n_rows=200, node_range=(5, 7),
                      questions_per_dataset=per, kinds=["linear_gaussian"], ate_mc_samples=1000, reference=False)
    write_suite(generate_suite(seed=11, config=cfg), root)
    questions = [q for q in read_questions(root / "questions.jsonl") if q.question_type not in slow][:n]
    return PreparedSuite(name="four-level", key="bench-executors", questions=questions,
                         data_dir=str(root / "data"))


def ray_session(cores: int) -> tuple[Any, float]:
    """A fresh local Ray with ``cores`` CPUs and the seconds ``ray.init`` took."""
    from causal_agent.executors import start_local_ray

    t0 = time.perf_counter()
    ray = start_local_ray(num_cpus=cores)
    return ray, time.perf_counter() - t0


def bench_eval(suite: Any, tmp: Path) -> dict[tuple[str, int], float]:
    from causal_agent_evals.runner import RunOptions, run_suite

    rates: dict[tuple[str, int], float] = {}
    answers: dict[tuple[str, int], dict[str, Any]] = {}
    for name in ("local", "ray"):
        for cores in cores_list():
            ray = None
            if name == "ray":
                ray, _ = ray_session(cores)
            out = tmp / f"eval-{name}-{cores}.jsonl"
            options = RunOptions(workers=cores, progress=False, protocol="reference", refute_simulations=1,
                                 executor=name)
            t0 = time.perf_counter()
            result = run_suite(suite, options, out)
            wall = time.perf_counter() - t0
            if ray is not None:
                ray.shutdown()
            rates[(name, cores)] = len(result.records) / wall
            answers[(name, cores)] = {r.id: (r.answer, r.correct) for r in result.records}
            print(f"  eval   {name:5s} {cores} core(s): {len(result.records)} questions in {wall:6.1f} s"
                  f" = {rates[(name, cores)]:.2f} questions/s", flush=True)
    first = next(iter(answers.values()))
    same = all(a == first for a in answers.values())
    print(f"  eval answers identical across executors and core counts: {same}")
    return rates


def resample_task(columns: int, rows: int) -> Any:
    """The resample task of PC (Fisher-z, alpha 0.05) over a linear chain (as discover runs it)."""
    from causal_agent.bootstrap import ResampleTask
    from causal_agent.context import context_from_registry
    from causal_agent.data import load_dataset
    from causal_agent.examples.synthetic import chain_window_frame
    from causal_agent.independence import ci_test_table, discovery_ci_test
    from causal_agent.plugins import collect_registry, make_plugin_manager

    ctx = context_from_registry(collect_registry(make_plugin_manager()))
    ds = load_dataset(chain_window_frame(columns, rows, 0), name="chain")
    data = ds.matrix(ds.variables)
    kwargs = {"alpha": 0.05, "ci_test": discovery_ci_test(ci_test_table(ctx.ci_tests)["fisherz"], seed=0)}
    return ResampleTask(algorithm=ctx.algorithms["pc"], data=data, names=tuple(ds.variables), kwargs=kwargs,
                        rows=data.shape[0], seed=0, dataset=ds.name)


def bench_bootstrap(task: Any, resamples: int) -> dict[tuple[str, int], float]:
    from causal_agent import executors
    from causal_agent.bootstrap import run_resamples

    times: dict[tuple[str, int], float] = {}
    graphs: dict[tuple[str, int], list[Any]] = {}
    t0 = time.perf_counter()
    run_resamples(task, [0])
    one = time.perf_counter() - t0
    print(f"  one resample in this process: {one:.2f} s (half of {task.rows} rows, {len(task.names)} columns)")
    for cores in cores_list():
        t0 = time.perf_counter()
        with executors.LocalExecutor().mapper(cores) as mapper:
            got, _ = run_resamples(task, range(resamples), mapper)
        times[("local", cores)] = time.perf_counter() - t0
        graphs[("local", cores)] = got
        print(f"  bootstrap local {cores} core(s): {resamples} resamples in {times[('local', cores)]:6.1f} s"
              + (" (in this process)" if cores == 1 else " (spawned pool, start-up included)"), flush=True)
    for cores in cores_list():
        ray, started = ray_session(cores)
        t0 = time.perf_counter()  # _ray_map directly: RayExecutor.mapper(1) is this process's map
        got, _ = run_resamples(task, range(resamples), partial(executors._ray_map, ray, in_flight=2 * cores))
        times[("ray", cores)] = time.perf_counter() - t0
        graphs[("ray", cores)] = got
        ray.shutdown()
        print(f"  bootstrap ray   {cores} core(s): {resamples} resamples in {times[('ray', cores)]:6.1f} s"
              f" (after ray.init {started:.1f} s)", flush=True)
    local = [g.to_json() for g in graphs[("local", 1)]]
    same = all([g.to_json() for g in v] == local for v in graphs.values())
    print(f"  bootstrap graphs identical across executors and core counts: {same}")
    return times


def bench_ray_overhead(task: Any) -> dict[str, float]:
    from causal_agent import executors
    from causal_agent.bootstrap import one_resample

    ray, started = ray_session(os.cpu_count() or 1)
    out = {"ray.init (local Ray)": started}
    t0 = time.perf_counter()
    list(executors._ray_map(ray, one_resample, [(task, 0)], in_flight=1))
    out["first resample task (worker start + imports + data to the object store)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    list(executors._ray_map(ray, abs, [-1], in_flight=1))
    out["warm empty task (round trip)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    list(executors._ray_map(ray, one_resample, [(task, 1)], in_flight=1))
    out["warm resample task"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ray.shutdown()
    out["ray.shutdown"] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--resamples", type=int, default=24)
    parser.add_argument("--columns", type=int, default=16)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--skip-eval", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores (os.cpu_count); load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        task = resample_task(args.columns, args.rows)
        print("Ray overhead:")
        for what, seconds in bench_ray_overhead(task).items():
            print(f"  {what}: {seconds:.2f} s")
        print(f"Bootstrap ({args.resamples} resamples of PC over a {args.columns}-column chain, {args.rows} rows):")
        boot = bench_bootstrap(task, args.resamples)
        rates: dict[tuple[str, int], float] = {}
        if not args.skip_eval:
            suite = build_suite(root / "suite", args.questions)
            print(f"Eval ({len(suite.questions)} questions, offline model, reference protocol):")
            rates = bench_eval(suite, root)
    print("\n| executor | cores | eval questions/s | bootstrap s |")
    print("|---|---:|---:|---:|")
    for name in ("local", "ray"):
        for cores in cores_list():
            rate = f"{rates[(name, cores)]:.2f}" if (name, cores) in rates else "-"
            print(f"| {name} | {cores} | {rate} | {boot[(name, cores)]:.1f} |")


if __name__ == "__main__":
    main()
