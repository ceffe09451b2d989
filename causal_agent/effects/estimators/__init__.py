"""The built-in effect estimators, one module each; the effects plugin registers them
(``register_estimators``) and the core finds them by name in ``ctx.estimators``."""

from .base import EffectEstimator, EffectRun, OutcomeFit

__all__ = ["EffectEstimator", "EffectRun", "OutcomeFit"]
