"""The confidence tool: bootstrap support for an edge and its orientation, the sample size and
the Fisher-z power, on a strong and a weak edge of a hand-built linear SCM."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from causal_agent.context import Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.plugins import collect_registry, make_plugin_manager
from causal_agent_plugins.confidence.analysis import detectable_r, edge_confidence, fisher_power


def data(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """sun -> wet <- rain (a strong collider that orients both edges), wet -> slip strongly, rain -> mood
    weakly."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    c = a + b + rng.normal(size=n)
    d = 1.2 * c + rng.normal(size=n)
    e = 0.09 * b + rng.normal(size=n)
    return pd.DataFrame({"sun": a, "rain": b, "wet": c, "slip": d, "mood": e})


@pytest.fixture(scope="module")
def ctx():
    registry = collect_registry(make_plugin_manager())
    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=20))
    ctx.datasets.add(load_dataset(data(), name="conf"))
    return ctx


def test_fisher_power_is_the_normal_approximation():
    # r = 0.1 at n = 1000, no conditioning, alpha 0.05: z = atanh(0.1) * sqrt(997) = 3.17
    assert fisher_power(0.1, 1000, 0, 0.05) == pytest.approx(0.886, abs=0.005)
    assert fisher_power(0.0, 1000, 0, 0.05) == pytest.approx(0.05, abs=1e-9)  # the level
    r = detectable_r(1000, 0, 0.05)
    assert fisher_power(r, 1000, 0, 0.05) == pytest.approx(0.8, abs=1e-3)
    assert math.isnan(fisher_power(0.3, 3, 1, 0.05))


def test_a_strong_edge_has_high_support_and_power(ctx):
    r = edge_confidence(ctx, "sun", "wet")
    assert r.edge == "sun --> wet" and r.resamples == 20 and r.rows_per_resample == 300 and r.n == 600
    assert r.adjacent == 1.0 and r.x_to_y >= 0.9 and r.stable is True
    assert r.power.estimated and r.power.power > 0.99 and r.power.resample_power > 0.99
    assert r.summary.startswith("Support 1.00 for the edge between sun and wet")
    assert any(row[0] == "sun --> wet" for row in r.rows) and r.columns == ["measure", "value", "detail"]
    # the stored bootstrap is reused: a second question resamples nothing
    calls = []
    original = ctx.memory.put
    ctx.memory.put = lambda rec: calls.append(rec) or original(rec)
    try:
        again = edge_confidence(ctx, "wet", "sun")
    finally:
        ctx.memory.put = original
    assert not calls and again.y_to_x == r.x_to_y  # read from wet now


def test_a_weak_edge_is_unstable_and_says_why(ctx):
    r = edge_confidence(ctx, "rain", "mood")
    # 0.09 * sd(b) against unit noise: r ~ 0.09, which 600 rows detect about half the time
    assert r.power.estimated and r.power.r is not None and abs(r.power.r) < 0.2
    assert r.power.power < 0.9 and r.power.resample_power < r.power.power
    assert r.power.detectable_r > abs(r.power.r) or r.adjacent < 0.75
    assert r.adjacent < 0.9 and r.stable is not True
    assert "Fisher-z power" in r.summary and "detected with 80% power" in r.summary


def test_the_planner_routes_confidence_questions(ctx):
    from causal_agent.planner.plan import Planner

    planner = Planner.from_registry(collect_registry(make_plugin_manager()))
    cols = {"conf": ["sun", "rain", "wet", "slip", "mood"]}
    p = planner.plan("How much do you trust the arrow from sun into wet?", cols)
    assert p.tool == "confidence" and (p.args["x"], p.args["y"]) == ("sun", "wet")


def test_the_agent_answers_with_the_support_table(ctx):
    from causal_agent import CausalAgent

    agent = CausalAgent(model="offline", settings=Settings(discovery_resamples=20), log=False)
    agent.load(data(), name="conf")
    ans = agent.ask("How confident are you that sun causes wet?")
    assert ans.tables and ans.tables[0].title == "Confidence in the edge between sun and wet"
    assert "Support" in ans.explanation and "power" in ans.explanation
