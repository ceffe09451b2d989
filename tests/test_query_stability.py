"""Edge answers checked against the bootstrap: a yes/no the resamples do not back becomes uncertain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causal_agent.context import Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.plugins import collect_registry, make_plugin_manager
from causal_agent_plugins.graph_queries import ask


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())


def weak_edge_frame(n: int = 400, seed: int = 0, coef: float = 0.2) -> pd.DataFrame:
    """a --> c <-- b strongly; c --> d so weakly (coef 0.2) that PC finds it on all the rows but
    on only some of the half-samples."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    c = a + b + rng.normal(size=n)
    d = coef * c + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d})


def context(registry, **settings):
    ctx = context_from_registry(registry, settings=Settings(**settings))
    ctx.datasets.add(load_dataset(weak_edge_frame(), name="weak"))
    return ctx


def test_a_weakly_supported_answer_is_uncertain_with_the_figure(registry):
    ctx = context(registry, discovery_resamples=30, support_threshold=0.75)
    weak = ask(ctx, "direct_cause", "c", "d")
    assert weak.answer == "uncertain"
    assert weak.support_share is not None and weak.support_share < 0.75
    assert weak.reason.startswith("the graph says yes") and "c --> d" in weak.reason
    assert "bootstrap resamples of the rows agree" in weak.reason and "of 30" in weak.reason
    assert "resampled rows" in weak.finding  # not blamed on the equivalence class
    strong = ask(ctx, "shared_collider", "a", "b")
    assert strong.answer == "yes" and strong.support_share is not None and strong.support_share >= 0.75
    assert f"of {30} bootstrap resamples" in strong.reason  # the figure is shown when it holds too


def test_the_same_graph_without_a_bootstrap_answers_from_the_graph_alone(registry):
    ctx = context(registry, discovery_resamples=0)
    plain = ask(ctx, "direct_cause", "c", "d")
    assert plain.answer == "yes"  # one run of PC on all the rows decides, for better or worse
    assert plain.support is None and plain.support_share is None
    assert "bootstrap" not in plain.reason


def test_the_threshold_decides(registry):
    share = ask(context(registry, discovery_resamples=30), "direct_cause", "c", "d").support_share
    assert share is not None and 0.51 < share < 0.75  # the weak edge comes and goes (seeded)
    kept = ask(context(registry, discovery_resamples=30, support_threshold=0.51), "direct_cause", "c", "d")
    assert kept.answer == "yes" and "bootstrap resamples" in kept.reason
    strict = ask(context(registry, discovery_resamples=30, support_threshold=1.0), "direct_cause", "c", "d")
    assert strict.answer == "uncertain"
