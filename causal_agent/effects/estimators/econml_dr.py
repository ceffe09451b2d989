"""EconML's LinearDRLearner through DoWhy (optional: needs econml): the library's doubly robust
learner for a binary treatment, with the same spline-logit propensity model and overlap
diagnostics as the built-in AIPW (``doubly_robust``), and EconML's own CI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import AlgorithmError
from .base import EffectEstimator
from ..overlap import binary_levels

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class LinearDRLearner(EffectEstimator):
    """``backdoor.econml.dr.LinearDRLearner``, seeded (``random_state`` = settings.seed)."""

    method_name = "backdoor.econml.dr.LinearDRLearner"
    estimand = "backdoor"
    assumption = ("overlap, and either the propensity model or the outcome model is right (doubly"
                  " robust); EconML's final stage is linear in the effect modifiers (none here)")

    def check_available(self) -> None:
        self.require_econml(instead="doubly_robust")

    def prepare(self, data: pd.DataFrame, t: str, t0: float, t1: float) -> tuple[Any, Any, float, float]:
        lo, hi = binary_levels(data, t, t0, t1, self.name)
        data[t] = (data[t].astype(float) == hi).astype(int)
        return 0, 1, 1.0, (1.0 if float(t1) == hi else -1.0)

    def dowhy_params(self, settings: Any, bootstrap: int) -> tuple[Any, dict[str, Any]]:
        from ..overlap import OVERLAP_BOUNDS, propensity_model
        from .doubly_robust import outcome_model

        init = {"model_propensity": propensity_model(settings.seed), "model_regression": outcome_model(),
                "min_propensity": OVERLAP_BOUNDS[0], "random_state": settings.seed}
        return True, {"init_params": init, "fit_params": {}}

    def check_adjustment(self, t: str, y: str, adjustment: Sequence[str]) -> None:
        if not adjustment:
            raise AlgorithmError(
                f"the doubly robust learner models {t} from confounders, but the graph needs no"
                f" adjustment for {t} -> {y}; use method='linear' (a difference in means)"
            )

    def diagnose(self, data: pd.DataFrame, t: str, adjustment: Sequence[str], seed: int) -> Any:
        from ..overlap import check_arms, diagnose, scores

        treated = data[t].to_numpy(dtype=float) == 1
        check_arms(t, int(treated.sum()), int((~treated).sum()))
        x = data[list(adjustment)].to_numpy(dtype=float)
        return diagnose(x, treated, scores(x, treated, seed), list(adjustment), t, "clipped")

    def notes(self, run: Any, t: str, y: str) -> list[str]:
        from ..overlap import overlap_text

        return [overlap_text(run.diagnostics)] if run.diagnostics is not None else []
