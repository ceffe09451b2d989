"""Bootstrap stability of a learned graph: how often each edge and orientation comes back.

A graph learned once says nothing about how much of it the data support. ``support_for`` resamples
the rows ``Settings.discovery_resamples`` times (half the rows each time, drawn without replacement,
see ``subsample_size``; seeded by ``Settings.seed``, so a rerun gives the same figures), reruns the same algorithm with the same CI test, alpha, background
knowledge and parameters on each resample, and keeps in the graph's provenance (``Provenance.
support``, stored in memory, so it is paid once):

- per pair adjacent in the graph or in any resample, the share of resamples where it is adjacent,
  oriented a --> b, b --> a, or adjacent any other way (undirected, bidirected, circle marks);
- every resampled graph (``CausalGraph.to_json()``), so a question can be re-asked on each one
  (``agreement``: "smoking --> lung_cancer in 47 of 50 resamples").

This module is the only implementation of bootstrap resampling of discovery. The resample loop
(``run_resamples``) takes a ``map``-like callable, which comes from an executor
(``causal_agent.executors``, chosen by ``Settings.executor``: ``local`` or ``ray``): the builtin
``map`` when the whole bootstrap is cheap (serially at most ``POOL_MIN_S``), else the executor's
``mapper`` over its slots (a local process pool over the machine's cores, or Ray tasks over the
cluster's CPUs). Resample ``i`` depends only on (seed, i), so every executor gives the same support.

Cancellation (``causal_agent.cancel``): the loop checks the current cancel token before each
resample and after each result; the executor keeps only ``2 x workers`` resamples submitted (so a
cancel stops submitting) and a cancel kills its worker processes (Ray: force-cancels its tasks); a
pool broken by a cancel raises ``Cancelled`` rather than falling back to running serially;
in-process resamples are interruptible (``discover._run``). A cancelled bootstrap stores nothing.

Cost rule (``plan_resamples``). The estimate is one run's time (the stored discovery time) x
resamples / workers, plus the executor's start-up (``Executor.startup_s``: ``POOL_STARTUP_S`` for
the local pool, more for a Ray not yet started) when workers are used. Over ``BUDGET_S`` the count is cut
to what fits; if fewer than ``MIN_RESAMPLES`` fit the bootstrap is skipped. Either way a note says
so and how to get them all: ask for the resamples explicitly (the ``discover_graph`` tool's
``resamples`` argument, ``discover(..., resamples=N)``, "discover the graph with 50 bootstrap
resamples"), which is never cut below the count asked for, and raise ``--budget`` if that count
does not fit: an explicit request over the budget (``Settings.discovery_budget_s``; the user's
limit, which no phrase in a question or a model's tool call lifts) is not run, and the note
says how many would fit. A skip is stored too (``resamples == 0``), so it is decided once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from .executors import POOL_STARTUP_S, Executor, Mapper, local_workers
from .graph import CausalGraph

if TYPE_CHECKING:  # pragma: no cover

    from .context import AgentContext
    from .memory import GraphRecord

#: cores this process may use for the local pool (kept here under its old name)
workers = local_workers

#: seconds the bootstrap of one graph may take unless forced
BUDGET_S = 60.0
#: below this many resamples a bootstrap is not worth reporting: skipped instead
MIN_RESAMPLES = 10
#: estimated serial seconds under which the resamples run in this process (no pool start-up)
POOL_MIN_S = 10.0



class EdgeSupport(BaseModel):
    """How often the pair a, b came back in the resamples (shares in [0, 1])."""

    a: str
    b: str
    adjacent: float = Field(description="share of resamples where a and b are adjacent")
    a_to_b: float = Field(description="share where the edge is a --> b")
    b_to_a: float = Field(description="share where the edge is b --> a")
    undirected: float = Field(description="share where they are adjacent any other way (---, <->, o-o, o->)")

    def swapped(self) -> EdgeSupport:
        return EdgeSupport(a=self.b, b=self.a, adjacent=self.adjacent, a_to_b=self.b_to_a,
                           b_to_a=self.a_to_b, undirected=self.undirected)


class Support(BaseModel):
    """The bootstrap of one graph: per-pair shares and the resampled graphs themselves."""

    resamples: int = Field(description="resamples that ran (0: the bootstrap was skipped, see notes)")
    seed: int
    edges: list[EdgeSupport] = Field(default_factory=list)
    graphs: list[dict[str, Any]] = Field(default_factory=list, description="CausalGraph.to_json() of each resample")
    requested: int | None = Field(None, description="resamples asked for")
    failed: int = Field(0, description="resamples on which the algorithm failed (left out)")
    notes: list[str] = Field(default_factory=list)

    def graph(self, i: int) -> CausalGraph:
        """The graph learned on resample ``i``."""
        return CausalGraph.from_json(self.graphs[i])

    def edge(self, a: str, b: str) -> EdgeSupport | None:
        """The support of pair (a, b), read from a to b; None if never adjacent (or unknown)."""
        for e in self.edges:
            if (e.a, e.b) == (a, b):
                return e
            if (e.a, e.b) == (b, a):
                return e.swapped()
        return None

    def count(self, share: float) -> int:
        return int(round(share * self.resamples))

    def describe(self, a: str, b: str) -> str:
        """The pair's most frequent state, e.g. "smoking --> lung_cancer in 47 of 50 resamples"."""
        n = self.resamples
        e = self.edge(a, b)
        if e is None or e.adjacent == 0:
            return f"{a} and {b} adjacent in 0 of {n} resamples"
        states = [(e.a_to_b, f"{a} --> {b}"), (e.b_to_a, f"{b} --> {a}"),
                  (e.undirected, f"{a} --- {b} (not oriented)")]
        share, text = max(states, key=lambda s: s[0])
        out = f"{text} in {self.count(share)} of {n} resamples"
        if e.adjacent < 1:
            out += f" (adjacent in {self.count(e.adjacent)})"
        return out

    def share_of(self, a: str, b: str, edge_type: str | None) -> float:
        """The share of resamples agreeing with ``a <edge_type> b`` (None: not adjacent)."""
        e = self.edge(a, b)
        if edge_type is None:
            return 1.0 - (e.adjacent if e else 0.0)
        if e is None:
            return 0.0
        return {"-->": e.a_to_b, "<--": e.b_to_a}.get(edge_type, e.undirected)

    def weak_edges(self, graph: CausalGraph, threshold: float) -> list[tuple[str, float]]:
        """Edges of ``graph`` whose adjacency or orientation came back in fewer than
        ``threshold`` of the resamples, each with its description and agreeing share."""
        out: list[tuple[str, float]] = []
        for ed in graph.edges:
            adj = self.share_of(ed.source, ed.target, ed.type)
            e = self.edge(ed.source, ed.target)
            low = min(adj, e.adjacent if e else 0.0)
            if low < threshold:
                out.append((f"{ed.source} {ed.type} {ed.target}: "
                            f"{self.describe(ed.source, ed.target)}", low))
        return out

    def renamed(self, mapping: Mapping[str, str]) -> Support:
        """The same support with nodes renamed (graph reuse across renamed columns)."""
        def g(d: dict[str, Any]) -> dict[str, Any]:
            return {"nodes": [mapping.get(v, v) for v in d["nodes"]], "kind": d.get("kind", "cpdag"),
                    "edges": [{**e, "source": mapping.get(e["source"], e["source"]),
                               "target": mapping.get(e["target"], e["target"])} for e in d["edges"]]}

        return self.model_copy(update={
            "edges": [e.model_copy(update={"a": mapping.get(e.a, e.a), "b": mapping.get(e.b, e.b)})
                      for e in self.edges],
            "graphs": [g(d) for d in self.graphs],
        })

    def restricted(self, nodes: Sequence[str]) -> Support:
        """The support of the induced subgraph over ``nodes``."""
        keep = set(nodes)
        return self.model_copy(update={
            "edges": [e for e in self.edges if e.a in keep and e.b in keep],
            "graphs": [CausalGraph.from_json(d).subgraph(nodes).to_json() for d in self.graphs],
        })


def summarize(graphs: Sequence[CausalGraph], original: CausalGraph, seed: int, *,
              requested: int | None = None, failed: int = 0,
              notes: Sequence[str] = ()) -> Support:
    """Per-pair shares over ``graphs``; pairs read in ``original``'s edge direction (else in node
    order), covering every pair adjacent in the original or in any resample."""
    order = {v: i for i, v in enumerate(original.nodes)}
    pairs: dict[frozenset[str], tuple[str, str]] = {}
    for e in original.edges:
        pairs[frozenset((e.source, e.target))] = (e.source, e.target)
    counts: dict[frozenset[str], list[int]] = {}
    for g in graphs:
        for e in g.edges:
            key = frozenset((e.source, e.target))
            if key not in pairs:
                pairs[key] = tuple(sorted((e.source, e.target), key=lambda v: order.get(v, 0)))  # type: ignore[assignment]
            a, _ = pairs[key]
            c = counts.setdefault(key, [0, 0, 0, 0])
            c[0] += 1
            if e.type == "-->":
                c[1 if e.source == a else 2] += 1
            else:
                c[3] += 1
    n = max(len(graphs), 1)
    edges = []
    for key, (a, b) in pairs.items():
        c = counts.get(key, [0, 0, 0, 0])
        edges.append(EdgeSupport(a=a, b=b, adjacent=c[0] / n, a_to_b=c[1] / n, b_to_a=c[2] / n,
                                 undirected=c[3] / n))
    edges.sort(key=lambda e: (order.get(e.a, 0), order.get(e.b, 0)))
    return Support(resamples=len(graphs), seed=seed, edges=edges, graphs=[g.to_json() for g in graphs],
                   requested=requested, failed=failed, notes=list(notes))


def agreement(support: Support, query: Callable[[CausalGraph], str], answer: str) -> tuple[int, int]:
    """(resamples whose ``query`` answer equals ``answer``, resamples it could be asked on).

    A resample on which the query raises (e.g. a node it needs is missing) is not counted."""
    agree = asked = 0
    for i in range(len(support.graphs)):
        try:
            got = query(support.graph(i))
        except Exception:  # noqa: BLE001 - a query that cannot be asked on this resample
            continue
        asked += 1
        agree += got == answer
    return agree, asked


# ---- the resample loop ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ResampleTask:
    """Everything one resample needs, picklable for a process pool: the registered algorithm, the
    data as the original run used it, and the keyword arguments of that run."""

    algorithm: Any  # registry.Algorithm
    data: Any  # np.ndarray (n, p)
    names: tuple[str, ...]
    kwargs: Mapping[str, Any]
    rows: int  # rows the original run used (a resample draws half as many, see subsample_size)
    seed: int
    dataset: str = "data"


def one_resample(job: tuple[ResampleTask, int]) -> dict[str, Any] | str:
    """Run resample ``i`` of ``task``: its graph's JSON, or the one-line error text. Rows are
    drawn with ``default_rng([seed, i])`` and numpy's global generator (which randomised CI tests
    such as RCIT use) is seeded the same way, so a resample is the same on any executor."""
    import numpy as np

    from .discover import _run

    task, i = job
    rng = np.random.default_rng([task.seed, i])
    rows = rng.choice(task.data.shape[0], size=subsample_size(task.rows), replace=False)
    state = np.random.get_state()
    np.random.seed(int(rng.integers(0, 2**31 - 1)))
    try:
        graph, _ = _run(task.algorithm, task.data[rows], list(task.names), dataset=task.dataset,
                        **dict(task.kwargs))
    except Exception as exc:  # noqa: BLE001 - one failed resample is counted, not fatal
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    finally:
        np.random.set_state(state)
    return graph.to_json()


def subsample_size(n: int) -> int:
    """Rows per resample: half the rows, drawn without replacement.

    Not the with-replacement bootstrap: its duplicated rows look like independent draws to a CI
    test, so a zero partial correlation is rejected far more often than alpha (the resample's r
    scatters around the sample's r, not around 0) and PC gains spurious edges and flips
    orientations. A half-sample without replacement is a genuine sample of n/2 rows, so every test
    keeps its level (subsampling, as in stability selection, Meinshausen & Buehlmann 2010)."""
    return max(n // 2, min(n, 10))


def run_resamples(task: ResampleTask, indices: Iterable[int],
                  mapper: Mapper = map) -> tuple[list[CausalGraph], list[str]]:
    """The graphs of resamples ``indices`` (via ``mapper``: ``map``, a pool's or an executor's
    ``map``) and the errors of the failed ones. The one resample loop of the project."""
    from .cancel import check

    graphs: list[CausalGraph] = []
    errors: list[str] = []

    def jobs() -> Iterator[tuple[ResampleTask, int]]:
        for i in indices:  # lazy for a lazy mapper: no resample starts after a cancel
            check()
            yield task, i

    for out in mapper(one_resample, jobs()):
        check()
        if isinstance(out, str):
            errors.append(out)
        else:
            graphs.append(CausalGraph.from_json(out))
    return graphs, errors


def plan_resamples(one_run_s: float, wanted: int, n_workers: int, *, force: bool = False,
                   budget_s: float = BUDGET_S,
                   startup_s: float = POOL_STARTUP_S) -> tuple[int, int, str | None]:
    """(resamples to run, workers to use, note or None) under the cost rule (module docstring);
    ``startup_s``: the executor's start-up, paid when more than one worker is used."""
    one = max(one_run_s, 1e-4)
    use = 1 if one * wanted <= POOL_MIN_S else max(1, min(n_workers, wanted))

    def cost(k: int, w: int) -> float:
        return one * k / w + (startup_s if w > 1 else 0.0)

    if cost(wanted, use) <= budget_s:
        return wanted, use, None
    fit = int(max(budget_s - (startup_s if use > 1 else 0.0), 0) * use / one)
    est = f"one discovery run takes {one:.2f} s, so {wanted} resamples on {use} worker(s) would take ~{cost(wanted, use):.0f} s"
    raise_to = f"--budget {math.ceil(cost(wanted, use))}"
    if force:  # asked for explicitly: all of them or none, within the user's budget
        fits = f"at most {fit} fit" if fit >= MIN_RESAMPLES else "not even a few fit"
        return 0, use, (f"Bootstrap of {wanted} resamples not run: {est}, over the {budget_s:g} s budget "
                        f"({fits}); ask for fewer, or raise the budget ({raise_to}).")
    how = (f"ask for it explicitly (e.g. 'discover the graph with {wanted} bootstrap resamples') "
           f"and raise the budget ({raise_to}) to run them all")
    if fit >= MIN_RESAMPLES:
        return fit, use, (f"Bootstrap cut to {fit} of {wanted} resamples: {est}, over the {budget_s:g} s"
                          f" budget; {how}.")
    return 0, use, (f"Bootstrap skipped: {est}, over the {budget_s:g} s budget; {how}.")


def bootstrap(task: ResampleTask, original: CausalGraph, wanted: int, *, one_run_s: float | None,
              force: bool = False, mapper: Mapper | None = None,
              budget_s: float = BUDGET_S, executor: Executor | None = None) -> Support:
    """The support of ``original`` from ``wanted`` resamples of ``task`` under the cost rule, run
    on ``executor`` (default: the local one; ``executors.executor_for(ctx.settings)`` follows the
    user's choice). ``mapper`` given: it is used as is, and the rule assumes the executor's slots."""
    if executor is None:
        from .executors import LocalExecutor

        executor = LocalExecutor()
    notes: list[str] = []
    graphs: list[CausalGraph] = []
    errors: list[str] = []
    start = 0
    if one_run_s is None:  # unknown: time resample 0 here, then plan the rest
        t0 = time.perf_counter()
        graphs, errors = run_resamples(task, [0])
        one_run_s, start = time.perf_counter() - t0, 1
    # a cheap bootstrap runs here whatever the executor, so it never starts a pool or a Ray
    cheap = mapper is None and max(one_run_s, 1e-4) * wanted <= POOL_MIN_S
    count, n_workers, note = plan_resamples(one_run_s, wanted, 1 if cheap else executor.slots(),
                                            force=force, budget_s=budget_s,
                                            startup_s=executor.startup_s())
    if note:
        notes.append(note)
    if count == 0:
        return Support(resamples=0, seed=task.seed, requested=wanted, notes=notes)
    rest = range(start, count)
    if mapper is not None:
        more, bad = run_resamples(task, rest, mapper)
    else:
        try:
            with executor.mapper(n_workers if len(rest) > 1 else 1) as m:
                more, bad = run_resamples(task, rest, m)
        except (OSError, RuntimeError, BrokenProcessPool) as exc:
            from .cancel import check

            check()  # a pool broken by a cancel is no reason to start again serially
            # no pool here (a main module spawn cannot re-import, e.g. a script on stdin; no
            # semaphores; a Ray task that crashed): the same resamples, serially, with a note
            # rather than no answer (an executor that cannot be reached is an ExecutorError)
            why = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            notes.append(f"The bootstrap ran in this process: a worker pool could not run"
                         f" ({type(exc).__name__}{': ' + why if why else ''}).")
            more, bad = run_resamples(task, rest)
    graphs, errors = graphs + more, errors + bad
    if errors:
        notes.append(f"The algorithm failed on {len(errors)} of {count} resamples (left out):"
                     f" {errors[0]}")
    return summarize(graphs, original, task.seed, requested=wanted, failed=len(errors), notes=notes)


# ---- support of a stored graph --------------------------------------------------------------------
_RUN_KEYS = frozenset({"alpha", "ci_test", "requested_ci_test", "requested_algorithm", "n_rows",
                       "background", "notes", "partial", "full_graph", "algorithm_params",
                       "conflicts", "resamples"})


def _task_for(ctx: AgentContext, record: GraphRecord, notes: list[str]) -> ResampleTask | None:
    """The resample task that reruns ``record``'s discovery, or None (with a note) when the data
    it was learned from are not loaded or have changed."""
    from .discover import Background
    from .independence import ci_test_table, discovery_ci_test

    prov = record.provenance
    ds = next((d for d in ctx.datasets if d.name == prov.dataset), None)
    if ds is None or ds.fingerprint != prov.fingerprint:
        notes.append(f"No bootstrap for graph {record.key!r}: the data it was learned from"
                     f" ({prov.dataset}) are not loaded as they were.")
        return None
    algo = ctx.algorithms.get(prov.algorithm)
    if algo is None:
        notes.append(f"No bootstrap for graph {record.key!r}: algorithm {prov.algorithm!r} is not"
                     " loaded.")
        return None
    params = prov.params
    kwargs: dict[str, Any] = dict(params.get("algorithm_params")
                                  or {k: v for k, v in params.items() if k not in _RUN_KEYS})
    if algo.uses_ci_test:
        tests = ci_test_table(ctx.ci_tests)
        if prov.ci_test not in tests:
            notes.append(f"No bootstrap for graph {record.key!r}: CI test {prov.ci_test!r} is not"
                         " loaded.")
            return None
        kwargs["alpha"] = prov.alpha
        kwargs["ci_test"] = discovery_ci_test(tests[prov.ci_test], seed=ctx.settings.seed)
    if params.get("background"):
        kwargs["background"] = Background.model_validate(params["background"])
    data = ds.matrix(list(prov.variables))
    rows = int(params.get("n_rows") or data.shape[0])
    return ResampleTask(algorithm=algo, data=data, names=tuple(prov.variables), kwargs=kwargs,
                        rows=min(rows, data.shape[0]), seed=ctx.settings.seed, dataset=ds.name)


def support_for(ctx: AgentContext, record: GraphRecord | str, resamples: int | None = None, *,
                force: bool = False, notes: list[str] | None = None,
                mapper: Mapper | None = None) -> Support | None:
    """The bootstrap support of a stored graph (a ``GraphRecord`` or its memory key).

    ``resamples`` defaults to ``ctx.settings.discovery_resamples``; 0 means off (None returned).
    Stored support asked for with at least as many resamples is returned as is (nothing runs);
    otherwise it is computed under the cost rule (``force``: never cut) and stored in the
    record's provenance. An induced partial graph takes its full graph's support, restricted.
    Notes (cut, skipped, not possible) are appended to ``notes``. None when there is no support.
    """
    from .memory import GraphRecord as Record

    notes = notes if notes is not None else []
    wanted = ctx.settings.discovery_resamples if resamples is None else int(resamples)
    if wanted <= 0:
        return None
    rec = ctx.memory.get(record) if isinstance(record, str) else record
    stored = rec.provenance.support
    if stored is not None and (stored.requested or stored.resamples) >= wanted and not (
            force and stored.resamples < wanted):
        notes.extend(n for n in stored.notes if n not in notes)
        return stored if stored.resamples else None
    full_key = rec.provenance.params.get("full_graph")
    if full_key and full_key in ctx.memory:
        full = support_for(ctx, full_key, wanted, force=force, notes=notes, mapper=mapper)
        support = full.restricted(rec.graph.nodes) if full is not None else None
    else:
        task = _task_for(ctx, rec, notes)
        if task is None:
            return None
        budget = ctx.settings.discovery_budget_s  # the same budget as discovery's (0: none)
        from .executors import executor_for

        support = bootstrap(task, rec.graph, wanted, one_run_s=rec.provenance.elapsed_s,
                            force=force, mapper=mapper, budget_s=budget or float("inf"),
                            executor=executor_for(ctx.settings))
        notes.extend(n for n in support.notes if n not in notes)
    if support is None:
        return None
    prov = rec.provenance.model_copy(update={"support": support})
    ctx.memory.put(Record(key=rec.key, graph=rec.graph, provenance=prov))
    return support if support.resamples else None


__all__ = [
    "BUDGET_S", "MIN_RESAMPLES", "POOL_MIN_S", "EdgeSupport", "ResampleTask", "Support",
    "agreement", "bootstrap", "one_resample", "plan_resamples", "run_resamples",
    "summarize", "support_for", "workers",
]
