"""The README's "What you can ask" examples are real: every question of its table of question
families is asked again of the bundled clinic example with the offline model, and the answer must
come from the tool the table names and say what the table says it does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FAMILIES = {"causes / effects of a variable", "total causation", "effect size", "mediation",
            "is the association causal", "adjustment advice", "confidence"}


def readme_rows() -> list[dict[str, str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- asked-examples -->", 1)[1].split("<!-- /asked-examples -->", 1)[0]
    rows = []
    for line in block.strip().splitlines()[2:]:  # the header and its rule
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        family, asked, tool, answer = cells
        rows.append({"family": family, "question": asked.strip('"'), "tool": tool.strip("`"), "answer": answer})
    return rows


ROWS = readme_rows()


def test_the_table_has_one_example_per_family() -> None:
    assert {r["family"] for r in ROWS} == FAMILIES


@pytest.fixture(scope="module")
def agent() -> Any:
    from causal_agent.agent import CausalAgent
    from causal_agent.context import Settings
    from causal_agent.examples import example_path

    agent = CausalAgent(settings=Settings(), log=False)
    agent.load(str(example_path("clinic")), name="clinic")
    return agent


_NUM = re.compile(r"[-+]?\d+(?:\.\d+)?")


@pytest.mark.parametrize("row", ROWS, ids=[r["question"] for r in ROWS])
def test_the_readme_answer_is_what_the_agent_says(agent, row: dict[str, str]) -> None:
    ans = agent.ask(row["question"])
    assert [s.tool for s in ans.steps] == [row["tool"]], ans.explanation
    said = row["answer"]
    verdict, _, gist = said.partition(": ")
    if verdict in ("yes", "no"):  # a verdict, then words of its reason
        assert ans.answer == verdict, ans.explanation
        assert gist in ans.explanation, (gist, ans.explanation)
    elif row["tool"] == "estimate_effect":  # "T t0 → t1: Y +estimate (95% CI low to high)"
        e = ans.effect
        assert e is not None and f"{e.treatment} " in said and f"{e.outcome} " in said
        t0, t1, est, low, high = (float(x) for x in _NUM.findall(said.replace("95% CI", "")))
        assert (e.t0, e.t1) == (t0, t1)
        assert (round(e.estimate, 3), round(e.ci_low, 3), round(e.ci_high, 3)) == (est, low, high)
    else:  # the causes / effects lists and the confidence line are the answer's own words
        assert said in ans.explanation, (said, ans.explanation)
