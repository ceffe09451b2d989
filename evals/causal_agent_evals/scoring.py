"""Scoring one answer against the truth and the reference procedure, and aggregating a run.

* yes / no / uncertain: exact match. "Confidently wrong" is a yes/no answer that contradicts a
  yes/no truth; it is counted apart from "uncertain" answers (an "uncertain" against a yes/no
  truth is wrong but honest; a yes/no against an "uncertain" truth is wrong but not counted as
  confidently wrong, because the truth itself says the data cannot decide).
* graphs: correct = the same edges and endpoint marks as the truth (the CPDAG of the true DAG, or
  its induced subgraph for PARTIAL_CG); agreement = the same against the reference graph; plus
  skeleton precision / recall / F1 and SHD against the truth (and SHD against the true DAG, which
  is the fair target for a DAG-valued answer such as LiNGAM's). SHD counts node pairs whose edge
  differs in presence or in any endpoint mark (as ``CausalGraph.shd``). Node names are matched
  ignoring case, spaces and underscores. With no predicted edges precision is vacuously 1.0.
* edge questions, against the true DAG (``truth_dag``): *right* (the DAG's answer), *uncertain*,
  or *confidently wrong* (a yes/no contradicting the DAG); beside them the **ceiling**, the same
  three figures for the answers read off the true CPDAG (``truth``, what observational data can
  identify at best), and the agreement with ``truth``. The issue's targets are checked per edge
  type: confidently wrong ≤ 5 % (``TARGET_WRONG``) and direct-cause "right" at least 90 % of the
  ceiling's (``TARGET_CAUSE_VS_CEILING``).
* arrow precision / recall / F1: the arrowheads of the answer (``a --> b`` and ``a o-> b``, an
  arrow into b) against the true DAG's arcs; the ceiling is the true CPDAG's arrows.
* mediation: "does X affect Y through M?" (``Mediates``) is scored as the edge types are (right /
  uncertain / confidently wrong against the true DAG, beside the ceiling); the natural indirect
  and direct effects (``NIE``, ``NDE``) as the ATE is, the answer's headline ``effect`` against
  the true effect, with the same tolerance and CI coverage.
* ATE: correct = |estimate − truth| <= rel_tol·|truth| + abs_tol (default 10% + 0.05);
  ``ci_covers`` says whether [ci_low, ci_high] contains the truth; agreement uses the same
  tolerance against the reference estimate.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from causal_agent.errors import CausalAgentError, DataError

from .questions import CLASS_QUESTION_TYPES, GRAPH_TYPES, LEVELS, QUESTION_TYPES, SET_TYPES, YES_NO_TYPES, Question

LABELS = ("yes", "no", "partly", "uncertain")
#: answers that commit to something ("partly": some of an association is causal)
DECIDED = ("yes", "no", "partly")
#: a causes/effects table's status words -> the labels of the truth
STATUS_LABELS = {"definitely": "yes", "possibly": "uncertain", "definitely not": "no"}
TARGET_WRONG = 0.05  # confidently wrong against the true DAG, every edge type
TARGET_CAUSE_VS_CEILING = 0.90  # direct-cause "right" as a share of the ceiling's


class Tolerance(BaseModel):
    """ATE tolerance: an estimate is right when within ``rel`` of |truth| plus ``abs``."""

    rel: float = Field(0.10, ge=0)
    abs: float = Field(0.05, ge=0)

    def ok(self, estimate: float, target: float) -> bool:
        return abs(estimate - target) <= self.rel * abs(target) + self.abs


class Score(BaseModel):
    """The verdict on one answer; the run fields (model calls, tokens, latency…) come from the
    given answer when it carries them, or are set by the runner."""

    id: str
    question_type: str
    level: str
    source: str = "generated"
    expected: Any = None  # the truth
    reference: Any = None  # the reference procedure's answer
    given: Any = None  # the label, graph or estimate the agent gave
    answered: bool = False  # the answer has the form the question asks for
    correct: bool | None = None  # against the truth (None: no truth known)
    correct_dag: bool | None = None  # against the true DAG (yes/no types)
    agrees_reference: bool | None = None
    confidently_wrong: bool = False  # a yes/no contradicting a yes/no truth (the class answer)
    confidently_wrong_dag: bool = False  # a yes/no contradicting the true DAG
    uncertain: bool = False
    # the ceiling: the class answer (``truth``) itself, scored against the true DAG
    ceiling_right: bool | None = None
    ceiling_uncertain: bool | None = None
    ceiling_wrong: bool | None = None
    # graphs
    skeleton_precision: float | None = None
    skeleton_recall: float | None = None
    skeleton_f1: float | None = None
    arrow_precision: float | None = None
    arrow_recall: float | None = None
    arrow_f1: float | None = None
    ceiling_arrow_f1: float | None = None  # the true CPDAG's arrows against the true DAG
    shd: int | None = None
    shd_dag: int | None = None
    shd_reference: int | None = None
    # effects
    abs_error: float | None = None
    ci_covers: bool | None = None
    # run
    model_calls: int | None = None
    tokens: int | None = None
    latency_s: float | None = None
    tool_steps: int | None = None
    error: str | None = None
    notes: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# graphs
# ---------------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def _marks(graph: Any) -> dict[tuple[str, str], tuple[str, str]]:
    """{(a, b) with a < b (normalised names): (mark at a, mark at b)}."""
    from causal_agent.graph import CausalGraph

    g = graph if isinstance(graph, CausalGraph) else CausalGraph.from_json(graph)
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for e in g.edges:
        a, b = _norm(e.source), _norm(e.target)
        ma, mb = e.marks
        out[(a, b) if a < b else (b, a)] = (ma, mb) if a < b else (mb, ma)
    return out


class GraphComparison(BaseModel):
    """How a graph compares with a target graph."""

    exact: bool
    shd: int
    precision: float
    recall: float
    f1: float


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def arrows(graph: Any) -> set[tuple[str, str]]:
    """(a, b) for every arrowhead into b on an edge whose other end is not an arrowhead
    (``a --> b``, ``a o-> b``): the answer's claims that a causes b, in normalised names."""
    out: set[tuple[str, str]] = set()
    for (a, b), (ma, mb) in _marks(graph).items():
        if mb == "arrow" and ma != "arrow":
            out.add((a, b))
        if ma == "arrow" and mb != "arrow":
            out.add((b, a))
    return out


def compare_arrows(given: Any, target_dag: Any) -> tuple[float, float, float]:
    """Arrowhead precision, recall and F1 of ``given`` against the arcs of ``target_dag``
    (no predicted arrows: precision vacuously 1.0)."""
    g, t = arrows(given), arrows(target_dag)
    tp = len(g & t)
    precision = tp / len(g) if g else 1.0
    recall = tp / len(t) if t else 1.0
    return precision, recall, _f1(precision, recall)


def compare_graphs(given: Any, target: Any) -> GraphComparison:
    """Skeleton precision/recall/F1 and SHD of ``given`` against ``target`` (graph JSON or
    ``CausalGraph``); exact means the same edges with the same marks."""
    g, t = _marks(given), _marks(target)
    shd = sum(1 for p in set(g) | set(t) if g.get(p) != t.get(p))
    tp = len(set(g) & set(t))
    precision = tp / len(g) if g else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = _f1(precision, recall)
    return GraphComparison(exact=shd == 0, shd=shd, precision=precision, recall=recall, f1=f1)


# ---------------------------------------------------------------------------------------------
# one answer
# ---------------------------------------------------------------------------------------------


def score(question: Question, given_answer: dict[str, Any] | Any, tolerance: Tolerance | None = None) -> Score:
    """Score ``given_answer`` (the Answer JSON fields: ``answer``, ``graph``, ``effect``, and
    optionally ``model_calls``, ``tokens``, ``elapsed_s``, ``steps``, ``error``) for ``question``."""
    tol = tolerance or Tolerance()
    if hasattr(given_answer, "model_dump"):
        given_answer = given_answer.model_dump(mode="json")
    if not isinstance(given_answer, dict):
        raise DataError(f"a given answer must be a dict of Answer fields, got {type(given_answer).__name__}")
    s = Score(
        id=question.id,
        question_type=question.question_type,
        level=question.level,
        source=question.source,
        expected=question.truth,
        reference=question.data_answer,
        model_calls=given_answer.get("model_calls"),
        tokens=given_answer.get("tokens"),
        latency_s=given_answer.get("elapsed_s", given_answer.get("latency_s")),
        tool_steps=len(given_answer["steps"]) if isinstance(given_answer.get("steps"), list) else None,
        error=given_answer.get("error"),
    )
    qt = question.question_type
    if qt in SET_TYPES:
        return _score_set(question, given_answer, s)
    if qt in YES_NO_TYPES:
        return _score_label(question, given_answer, s)
    if qt in GRAPH_TYPES:
        return _score_graph(question, given_answer, s)
    return _score_effect(question, given_answer, s, tol)


def _score_label(q: Question, ans: dict[str, Any], s: Score) -> Score:
    label = ans.get("answer")
    label = label.strip().lower() if isinstance(label, str) else None
    s.given = label
    s.answered = label in LABELS
    s.uncertain = label == "uncertain"
    if q.truth is not None:
        s.correct = s.answered and label == q.truth
        s.confidently_wrong = label in DECIDED and q.truth in DECIDED and label != q.truth
    if q.truth_dag is not None:
        s.correct_dag = s.answered and label == q.truth_dag
        s.confidently_wrong_dag = label in DECIDED and q.truth_dag in DECIDED and label != q.truth_dag
        if q.truth in LABELS:
            s.ceiling_right = q.truth == q.truth_dag
            s.ceiling_uncertain = q.truth == "uncertain"
            s.ceiling_wrong = q.truth in DECIDED and q.truth != q.truth_dag
    if q.data_answer is not None:
        s.agrees_reference = s.answered and label == q.data_answer
    return s


def relatives_given(ans: dict[str, Any]) -> dict[str, str] | None:
    """A causes/effects answer as {variable: yes / no / uncertain}, read off its table (the first
    whose first column is ``variable`` and second holds definitely / possibly / definitely not)."""
    for t in ans.get("tables") or []:
        rows, cols = t.get("rows") or [], t.get("columns") or []
        if cols[:1] == ["variable"] and rows and all(len(r) > 1 and r[1] in STATUS_LABELS for r in rows):
            return {str(r[0]): STATUS_LABELS[r[1]] for r in rows}
    return None


def _score_set(q: Question, ans: dict[str, Any], s: Score) -> Score:
    """"What causes X?" / "what does X affect?": one label per other variable. Right: every label
    equals the truth's; confidently wrong: some definite label contradicts a definite truth;
    uncertain: no contradiction but some variable left possible. The ceiling is the class truth
    itself against the true DAG."""
    given = relatives_given(ans)
    s.given = given
    truth = q.truth if isinstance(q.truth, dict) else None
    dag = q.truth_dag if isinstance(q.truth_dag, dict) else None
    if given is None:
        s.correct = False if truth is not None else None
        s.correct_dag = False if dag is not None else None
        return s
    s.answered = True

    def against(target: dict[str, Any]) -> tuple[bool, bool]:
        names = {_norm(k): v for k, v in given.items()}
        got = {k: names.get(_norm(k)) for k in target}
        right = all(got[k] == v for k, v in target.items())
        wrong = any(got[k] in ("yes", "no") and v in ("yes", "no") and got[k] != v for k, v in target.items())
        return right, wrong

    if truth is not None:
        s.correct, s.confidently_wrong = against(truth)
    if dag is not None:
        s.correct_dag, s.confidently_wrong_dag = against(dag)
        s.uncertain = not s.confidently_wrong_dag and not s.correct_dag and "uncertain" in given.values()
        if truth is not None:
            s.ceiling_right = all(truth.get(k) == v for k, v in dag.items())
            s.ceiling_uncertain = not s.ceiling_right and "uncertain" in truth.values()
            s.ceiling_wrong = False  # the class truth never contradicts its own DAG
    if isinstance(q.data_answer, dict):
        s.agrees_reference = all(given.get(k) == v for k, v in q.data_answer.items())
    return s


def _score_graph(q: Question, ans: dict[str, Any], s: Score) -> Score:
    graph = ans.get("graph")
    s.given = graph
    if not isinstance(graph, dict):
        s.correct = False if q.truth is not None else None
        s.agrees_reference = False if q.data_answer is not None else None
        return s
    try:
        _marks(graph)
    except CausalAgentError as exc:
        s.notes.append(f"unreadable graph: {exc}")
        s.correct = False if q.truth is not None else None
        s.agrees_reference = False if q.data_answer is not None else None
        return s
    s.answered = True
    if isinstance(q.truth, dict):
        c = compare_graphs(graph, q.truth)
        s.correct, s.shd = c.exact, c.shd
        s.skeleton_precision, s.skeleton_recall, s.skeleton_f1 = c.precision, c.recall, c.f1
    if isinstance(q.truth_dag, dict):
        cd = compare_graphs(graph, q.truth_dag)
        s.shd_dag, s.correct_dag = cd.shd, cd.exact
        s.arrow_precision, s.arrow_recall, s.arrow_f1 = compare_arrows(graph, q.truth_dag)
        if isinstance(q.truth, dict):
            s.ceiling_arrow_f1 = compare_arrows(q.truth, q.truth_dag)[2]
    if isinstance(q.data_answer, dict):
        cr = compare_graphs(graph, q.data_answer)
        s.agrees_reference, s.shd_reference = cr.exact, cr.shd
    return s


def _score_effect(q: Question, ans: dict[str, Any], s: Score, tol: Tolerance) -> Score:
    effect = ans.get("effect")
    est = effect.get("estimate") if isinstance(effect, dict) else None
    if not isinstance(est, (int, float)) or est != est:  # missing or NaN
        s.correct = False if isinstance(q.truth, (int, float)) else None
        s.agrees_reference = False if isinstance(q.data_answer, (int, float)) else None
        return s
    est = float(est)
    s.given = est
    s.answered = True
    e_t0, e_t1 = effect.get("t0"), effect.get("t1")  # type: ignore[union-attr]
    if q.t0 is not None and e_t0 is not None and e_t1 is not None and (
            float(e_t0) != float(q.t0) or float(e_t1) != float(q.t1 or 0)):
        s.notes.append(f"effect estimated for {e_t0} -> {e_t1}, the question asks {q.t0} -> {q.t1}")
    if isinstance(q.truth, (int, float)):
        truth = float(q.truth)
        s.correct = tol.ok(est, truth)
        s.abs_error = abs(est - truth)
        lo, hi = effect.get("ci_low"), effect.get("ci_high")  # type: ignore[union-attr]
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
            s.ci_covers = float(lo) <= truth <= float(hi)
    if isinstance(q.data_answer, (int, float)):
        s.agrees_reference = tol.ok(est, float(q.data_answer))
    return s


# ---------------------------------------------------------------------------------------------
# aggregation
# ---------------------------------------------------------------------------------------------


class Row(BaseModel):
    """Figures for one group (a sub-type, a level, or everything)."""

    group: str
    kind: Literal["type", "level", "overall"]
    n: int = 0
    n_truth: int = 0  # questions with a known truth
    accuracy: float | None = None  # against the truth
    accuracy_dag: float | None = None  # against the true DAG (yes/no types, graphs)
    n_reference: int = 0
    reference_agreement: float | None = None
    answered_rate: float | None = None
    confidently_wrong_rate: float | None = None  # yes/no types, over questions with a yes/no truth
    uncertain_rate: float | None = None  # yes/no types
    # edge types, against the true DAG, over questions with a DAG answer
    n_dag: int = 0
    right_dag_rate: float | None = None
    uncertain_dag_rate: float | None = None
    wrong_dag_rate: float | None = None
    ceiling_right_rate: float | None = None
    ceiling_uncertain_rate: float | None = None
    ceiling_wrong_rate: float | None = None
    right_vs_ceiling: float | None = None  # right_dag_rate / ceiling_right_rate
    meets_wrong_target: bool | None = None  # wrong_dag_rate <= TARGET_WRONG
    mean_arrow_f1: float | None = None
    mean_ceiling_arrow_f1: float | None = None
    error_rate: float | None = None
    mean_skeleton_f1: float | None = None
    mean_shd: float | None = None
    ci_coverage: float | None = None
    mean_model_calls: float | None = None
    median_latency_s: float | None = None
    mean_tokens: float | None = None


class Report(BaseModel):
    """A run's table: one row per sub-type (every code), per level, and overall."""

    by_type: dict[str, Row]
    by_level: dict[str, Row]
    overall: Row

    @property
    def rows(self) -> list[Row]:
        return [*self.by_type.values(), *self.by_level.values(), self.overall]


def _rate(flags: Iterable[bool | None]) -> tuple[int, float | None]:
    vals = [bool(f) for f in flags if f is not None]
    return len(vals), (sum(vals) / len(vals) if vals else None)


def _mean(values: Iterable[float | int | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _row(group: str, kind: Literal["type", "level", "overall"], scores: Sequence[Score]) -> Row:
    row = Row(group=group, kind=kind, n=len(scores))
    if not scores:
        return row
    row.n_truth, row.accuracy = _rate(s.correct for s in scores)
    _, row.accuracy_dag = _rate(s.correct_dag for s in scores)
    row.n_reference, row.reference_agreement = _rate(s.agrees_reference for s in scores)
    _, row.answered_rate = _rate(s.answered for s in scores)
    _, row.error_rate = _rate(s.error is not None for s in scores)
    yes_no = [s for s in scores if s.question_type in YES_NO_TYPES]
    if yes_no:
        _, row.uncertain_rate = _rate(s.uncertain for s in yes_no)
        decided = [s for s in yes_no if s.expected in DECIDED]
        _, row.confidently_wrong_rate = _rate(s.confidently_wrong for s in decided)
    edges = [s for s in scores if s.question_type in CLASS_QUESTION_TYPES and s.ceiling_right is not None]
    if edges:
        row.n_dag = len(edges)
        _, row.right_dag_rate = _rate(s.correct_dag for s in edges)
        _, row.uncertain_dag_rate = _rate(s.uncertain for s in edges)
        _, row.wrong_dag_rate = _rate(s.confidently_wrong_dag for s in edges)
        _, row.ceiling_right_rate = _rate(s.ceiling_right for s in edges)
        _, row.ceiling_uncertain_rate = _rate(s.ceiling_uncertain for s in edges)
        _, row.ceiling_wrong_rate = _rate(s.ceiling_wrong for s in edges)
        if row.ceiling_right_rate and row.right_dag_rate is not None:
            row.right_vs_ceiling = row.right_dag_rate / row.ceiling_right_rate
        if row.wrong_dag_rate is not None:
            row.meets_wrong_target = row.wrong_dag_rate <= TARGET_WRONG
    row.mean_arrow_f1 = _mean(s.arrow_f1 for s in scores)
    row.mean_ceiling_arrow_f1 = _mean(s.ceiling_arrow_f1 for s in scores)
    row.mean_skeleton_f1 = _mean(s.skeleton_f1 for s in scores)
    row.mean_shd = _mean(s.shd for s in scores)
    _, row.ci_coverage = _rate(s.ci_covers for s in scores)
    row.mean_model_calls = _mean(s.model_calls for s in scores)
    lat = [s.latency_s for s in scores if s.latency_s is not None]
    row.median_latency_s = statistics.median(lat) if lat else None
    row.mean_tokens = _mean(s.tokens for s in scores)
    return row


def aggregate(scores: Sequence[Score]) -> Report:
    """Per sub-type (every code of ``QUESTION_TYPES``, n = 0 when absent), per level, and overall."""
    by_type = {t: _row(t, "type", [s for s in scores if s.question_type == t]) for t in QUESTION_TYPES}
    levels = list(dict.fromkeys(LEVELS.values()))
    by_level = {lv: _row(lv, "level", [s for s in scores if s.level == lv]) for lv in levels}
    return Report(by_type=by_type, by_level=by_level, overall=_row("overall", "overall", list(scores)))
