"""Propensity-score estimators (weighting, matching, stratification) for a binary treatment.

One class, three registrations: they differ only in DoWhy's method name. Each gets the
spline-logit propensity model of :mod:`..overlap` and reports its overlap and balance table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import AlgorithmError
from .base import EffectEstimator

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class PropensityScore(EffectEstimator):
    """A DoWhy propensity-score estimator: T must take exactly the two values t0 and t1."""

    estimand = "backdoor"

    def __init__(self, name: str, method_name: str) -> None:
        super().__init__(name)
        self.method_name = method_name

    def prepare(self, data: pd.DataFrame, t: str, t0: float, t1: float) -> tuple[Any, Any, float, float]:
        from ..overlap import binary_levels

        levels = binary_levels(data, t, t0, t1, self.name)
        data[t] = data[t] == levels[1]
        return False, True, 1.0, (1.0 if t1 == levels[1] else -1.0)

    def dowhy_params(self, settings: Any, bootstrap: int) -> tuple[Any, dict[str, Any]]:
        """DoWhy's bootstrap CI, with the spline-logit propensity model the diagnostics use."""
        from ..overlap import OVERLAP_BOUNDS, propensity_model

        ci, params = super().dowhy_params(settings, bootstrap)
        params["propensity_score_model"] = propensity_model(settings.seed)
        if self.method_name.endswith("weighting"):
            params["min_ps_score"], params["max_ps_score"] = OVERLAP_BOUNDS
        return ci, params

    def diagnose(self, data: pd.DataFrame, t: str, adjustment: Sequence[str], seed: int) -> Any:
        """Overlap and balance of the in-sample scores (clipped to the bounds, as DoWhy's weighting
        does; matching and stratification use every unit too)."""
        from ..overlap import check_arms, diagnose, scores

        treated = data[t].to_numpy(dtype=bool)
        check_arms(t, int(treated.sum()), int((~treated).sum()))
        x = data[list(adjustment)].to_numpy(dtype=float)
        return diagnose(x, treated, scores(x, treated, seed), list(adjustment), t, "clipped")

    def notes(self, run: Any, t: str, y: str) -> list[str]:
        from ..overlap import overlap_text

        return [overlap_text(run.diagnostics)] if run.diagnostics is not None else []

    def check_adjustment(self, t: str, y: str, adjustment: Sequence[str]) -> None:
        if not adjustment:
            raise AlgorithmError(
                f"propensity methods model {t} from confounders, but the graph needs no adjustment for"
                f" {t} -> {y}; use method='linear' (a difference in means)"
            )
