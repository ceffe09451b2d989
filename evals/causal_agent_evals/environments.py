"""The multi-environment family: data from 2-5 environments whose mechanisms partly shift, with truth.

**Generator.** A random DAG (5-8 nodes, about 1-1.5 parents a node) gets a linear-Gaussian SCM
from :func:`.scm.build_scm` (standardised parents, faithfulness redraws). 1-3 nodes are chosen to
*shift*: in every environment after the first, each gets its own intercept (a shift of 0.7-1.5 of
the node's standard deviation), its own coefficient on one parent (moved by 0.8-1.5, on the
standardised scale), or its own noise scale (x2-3). Everything else, including how children read a
parent (the standardisation constants), is the same function in every environment, so the
changed mechanisms are exactly the shifted nodes. The rows of all environments are pooled and a
context column (``site``, ``hospital``, ``region``, ``wave``, ``lab``, ``period``) names each row's
environment, as letters, numbered labels or integers.

**Truth** comes from the generator's SCM, never from the code it scores: the changed set (the
shifted nodes); the true DAG; the per-environment effect of T on Y (``truth.linear_ate`` of each
environment's SCM: a coefficient shift on a causal path changes it, an intercept or noise shift
does not); and the *ceiling*, the arrows that data plus a context can identify at best: the
equivalence class of the augmented DAG (context -> each shifted node) restricted to members in
which nothing causes the context (the :class:`.oracle.Oracle` enumeration), an arrow being
identified when every such member has it.

**Questions**, two a dataset, with phrasings kept apart from the planner's examples:
``ENV-CHANGE`` ("which mechanisms change across ...?") is scored on the changed set (precision and
recall of the answer graph's ``changing``) and on orientation (arrowhead precision / recall / F1
against the true DAG, and the share of the true DAG's edges at a changed node that the answer
orients right or wrong); ``ENV-EFFECT`` ("does the effect of T on Y differ between ...?") is
scored yes / no / uncertain against whether the per-environment effects differ. Two references
run on the same data with causal-learn directly: PC on the pooled variables (the context ignored)
and causal-learn's own ``cdnod`` (Fisher-z on the context's codes), so the report shows what the
context and the per-environment tests add.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from .scm import SCM, build_scm, random_dag
from .truth import dag_json, linear_ate

FAMILY = "multi-environment"
ShiftKind = Literal["intercept", "coefficient", "noise"]
CONTEXT_NAMES = ("site", "hospital", "region", "wave", "lab", "period")
#: the benchmark's phrasings ({c}: the context column, {t}/{y}: treatment and outcome)
TEMPLATES: dict[str, list[str]] = {
    "ENV-CHANGE": [
        "The rows were collected at several {c}s. Which variables have a causal mechanism that is not the same at every {c}?",
        "Which mechanisms shift from one {c} to another in this data?",
        "For which variables does the dependence on their causes change across {c}s?",
        "Identify the causal mechanisms that change across the {c}s.",
        "Which of the causal mechanisms vary between the {c}s?",
    ],
    "ENV-EFFECT": [
        "Does the effect of {t} on {y} differ from one {c} to the next?",
        "Is the causal effect of {t} on {y} different in some {c}s than in others?",
        "Does the effect of {t} on {y} vary between the {c}s?",
        "Would an intervention on {t} move {y} by different amounts across {c}s?",
    ],
}


class Shift(BaseModel):
    """One node's mechanism across environments: its intercept, one parent's weight, or its noise
    scale, one value per environment (environment 0 is the base SCM's own value)."""

    node: str
    kind: ShiftKind
    parent: str | None = None
    values: list[float]


class EnvironmentSCM(BaseModel):
    """A base SCM, the context column and the shifts that make each environment's SCM."""

    base: SCM
    context: str
    labels: list[str | int]
    shifts: list[Shift]

    @property
    def changed(self) -> list[str]:
        return [s.node for s in self.shifts]

    def scm_for(self, env: int) -> SCM:
        """Environment ``env``'s SCM: the base with the shifted parameters (standardisation of
        parents unchanged, so only the shifted mechanisms differ)."""
        scm = self.base.model_copy(deep=True)
        for s in self.shifts:
            node = scm.node(s.node)
            if s.kind == "intercept":
                node.intercept = s.values[env]
            elif s.kind == "noise":
                node.noise_scale = s.values[env]
            else:
                node.weights[node.parents.index(s.parent)] = s.values[env]  # type: ignore[arg-type]
        return scm

    def sample(self, rows: Sequence[int], rng: np.random.Generator) -> pd.DataFrame:
        """``rows[e]`` rows of each environment, pooled and shuffled, with the context column."""
        parts = []
        for env, n in enumerate(rows):
            part = self.scm_for(env).sample(int(n), rng)
            part[self.context] = self.labels[env]
            parts.append(part)
        data = pd.concat(parts, ignore_index=True)
        return data.iloc[rng.permutation(len(data))].reset_index(drop=True)

    def augmented_dag(self) -> nx.DiGraph:
        g = self.base.graph()
        g.add_node(self.context)
        g.add_edges_from((self.context, n) for n in self.changed)
        return g

    def effects(self, t: str, y: str) -> list[float]:
        """The true effect of a unit change of ``t`` on ``y`` in every environment."""
        return [linear_ate(self.scm_for(e), t, y, 0.0, 1.0) for e in range(len(self.labels))]


def identified_arrows(env: EnvironmentSCM) -> dict[str, Any]:
    """The ceiling graph (JSON): the true DAG's edges, ``-->`` where every member of the augmented
    DAG's class in which nothing causes the context has that arrow, ``---`` otherwise."""
    from .oracle import Oracle

    aug = env.augmented_dag()
    oracle = Oracle(aug)
    agreed: dict[tuple[str, str], set[bool]] = {}
    for parents in oracle.members(list(aug.nodes)):
        if parents[env.context]:
            continue
        for a, b in env.base.graph().edges:
            agreed.setdefault((a, b), set()).add(a in parents[b])
    edges = [{"source": a, "target": b, "type": "-->" if agreed.get((a, b)) == {True} else "---"}
             for a, b in env.base.graph().edges]
    return {"nodes": list(env.base.columns), "edges": edges, "kind": "cpdag"}


def _labels(k: int, rng: np.random.Generator, context: str) -> list[str | int]:
    style = int(rng.integers(3))
    if style == 0:
        return [chr(ord("A") + i) for i in range(k)]
    if style == 1:
        return [f"{context}{i + 1}" for i in range(k)]
    return [i + 1 for i in range(k)]


def draw_environment_scm(dag: nx.DiGraph, rng: np.random.Generator, *, n_env: int, n_shifts: int = 1,
                         context: str, columns: Sequence[str] | None = None,
                         kinds: Sequence[ShiftKind] | None = None,
                         nodes: Sequence[str] | None = None) -> EnvironmentSCM:
    """A linear-Gaussian SCM on ``dag`` and ``n_shifts`` shifted nodes (or the given ``nodes``) over
    ``n_env`` environments (``kinds``: the shift kind of each chosen node; default random,
    coefficient shifts only where a node has parents)."""
    base = build_scm(dag, "linear_gaussian", rng, columns=columns)
    every = list(base.columns)
    chosen = list(nodes) if nodes is not None else [
        every[i] for i in rng.choice(len(every), size=n_shifts, replace=False)]
    shifts: list[Shift] = []
    for k, name in enumerate(chosen):
        node = base.node(name)
        kind: ShiftKind
        if kinds is not None:
            kind = kinds[k]
        else:
            u = rng.random()
            kind = "coefficient" if node.parents and u < 0.4 else "noise" if u < 0.6 else "intercept"
        if kind == "coefficient" and not node.parents:
            kind = "intercept"
        if kind == "intercept":
            start = node.intercept
            values = [start] + [start + float(rng.choice([-1, 1]) * rng.uniform(0.7, 1.5) * node.scale)
                                for _ in range(n_env - 1)]
            shifts.append(Shift(node=name, kind=kind, values=values))
        elif kind == "noise":
            start = node.noise_scale
            values = [start] + [start * float(rng.uniform(2.0, 3.0)) for _ in range(n_env - 1)]
            shifts.append(Shift(node=name, kind=kind, values=values))
        else:
            j = int(rng.integers(len(node.parents)))
            start = node.weights[j]
            values = [start] + [start + float(rng.choice([-1, 1]) * rng.uniform(0.8, 1.5)) for _ in range(n_env - 1)]
            shifts.append(Shift(node=name, kind=kind, parent=node.parents[j], values=values))
    return EnvironmentSCM(base=base, context=context, labels=_labels(n_env, rng, context), shifts=shifts)


class EnvDataset(BaseModel):
    """One dataset of the family: its environments' SCM (the truth) and its pooled sample."""

    model_config = {"arbitrary_types_allowed": True}

    name: str
    env: EnvironmentSCM
    data: pd.DataFrame = Field(exclude=True)


class EnvQuestion(BaseModel):
    """One question of the family with its truth."""

    id: str
    question_type: Literal["ENV-CHANGE", "ENV-EFFECT"]
    dataset: str
    question: str
    context: str
    interest: list[str] = Field(default_factory=list)  # (t, y) of ENV-EFFECT
    truth: Any = None  # the changed set, or "yes"/"no"
    truth_dag: dict[str, Any] | None = None
    ceiling: dict[str, Any] | None = None
    effects: list[float] = Field(default_factory=list)  # true per-environment effects (ENV-EFFECT)
    n_env: int = 0
    shift_kinds: dict[str, str] = Field(default_factory=dict)


def generate_family(seed: int = 0, n_datasets: int = 20, n_rows: int = 1500) -> tuple[list[EnvDataset], list[EnvQuestion]]:
    """Seeded datasets and their two questions each (one ``SeedSequence`` child per dataset)."""
    from .generator import _variable_names
    from .vocab import DOMAINS

    datasets: list[EnvDataset] = []
    questions: list[EnvQuestion] = []
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(n_datasets)):
        s_struct, s_data, s_q = child.spawn(3)
        rng = np.random.default_rng(s_struct)
        n_nodes = int(rng.integers(5, 9))
        domain = list(DOMAINS)[int(rng.integers(len(DOMAINS)))]
        context = CONTEXT_NAMES[int(rng.integers(len(CONTEXT_NAMES)))]
        names = [n for n in _variable_names(domain, n_nodes + 2, rng) if context not in n.lower()][:n_nodes]
        density = min(1.0, 2.0 * float(rng.uniform(1.0, 1.5)) / (n_nodes - 1))
        dag = random_dag(len(names), density, rng, names=names, max_parents=3)
        n_env = int(rng.integers(2, 6))
        n_shifts = int(rng.integers(1, 4))
        env = draw_environment_scm(dag, rng, n_env=n_env, n_shifts=n_shifts, context=context,
                                   columns=[names[j] for j in rng.permutation(len(names))])
        rows = [n_rows // n_env] * n_env
        data = env.sample(rows, np.random.default_rng(s_data)).round(5)
        ds = EnvDataset(name=f"e{i:03d}_{domain}_{n_env}env", env=env, data=data)
        datasets.append(ds)
        questions.extend(_questions(ds, np.random.default_rng(s_q)))
    return datasets, questions


def _questions(ds: EnvDataset, rng: np.random.Generator) -> list[EnvQuestion]:
    env = ds.env
    c = env.context
    common = {"dataset": ds.name, "context": c, "n_env": len(env.labels),
              "shift_kinds": {s.node: s.kind for s in env.shifts}}
    dag = env.base.graph()
    pick = TEMPLATES["ENV-CHANGE"][int(rng.integers(len(TEMPLATES["ENV-CHANGE"])))]
    out = [EnvQuestion(id=f"{ds.name}-0", question_type="ENV-CHANGE", question=pick.format(c=c),
                       truth=list(env.changed), truth_dag=dag_json(dag), ceiling=identified_arrows(env),
                       **common)]
    pairs = [(t, y) for t in dag.nodes for y in dag.nodes if t != y and nx.has_path(dag, t, y)]
    differ = []
    same = []
    for t, y in pairs:
        effects = env.effects(t, y)
        (differ if max(effects) - min(effects) > 1e-9 else same).append((t, y, effects))
    want_yes = bool(rng.random() < 0.5)
    pool = (differ or same) if want_yes else (same or differ)
    if pool:
        t, y, effects = pool[int(rng.integers(len(pool)))]
        pick = TEMPLATES["ENV-EFFECT"][int(rng.integers(len(TEMPLATES["ENV-EFFECT"])))]
        out.append(EnvQuestion(id=f"{ds.name}-1", question_type="ENV-EFFECT", question=pick.format(c=c, t=t, y=y),
                               interest=[t, y], truth="yes" if (t, y, effects) in differ else "no",
                               effects=effects, truth_dag=dag_json(dag), **common))
    return out


# ---- scoring ------------------------------------------------------------------------------------
def score_change(q: EnvQuestion, graph: dict[str, Any] | None) -> dict[str, Any]:
    """Changed-set precision / recall and orientation of one ENV-CHANGE answer graph."""
    from .scoring import _norm, arrows, compare_arrows

    out: dict[str, Any] = {"answered": False}
    if not isinstance(graph, dict) or graph.get("context") is None:
        return out
    truth = {_norm(v) for v in q.truth}
    given = {_norm(v) for v in graph.get("changing") or []}
    hit = len(truth & given)
    out.update(answered=True, changing=sorted(graph.get("changing") or []), tp=hit, n_given=len(given),
               n_truth=len(truth), precision=hit / len(given) if given else 1.0,
               recall=hit / len(truth) if truth else 1.0)
    out["arrow_precision"], out["arrow_recall"], out["arrow_f1"] = compare_arrows(graph, q.truth_dag)
    out["ceiling_arrow_f1"] = compare_arrows(q.ceiling, q.truth_dag)[2] if q.ceiling else None
    # the true DAG's edges at a changed node: oriented right, wrong, or left undirected / missing
    near = [(a, b) for a, b in ((e["source"], e["target"]) for e in q.truth_dag["edges"])  # type: ignore[index]
            if _norm(a) in truth or _norm(b) in truth]
    got = arrows(graph)
    out["near_edges"] = len(near)
    out["near_right"] = sum((_norm(a), _norm(b)) in got for a, b in near)
    out["near_wrong"] = sum((_norm(b), _norm(a)) in got for a, b in near)
    ceiling = arrows(q.ceiling) if q.ceiling else set()
    out["near_identifiable"] = sum((_norm(a), _norm(b)) in ceiling for a, b in near)
    return out


def score_effect(q: EnvQuestion, answer: str | None) -> dict[str, Any]:
    label = answer.strip().lower() if isinstance(answer, str) else None
    return {"answered": label in ("yes", "no", "uncertain"), "given": label,
            "right": label == q.truth, "uncertain": label == "uncertain",
            "wrong": label in ("yes", "no") and label != q.truth}


def reference_graphs(ds: EnvDataset, alpha: float = 0.05) -> dict[str, Any]:
    """causal-learn directly, as the references: PC on the pooled variables (context ignored) and
    causal-learn's own cdnod (Fisher-z on the context's codes, its defaults)."""
    from causallearn.search.ConstraintBased.CDNOD import cdnod
    from causallearn.search.ConstraintBased.PC import pc

    from causal_agent.graph import CausalGraph

    names = list(ds.env.base.columns)
    x = ds.data[names].to_numpy(dtype=float)
    codes = pd.factorize(ds.data[ds.env.context].astype(str), sort=True)[0].astype(float)[:, None]
    with contextlib.redirect_stderr(io.StringIO()):  # cdnod's skeleton step shows progress anyway
        pooled = pc(x, alpha, "fisherz", show_progress=False, node_names=names)
        plain = cdnod(x, codes, alpha, "fisherz", show_progress=False)
    full = CausalGraph.from_causallearn(plain.G, [*names, ds.env.context])
    cd = full.subgraph(names).to_json()
    cd.update(context=ds.env.context, changing=full.neighbors(ds.env.context))
    return {"pooled_pc": CausalGraph.from_causallearn(pooled.G, names).to_json(), "cdnod_codes": cd}


# ---- running ------------------------------------------------------------------------------------
class FamilyRecord(BaseModel):
    id: str
    question_type: str
    dataset: str
    question: str
    n_env: int
    truth: Any
    given: Any = None
    score: dict[str, Any] = Field(default_factory=dict)
    reference: dict[str, Any] = Field(default_factory=dict)
    latency_s: float | None = None
    error: str | None = None
    tools: list[str] = Field(default_factory=list)


def answer_dataset(ds: EnvDataset, questions: Sequence[EnvQuestion], folder: Path,
                   refute_simulations: int = 5) -> list[FamilyRecord]:
    """Ask the offline agent one dataset's questions (its CSV written to ``folder``)."""
    from causal_agent.agent import CausalAgent
    from causal_agent.context import Settings

    from .scoring import compare_arrows

    path = folder / f"{ds.name}.csv"
    ds.data.to_csv(path, index=False)
    agent = CausalAgent(model="offline", settings=Settings(refute_simulations=refute_simulations))
    agent.load(str(path))
    refs = reference_graphs(ds)
    out: list[FamilyRecord] = []
    for q in questions:
        rec = FamilyRecord(id=q.id, question_type=q.question_type, dataset=ds.name, question=q.question,
                           n_env=q.n_env, truth=q.truth)
        started = time.perf_counter()
        try:
            answer = agent.ask(q.question)
        except Exception as exc:  # noqa: BLE001 - one failed question is a record, not a crash
            rec.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:240]
            out.append(rec)
            continue
        rec.latency_s = round(time.perf_counter() - started, 3)
        rec.tools = [s.tool for s in answer.steps]
        errors = [s.output for s in answer.steps if s.status == "error"]
        if errors:
            rec.error = errors[0].splitlines()[0][:240]
        if q.question_type == "ENV-CHANGE":
            rec.given = answer.graph
            rec.score = score_change(q, answer.graph)
            rec.reference = {"cdnod_codes": score_change(q, refs["cdnod_codes"]),
                             "pooled_pc": {"arrow_f1": compare_arrows(refs["pooled_pc"], q.truth_dag)[2]}}
        else:
            rec.given = answer.answer
            rec.score = score_effect(q, answer.answer)
        out.append(rec)
    return out


def _mean(values: Sequence[float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def _change_summary(records: Sequence[FamilyRecord]) -> dict[str, Any]:
    scored = [r.score for r in records if r.score.get("answered")]
    tp = sum(s["tp"] for s in scored)
    given = sum(s["n_given"] for s in scored)
    truth = sum(r.score.get("n_truth", len(r.truth)) for r in records)
    near = sum(s["near_edges"] for s in scored)
    p = tp / given if given else None
    rc = tp / truth if truth else None
    ref = [r.reference.get("cdnod_codes") or {} for r in records]
    ref_tp = sum(s.get("tp", 0) for s in ref)
    ref_given = sum(s.get("n_given", 0) for s in ref)
    return {
        "n": len(records), "answered": len(scored),
        "changed_precision": round(p, 4) if p is not None else None,
        "changed_recall": round(rc, 4) if rc is not None else None,
        "changed_f1": round(2 * p * rc / (p + rc), 4) if p and rc else None,
        "mean_precision": _mean([s["precision"] for s in scored]),
        "mean_recall": _mean([s["recall"] for s in scored]),
        "exact_changed_set": sum(s["tp"] == s["n_truth"] == s["n_given"] for s in scored),
        "arrow_precision": _mean([s["arrow_precision"] for s in scored]),
        "arrow_recall": _mean([s["arrow_recall"] for s in scored]),
        "arrow_f1": _mean([s["arrow_f1"] for s in scored]),
        "ceiling_arrow_f1": _mean([s["ceiling_arrow_f1"] for s in scored]),
        "near_edges": near,
        "near_right": sum(s["near_right"] for s in scored),
        "near_wrong": sum(s["near_wrong"] for s in scored),
        "near_identifiable": sum(s["near_identifiable"] for s in scored),
        "pooled_pc_arrow_f1": _mean([(r.reference.get("pooled_pc") or {}).get("arrow_f1") for r in records]),
        "cdnod_codes_precision": round(ref_tp / ref_given, 4) if ref_given else None,
        "cdnod_codes_recall": round(ref_tp / truth, 4) if truth else None,
        "cdnod_codes_arrow_f1": _mean([s.get("arrow_f1") for s in ref]),
    }


def _recall_by_kind(records: Sequence[FamilyRecord], questions: dict[str, EnvQuestion]) -> dict[str, Any]:
    found: dict[str, list[int]] = {}
    for r in records:
        if not r.score.get("answered"):
            continue
        given = {v for v in r.score.get("changing") or []}
        for node, kind in questions[r.id].shift_kinds.items():
            found.setdefault(kind, []).append(int(node in given))
    return {k: {"n": len(v), "recall": round(sum(v) / len(v), 4)} for k, v in sorted(found.items())}


def _effect_summary(records: Sequence[FamilyRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(records)}
    for label in ("yes", "no"):
        rs = [r for r in records if r.truth == label]
        out[f"truth_{label}"] = {
            "n": len(rs), "right": sum(r.score.get("right", False) for r in rs),
            "uncertain": sum(r.score.get("uncertain", False) for r in rs),
            "wrong": sum(r.score.get("wrong", False) for r in rs),
        }
    out["right_rate"] = round(sum(r.score.get("right", False) for r in records) / len(records), 4) if records else None
    out["wrong_rate"] = round(sum(r.score.get("wrong", False) for r in records) / len(records), 4) if records else None
    return out


def run_family(n: int = 60, seed: int = 0, n_rows: int = 1500, refute_simulations: int = 5,
               folder: str | Path | None = None, progress: Any = None) -> dict[str, Any]:
    """Generate ``ceil(n / 2)`` datasets (two questions each), answer them with the offline agent
    and return the report (JSON-able)."""
    import tempfile

    n_datasets = max(1, -(-n // 2))
    t0 = time.perf_counter()
    datasets, questions = generate_family(seed=seed, n_datasets=n_datasets, n_rows=n_rows)
    prepared = time.perf_counter() - t0
    by_ds: dict[str, list[EnvQuestion]] = {}
    for q in questions:
        by_ds.setdefault(q.dataset, []).append(q)
    records: list[FamilyRecord] = []
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder) if folder else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        for k, ds in enumerate(datasets):
            records.extend(answer_dataset(ds, by_ds.get(ds.name, []), where, refute_simulations))
            if progress is not None:
                progress(k + 1, len(datasets))
    wall = time.perf_counter() - t0
    qmap = {q.id: q for q in questions}
    change = [r for r in records if r.question_type == "ENV-CHANGE"]
    effect = [r for r in records if r.question_type == "ENV-EFFECT"]
    lat = [r.latency_s for r in records if r.latency_s is not None]
    return {
        "family": FAMILY,
        "meta": {"seed": seed, "datasets": len(datasets), "questions": len(records), "rows_per_dataset": n_rows,
                 "model": "offline", "refute_simulations": refute_simulations, "wall_s": round(wall, 2),
                 "prepare_s": round(prepared, 2), "median_latency_s": statistics.median(lat) if lat else None,
                 "errors": sum(r.error is not None for r in records),
                 "environments": {str(k): sum(len(d.env.labels) == k for d in datasets) for k in range(2, 6)},
                 "shifted_nodes": sum(len(d.env.shifts) for d in datasets)},
        "env_change": _change_summary(change),
        "env_change_by_environments": {str(k): _change_summary([r for r in change if r.n_env == k])
                                       for k in range(2, 6) if any(r.n_env == k for r in change)},
        "env_change_recall_by_shift_kind": _recall_by_kind(change, qmap),
        "env_effect": _effect_summary(effect),
        "records": [r.model_dump(mode="json") for r in records],
    }


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _f(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def to_markdown(rep: dict[str, Any]) -> str:
    """The family's report as Markdown."""
    m, c, e = rep["meta"], rep["env_change"], rep["env_effect"]
    lines = [
        f"# Eval report: {FAMILY} family, model `{m['model']}`", "",
        f"- datasets: {m['datasets']} (seed {m['seed']}), {m['questions']} questions, {m['rows_per_dataset']} rows each"
        f" split evenly over the environments; environments per dataset: "
        + ", ".join(f"{k}: {v}" for k, v in m["environments"].items()) + f"; {m['shifted_nodes']} shifted mechanisms",
        f"- run time: {m['wall_s']} s wall (generation {m['prepare_s']} s); median {m['median_latency_s']} s per question;"
        f" errors: {m['errors']}",
        f"- reproduce: `causal-agent eval --suite {FAMILY} --n {m['questions']} --seed {m['seed']}`"
        f" (the agent's default settings: CD-NOD chosen by the context, Fisher-z, alpha 0.05, 30 bootstrap"
        " resamples under the cost rule; offline model)",
        "- truth from the generator's SCM: the shifted nodes, the true DAG, per-environment effects"
        " (linear ATE of each environment's SCM); ceiling: arrows identified in the augmented DAG's class"
        " with nothing causing the context",
        "", "## Which mechanisms change (ENV-CHANGE)", "",
        "| measure | agent (CD-NOD, per-environment tests) | causal-learn cdnod (Fisher-z on codes) | pooled PC (context ignored) |",
        "|---|---:|---:|---:|",
        f"| changed-set precision (pooled counts) | {_pct(c['changed_precision'])} | {_pct(c['cdnod_codes_precision'])} | – |",
        f"| changed-set recall (pooled counts) | {_pct(c['changed_recall'])} | {_pct(c['cdnod_codes_recall'])} | – |",
        f"| exact changed set | {c['exact_changed_set']} / {c['n']} | – | – |",
        f"| arrowhead F1 vs true DAG | {_f(c['arrow_f1'])} | {_f(c['cdnod_codes_arrow_f1'])} | {_f(c['pooled_pc_arrow_f1'])} |",
        f"| arrowhead precision / recall | {_f(c['arrow_precision'])} / {_f(c['arrow_recall'])} | – | – |",
        f"| ceiling arrowhead F1 (identifiable with the context) | {_f(c['ceiling_arrow_f1'])} | | |",
        "",
        f"Edges of the true DAG at a changed node: {c['near_edges']}; oriented right {c['near_right']},"
        f" oriented wrong {c['near_wrong']}, the rest undirected or missing; {c['near_identifiable']} of them"
        " are identifiable at best (ceiling).", "",
        "| environments | n | precision | recall | arrow F1 | pooled PC arrow F1 |", "|---:|---:|---:|---:|---:|---:|",
    ]
    for k, s in rep["env_change_by_environments"].items():
        lines.append(f"| {k} | {s['n']} | {_pct(s['changed_precision'])} | {_pct(s['changed_recall'])} |"
                     f" {_f(s['arrow_f1'])} | {_f(s['pooled_pc_arrow_f1'])} |")
    lines += ["", "Recall by kind of shift: " + "; ".join(
        f"{k} {_pct(v['recall'])} (n={v['n']})" for k, v in rep["env_change_recall_by_shift_kind"].items()), "",
        "## Does the effect differ (ENV-EFFECT)", "",
        "| truth | n | right | uncertain | wrong |", "|---|---:|---:|---:|---:|"]
    for label in ("yes", "no"):
        s = e[f"truth_{label}"]
        lines.append(f"| {label} ({'effects differ' if label == 'yes' else 'same effect'}) | {s['n']} | {s['right']} |"
                     f" {s['uncertain']} | {s['wrong']} |")
    lines += ["", f"Right {_pct(e['right_rate'])}, confidently wrong {_pct(e['wrong_rate'])}. 'no' is answered only"
              " when an equivalence test bounds every pairwise difference (margin: 20% of the pooled effect or 0.1 sd"
              " of the outcome), so an honest 'uncertain' is the expected answer for many same-effect pairs; 'uncertain'"
              " is also the answer when an environment's effect is not identified by the graph, or when the estimates"
              " differ but CD-NOD finds no changed mechanism between T and Y.", "",
              "## Reading the figures", "",
              "- The changed set is what CD-NOD's context node is adjacent to; a false positive is a variable whose"
              " separating set from the context was not found (typically a missed or near-unfaithful edge elsewhere),"
              " a false negative a shift too small for the per-environment tests at this n.",
              "- causal-learn's own cdnod reads the context's codes as numbers (Fisher-z): a shift that is not monotone"
              " in the code order, a coefficient or a noise shift is invisible to it, hence its recall.",
              "- Arrowheads: the ceiling is what the augmented class identifies at best; the gap to it is PC-style"
              " orientation error (a wrong collider propagates through Meek's rules). Phase 3 of CD-NOD (orienting"
              " between two changing variables by the independence of their changes) is not implemented.",
              "- ENV-EFFECT errors come from a wrongly oriented graph: the adjustment set is then wrong, and its bias"
              " differs between environments whose variances differ.", ""]
    return "\n".join(lines)


def write_report(rep: dict[str, Any], json_path: str | Path | None, md_path: str | Path | None) -> None:
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(rep, indent=1) + "\n", encoding="utf-8")
    if md_path:
        Path(md_path).parent.mkdir(parents=True, exist_ok=True)
        Path(md_path).write_text(to_markdown(rep), encoding="utf-8")


def family_command(*, n: int = 60, seed: int = 0, rows: int | None = None, report: str | None = None,
                   markdown: str | None = None, refute_simulations: int = 5, model: str | None = "offline",
                   progress: bool = True, console: Any = None) -> dict[str, Any]:
    """``causal-agent eval --suite multi-environment``: run the family, print its summary, write the
    reports (``--n`` questions, two per dataset)."""
    from rich.console import Console

    from causal_agent.errors import DataError

    if (model or "offline") != "offline":
        raise DataError("the multi-environment family runs the offline model only; drop --model")
    if n < 2:
        raise DataError(f"--n {n}: the multi-environment family needs at least 2 questions (one dataset)")
    console = console or Console()
    with console.status("multi-environment family…") as status:
        def tick(done: int, total: int) -> None:
            if progress:
                status.update(f"multi-environment family: dataset {done}/{total}")

        rep = run_family(n=n, seed=seed, n_rows=rows or 1500, refute_simulations=refute_simulations,
                         progress=tick)
    console.print(to_markdown(rep))
    write_report(rep, report, markdown)
    for path in (report, markdown):
        if path:
            console.print(f"report: {path}")
    return rep


__all__ = ["FAMILY", "family_command", "TEMPLATES", "EnvironmentSCM", "Shift", "draw_environment_scm", "generate_family",
           "identified_arrows", "run_family", "score_change", "score_effect", "to_markdown", "write_report"]
