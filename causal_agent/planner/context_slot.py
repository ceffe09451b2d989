"""The ``context`` slot: the column that names each row's environment (site, batch, period).

A tool argument called ``context`` is filled from the phrase that says what the question compares
or takes into account: "across sites", "between batches", "in each hospital", "at different
sites", "taking the site into account", "stratified by period", "varies with region", "with site
as the context", "from site to site". The word after the marker is a column when the reading already matched it (a
placeholder), or when its singular ("batches" -> batch) or its stem is the column's name or starts
with it ("environments" -> env). The column read this way is no variable of the question's other
slots. Nothing else fills the slot: without such a phrase the tool uses ``--context`` (or says
which column to name). A question that names a context this way goes to an intent that takes one
when the classifier finds it nearly as likely as its first choice (``prefer_context_intent``:
"does dose influence marker differently from site to site?" is not a total-effect question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .classifier import Prediction
from .vocabulary import PLACEHOLDER

if TYPE_CHECKING:  # pragma: no cover
    from .reading import _Context

_TARGET = r"(?:(?:the|each|every|all|its|their|our|different|several|multiple|various|separate|individual)\s+)*" \
          r"(?P<t>«v\d+»|[a-z][a-z0-9_\-]*)"
_CHANGE = r"(?:vary|varies|varying|varied|change|changes|changing|changed|differ|differs|differing|differed|" \
          r"shift|shifts|shifting|shifted|depend|depends|depending)"
#: phrases that put the context column at ``t`` (most specific first)
_MARKERS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"(?:tak(?:e|es|ing|en)|account(?:s|ing)? for|consider(?:s|ing)?|keep(?:ing)? in mind)\s+" + _TARGET + r"\s+into\s+account",
    r"(?:tak(?:e|es|ing|en)|bring(?:ing)?)\s+into\s+account\s+" + _TARGET,
    r"(?:accounting|account|controlling|adjusting)\s+for\s+(?:differences\s+(?:between|across|among)\s+)?" + _TARGET
    + r"\s+(?:differences|effects|heterogeneity|shifts)",
    r"(?:with|using|treat|treats|treating|take|taking)\s+" + _TARGET
    + r"\s+as\s+(?:the\s+|a\s+|an\s+)?(?:context|environment|domain|regime|group(?:ing)?)",
    r"(?:stratified|grouped|split|broken\s+down|separated|partitioned|pooled)\s+(?:up\s+)?(?:by|across|over)\s+" + _TARGET,
    r"from\s+(?:one\s+)?" + _TARGET + r"\s+to\s+(?:another|the\s+next|«v\d+»)",
    _CHANGE + r"\s+(?:with|by|across|between|over)\s+" + _TARGET,
    r"(?:across|between|per|within)\s+" + _TARGET,
    r"(?:in|at|for|within|from)\s+(?:each|every|different|several|multiple|various|separate|individual|some|certain|other|all|both)\s+" + _TARGET,
    r"(?:accounting|account)\s+for\s+" + _TARGET,
))
#: after the target, a list goes on ("between a, b and c": variables, not a context)
_LIST_AFTER = re.compile(r"\s*(?:,|\band\b|\bor\b|&)\s*(?:[a-z]+\s+){0,2}«v\d+»")
_WORDS_NOT_COLUMNS = frozenset({"them", "these", "those", "it", "variables", "variable", "columns", "groups",
                                "settings", "conditions", "and", "or"})


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _singular(word: str) -> list[str]:
    """A word and its singular readings: batches -> batch, sites -> site, studies -> study."""
    out = [word]
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        out.append(word[:-2])
    if word.endswith("s") and len(word) > 2:
        out.append(word[:-1])
    return out


def word_column(word: str, columns: list[str]) -> str | None:
    """The one column a word names by its singular ("batches": batch) or stem ("environments": env)."""
    forms = [_norm(w) for w in _singular(word.lower())]
    norms = {c: _norm(c) for c in columns}
    exact = [c for c, n in norms.items() if n and n in forms]
    if len(exact) == 1:
        return exact[0]
    prefix = [c for c, n in norms.items() if len(n) >= 3 and any(f.startswith(n) for f in forms)]
    return prefix[0] if len(prefix) == 1 else None


#: a question naming a context switches to an intent that takes one when that intent is at least
#: this share as probable as the classifier's choice
CONTEXT_SWITCH = 0.3


@dataclass
class ContextPrediction(Prediction):
    """A prediction made among the intents that take a context, because the question names one
    (``context``): its confidence is over those intents, so the planner takes it as the tool's."""

    context: str = ""


def prefer_context_intent(planner: Any, ctx: _Context, text: str, pred: Any) -> Any:
    """The prediction for a question that names a context ("... from site to site"): among the
    intents that take one, the likeliest, when it is at least ``CONTEXT_SWITCH`` as probable as the
    classifier's first choice, with its probability renormalised over those intents (the context
    phrase has ruled the others out); else ``pred`` unchanged."""
    found = read_context(ctx, text)
    if found is None:
        return pred
    probs = planner.classifier.probabilities(text)
    takers = {n for n in probs if n in planner.intents and planner.intents[n].of("context")}
    best = max(takers, key=probs.__getitem__, default=None)
    if best is None or probs[best] < CONTEXT_SWITCH * max(probs.values()):
        return pred
    return ContextPrediction(best, probs[best] / sum(probs[n] for n in takers), pred.name, pred.confidence,
                             context=found)


def read_context(ctx: _Context, seg: str) -> str | None:
    """The column the segment names as the context, or None (rules in the module docstring)."""
    skel = ctx.skeleton
    for pat in _MARKERS:
        for m in pat.finditer(seg):
            target = m.group("t")
            if _LIST_AFTER.match(seg, m.end()):
                continue
            hit = PLACEHOLDER.fullmatch(target)
            if hit:
                return skel.var_of.get(int(hit.group(1)))
            if target in _WORDS_NOT_COLUMNS:
                continue
            found = word_column(target, list(ctx.variables))
            if found is not None:
                return found
    return None


__all__ = ["CONTEXT_SWITCH", "ContextPrediction", "prefer_context_intent", "read_context", "word_column"]
