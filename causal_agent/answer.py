"""The structured answer every entry point returns (CLI JSON, Python API, evals)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

#: "partly": the question asks about a share (is the association causal?) and the answer is some,
#: not all (explain_association)
Verdict = Literal["yes", "no", "partly", "uncertain"]

_ANSWER_LINE = re.compile(r"^[ \t]*\**[ \t]*ANSWER[ \t]*:[ \t]*\**[ \t]*(yes|no|partly|uncertain|none)\b.*$", re.I | re.M)


class Step(BaseModel):
    """One tool call the agent made, with its result."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    output: str = ""
    status: Literal["ok", "error"] = "ok"
    #: The tool's structured result (left out of ``Answer.to_json`` to keep it short).
    artifact: dict[str, Any] | None = None
    #: True when the call was recovered from the model's text rather than its tool calls
    recovered: bool = False


class Table(BaseModel):
    """A table artifact (stored graphs, balance, causes of Y …)."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


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
    #: "range" when the possible adjustment sets disagree (then ``range`` is the answer)
    headline: Literal["estimate", "range"] = "estimate"
    headline_basis: str | None = None
    warnings: list[str] = Field(default_factory=list)
    #: the change a question stated without both values, as computed ("smoking from its observed
    #: mean 0.01 to 0 (stopping it)")
    contrast: str | None = None
    #: the effect artifact's tables (e.g. covariate balance); they also reach ``Answer.tables``
    tables: list[Table] = Field(default_factory=list)
    #: what this effect is when an answer has several: "total", "direct" (NDE), "indirect" (NIE)
    label: str | None = None


class Answer(BaseModel):
    """What the agent concluded, the evidence, and what it cost."""

    question: str = ""
    answer: Verdict | None = None
    graph: dict[str, Any] | None = None
    graph_key: str | None = None
    effect: Effect | None = None
    #: every effect of the answer (mediation: total, direct, indirect); ``effect`` is the headline
    effects: list[Effect] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    explanation: str = ""
    steps: list[Step] = Field(default_factory=list)
    model_calls: int = 0
    tokens: int | None = None
    elapsed_s: float = 0.0
    complete: bool = True
    incomplete_reason: Literal["model_call_limit", "no_evidence", "refused", "needs_clarification"] | None = None

    @model_validator(mode="after")
    def _effect_tables(self) -> Answer:
        """An effect's tables (balance) are answer tables too, once each."""
        for effect in self.effects:
            for table in effect.tables:
                if table not in self.tables:
                    self.tables.append(table)
        return self

    def to_json(self, artifacts: bool = False, **kw: Any) -> str:
        """The CLI's JSON object; tool artifacts only when asked for."""
        exclude = None if artifacts else {"steps": {"__all__": {"artifact"}}}
        return json.dumps(self.model_dump(mode="json", exclude=exclude), **kw)

    def _repr_html_(self) -> str:
        """Jupyter: badge, effect and CI, explanation, graph picture, steps (never raises)."""
        from .notebook import answer_html

        return answer_html(self)

    def _repr_markdown_(self) -> str:
        """Jupyter / Markdown renderers: the same content as text (never raises)."""
        from .notebook import answer_markdown

        return answer_markdown(self)


def strip_verdict(text: str) -> str:
    """The final message without its machine-readable ``ANSWER:`` line."""
    return _ANSWER_LINE.sub("", text or "").strip()
