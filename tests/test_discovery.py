"""Discovery through ``discover()``: recovered CPDAGs, memory reuse, background knowledge, tools."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import counting

from causal_agent.context import AgentContext, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.discover import Background, DiscoveryResult, discover
from causal_agent.errors import (
    AlgorithmError,
    CausalAgentError,
    DataError,
    VariableError,
)
from causal_agent.graph import CausalGraph
from causal_agent.hookspecs import hookimpl
from causal_agent.plugins import collect_registry, collect_tools, make_plugin_manager
from causal_agent.registry import Registry


def linear(edges: dict[str, list[str]], n: int = 2000, seed: int = 0, weight: float = 0.8,
           noise=None) -> pd.DataFrame:
    """Linear SCM (Gaussian noise unless ``noise(rng, n)`` is given); parents listed per node."""
    rng = np.random.default_rng(seed)
    draw = noise or (lambda r, k: r.normal(size=k))
    cols: dict[str, np.ndarray] = {}
    for node, parents in edges.items():
        cols[node] = sum((weight * cols[p] for p in parents), np.zeros(n)) + draw(rng, n)
    return pd.DataFrame(cols)


CHAIN = {"A": [], "B": ["A"], "C": ["B"]}
COLLIDER = {"A": [], "C": [], "B": ["A", "C"]}
DAG7 = {
    "X1": [], "X2": [], "X3": ["X1", "X2"], "X4": ["X3"], "X6": ["X2"], "X5": ["X4", "X6"],
    "X7": ["X5"],
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    """What the installed plugins register (algorithms and CI tests), as an agent collects it."""
    return collect_registry(make_plugin_manager())


def make_ctx(registry: Registry, *frames: tuple[str, pd.DataFrame], resamples: int = 0) -> AgentContext:
    """A context built from a registry the way ``CausalAgent`` builds one (copies: tests may wrap
    an algorithm without touching the shared registry). The bootstrap is off unless asked for
    (``tests/test_bootstrap.py`` covers it), so call counts stay those of one discovery."""
    from causal_agent.context import Settings

    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=resamples))
    for name, frame in frames:
        ctx.datasets.add(load_dataset(frame, name=name))
    return ctx


def expected_cpdag(edges: dict[str, list[str]]) -> CausalGraph:
    """The true DAG's CPDAG, computed by causal-learn's dag2cpdag."""
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    dag = CausalGraph(
        nodes=list(edges),
        edges=[{"source": p, "target": c, "type": "-->"} for c, ps in edges.items() for p in ps],
        kind="dag",
    )
    return CausalGraph.from_causallearn(dag2cpdag(dag.to_causallearn()), list(edges))


def edge_set(graph: CausalGraph) -> set[str]:
    return {str(e) for e in graph.edges}


def test_pc_orients_collider(registry):
    ctx = make_ctx(registry, ("collider", linear(COLLIDER, seed=2)))
    result = discover(ctx)
    assert result.algorithm == "pc" and result.ci_test == "fisherz" and result.alpha == 0.05
    assert edge_set(result.graph) == {"A --> B", "C --> B"}
    assert result.key == "collider:pc" and not result.reused
    assert "continuous data, so PC with Fisher-z" in result.reason


def test_pc_leaves_chain_undirected(registry):
    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    result = discover(ctx, algorithm="pc")
    assert edge_set(result.graph) == {"A --- B", "B --- C"}
    assert result.graph.kind == "cpdag"


def test_pc_recovers_seven_node_cpdag(registry):
    ctx = make_ctx(registry, ("dag7", linear(DAG7, n=3000, seed=3)))
    result = discover(ctx)
    truth = expected_cpdag(DAG7)
    assert result.graph.shd(truth) == 0, result.graph.to_text()
    assert "X1 --> X3" in edge_set(result.graph) and "X6 --> X5" in edge_set(result.graph)


def test_second_request_runs_no_discovery(registry):
    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    first = discover(ctx, algorithm="pc")
    second = discover(ctx, algorithm="PC", alpha=0.05)
    assert calls == [1]
    assert not first.reused and second.reused
    assert second.key == first.key and second.graph == first.graph
    assert "no discovery run" in second.summary
    record = ctx.memory.get(first.key)
    assert record.provenance.algorithm == "pc" and record.provenance.ci_test == "fisherz"
    assert record.provenance.fingerprint == ctx.datasets.get("chain").fingerprint
    assert record.provenance.reason == first.reason and record.provenance.elapsed_s is not None
    # other parameters are another graph
    third = discover(ctx, algorithm="pc", alpha=0.01)
    assert calls == [2] and not third.reused and third.key == "chain:pc@alpha=0.01"


def test_changed_data_recomputes(registry):
    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    first = discover(ctx)
    ctx.datasets.add(load_dataset(linear(COLLIDER, seed=2), name="chain"))  # same name, new content
    second = discover(ctx)
    assert calls == [2] and not second.reused and second.key == first.key
    assert edge_set(second.graph) == {"A --> B", "C --> B"}
    assert ctx.memory.get(first.key).provenance.fingerprint == ctx.datasets.get().fingerprint


def test_partial_graph(registry):
    ctx = make_ctx(registry, ("dag7", linear(DAG7, n=3000, seed=3)))
    result = discover(ctx, variables=["x3", "X1", "X2"])
    assert result.key == "dag7:pc:X1,X2,X3"
    assert result.variables == ["X1", "X2", "X3"] == result.graph.nodes
    assert edge_set(result.graph) == {"X1 --> X3", "X2 --> X3"}
    again = discover(ctx, variables=["X2", "X3", "X1"])
    assert again.reused and again.key == result.key
    assert ctx.memory.get("dag7:pc").graph.subgraph(["X1", "X2", "X3"]) == result.graph
    induced = discover(ctx, variables=["X1", "X4"])  # no direct edge in the full graph
    assert edge_set(induced.graph) == set() and induced.reused
    marginal = discover(ctx, variables=["X1", "X4"], partial="marginal")  # X1 -> X3 -> X4 marginalised
    assert edge_set(marginal.graph) == {"X1 --- X4"}
    assert marginal.key == "dag7:pc:X1,X4@partial=marginal"
    with pytest.raises(AlgorithmError, match="partial-graph mode"):
        discover(ctx, variables=["X1", "X4"], partial="sideways")


def test_background_orients_chain(registry):
    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    plain = discover(ctx)
    required = discover(ctx, background={"required": [["A", "B"]]})
    assert edge_set(plain.graph) == {"A --- B", "B --- C"}
    assert edge_set(required.graph) == {"A --> B", "B --> C"}  # Meek rule 1 propagates
    assert required.key.startswith("chain:pc@background=") and required.key != plain.key
    assert not required.notes
    reverse = discover(ctx, background=Background(tiers=[["c"], ["b"], ["a"]]))
    assert edge_set(reverse.graph) == {"B --> A", "C --> B"}
    forbidden = discover(ctx, background=Background(forbidden=["B -> A"]))
    assert "A --> B" in edge_set(forbidden.graph)


def test_background_violation_is_reported(registry):
    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    result = discover(ctx, background={"required": ["A -> C"]})
    assert any("required edge A -> C is absent" in n for n in result.notes)
    assert "required edge A -> C is absent" in result.summary


def test_lingam_uses_tiers(registry):
    frame = linear(CHAIN, noise=lambda r, k: r.uniform(-1, 1, size=k), seed=9)
    ctx = make_ctx(registry, ("u", frame))
    free = discover(ctx, algorithm="lingam")
    assert free.graph.kind == "dag" and free.ci_test is None and free.alpha is None
    assert edge_set(free.graph) == {"A --> B", "B --> C"}
    forced = discover(ctx, algorithm="lingam", background={"tiers": [["C"], ["B"], ["A"]]})
    assert "A --> B" not in edge_set(forced.graph) and "B --> C" not in edge_set(forced.graph)


@pytest.mark.parametrize("name", ["pc", "fci", "ges", "lingam", "grasp"])
def test_each_algorithm_returns_a_graph(registry, name):
    frame = linear(COLLIDER, n=600, seed=11, noise=lambda r, k: r.uniform(-1.5, 1.5, size=k))
    ctx = make_ctx(registry, ("small", frame))
    result = discover(ctx, algorithm=name)
    assert isinstance(result, DiscoveryResult) and isinstance(result.graph, CausalGraph)
    assert result.algorithm == name and result.key == f"small:{name}"
    assert sorted(result.graph.nodes) == ["A", "B", "C"]
    skeleton = {frozenset((e.source, e.target)) for e in result.graph.edges}
    assert skeleton == {frozenset("AB"), frozenset("CB")}
    assert ctx.memory.get(result.key).graph == result.graph


def test_auto_choices_say_why(registry):
    rng = np.random.default_rng(12)
    n = 2000
    a = rng.integers(0, 3, n)
    b = (a + rng.integers(0, 2, n)) % 3
    c = (b + (rng.random(n) < 0.2)) % 3
    discrete = make_ctx(registry, ("d", pd.DataFrame({"a": a, "b": b, "c": c})))
    result = discover(discrete)
    assert (result.algorithm, result.ci_test) == ("pc", "chisq")
    assert "all 3 variables are discrete" in result.reason
    assert edge_set(result.graph) == {"a --- b", "b --- c"}

    uniform = linear(CHAIN, noise=lambda r, k: r.exponential(size=k), seed=13)
    nongauss = make_ctx(registry, ("ng", uniform))
    chosen = discover(nongauss)
    assert chosen.algorithm == "lingam" and "non-Gaussian" in chosen.reason
    assert edge_set(chosen.graph) == {"A --> B", "B --> C"}

    gaussian = discover(make_ctx(registry, ("g", linear(CHAIN))))
    assert gaussian.algorithm == "pc" and "lingam" not in gaussian.reason.lower()


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"algorithm": "pcc"}, AlgorithmError, "Did you mean 'pc'"),
        ({"variables": ["A"]}, VariableError, "at least 2 variables"),
        ({"variables": ["A", "Q"]}, VariableError, "unknown variable 'Q'"),
        ({"ci_test": "fishr"}, AlgorithmError, "Did you mean 'fisherz'"),
        ({"ci_test": "chisq"}, AlgorithmError, "needs discrete variables"),
        ({"algorithm": "ges", "ci_test": "kci"}, AlgorithmError, "does not use a conditional"),
        ({"algorithm": "ges", "background": {"required": [["A", "B"]]}}, AlgorithmError,
         "cannot use background knowledge"),
        ({"background": {"required": [["A", "Z"]]}}, VariableError, "unknown variable 'Z'"),
        ({"variables": ["A", "B"], "partial": "marginal", "background": {"tiers": [["C"]]}}, VariableError,
         "not among the graph's variables"),
        ({"background": {"required": [["A", "B"]], "forbidden": [["A", "B"]]}}, VariableError,
         "both required and forbidden"),
        ({"background": {"required": ["A -> B"], "tiers": [["B"], ["A"]]}}, VariableError,
         "contradicts the tiers"),
        ({"algorithm": "pc", "depth": 2}, AlgorithmError, "unknown parameter 'depth' for pc"),
        ({"alpha": 0}, AlgorithmError, "alpha must be between 0 and 1"),
        ({"dataset": "chian"}, DataError, "Did you mean 'chain'"),
    ],
)
def test_bad_input_is_one_line(registry, kwargs, error, fragment):
    ctx = make_ctx(registry, ("chain", linear(CHAIN, n=300)))
    with pytest.raises(error) as info:
        discover(ctx, **kwargs)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, CausalAgentError)
    assert ctx.memory.keys() == []  # nothing half-written


def test_constant_column_is_rejected(registry):
    ctx = make_ctx(registry, ("k", linear(CHAIN, n=100).assign(K=2.0)))
    with pytest.raises(DataError, match="constant"):
        discover(ctx, variables=["A", "K"])
    assert "K" not in discover(ctx).variables  # excluded from full graphs by the profile


def test_tool_through_toolnode(registry):
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    tools = {t.name: t for t in collect_tools(make_plugin_manager())}
    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode([tools["discover_graph"]], handle_tool_errors=True))
    builder.add_edge(START, "tools")
    app = builder.compile()

    def call(args: dict) -> object:
        msg = AIMessage(content="", tool_calls=[{"name": "discover_graph", "args": args, "id": "1"}])
        return app.invoke({"messages": [msg]}, context=ctx)["messages"][-1]

    first = call({})
    assert first.status == "success"
    art = first.artifact
    assert {"key", "graph", "algorithm", "ci_test", "alpha", "reason", "reused", "elapsed_s",
            "variables"} <= set(art)
    assert art["key"] == "chain:pc" and art["reused"] is False
    assert CausalGraph.from_json(art["graph"]).has_edge("A", "B")
    assert "chain:pc" in first.content and "A --- B" in first.content
    second = call({"algorithm": "auto"})
    assert second.artifact["reused"] is True and calls == [1]
    oriented = call({"background": {"required": [["A", "B"]]}})
    assert "A --> B" in oriented.content and oriented.artifact["key"] != "chain:pc"
    bad = call({"algorithm": "nope"})
    assert bad.status == "error" and "unknown discovery algorithm 'nope'" in bad.content


def test_background_key_is_canonical_and_notes_survive_reuse(registry):
    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    calls = counting(ctx, "pc")
    first = discover(ctx, background={"required": [["A", "B"], ["a", "c"]]})
    second = discover(ctx, background={"required": ["A -> C", "A -> B"]})
    assert calls == [1] and second.reused and second.key == first.key
    assert any("required edge A -> C is absent" in n for n in second.notes)


def test_settings_choose_the_default_algorithm(registry):
    from causal_agent.context import Settings

    ctx = make_ctx(registry, ("chain", linear(CHAIN)))
    ctx.settings = Settings(algorithm="ges", alpha=0.01)
    result = discover(ctx)
    assert result.algorithm == "ges" and result.key == "chain:ges" and result.alpha is None
    pc = discover(ctx, algorithm="pc")
    assert pc.alpha == 0.01 and pc.key == "chain:pc@alpha=0.01"


# ---- capabilities, not names ---------------------------------------------------------------------
def fisher_z_p(data: np.ndarray, x: int, y: int, given: list[int]) -> float:
    """A plugin's own Fisher-z p-value (the formula causal-learn uses), to check it is called."""
    from scipy import stats

    prec = np.linalg.inv(np.corrcoef(data[:, [x, y, *given]].T))
    r = -prec[0, 1] / np.sqrt(prec[0, 0] * prec[1, 1])
    z = np.sqrt(data.shape[0] - len(given) - 3) * abs(np.arctanh(r))
    return float(2 * stats.norm.sf(z))


def order_dag(data: np.ndarray, names: list[str], **_: object) -> CausalGraph:
    """A toy DAG learner for discrete data: an edge i -> j (i before j) where the two columns'
    chi-square test of their contingency table rejects independence."""
    from scipy.stats import chi2_contingency

    edges = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            table = pd.crosstab(data[:, i], data[:, j]).to_numpy()
            if chi2_contingency(table).pvalue < 0.01:
                edges.append({"source": names[i], "target": names[j], "type": "-->"})
    return CausalGraph(nodes=list(names), edges=edges, kind="dag")


class ThirdParty:
    """A third-party plugin: an algorithm declared for discrete data with a DAG output, and a CI
    test with its own function."""

    def __init__(self) -> None:
        self.calls = {"order": 0, "pz": 0}

    @hookimpl
    def register_algorithms(self, register):
        def order(data, names, **kw):
            self.calls["order"] += 1
            return order_dag(data, names, **kw)

        register("orderdag", order, "toy DAG learner for discrete data", data_kinds=["discrete"],
                 output="dag", uses_ci_test=False, cost=0.01, label="OrderDAG", aliases=["odag"])

    @hookimpl
    def register_ci_tests(self, register):
        def pz(data, x, y, given):
            self.calls["pz"] += 1
            return fisher_z_p(data, x, y, given)

        register("pz", pz, "Fisher-z by the plugin", data_kinds=["continuous"], cost=5.0,
                 label="plugin Fisher-z", aliases=["plugin z"])


def discrete_chain(n: int = 2000, seed: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, n)
    b = (a + rng.integers(0, 2, n)) % 3
    c = (b + (rng.random(n) < 0.2)) % 3
    return pd.DataFrame({"a": a, "b": b, "c": c})


@pytest.fixture()
def third_party():
    plugin = ThirdParty()
    return plugin, collect_registry(make_plugin_manager([plugin]))


def test_auto_picks_the_plugin_algorithm_whose_declarations_fit(third_party):
    plugin, reg = third_party
    ctx = make_ctx(reg, ("d", discrete_chain()), ("g", linear(CHAIN)))
    result = discover(ctx, dataset="d")
    assert result.algorithm == "orderdag" and result.ci_test is None and plugin.calls["order"] == 1
    assert result.graph.kind == "dag" and {"a --> b", "b --> c"} <= edge_set(result.graph)
    assert "all 3 variables are discrete, so OrderDAG, which gives a DAG" in result.reason
    assert "PC would give a CPDAG" in result.reason
    # it does not declare continuous data, so auto keeps PC there
    assert discover(ctx, dataset="g").algorithm == "pc" and plugin.calls["order"] == 1


def test_auto_ranks_by_declarations_not_names(registry):
    from dataclasses import replace

    from causal_agent.discover import choose_algorithm

    ds = load_dataset(linear(CHAIN, noise=lambda r, k: r.exponential(size=k), seed=13), name="ng")
    algos = dict(registry.algorithms)
    tests = registry.ci_tests
    assert choose_algorithm(ds, ds.variables, 2000, algos, tests)[0] == "lingam"
    assert choose_algorithm(ds, ds.variables, 2000, algos, tests, latent_confounders=True)[0] == "fci"
    # the same declarations under other names give the same choice
    renamed = {f"x{i}": replace(a, name=f"x{i}") for i, a in enumerate(algos.values())}
    chosen = choose_algorithm(ds, ds.variables, 2000, renamed, tests)[0]
    assert renamed[chosen].label == "DirectLiNGAM"
    # over budget (cost x n x p^3), the cheapest eligible one: PC
    name, test, why = choose_algorithm(ds, ds.variables, 10**7, algos, tests)
    assert (name, test) == ("pc", "fisherz") and "DirectLiNGAM would suit the data but is too costly" in why


def test_using_a_plugin_algorithm_runs_exactly_it(third_party):
    plugin, reg = third_party
    ctx = make_ctx(reg, ("g", linear(CHAIN)))
    result = discover(ctx, algorithm="OrderDAG")  # its label; the alias "odag" works too
    assert result.algorithm == "orderdag" and result.key == "g:orderdag" and plugin.calls["order"] == 1
    assert any("OrderDAG is declared for discrete data and these are continuous" in n
               for n in result.notes)
    assert discover(ctx, algorithm="odag").reused and plugin.calls["order"] == 1


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"algorithm": "nope"},
         "unknown discovery algorithm 'nope'; known: pc, fci, ges, lingam, grasp, cdnod, orderdag."),
        ({"ci_test": "nope"},
         "unknown independence test 'nope'; known: fisherz, chisq, gsq, kci, rkci, rcit, fastkci, pz."),
        ({"algorithm": "fci", "ci_test": "pz"}, "fci runs only causal-learn's own CI tests"),
        ({"algorithm": "ges", "ci_test": "pz"}, "leave ci_test as 'auto' or use pc or fci"),
    ],
)
def test_unknown_names_are_one_line_errors(third_party, kwargs, fragment):
    _, reg = third_party
    ctx = make_ctx(reg, ("g", linear(CHAIN, n=300)))
    with pytest.raises(AlgorithmError) as info:
        discover(ctx, **kwargs)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert ctx.memory.keys() == []


def test_pc_runs_a_registered_ci_test_function(third_party):
    plugin, reg = third_party
    ctx = make_ctx(reg, ("collider", linear(COLLIDER, seed=2)))
    builtin = discover(ctx, algorithm="pc", ci_test="fisherz")
    mine = discover(ctx, algorithm="pc", ci_test="plugin z")
    assert plugin.calls["pz"] > 0 and mine.ci_test == "pz" and mine.key != builtin.key
    assert mine.graph == builtin.graph and edge_set(mine.graph) == {"A --> B", "C --> B"}
    assert "PC (plugin Fisher-z, alpha 0.05)" in mine.summary
    assert "plugin Fisher-z tests as requested" in mine.reason


def test_pc_runs_residual_kci_through_the_same_path(registry):
    frame = linear(COLLIDER, n=400, seed=2)
    ctx = make_ctx(registry, ("collider", frame))
    result = discover(ctx, algorithm="pc", ci_test="residual KCI")
    assert result.ci_test == "rkci" and edge_set(result.graph) == {"A --> B", "C --> B"}


def test_empty_ci_tests_are_a_one_line_error(registry):
    """A context without CI tests never falls back to the built-in plugin's declarations."""
    ctx = make_ctx(registry, ("d", discrete_chain()))
    ctx.ci_tests = {}
    with pytest.raises(AlgorithmError) as info:
        discover(ctx)
    text = str(info.value)
    assert text.startswith("no CI tests are registered") and "context_from_registry" in text
    assert "\n" not in text
    result = discover(make_ctx(registry, ("d", discrete_chain())))  # from the registry: works
    assert (result.algorithm, result.ci_test) == ("pc", "chisq")
    assert "PC (chi-square, alpha 0.05)" in result.summary


def test_reference_protocol_reproduces_plain_pc(registry):
    """Settings of the eval's reference protocol: causal-learn's pc(data, 0.05, fisherz) exactly,
    on all columns and, for a partial graph, on the subset's columns alone."""
    from causallearn.search.ConstraintBased.PC import pc

    from causal_agent.context import Settings

    frame = linear(DAG7, n=500, seed=5)
    ctx = context_from_registry(registry, settings=Settings(
        ci_test="fisherz", algorithm="pc", alpha=0.05, partial_graph="subset", discovery_resamples=0,
        algorithm_params={"uc_rule": 0, "uc_priority": 2}))
    ctx.datasets.add(load_dataset(frame, name="ref"))
    for cols in (list(frame.columns), ["X1", "X3", "X5", "X7"]):
        plain = pc(frame[cols].to_numpy(), 0.05, "fisherz", show_progress=False, node_names=cols)
        got = discover(ctx, variables=None if len(cols) == 7 else cols)
        assert got.graph == CausalGraph.from_causallearn(plain.G, cols)
        assert got.ci_test == "fisherz" and got.support is None
    assert discover(ctx, variables=["X1", "X3", "X5", "X7"]).key.endswith("@ci_test=fisherz,partial=marginal,uc_priority=2,uc_rule=0")
    induced = context_from_registry(registry, settings=Settings(discovery_resamples=0))
    induced.datasets.add(load_dataset(frame, name="ref"))
    assert discover(induced, variables=["X1", "X3", "X5", "X7"]).key == "ref:pc:X1,X3,X5,X7"


def test_configured_ci_test_is_used_unless_one_is_named(registry):
    from causal_agent.context import Settings

    ctx = make_ctx(registry, ("chain", linear(CHAIN, n=300)))
    ctx.settings = Settings(ci_test="kci", discovery_resamples=0)
    got = discover(ctx, algorithm="pc")
    assert got.ci_test == "kci" and "KCI tests as configured" in got.reason
    assert discover(ctx, algorithm="pc", ci_test="fisherz").ci_test == "fisherz"
    lingam = discover(ctx, algorithm="lingam")  # uses no CI test: a note, not an error
    assert any("does not apply to lingam" in n for n in lingam.notes)


def test_collider_conflict_is_reported_with_the_rule(registry):
    """A -> B <-> C <- D (B, C share a latent cause): two colliders orient B - C both ways."""
    rng = np.random.default_rng(1)
    n = 3000
    a, d, latent = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    frame = pd.DataFrame({"A": a, "B": a + latent + 0.5 * rng.normal(size=n),
                          "C": d + latent + 0.5 * rng.normal(size=n), "D": d})
    ctx = make_ctx(registry, ("latent", frame))
    got = discover(ctx, algorithm="pc")
    text = " ".join(got.notes)
    assert "collider conflict" in text and "B -- C" in text
    assert "uc_rule=1, uc_priority=3" in text  # maxP, the stronger collider wins
    plain = discover(ctx, algorithm="pc", uc_rule=0, uc_priority=2)
    assert "uc_rule=0, uc_priority=2" in " ".join(plain.notes) and plain.key != got.key


def test_nonlinear_data_get_a_nonparametric_test_that_scales(registry):
    from causal_agent.discover import choose_algorithm, nonlinear_profile

    rng = np.random.default_rng(0)
    n = 800
    x = rng.normal(size=n)
    y = np.sin(2 * x) + 0.3 * rng.normal(size=n)
    z = y**2 + 0.3 * rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": y, "z": z})
    ds = load_dataset(frame, name="nl")
    data = ds.matrix(ds.variables)
    assert nonlinear_profile(data, ds.variables).nonlinear
    name, test, why = choose_algorithm(ds, ds.variables, n, registry.algorithms, registry.ci_tests,
                                       data=data)
    chosen = registry.ci_tests[test]
    assert registry.algorithms[name].uses_ci_test and chosen.nonlinear and chosen.cost < 3
    assert "look nonlinear" in why
    lin = load_dataset(linear(CHAIN, n=800), name="lin")
    assert not nonlinear_profile(lin.matrix(lin.variables), lin.variables).nonlinear
    assert choose_algorithm(lin, lin.variables, 800, registry.algorithms, registry.ci_tests,
                            data=lin.matrix(lin.variables))[1] == "fisherz"
