"""The published-format run: seconds per question, and graph reuse across renamed columns.

The published four-level benchmark reuses each headerless CSV under several column namings (160
files serve 1,333 (file, variables) pairs). This script builds a synthetic set in that format,
bigger than the test fixture: ``--files`` headerless CSVs from random linear-Gaussian DAGs (fixed
seed), each reused under ``--namings`` name sets, with one question of each kind per naming (IT,
CIT, MULTCIT in several polarity forms, CAUSE, collider, confounder, CAUSALKG, PARTIAL_CG and, with
``--ate``, ATE). Labels follow the published procedure (Fisher-z p < 0.05 is "yes"; PC with
Fisher-z at 0.05 on all columns; PC on the subset for partial graphs; linear back-door for ATE).

It then runs ``causal-agent eval --suite published`` on it in-process and prints:

* seconds per question, overall and by type;
* cold vs warm: questions on a file's first naming (its graph must be learned) vs its later
  namings (the same content under other names: the stored graph, renamed, when graph memory
  recognises it);
* graph reuse: discovery runs, reuses from memory, and reuses across namings;
* agreement and misreads per type.

Run: ``python benchmarks/bench_published.py`` (about a minute here at the defaults);
``--protocol default`` for the agent's own choices (bootstrap-checked discovery: slower).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WORDS = ("Age", "Income", "Stress", "Sleep", "Diet", "Exercise", "Weight", "Pressure", "Glucose", "Mood",
         "Rain", "Yield", "Price", "Demand", "Supply", "Traffic", "Noise", "Clicks", "Sales", "Visits",
         "Rent", "Salary", "Tenure", "Churn", "Latency", "Errors", "Load", "Temperature", "Humidity", "Wind")
SUFFIXES = ("Level", "Score", "Index", "Rate", "Count", "Amount")
IT_FORMS = (
    ("Is {x} independent of {y}?", "independence"),
    ("Is there no statistically correlation between {x} and {y}?", "independence"),
    ("test whether Are {x} and {y} statistically unrelated or dependent?", "independence"),
    ("Are {x} and {y} dependent?", "dependence"),
)
CIT_FORM = "Are {x} and {y} statistically independent given the condition {z}?"
MULTCIT_FORM = "Determine the independence of {x} and {y} given the following conditions : {z}"


def random_dag_data(p: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Linear-Gaussian data over p variables in index order, about two parents per node."""
    prob = min(1.0, 2.0 / (p - 1))
    data = np.zeros((n, p))
    for j in range(p):
        parents = [i for i in range(j) if rng.random() < prob]
        weights = rng.uniform(0.5, 1.0, len(parents)) * rng.choice([-1, 1], len(parents))
        data[:, j] = data[:, parents] @ weights + rng.normal(size=n)
    return data


def naming(p: int, rng: np.random.Generator) -> list[str]:
    """p distinct two-word column names."""
    names: list[str] = []
    while len(names) < p:
        name = f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)}"
        if name not in names:
            names.append(name)
    return names


def build(root: Path, files: int, namings: int, p: int, n: int, seed: int, ate: bool) -> Path:
    """Write data/, causal_graph/ and questions.jsonl under ``root``; returns the jsonl path."""
    from causal_agent.graph import CausalGraph
    from causal_agent_evals.reference import ReferenceProcedure

    rng = np.random.default_rng(seed)
    (root / "data").mkdir(parents=True)
    (root / "causal_graph").mkdir()
    rows: list[dict[str, Any]] = []
    for f in range(files):
        data = random_dag_data(p, n, rng)
        file = f"{p}_{f}.csv"
        pd.DataFrame(data).to_csv(root / "data" / file, header=False, index=False)
        subset_idx = sorted(rng.choice(p, size=min(4, p), replace=False).tolist())
        for k in range(namings):
            names = naming(p, rng)
            ref = ReferenceProcedure(pd.DataFrame(data, columns=names), discrete=False)
            full = ref.pc_graph()
            part = ref.pc_graph([names[i] for i in subset_idx])

            def graph_file(g: CausalGraph, tag: str, k: int = k, f: int = f) -> str:
                name = f"g{f}_{k}_{tag}.txt"
                (root / "causal_graph" / name).write_text(g.to_causallearn_text(), encoding="utf-8")
                return name

            def row(qt: str, interest: list[str], q: str, gt: Any, **extra: Any) -> None:
                rows.append({"node num": p, "question_type": qt, "interest": interest, "variables": names,
                             "text": "", "file": file, "Q": q, "gt": gt, **extra})

            a, b, c, d = (int(i) for i in rng.choice(p, size=4, replace=False))
            x, y, z, w = names[a], names[b], names[c], names[d]
            template, _ = IT_FORMS[k % len(IT_FORMS)]
            def dep(*ix: int, ref: Any = ref, names: list[str] = names) -> str:
                return "yes" if ref.p_value(names[ix[0]], names[ix[1]], [names[i] for i in ix[2:]]) < 0.05 else "no"

            row("IT", [x, y], template.format(x=x, y=y), dep(a, b))
            row("CIT", [x, y, z], CIT_FORM.format(x=x, y=y, z=z), dep(a, b, c))
            row("MULTCIT", [x, y, z, w], MULTCIT_FORM.format(x=x, y=y, z=f"{z},{w}"), dep(a, b, c, d))
            from causal_agent import graph_queries as gq

            for qt, fn, q in (
                ("CAUSE", gq.direct_cause, f"Determine whether {x} is a direct cause of {y}."),
                ("Has-Collider", gq.shared_collider, f"Evaluate if {x} and {y} share a common effect (collider)."),
                ("Has-Confounder", gq.shared_confounder,
                 f"Explore whether a common factor is a confounder for variables {x} and {y}."),
            ):
                try:
                    label = fn(full, x, y).answer
                except Exception:  # noqa: BLE001 - a graph the queries cannot read: leave the row out
                    continue
                row(qt, [x, y], q, label)
            row("CAUSALKG", [], "please generate causal graph of the input tabular data.", graph_file(full, "full"))
            sub = [names[i] for i in subset_idx]
            row("PARTIAL_CG", sub, "Generate a subset of a causal diagram for the variables of interest : "
                + ",".join(sub), graph_file(part, "part"))
            if ate and k == 0:
                t, o = names[a], names[b]
                value = ref.ate(t, o, 0.0, 1.0)[0]
                row("ATE", [t, o], f"calculate the Average Treatment Effect (ATE) of a continuous treatment variable "
                    f" {t} on an outcome variable {o}, given that the treatment {t} change from 0.0 to 0.0.The "
                    "remaining variables can be regarded as confounder.", value, T0=0.0, T1=1.0)
    path = root / "questions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--namings", type=int, default=4, help="column namings per file")
    parser.add_argument("--variables", type=int, default=12)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--protocol", choices=("default", "reference"), default="reference")
    parser.add_argument("--ate", action="store_true", help="add one ATE row per file (slow: DoWhy + refuter)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from causal_agent_evals.runner import (RunOptions, data_spec, graph_reuse, prepare_published, run_suite,
                                           type_readings, warm_imports)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        path = build(root, args.files, args.namings, args.variables, args.rows, args.seed, args.ate)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        suite = prepare_published(path, root / "data", root / "causal_graph")
        t_load = time.perf_counter() - t0
        warm_imports()
        options = RunOptions(workers=args.workers, protocol=args.protocol, progress=False, refute_simulations=2)
        result = run_suite(suite, options, root / "results.jsonl")

    by_id = {q.id: q for q in suite.questions}
    first_naming: dict[str, str] = {}
    cold: list[float] = []
    warm: list[float] = []
    cold_graph: list[float] = []
    warm_graph: list[float] = []
    for rec in result.records:
        spec = data_spec(by_id[rec.id], suite.data_dir)
        is_cold = first_naming.setdefault(spec.path, spec.name) == spec.name
        lat = rec.latency_s or 0.0
        (cold if is_cold else warm).append(lat)
        if any(st.reused is not None for st in rec.steps):
            (cold_graph if is_cold else warm_graph).append(lat)
    reuse = graph_reuse(result)
    namings = len({(q.dataset, tuple(q.variables)) for q in suite.questions})

    def mean(v: list[float]) -> str:
        return f"{statistics.fmean(v):.3f}" if v else "–"

    print(f"published-format set: {len(suite.questions)} questions, {namings} (file, variables) datasets from "
          f"{args.files} files ({args.variables} variables x {args.rows} rows), protocol {args.protocol}")
    print(f"build {t_build:.1f} s (labels by the published procedure), load {t_load:.1f} s (polarity by the planner)")
    print(f"answering: {result.stats.run_s:.1f} s, {result.stats.run_s / max(1, len(result.records)):.3f} s/question "
          f"({args.workers} worker(s))")
    print(f"cold (a file's first naming): {mean(cold)} s/question over {len(cold)}; graph questions {mean(cold_graph)} s "
          f"over {len(cold_graph)}")
    print(f"warm (later namings, same content): {mean(warm)} s/question over {len(warm)}; graph questions "
          f"{mean(warm_graph)} s over {len(warm_graph)}")
    print(f"graphs: {reuse.graph_calls} calls needed a graph; discovery ran {reuse.learned} times; {reuse.reused} "
          f"reused from memory, {reuse.reused_across_names} of them across column namings "
          f"(at most {reuse.datasets - reuse.files} namings could reuse another's full graph)")
    print(f"{'type':<16}{'n':>4}{'agree':>8}{'misread':>9}{'mean s':>9}")
    lat_by_type: dict[str, list[float]] = {}
    for rec in result.records:
        lat_by_type.setdefault(rec.question_type, []).append(rec.latency_s or 0.0)
    for code, r in type_readings(result).items():
        agree = f"{r.agree}/{r.judged}"
        print(f"{code:<16}{r.n:>4}{agree:>8}{r.misread:>9}{mean(lat_by_type.get(code, [])):>9}")
    errors = [r for r in result.records if r.error]
    if errors:
        print(f"{len(errors)} question(s) raised; the first: {errors[0].question_type}: {errors[0].error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
