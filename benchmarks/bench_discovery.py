"""Time graph discovery through ``causal_agent.discover`` (PC with Fisher-z).

Sizes: 10 variables x 1k rows and 40 variables x 10k rows, each from a random linear-Gaussian DAG
(fixed seed, edge probability 2/(p-1) so about two parents per node). For each size it reports the
cold call (discovery runs and the graph is stored) and the warm call (the same request again, served
from graph memory), the structural Hamming distance to the true CPDAG, and peak memory: Python
allocations during the cold call (tracemalloc) and the process's peak resident set size.

Then the bootstrap (``causal_agent.bootstrap``): its cost per graph at both sizes with
resamples=30 (and per resample), serial or on the local process pool as the cost rule decides.

Then the three nonparametric CI tests causal-learn ships (KCI, RCIT, FastKCI) and the project's
residual KCI, on a nonlinear family generated here (random DAGs, sin/tanh/square/abs/cos links,
Gaussian noise): seconds per test, agreement with d-separation in the true DAG, and agreement with
each other, on the same conditional-independence queries (marginal and with 1-2 conditioning
variables), plus PC's skeleton F1 with RCIT and residual KCI against Fisher-z.

Run: ``python benchmarks/bench_discovery.py [--quick]`` (minutes here: KCI and FastKCI are slow).
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

SIZES = ((10, 1_000), (40, 10_000))
SEED = 0


def random_dag_data(p: int, n: int, seed: int) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Data from a random linear-Gaussian DAG over X1..Xp (topological order = index order)."""
    rng = np.random.default_rng(seed)
    names = [f"X{i + 1}" for i in range(p)]
    prob = min(1.0, 2.0 / (p - 1))
    edges: list[tuple[str, str]] = []
    data = np.zeros((n, p))
    for j in range(p):
        parents = [i for i in range(j) if rng.random() < prob]
        weights = rng.uniform(0.5, 1.0, len(parents)) * rng.choice([-1, 1], len(parents))
        data[:, j] = data[:, parents] @ weights + rng.normal(size=n)
        edges += [(names[i], names[j]) for i in parents]
    return pd.DataFrame(data, columns=names), edges


def main() -> int:
    from causal_agent.context import Settings, context_from_registry
    from causal_agent.data import load_dataset
    from causal_agent.discover import discover
    from causal_agent.graph import CausalGraph, cpdag_of
    from causal_agent.plugins import collect_registry, make_plugin_manager

    import causallearn.search.ConstraintBased.PC  # noqa: F401  (import cost is not discovery cost)

    registry = collect_registry(make_plugin_manager())
    print(f"{'size':>16} {'cold s':>8} {'PC s':>8} {'warm s':>8} {'edges':>6} {'true':>5} {'SHD':>4} "
          f"{'traced MB':>10}")
    for p, n in SIZES:
        frame, true_edges = random_dag_data(p, n, SEED)
        ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0))
        ctx.datasets.add(load_dataset(frame, name=f"bench_{p}x{n}"))

        tracemalloc.start()
        t0 = time.perf_counter()
        cold = discover(ctx, algorithm="pc", ci_test="fisherz")
        cold_s = time.perf_counter() - t0
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        t0 = time.perf_counter()
        warm = discover(ctx, algorithm="pc", ci_test="fisherz")
        warm_s = time.perf_counter() - t0
        assert warm.reused and not cold.reused

        truth = cpdag_of(CausalGraph(
            nodes=list(frame.columns),
            edges=[{"source": a, "target": b, "type": "-->"} for a, b in true_edges], kind="dag",
        ))
        pc_s = ctx.memory.get(cold.key).provenance.elapsed_s or 0.0
        print(f"{f'{p} vars x {n // 1000}k':>16} {cold_s:8.3f} {pc_s:8.3f} {warm_s:8.4f} "
              f"{len(cold.graph.edges):6d} {len(true_edges):5d} {cold.graph.shd(truth):4d} {traced_peak / 1e6:10.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mb = rss / 1e6 if sys.platform == "darwin" else rss / 1e3
    print(f"peak resident set size of the process: {rss_mb:.0f} MB")
    print("cold: first discover() call (PC runs, graph stored; 'PC s' is the algorithm alone);"
          " warm: the same request again, reused from graph memory.")
    bench_bootstrap(registry)
    bench_ci_tests(quick="--quick" in sys.argv)
    return 0


def bench_bootstrap(registry) -> None:  # type: ignore[no-untyped-def]
    """Cost of the bootstrap of one graph (30 resamples) at the two sizes."""
    from causal_agent.bootstrap import plan_resamples, support_for, workers
    from causal_agent.context import Settings, context_from_registry
    from causal_agent.data import load_dataset
    from causal_agent.discover import discover

    print(f"\nbootstrap, 30 resamples, PC + Fisher-z ({workers()} cores):")
    print(f"{'size':>16} {'one run s':>10} {'workers':>8} {'total s':>8} {'per resample s':>15} {'weak edges':>11}")
    for p, n in SIZES:
        frame, _ = random_dag_data(p, n, SEED)
        ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0))
        ctx.datasets.add(load_dataset(frame, name=f"boot_{p}x{n}"))
        found = discover(ctx, algorithm="pc", ci_test="fisherz")
        one = ctx.memory.get(found.key).provenance.elapsed_s or 0.0
        _, used, note = plan_resamples(one, 30, workers())
        t0 = time.perf_counter()
        support = support_for(ctx, found.key, 30, force=True)  # the full 30, whatever the budget
        total = time.perf_counter() - t0
        weak = len(support.weak_edges(found.graph, 0.75)) if support else 0
        print(f"{f'{p} vars x {n // 1000}k':>16} {one:10.3f} {used:8d} {total:8.2f} {total / 30:15.3f} "
              f"{weak:5d}/{len(found.graph.edges):<5d}"
              + (f"  (unforced, the cost rule would say: {note})" if note else ""))


def nonlinear_family(p: int, n: int, seed: int):  # type: ignore[no-untyped-def]
    """Data from a random DAG with nonlinear links (at most 3 parents), and the DAG (networkx)."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    links = (np.sin, np.tanh, lambda v: v**2 / 2, np.abs, np.cos)
    dag = nx.DiGraph()
    dag.add_nodes_from(range(p))
    data = np.zeros((n, p))
    for j in range(p):
        parents = [i for i in range(j) if rng.random() < min(1.0, 2.0 / (p - 1))][:3]
        value = 0.5 * rng.normal(size=n)
        for i in parents:
            dag.add_edge(i, j)
            z = (data[:, i] - data[:, i].mean()) / data[:, i].std()
            value = value + links[int(rng.integers(len(links)))](1.5 * z)
        data[:, j] = value
    return data, dag


def bench_ci_tests(quick: bool) -> None:
    """KCI, RCIT, FastKCI and residual KCI on the same queries of the nonlinear family."""
    import itertools

    import networkx as nx

    from causal_agent.independence import run_ci_test

    methods = ("kci", "rcit", "fastkci", "rkci")
    n, per_graph, graphs = (300, 10, 2) if quick else (500, 15, 3)
    rows: dict[str, list[bool]] = {m: [] for m in methods}
    truth: list[bool] = []
    times: dict[str, float] = dict.fromkeys(methods, 0.0)
    for g in range(graphs):
        data, dag = nonlinear_family(6, n, 10 + g)
        rng = np.random.default_rng(g)
        queries = [(x, y, list(z)) for x, y in itertools.combinations(range(6), 2)
                   for k in (0, 1, 2) for z in itertools.combinations(
                       [v for v in range(6) if v not in (x, y)], k)]
        picks = [queries[i] for i in rng.choice(len(queries), per_graph, replace=False)]
        for x, y, z in picks:
            truth.append(bool(nx.is_d_separator(dag, {x}, {y}, set(z))))
            for m in methods:
                t0 = time.perf_counter()
                p_value = run_ci_test(data[:, [x, y, *z]], m, len(z), seed=0)[0]
                times[m] += time.perf_counter() - t0
                rows[m].append(p_value >= 0.05)
    k = len(truth)
    print(f"\nnonparametric CI tests: {k} queries on {graphs} nonlinear 6-node DAGs, n = {n}, alpha 0.05")
    print(f"{'test':>8} {'s/test':>8} {'= d-sep':>8} " + " ".join(f"{'= ' + m:>9}" for m in methods))
    for m in methods:
        agree = sum(a == b for a, b in zip(rows[m], truth))
        pair = " ".join(f"{sum(a == b for a, b in zip(rows[m], rows[o])) / k:9.2f}" for o in methods)
        print(f"{m:>8} {times[m] / k:8.3f} {agree / k:8.2f} {pair}")
    bench_pc_nonlinear(quick)


def bench_pc_nonlinear(quick: bool) -> None:
    """PC's skeleton F1 on the nonlinear family with Fisher-z, RCIT and residual KCI."""
    from causal_agent.plugins import collect_registry, make_plugin_manager

    registry = collect_registry(make_plugin_manager())
    algo = registry.algorithms["pc"]
    from causal_agent.independence import discovery_ci_test

    p, n = (6, 500) if quick else (8, 1000)
    data, dag = nonlinear_family(p, n, 42)
    names = [f"V{i}" for i in range(p)]
    true = {frozenset((names[a], names[b])) for a, b in dag.edges}
    print(f"\nPC on a nonlinear {p}-node DAG, n = {n} ({len(true)} true edges):")
    for test in ("fisherz", "rcit", "rkci"):
        t0 = time.perf_counter()
        np.random.seed(0)
        with warnings.catch_warnings():  # PC's collider-conflict notes: not the figure measured
            warnings.simplefilter("ignore")
            graph = algo.function(data, names, alpha=0.05,
                                  ci_test=discovery_ci_test(registry.ci_tests[test]))
        took = time.perf_counter() - t0
        found = {frozenset((e.source, e.target)) for e in graph.edges}
        tp = len(found & true)
        f1 = 2 * tp / (len(found) + len(true)) if found or true else 1.0
        print(f"{test:>8}: {took:7.2f} s, skeleton F1 {f1:.2f} ({tp} of {len(true)} found, {len(found) - tp} extra)")


if __name__ == "__main__":
    raise SystemExit(main())
