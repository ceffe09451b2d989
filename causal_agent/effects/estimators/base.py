"""What every effect estimator declares, and the record of one estimation run.

An estimator is a registered object (``register_estimators``; see
:class:`causal_agent.registry.Estimator`), looked up by name like DoWhy's ``method_name``. The core
reads its declarations, never its name: the estimand it needs, whether ``auto`` may pick it,
whether DoWhy fits it, how the contrast is put to DoWhy, its refuter and what it assumes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..results import Estimand

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: bootstrap samples for methods without an analytic CI when settings.bootstrap is 0
DEFAULT_BOOTSTRAP = 100
#: "several covariates": auto uses a ``binary_design`` estimator (doubly robust) for a binary
#: treatment from this many covariates in the back-door set; with fewer, linear regression on
#: T and the set is hard to beat and easier to read
DR_MIN_COVARIATES = 3
#: "auto" leaves its default estimator only when a nonlinear estimator's test rejects the linear
#: outcome model below this p ...
NONLINEAR_ALPHA = 1e-3
#: ... and the flexible contrast differs from the linear one by more than this share of it ...
NONLINEAR_MIN_REL = 0.05
#: ... plus this share of sd(Y) (so tiny, practically irrelevant curvature keeps the linear model)
NONLINEAR_MIN_SD = 0.02

#: Guards the process-wide state that DoWhy reads (numpy's global RNG, logging, warnings).
_PROCESS_WIDE = threading.RLock()


@contextlib.contextmanager
def quiet(seed: int) -> Iterator[None]:
    """Silence DoWhy's logging and warnings and seed numpy's global RNG (which DoWhy's bootstrap
    and refuters use) for one call, restoring both afterwards.

    All three are process-wide, and LangGraph's ToolNode runs parallel tool calls in threads, so
    the calls are serialised: otherwise one estimate could reseed another's refuter mid-run.
    """
    import numpy as np

    logger = logging.getLogger("dowhy")
    with _PROCESS_WIDE, warnings.catch_warnings():
        level = logger.level
        state = np.random.get_state()
        warnings.simplefilter("ignore")
        logger.setLevel(logging.CRITICAL)
        np.random.seed(seed)
        try:
            yield
        finally:
            logger.setLevel(level)
            np.random.set_state(state)


class OutcomeFit(BaseModel):
    """What an estimator that DoWhy does not fit returns (``dowhy = False``).

    ``p_linear`` is the test of a linear outcome model against this one: ``auto`` reads it from a
    ``nonlinear=True`` estimator to decide whether linear regression is misspecified."""

    estimate: float
    ci_low: float | None
    ci_high: float | None
    p_linear: float = 1.0


class EffectEstimator:
    """Base of the built-in estimators: a DoWhy back-door estimator with a bootstrap CI.

    Subclasses override the declarations (class attributes) and the few steps that differ."""

    #: DoWhy's method name, reported as ``EffectResult.method``
    method_name: str = ""
    estimand: Estimand = "backdoor"
    #: ``auto`` may choose it for its estimand (the first such non-nonlinear one is the default)
    auto: bool = False
    #: fitted by DoWhy's ``CausalModel.estimate_effect`` (else by :meth:`fit`)
    dowhy: bool = True
    #: DoWhy refuter run on the headline estimate (an estimator may define ``refute`` instead)
    refuter: str = "placebo_treatment_refuter"
    #: the modelling assumption the summary states
    assumption: str = "every unit could have received either treatment (overlap)"
    #: ``auto`` prefers it for a binary treatment with at least ``DR_MIN_COVARIATES`` covariates
    #: to adjust for (an observational design: propensity model plus outcome model)
    binary_design: bool = False

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def check_available(self) -> None:
        """Raise AlgorithmError (with the fix) when an optional library is missing."""

    def require_econml(self, instead: str) -> None:
        """The check of an EconML-backed estimator: a one-line error naming the install and the
        built-in method to use ``instead``."""
        from ...errors import AlgorithmError

        try:
            import econml  # noqa: F401
        except ImportError:
            raise AlgorithmError(
                f"method {self.name!r} needs EconML, which is not installed; pip install econml, or use"
                f" method={instead!r}"
            ) from None

    def prepare(self, data: pd.DataFrame, t: str, t0: float, t1: float) -> tuple[Any, Any, float, float]:
        """Put the contrast to DoWhy: (control, treatment value, scale, sign) with estimate =
        scale * sign * DoWhy's estimate; may recode ``data[t]`` in place."""
        data[t] = data[t].astype(float)  # DoWhy casts do(T=t) back to T's dtype: keep it float
        return t0, t1, 1.0, 1.0

    def check_adjustment(self, t: str, y: str, adjustment: Sequence[str]) -> None:
        """Raise when the identified adjustment set does not suit this estimator."""

    def dowhy_params(self, settings: Any, bootstrap: int) -> tuple[Any, dict[str, Any]]:
        """(``confidence_intervals``, ``method_params``) for DoWhy's estimate_effect."""
        return "bootstrap", {"num_simulations": bootstrap or DEFAULT_BOOTSTRAP, "sample_size_fraction": 1}

    def fit(self, data: pd.DataFrame, t: str, y: str, adjustment: Sequence[str], t0: float, t1: float,
            bootstrap: int, seed: int) -> OutcomeFit:
        """The contrast, for an estimator DoWhy does not fit (``dowhy = False``)."""
        raise NotImplementedError(f"{self!r} is fitted by DoWhy")

    def notes(self, run: EffectRun, t: str, y: str) -> list[str]:
        """Notes on how the headline estimate was obtained."""
        return []

    def diagnose(self, data: pd.DataFrame, t: str, adjustment: Sequence[str], seed: int) -> Any:
        """Design diagnostics (``effects.overlap.Diagnostics``) of a DoWhy-fitted run, after
        :meth:`prepare`; None when the estimator has none."""
        return None

    def assumptions(self, run: EffectRun, t: str, y: str) -> list[str]:
        """The modelling assumptions of the headline estimate, in words."""
        return [self.assumption]


def per_unit_contrast(data: pd.DataFrame, t: str, t0: float, t1: float) -> tuple[Any, Any, float, float]:
    """Estimate per unit of T and scale by (t1 - t0): DoWhy's IV estimator ignores the contrast and
    its front-door estimator squares it, and both already assume linearity."""
    data[t] = data[t].astype(float)
    return 0.0, 1.0, float(t1 - t0), 1.0


class EffectRun(BaseModel):
    """One estimator run on one orientation's DAG."""

    estimate: float
    ci_low: float | None
    ci_high: float | None
    estimand: Estimand
    method: str  # registered estimator name
    dowhy_method: str
    label: str  # "linear regression": how the summary names the estimator
    estimator: Any = None  # the EffectEstimator
    adjustment_set: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)
    mediators: list[str] = Field(default_factory=list)
    model: Any = None
    identified: Any = None
    dowhy_estimate: Any = None
    scale: float = 1.0  # estimate = scale * sign * DoWhy estimate
    sign: float = 1.0
    p_linear: float | None = None  # linear outcome model vs the nonlinear estimator's (auto/explicit)
    linear_estimate: float | None = None  # the default estimate, when auto replaced it
    fit: Any = None  # the OutcomeFit of an estimator DoWhy does not fit
    frame: Any = None  # the data that fit used (for its own refuter) ...
    contrast: tuple[str, str, float, float] | None = None  # ... and its (T, Y, t0, t1)
    diagnostics: Any = None  # effects.overlap.Diagnostics of a propensity-based design
    design_note: str | None = None  # why auto chose (or could not use) the design estimator
