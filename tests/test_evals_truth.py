"""Ground truth on hand-built DAGs and SCMs, and the reference procedure on generated data."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from causal_agent_evals.questions import Question
from causal_agent_evals.reference import ReferenceProcedure
from causal_agent_evals.scm import SCM, NodeModel, build_scm
from causal_agent_evals.truth import GroundTruth, as_asked, linear_ate, simulated_ate


def _gt(*edges: tuple[str, str], nodes: tuple[str, ...] = ()) -> GroundTruth:
    g = nx.DiGraph(list(edges))
    g.add_nodes_from(nodes)
    return GroundTruth(dag=g)


def _q(qtype: str, interest: list[str], given: list[str] | None = None, polarity: str = "positive",
       **kw: object) -> Question:
    from causal_agent_evals.questions import LEVELS

    return Question(id="q", question_type=qtype, level=LEVELS[qtype], dataset="d.csv", variables=[],  # type: ignore[arg-type]
                    interest=interest, given=given or [], question="?", polarity=polarity, **kw)  # type: ignore[arg-type]


def test_independence_truth_in_both_polarities() -> None:
    chain = _gt(("A", "B"), ("B", "C"))
    assert not chain.independent("A", "C") and chain.independent("A", "C", ["B"])
    assert chain.answer(_q("IT", ["A", "C"], polarity="independence")) == ("no", "no")
    assert chain.answer(_q("IT", ["A", "C"], polarity="dependence")) == ("yes", "yes")
    assert chain.answer(_q("CIT", ["A", "C"], ["B"], polarity="independence"))[0] == "yes"
    assert chain.answer(_q("CIT", ["A", "C"], ["B"], polarity="dependence"))[0] == "no"
    collider = _gt(("A", "C"), ("B", "C"))
    assert collider.independent("A", "B") and not collider.independent("A", "B", ["C"])
    # M-structure: X <- A -> M <- B -> Y: X, Y independent; conditioning on M opens the path
    m = _gt(("A", "X"), ("A", "M"), ("B", "M"), ("B", "Y"))
    assert m.independent("X", "Y")
    assert not m.independent("X", "Y", ["M"])
    assert m.independent("X", "Y", ["M", "A"])
    assert m.answer(_q("MULTCIT", ["X", "Y"], ["M", "B"], polarity="dependence"))[0] == "no"
    assert as_asked(True, "independence") == "yes" and as_asked(True, "dependence") == "no"


def test_edge_truth_cpdag_versus_dag() -> None:
    chain = _gt(("A", "B"), ("B", "C"))  # CPDAG A --- B --- C
    assert chain.edge("CAUSE", "A", "B") == ("uncertain", "yes")
    assert chain.edge("CAUSE", "B", "A") == ("uncertain", "no")
    assert chain.edge("CAUSE", "A", "C") == ("no", "no")
    collider = _gt(("A", "C"), ("B", "C"))  # v-structure: compelled
    assert collider.edge("CAUSE", "A", "C") == ("yes", "yes")
    assert collider.edge("CAUSE", "C", "A") == ("no", "no")
    assert collider.edge("Has-Collider", "A", "B") == ("yes", "yes")
    assert collider.edge("Has-Confounder", "A", "B") == ("no", "no")
    fork = _gt(("B", "A"), ("B", "C"))  # same CPDAG as the chain: a common parent only in some DAGs
    assert fork.edge("Has-Confounder", "A", "C") == ("uncertain", "yes")
    assert fork.edge("Has-Collider", "A", "C") == ("no", "no")
    # a compelled confounder: Z -> X and Z -> Y made directed by colliders at X and at Y
    conf = _gt(("Z", "X"), ("Z", "Y"), ("U", "X"), ("V", "Y"))
    assert conf.edge("Has-Confounder", "X", "Y") == ("yes", "yes")
    # answered on the question's own interest
    assert chain.answer(_q("CAUSE", ["A", "B"])) == ("uncertain", "yes")
    # a common cause is not always a common parent: a compelled grandparent G -> P -> X, G -> Y
    gp = _gt(("G", "P"), ("P", "X"), ("G", "Y"), ("U", "P"), ("V", "Y"))
    assert gp.edge("Has-Confounder", "X", "Y") == ("yes", "yes")
    assert gp.edge("Has-Direct-Confounder", "X", "Y") == ("no", "no")
    assert conf.edge("Has-Direct-Confounder", "X", "Y") == ("yes", "yes")
    assert gp.answer(_q("Has-Direct-Confounder", ["X", "Y"])) == ("no", "no")


def test_graph_truth_is_the_cpdag_and_its_induced_subgraph() -> None:
    g = _gt(("A", "C"), ("B", "C"), ("C", "D"))
    cpdag, dag = g.graph_truth()
    types = {(e["source"], e["target"]): e["type"] for e in cpdag["edges"]}
    assert types == {("A", "C"): "-->", ("B", "C"): "-->", ("C", "D"): "-->"}
    assert dag["kind"] == "dag" and cpdag["kind"] == "cpdag"
    chain = _gt(("A", "B"), ("B", "C"))
    assert {e["type"] for e in chain.graph_truth()[0]["edges"]} == {"---"}
    # PARTIAL_CG over {A, C, D}: the induced subgraph of the full CPDAG keeps A --> C --> D, although
    # the CPDAG of the sub-DAG A --> C --> D alone would be undirected
    sub, sub_dag = g.graph_truth(["A", "C", "D"])
    assert sub["nodes"] == ["A", "C", "D"]
    assert {(e["source"], e["target"], e["type"]) for e in sub["edges"]} == {("A", "C", "-->"), ("C", "D", "-->")}
    assert len(sub_dag["edges"]) == 2


def _linear_scm() -> SCM:
    """A -> B (2), B -> C (3), A -> C (1), D -> C (0.5); unit standardisation so weights are the
    coefficients: the total effect of A on C is 2*3 + 1 = 7."""
    nodes = [
        NodeModel(name="A", functions=[]),
        NodeModel(name="D", functions=[]),
        NodeModel(name="B", parents=["A"], weights=[2.0], functions=["identity"], intercept=1.0),
        NodeModel(name="C", parents=["B", "A", "D"], weights=[3.0, 1.0, 0.5], functions=["identity"] * 3),
    ]
    return SCM(kind="linear_gaussian", nodes=nodes, columns=["A", "B", "C", "D"])


def test_linear_ate_analytic_equals_path_sum_and_simulation() -> None:
    scm = _linear_scm()
    assert linear_ate(scm, "A", "C", 0.0, 1.0) == pytest.approx(7.0)
    assert linear_ate(scm, "A", "C", 0.2, 1.0) == pytest.approx(7.0 * 0.8)
    assert linear_ate(scm, "B", "C", -1.0, 1.0) == pytest.approx(6.0)
    assert linear_ate(scm, "C", "A", 0.0, 1.0) == pytest.approx(0.0)  # no directed path
    sim = simulated_ate(scm, "A", "C", 0.2, 1.0, 20_000, np.random.default_rng(0))
    assert sim == pytest.approx(5.6, rel=1e-9)  # common random numbers: exact for a linear model
    # a generated linear SCM with standardised parents: analytic and simulated agree
    dag = nx.DiGraph([("X", "M"), ("M", "Y"), ("X", "Y"), ("W", "X"), ("W", "Y")])
    gen = build_scm(dag, "linear_nongaussian", np.random.default_rng(3))
    a = linear_ate(gen, "X", "Y", -0.5, 1.5)
    s, se = simulated_ate(gen, "X", "Y", -0.5, 1.5, 50_000, np.random.default_rng(1), return_se=True)
    assert abs(a) > 0.3 and s == pytest.approx(a, abs=1e-6 + 5 * se)
    gt = GroundTruth(scm=gen)
    assert gt.answer(_q("ATE", ["X", "Y"], t0=-0.5, t1=1.5)) == (pytest.approx(a), pytest.approx(a))


def test_nonlinear_ate_is_simulated() -> None:
    dag = nx.DiGraph([("T", "Y"), ("C", "T"), ("C", "Y")])
    scm = build_scm(dag, "nonlinear_anm", np.random.default_rng(4))
    gt = GroundTruth(scm=scm, rng=np.random.default_rng(0), ate_mc_samples=100_000)
    value = gt.ate("T", "Y", 0.0, 1.0)
    # direct check: only T -> Y carries the effect, so E[f(T=1) - f(T=0)] is the weight times the
    # difference of the link function at the standardised treatment values
    from causal_agent_evals.scm import _nonlinear

    y = scm.node("Y")
    i = y.parents.index("T")
    t = scm.node("T")
    expected = y.weights[i] * (_nonlinear(y.functions[i], np.array([(1 - t.loc) / t.scale]))
                               - _nonlinear(y.functions[i], np.array([(0 - t.loc) / t.scale])))[0]
    assert value == pytest.approx(expected, abs=1e-9)
    assert gt.ate("Y", "T", 0.0, 1.0) == pytest.approx(0.0, abs=1e-12)


def test_discrete_ate_against_exact_enumeration() -> None:
    # C -> T, C -> Y, T -> Y, all binary; the true ATE sums over the confounder's distribution
    nodes = [
        NodeModel(name="C", noise="categorical", categories=2, biases=[0.0, 0.4]),
        NodeModel(name="T", parents=["C"], weights=[2.0], noise="categorical", categories=2, biases=[0.0, 0.0]),
        NodeModel(name="Y", parents=["T", "C"], weights=[1.5, -2.0], noise="categorical", categories=2,
                  biases=[0.2, -0.1]),
    ]
    scm = SCM(kind="discrete", nodes=nodes, columns=["C", "T", "Y"])

    def p1(bias: list[float], s: float) -> float:  # P(code 1) under the ordered-logit CPD, 2 levels
        return 1.0 / (1.0 + np.exp(-(bias[1] - bias[0] + s)))

    pc1 = p1([0.0, 0.4], 0.0)
    exact = 0.0
    for c, pc in ((0, 1 - pc1), (1, pc1)):
        zc = 2 * c - 1
        exact += pc * (p1([0.2, -0.1], 1.5 * 1 - 2.0 * zc) - p1([0.2, -0.1], 1.5 * -1 - 2.0 * zc))
    value = GroundTruth(scm=scm, rng=np.random.default_rng(0), ate_mc_samples=200_000).ate("T", "Y", 0, 1)
    assert value == pytest.approx(exact, abs=0.01)
    # the naive observational contrast is confounded and differs clearly
    df = scm.sample(200_000, np.random.default_rng(1))
    naive = df.loc[df["T"] == 1, "Y"].mean() - df.loc[df["T"] == 0, "Y"].mean()
    assert abs(naive - exact) > 0.05


def test_reference_procedure_on_generated_data() -> None:
    dag = nx.DiGraph([("A", "C"), ("B", "C"), ("C", "D")])
    scm = build_scm(dag, "linear_gaussian", np.random.default_rng(0), columns=["A", "B", "C", "D"])
    df = scm.sample(2000, np.random.default_rng(1)).round(5)
    ref = ReferenceProcedure(df, discrete=False)
    assert ref.ci_test == "fisherz"
    assert ref.answer(_q("IT", ["A", "B"], polarity="independence")) == "yes"
    assert ref.answer(_q("CIT", ["A", "B"], ["C"], polarity="independence")) == "no"  # p < alpha: dependent
    assert ref.answer(_q("CAUSE", ["C", "D"])) == "yes"
    assert ref.answer(_q("Has-Collider", ["A", "B"])) == "yes"
    g = ref.answer(_q("CAUSALKG", ["A", "B", "C", "D"]))
    key = lambda e: (e["source"], e["target"])  # noqa: E731
    assert sorted(GroundTruth(dag=dag).graph_truth()[0]["edges"], key=key) == sorted(g["edges"], key=key)
    part = ref.answer(_q("PARTIAL_CG", ["A", "C", "D"]))  # PC on the subset only: a chain, undirected
    assert {e["type"] for e in part["edges"]} == {"---"}
    truth = linear_ate(scm, "C", "D", 0.0, 1.0)
    est, lo, hi = ref.ate("C", "D", 0.0, 1.0)
    assert est == pytest.approx(truth, rel=0.1) and lo <= truth <= hi
    # discrete data use chi-square
    dscm = build_scm(dag, "discrete", np.random.default_rng(2))
    dref = ReferenceProcedure(dscm.sample(2000, np.random.default_rng(3)))
    assert dref.discrete and dref.ci_test == "chisq"
    assert dref.answer(_q("CIT", ["A", "B"], ["C"], polarity="dependence")) == "yes"
