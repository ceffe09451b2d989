"""Profiling a table: what kind each column is, which columns can be analysed, and a fingerprint.

The profile drives method choice downstream (chi-square vs Fisher-z, whether LiNGAM is worth
trying), so its rules are deliberately simple and written down here:

- **identifier**: a name whose last word is ``id``/``uuid``/``guid`` (``id``, ``ID``, ``batch_id``,
  ``patient id``, ``PatientID``), unique strictly monotone integers (a row number), or text where
  every value is distinct. Identifiers are excluded from analysis.
- **binary**: exactly two distinct values (numbers, booleans or text).
- **discrete**: integer values with at most ``MAX_DISCRETE_LEVELS`` distinct levels.
- **categorical**: text with more than two levels (encoded as integer codes for numeric tests).
  ``ordered`` says whether the codes mean anything: True when the data say the levels have an order
  (a pandas ordered Categorical, a known scale such as low/medium/high or small/medium/large, or
  Likert-like labels numbered in front, "1 - poor" ... "5 - excellent"), coded in that order with a
  note; False otherwise (**nominal**: fruit names; their codes are arbitrary, so independence tests
  use contingency tables or kernels on them, never a correlation). Unknown text stays nominal.
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
from collections.abc import Collection
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

# Text levels with a natural order, encoded in that order rather than alphabetically. A column is
# read as one of these scales only when every level belongs to it (conservative: "low", "apple" is
# nominal).
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
    ("extra small", "small", "medium", "large", "extra large"),
    ("poor", "fair", "good", "very good", "excellent"),
    ("very poor", "poor", "average", "good", "very good"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"),
    ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    ("very unlikely", "unlikely", "neutral", "likely", "very likely"),
)
#: "1 - poor", "2: fair", "3) good": a number in front of a label
_NUMBERED_LEVEL = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[-\u2013\u2014:.)=]\s*(\S.*)$")
#: words of rating scales: numbered labels count as ordered only when one of them uses such a word
#: ("1 - North", "2 - South" are numbered categories, not a scale)
_RATING_WORDS = frozenset({
    "poor", "fair", "good", "very", "excellent", "bad", "average", "agree", "disagree", "neutral",
    "strongly", "satisfied", "dissatisfied", "likely", "unlikely", "never", "rarely", "sometimes",
    "often", "always", "low", "medium", "high", "mild", "moderate", "severe", "none", "worst", "best",
    "least", "most", "slightly", "somewhat", "extremely", "not", "little", "much", "better", "worse",
})


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
    ordered: bool | None = Field(
        None, description="text columns: True when the levels have an order the codes follow,"
        " False for nominal text (codes arbitrary); None for numeric columns")
    note: str | None = Field(None, description="how the column was read (ordered coding, bad cells)")


class DataProfile(BaseModel):
    """The whole table: rows, columns, content fingerprint and plain-language notes."""

    n_rows: int
    n_columns: int
    columns: list[ColumnProfile]
    fingerprint: str
    content_fingerprint: str = Field("", description="sha256 of dtypes and values, names left out")
    excluded: list[str]
    notes: list[str]
    #: columns that look like an environment index (site, batch, period): suggestions for CD-NOD's
    #: context column (``context_candidates``), never used unless asked for
    context_columns: list[str] = Field(default_factory=list)

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

    def _repr_html_(self) -> str:
        """Jupyter: the profile as a table, one row per column (never raises)."""
        from .notebook import profile_html

        return profile_html(self)


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
    scale = float(np.max(np.abs(arr)))
    if scale > 0:  # moments of values near 1e300 overflow; the flag is scale-free
        arr = arr / scale
    jb = stats.jarque_bera(arr)
    skew = float(stats.skew(arr))
    kurt = float(stats.kurtosis(arr))  # Fisher: 0 for a normal distribution
    large = abs(skew) > SKEW_LIMIT or abs(kurt) > EXCESS_KURTOSIS_LIMIT
    return not (float(jb.pvalue) < JB_ALPHA and large)


def level_order(values: "pd.Series") -> tuple[list[str], str | None]:
    """The levels of a text column in code order, and where the order comes from (None: nominal,
    levels sorted). Rules in the module docstring."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        present = {str(v) for v in values.dropna()}
        cats = [str(c) for c in values.cat.categories if str(c) in present]
        if values.cat.ordered:
            return cats, "an ordered pandas Categorical"
        levels = sorted(present)
    else:
        levels = sorted({str(v) for v in values.dropna()})
    lowered = [" ".join(lv.strip().lower().split()) for lv in levels]
    if len(set(lowered)) == len(lowered):
        for scale in _ORDERED_LEVELS:
            if set(lowered) <= set(scale):
                order = {lv: i for i, lv in enumerate(scale)}
                ranked = [lv for _, lv in sorted(zip(lowered, levels), key=lambda p: order[p[0]])]
                return ranked, "the scale " + "/".join(scale)
    numbered = [_NUMBERED_LEVEL.match(lv) for lv in levels]
    if len(levels) > 2 and all(numbered):
        keys = [float(m.group(1)) for m in numbered if m]
        words = {w for m in numbered if m for w in re.findall(r"[a-z]+", m.group(2).lower())}
        if len(set(keys)) == len(keys) and words & _RATING_WORDS:
            return [lv for _, lv in sorted(zip(keys, levels))], "the numbers in front of the labels"
    return levels, None


def text_levels(values: "pd.Series") -> list[str]:
    """The levels of a text column in code order: a known natural order, else sorted."""
    return level_order(values)[0]


def profile_column(series: "pd.Series", include: bool = False) -> ColumnProfile:
    """Classify one column and decide whether it can be analysed (``include``: the user asked to
    analyse it, so the identifier rules do not leave it out)."""
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
    if not include and is_identifier_name(name):
        return ColumnProfile(**base, kind="identifier", excluded=True,
                             reason="identifier column (ID-like name)")
    if not include and numeric and not boolean and n_missing == 0 and n_unique == len(values) \
            and len(values) >= MIN_IDENTIFIER_ROWS and _integral(values) \
            and (values.is_monotonic_increasing or values.is_monotonic_decreasing):
        return ColumnProfile(**base, kind="identifier", excluded=True,
                             reason="identifier column (unique monotone integers, like a row number)")
    if not include and not numeric and n_unique == len(values) and len(values) >= MIN_IDENTIFIER_ROWS:
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
    ordered, note = None, None
    if not numeric:
        levels, source = level_order(series)
        ordered = source is not None
        if ordered and kind == "categorical":
            coding = " < ".join(f"{lv}={i}" for i, lv in enumerate(levels[:8]))
            more = ", ..." if len(levels) > 8 else ""
            note = (f"{name} is ordered text ({source}), coded in that order: {coding}{more}")
    return ColumnProfile(**base, kind=kind, gaussian=gaussian, ordered=ordered, note=note)


#: words of a column name that say it indexes environments (where or when the rows were collected)
CONTEXT_WORDS = frozenset({
    "site", "batch", "period", "env", "environment", "domain", "region", "hospital", "wave", "center",
    "centre", "clinic", "cohort", "country", "lab", "laboratory", "study", "regime", "era", "season",
    "plant", "context", "phase", "round", "experiment", "year", "location", "city",
})
MAX_CONTEXT_LEVELS = 20
MIN_CONTEXT_ROWS = 10
#: unnamed text columns qualify only with labels that read as an index: "A", "B"; "site1"; "env 3"
_INDEX_LABEL = re.compile(r"^([A-Za-z]*?)[ _-]?([0-9]+|[A-Za-z])$")


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    return [w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w]


def context_candidates(frame: "pd.DataFrame", columns: "list[ColumnProfile]") -> list[str]:
    """Columns that look like an environment index, for CD-NOD's context column (a suggestion).

    A column qualifies with 2..``MAX_CONTEXT_LEVELS`` values (integers or labels), each held by at
    least ``MIN_CONTEXT_ROWS`` rows, and either a name saying so (a word of ``CONTEXT_WORDS``:
    ``site``, ``batch_id``, ``collection period``) or, without such a name, text labels that read
    as an index ("A"/"B"/"C", "site1"/"site2") in 3 or more balanced groups (the smallest at least
    half the largest). An ordinary binary variable (treated, sex) never qualifies by its values."""
    import numpy as np
    import pandas as pd

    out: list[str] = []
    for col in columns:
        if col.constant or col.n_missing == len(frame) or not 2 <= col.n_unique <= MAX_CONTEXT_LEVELS:
            continue
        values = frame[col.name].dropna()
        numeric = pd.api.types.is_numeric_dtype(values)
        if numeric and not np.all(np.asarray(values, dtype=float) == np.round(np.asarray(values, dtype=float))):
            continue  # a measurement, not an index
        counts = values.astype(str).value_counts()
        if int(counts.min()) < MIN_CONTEXT_ROWS:
            continue
        named = bool(set(_name_words(col.name)) & CONTEXT_WORDS)
        if not named:
            labels = list(counts.index)
            matches = [_INDEX_LABEL.match(lv.strip()) for lv in labels]
            if numeric or col.ordered or col.n_unique < 3 or not all(matches) \
                    or len({m.group(1).lower() for m in matches if m}) != 1 \
                    or int(counts.min()) < 0.5 * int(counts.max()):
                continue
        out.append(col.name)
    return out


def context_note(name: str, frame: "pd.DataFrame", column: ColumnProfile) -> str:
    """The profile's one-line suggestion for a context candidate."""
    counts = frame[name].astype(str).value_counts()
    lo, hi = int(counts.min()), int(counts.max())
    how = f"{column.n_unique} values, {lo if lo == hi else f'{lo}-{hi}'} rows each"
    left_out = f" (it is left out as an identifier: add --include {name})" if column.excluded else ""
    return (f"{name!r} looks like an environment index ({how}){left_out}: to learn how the causal"
            f" mechanisms change across it, ask e.g. 'which mechanisms change across {name}?' or use"
            f" --context {name}.")


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


def profile_frame(frame: "pd.DataFrame", notes: list[str] | None = None,
                  column_notes: dict[str, str] | None = None, include: "Collection[str]" = ()) -> DataProfile:
    """Profile every column of ``frame`` and say in ``notes`` what was left out and why, how
    ordered text is coded, and ``column_notes`` (how loading read a column, e.g. bad cells)."""
    columns = [profile_column(frame[c], include=c in include) for c in frame.columns]
    out = list(notes or [])
    out.extend(f"{c!r} is analysed as asked (--include), although the profiler would leave it out."
               for c in include if c in frame.columns)
    for c in columns:
        extra = (column_notes or {}).get(c.name)
        if extra:
            c.note = f"{c.note}; {extra}" if c.note else extra
        if c.note and not c.excluded:
            out.append(c.note.rstrip(".") + ".")
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
    contexts = context_candidates(frame, columns)
    by_name = {c.name: c for c in columns}
    out.extend(context_note(c, frame, by_name[c]) for c in contexts)
    return DataProfile(
        n_rows=len(frame),
        n_columns=len(frame.columns),
        columns=columns,
        fingerprint=fingerprint(frame),
        content_fingerprint=content_fingerprint(frame),
        excluded=[c.name for c in excluded],
        notes=out,
        context_columns=contexts,
    )


__all__ = [
    "ColumnKind", "ColumnProfile", "DataProfile", "content_fingerprint", "context_candidates", "fingerprint",
    "gaussian_flag", "is_identifier_name", "level_order", "profile_column", "profile_frame",
    "text_levels",
]
