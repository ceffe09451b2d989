"""Independence tests on known structural causal models: decisions right in both directions."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from causal_agent.data import load_dataset
from causal_agent.errors import (
    AlgorithmError,
    CausalAgentError,
    DataError,
    VariableError,
)
from causal_agent.hookspecs import hookimpl
from causal_agent.independence import IndependenceResult
from causal_agent.independence import test_independence as run_test
from causal_agent.plugins import collect_registry, make_plugin_manager
from causal_agent.registry import Registry

N = 2000


def linear(edges: dict[str, list[str]], n: int = N, seed: int = 0, weight: float = 0.8) -> pd.DataFrame:
    """Linear-Gaussian SCM; ``edges`` maps each node (in topological order) to its parents."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for node, parents in edges.items():
        cols[node] = sum((weight * cols[p] for p in parents), np.zeros(n)) + rng.normal(size=n)
    return pd.DataFrame(cols)


CHAIN = {"A": [], "B": ["A"], "C": ["B"]}
FORK = {"B": [], "A": ["B"], "C": ["B"]}
COLLIDER = {"A": [], "C": [], "B": ["A", "C"]}
#: 7 nodes: v-structures X1 -> X3 <- X2 and X4 -> X5 <- X6
DAG7 = {
    "X1": [], "X2": [], "X3": ["X1", "X2"], "X4": ["X3"], "X6": ["X2"], "X5": ["X4", "X6"],
    "X7": ["X5"],
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    """What the installed plugins register (CI tests, tools), as an agent collects it."""
    return collect_registry(make_plugin_manager())


@pytest.fixture(scope="module")
def ci_test(registry):
    """``test_independence`` over the registered CI tests (``tests=`` replaces them)."""
    return functools.partial(run_test, tests=registry.ci_tests)


@pytest.fixture(scope="module")
def chain():
    return load_dataset(linear(CHAIN), name="chain")


@pytest.fixture(scope="module")
def fork():
    return load_dataset(linear(FORK, seed=1), name="fork")


@pytest.fixture(scope="module")
def collider():
    return load_dataset(linear(COLLIDER, seed=2), name="collider")


@pytest.fixture(scope="module")
def dag7():
    return load_dataset(linear(DAG7, n=3000, seed=3), name="dag7")


def test_chain_dependent_marginally_independent_given_middle(ci_test, chain):
    marginal = ci_test(chain, "A", "C")
    assert marginal.method == "fisherz" and marginal.decision == "dependent"
    assert marginal.p_value < 0.05 and not marginal.independent
    assert marginal.statistic == pytest.approx(np.corrcoef(chain.matrix(["A", "C"]).T)[0, 1])
    conditional = ci_test(chain, "A", "C", ["B"])
    assert conditional.independent and conditional.decision == "independent"
    assert conditional.p_value >= 0.05
    assert abs(conditional.statistic) < 0.05  # partial correlation near zero
    assert conditional.summary.startswith("A and C are independent given B (Fisher-z, p = ")


def test_fork(ci_test, fork):
    assert ci_test(fork, "A", "C").decision == "dependent"
    assert ci_test(fork, "A", "C", ["B"]).decision == "independent"


def test_collider_independent_marginally_dependent_given_collider(ci_test, collider):
    assert ci_test(collider, "A", "C").decision == "independent"
    given = ci_test(collider, "A", "C", ["B"])
    assert given.decision == "dependent"
    assert given.statistic < 0  # conditioning on a common effect induces negative association
    assert "dependent given B" in given.summary and "< alpha 0.05" in given.summary


@pytest.mark.parametrize(
    ("x", "y", "given", "expected"),
    [
        ("X1", "X2", [], "independent"),
        ("X1", "X2", ["X3"], "dependent"),  # collider opened
        ("X1", "X4", [], "dependent"),
        ("X1", "X4", ["X3"], "independent"),
        ("X1", "X6", [], "independent"),
        ("X1", "X6", ["X3"], "dependent"),  # X1 -> X3 <- X2 -> X6
        ("X1", "X6", ["X3", "X2"], "independent"),
        ("X3", "X7", ["X5"], "independent"),
        ("X4", "X6", [], "dependent"),  # through X3 <- X2 -> X6
        ("X4", "X6", ["X2"], "independent"),
        ("X4", "X6", ["X2", "X5"], "dependent"),  # collider X5 opened
        ("X2", "X7", ["X4", "X6"], "independent"),
    ],
)
def test_seven_node_dag(ci_test, dag7, x, y, given, expected):
    assert ci_test(dag7, x, y, given).decision == expected


def test_p_below_alpha_means_dependent(ci_test, chain):
    r = ci_test(chain, "A", "C", ["B"])
    just_above = ci_test(chain, "A", "C", ["B"], alpha=min(0.999, r.p_value * 1.01))
    just_below = ci_test(chain, "A", "C", ["B"], alpha=r.p_value * 0.99)
    assert just_above.p_value == just_below.p_value == r.p_value
    assert just_above.decision == "dependent" and not just_above.independent
    assert just_below.decision == "independent" and just_below.independent


def test_discrete_data_uses_chi_square(ci_test):
    rng = np.random.default_rng(4)
    n = 3000
    smoking = rng.integers(0, 2, n)
    tar = np.where(rng.random(n) < 0.15, rng.integers(0, 3, n), smoking + rng.integers(0, 2, n))
    cancer = np.where(rng.random(n) < 0.2, 1 - (tar > 0), (tar > 0)).astype(int)
    frame = pd.DataFrame({
        "smoking": np.where(smoking == 1, "yes", "no"), "tar": tar, "lung_cancer": cancer,
    })
    ds = load_dataset(frame, name="lungs")
    dep = ci_test(ds, "smoking", "lung cancer")
    assert dep.method == "chisq" and dep.decision == "dependent"
    assert dep.statistic is None  # causal-learn does not expose the chi-square statistic
    assert any("chi-square chosen because all variables are discrete" in n for n in dep.notes)
    indep = ci_test(ds, "smoking", "lung_cancer", ["tar"])
    assert indep.method == "chisq" and indep.decision == "independent"
    gsq = ci_test(ds, "smoking", "lung_cancer", ["tar"], method="G2")
    assert gsq.method == "gsq" and gsq.decision == "independent"
    assert gsq.p_value != indep.p_value


def test_names_are_resolved_and_reported(ci_test, chain):
    r = ci_test(chain, "a", "c ", given="b")
    assert (r.x, r.y, r.given) == ("A", "C", ["B"])
    frame = linear({"smoking": [], "lung_cancer": ["smoking"]}, n=200, seed=5)
    typo = ci_test(load_dataset(frame, name="t"), "smokng", "Lung Cancer")
    assert typo.x == "smoking" and typo.y == "lung_cancer"
    assert any("'smokng' read as 'smoking'" in n for n in typo.notes)


def test_kci_finds_nonlinear_dependence_fisher_z_misses(ci_test):
    rng = np.random.default_rng(6)
    x = rng.normal(size=300)
    frame = pd.DataFrame({"x": x, "y": x**2 + 0.3 * rng.normal(size=300)})
    ds = load_dataset(frame, name="nonlinear")
    assert ci_test(ds, "x", "y", method="fisherz").decision == "independent"
    kci = ci_test(ds, "x", "y", method="kci")
    assert kci.decision == "dependent" and kci.statistic is not None
    auto = ci_test(ds, "x", "y")  # small n, y clearly non-Gaussian -> KCI
    assert auto.method == "kci" and auto.decision == "dependent"


def test_kci_subsamples_large_data(ci_test):
    big = load_dataset(linear(CHAIN, n=2500, seed=9), name="big")
    r = ci_test(big, "A", "C", method="kci")  # unconditional KCI: at most 2000 rows
    assert r.n == 2000 and r.decision == "dependent"
    assert any("subsample of 2000 of the 2500 rows" in n for n in r.notes)


def nonlinear_fork(n: int = 1500, seed: int = 10) -> pd.DataFrame:
    """X = Z² + e, Y = Z² + e' (+ an irrelevant W): X ⫫ Y | Z, but not linearly screened off."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    return pd.DataFrame({
        "Z": z, "W": rng.normal(size=n),
        "X": z**2 + 0.5 * rng.normal(size=n), "Y": z**2 + 0.5 * rng.normal(size=n),
    })


def test_auto_switches_to_residual_kci_when_z_acts_nonlinearly(ci_test):
    ds = load_dataset(nonlinear_fork(), name="nlfork")
    assert ci_test(ds, "X", "Y", ["Z"], method="fisherz").decision == "dependent"  # the failure
    auto = ci_test(ds, "X", "Y", ["Z"])
    assert auto.method == "rkci" and auto.decision == "independent" and auto.n == 1500
    assert "Residual KCI chosen because the relation of" in auto.summary
    assert "looks nonlinear (spline F-test p" in auto.summary
    assert any(n.startswith("residual KCI chosen because") for n in auto.notes)
    assert ci_test(ds, "X", "Y", ["Z", "W"]).decision == "independent"
    # and it keeps its power: X and Y share Z, so they are dependent marginally
    marginal = ci_test(ds, "X", "Y")
    assert marginal.method == "kci" and marginal.decision == "dependent"


def test_auto_detects_nonlinear_dependence_fisher_z_misses(ci_test):
    rng = np.random.default_rng(11)
    x = rng.normal(size=1500)
    frame = pd.DataFrame({"x": x, "y": x**2 + 0.5 * rng.normal(size=1500), "z": rng.normal(size=1500)})
    ds = load_dataset(frame, name="square")
    assert ci_test(ds, "x", "y", method="fisherz").decision == "independent"
    auto = ci_test(ds, "x", "y")  # n = 1500: beyond the small-n rule, found by the spline check
    assert auto.method == "kci" and auto.decision == "dependent"
    assert "relation of y to x looks nonlinear" in auto.summary
    given = ci_test(ds, "x", "y", ["z"])  # Y ~ X + Z is nonlinear though X ~ Z, Y ~ Z are not
    assert given.method == "rkci" and given.decision == "dependent"


def test_linear_data_stays_on_fisher_z(ci_test, dag7):
    from causal_agent.independence import nonlinearity_check

    switched = 0
    for seed in range(40):
        frame = linear(DAG7, n=1500, seed=100 + seed)
        names = ["X1", "X7", "X3", "X5"][: 2 + seed % 3]
        if not nonlinearity_check(frame[names].to_numpy(), names).nonlinear:
            continue
        switched += 1
    assert switched <= 1  # ~0.1-0.4% expected; one in 40 tolerated
    r = ci_test(dag7, "X1", "X4", ["X3"])
    assert r.method == "fisherz" and r.decision == "independent"
    assert any("relations look linear" in n for n in r.notes)


def test_explicit_method_overrides_auto(ci_test):
    ds = load_dataset(nonlinear_fork(), name="nlfork")
    fz = ci_test(ds, "X", "Y", ["Z"], method="fisherz")
    assert fz.method == "fisherz" and not any("chosen because" in n for n in fz.notes)
    assert ci_test(ds, "X", "Y", ["Z"], method="residual-kci").method == "rkci"
    chain = load_dataset(linear(CHAIN, n=1500, seed=12), name="c")
    forced = ci_test(chain, "A", "C", ["B"], method="rkci")  # linear data: also right
    assert forced.method == "rkci" and forced.decision == "independent"


def test_names_labels_and_aliases_come_from_the_registration(registry):
    from causal_agent.independence import normalize_method

    tests = registry.ci_tests
    assert normalize_method("rkci", tests) == "rkci" == normalize_method("residual KCI", tests)
    assert normalize_method("Fisher-Z", tests) == "fisherz" == normalize_method("partial correlation", tests)
    assert normalize_method("G²", tests) == "gsq" and normalize_method("chi-squared", tests) == "chisq"
    assert normalize_method(None, tests) == "auto"
    labels = {name: test.label for name, test in tests.items()}
    assert labels["fisherz"] == "Fisher-z" and labels["rkci"] == "residual KCI"
    with pytest.raises(AlgorithmError) as info:
        normalize_method("nope", tests)
    assert str(info.value) == (
        "unknown independence test 'nope'; known: fisherz, chisq, gsq, kci, rkci, rcit, fastkci."
    )


def test_no_registered_tests_is_one_line(ci_test, chain):
    """A context built without a registry has no CI tests: an error, never the built-in plugin."""
    from causal_agent.independence import normalize_method

    for call in (lambda: ci_test(chain, "A", "C", tests={}),
                 lambda: normalize_method("fisherz", {})):
        with pytest.raises(AlgorithmError) as info:
            call()
        text = str(info.value)
        assert text.startswith("no CI tests are registered") and "context_from_registry" in text
        assert "\n" not in text


def test_result_model_round_trips(ci_test, chain):
    r = ci_test(chain, "A", "B")
    again = IndependenceResult.model_validate(r.model_dump())
    assert again == r and again.n == N and again.alpha == 0.05


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"x": "A", "y": "Q"}, VariableError, "unknown variable 'Q'"),
        ({"x": "A", "y": "a"}, VariableError, "cannot be tested against itself"),
        ({"x": "A", "y": "C", "given": ["a"]}, VariableError, "is both tested and conditioned on"),
        ({"x": "A", "y": "C", "given": ["B", "b"]}, VariableError, "more than once"),
        ({"x": "A", "y": "C", "method": "fishr"}, AlgorithmError, "Did you mean 'fisherz'"),
        ({"x": "A", "y": "C", "method": "chisq"}, AlgorithmError,
         "chi-square needs discrete variables but A, C are continuous; use method='fisherz' or 'kci'"),
        ({"x": "A", "y": "C", "alpha": 1.5}, AlgorithmError, "alpha must be between 0 and 1"),
    ],
)
def test_bad_input_is_one_line(ci_test, chain, kwargs, error, fragment):
    with pytest.raises(error) as info:
        ci_test(chain, **kwargs)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, CausalAgentError)


def test_unknown_variable_suggests_closest(ci_test):
    frame = linear({"smoking": [], "lung_cancer": ["smoking"], "age": []}, n=100, seed=7)
    ds = load_dataset(frame, name="s")
    with pytest.raises(VariableError, match="Did you mean 'lung_cancer'"):
        ci_test(ds, "smoking", "lung_canser_rate")


def test_constant_column_is_rejected(ci_test):
    frame = linear(CHAIN, n=100, seed=8).assign(K=1.0)
    with pytest.raises(DataError, match="constant"):
        ci_test(load_dataset(frame, name="k"), "A", "K")


def tool_caller(registry, dataset, settings):  # type: ignore[no-untyped-def]
    """(call, ctx): run the test_independence tool through a real LangGraph ToolNode with
    ``settings``, ``dataset`` loaded; ``call(args)`` returns the ToolMessage."""
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    from causal_agent.context import AgentContext, context_from_registry

    ctx = context_from_registry(registry, settings=settings)
    ctx.datasets.add(dataset)
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode([registry.tools["test_independence"]], handle_tool_errors=True))
    builder.add_edge(START, "tools")
    app = builder.compile()

    def call(args: dict) -> object:
        msg = AIMessage(content="", tool_calls=[{"name": "test_independence", "args": args, "id": "1"}])
        return app.invoke({"messages": [msg]}, context=ctx)["messages"][-1]

    return call, ctx


def test_tool_through_toolnode(registry, chain):
    from causal_agent.context import Settings

    call, ctx = tool_caller(registry, chain, Settings(alpha=0.01))

    ok = call({"x": "A", "y": "C", "given": ["B"]})
    assert ok.status == "success" and ok.artifact["decision"] == "independent"
    assert ok.artifact["alpha"] == 0.01  # from ctx.settings
    fields = {"x", "y", "given", "method", "statistic", "p_value", "alpha", "independent", "n"}
    assert fields <= set(ok.artifact)
    assert "A and C are independent given B" in ok.content
    explicit = call({"x": "A", "y": "C", "alpha": 0.2, "dataset": "chain"})
    assert explicit.artifact["alpha"] == 0.2 and explicit.artifact["decision"] == "dependent"
    bad = call({"x": "A", "y": "A"})
    assert bad.status == "error" and "cannot be tested against itself" in bad.content


# ---- registered tests: declarations, not names ----------------------------------------------------
def fisher_z_p(data: np.ndarray, x: int, y: int, given: list[int]) -> float:
    """A plugin's own Fisher-z p-value (the formula causal-learn uses)."""
    from scipy import stats

    prec = np.linalg.inv(np.corrcoef(data[:, [x, y, *given]].T))
    r = -prec[0, 1] / np.sqrt(prec[0, 0] * prec[1, 1])
    return float(2 * stats.norm.sf(np.sqrt(data.shape[0] - len(given) - 3) * abs(np.arctanh(r))))


def g_test_p(data: np.ndarray, x: int, y: int, given: list[int]) -> float:
    """A plugin's marginal G-test on the contingency table (ignores ``given``: unconditional)."""
    from scipy.stats import chi2_contingency

    table = pd.crosstab(data[:, x], data[:, y]).to_numpy()
    return float(chi2_contingency(table, lambda_="log-likelihood").pvalue)


class TestPlugin:
    """A third-party plugin registering two CI tests with their own functions."""

    __test__ = False

    def __init__(self, p_value=fisher_z_p) -> None:
        self.calls: list[tuple[int, int, list[int]]] = []
        self.p_value = p_value

    @hookimpl
    def register_ci_tests(self, register):
        def pz(data, x, y, given):
            self.calls.append((x, y, list(given)))
            return self.p_value(data, x, y, given)

        register("pz", pz, "Fisher-z by the plugin", data_kinds=["continuous"], cost=5.0,
                 label="plugin Fisher-z", aliases=["plugin z"])
        register("gfast", g_test_p, "marginal G-test", data_kinds=["discrete"], cost=0.5,
                 label="fast G")


def plugin_tests(plugin: TestPlugin) -> dict:
    return collect_registry(make_plugin_manager([plugin])).ci_tests


def test_a_registered_test_runs_when_named(ci_test, chain):
    plugin = TestPlugin()
    tests = plugin_tests(plugin)
    mine = ci_test(chain, "A", "C", ["B"], method="plugin z", tests=tests)
    builtin = ci_test(chain, "A", "C", ["B"], method="fisherz", tests=tests)
    assert plugin.calls == [(0, 1, [2])] and mine.method == "pz"
    assert mine.p_value == pytest.approx(builtin.p_value, rel=1e-6) and mine.decision == "independent"
    assert mine.statistic is None and "(plugin Fisher-z, p = " in mine.summary
    # auto still reads declarations: pz costs more than Fisher-z, so Fisher-z stays the choice
    assert ci_test(chain, "A", "C", tests=tests).method == "fisherz" and len(plugin.calls) == 1


def test_auto_picks_a_cheaper_registered_test_for_its_data_kind(ci_test):
    rng = np.random.default_rng(4)
    a = rng.integers(0, 3, 1000)
    ds = load_dataset(pd.DataFrame({"a": a, "b": (a + rng.integers(0, 2, 1000)) % 3}), name="d")
    tests = plugin_tests(TestPlugin())
    r = ci_test(ds, "a", "b", tests=tests)
    assert r.method == "gfast" and r.decision == "dependent"
    assert any(n.startswith("fast G chosen because all variables are discrete") for n in r.notes)
    assert ci_test(ds, "a", "b").method == "chisq"  # the built-ins alone


def test_unknown_or_broken_registered_test_is_one_line(ci_test, chain):
    from causal_agent.errors import PluginError

    tests = plugin_tests(TestPlugin(p_value=lambda *a: float("nan")))
    with pytest.raises(PluginError) as bad:
        ci_test(chain, "A", "C", method="pz", tests=tests)
    assert "CI test 'pz' (" in str(bad.value) and "not a number in [0, 1]" in str(bad.value)
    with pytest.raises(AlgorithmError) as unknown:
        ci_test(chain, "A", "C", method="pzz", tests=tests)
    text = str(unknown.value)
    assert "known: fisherz, chisq, gsq, kci, rkci, rcit, fastkci, pz, gfast." in text and "Did you mean 'pz'" in text
    assert "\n" not in text and "\n" not in str(bad.value)


def test_tool_uses_the_context_ci_tests(chain):
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    from causal_agent.context import AgentContext, context_from_registry

    plugin = TestPlugin()
    reg = collect_registry(make_plugin_manager([plugin]))
    ctx = context_from_registry(reg)
    ctx.datasets.add(chain)
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode([reg.tools["test_independence"]], handle_tool_errors=True))
    builder.add_edge(START, "tools")
    app = builder.compile()
    msg = AIMessage(content="", tool_calls=[{"name": "test_independence", "id": "1",
                                              "args": {"x": "A", "y": "C", "method": "pz"}}])
    out = app.invoke({"messages": [msg]}, context=ctx)["messages"][-1]
    assert out.status == "success" and out.artifact["method"] == "pz" and plugin.calls
    assert out.artifact["answer"] == "no" and "test pz" in out.artifact["evidence"]


def test_science_core_imports_no_plugin():
    """The science layer never imports a built-in plugin (no fallback tables from one)."""
    import subprocess
    import sys

    code = ("import sys, causal_agent.independence, causal_agent.effects, causal_agent.discover;"
            " print(sorted(m for m in sys.modules if m.startswith('causal_agent_plugins')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.strip() == "[]", out.stdout


def test_context_from_registry_copies_the_tables(registry):
    from causal_agent.context import Settings, context_from_registry
    from causal_agent.memory import GraphMemory

    memory = GraphMemory()
    ctx = context_from_registry(registry, memory=memory, settings=Settings(alpha=0.01))
    assert ctx.memory is memory and ctx.settings.alpha == 0.01 and len(ctx.datasets) == 0
    assert ctx.ci_tests == registry.ci_tests and ctx.ci_tests is not registry.ci_tests
    assert ctx.algorithms == registry.algorithms and ctx.estimators == registry.estimators
    assert ctx.intents == registry.intents and set(ctx.tools) == set(registry.tools)
    assert ctx.planner() is None  # no factory given
    assert context_from_registry(registry, make_planner=lambda: "planner").planner() == "planner"
    assert context_from_registry(registry).memory is not context_from_registry(registry).memory


def test_configured_ci_test_answers_questions_that_name_none(registry, chain):
    """Settings.ci_test: the test for independence questions naming no test (the eval's reference
    protocol sets fisherz); a question naming a test still gets that one."""
    from causal_agent.context import Settings

    call, ctx = tool_caller(registry, chain, Settings(ci_test="kci"))

    assert call({"x": "A", "y": "B"}).artifact["method"] == "kci"
    assert call({"x": "A", "y": "B", "method": "fisherz"}).artifact["method"] == "fisherz"


def test_rcit_and_fastkci_are_registered_and_seeded(registry):
    from causal_agent.independence import run_ci_test

    assert {"rcit", "fastkci"} <= set(registry.ci_tests)
    assert registry.ci_tests["rcit"].nonlinear and registry.ci_tests["rcit"].cost < 3
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    data = np.column_stack([x, np.tanh(2 * x) + 0.3 * rng.normal(size=300), rng.normal(size=300)])
    first = run_ci_test(data, "rcit", 1, seed=3)[0]
    assert run_ci_test(data, "rcit", 1, seed=3)[0] == first  # RCIT's random features, seeded
    assert first < 0.05  # y = tanh(2x) + noise: dependent given an unrelated z
