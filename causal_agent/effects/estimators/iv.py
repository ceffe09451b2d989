"""Instrumental-variable (Wald/2SLS) estimation through DoWhy: ``auto``'s choice for an IV estimand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import EffectEstimator, per_unit_contrast

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class InstrumentalVariable(EffectEstimator):
    """``iv.instrumental_variable``, estimated per unit of T and scaled (DoWhy ignores the contrast)."""

    method_name = "iv.instrumental_variable"
    estimand = "iv"
    auto = True
    assumption = "linear effect"

    def prepare(self, data: pd.DataFrame, t: str, t0: float, t1: float) -> tuple[Any, Any, float, float]:
        return per_unit_contrast(data, t, t0, t1)
