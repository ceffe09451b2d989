"""The structured answer every entry point returns (CLI JSON, Python API, evals)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

Verdict = Literal["yes", "no", "uncertain"]

_ANSWER_LINE = re.compile(r"^[ \t]*\**[ \t]*ANSWER[ \t]*:[ \t]*\**[ \t]*(yes|no|uncertain|none)\b.*$", re.I | re.M)


class Step(BaseModel):
    """One tool call the agent made, with its result."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    output: str = ""
    status: Literal["ok", "error"] = "ok"
    #: The tool's structured result (left out of ``Answer.to_json`` to keep it short).
    artifact: dict[str, Any] | None = None


class Effect(BaseModel):
    """An average treatment effect with its 95% confidence interval."""

    estimate: float
    ci_low: float | None
    ci_high: float | None
    method: str
    treatment: str
    outcome: str
    t0: float
    t1: float
    adjustment_set: list[str] | None = None
    assumption: str | None = None
    range: dict[str, Any] | None = None


class Answer(BaseModel):
    """What the agent concluded, the evidence, and what it cost."""

    question: str = ""
    answer: Verdict | None = None
    graph: dict[str, Any] | None = None
    graph_key: str | None = None
    effect: Effect | None = None
    explanation: str = ""
    steps: list[Step] = Field(default_factory=list)
    model_calls: int = 0
    tokens: int | None = None
    elapsed_s: float = 0.0
    complete: bool = True

    def to_json(self, artifacts: bool = False, **kw: Any) -> str:
        """The CLI's JSON object; tool artifacts only when asked for."""
        exclude = None if artifacts else {"steps": {"__all__": {"artifact"}}}
        return json.dumps(self.model_dump(mode="json", exclude=exclude), **kw)


def parse_verdict(text: str) -> Verdict | None:
    """The last ``ANSWER: yes|no|uncertain`` line of a model's final message."""
    hits = _ANSWER_LINE.findall(text or "")
    if not hits or hits[-1].lower() == "none":  # "none": not a yes/no question
        return None
    return hits[-1].lower()  # type: ignore[return-value]


def strip_verdict(text: str) -> str:
    """The final message without its machine-readable ``ANSWER:`` line."""
    return _ANSWER_LINE.sub("", text or "").strip()
