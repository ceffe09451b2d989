"""What an effect estimate returns (the tool's artifact): plain pydantic models, no heavy imports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .overlap import Overlap

Estimand = Literal["backdoor", "iv", "frontdoor"]
#: why the headline is what it is: the graph fixes T's parents ("unambiguous"), possibly thanks to
#: background knowledge ("background"); the possible sets' estimates agree within their CIs
#: ("sets_agree"); DirectLiNGAM oriented the undirected edges ("lingam"); or none of these, and
#: the headline is the range ("ambiguous")
HeadlineBasis = Literal["unambiguous", "background", "sets_agree", "lingam", "ambiguous"]
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
    agree: bool = Field(False, description="every set's estimate lies inside every other set's 95% CI")


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
    headline: Literal["estimate", "range"] = Field(
        "estimate", description="'range': the possible adjustment sets disagree and nothing orients the"
        " edges, so the answer is range.min..range.max and the effect is not identified from the data"
        " alone; estimate, CI, method and adjustment_set are then those of range.estimates[0] (the"
        " definite-parents set; 0 with no CI where the graph implies no effect), one stated basis,"
        " never a midpoint")
    headline_basis: HeadlineBasis = "unambiguous"
    headline_reason: str = Field("", description="why the headline is a single number or a range, in words")
    design: str | None = Field(None, description="why auto chose a design estimator (doubly robust)")
    observed_range: tuple[float, float] | None = Field(None, description="min and max of the treatment in the data")
    overlap: Overlap | None = Field(None, description="propensity-score overlap of a binary-treatment design")
    tables: list[dict] = Field(default_factory=list, description="tables {title, columns, rows}, e.g. balance")
    warnings: list[str] = Field(default_factory=list, description="extrapolation, weak overlap, imbalance ...")
    contrast: str | None = Field(None, description="the change a contrast spec ('stop', 'shift:D', 'set:V') "
                                 "was read as, in words: t0 and t1 came from the data")
    direction_identified: bool = True
    graph_implies_zero: bool = Field(False, description="no directed path from treatment to outcome")
    refutation: Refutation | None = None
    n: int
    notes: list[str] = Field(default_factory=list)
    summary: str
