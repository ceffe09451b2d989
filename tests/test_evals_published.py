"""The published-format loader, on the shared fixture and on our polarity fixture
(``tests/fixtures/published_polarity``: every polarity form, and the same files under other names)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import PUBLISHED_FIXTURE

from causal_agent.errors import DataError
from causal_agent.graph import CausalGraph
from causal_agent_evals.published import (ATE_TEXT_NOTE, FLIPPED_NOTE, KEPT_NOTE, dataset_name, fix_ate_question,
                                          load_published, make_planner, question_polarity)
from causal_agent_evals.reference import ReferenceProcedure

FIXTURE = PUBLISHED_FIXTURE
if not FIXTURE.is_dir():  # the fixture may also be vendored next to the tests
    FIXTURE = Path(__file__).parent / "fixtures" / "published-format"
POLARITY = Path(__file__).parent / "fixtures" / "published_polarity"
shared_fixture = pytest.mark.skipif(not FIXTURE.is_dir(), reason="published-format fixture not available")


@pytest.fixture(scope="module")
def planner():
    """One planner for the module (building it loads the plugins and fits the intent classifier)."""
    return make_planner()


@pytest.fixture(scope="module")
def polarity_rows(planner) -> list:
    return load_published(POLARITY / "questions.jsonl", POLARITY / "data", POLARITY / "causal_graph",
                          planner=planner)


def _load(planner=None) -> list:
    return load_published(FIXTURE / "questions.jsonl", FIXTURE / "data", FIXTURE / "causal_graph", planner=planner)


@shared_fixture
def test_independence_labels_are_flipped(planner) -> None:
    qs = {q.question_type: q for q in _load(planner)}
    assert len(qs) == 9
    # published "no" = p >= 0.05 = independent -> "Is A independent of B?" is "yes"
    it = qs["IT"]
    assert it.polarity == "independence" and it.data_answer == "yes"
    cit = qs["CIT"]
    assert cit.interest == ["Diet Quality", "Genetic Risk"] and cit.given == ["Cholesterol Level"]
    assert cit.data_answer == "no"  # published "yes" = dependent (conditioning on a collider)
    mult = qs["MULTCIT"]
    assert mult.given == ["Cholesterol Level", "Genetic Risk"] and mult.data_answer == "yes"
    for q in (it, cit, mult):
        assert any(n.startswith(FLIPPED_NOTE) for n in q.notes)
    # the other labels are taken as they are
    assert qs["CAUSE"].data_answer == "yes" and not qs["CAUSE"].notes
    assert qs["Has-Confounder"].data_answer == "uncertain"
    # labels are a tool's answer, not truth
    assert all(q.truth is None and q.truth_dag is None and q.source == "published" for q in qs.values())


@shared_fixture
def test_flipped_labels_match_the_ci_test_on_the_data(planner) -> None:
    """The flip is right statistically: Fisher-z on the fixture's data answers as the flipped labels."""
    for q in _load(planner):
        if q.question_type in ("IT", "CIT", "MULTCIT"):
            frame = pd.read_csv(q.data_path, header=None, names=q.variables)
            assert not q.header
            assert ReferenceProcedure(frame, discrete=False).answer(q) == q.data_answer


@shared_fixture
def test_graph_dumps_are_parsed(planner) -> None:
    qs = {q.question_type: q for q in _load(planner)}
    full = CausalGraph.from_json(qs["CAUSALKG"].data_answer)
    assert full.has_edge("Diet Quality", "Cholesterol Level", "-->")
    assert full.has_edge("Cholesterol Level", "Heart Disease", "-->")
    assert len(full.edges) == 3 and qs["CAUSALKG"].interest == qs["CAUSALKG"].variables
    part = CausalGraph.from_json(qs["PARTIAL_CG"].data_answer)
    assert part.nodes == ["Diet Quality", "Cholesterol Level", "Heart Disease"]
    assert {e.type for e in part.edges} == {"---"}


@shared_fixture
def test_ate_question_text_is_repaired(planner) -> None:
    ate = next(q for q in _load(planner) if q.question_type == "ATE")
    assert (ate.t0, ate.t1) == (0.2, 1.0)
    assert "from 0.2 to 1.0" in ate.question and "from 0.2 to 0.2" not in ate.question
    assert ate.data_answer == pytest.approx(0.7261424771098466)
    assert any(n.startswith(ATE_TEXT_NOTE) for n in ate.notes)
    assert fix_ate_question("change from 1 to 3.", 1, 3) == ("change from 1 to 3.", False)
    assert fix_ate_question("change from -0.5 to -0.5.The rest", -0.5, 2.0)[0] == "change from -0.5 to 2.0.The rest"


@shared_fixture
def test_bad_input_fails_with_one_line_errors(tmp_path: Path, planner) -> None:
    with pytest.raises(DataError, match="graphs-dir"):
        load_published(FIXTURE / "questions.jsonl", FIXTURE / "data", None, planner=planner)
    with pytest.raises(DataError, match="not found"):
        load_published(tmp_path / "none.jsonl", FIXTURE / "data")
    shutil.copytree(FIXTURE / "data", tmp_path / "data")
    bad = tmp_path / "bad.jsonl"
    row = json.loads((FIXTURE / "questions.jsonl").read_text().splitlines()[0])
    bad.write_text(json.dumps({**row, "question_type": "CITT"}) + "\n")
    with pytest.raises(DataError, match="Did you mean 'CIT'"):
        load_published(bad, tmp_path / "data", planner=planner)
    bad.write_text("{not json\n")
    with pytest.raises(DataError, match="line 1"):
        load_published(bad, tmp_path / "data", planner=planner)
    bad.write_text(json.dumps({**row, "variables": row["variables"][:3]}) + "\n")
    with pytest.raises(DataError):
        load_published(bad, tmp_path / "data", planner=planner)


# ---------------------------------------------------------------------------------------------
# polarity: a published label always means "dependent at p < 0.05"; the question decides its own


@pytest.mark.parametrize("question, asks", [
    ("Is A independent of B?", "independence"),
    ("Are A and B statistically independent given the condition C?", "independence"),
    ("Is there no statistically correlation between A and B?", "independence"),
    ("Is there no correlation between A and B given C?", "independence"),
    ("Are A and B statistically unrelated or dependent?", "independence"),
    ("test whether Are A and B statistically unrelated or dependent?", "independence"),
    ("Is A unrelated to B?", "independence"),
    ("Are A and B uncorrelated given C?", "independence"),
    ("Are A and B not correlated?", "independence"),
    ("Are A and B dependent?", "dependence"),
    ("Are A and B not independent?", "dependence"),
    ("Is there a statistically significant correlation between A and B?", "dependence"),
    ("Are A and B dependent or independent?", "dependence"),
    ("Is A statistically correlated with B when conditioning on C?", "dependence"),
])
def test_question_polarity_is_the_planners_reading(planner, question: str, asks: str) -> None:
    assert question_polarity(question, ["A", "B", "C"], planner) == asks
    # the very call the agent makes to put its verdict in the question's polarity
    flip = planner.flip_for(question, "test_independence", {"data": ["A", "B", "C"]})
    assert flip == (asks == "dependence")


def test_polarity_fixture_rows_are_read_as_written(polarity_rows) -> None:
    """Each of our rows states by hand the polarity it asks in; the loader must read the same."""
    rows = [json.loads(line) for line in (POLARITY / "questions.jsonl").read_text().splitlines() if line.strip()]
    assert len(rows) == len(polarity_rows)
    forms = 0
    for row, q in zip(rows, polarity_rows, strict=True):
        if "asks" in row:
            forms += 1
            assert q.polarity == row["asks"], row["Q"]
            note = FLIPPED_NOTE if row["asks"] == "independence" else KEPT_NOTE
            assert any(n.startswith(note) for n in q.notes), q.notes
    assert forms >= 12


def test_polarity_fixture_labels_follow_the_published_procedure(polarity_rows) -> None:
    """gt is "yes" exactly when Fisher-z p < 0.05 (dependent), whatever the wording, and the loaded
    label is that fact in the question's own polarity."""
    from causallearn.utils.cit import CIT

    rows = [json.loads(line) for line in (POLARITY / "questions.jsonl").read_text().splitlines() if line.strip()]
    tests: dict[str, object] = {}
    for row, q in zip(rows, polarity_rows, strict=True):
        if q.question_type not in ("IT", "CIT", "MULTCIT"):
            continue
        if row["file"] not in tests:
            tests[row["file"]] = CIT(pd.read_csv(q.data_path, header=None).to_numpy(float), "fisherz")
        idx = [q.variables.index(v) for v in [*q.interest, *q.given]]
        dependent = tests[row["file"]](idx[0], idx[1], idx[2:]) < 0.05
        assert row["gt"] == ("yes" if dependent else "no"), row["Q"]
        independent_answer = "no" if dependent else "yes"
        assert q.data_answer == (independent_answer if q.polarity == "independence"
                                 else {"yes": "no", "no": "yes"}[independent_answer]), row["Q"]


def test_each_naming_of_a_file_is_its_own_dataset(polarity_rows) -> None:
    """The benchmark reuses a file under other column names: one dataset per (file, variables)."""
    namings = {(q.dataset, tuple(q.variables)) for q in polarity_rows}
    assert len(namings) == 4 and len({q.dataset for q in polarity_rows}) == 2
    names = {dataset_name(f, list(v)) for f, v in namings}
    assert len(names) == 4 and all(n.startswith(("4_3_0_", "3_2_1_")) for n in names)
    assert dataset_name("x.csv", None) == "x"
    renamed = next(q for q in polarity_rows if q.question_type == "CAUSALKG" and "Sleep Hours" in q.variables)
    assert CausalGraph.from_json(renamed.data_answer).has_edge("Blood Pressure", "Stroke Risk", "-->")
