"""What an effect estimate returns (the tool's artifact): plain pydantic models, no heavy imports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Estimand = Literal["backdoor", "iv", "frontdoor"]
#: DoWhy's preference when ``auto`` chooses how the graph identifies the effect
ESTIMANDS: tuple[Estimand, ...] = ("backdoor", "iv", "frontdoor")


class AdjustmentEstimate(BaseModel):
    """The effect under one orientation of the undirected edges at the treatment."""

    parents: list[str] = Field(description="parents of the treatment in this orientation")
    adjustment_set: list[str] = Field(description="variables adjusted for")
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    note: str | None = Field(None, description="e.g. why the effect is zero in this orientation")


class EffectRange(BaseModel):
    """IDA: the effect over every adjustment set the equivalence class allows."""

    min: float
    max: float
    estimates: list[AdjustmentEstimate]


class Refutation(BaseModel):
    """A DoWhy refuter's verdict on the headline estimate."""

    refuter: str
    new_effect: float
    p_value: float | None
    passed: bool


class EffectResult(BaseModel):
    """An average treatment effect E[Y | do(T=t1)] - E[Y | do(T=t0)] with its assumptions."""

    treatment: str
    outcome: str
    t0: float
    t1: float
    estimate: float
    ci_low: float | None = Field(None, description="95% CI, same (t1 - t0) scale as estimate")
    ci_high: float | None = None
    method: str = Field(description="DoWhy method name, e.g. backdoor.linear_regression")
    estimand: Estimand
    adjustment_set: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)
    mediators: list[str] = Field(default_factory=list, description="front-door variables")
    assumption: str
    graph_key: str | None = Field(None, description="None when the user named the confounders")
    range: EffectRange | None = Field(None, description="set when the graph leaves the adjustment set ambiguous")
    direction_identified: bool = True
    graph_implies_zero: bool = Field(False, description="no directed path from treatment to outcome")
    refutation: Refutation | None = None
    n: int
    notes: list[str] = Field(default_factory=list)
    summary: str
