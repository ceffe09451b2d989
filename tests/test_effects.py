"""Average treatment effects (``causal_agent.effects``) on known SCMs, fixed seeds."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from conftest import counting

from causal_agent.context import AgentContext, Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.discover import discover
from causal_agent.effects import EffectResult, estimate_effect
from causal_agent.errors import (
    AlgorithmError,
    CausalAgentError,
    DataError,
    GraphKeyError,
    VariableError,
)
from causal_agent.graph import CausalGraph, Edge
from causal_agent.memory import GraphRecord, Provenance
from causal_agent.plugins import collect_registry, collect_tools, make_plugin_manager

TRUE = 2.0  # effect of T on Y per unit in every SCM below


@pytest.fixture(scope="module")
def registry():
    """What the installed plugins register: discovery algorithms, CI tests and effect estimators."""
    return collect_registry(make_plugin_manager())


def make_ctx(registry, frame: pd.DataFrame, name: str, estimators=None, **settings) -> AgentContext:
    """A hand-built context carrying the plugins' registrations, as ``CausalAgent`` fills it.
    Discovery's bootstrap is off (effects are tested here, not edge support), unless asked for."""
    settings.setdefault("discovery_resamples", 0)
    ctx = context_from_registry(registry, settings=Settings(**settings))
    if estimators is not None:
        ctx.estimators = dict(estimators)
    ctx.datasets.add(load_dataset(frame, name=name))
    return ctx


def oriented_frame(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    """A -> T <- Z (a v-structure at T), Z -> Y, T -> Y: PC orients every edge, T -> Y included."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    z = rng.normal(size=n)
    t = 0.8 * a + 0.8 * z + rng.normal(size=n)
    y = TRUE * t + 1.5 * z + rng.normal(size=n)
    return pd.DataFrame({"A": a, "Z": z, "T": t, "Y": y})


def ambiguous_frame(n: int = 2000, seed: int = 2) -> pd.DataFrame:
    """Z -> T -> Y, Z -> Y, W -> Y: v-structures at Y orient T -> Y and Z -> Y, but T --- Z stays."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    w = rng.normal(size=n)
    t = z + rng.normal(size=n)
    y = TRUE * t + 1.5 * z + 1.5 * w + rng.normal(size=n)
    return pd.DataFrame({"Z": z, "W": w, "T": t, "Y": y})


def hand_ols(frame: pd.DataFrame, t: str, y: str, controls: list[str]) -> tuple[float, np.ndarray]:
    import statsmodels.api as sm

    fit = sm.OLS(frame[y].to_numpy(), sm.add_constant(frame[[t, *controls]].to_numpy())).fit()
    return float(fit.params[1]), np.asarray(fit.conf_int(alpha=0.05))[1]


def covers(r: EffectResult, value: float) -> bool:
    return r.ci_low is not None and r.ci_high is not None and r.ci_low <= value <= r.ci_high


# ---- backdoor with named confounders -----------------------------------------------------------
@pytest.mark.parametrize("t0,t1", [(0.0, 1.0), (-0.5, 0.5), (0.0, 2.0), (1.0, 0.0)])
def test_named_confounders_match_hand_ols(registry, t0, t1):
    frame = oriented_frame()
    ctx = make_ctx(registry, frame, "scm")
    r = estimate_effect(ctx, "T", "Y", t0=t0, t1=t1, confounders=["z"])  # name resolved case-insensitively
    truth = TRUE * (t1 - t0)
    assert r.graph_key is None and r.estimand == "backdoor" and r.adjustment_set == ["Z"]
    assert r.method == "backdoor.linear_regression"
    assert abs(r.estimate - truth) <= 0.1 * abs(truth)
    assert covers(r, truth)
    coef, ci = hand_ols(frame, "T", "Y", ["Z"])
    assert r.estimate == pytest.approx(coef * (t1 - t0), rel=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx(tuple(sorted(ci * (t1 - t0))), rel=1e-9)
    assert r.n == len(frame) and r.range is None
    assert "no unobserved confounding given {Z}" in r.assumption and "linear effect" in r.assumption


def test_refuter_result_present_and_passes(registry):
    ctx = make_ctx(registry, oriented_frame(), "scm", refute_simulations=10)
    r = estimate_effect(ctx, "T", "Y", confounders=["Z"])
    assert r.refutation is not None and r.refutation.refuter == "placebo_treatment_refuter"
    assert r.refutation.passed and abs(r.refutation.new_effect) < 0.1
    assert "Refuter" in r.summary and "passed" in r.summary
    off = make_ctx(registry, oriented_frame(), "scm", refute=False)
    assert estimate_effect(off, "T", "Y", confounders=["Z"]).refutation is None


# ---- graph from discovery ----------------------------------------------------------------------
def test_discovered_graph_orients_treatment_and_is_reused(registry):
    ctx = make_ctx(registry, oriented_frame(), "scm", refute_simulations=10)
    calls = counting(ctx, "pc")
    r = estimate_effect(ctx, "T", "Y")
    assert r.graph_key == "scm:pc" and r.range is None and r.direction_identified
    assert "Z" in r.adjustment_set and "Y" not in r.adjustment_set
    assert abs(r.estimate - TRUE) <= 0.1 * TRUE and covers(r, TRUE)
    assert "the graph scm:pc is right" in r.assumption
    again = estimate_effect(ctx, "T", "Y", t0=0, t1=2)
    assert calls[0] == 1  # the second request reused the stored graph
    assert again.estimate == pytest.approx(2 * r.estimate, rel=1e-9)
    by_key = estimate_effect(ctx, "T", "Y", graph_key="scm:pc")
    assert by_key.estimate == pytest.approx(r.estimate) and calls[0] == 1


def test_ambiguous_cpdag_reports_range(registry):
    frame = ambiguous_frame()
    ctx = make_ctx(registry, frame, "amb", refute_simulations=5)
    graph = discover(ctx).graph
    assert graph.has_edge("T", "Z", "---") and graph.has_edge("T", "Y", "-->")
    r = estimate_effect(ctx, "T", "Y")
    assert r.range is not None and len(r.range.estimates) == 2
    by_parents = {tuple(e.parents): e for e in r.range.estimates}
    adjusted, unadjusted = by_parents[("Z",)], by_parents[()]
    # Z -> T is the true orientation: adjusting for Z recovers the effect ...
    assert abs(adjusted.estimate - TRUE) <= 0.1 * TRUE
    assert adjusted.ci_low <= TRUE <= adjusted.ci_high
    # ... while T -> Z (Z a mediator) gives the total association, here biased upwards
    coef, _ = hand_ols(frame, "T", "Y", [])
    assert unadjusted.estimate == pytest.approx(coef, rel=1e-9) and unadjusted.estimate > 2.3
    assert r.range.min == pytest.approx(adjusted.estimate) and r.range.max == pytest.approx(unadjusted.estimate)
    # Gaussian noise, sets far apart: the headline is the range, stated first; estimate and CI are
    # the first (definite-parents) set's, never a midpoint
    assert r.headline == "range" and r.headline_basis == "ambiguous" and not r.range.agree
    first = r.range.estimates[0]
    assert (r.estimate, r.ci_low, r.ci_high) == (first.estimate, first.ci_low, first.ci_high)
    assert r.summary.startswith("Changing T from 0 to 1 changes Y by between ")
    assert "T --- Z" in r.summary and "No single number" in r.summary
    assert "one of the 2 sets the graph allows" in r.assumption
    assert r.direction_identified


def test_undirected_treatment_outcome_edge_includes_zero(registry):
    rng = np.random.default_rng(3)
    x = rng.normal(size=2000)
    frame = pd.DataFrame({"T": x, "Y": x + rng.normal(size=2000)})
    r = estimate_effect(make_ctx(registry, frame, "two", refute=False), "T", "Y")
    assert r.range is not None
    values = sorted(e.estimate for e in r.range.estimates)
    assert values[0] == 0.0 and values[1] > 0.9 and r.headline == "range"
    assert (r.range.min, r.range.max) == (0.0, pytest.approx(values[1]))
    zero = next(e for e in r.range.estimates if e.estimate == 0.0)
    assert zero.parents == ["Y"] and zero.ci_low is None and "cannot cause" in zero.note
    assert not r.direction_identified and "direction is not identified" in r.summary


def test_outcome_causing_treatment_gives_zero(registry):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=2000), rng.normal(size=2000)
    y = a + b + rng.normal(size=2000)
    frame = pd.DataFrame({"A": a, "B": b, "Y": y, "T": y + rng.normal(size=2000)})
    r = estimate_effect(make_ctx(registry, frame, "rev"), "T", "Y")
    assert r.estimate == 0.0 and r.ci_low is None and r.refutation is None
    assert r.graph_implies_zero and r.direction_identified
    assert "cannot cause" in r.summary


def test_no_directed_path_estimates_anyway_and_says_so(registry):
    rng = np.random.default_rng(5)
    a, b, z = (rng.normal(size=2000) for _ in range(3))
    frame = pd.DataFrame({"A": a, "B": b, "Z": z, "T": a + z + rng.normal(size=2000),
                          "Y": z + b + rng.normal(size=2000)})
    r = estimate_effect(make_ctx(registry, frame, "nopath", refute=False), "T", "Y")
    assert r.graph_implies_zero and r.direction_identified and r.range is None
    assert set(r.adjustment_set) == {"A", "Z"}  # T's parents
    assert covers(r, 0.0) and abs(r.estimate) < 0.1
    assert "implies T does not cause Y" in r.summary


# ---- other estimators and estimands ------------------------------------------------------------
def binary_frame(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    t = (0.6 * z + rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame({"Z": z, "T": t, "Y": TRUE * t + z + rng.normal(size=n)})


def test_binary_treatment_propensity(registry):
    ctx = make_ctx(registry, binary_frame(), "bin", refute_simulations=5, bootstrap=40)
    r = estimate_effect(ctx, "T", "Y", confounders=["Z"], method="propensity")
    assert r.method == "backdoor.propensity_score_weighting"
    assert abs(r.estimate - TRUE) <= 0.1 * TRUE and covers(r, TRUE)
    assert r.refutation is not None and r.refutation.passed and abs(r.refutation.new_effect) < 0.3
    assert "overlap" in r.assumption
    flipped = estimate_effect(ctx, "T", "Y", t0=1, t1=0, confounders=["Z"], method="propensity")
    assert flipped.estimate == pytest.approx(-r.estimate) and covers(flipped, -TRUE)
    with pytest.raises(DataError, match="pass t0=0, t1=1"):
        estimate_effect(ctx, "T", "Y", t0=0, t1=2, confounders=["Z"], method="propensity")


def _store(ctx: AgentContext, key: str, nodes: list[str], edges: list[tuple[str, str, str]]) -> None:
    ds = ctx.datasets.get()
    graph = CausalGraph(nodes=nodes, edges=[Edge(source=a, target=b, type=t) for a, t, b in edges],
                        kind="pag" if any(t == "<->" for _, t, _ in edges) else "dag")
    ctx.memory.put(GraphRecord(key=key, graph=graph, provenance=Provenance(
        dataset=ds.name, fingerprint=ds.fingerprint, algorithm="manual")))


def test_instrument_and_front_door(registry):
    rng = np.random.default_rng(0)
    n = 2000
    u, i = rng.normal(size=n), rng.normal(size=n)
    t = i + u + rng.normal(size=n)
    m = 1.5 * t + rng.normal(size=n)
    y = 2.0 * m + 2.0 * u + rng.normal(size=n)  # effect of T on Y: 3.0, confounded by hidden U
    ctx = make_ctx(registry, pd.DataFrame({"I": i, "T": t, "M": m, "Y": y}), "lat",
                   refute_simulations=5, bootstrap=30)
    _store(ctx, "lat:iv", ["I", "T", "Y"], [("I", "-->", "T"), ("T", "-->", "Y")])
    _store(ctx, "lat:fd", ["T", "M", "Y"], [("T", "-->", "M"), ("M", "-->", "Y"), ("T", "<->", "Y")])
    iv = estimate_effect(ctx, "T", "Y", t0=0, t1=2, graph_key="lat:iv", method="iv")
    assert iv.estimand == "iv" and iv.instruments == ["I"]
    assert abs(iv.estimate - 6.0) <= 0.6 and covers(iv, 6.0)
    fd = estimate_effect(ctx, "T", "Y", t0=0, t1=2, graph_key="lat:fd")  # auto: no backdoor set
    assert fd.estimand == "frontdoor" and fd.mediators == ["M"]
    assert fd.method == "frontdoor.two_stage_regression"
    assert abs(fd.estimate - 6.0) <= 0.6 and covers(fd, 6.0)
    assert fd.refutation is not None and fd.refutation.refuter == "random_common_cause"
    with pytest.raises(AlgorithmError, match="needs a backdoor estimand"):
        estimate_effect(ctx, "T", "Y", graph_key="lat:fd", method="linear")


# ---- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,error,fragment", [
    ({"treatment": "T", "outcome": "T"}, VariableError, "two different variables"),
    ({"treatment": "Tx", "outcome": "Y"}, VariableError, "Did you mean"),
    ({"treatment": "T", "outcome": "colour"}, DataError, "categories"),
    ({"treatment": "T", "outcome": "Y", "t0": 1.0, "t1": 1.0}, DataError, "no contrast"),
    ({"treatment": "T", "outcome": "Y", "method": "magic"}, AlgorithmError, "known: linear, propensity"),
    ({"treatment": "T", "outcome": "Y", "method": "propensity"}, AlgorithmError, "binary treatment"),
    ({"treatment": "T", "outcome": "Y", "confounders": ["T"]}, VariableError, "cannot also be a confounder"),
    ({"treatment": "T", "outcome": "Y", "graph_key": "nope:pc"}, GraphKeyError, "no graph stored"),
    ({"treatment": "K", "outcome": "Y"}, DataError, "constant"),
])
def test_bad_input_is_one_line(registry, kwargs, error, fragment):
    frame = oriented_frame(n=200).assign(
        colour=np.resize(["red", "green", "blue"], 200), K=1.0)
    ctx = make_ctx(registry, frame, "bad")
    kwargs = {"confounders": ["Z"], **kwargs} if "graph_key" not in kwargs else kwargs
    with pytest.raises(error, match=fragment) as info:
        estimate_effect(ctx, **kwargs)
    assert isinstance(info.value, CausalAgentError) and "\n" not in str(info.value)


def test_tool_through_toolnode(registry):
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    tools = {t.name: t for t in collect_tools(make_plugin_manager())}
    ctx = make_ctx(registry, oriented_frame(), "scm", refute_simulations=5)
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode([tools["estimate_effect"]], handle_tool_errors=True))
    builder.add_edge(START, "tools")
    app = builder.compile()

    def call(args: dict) -> object:
        msg = AIMessage(content="", tool_calls=[{"name": "estimate_effect", "args": args, "id": "1"}])
        return app.invoke({"messages": [msg]}, context=ctx)["messages"][-1]

    schema = tools["estimate_effect"].tool_call_schema.model_json_schema()
    assert "runtime" not in schema["properties"] and {"treatment", "outcome", "t0", "t1"} <= set(schema["properties"])
    ok = call({"treatment": "T", "outcome": "Y", "confounders": ["Z"], "t1": 2})
    assert ok.status == "success"
    fields = {"estimate", "ci_low", "ci_high", "method", "treatment", "outcome", "t0", "t1",
              "adjustment_set", "assumption", "range", "refutation"}
    assert fields <= set(ok.artifact)
    assert abs(ok.artifact["estimate"] - 4.0) < 0.4 and ok.content.startswith("Changing T from 0 to 2")
    bad = call({"treatment": "T", "outcome": "Y", "method": "magic"})
    assert bad.status == "error" and "unknown effect method" in bad.content


def test_conflicting_orientations_fall_back_to_directed_parents(registry):
    """A stored graph with no consistent DAG (a directed cycle) still gets an estimate, adjusted
    for the treatment's directed parents, with a note saying so."""
    frame = oriented_frame()
    ctx = make_ctx(registry, frame, "conflict", refute=False)
    ds = ctx.datasets.get("conflict")
    cyclic = CausalGraph(
        nodes=["A", "Z", "T", "Y"],
        edges=[Edge(source="Z", target="T", type="-->"), Edge(source="T", target="Y", type="-->"),
               Edge(source="Y", target="A", type="-->"), Edge(source="A", target="Z", type="-->")],
        kind="cpdag",
    )
    prov = Provenance(dataset=ds.name, fingerprint=ds.fingerprint, variables=cyclic.nodes,
                      algorithm="hand", params={}, ci_test=None, alpha=None)
    ctx.memory.put(GraphRecord(key="conflict:hand", graph=cyclic, provenance=prov))
    r = estimate_effect(ctx, "T", "Y", graph_key="conflict:hand")
    assert r.adjustment_set == ["Z"]
    assert abs(r.estimate - TRUE) < 0.1 * TRUE and covers(r, TRUE)
    assert any("conflicting orientations" in n for n in r.notes)


def test_adjustment_set_does_not_depend_on_hash_seed():
    """T <- A -> B -> Y and T <- C -> D -> Y: {A, C}, {A, D}, {B, C}, {B, D} all block the back
    doors, and DoWhy picks one in set-iteration order (PYTHONHASHSEED). The estimate must be the
    same in every process and use the set it reports."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = """
import numpy as np, pandas as pd
from causal_agent import CausalAgent
rng = np.random.default_rng(0); n = 2000
a = rng.normal(size=n); c = rng.normal(size=n); t = a + c + rng.normal(size=n)
b = a + rng.normal(size=n); d = c + rng.normal(size=n); y = 2 * t + b + d + rng.normal(size=n)
agent = CausalAgent(); agent.load(pd.DataFrame(dict(A=a, B=b, C=c, D=d, T=t, Y=y)), name='m')
e = agent.ask('effect of T on Y from 0 to 1').effect
print(round(e.estimate, 9), e.adjustment_set)
"""
    root = Path(__file__).resolve().parents[1]
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                       env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outs) == 1
    assert outs.pop().strip().endswith("['A', 'C']")  # T's parents, as reported and used


# ---- nonlinear outcomes: g-computation -----------------------------------------------------------
def nonlinear_outcome(t, z):
    return np.sin(t) + t**2 + z**2


def nonlinear_frame(n: int = 1500, seed: int = 7) -> pd.DataFrame:
    """T = Z + noise, Y = sin(T) + T^2 + Z^2 + noise: the slope of a linear fit is not the contrast."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    t = z + rng.normal(size=n)
    return pd.DataFrame({"Z": z, "T": t, "Y": nonlinear_outcome(t, z) + rng.normal(size=n)})


@pytest.mark.parametrize("t0,t1", [(-0.5, 1.0), (0.0, 1.5)])
def test_auto_switches_to_gcomputation_on_nonlinear_outcome(registry, t0, t1):
    ctx = make_ctx(registry, nonlinear_frame(), "nl", refute_simulations=10)
    r = estimate_effect(ctx, "T", "Y", t0=t0, t1=t1, confounders=["Z"])
    z = np.random.default_rng(99).normal(size=200_000)  # E[Y | do(T=t)] by simulation
    truth = float(np.mean(nonlinear_outcome(t1, z) - nonlinear_outcome(t0, z)))
    assert r.method == "gcomputation.spline_regression" and r.estimand == "backdoor"
    assert r.adjustment_set == ["Z"]
    assert abs(r.estimate - truth) <= 0.1 * abs(truth) + 0.05
    assert covers(r, truth)
    assert "nonlinear" in r.assumption and "cubic splines" in r.assumption
    assert any("misspecified" in n and "p<1e-16" in n and "replaced linear" in n for n in r.notes)
    assert "g-computation" in r.summary
    assert r.refutation is not None and r.refutation.passed and abs(r.refutation.new_effect) < 0.2
    # linear regression alone is far off here (its slope times t1 - t0)
    linear = estimate_effect(ctx, "T", "Y", t0=t0, t1=t1, confounders=["Z"], method="linear")
    assert linear.method == "backdoor.linear_regression" and abs(linear.estimate - truth) > 0.3


@pytest.mark.parametrize("seed,noise", [(11, "normal"), (12, "laplace"), (13, "uniform"), (14, "normal")])
def test_auto_stays_linear_on_linear_data(registry, seed, noise):
    rng = np.random.default_rng(seed)
    n = 3000

    def draw():
        return rng.uniform(-1.7, 1.7, n) if noise == "uniform" else getattr(rng, noise)(size=n)

    a, z = draw(), draw()
    t = 0.8 * a + 0.8 * z + draw()
    frame = pd.DataFrame({"A": a, "Z": z, "T": t, "Y": TRUE * t + 1.5 * z - a + draw()})
    r = estimate_effect(make_ctx(registry, frame, "lin", refute=False), "T", "Y", confounders=["A", "Z"])
    assert r.method == "backdoor.linear_regression" and "linear effect" in r.assumption
    coef, _ = hand_ols(frame, "T", "Y", ["A", "Z"])
    assert r.estimate == pytest.approx(coef, rel=1e-9)


def test_explicit_gcomputation(registry):
    ctx = make_ctx(registry, oriented_frame(), "scm", refute_simulations=5)
    for name in ("gcomputation", "g-computation", "s_learner"):
        r = estimate_effect(ctx, "T", "Y", t0=0, t1=2, confounders=["Z"], method=name)
        assert r.method == "gcomputation.spline_regression" and r.adjustment_set == ["Z"]
        assert abs(r.estimate - 2 * TRUE) <= 0.1 * 2 * TRUE and covers(r, 2 * TRUE)
        assert any("g-computation with" in n for n in r.notes)
        assert r.refutation is not None and r.refutation.passed
    boot = make_ctx(registry, nonlinear_frame(), "nl", refute=False, bootstrap=30)
    b = estimate_effect(boot, "T", "Y", confounders=["Z"], method="gcomputation")
    assert b.ci_low < b.estimate < b.ci_high
    small = make_ctx(registry, oriented_frame(n=40), "small", refute=False)
    with pytest.raises(DataError, match="too few for a spline outcome model"):
        estimate_effect(small, "T", "Y", confounders=["Z", "A"], method="gcomputation")
    # auto on the same small data keeps linear regression (no test possible) rather than failing
    assert estimate_effect(small, "T", "Y", confounders=["Z", "A"]).method == "backdoor.linear_regression"


def test_parallel_estimates_match_sequential_ones(registry):
    """ToolNode runs parallel tool calls in threads; DoWhy's bootstrap CIs read numpy's global RNG,
    so concurrent estimates must give exactly what they give one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    ctxs = [make_ctx(registry, binary_frame(seed=s), f"p{s}", refute=False, bootstrap=40)
            for s in (11, 12, 13, 14)]

    def run(ctx):
        return estimate_effect(ctx, "T", "Y", confounders=["Z"], method="propensity")

    alone = [run(c) for c in ctxs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(run, ctxs))
    for a, b in zip(alone, together):
        assert (a.estimate, a.ci_low, a.ci_high) == (b.estimate, b.ci_low, b.ci_high)


# ---- estimators are registered objects ---------------------------------------------------------
def test_estimators_are_looked_up_by_name_label_or_alias(registry):
    from causal_agent.effects import normalize_method

    est = registry.estimators
    assert {"linear", "propensity", "gcomputation", "iv", "frontdoor", "dml", "doubly_robust",
            "econml_dr"} <= set(est)
    assert est["gcomputation"].nonlinear and not est["linear"].nonlinear
    for name, key in [("OLS", "linear"), ("backdoor.linear_regression", "linear"), ("g-computation", "gcomputation"),
                      ("Propensity Score", "propensity"), ("linear regression", "linear"), ("auto", "auto"),
                      ("AIPW", "doubly_robust")]:
        assert normalize_method(name, est) == key
    import importlib.util

    for name in ("linear_dml", "LinearDML"):  # EconML is optional: found by alias, or a one-line fix
        if importlib.util.find_spec("econml") is not None:
            assert normalize_method(name, est) == "dml"
        else:
            with pytest.raises(AlgorithmError, match="needs EconML, which is not installed; pip install econml"):
                normalize_method(name, est)
    with pytest.raises(AlgorithmError, match="known: linear, propensity") as info:
        normalize_method("magic", est)
    assert "\n" not in str(info.value) and "'auto'" in str(info.value)
    # a context without estimators is a one-line error, never the built-in plugin's estimators
    bare = make_ctx(registry, oriented_frame(), "bare", estimators={}, refute=False)
    with pytest.raises(AlgorithmError) as none:
        estimate_effect(bare, "T", "Y", confounders=["Z"])
    text = str(none.value)
    assert text.startswith("no effect estimators are registered") and "context_from_registry" in text
    assert "\n" not in text


def test_auto_rule_reads_declarations_not_names(registry):
    """auto tries the first ``nonlinear=True`` estimator, whatever it is called, and none if none
    is declared nonlinear."""
    from dataclasses import replace

    est = registry.estimators
    renamed = {"linear": est["linear"], "curvy": replace(est["gcomputation"], name="curvy", aliases=())}
    ctx = make_ctx(registry, nonlinear_frame(), "nl", estimators=renamed, refute=False)
    r = estimate_effect(ctx, "T", "Y", confounders=["Z"])
    assert r.method == "gcomputation.spline_regression"
    assert any("replaced linear" in n for n in r.notes)
    undeclared = {**renamed, "curvy": replace(renamed["curvy"], nonlinear=False)}
    ctx = make_ctx(registry, nonlinear_frame(), "nl", estimators=undeclared, refute=False)
    assert estimate_effect(ctx, "T", "Y", confounders=["Z"]).method == "backdoor.linear_regression"
    assert estimate_effect(ctx, "T", "Y", confounders=["Z"], method="curvy").method == (
        "gcomputation.spline_regression")


def test_stale_graph_key_is_noted_like_the_graph_queries_do(registry):
    """A stored graph learned from an earlier version of the data is used as asked, never
    silently: the effect and the graph query carry the same note."""
    from causal_agent_plugins.graph_queries import ask

    ctx = make_ctx(registry, oriented_frame(), "scm", refute=False)
    ds = ctx.datasets.get()
    graph = CausalGraph(nodes=["A", "Z", "T", "Y"], kind="dag", edges=[
        Edge(source="A", target="T", type="-->"), Edge(source="Z", target="T", type="-->"),
        Edge(source="Z", target="Y", type="-->"), Edge(source="T", target="Y", type="-->")])
    ctx.memory.put(GraphRecord(key="scm:old", graph=graph, provenance=Provenance(
        dataset=ds.name, fingerprint="0" * 64, algorithm="pc", ci_test="fisherz", alpha=0.05)))
    r = estimate_effect(ctx, "T", "Y", graph_key="scm:old")
    q = ask(ctx, "direct_cause", "Z", "T", graph_key="scm:old")
    stale = [n for n in r.notes if "earlier version of dataset scm" in n]
    assert stale and stale == [n for n in q.notes if "earlier version" in n]
    assert r.adjustment_set == ["A", "Z"] and q.answer == "yes" and "re-run discovery" in q.summary
