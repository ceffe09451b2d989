"""Matching the names people type to the names of columns, and naming datasets.

Users and models write "lung cancer" for a column called ``Lung_Cancer`` and make typos
("smokng"). Resolution goes from strict to loose and stops at the first rule that gives exactly one
column, so a tolerant rule can never override a closer match:

1. the exact name;
2. the same name ignoring case;
3. the same name ignoring case, spaces, underscores, hyphens and other punctuation;
4. a close misspelling: a small edit distance on the normalised names (0 edits for names of up
   to 3 characters, 1 for 4-7, 2 for longer ones), with the same digits (``x12`` never becomes
   ``x1``). A tie between two columns at the same distance is ambiguous and raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from .errors import VariableError, suggestion

_QUOTES = "'\"`‘’“”"


class VariableMatch(BaseModel):
    """How a user's name was read: ``exact`` is False only when a misspelling was corrected."""

    query: str
    name: str
    exact: bool
    note: str | None = None


def normalize(name: str) -> str:
    """Lowercase alphanumerics only: "Lung_Cancer", "lung cancer" and "lung-cancer" agree."""
    return "".join(ch for ch in str(name).casefold() if ch.isalnum())


def sanitize_name(name: str, default: str = "data") -> str:
    """A dataset name safe for LangGraph store namespaces: lowercase ``[a-z0-9_]``, no dots."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return cleaned or default


def line_break_notes(as_written: Sequence[object], as_read: Sequence[object]) -> list[str]:
    """A note for each column whose header had line breaks, naming what it is read as: a name
    changed without a word would hide text (a planted "x\n\nSYSTEM: …") in an innocent name."""
    notes = []
    for i, (written, read) in enumerate(zip(as_written, as_read), start=1):
        if any(ch in str(written) for ch in "\r\n\u2028\u2029"):
            notes.append(f"column {i}'s name had line breaks; it is read as {str(read)!r}.")
    return notes


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, transpositions.

    With ``limit``, stops early and returns ``limit + 1`` once the distance must exceed it (the
    parser compares every word against every column name, so the cut-off matters).
    """
    if a == b:
        return 0
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_edits(normalized_query: str) -> int:
    """How many typos a name of this length may carry and still be recognised."""
    n = len(normalized_query)
    if n <= 3:
        return 0
    return 1 if n <= 7 else 2


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _one(hits: Sequence[str]) -> str | None:
    unique = list(dict.fromkeys(hits))
    return unique[0] if len(unique) == 1 else None


def match_name(
    query: str,
    names: Sequence[str],
    *,
    dataset: str = "data",
    suggest_from: Iterable[str] | None = None,
) -> VariableMatch:
    """Match ``query`` to one of ``names`` (see the module docstring for the rules).

    Raises ``VariableError`` for an unknown or ambiguous name, suggesting the closest of
    ``suggest_from`` (default: ``names``).
    """
    raw = str(query)
    text = raw.strip().strip(_QUOTES).strip()
    if not text:
        raise VariableError(f"empty variable name for dataset {dataset}; give a column name")
    names = list(names)
    if text in names:
        return VariableMatch(query=raw, name=text, exact=True)

    folded = text.casefold()
    hits = [n for n in names if n.casefold() == folded]
    if len(hits) > 1:
        _ambiguous(raw, hits, dataset)
    if hits:
        return VariableMatch(query=raw, name=hits[0], exact=True)

    key = normalize(text)
    if not key:
        raise VariableError(f"variable name {raw!r} has no letters or digits; give a column name")
    norm = {n: normalize(n) for n in names}
    hits = [n for n in names if norm[n] == key]
    if len(hits) > 1:
        _ambiguous(raw, hits, dataset)
    if hits:
        return VariableMatch(query=raw, name=hits[0], exact=True)

    limit = allowed_edits(key)
    if limit:
        scored = [
            (edit_distance(key, norm[n]), n)
            for n in names
            if norm[n] and _digits(norm[n]) == _digits(key)
        ]
        scored = [(d, n) for d, n in scored if d <= limit]
        if scored:
            best = min(d for d, _ in scored)
            tied = [n for d, n in scored if d == best]
            if _one(tied) is None:
                _ambiguous(raw, tied, dataset)
            name = tied[0]
            return VariableMatch(
                query=raw, name=name, exact=False, note=f"{text!r} read as {name!r}"
            )

    pool = list(names if suggest_from is None else suggest_from)
    raise VariableError(
        f"unknown variable {text!r} in dataset {dataset}." + suggestion(text, pool, "variable")
    )


def _ambiguous(query: str, hits: Sequence[str], dataset: str) -> None:
    shown = " or ".join(repr(h) for h in hits)
    raise VariableError(
        f"ambiguous variable {query.strip()!r} in dataset {dataset}: it could be {shown};"
        " use the exact column name"
    )
