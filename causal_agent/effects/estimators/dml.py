"""EconML's LinearDML through DoWhy (optional: needs econml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import EffectEstimator

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class LinearDML(EffectEstimator):
    """``backdoor.econml.dml.LinearDML``, seeded; EconML gives no CI through DoWhy here."""

    method_name = "backdoor.econml.dml.LinearDML"
    estimand = "backdoor"
    assumption = "partially linear model (effect constant across units)"

    def check_available(self) -> None:
        self.require_econml(instead="linear")

    def prepare(self, data: pd.DataFrame, t: str, t0: float, t1: float) -> tuple[Any, Any, float, float]:
        return t0, t1, 1.0, 1.0  # EconML takes the treatment as it is

    def dowhy_params(self, settings: Any, bootstrap: int) -> tuple[Any, dict[str, Any]]:
        return False, {"init_params": {"random_state": settings.seed}, "fit_params": {}}
