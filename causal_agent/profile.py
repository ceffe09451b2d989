"""Profiling a table: what kind each column is, which columns can be analysed, and a fingerprint.

The profile drives method choice downstream (chi-square vs Fisher-z, whether LiNGAM is worth
trying), so its rules are deliberately simple and written down here:

- **identifier**: a name whose last word is ``id``/``uuid``/``guid`` (``id``, ``ID``, ``batch_id``,
  ``patient id``, ``PatientID``), unique strictly monotone integers (a row number), or text where
  every value is distinct. Identifiers are excluded from analysis.
- **binary**: exactly two distinct values (numbers, booleans or text).
- **discrete**: integer values with at most ``MAX_DISCRETE_LEVELS`` distinct levels.
- **categorical**: text with more than two levels (encoded as integer codes for numeric tests).
- **continuous**: any other numeric column.
- Constant columns and all-missing columns are excluded with a reason.

Normality (``gaussian``, continuous columns only): a column counts as non-Gaussian when the
Jarque-Bera test rejects normality at p < 0.001 **and** the departure is large enough to matter:
``|skew| > 0.3`` or ``|excess kurtosis| > 0.5``. The significance condition protects small samples
from noise; the effect-size condition stops large samples from flagging trivial departures, which is
what a bare normality test does at n in the tens of thousands. ``None`` below 8 values.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, computed_field

from .names import match_name

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

ColumnKind = Literal["continuous", "discrete", "binary", "categorical", "identifier"]

MAX_DISCRETE_LEVELS = 10
MIN_IDENTIFIER_ROWS = 5
JB_ALPHA = 0.001
SKEW_LIMIT = 0.3
EXCESS_KURTOSIS_LIMIT = 0.5
_ID_WORDS = frozenset({"id", "uuid", "guid"})

# Text levels with a natural order, encoded in that order rather than alphabetically.
_ORDERED_LEVELS: tuple[tuple[str, ...], ...] = (
    ("no", "yes"),
    ("false", "true"),
    ("none", "low", "medium", "high"),
    ("none", "low", "moderate", "high"),
    ("none", "mild", "moderate", "severe"),
    ("very low", "low", "medium", "high", "very high"),
    ("low", "mid", "high"),
    ("never", "rarely", "sometimes", "often", "always"),
    ("small", "medium", "large"),
)


class ColumnProfile(BaseModel):
    """One column: its kind, missing values, and whether (and why) it is left out of analysis."""

    name: str
    kind: ColumnKind
    dtype: str
    n_missing: int
    n_unique: int
    constant: bool
    excluded: bool = False
    reason: str | None = None
    gaussian: bool | None = None


class DataProfile(BaseModel):
    """The whole table: rows, columns, content fingerprint and plain-language notes."""

    n_rows: int
    n_columns: int
    columns: list[ColumnProfile]
    fingerprint: str
    content_fingerprint: str = Field("", description="sha256 of dtypes and values, names left out")
    excluded: list[str]
    notes: list[str]

    def column(self, name: str) -> ColumnProfile:
        """The profile of a column, resolving the name like ``Dataset.resolve`` (excluded allowed)."""
        by_name = {c.name: c for c in self.columns}
        return by_name[match_name(name, list(by_name)).name]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def variables(self) -> list[str]:
        """Columns available for analysis (not excluded)."""
        return [c.name for c in self.columns if not c.excluded]

    def summary(self) -> str:
        """A short plain-language description for a model or a person."""
        kinds: dict[str, list[str]] = {}
        for c in self.columns:
            if not c.excluded:
                kinds.setdefault(c.kind, []).append(c.name)
        parts = [f"{k}: {', '.join(v)}" for k, v in kinds.items()]
        text = f"{self.n_rows} rows, {len(self.variables)} variables ({'; '.join(parts)})."
        if self.notes:
            text += " " + " ".join(self.notes)
        return text


def is_identifier_name(name: str) -> bool:
    """True for ``id``, ``ID``, ``batch_id``, ``patient id``, ``PatientID``; not ``acid``/``lipid``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    words = [w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w]
    return bool(words) and words[-1] in _ID_WORDS


def _integral(values: "pd.Series") -> bool:
    import numpy as np

    arr = values.to_numpy(dtype=float)
    return bool(np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))


def gaussian_flag(values: "pd.Series") -> bool | None:
    """Whether a continuous column looks Gaussian (rule in the module docstring)."""
    import numpy as np
    from scipy import stats

    arr = values.dropna().to_numpy(dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size < 8 or np.ptp(arr) == 0:
        return None
    jb = stats.jarque_bera(arr)
    skew = float(stats.skew(arr))
    kurt = float(stats.kurtosis(arr))  # Fisher: 0 for a normal distribution
    large = abs(skew) > SKEW_LIMIT or abs(kurt) > EXCESS_KURTOSIS_LIMIT
    return not (float(jb.pvalue) < JB_ALPHA and large)


def text_levels(values: "pd.Series") -> list[str]:
    """The levels of a text column in code order: a known natural order, else sorted."""
    levels = sorted({str(v) for v in values.dropna()})
    lowered = [lv.strip().lower() for lv in levels]
    for scale in _ORDERED_LEVELS:
        if len(set(lowered)) == len(lowered) and set(lowered) <= set(scale):
            order = {lv: i for i, lv in enumerate(scale)}
            return [lv for _, lv in sorted(zip(lowered, levels), key=lambda p: order[p[0]])]
    return levels


def profile_column(series: "pd.Series") -> ColumnProfile:
    """Classify one column and decide whether it can be analysed."""
    import pandas as pd

    name = str(series.name)
    values = series.dropna()
    n_missing = int(series.isna().sum())
    n_unique = int(values.nunique())
    numeric = pd.api.types.is_numeric_dtype(series)
    boolean = pd.api.types.is_bool_dtype(series)
    base = {"name": name, "dtype": str(series.dtype), "n_missing": n_missing,
            "n_unique": n_unique, "constant": n_unique == 1}

    if len(values) == 0:
        return ColumnProfile(**base, kind="continuous" if numeric else "categorical",
                             excluded=True, reason="every value is missing")
    if is_identifier_name(name):
        return ColumnProfile(**base, kind="identifier", excluded=True,
                             reason="identifier column (ID-like name)")
    if numeric and not boolean and n_missing == 0 and n_unique == len(values) \
            and len(values) >= MIN_IDENTIFIER_ROWS and _integral(values) \
            and (values.is_monotonic_increasing or values.is_monotonic_decreasing):
        return ColumnProfile(**base, kind="identifier", excluded=True,
                             reason="identifier column (unique monotone integers, like a row number)")
    if not numeric and n_unique == len(values) and len(values) >= MIN_IDENTIFIER_ROWS:
        return ColumnProfile(**base, kind="identifier", excluded=True,
                             reason="identifier column (every text value is distinct)")

    kind: ColumnKind
    if n_unique == 2 or boolean:
        kind = "binary"
    elif not numeric:
        kind = "categorical"
    elif _integral(values) and n_unique <= MAX_DISCRETE_LEVELS:
        kind = "discrete"
    else:
        kind = "continuous"
    if n_unique == 1:
        return ColumnProfile(**base, kind=kind, excluded=True,
                             reason=f"constant (every value is {values.iloc[0]!r})")
    gaussian = gaussian_flag(values) if kind == "continuous" else None
    return ColumnProfile(**base, kind=kind, gaussian=gaussian)


def fingerprint(frame: "pd.DataFrame") -> str:
    """sha256 of column names, dtypes and every value; stable across processes."""
    import pandas as pd

    digest = hashlib.sha256()
    header = [[str(c), str(frame[c].dtype)] for c in frame.columns]
    digest.update(json.dumps(header).encode())
    if len(frame) and len(frame.columns):
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        digest.update(rows.astype("<u8").tobytes())
    return digest.hexdigest()


def content_fingerprint(frame: "pd.DataFrame") -> str:
    """sha256 of the dtypes and every value in column order, without the column names: the same
    file loaded under other names has the same content fingerprint (graph reuse, renamed)."""
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(json.dumps([str(frame[c].dtype) for c in frame.columns]).encode())
    if len(frame) and len(frame.columns):
        unnamed = frame.set_axis(range(len(frame.columns)), axis=1)
        rows = pd.util.hash_pandas_object(unnamed, index=False).to_numpy()
        digest.update(rows.astype("<u8").tobytes())
    return digest.hexdigest()


def profile_frame(frame: "pd.DataFrame", notes: list[str] | None = None) -> DataProfile:
    """Profile every column of ``frame`` and say in ``notes`` what was left out and why."""
    columns = [profile_column(frame[c]) for c in frame.columns]
    out = list(notes or [])
    excluded = [c for c in columns if c.excluded]
    for c in excluded:
        out.append(f"{c.name!r} is left out of analysis: {c.reason}.")
    with_missing = [c.name for c in columns if c.n_missing and not c.excluded]
    if with_missing:
        n_rows_missing = int(frame[with_missing].isna().any(axis=1).sum())
        out.append(
            f"{len(with_missing)} column(s) have missing values ({', '.join(with_missing)});"
            f" {n_rows_missing} row(s) affected, dropped per analysis when they touch its variables."
        )
    non_gauss = [c.name for c in columns if c.gaussian is False]
    if non_gauss:
        out.append(f"Non-Gaussian continuous columns: {', '.join(non_gauss)}.")
    return DataProfile(
        n_rows=len(frame),
        n_columns=len(frame.columns),
        columns=columns,
        fingerprint=fingerprint(frame),
        content_fingerprint=content_fingerprint(frame),
        excluded=[c.name for c in excluded],
        notes=out,
    )


__all__ = [
    "ColumnKind", "ColumnProfile", "DataProfile", "content_fingerprint", "fingerprint",
    "gaussian_flag", "is_identifier_name", "profile_column", "profile_frame", "text_levels",
]
