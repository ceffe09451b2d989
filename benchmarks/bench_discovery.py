"""Time graph discovery through ``causal_agent.discover`` (PC with Fisher-z).

Sizes: 10 variables x 1k rows and 40 variables x 10k rows, each from a random linear-Gaussian DAG
(fixed seed, edge probability 2/(p-1) so about two parents per node). For each size it reports the
cold call (discovery runs and the graph is stored) and the warm call (the same request again, served
from graph memory), the structural Hamming distance to the true CPDAG, and peak memory: Python
allocations during the cold call (tracemalloc) and the process's peak resident set size.

Run: ``python benchmarks/bench_discovery.py`` (about 10 s here).
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

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
    from causal_agent.context import context_from_registry
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
        ctx = context_from_registry(registry)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
