"""Linear regression through DoWhy's back-door estimator: ``auto``'s default for a back-door set."""

from __future__ import annotations

from typing import Any

from .base import EffectEstimator


class LinearRegression(EffectEstimator):
    """``backdoor.linear_regression``; the CI is DoWhy's analytic OLS interval unless a bootstrap
    is asked for (settings.bootstrap)."""

    method_name = "backdoor.linear_regression"
    estimand = "backdoor"
    auto = True
    assumption = "linear effect"

    def dowhy_params(self, settings: Any, bootstrap: int) -> tuple[Any, dict[str, Any]]:
        if bootstrap == 0:
            return True, {}  # analytic OLS interval, scaled by (t1 - t0) inside DoWhy
        return super().dowhy_params(settings, bootstrap)
