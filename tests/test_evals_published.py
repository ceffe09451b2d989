"""The published-format loader, on the shared fixture."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import PUBLISHED_FIXTURE

from causal_agent.errors import DataError
from causal_agent.graph import CausalGraph
from causal_agent_evals.published import ATE_TEXT_NOTE, FLIPPED_NOTE, fix_ate_question, load_published
from causal_agent_evals.reference import ReferenceProcedure

FIXTURE = PUBLISHED_FIXTURE
if not FIXTURE.is_dir():  # the fixture may also be vendored next to the tests
    FIXTURE = Path(__file__).parent / "fixtures" / "published-format"
pytestmark = pytest.mark.skipif(not FIXTURE.is_dir(), reason="published-format fixture not available")


def _load() -> list:
    return load_published(FIXTURE / "questions.jsonl", FIXTURE / "data", FIXTURE / "causal_graph")


def test_independence_labels_are_flipped() -> None:
    qs = {q.question_type: q for q in _load()}
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


def test_flipped_labels_match_the_ci_test_on_the_data() -> None:
    """The flip is right statistically: Fisher-z on the fixture's data answers as the flipped labels."""
    for q in _load():
        if q.question_type in ("IT", "CIT", "MULTCIT"):
            frame = pd.read_csv(q.data_path, header=None, names=q.variables)
            assert not q.header
            assert ReferenceProcedure(frame, discrete=False).answer(q) == q.data_answer


def test_graph_dumps_are_parsed() -> None:
    qs = {q.question_type: q for q in _load()}
    full = CausalGraph.from_json(qs["CAUSALKG"].data_answer)
    assert full.has_edge("Diet Quality", "Cholesterol Level", "-->")
    assert full.has_edge("Cholesterol Level", "Heart Disease", "-->")
    assert len(full.edges) == 3 and qs["CAUSALKG"].interest == qs["CAUSALKG"].variables
    part = CausalGraph.from_json(qs["PARTIAL_CG"].data_answer)
    assert part.nodes == ["Diet Quality", "Cholesterol Level", "Heart Disease"]
    assert {e.type for e in part.edges} == {"---"}


def test_ate_question_text_is_repaired() -> None:
    ate = next(q for q in _load() if q.question_type == "ATE")
    assert (ate.t0, ate.t1) == (0.2, 1.0)
    assert "from 0.2 to 1.0" in ate.question and "from 0.2 to 0.2" not in ate.question
    assert ate.data_answer == pytest.approx(0.7261424771098466)
    assert any(n.startswith(ATE_TEXT_NOTE) for n in ate.notes)
    assert fix_ate_question("change from 1 to 3.", 1, 3) == ("change from 1 to 3.", False)
    assert fix_ate_question("change from -0.5 to -0.5.The rest", -0.5, 2.0)[0] == "change from -0.5 to 2.0.The rest"


def test_bad_input_fails_with_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="graphs-dir"):
        load_published(FIXTURE / "questions.jsonl", FIXTURE / "data", None)
    with pytest.raises(DataError, match="not found"):
        load_published(tmp_path / "none.jsonl", FIXTURE / "data")
    shutil.copytree(FIXTURE / "data", tmp_path / "data")
    bad = tmp_path / "bad.jsonl"
    row = json.loads((FIXTURE / "questions.jsonl").read_text().splitlines()[0])
    bad.write_text(json.dumps({**row, "question_type": "CITT"}) + "\n")
    with pytest.raises(DataError, match="Did you mean 'CIT'"):
        load_published(bad, tmp_path / "data")
    bad.write_text("{not json\n")
    with pytest.raises(DataError, match="line 1"):
        load_published(bad, tmp_path / "data")
    bad.write_text(json.dumps({**row, "variables": row["variables"][:3]}) + "\n")
    with pytest.raises(DataError):
        load_published(bad, tmp_path / "data")
