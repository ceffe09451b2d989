"""Scoring: labels, graphs (F1 / SHD on hand examples), ATE tolerance edges, and aggregation."""

from __future__ import annotations

import pytest

from causal_agent.graph import CausalGraph
from causal_agent_evals.questions import LEVELS, QUESTION_TYPES, Question
from causal_agent_evals.scoring import Tolerance, aggregate, arrows, compare_arrows, compare_graphs, score


def _q(qtype: str, truth: object = None, data_answer: object = None, truth_dag: object = None,
       **kw: object) -> Question:
    return Question(id=f"{qtype}-1", question_type=qtype, level=LEVELS[qtype], dataset="d.csv",  # type: ignore[arg-type]
                    variables=["A", "B", "C", "D"], interest=["A", "B"], question="?", truth=truth,  # type: ignore[arg-type]
                    truth_dag=truth_dag, data_answer=data_answer, **kw)  # type: ignore[arg-type]


def _g(*edges: tuple[str, str, str], nodes: tuple[str, ...] = ("A", "B", "C", "D")) -> dict:
    return {"nodes": list(nodes), "edges": [{"source": a, "target": b, "type": t} for a, t, b in edges]}


def test_label_scoring_and_confidently_wrong() -> None:
    q = _q("CAUSE", truth="uncertain", truth_dag="yes", data_answer="yes")
    s = score(q, {"answer": "uncertain"})
    assert s.correct and s.uncertain and not s.confidently_wrong and s.correct_dag is False
    assert s.agrees_reference is False
    s = score(q, {"answer": "yes"})  # wrong against an uncertain truth, but not "confidently wrong"
    assert s.correct is False and not s.confidently_wrong and s.agrees_reference and s.correct_dag
    q2 = _q("IT", truth="yes", truth_dag="yes", data_answer="yes")
    assert score(q2, {"answer": "no"}).confidently_wrong
    s = score(q2, {"answer": "uncertain"})
    assert s.correct is False and s.uncertain and not s.confidently_wrong
    s = score(q2, {"answer": None, "error": "timeout", "model_calls": 3, "elapsed_s": 1.5, "steps": [{}, {}]})
    assert not s.answered and s.correct is False and s.error == "timeout"
    assert (s.model_calls, s.latency_s, s.tool_steps) == (3, 1.5, 2)
    # published questions: no truth, only the reference
    pub = _q("CIT", truth=None, data_answer="no")
    s = score(pub, {"answer": "NO "})
    assert s.correct is None and s.agrees_reference is True


def test_graph_scores_on_hand_examples() -> None:
    truth = _g(("A", "-->", "C"), ("B", "-->", "C"), ("C", "---", "D"))
    same = _g(("C", "---", "D"), ("B", "-->", "C"), ("A", "-->", "C"))
    c = compare_graphs(same, truth)
    assert c.exact and c.shd == 0 and c.f1 == 1.0
    # one reversed arrow, one missing edge, one extra edge: SHD 3; skeleton 2 of 3 right both ways
    given = _g(("C", "-->", "A"), ("C", "---", "D"), ("A", "---", "B"))
    c = compare_graphs(given, truth)
    assert c.shd == 3 and not c.exact
    assert c.precision == pytest.approx(2 / 3) and c.recall == pytest.approx(2 / 3) and c.f1 == pytest.approx(2 / 3)
    # same skeleton, different marks: F1 1 but SHD counts the marks
    marks = _g(("A", "---", "C"), ("B", "-->", "C"), ("C", "-->", "D"))
    c = compare_graphs(marks, truth)
    assert c.f1 == 1.0 and c.shd == 2
    # agrees with CausalGraph.shd on the same node set
    assert c.shd == CausalGraph.from_json(marks).shd(CausalGraph.from_json(truth))
    # empty answer: vacuous precision, zero recall
    c = compare_graphs(_g(), truth)
    assert (c.precision, c.recall, c.f1, c.shd) == (1.0, 0.0, 0.0, 3)
    # names are matched ignoring case and spaces
    assert compare_graphs(_g(("a", "-->", "c"), nodes=("a", "c")), _g(("A", "-->", "C"))).exact

    q = _q("CAUSALKG", truth=truth, data_answer=given, truth_dag=_g(("A", "-->", "C"), ("B", "-->", "C"),
                                                                        ("C", "-->", "D")))
    s = score(q, {"graph": truth})
    assert s.correct and s.shd == 0 and s.skeleton_f1 == 1.0 and s.agrees_reference is False
    assert s.shd_reference == 3 and s.shd_dag == 1
    s = score(q, {"graph": None})
    assert s.correct is False and not s.answered
    s = score(q, {"graph": {"nodes": ["A"], "edges": [{"source": "A", "target": "Z", "type": "-->"}]}})
    assert s.correct is False and s.notes


@pytest.mark.parametrize(
    ("estimate", "ok"),
    [(2.0, True), (2.0 + 0.25 - 1e-9, True), (2.0 + 0.25 + 1e-6, False), (2.0 - 0.25 + 1e-9, True),
     (2.0 - 0.25 - 1e-6, False)],
)
def test_ate_tolerance_edges(estimate: float, ok: bool) -> None:
    # truth 2.0: tolerance 10% of 2.0 + 0.05 = 0.25
    q = _q("ATE", truth=2.0, data_answer=1.9, t0=0.0, t1=1.0)
    s = score(q, {"effect": {"estimate": estimate, "ci_low": 1.9, "ci_high": 2.1, "t0": 0.0, "t1": 1.0}})
    assert s.correct is ok and s.answered
    assert s.ci_covers is True


def test_ate_zero_truth_ci_and_custom_tolerance() -> None:
    q = _q("ATE", truth=0.0, data_answer=0.3, t0=0.0, t1=1.0)
    assert score(q, {"effect": {"estimate": 0.049}}).correct
    assert not score(q, {"effect": {"estimate": 0.051}}).correct
    s = score(q, {"effect": {"estimate": 0.25, "ci_low": 0.1, "ci_high": 0.3}})  # 0.05 <= 0.03 + 0.05 of 0.3
    assert s.ci_covers is False and s.agrees_reference is True and s.abs_error == pytest.approx(0.25)
    assert score(q, {"effect": {"estimate": 0.2}}).agrees_reference is False  # 0.1 > 0.08
    assert score(q, {"effect": {"estimate": 0.2}}, Tolerance(rel=0.0, abs=0.25)).correct
    assert score(q, {"effect": None}).correct is False
    s = score(q, {"effect": {"estimate": 0.0, "t0": 0.0, "t1": 2.0}})
    assert s.notes  # a different treatment change is flagged


def test_aggregate_table() -> None:
    scores = [
        score(_q("IT", truth="yes", data_answer="yes"), {"answer": "yes", "model_calls": 2, "elapsed_s": 1.0}),
        score(_q("IT", truth="yes", data_answer="no"), {"answer": "no", "model_calls": 2, "elapsed_s": 3.0}),
        score(_q("IT", truth="no", data_answer="no"), {"answer": "uncertain", "model_calls": 4, "elapsed_s": 2.0}),
        score(_q("ATE", truth=1.0, data_answer=1.0, t0=0.0, t1=1.0),
              {"effect": {"estimate": 1.02, "ci_low": 0.9, "ci_high": 1.1}, "model_calls": 2}),
    ]
    rep = aggregate(scores)
    assert list(rep.by_type) == list(QUESTION_TYPES)
    it = rep.by_type["IT"]
    assert it.n == 3 and it.accuracy == pytest.approx(1 / 3) and it.reference_agreement == pytest.approx(2 / 3)
    assert it.confidently_wrong_rate == pytest.approx(1 / 3) and it.uncertain_rate == pytest.approx(1 / 3)
    assert it.mean_model_calls == pytest.approx(8 / 3) and it.median_latency_s == 2.0
    assert rep.by_type["ATE"].accuracy == 1.0 and rep.by_type["ATE"].ci_coverage == 1.0
    assert rep.by_type["CAUSE"].n == 0 and rep.by_type["CAUSE"].accuracy is None
    assert rep.by_level["variable"].n == 3 and rep.overall.n == 4
    assert rep.overall.accuracy == pytest.approx(2 / 4)
    assert len(rep.rows) == len(QUESTION_TYPES) + len(set(LEVELS.values())) + 1
    assert rep.model_dump(mode="json")["by_type"]["Has-Collider"]["n"] == 0


def test_edge_figures_against_the_true_dag_with_the_ceiling() -> None:
    """right / uncertain / confidently wrong against truth_dag; the ceiling scores the class truth."""
    cases = [  # (truth over the class, truth in the DAG, answer)
        ("yes", "yes", "yes"),  # right, ceiling right
        ("uncertain", "yes", "uncertain"),  # uncertain, ceiling uncertain
        ("uncertain", "no", "no"),  # right (beyond the class), ceiling uncertain
        ("no", "no", "yes"),  # confidently wrong
    ]
    scores = [score(_q("CAUSE", truth=t, truth_dag=d), {"answer": a}) for t, d, a in cases]
    assert [s.correct_dag for s in scores] == [True, False, True, False]
    assert [s.confidently_wrong_dag for s in scores] == [False, False, False, True]
    assert [s.ceiling_right for s in scores] == [True, False, False, True]
    row = aggregate(scores).by_type["CAUSE"]
    assert row.n_dag == 4
    assert (row.right_dag_rate, row.uncertain_dag_rate, row.wrong_dag_rate) == (0.5, 0.25, 0.25)
    assert (row.ceiling_right_rate, row.ceiling_uncertain_rate, row.ceiling_wrong_rate) == (0.5, 0.5, 0.0)
    assert row.right_vs_ceiling == 1.0 and row.meets_wrong_target is False
    assert row.accuracy == 0.5  # agreement with the class truth
    direct = score(_q("Has-Direct-Confounder", truth="no", truth_dag="no"), {"answer": "no"})
    assert direct.correct_dag and aggregate([direct]).by_type["Has-Direct-Confounder"].meets_wrong_target


def test_arrow_f1_against_the_true_dag() -> None:
    dag = _g(("A", "-->", "C"), ("B", "-->", "C"), ("C", "-->", "D"))
    cpdag = _g(("A", "-->", "C"), ("B", "-->", "C"), ("C", "-->", "D"))
    pag = {**_g(("A", "o->", "C"), ("B", "<->", "C"), ("C", "o-o", "D")), "kind": "pag"}
    assert arrows(pag) == {("a", "c")}
    assert compare_arrows(dag, dag) == (1.0, 1.0, 1.0)
    p, r, f = compare_arrows(_g(("C", "-->", "A"), ("B", "-->", "C")), dag)
    assert (p, r) == (0.5, pytest.approx(1 / 3)) and f == pytest.approx(0.4)
    assert compare_arrows(_g(), dag) == (1.0, 0.0, 0.0)
    q = _q("CAUSALKG", truth=_g(("A", "---", "C"), ("B", "-->", "C"), ("C", "-->", "D")), truth_dag=dag)
    s = score(q, {"graph": cpdag})
    assert s.arrow_f1 == 1.0 and s.ceiling_arrow_f1 == pytest.approx(0.8)
    row = aggregate([s]).by_type["CAUSALKG"]
    assert row.mean_arrow_f1 == 1.0 and row.mean_ceiling_arrow_f1 == pytest.approx(0.8)
