"""Front-door two-stage regression through DoWhy: ``auto``'s choice for a front-door estimand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import EffectEstimator, per_unit_contrast

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class FrontDoor(EffectEstimator):
    """``frontdoor.two_stage_regression``, per unit of T and scaled (DoWhy squares the contrast).

    Its refuter adds a random common cause: permuting T does not reach this estimator."""

    method_name = "frontdoor.two_stage_regression"
    estimand = "frontdoor"
    auto = True
    refuter = "random_common_cause"
    assumption = "linear effects"

    def prepare(self, data: pd.DataFrame, t: str, t0: float, t1: float) -> tuple[Any, Any, float, float]:
        return per_unit_contrast(data, t, t0, t1)
