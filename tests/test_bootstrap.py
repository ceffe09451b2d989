"""Bootstrap stability of discovery (``causal_agent.bootstrap``): shares, reproducibility, storage
in memory (paid once), the cost rule, the resample loop's mapper, and GraphChoice.support."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import counting

from causal_agent.bootstrap import (
    MIN_RESAMPLES,
    EdgeSupport,
    Support,
    agreement,
    plan_resamples,
    run_resamples,
    summarize,
    support_for,
)
from causal_agent.context import AgentContext, Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.discover import discover
from causal_agent.graph import CausalGraph
from causal_agent.graph_choice import choose_graph
from causal_agent.memory import GraphRecord
from causal_agent.plugins import collect_registry, make_plugin_manager
from causal_agent.registry import Registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return collect_registry(make_plugin_manager())


def collider(n: int = 400, seed: int = 0, weak: float = 0.8) -> pd.DataFrame:
    """smoking -> cancer <- asbestos, plus a weak asbestos -> cough edge."""
    rng = np.random.default_rng(seed)
    smoking, asbestos = rng.normal(size=n), rng.normal(size=n)
    cancer = 0.8 * smoking + 0.8 * asbestos + rng.normal(size=n)
    cough = weak * asbestos + rng.normal(size=n)
    return pd.DataFrame({"smoking": smoking, "asbestos": asbestos, "cancer": cancer, "cough": cough})


def make_ctx(registry: Registry, frame: pd.DataFrame, resamples: int = 8, name: str = "lung",
             **settings) -> AgentContext:
    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=resamples, **settings))
    ctx.datasets.add(load_dataset(frame, name=name))
    return ctx


def graph(*edges: str, nodes=("a", "b", "c")) -> CausalGraph:
    out = []
    for text in edges:
        s, t, d = text.split()
        out.append({"source": s, "target": d, "type": t})
    return CausalGraph(nodes=list(nodes), edges=out)


def test_summarize_counts_adjacency_and_each_orientation():
    original = graph("a --> b")
    resampled = [graph("a --> b"), graph("a --> b", "b --- c"), graph("b --> a"), graph("a --- b"),
                 graph()]
    s = summarize(resampled, original, seed=3)
    ab = s.edge("a", "b")
    assert s.resamples == 5 and s.seed == 3 and len(s.graphs) == 5
    assert (ab.adjacent, ab.a_to_b, ab.b_to_a, ab.undirected) == (0.8, 0.4, 0.2, 0.2)
    assert s.edge("b", "a") == EdgeSupport(a="b", b="a", adjacent=0.8, a_to_b=0.2, b_to_a=0.4,
                                           undirected=0.2)
    assert s.edge("b", "c").adjacent == 0.2 and s.edge("a", "c") is None
    assert s.describe("a", "b") == "a --> b in 2 of 5 resamples (adjacent in 4)"
    assert s.describe("a", "c") == "a and c adjacent in 0 of 5 resamples"
    assert [w for w, _ in s.weak_edges(original, 0.75)] == ["a --> b: a --> b in 2 of 5 resamples (adjacent in 4)"]
    # the resampled graphs themselves: a query can be re-asked on each
    assert s.graph(2).edges[0].source == "b"
    assert agreement(s, lambda g: "yes" if g.adjacent("a", "b") else "no", "yes") == (4, 5)

    def fails_on_empty(g: CausalGraph) -> str:
        if not g.edges:
            raise ValueError("nothing to ask")
        return "yes"

    assert agreement(s, fails_on_empty, "yes") == (4, 4)


def test_support_round_trips_renames_and_restricts():
    s = summarize([graph("a --> b", "b --- c")] * 2, graph("a --> b"), seed=0)
    assert Support.model_validate_json(s.model_dump_json()) == s
    renamed = s.renamed({"a": "x", "b": "y", "c": "z"})
    assert renamed.edge("x", "y").a_to_b == 1.0 and renamed.graph(0).nodes == ["x", "y", "z"]
    sub = s.restricted(["b", "c"])
    assert [(e.a, e.b) for e in sub.edges] == [("b", "c")] and sub.graph(1).nodes == ["b", "c"]


def test_discovery_bootstrap_is_stored_reproducible_and_paid_once(registry):
    ctx = make_ctx(registry, collider())
    calls = counting(ctx, "pc")
    first = discover(ctx, algorithm="pc")
    assert calls == [1 + 8] and first.support.resamples == 8 and first.support.requested == 8
    stored = ctx.memory.get(first.key).provenance.support
    assert stored == first.support
    again = discover(ctx, algorithm="pc")
    assert again.reused and calls == [9] and again.support == first.support
    # the same seed gives the same figures in a fresh memory; the pair shares are in [0, 1]
    other = make_ctx(registry, collider())
    assert discover(other, algorithm="pc").support == first.support
    sc = first.support.edge("smoking", "cancer")
    assert sc.adjacent == 1.0 and sc.a_to_b + sc.b_to_a + sc.undirected == pytest.approx(1.0)
    assert "Bootstrap: 8 resamples (seed 0)" in first.summary


def test_low_support_edges_are_named_with_their_figures(registry):
    ctx = make_ctx(registry, collider(n=150, weak=0.18, seed=4), resamples=10)
    result = discover(ctx, algorithm="pc")
    weak = result.support.weak_edges(result.graph, ctx.settings.support_threshold)
    if weak:  # data-dependent: when an edge is weak, the summary says which, with its count
        assert "below 75% support" in result.summary and "of 10 resamples" in result.summary
    else:
        assert "every edge came back" in result.summary


def test_resamples_off_and_explicit_request(registry):
    ctx = make_ctx(registry, collider(), resamples=0)
    calls = counting(ctx, "pc")
    off = discover(ctx, algorithm="pc")
    assert off.support is None and calls == [1]
    asked = discover(ctx, algorithm="pc", resamples=6)  # reused graph, support added once
    assert asked.reused and asked.support.resamples == 6 and calls == [7]
    assert discover(ctx, algorithm="pc", resamples=6).support.resamples == 6 and calls == [7]
    assert discover(ctx, algorithm="pc", resamples=4).support.resamples == 6  # more is kept
    with pytest.raises(Exception, match="resamples must be 0"):
        discover(ctx, algorithm="pc", resamples=-1)


def test_graph_choice_exposes_support_and_computes_it_once(registry):
    ctx = make_ctx(registry, collider(), resamples=0)
    key = discover(ctx, algorithm="pc").key
    assert choose_graph(ctx, key).support is None
    ctx.settings = Settings(discovery_resamples=5)
    calls = counting(ctx, "pc")
    chosen = choose_graph(ctx, key, names=["smoking", "cancer"])
    assert chosen.support.resamples == 5 and calls == [5]
    assert ctx.memory.get(key).provenance.support == chosen.support
    assert choose_graph(ctx, key).support == chosen.support and calls == [5]
    # without a key: the discovered full graph, its support with it
    fresh = make_ctx(registry, collider(), resamples=5)
    found = choose_graph(fresh)
    assert found.support is not None and found.support.resamples == 5


def test_induced_partial_graph_takes_the_full_graphs_support(registry):
    ctx = make_ctx(registry, collider(), resamples=5)
    part = discover(ctx, variables=["smoking", "cancer"], algorithm="pc")
    full = ctx.memory.get("lung:pc").provenance.support
    assert part.support == full.restricted(["smoking", "cancer"])
    assert {(e.a, e.b) for e in part.support.edges} <= {("smoking", "cancer"), ("cancer", "smoking")}


def test_support_needs_the_data_it_was_learned_from(registry):
    ctx = make_ctx(registry, collider(), resamples=0)
    key = discover(ctx, algorithm="pc").key
    other = make_ctx(registry, collider(seed=9), resamples=5)  # other rows under the same name
    record = ctx.memory.get(key)
    other.memory.put(record)
    notes: list[str] = []
    assert support_for(other, key, notes=notes) is None
    assert "are not loaded as they were" in notes[0]


def test_cost_rule_cuts_or_skips_with_a_note_unless_forced():
    assert plan_resamples(0.01, 30, 2) == (30, 1, None)  # cheap: serial, no pool
    count, workers, note = plan_resamples(1.0, 30, 2)  # 30 s serial: a pool of 2, within 60 s
    assert (count, workers, note) == (30, 2, None)
    count, workers, note = plan_resamples(5.0, 30, 2)  # ~80 s: cut to what fits
    assert MIN_RESAMPLES <= count < 30 and "cut to" in note and "--budget 80" in note
    count, _, note = plan_resamples(20.0, 30, 2)
    assert count == 0 and note.startswith("Bootstrap skipped") and "explicitly" in note
    # an explicit request is never cut: it runs in full within the budget...
    assert plan_resamples(1.0, 30, 2, force=True) == (30, 2, None)
    assert plan_resamples(20.0, 30, 2, force=True, budget_s=float("inf"))[0] == 30
    # ...and over the user's budget it is not run at all, with how many would fit
    count, _, note = plan_resamples(5.0, 30, 2, force=True)
    assert count == 0 and note.startswith("Bootstrap of 30 resamples not run") and "at most" in note
    count, _, note = plan_resamples(2.0, 100_000, 2, force=True)
    assert count == 0 and "--budget 100005" in note and "over the 60 s budget" in note


def test_skipped_bootstrap_is_stored_and_noted(registry):
    import causal_agent.bootstrap as bs

    ctx = make_ctx(registry, collider(), resamples=0)
    key = discover(ctx, algorithm="pc").key
    ctx.settings = Settings(discovery_resamples=30)
    notes: list[str] = []
    record = ctx.memory.get(key)
    task = bs._task_for(ctx, record, notes)
    skipped = bs.bootstrap(task, record.graph, 30, one_run_s=1.0, budget_s=1e-6)
    assert skipped.resamples == 0 and "Bootstrap skipped" in skipped.notes[0]
    ctx.memory.put(GraphRecord(key=key, graph=record.graph,
                               provenance=record.provenance.model_copy(update={"support": skipped})))
    calls = counting(ctx, "pc")
    assert support_for(ctx, key, notes=notes) is None and calls == [0]
    assert any("Bootstrap skipped" in n for n in notes)


def test_resample_loop_takes_any_map(registry):
    import causal_agent.bootstrap as bs

    ctx = make_ctx(registry, collider(), resamples=0)
    key = discover(ctx, algorithm="pc").key
    task = bs._task_for(ctx, ctx.memory.get(key), [])
    seen: list[int] = []

    def my_map(fn, jobs):
        for job in jobs:
            seen.append(job[1])
            yield fn(job)

    a, errors_a = run_resamples(task, range(4), my_map)
    b, _ = run_resamples(task, range(4))
    assert seen == [0, 1, 2, 3] and a == b and not errors_a
    # resample i is the same whatever ran before it
    assert run_resamples(task, [3])[0] == [a[3]]


def test_a_pool_that_cannot_start_falls_back_to_this_process(registry, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool
    from contextlib import contextmanager

    import causal_agent.bootstrap as bs
    import causal_agent.executors as executors

    ctx = make_ctx(registry, collider(), resamples=0)
    key = discover(ctx, algorithm="pc").key
    task = bs._task_for(ctx, ctx.memory.get(key), [])

    @contextmanager
    def broken(n_workers):
        def fail(fn, jobs):
            raise BrokenProcessPool("a child process terminated abruptly")
            yield  # pragma: no cover

        yield fail

    monkeypatch.setattr(executors, "local_mapper", broken)
    support = bs.bootstrap(task, ctx.memory.get(key).graph, 6, one_run_s=0.01)
    assert support.resamples == 6 and not support.failed
    assert any("ran in this process" in n and "BrokenProcessPool" in n for n in support.notes)
    assert [g.to_json() for g in run_resamples(task, range(6))[0]] == support.graphs


# ---- cancellation (causal_agent.cancel) -----------------------------------------------------------
def test_a_cancel_stops_the_resample_loop_before_the_next_resample(registry):
    import causal_agent.bootstrap as bs
    from causal_agent.cancel import Cancelled, cancellable

    ctx = make_ctx(registry, collider(), resamples=0)
    key = discover(ctx, algorithm="pc").key
    task = bs._task_for(ctx, ctx.memory.get(key), [])
    for stop_after in (1, 3):
        started: list[int] = []
        with cancellable() as token:

            def lazy_map(fn, jobs):
                for job in jobs:
                    started.append(job[1])
                    out = fn(job)
                    if len(started) == stop_after:
                        token.cancel()
                    yield out

            with pytest.raises(Cancelled):
                run_resamples(task, range(20), lazy_map)
        assert started == list(range(stop_after))  # nothing submitted after the cancel


def test_the_pool_map_keeps_only_a_few_resamples_submitted():
    from concurrent.futures import ThreadPoolExecutor

    from causal_agent.executors import _pool_map

    taken: list[int] = []
    ahead: list[int] = []

    def items():
        for i in range(12):
            taken.append(i)
            yield i

    with ThreadPoolExecutor(2) as pool:
        out = []
        for value in _pool_map(pool, lambda x: x * x, items(), in_flight=3):
            ahead.append(len(taken) - len(out))
            out.append(value)
    assert out == [i * i for i in range(12)]  # in order, like map
    assert max(ahead) <= 3


def test_a_cancel_kills_the_worker_pool_and_stores_no_support(registry):
    import multiprocessing
    import threading
    import time

    import causal_agent.bootstrap as bs
    from causal_agent.cancel import Cancelled, cancellable, pid_alive

    if bs.workers() < 2:
        pytest.skip("one core: the bootstrap runs in this process, without a pool")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(3000, 12)), columns=[f"x{i}" for i in range(12)])
    frame["y"] = frame.sum(axis=1) + rng.normal(size=3000)
    ctx = make_ctx(registry, frame, resamples=0)
    key = discover(ctx, algorithm="pc").key
    ctx.settings = ctx.settings.model_copy(update={"discovery_budget_s": 0})  # no budget: minutes of work
    before = {p.pid for p in multiprocessing.active_children()}
    seen: set[int] = set()

    def cancel_once_the_workers_run(token) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen.update(p.pid for p in multiprocessing.active_children() if p.pid not in before)
            if len(seen) >= 2:
                time.sleep(1.0)  # they are computing now
                break
            time.sleep(0.05)
        token.cancel()

    with cancellable() as token:
        watcher = threading.Thread(target=cancel_once_the_workers_run, args=(token,), daemon=True)
        watcher.start()
        with pytest.raises(Cancelled):
            # force: never cut; many resamples so the pool has work for minutes
            bs.support_for(ctx, key, 2000, force=True)
        cancelled_at = time.monotonic()
        watcher.join(5)
    assert len(seen) >= 2
    deadline = cancelled_at + 30
    while any(pid_alive(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pid_alive(pid) for pid in seen)  # the workers are gone, not computing on
    assert ctx.memory.get(key).provenance.support is None  # nothing half-done was stored


def test_a_pool_broken_by_a_cancel_does_not_rerun_the_resamples_here(registry, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool
    from contextlib import contextmanager

    import causal_agent.bootstrap as bs
    import causal_agent.executors as executors
    from causal_agent.cancel import Cancelled, cancellable, current

    ctx = make_ctx(registry, collider(), resamples=0)
    key = discover(ctx, algorithm="pc").key
    task = bs._task_for(ctx, ctx.memory.get(key), [])
    ran: list[int] = []
    real = bs.one_resample
    monkeypatch.setattr(bs, "one_resample", lambda job: ran.append(job[1]) or real(job))

    @contextmanager
    def killed_by_a_cancel(n_workers):
        def fail(fn, jobs):
            current().cancel()  # what the cancel callback's kill does to a pool
            raise BrokenProcessPool("a child process terminated abruptly")
            yield  # pragma: no cover

        yield fail

    monkeypatch.setattr(executors, "local_mapper", killed_by_a_cancel)
    for wanted in (6, 12):
        ran.clear()
        with cancellable(), pytest.raises(Cancelled):
            bs.bootstrap(task, ctx.memory.get(key).graph, wanted, one_run_s=0.01)
        assert ran == []
