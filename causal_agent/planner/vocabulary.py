"""The planner's shared vocabulary: words, not intents.

``prompts/offline_vocabulary.json`` holds what every question type shares: conditioning markers
("given", "holding … fixed"), polarity words of independence, negators, treatment-value and role
patterns, number words, follow-up starters and filler. What a question *asks* is learned from the
examples plugins register (``register_intents``), never from this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..prompts import load_prompt

BOUND_L = r"(?<![a-z0-9])"
BOUND_R = r"(?![a-z0-9])"
PLACEHOLDER = re.compile(r"«v(\d+)»")
#: A frame ("is it false that …") counts only at the start of a sentence, after follow-up starters.
_FRAME_START = r"^\s*(?:(?:and|so|but|then|now|also|ok|okay|well),?\s+)*"


@dataclass(frozen=True)
class Vocabulary:
    """The compiled vocabulary (read from ``prompts/offline_vocabulary.json``)."""

    raw: Mapping[str, Any]
    partial_markers: re.Pattern[str]
    full_markers: re.Pattern[str]
    deictic_markers: re.Pattern[str]
    name_blockers: re.Pattern[str]
    pol_independent: re.Pattern[str]
    pol_dependent: re.Pattern[str]
    pol_negative: re.Pattern[str]
    negators: frozenset[str]
    negator_phrases: tuple[str, ...]
    negation_window: int
    rhetorical: frozenset[str]
    negating_frame: re.Pattern[str]
    affirming_frame: re.Pattern[str]
    negation_scope: int
    cond_prefix: tuple[re.Pattern[str], ...]
    cond_prefix_needs_suffix: tuple[re.Pattern[str], ...]
    cond_suffix: re.Pattern[str]
    cond_suffix_anchored: re.Pattern[str]
    clause_markers: tuple[re.Pattern[str], ...]
    clause_boundaries: frozenset[str]
    clause_max_words: int
    fillers: re.Pattern[str]
    separators: tuple[tuple[str, ...], ...]
    fallback_condition: re.Pattern[str]
    adjust_all: tuple[re.Pattern[str], ...]
    confounder_strip: tuple[re.Pattern[str], ...]
    confounder_suffix: tuple[re.Pattern[str], ...]
    roles: tuple[tuple[re.Pattern[str], str], ...]
    values: tuple[tuple[re.Pattern[str], str, str], ...]
    number_words: Mapping[str, float]
    negative_words: tuple[str, ...]
    alpha: tuple[re.Pattern[str], ...]
    cause_direction: tuple[re.Pattern[str], ...]
    shared_pair: tuple[re.Pattern[str], ...]
    followup_starters: re.Pattern[str]
    followup_additive: re.Pattern[str]
    followup_replace: re.Pattern[str]
    followup_drop: re.Pattern[str]
    pronouns: re.Pattern[str]
    dataset_cues: str
    article_followers: frozenset[str]
    partial_generic: frozenset[str]
    stopwords: frozenset[str]
    function_words: frozenset[str]
    abbreviations: tuple[tuple[str, str], ...]
    number_re: str
    #: words that introduce a named choice ('using', 'with', 'via')
    choice_cue: str
    #: word -> canonical word, for the intent classifier
    synonyms: Mapping[str, str]
    #: language -> its stop words that are not English words (to tell a non-English question)
    languages: Mapping[str, frozenset[str]]
    #: hits of one language's list a question needs to count as written in it
    language_min_hits: int
    #: the share of non-ASCII letters above which a question is not English
    non_ascii_share: float
    #: where a mediator is named ('through M', 'M mediates'): group ``M``, for a ``mediator`` slot
    mediator_markers: tuple[re.Pattern[str], ...] = ()
    #: where the variable to adjust for is named ('should I adjust for Z', 'is Z a confounder'):
    #: group ``Z``, for an ``adjuster`` slot
    adjuster_markers: tuple[re.Pattern[str], ...] = ()
    #: (pattern, spec) of a change stated without both values: "stop", "shift:N1", "set:N1" …
    #: (group ``T``, when present, is the treatment), for a ``contrast`` slot
    contrasts: tuple[tuple[re.Pattern[str], str], ...] = ()
    #: a single variable's role in the phrasing: it acts ("what does X affect?", "effects of X")
    #: or is acted on ("what affects X?", "causes of X"); group ``X``, for "cause"/"effect" slots
    role_cause: tuple[re.Pattern[str], ...] = ()
    role_effect: tuple[re.Pattern[str], ...] = ()
    #: a pair's role towards a third variable: it acts ("both X and Y affect", a common effect) or is
    #: acted on ("affects both X and Y", a common cause); groups ``X`` and ``Y``
    pair_cause: tuple[re.Pattern[str], ...] = ()
    #: "is the association of X and Y causal?": asks about causation, not for a test of dependence
    causal_judgement: re.Pattern[str] = re.compile(r"(?!x)x")
    pair_effect: tuple[re.Pattern[str], ...] = ()
    #: "in this data", "in the dataset": the scope of a question that names variables, no cue
    data_scope: re.Pattern[str] = re.compile(r"(?!x)x")
    #: (constant, value, pattern) in order: a phrase that decides between intents of one tool that
    #: differ only in that constant ("directly or not": direct False; "immediate": direct True;
    #: "all of … through M": question "fully")
    constant_markers: tuple[tuple[str, Any, re.Pattern[str]], ...] = ()
    #: "anything", "what": the word for the variable a one-variable question leaves open
    open_other: re.Pattern[str] = re.compile(r"(?!x)x")


def _alt(items: Sequence[str]) -> str:
    return "(?:" + "|".join(f"(?:{i})" for i in items) + ")"


def _compile_vocabulary(v: Mapping[str, Any]) -> Vocabulary:
    nums = v["numbers"]
    words = sorted(nums["words"], key=len, reverse=True)
    neg = "|".join(re.escape(w) for w in nums["negative_words"])
    number_re = (
        rf"(?:(?:(?:{neg}) )?(?:[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?"
        rf"|(?:{'|'.join(re.escape(w) for w in words)})(?![a-z])))"
    )

    def expand(pattern: str) -> str:
        p = pattern
        p = p.replace("{_}", r"(?:[^\s.?!;]+ ){0,3}?")
        p = p.replace("{V}", r"«v\d+»")
        for slot in ("X", "Y", "T", "O", "M", "Z"):
            p = p.replace("{" + slot + "}", rf"«v(?P<{slot}>\d+)»")
        p = p.replace("{N0}", rf"(?P<N0>{number_re})").replace("{N1}", rf"(?P<N1>{number_re})")
        p = p.replace("{N}", number_re)
        return p

    def comp(pattern: str) -> re.Pattern[str]:
        return re.compile(BOUND_L + "(?:" + expand(pattern) + ")" + BOUND_R)

    pol = v["polarity"]
    neg_cfg = v["negation"]
    cond = v["conditioning"]
    eff = v["effect"]
    fu = v["followup"]
    seps = tuple(tuple(s.split()) if s.strip() else (s,) for s in cond["separators"])
    return Vocabulary(
        raw=v,
        partial_markers=comp(_alt(v["partial_graph_markers"])),
        full_markers=comp(_alt(v["full_graph_markers"])),
        deictic_markers=comp(_alt(v["deictic_graph_markers"])),
        name_blockers=comp(_alt(v["partial_name_blockers"])),
        pol_independent=comp(_alt(pol["independent"])),
        pol_dependent=comp(_alt(pol["dependent"])),
        pol_negative=comp(_alt(pol["inherently_negative"])),
        negators=frozenset(w for w in neg_cfg["negators"] if " " not in w),
        negator_phrases=tuple(w for w in neg_cfg["negators"] if " " in w),
        negation_window=int(neg_cfg["window_words"]),
        rhetorical=frozenset(neg_cfg["rhetorical_openers"]),
        negating_frame=re.compile(_FRAME_START + _alt(neg_cfg["negating_frames"]) + BOUND_R),
        affirming_frame=re.compile(_FRAME_START + _alt(neg_cfg["affirming_frames"]) + BOUND_R),
        negation_scope=int(neg_cfg["scope_words"]),
        cond_prefix=tuple(comp(p) for p in cond["prefix"] if p not in cond["prefix_requires_suffix"]),
        cond_prefix_needs_suffix=tuple(comp(p) for p in cond["prefix_requires_suffix"]),
        cond_suffix=comp(_alt(cond["suffix"])),
        cond_suffix_anchored=re.compile(r"\s*" + _alt([expand(s) for s in cond["suffix"]]) + BOUND_R),
        fillers=re.compile("^" + _alt(cond["fillers"]) + "$"),
        clause_markers=tuple(comp(p) for p in cond["clause_markers"]),
        clause_boundaries=frozenset(cond["clause_boundaries"]),
        clause_max_words=int(cond["clause_max_words"]),
        separators=seps,
        fallback_condition=comp(_alt(cond["fallback_condition_words"])),
        adjust_all=tuple(comp(p) for p in eff["adjust_all_patterns"]),
        confounder_strip=tuple(comp(p) for p in eff["confounder_role_strip"]),
        confounder_suffix=tuple(comp(p) for p in eff["confounder_suffix"]),
        roles=tuple((comp(r["re"]), r["slot"]) for r in eff["roles"]),
        values=tuple((comp(r["re"]), r["t0"], r["t1"]) for r in eff["values"]),
        number_words=dict(nums["words"]),
        negative_words=tuple(nums["negative_words"]),
        alpha=tuple(comp(p) for p in v["alpha"]),
        cause_direction=tuple(comp(p) for p in v["direction"]["cause"]),
        shared_pair=tuple(comp(p) for p in v["direction"]["shared_pair"]),
        followup_starters=re.compile(r"^\W*" + _alt(fu["starters"]) + BOUND_R),
        followup_additive=comp(_alt(fu["additive"])),
        followup_replace=comp(_alt(fu["replace"])),
        followup_drop=comp(_alt(fu["drop"])),
        pronouns=comp(_alt(fu["pronouns"])),
        dataset_cues=_alt(v["dataset_cues"]),
        article_followers=frozenset(v["article_followers"]),
        partial_generic=frozenset(v["partial_match_generic_words"]),
        stopwords=frozenset(v["stopwords"]),
        function_words=frozenset(v["function_words"]),
        abbreviations=tuple(v["abbreviations"].items()),
        number_re=number_re,
        choice_cue=v["choice_cue"],
        synonyms=dict(v.get("synonyms", {})),
        languages={k: frozenset(w) for k, w in v["languages"].items() if isinstance(w, list)},
        language_min_hits=int(v["languages"]["min_hits"]),
        non_ascii_share=float(v["languages"]["non_ascii_share"]),
        mediator_markers=tuple(comp(p) for p in v.get("mediator", {}).get("markers", [])),
        adjuster_markers=tuple(comp(p) for p in v.get("adjuster", {}).get("markers", [])),
        contrasts=tuple((comp(r["re"]), r["spec"]) for r in eff.get("contrasts", [])),
        data_scope=comp(_alt(v["data_scope"])) if v.get("data_scope") else re.compile(r"(?!x)x"),
        role_cause=tuple(comp(p) for p in v.get("single_role", {}).get("cause", [])),
        role_effect=tuple(comp(p) for p in v.get("single_role", {}).get("effect", [])),
        pair_cause=tuple(comp(p) for p in v.get("pair_role", {}).get("cause", [])),
        causal_judgement=comp(_alt(v["causal_judgement"])) if v.get("causal_judgement") else re.compile(r"(?!x)x"),
        pair_effect=tuple(comp(p) for p in v.get("pair_role", {}).get("effect", [])),
        constant_markers=tuple((m["constant"], m["value"], comp(_alt(m["patterns"])))
                               for m in v.get("constant_markers", [])),
        open_other=comp(_alt(v["open_other"])) if v.get("open_other") else re.compile(r"(?!x)x"),
    )


@lru_cache(maxsize=4)
def _vocabulary_from_text(text: str) -> Vocabulary:
    return _compile_vocabulary(json.loads(text))


def load_vocabulary(name: str = "offline_vocabulary.json") -> Vocabulary:
    """The compiled vocabulary from ``prompts/<name>``."""
    return _vocabulary_from_text(load_prompt(name))
