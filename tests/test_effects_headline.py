"""The effect headline over an ambiguous equivalence class: a range unless the possible adjustment
sets agree, or DirectLiNGAM orients the edges at the treatment; and the extrapolation warning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causal_agent.effects import estimate_effect
from causal_agent.plugins import collect_registry, make_plugin_manager
from conftest import effect_ctx as ctx_for


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())




def confounded(n: int, seed: int, noise: str, effect: float = 0.56) -> pd.DataFrame:
    """Z -> T -> Y, Z -> Y, W -> Y: PC leaves Z --- T, so the parent set of T is {} or {Z}."""
    rng = np.random.default_rng(seed)

    def e() -> np.ndarray:
        return rng.uniform(-1.7, 1.7, n) if noise == "uniform" else rng.normal(size=n)

    z, w = e(), e()
    t = z + e()
    return pd.DataFrame({"Z": z, "W": w, "T": t, "Y": effect * t + z + w + e()})


def test_lingam_orients_the_ambiguous_class_on_uniform_noise(registry):
    """The held-out failure: uniform noise, PC's CPDAG leaves Z --- T; the old headline took the
    unadjusted orientation (~1.08, truth 0.56). DirectLiNGAM orients Z -> T and the answer says so."""
    ctx = ctx_for(registry, confounded(2000, 2, "uniform"), "uni", algorithm="pc")
    r = estimate_effect(ctx, "T", "Y")
    assert r.range is not None and not r.range.agree and r.range.max - r.range.min > 0.3
    assert r.headline == "estimate" and r.headline_basis == "lingam"
    assert r.adjustment_set == ["Z"] and abs(r.estimate - 0.56) < 0.06
    assert r.ci_low <= 0.56 <= r.ci_high
    assert "DirectLiNGAM" in r.headline_reason and "non-Gaussian" in r.headline_reason
    assert "non-Gaussian noise" in r.assumption and "A single number because DirectLiNGAM" in r.summary


def test_gaussian_noise_keeps_the_range(registry):
    """Same structure with Gaussian noise: LiNGAM cannot orient it, so the headline is the range."""
    ctx = ctx_for(registry, confounded(2000, 2, "normal"), "gau", algorithm="pc")
    r = estimate_effect(ctx, "T", "Y")
    assert r.headline == "range" and r.headline_basis == "ambiguous"
    assert r.range.min < 0.56 + 0.1 and r.range.max > 1.0
    assert r.summary.startswith(f"Changing T from 0 to 1 changes Y by between {r.range.min:.3g} and")


def test_sets_that_agree_give_one_number(registry):
    """Z -> T -> Y <- W: Z --- T stays undirected, but Z is no confounder (it reaches Y only through
    T), so adjusting for it or not gives the same effect within the CIs: one number, said why."""
    rng = np.random.default_rng(5)
    n = 2000
    z, w = rng.normal(size=n), rng.normal(size=n)
    t = z + rng.normal(size=n)
    frame = pd.DataFrame({"Z": z, "W": w, "T": t, "Y": 2.0 * t + w + rng.normal(size=n)})
    r = estimate_effect(ctx_for(registry, frame, "agree"), "T", "Y")
    assert r.range is not None and r.range.agree
    assert r.headline == "estimate" and r.headline_basis == "sets_agree"
    assert abs(r.estimate - 2.0) < 0.1 and "inside each other's 95% CIs" in r.headline_reason
    assert "agree within the CIs" in r.assumption


def test_extrapolation_warning(registry):
    rng = np.random.default_rng(1)
    z = rng.normal(size=500)
    t = z + rng.normal(size=500)
    frame = pd.DataFrame({"Z": z, "T": t, "Y": 2 * t + z + rng.normal(size=500)})
    ctx = ctx_for(registry, frame, "ex")
    inside = estimate_effect(ctx, "T", "Y", t0=0, t1=1, confounders=["Z"])
    assert inside.warnings == [] and inside.observed_range == (pytest.approx(t.min()), pytest.approx(t.max()))
    r = estimate_effect(ctx, "T", "Y", t0=0, t1=50, confounders=["Z"])
    assert len(r.warnings) == 1
    w = r.warnings[0]
    assert w.startswith("t1=50 lies outside the observed range of T") and "functional form" in w
    assert f"Warning: {w}" in r.summary


def test_settings_estimator_is_the_default_method(registry):
    rng = np.random.default_rng(3)
    z = rng.normal(size=800)
    t = (z + rng.normal(size=800) > 0).astype(int)
    frame = pd.DataFrame({"Z": z, "T": t, "Y": 2 * t + z + rng.normal(size=800)})
    ctx = ctx_for(registry, frame, "set", estimator="propensity")
    r = estimate_effect(ctx, "T", "Y", confounders=["Z"])
    assert r.method == "backdoor.propensity_score_weighting"
    assert estimate_effect(ctx, "T", "Y", confounders=["Z"], method="linear").method == "backdoor.linear_regression"


def _stored(registry, frame: pd.DataFrame, name: str, edges: list[tuple[str, str, str]]):
    """A context whose graph ``name:hand`` is the given CPDAG (so the orientations are known)."""
    from causal_agent.graph import CausalGraph, Edge
    from causal_agent.memory import GraphRecord, Provenance

    ctx = ctx_for(registry, frame, name)
    ds = ctx.datasets.get()
    graph = CausalGraph(nodes=list(frame.columns), kind="cpdag",
                        edges=[Edge(source=a, target=b, type=k) for a, k, b in edges])
    ctx.memory.put(GraphRecord(key=f"{name}:hand", graph=graph, provenance=Provenance(
        dataset=ds.name, fingerprint=ds.fingerprint, algorithm="manual")))
    return ctx


def _chain(seed: int, direct: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=1500)
    m = x + rng.normal(size=1500)
    return pd.DataFrame({"X": x, "M": m, "Y": 1.5 * m + direct * x + rng.normal(size=1500)})


@pytest.mark.parametrize("direct,t1", [(0.0, 1.0), (1.0, 2.0)])
def test_no_path_orientation_is_zero_in_the_range(registry, direct, t1):
    """X --- M --> Y: with M -> X there is no directed path X -> Y, so that set's row is 0 (as its
    note says) and the range includes 0, even when the adjusted association is far from 0."""
    ctx = _stored(registry, _chain(7, direct), "chain", [("X", "---", "M"), ("M", "-->", "Y")])
    r = estimate_effect(ctx, "X", "Y", t0=0, t1=t1, graph_key="chain:hand")
    rows = {tuple(e.parents): e for e in r.range.estimates}
    zero = rows[("M",)]
    assert zero.estimate == 0.0 and zero.ci_low is None and "implies effect 0" in zero.note
    assert "not a causal effect" in zero.note
    assert r.range.min == 0.0 and r.range.max == pytest.approx(rows[()].estimate)
    assert rows[()].estimate == pytest.approx((1.5 + direct) * t1, rel=0.1)
    assert r.headline == "range" and not r.direction_identified


def _two(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=1500)
    return pd.DataFrame({"T": x, "Y": 2 * x + rng.normal(size=1500)})


@pytest.mark.parametrize("case", ["confounded", "two"])
def test_range_headline_is_one_stated_set_and_text_says_not_identified(registry, case):
    """A range headline: ``estimate`` is the first set's own estimate (never the midpoint), and the
    answer text says the effect is not identified and lists each set's estimate, with no ATE."""
    from causal_agent.planner.compose import render_effect

    frame = confounded(1500, 2, "normal") if case == "confounded" else _two(4)
    r = estimate_effect(ctx_for(registry, frame, case, algorithm="pc"), "T", "Y")
    assert r.headline == "range"
    first = r.range.estimates[0]
    assert (r.estimate, r.ci_low, r.ci_high) == (first.estimate, first.ci_low, first.ci_high)
    assert r.adjustment_set == first.adjustment_set
    assert r.estimate != pytest.approx((r.range.min + r.range.max) / 2)
    text = render_effect(r.model_dump(), r.summary)
    assert "not identified from the data alone" in text and "ATE" not in text
    for e in r.range.estimates:
        assert f"{e.estimate:.4g}" in text
    assert f"between {r.range.min:.4g} and {r.range.max:.4g}" in text
