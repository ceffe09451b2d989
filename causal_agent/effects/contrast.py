"""A change the question states without both treatment values, turned into t0 and t1 from the data.

"If nobody smoked", "if smoking were reduced by 2", "what would Y be if X were set to 3": the
planner reads these as a *contrast* spec (``planner.reading.read_contrast``), because the values
depend on the data it does not see:

* ``stop``: a binary treatment from its higher code to its lower one (1 -> 0), any other from its
  observed mean to 0;
* ``shift:D``: from the observed mean to mean + D (``shift:-2`` for "reduced by 2");
* ``set:V``: from the observed mean to V (a binary one: from its other value to V).

The answer states the contrast it computed (``EffectResult.contrast``); a value outside the observed
range gets the usual extrapolation warning.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..errors import DataError
from .report import fmt

if TYPE_CHECKING:  # pragma: no cover
    from ..data import Dataset

SPECS = ("stop", "shift:D", "set:V")


def resolve_contrast(ds: Dataset, t: str, contrast: str) -> tuple[float, float, str, list[str]]:
    """(t0, t1, what the contrast is in words, warnings) for treatment ``t`` of ``ds``."""
    kind, _, raw = str(contrast).strip().lower().partition(":")
    kind = kind.strip()
    value: float | None = None
    if kind in ("shift", "set"):
        try:
            value = float(raw)
        except ValueError:
            raise DataError(f"contrast {contrast!r} needs a number ('{kind}:2'); use one of "
                            f"{', '.join(SPECS)}") from None
        if not math.isfinite(value):
            raise DataError(f"contrast {contrast!r} needs a finite number")
    elif kind != "stop":
        raise DataError(f"unknown contrast {contrast!r}; use one of {', '.join(SPECS)} (or give t0 and t1)")
    col = ds.frame_for([t])[t]
    levels = sorted(float(v) for v in col.unique())
    mean = float(col.mean())
    warnings: list[str] = []
    if len(levels) == 2:  # a binary treatment: its two values are the only ones it can take
        lo, hi = levels
        if kind == "stop":
            return hi, lo, f"{t} from {fmt(hi)} to {fmt(lo)} (stopping it: from having it to not)", warnings
        if kind == "set" and value in levels:
            other = lo if value == hi else hi
            return other, float(value), f"{t} set to {fmt(value)} (from {fmt(other)})", warnings
        raise DataError(f"{t} is binary ({fmt(lo)}/{fmt(hi)}), so '{contrast}' is not a change it can take; ask "
                        f"for the effect of {t} from {fmt(lo)} to {fmt(hi)}")
    if kind == "stop":
        t0, t1 = mean, 0.0
        what = f"{t} from its observed mean {fmt(mean)} to 0 (stopping it)"
        if levels[0] < 0 < levels[-1]:
            warnings.append(f"{t} takes values on both sides of 0 (from {fmt(levels[0])} to {fmt(levels[-1])}), so "
                            f"0 may not mean 'none' on its scale; the estimate is for setting {t} to 0 from its mean")
    elif kind == "shift":
        t0, t1 = mean, mean + float(value)  # type: ignore[arg-type]
        what = f"{t} from its observed mean {fmt(mean)} to {fmt(t1)} (a change of {value:+g})"
    else:
        t0, t1 = mean, float(value)  # type: ignore[arg-type]
        what = f"{t} from its observed mean {fmt(mean)} to {fmt(t1)} (set to {fmt(t1)})"
    if t0 == t1:
        raise DataError(f"{t}'s observed mean is already {fmt(mean)}, so '{contrast}' changes nothing; give t0 and t1")
    return t0, t1, what, warnings
