"""Refute: check the headline estimate with the refuter its estimator declares.

An estimator with its own ``refute(run, settings)`` (g-computation's permutation placebo) runs
that; otherwise DoWhy's refuter named by ``estimator.refuter``: a placebo treatment (T permuted),
or a random common cause where permuting T does not reach the estimator (front-door).
"""

from __future__ import annotations

import math
from typing import Any

from .estimators.base import EffectRun, quiet
from .results import Refutation


def refute(run: EffectRun, settings: Any) -> Refutation | None:
    """The refuter's verdict, ``settings.refute_simulations`` simulations; None if it cannot run."""
    own = getattr(run.estimator, "refute", None)
    if own is not None:
        return own(run, settings)
    return dowhy_refute(run, settings, run.estimator.refuter)


def dowhy_refute(run: EffectRun, settings: Any, name: str) -> Refutation | None:
    """One of DoWhy's refuters on the run's model and estimate, seeded."""
    import numpy as np

    if name == "random_common_cause":
        kwargs: dict[str, Any] = {"random_state": settings.seed}
    else:
        kwargs = {"placebo_type": "permute", "random_state": np.random.RandomState(settings.seed)}
    try:
        with quiet(settings.seed):
            ref = run.model.refute_estimate(
                run.identified, run.dowhy_estimate, method_name=name,
                num_simulations=int(settings.refute_simulations), **kwargs,
            )
    except Exception:  # noqa: BLE001 - a refuter that cannot run is reported as absent
        return None
    result = ref.refutation_result or {}
    p = result.get("p_value")
    p = float(p) if p is not None and math.isfinite(float(p)) else None
    significant = bool(result.get("is_statistically_significant", False))
    return Refutation(
        refuter=name, new_effect=float(ref.new_effect) * run.scale * run.sign, p_value=p,
        passed=not significant,
    )
