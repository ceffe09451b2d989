"""The offline planner's question parser.

It reads a causal question the way a careful person would, rather than matching whole templates:

1. **Variables first.** Column names are found in the text (case-, space-, underscore- and
   hyphen-insensitive, longest match first, small misspellings by edit distance, never inside a longer
   word) and replaced by placeholders. From then on the text is a *skeleton* such as
   ``"is «v0» independent of «v2» given «v1»?"``, so a column name can never act as a keyword (a
   column called "ignore previous instructions" is just a variable).
2. **Intent by weighted cues.** Every intent has weighted regular expressions in
   ``prompts/offline_vocabulary.json``; the strongest cue wins, ties broken by a priority list. The
   vocabulary is data: new phrasings are added there, not here.
3. **Slots by structure.** Conditioning sets come from markers ("given", "controlling for",
   "holding … fixed", …) followed (or preceded) by a list; when a question names three or more
   variables, a marker's whole clause counts, filler words and all ("once we know whether a patient
   has lung cancer, …"). Direction (cause → effect, treatment → outcome) comes from role patterns;
   the pair of a common-cause / common-effect question from its "both X and Y"; treatment values
   from value patterns (the first of two contrasted values is the treated one); polarity from the
   first (in)dependence word and a negation in front of it.
4. **The question proper is weighted.** A scenario paragraph may precede the question. The parser
   reads the last sentence first and widens to earlier sentences only while something is missing.
5. **Never guess silently.** If the intent or a variable is missing, the result has
   ``kind="unknown"`` and ``missing`` says exactly what is missing and what was understood.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..errors import closest
from ..names import edit_distance as _edit_distance
from ..prompts import load_prompt

IntentKind = Literal[
    "independence",
    "direct_cause",
    "confounder",
    "collider",
    "graph",
    "partial_graph",
    "effect",
    "d_separation",
    "adjustment_set",
    "list_graphs",
    "unknown",
]

#: kinds whose answer is yes / no / uncertain
YES_NO_KINDS = frozenset({"independence", "direct_cause", "confounder", "collider", "d_separation"})
#: kinds that need two variables (x, y or treatment, outcome)
PAIR_KINDS = frozenset(
    {"independence", "direct_cause", "confounder", "collider", "d_separation", "effect", "adjustment_set"}
)

KIND_DESCRIPTIONS: dict[str, str] = {
    "independence": "whether two variables are (conditionally) independent",
    "direct_cause": "whether one variable directly causes another",
    "confounder": "whether two variables share a common cause (confounder)",
    "collider": "whether two variables share a common effect (collider)",
    "graph": "the causal graph of the data",
    "partial_graph": "the causal graph over some of the variables",
    "effect": "the average treatment effect of one variable on another",
    "d_separation": "whether two variables are d-separated in the causal graph",
    "adjustment_set": "which variables to adjust for when estimating an effect",
    "list_graphs": "the graphs stored in memory",
}


class Intent(BaseModel):
    """What a question asks, as far as the parser could tell."""

    kind: IntentKind = "unknown"
    x: str | None = Field(None, description="first variable (the cause for direct_cause)")
    y: str | None = Field(None, description="second variable (the effect for direct_cause)")
    given: list[str] = Field(default_factory=list, description="conditioning set")
    variables: list[str] = Field(default_factory=list, description="partial-graph variables")
    treatment: str | None = None
    outcome: str | None = None
    t0: float | None = None
    t1: float | None = None
    confounders: list[str] | None = Field(None, description="adjustment set the user named, if any")
    polarity: Literal["independent", "dependent"] | None = Field(
        None, description="independence / d-separation questions: what a YES answer means"
    )
    negated: bool = Field(False, description="edge questions asked in the negative ('does X not cause Y?')")
    dataset: str | None = None
    alpha: float | None = None
    method: str | None = None
    algorithm: str | None = None
    notes: list[str] = Field(default_factory=list, description="what was understood")
    missing: list[str] = Field(default_factory=list, description="what is missing, when unclear")
    changed: list[str] = Field(default_factory=list, description="slots a follow-up changed")
    question: str = ""

    @property
    def is_yes_no(self) -> bool:
        return self.kind in YES_NO_KINDS

    def describe(self) -> str:
        """One sentence saying what the parser understood."""
        k = self.kind
        if k == "independence":
            cond = f" given {', '.join(self.given)}" if self.given else ""
            yes = "independent" if self.polarity == "independent" else "dependent"
            return f"test whether {self.x} and {self.y} are independent{cond} (yes = {yes})"
        if k == "d_separation":
            cond = f" given {', '.join(self.given)}" if self.given else ""
            return f"check whether {self.x} and {self.y} are d-separated{cond} in the causal graph"
        if k == "direct_cause":
            return f"check whether {self.x} directly causes {self.y}"
        if k == "confounder":
            return f"check whether {self.x} and {self.y} share a common cause (confounder)"
        if k == "collider":
            return f"check whether {self.x} and {self.y} share a common effect (collider)"
        if k == "graph":
            return "discover the causal graph of the data"
        if k == "partial_graph":
            return f"discover the causal graph over {', '.join(self.variables)}"
        if k == "effect":
            return (
                f"estimate the average effect on {self.outcome} of changing {self.treatment} "
                f"from {_fmt(self.t0)} to {_fmt(self.t1)}"
            )
        if k == "adjustment_set":
            return f"find the adjustment set for the effect of {self.treatment} on {self.outcome}"
        if k == "list_graphs":
            return "list the stored graphs"
        return "could not tell what is asked"


def _fmt(v: float | None) -> str:
    if v is None:
        return "?"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# --------------------------------------------------------------------------------------------------
# Vocabulary


_BOUND_L = r"(?<![a-z0-9])"
_BOUND_R = r"(?![a-z0-9])"
_PLACEHOLDER = re.compile(r"«v(\d+)»")


@dataclass(frozen=True)
class Vocabulary:
    """The compiled vocabulary (read from ``prompts/offline_vocabulary.json``)."""

    raw: Mapping[str, Any]
    intents: tuple[tuple[str, tuple[tuple[re.Pattern[str], float], ...]], ...]
    priority: tuple[str, ...]
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
    methods: tuple[tuple[str, re.Pattern[str]], ...]
    algorithms: tuple[tuple[str, re.Pattern[str]], ...]
    cause_direction: tuple[re.Pattern[str], ...]
    shared_pair: tuple[re.Pattern[str], ...]
    followup_starters: re.Pattern[str]
    followup_additive: re.Pattern[str]
    followup_replace: re.Pattern[str]
    followup_drop: re.Pattern[str]
    pronouns: re.Pattern[str]
    kind_nouns: tuple[tuple[str, re.Pattern[str]], ...]
    dataset_cues: str
    article_followers: frozenset[str]
    partial_generic: frozenset[str]
    stopwords: frozenset[str]
    function_words: frozenset[str]
    abbreviations: tuple[tuple[str, str], ...]
    number_re: str


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
        for slot in ("X", "Y", "T", "O"):
            p = p.replace("{" + slot + "}", rf"«v(?P<{slot}>\d+)»")
        p = p.replace("{N0}", rf"(?P<N0>{number_re})").replace("{N1}", rf"(?P<N1>{number_re})")
        p = p.replace("{N}", number_re)
        return p

    def comp(pattern: str) -> re.Pattern[str]:
        return re.compile(_BOUND_L + "(?:" + expand(pattern) + ")" + _BOUND_R)

    intents = tuple(
        (kind, tuple((comp(item["re"]), float(item["w"])) for item in items))
        for kind, items in v["intents"].items()
    )
    pol = v["polarity"]
    neg_cfg = v["negation"]
    cond = v["conditioning"]
    eff = v["effect"]
    fu = v["followup"]
    seps = tuple(tuple(s.split()) if s.strip() else (s,) for s in cond["separators"])
    return Vocabulary(
        raw=v,
        intents=intents,
        priority=tuple(v["priority"]),
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
        cond_prefix=tuple(comp(p) for p in cond["prefix"] if p not in cond["prefix_requires_suffix"]),
        cond_prefix_needs_suffix=tuple(comp(p) for p in cond["prefix_requires_suffix"]),
        cond_suffix=comp(_alt(cond["suffix"])),
        cond_suffix_anchored=re.compile(r"\s*" + _alt([expand(s) for s in cond["suffix"]]) + _BOUND_R),
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
        methods=tuple((name, comp(_alt(pats))) for name, pats in v["methods"].items()),
        algorithms=tuple(
            (name, comp(v["algorithm_cue"] + _alt(pats))) for name, pats in v["algorithms"].items()
        ),
        cause_direction=tuple(comp(p) for p in v["direction"]["cause"]),
        shared_pair=tuple(comp(p) for p in v["direction"]["shared_pair"]),
        followup_starters=re.compile(r"^\W*" + _alt(fu["starters"]) + _BOUND_R),
        followup_additive=comp(_alt(fu["additive"])),
        followup_replace=comp(_alt(fu["replace"])),
        followup_drop=comp(_alt(fu["drop"])),
        pronouns=comp(_alt(fu["pronouns"])),
        kind_nouns=tuple((k, comp(_alt(p))) for k, p in fu["kind_nouns"].items()),
        dataset_cues=_alt(v["dataset_cues"]),
        article_followers=frozenset(v["article_followers"]),
        partial_generic=frozenset(v["partial_match_generic_words"]),
        stopwords=frozenset(v["stopwords"]),
        function_words=frozenset(v["function_words"]),
        abbreviations=tuple(v["abbreviations"].items()),
        number_re=number_re,
    )


@lru_cache(maxsize=4)
def _vocabulary_from_text(text: str) -> Vocabulary:
    return _compile_vocabulary(json.loads(text))


def load_vocabulary(name: str = "offline_vocabulary.json") -> Vocabulary:
    """The compiled vocabulary from ``prompts/<name>``."""
    return _vocabulary_from_text(load_prompt(name))


# --------------------------------------------------------------------------------------------------
# Variable mentions


@dataclass(frozen=True)
class Mention:
    """One place in the text where a column is named."""

    var: str
    start: int  # character span in the normalised text
    end: int
    how: Literal["exact", "fuzzy", "partial"]
    distance: int = 0


_TOKEN = re.compile(r"[^\W_]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_JOINABLE_GAP = re.compile(r"^[ \t_\-]{1,2}$|^$|^ ?[(/.] ?$")


def _name_tokens(name: str) -> list[str]:
    return [t.lower() for part in _TOKEN.findall(name) for t in _CAMEL.split(part) if t]


def _allowed_edits(n: int) -> int:
    return 0 if n < 4 else 1 if n < 10 else 2


def _text_tokens(text: str) -> list[tuple[str, int, int]]:
    """Word tokens with spans; the 's' of a possessive is dropped."""
    out = []
    for m in _TOKEN.finditer(text):
        if m.group().lower() == "s" and m.start() > 0 and text[m.start() - 1] in "'’":
            continue
        out.append((m.group(), m.start(), m.end()))
    return out


def find_mentions(text: str, variables: Sequence[str], vocab: Vocabulary | None = None) -> list[Mention]:
    """Where the columns are named in ``text`` (non-overlapping, in text order)."""
    vocab = vocab or load_vocabulary()
    tokens = _text_tokens(text)
    if not tokens or not variables:
        return []
    names: dict[str, tuple[str, list[str]]] = {}  # compact -> (var, tokens)
    for var in variables:
        toks = _name_tokens(var)
        if toks:
            names.setdefault("".join(toks), (var, toks))
    max_n = min(8, max(len(t) for _, t in names.values()) + 1)
    lowered = [t.lower() for t, _, _ in tokens]
    candidates: list[tuple[int, int, int, int, Mention]] = []  # sort keys + mention
    for i in range(len(tokens)):
        for n in range(1, max_n + 1):
            j = i + n
            if j > len(tokens):
                break
            if n > 1 and not _JOINABLE_GAP.match(text[tokens[j - 2][2] : tokens[j - 1][1]]):
                break
            compact = "".join(lowered[i:j])
            start, end = tokens[i][1], tokens[j - 1][2]
            hit = names.get(compact)
            if hit is not None:
                var, _ = hit
                if compact in vocab.function_words or len(compact) <= 1:
                    if not _stopword_name_ok(text, tokens, i, j, var, vocab):
                        continue
                if var.endswith((")", "]")) and text[end : end + 1] == var[-1]:
                    end += 1
                candidates.append((-n, 0, 0, start, Mention(var, start, end, "exact")))
                continue
            if len(compact) < 4 or all(t in vocab.stopwords for t in lowered[i:j]):
                continue
            fuzzy: list[tuple[int, str]] = []
            for ncompact, (var, ntoks) in names.items():
                if not 0 <= len(ntoks) - n <= 1 or ncompact[0] != compact[0]:
                    continue
                if re.sub(r"\D", "", ncompact) != re.sub(r"\D", "", compact):
                    continue
                limit = _allowed_edits(min(len(ncompact), len(compact)))
                if limit == 0:
                    continue
                d = _edit_distance(compact, ncompact, limit)
                if d <= limit:
                    fuzzy.append((d, var))
            if not fuzzy and n == 1:
                short = _short_name_typo(compact, names, vocab)
                if short is not None:
                    fuzzy.append((1, short))
            for d, var in fuzzy:
                candidates.append((-n, 1, d, start, Mention(var, start, end, "fuzzy", d)))
    candidates.sort(key=lambda c: c[:4])
    taken: list[Mention] = []
    for *_, m in candidates:
        if any(m.start < t.end and t.start < m.end for t in taken):
            continue
        taken.append(m)
    # partial names ("cholesterol" for "Cholesterol Level"): a distinctive word of exactly one name
    owners: dict[str, set[str]] = {}
    for var, toks in names.values():
        if len(toks) > 1:
            for t in toks:
                owners.setdefault(t, set()).add(var)
    named = {m.var for m in taken}
    # a word inside a set phrase ("the variables of interest") is not a partial name
    low = text.lower()
    phrases = [(m.start(), m.end()) for m in vocab.name_blockers.finditer(low)] if len(low) == len(text) else []
    for word, start, end in tokens:
        w = word.lower()
        if len(w) < 4 or w in vocab.stopwords or w in vocab.partial_generic:
            continue
        if any(s <= start and end <= e for s, e in phrases):
            continue
        if any(start < t.end and t.start < end for t in taken):
            continue
        own = owners.get(w)
        if own and len(own) == 1:
            var = next(iter(own))
            if var not in named:
                taken.append(Mention(var, start, end, "partial"))
    taken.sort(key=lambda m: m.start)
    return taken


def _short_name_typo(word: str, names: Mapping[str, tuple[str, list[str]]], vocab: Vocabulary) -> str | None:
    """A 3-letter name typed with a stuttered last letter or a plural 's' ('agee', 'ages' for 'age').

    Short names get no edit distance in general, because one edit turns a short name into another
    word ('age' -> 'ago', 'car' -> 'card', 'care'). The one extra letter allowed here is the kind
    that keeps the word the name: a repeat of its last letter or a plural 's'. The word must not be
    an ordinary word of the vocabulary, and no other column may be within one edit of it (a tie is
    not guessed)."""
    if len(word) != 4 or word[-1] not in {word[-2], "s"}:
        return None
    if word in vocab.stopwords or word in vocab.function_words:
        return None
    hits = [var for compact, (var, _) in names.items() if len(compact) == 3 and word.startswith(compact)]
    if len(hits) != 1:
        return None
    rivals = [var for compact, (var, _) in names.items() if var != hits[0] and _edit_distance(word, compact, 1) <= 1]
    return None if rivals else hits[0]


def _stopword_name_ok(
    text: str, tokens: list[tuple[str, int, int]], i: int, j: int, var: str, vocab: Vocabulary
) -> bool:
    """A column called 'a', 'A' or 'no' only counts when written exactly and not used as a word."""
    surface = text[tokens[i][1] : tokens[j - 1][2]]
    if surface != var and surface.replace(" ", "_") != var:
        return False
    if j >= len(tokens):
        return True
    gap = text[tokens[j - 1][2] : tokens[j][1]]
    if gap.strip():  # punctuation follows: a name
        return True
    nxt = tokens[j][0].lower()
    return nxt in vocab.article_followers or nxt.isdigit()


# --------------------------------------------------------------------------------------------------
# Skeleton


@dataclass
class _Skeleton:
    text: str  # lower-cased, placeholders for variables
    sentences: list[tuple[int, int]]  # spans of sentences in ``text``
    var_of: dict[int, str]  # placeholder id -> variable
    quality: dict[int, str]  # placeholder id -> how it was matched
    mentions: list[Mention] = field(default_factory=list)

    def ids_in(self, start: int, end: int) -> list[int]:
        return [int(m.group(1)) for m in _PLACEHOLDER.finditer(self.text, start, end)]


def _normalise(text: str, vocab: Vocabulary) -> str:
    t = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    t = t.replace("−", "-").replace("–", " - ").replace("—", " - ").replace("\u00a0", " ")
    for abbr, repl in vocab.abbreviations:
        t = re.sub(re.escape(abbr), repl, t, flags=re.I)
    return t


def _build_skeleton(text: str, mentions: list[Mention], dataset_spans: list[tuple[int, int]]) -> _Skeleton:
    parts: list[str] = []
    var_of: dict[int, str] = {}
    quality: dict[int, str] = {}
    pos = 0
    spans = [(m.start, m.end, m) for m in mentions] + [(s, e, None) for s, e in dataset_spans]
    spans.sort(key=lambda s: s[0])
    for k, (s, e, m) in enumerate(spans):
        if s < pos:
            continue
        parts.append(text[pos:s])
        if m is None:
            parts.append(" «d» ")
        else:
            var_of[k] = m.var
            quality[k] = m.how
            parts.append(f" «v{k}» ")
        pos = e
    parts.append(text[pos:])
    skel = " ".join("".join(parts).lower().split())
    # keep "«v0» 's" as "«v0»'s" and punctuation tight after placeholders
    skel = re.sub(r"(«v\d+»|«d») (['’]s|[,;:?!.)])", r"\1\2", skel)
    sentences: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"[.?!]+(?=\s|$)|[.?!](?=[a-z«])|\n", skel):
        if m.end() > start:
            sentences.append((start, m.end()))
        start = m.end()
    if start < len(skel):
        sentences.append((start, len(skel)))
    sentences = [(s, e) for s, e in sentences if skel[s:e].strip(" .?!")] or [(0, len(skel))]
    return _Skeleton(skel, sentences, var_of, quality, mentions)


# --------------------------------------------------------------------------------------------------
# Pieces of analysis on a skeleton segment


def _score_kinds(seg: str, vocab: Vocabulary) -> dict[str, tuple[float, int]]:
    """Best weight (and its position) of every intent with a cue in ``seg``."""
    scores: dict[str, tuple[float, int]] = {}
    for kind, patterns in vocab.intents:
        for pat, w in patterns:
            m = pat.search(seg)
            if m and (kind not in scores or w > scores[kind][0]):
                scores[kind] = (w, m.start())
    return scores


def _choose_kind(scores: dict[str, tuple[float, int]], vocab: Vocabulary) -> str | None:
    if not scores:
        return None
    order = {k: i for i, k in enumerate(vocab.priority)}
    return min(scores, key=lambda k: (-scores[k][0], order.get(k, 99)))


def _clause_before(seg: str, pos: int) -> str:
    head = seg[:pos]
    cut = max(head.rfind(","), head.rfind(";"), head.rfind(":"), head.rfind("("))
    return head[cut + 1 :]


def _negated_at(seg: str, pos: int, vocab: Vocabulary) -> bool:
    """Is the cue at ``pos`` negated ('no correlation', 'not independent', "don't depend")?"""
    clause = _clause_before(seg, pos)
    words = clause.split()
    window = words[-vocab.negation_window :] if words else []
    tail = " ".join(window)
    if any(p in tail for p in vocab.negator_phrases):
        return True
    first_idx = len(words) - len(window)
    for k, w in enumerate(window):
        word = w.strip("\"'()")
        if word in vocab.negators or word.endswith("n't"):
            # "isn't there a correlation …?" is a rhetorical question: yes still means correlated
            at_clause_start = first_idx + k == _first_content_word(words, vocab)
            if at_clause_start and (word in vocab.rhetorical or word.endswith("n't")):
                continue
            return True
    return False


def _first_content_word(words: list[str], vocab: Vocabulary) -> int:
    """Index of the first word after follow-up starters ('and', 'so', 'but')."""
    for k, w in enumerate(words):
        if w not in {"and", "so", "but", "then", "now", "also", "well", "ok", "okay"}:
            return k
    return 0


def _polarity(seg: str, vocab: Vocabulary) -> tuple[Literal["independent", "dependent"], str]:
    """What YES means for an independence question, from its first (in)dependence cue."""
    hits = []
    for pol, pat in (
        ("independent", vocab.pol_negative),
        ("independent", vocab.pol_independent),
        ("dependent", vocab.pol_dependent),
    ):
        m = pat.search(seg)
        if m:
            hits.append((m.start(), pol == "independent" and pat is not vocab.pol_negative, pol, m))
    if not hits:
        return "independent", "no (in)dependence word found; read as an independence question"
    hits.sort(key=lambda h: (h[0], h[1]))
    pos, _, pol, m = hits[0]
    word = m.group()
    if _negated_at(seg, pos, vocab):
        flipped: Literal["independent", "dependent"] = "dependent" if pol == "independent" else "independent"
        return flipped, f"'{word}' is negated, so yes means {flipped}"
    return pol, f"'{word}': yes means {pol}"  # type: ignore[return-value]


@dataclass
class _Tok:
    text: str
    start: int
    end: int

    @property
    def var(self) -> int | None:
        m = _PLACEHOLDER.fullmatch(self.text)
        return int(m.group(1)) if m else None


_SEG_TOKEN = re.compile(r"«v\d+»|«d»|[a-z0-9][a-z0-9'\-]*|[^\sa-z0-9]")


def _tokens(seg: str) -> list[_Tok]:
    return [_Tok(m.group(), m.start(), m.end()) for m in _SEG_TOKEN.finditer(seg)]


def _sep_len(toks: list[_Tok], i: int, vocab: Vocabulary) -> int:
    for sep in vocab.separators:
        if tuple(t.text for t in toks[i : i + len(sep)]) == sep:
            return len(sep)
    return 0


def _list_after(toks: list[_Tok], i: int, vocab: Vocabulary) -> tuple[list[int], int]:
    """Variables listed from token ``i`` on ('the conditions: A, B and C'); returns ids and end index."""
    ids: list[int] = []
    last_good = i
    while i < len(toks):
        t = toks[i]
        if t.var is not None:
            ids.append(t.var)
            i += 1
            last_good = i
            continue
        n = _sep_len(toks, i, vocab)
        if n:
            i += n
            continue
        if vocab.fillers.match(t.text):
            i += 1
            continue
        break
    return ids, last_good


def _list_before(toks: list[_Tok], i: int, vocab: Vocabulary) -> list[int]:
    """Variables listed right before token ``i`` ('A and B held fixed')."""
    ids: list[int] = []
    k = i - 1
    while k >= 0:
        t = toks[k]
        if t.var is not None:
            ids.insert(0, t.var)
            k -= 1
            continue
        if t.text in {",", ";", "and", "&", "/", "the", "both"}:
            k -= 1
            continue
        break
    return ids


def _token_index_at(toks: list[_Tok], pos: int) -> int:
    for k, t in enumerate(toks):
        if t.start >= pos:
            return k
    return len(toks)


def _conditioning(seg: str, vocab: Vocabulary) -> tuple[list[int], list[str]]:
    """Placeholder ids of the conditioning set in ``seg``, and the markers that introduced them."""
    toks = _tokens(seg)
    ids: list[int] = []
    markers: list[str] = []

    def add(new: list[int], marker: str) -> None:
        if new:
            markers.append(marker.strip())
            ids.extend(i for i in new if i not in ids)

    for pat in vocab.cond_prefix:
        for m in pat.finditer(seg):
            new, _ = _list_after(toks, _token_index_at(toks, m.end()), vocab)
            add(new, m.group())
    for pat in vocab.cond_prefix_needs_suffix:
        for m in pat.finditer(seg):
            new, end = _list_after(toks, _token_index_at(toks, m.end()), vocab)
            tail_pos = toks[end - 1].end if new and end > 0 else m.end()
            if new and vocab.cond_suffix_anchored.match(seg, tail_pos):
                add(new, m.group())
    for m in vocab.cond_suffix.finditer(seg):
        new = _list_before(toks, _token_index_at(toks, m.start()), vocab)
        add(new, m.group())
    return ids, markers


def _clause_conditioning(seg: str, vocab: Vocabulary) -> tuple[list[int], list[str]]:
    """Conditioning sets read from whole clauses, for questions that name three or more variables.

    The strict reading (:func:`_conditioning`) wants the list right after the marker; people write
    "once we know *whether a patient has* lung cancer, …" or "… if we already know *a customer's*
    web_traffic". Here a marker opens a clause that runs to a boundary (a comma that does not
    continue a list, '?', a main-clause verb such as 'does'/'is'/'are', or the next marker); every
    variable in it is conditioned on and other words are skipped. Markers that are ordinary words
    ('with', 'when', 'once') count only when a suffix ('is known', 'held fixed') closes the clause.
    """
    toks = _tokens(seg)
    found: list[tuple[int, int, str, bool]] = []  # start, end, words, needs a suffix
    for patterns, needs in (
        (vocab.cond_prefix, False),
        (vocab.clause_markers, False),
        (vocab.cond_prefix_needs_suffix, True),
    ):
        for pat in patterns:
            for m in pat.finditer(seg):
                if m.end() > m.start():
                    found.append((m.start(), m.end(), m.group(), needs))
    found.sort(key=lambda f: (f[0], f[3], -f[1]))
    opened: list[tuple[int, int, str, bool]] = []
    for f in found:  # one marker per place: the strict, longest one
        if not any(o[0] <= f[0] < o[1] for o in opened):
            opened.append(f)
    starts = {o[0] for o in opened}
    ids: list[int] = []
    markers: list[str] = []
    for start, end, words, needs in opened:
        k = _token_index_at(toks, end)
        clause: list[int] = []
        closed = False
        skipped = 0
        while k < len(toks):
            t = toks[k]
            if t.start in starts:
                break  # the next marker opens its own clause
            if clause and vocab.cond_suffix_anchored.match(seg, t.start):
                closed = True
                break
            if t.var is not None:
                clause.append(t.var)
                k += 1
                continue
            n = _sep_len(toks, k, vocab)
            if n:
                nxt = toks[k + n] if k + n < len(toks) else None
                continues = nxt is not None and (nxt.var is not None or bool(_sep_len(toks, k + n, vocab)))
                if t.text in {",", ";"} and not continues:
                    break  # a comma that ends the clause rather than continuing the list
                k += n
                continue
            if t.text in vocab.clause_boundaries:
                break
            skipped += 1
            if skipped > vocab.clause_max_words:
                break
            k += 1
        if clause and (closed or not needs):
            markers.append(words.strip())
            ids.extend(i for i in clause if i not in ids)
    return ids, markers


def _parse_number(text: str, vocab: Vocabulary) -> float | None:
    t = text.strip().lower()
    sign = 1.0
    for w in vocab.negative_words:
        if t.startswith(w + " "):
            sign, t = -1.0, t[len(w) + 1 :].strip()
    if t in vocab.number_words:
        return sign * float(vocab.number_words[t])
    try:
        return sign * float(t)
    except ValueError:
        return None


def _treatment_values(seg: str, vocab: Vocabulary) -> list[tuple[float, float, str]]:
    """Every (t0, t1) contrast stated in ``seg``, in text order, with the words that stated it."""
    found: list[tuple[int, float, float, str]] = []
    covered: list[tuple[int, int]] = []
    for pat, s0, s1 in vocab.values:
        for m in pat.finditer(seg):
            if any(m.start() < e and s < m.end() for s, e in covered):
                continue
            groups = {k: _parse_number(v, vocab) for k, v in m.groupdict().items() if v is not None}

            def val(spec: str) -> float | None:
                neg = spec.startswith("-")
                key = spec.lstrip("-")
                v = groups.get(key) if key in groups else _parse_number(key, vocab)
                return None if v is None else (-v if neg else v)

            t0, t1 = val(s0), val(s1)
            if t0 is None or t1 is None:
                continue
            covered.append((m.start(), m.end()))
            found.append((m.start(), t0, t1, m.group()))
    found.sort()
    return [(t0, t1, words) for _, t0, t1, words in found]


# --------------------------------------------------------------------------------------------------
# Parsing


@dataclass
class _Context:
    vocab: Vocabulary
    dataset: str | None
    variables: list[str]
    skeleton: _Skeleton
    original: str


def _dataset_spans(text: str, datasets: Mapping[str, Sequence[str]], vocab: Vocabulary) -> dict[str, list[tuple[int, int]]]:
    """Datasets named in the text ('in the clinic data', 'clinic.csv')."""
    out: dict[str, list[tuple[int, int]]] = {}
    for name in datasets:
        toks = _name_tokens(name)
        if not toks:
            continue
        words = r"[\s_\-]*".join(re.escape(t) for t in toks)
        pat = re.compile(
            rf"(?<![A-Za-z0-9])(?:{words})(?:\.(?:csv|tsv|txt|parquet))?"
            rf"(?:\s+{vocab.dataset_cues})?(?![A-Za-z0-9])",
            re.I,
        )
        for m in pat.finditer(text):
            # a bare word ("a clinic wants to know") is not enough: it needs "data", "table", ".csv"…
            if m.group().lower() != name.lower() and m.group().lower().replace(" ", "_") != name.lower():
                out.setdefault(name, []).append((m.start(), m.end()))
    return out


def _pick_dataset(
    text: str, datasets: Mapping[str, Sequence[str]], vocab: Vocabulary
) -> tuple[str | None, list[Mention], list[tuple[int, int]], list[str]]:
    """Choose the dataset the question is about; returns it with its mentions and notes."""
    notes: list[str] = []
    if not datasets:
        return None, [], [], notes
    named = _dataset_spans(text, datasets, vocab)
    last_sentence_start = _last_sentence_start(text)
    best: tuple[float, int] | None = None
    choice: str | None = None
    per: dict[str, list[Mention]] = {}
    for order, (name, variables) in enumerate(datasets.items()):
        spans = named.get(name, [])
        mentions = [
            m for m in find_mentions(text, list(variables), vocab)
            if not any(m.start < e and s < m.end for s, e in spans)
        ]
        per[name] = mentions
        score = 0.0
        for m in mentions:
            w = {"exact": 1.0, "fuzzy": 0.8, "partial": 0.4}[m.how]
            score += w * (2.0 if m.start >= last_sentence_start else 1.0)
        if spans:
            score += 100.0
        key = (score, order)
        if best is None or key > best:
            best, choice = key, name
    assert choice is not None
    if len(datasets) > 1:
        why = "named in the question" if named.get(choice) else "its columns are named in the question"
        notes.append(f"dataset '{choice}' ({why})")
    return choice, per[choice], named.get(choice, []), notes


def _last_sentence_start(text: str) -> int:
    body = text.rstrip(" \n\t?.!")
    cut = max(body.rfind(". "), body.rfind("? "), body.rfind("! "), body.rfind("\n"))
    return cut + 1 if cut >= 0 else 0


def parse_question(
    question: str,
    datasets: Mapping[str, Sequence[str]] | None = None,
    history: Sequence[Intent] | None = None,
    vocabulary: Vocabulary | None = None,
) -> Intent:
    """Parse a causal question about the loaded datasets (name -> column names).

    ``history`` holds the intents of earlier questions in the conversation, oldest first, so that
    follow-ups such as "and given age as well?" or "what about lung cancer?" can be completed.
    """
    vocab = vocabulary or load_vocabulary()
    datasets = {k: list(v) for k, v in (datasets or {}).items()}
    raw = (question or "").strip()
    if not raw:
        return Intent(question=raw, missing=["a question: the question is empty"])
    text = _normalise(raw, vocab)
    dataset, mentions, dspans, notes = _pick_dataset(text, datasets, vocab)
    variables = datasets.get(dataset, []) if dataset else []
    skel = _build_skeleton(text, mentions, dspans)
    ctx = _Context(vocab, dataset, variables, skel, raw)
    prev = next((h for h in reversed(history or []) if h.kind != "unknown"), None)

    intent: Intent | None = None
    n = len(skel.sentences)
    first_try: Intent | None = None
    for k in range(1, n + 1):
        candidate = _analyse(ctx, skel.sentences[n - k :], prev)
        if first_try is None:
            first_try = candidate
        if not candidate.missing:
            intent = candidate
            break
        intent = candidate if intent is None or _better(candidate, intent) else intent
    assert intent is not None
    if intent.missing and first_try is not None and first_try.kind != "unknown" and intent.kind == "unknown":
        intent = first_try
    if intent.missing and prev is not None:
        follow = _follow_up(ctx, prev)
        if follow is not None and not follow.missing:
            intent = follow
        elif follow is not None:  # a follow-up that is unclear in its own way: say how
            intent.notes.extend(n for n in follow.notes if n not in intent.notes)
            if intent.missing == ["what you want to know"]:  # the follow-up did tell the kind
                intent.missing = []
            intent.missing.extend(m for m in follow.missing if m not in " ".join(intent.missing))
    intent.dataset = dataset
    intent.question = raw
    intent.notes = [_render(skel, n) for n in notes + intent.notes]
    intent.missing = [_render(skel, n) for n in intent.missing]
    if intent.missing:
        intent.kind = "unknown"
        _explain_missing(ctx, intent)
    return intent


def _render(skel: _Skeleton, text: str) -> str:
    """Put the column names back into a note written on the skeleton."""
    return _PLACEHOLDER.sub(lambda m: skel.var_of.get(int(m.group(1)), m.group()), text).replace("«d»", "the data")


def _better(a: Intent, b: Intent) -> bool:
    """Prefer the reading with a known intent and fewer missing pieces."""
    return (a.kind != "unknown", -len(a.missing)) > (b.kind != "unknown", -len(b.missing))


def _ordered_ids(ctx: _Context, sentences: list[tuple[int, int]], exclude: set[str]) -> list[tuple[int, str]]:
    """Variables of a segment, question sentence first, then earlier sentences (nearest first);
    full-name matches before partial ones; one entry per variable."""
    seen: set[str] = set(exclude)
    out: list[tuple[int, str]] = []
    for tier in ("full", "partial"):
        for s, e in reversed(sentences):
            for pid in ctx.skeleton.ids_in(s, e):
                var = ctx.skeleton.var_of[pid]
                is_partial = ctx.skeleton.quality[pid] == "partial"
                if (tier == "partial") != is_partial or var in seen:
                    continue
                seen.add(var)
                out.append((pid, var))
    return out


def _take(ordered: list[tuple[int, str]], n: int) -> list[tuple[int, str]]:
    """The first ``n`` candidates, returned in text order."""
    return sorted(ordered[:n], key=lambda p: p[0])


def _analyse(ctx: _Context, sentences: list[tuple[int, int]], prev: Intent | None) -> Intent:
    vocab = ctx.vocab
    skel = ctx.skeleton
    seg_start, seg_end = sentences[0][0], sentences[-1][1]
    seg = skel.text[seg_start:seg_end]
    intent = Intent()

    # roles that must not count as intent cues ("the remaining variables are confounders")
    adjust_all = any(p.search(seg) for p in vocab.adjust_all)
    scoring = seg
    for p in (*vocab.adjust_all, *vocab.confounder_strip):
        scoring = p.sub(" ", scoring)
    # the kind comes from the latest sentence that has a cue
    kind: str | None = None
    scores: dict[str, tuple[float, int]] = {}
    for s, e in reversed(sentences):
        sent = skel.text[s:e]
        for p in (*vocab.adjust_all, *vocab.confounder_strip):
            sent = p.sub(" ", sent)
        scores = _score_kinds(sent, vocab)
        kind = _choose_kind(scores, vocab)
        if kind:
            cue_sentence = sent
            break
    if kind is None:
        cue_sentence = scoring

    cond_ids, markers = _conditioning(seg, vocab)
    given_vars: list[str] = []
    for pid in cond_ids:
        v = skel.var_of[pid]
        if v not in given_vars:
            given_vars.append(v)

    _options(ctx, seg, intent)

    if kind is None:
        found = [v for _, v in _ordered_ids(ctx, sentences, set())]
        if found:
            intent.notes.append("variables named: " + ", ".join(found))
        intent.missing.append("what you want to know")
        return intent

    intent.kind = kind  # type: ignore[assignment]
    if kind == "list_graphs":
        return intent

    if kind == "graph":
        cands = [v for _, v in _ordered_ids(ctx, sentences, set())]
        in_sentence = [v for _, v in _ordered_ids(ctx, sentences[-1:], set())]
        partial = bool(vocab.partial_markers.search(cue_sentence))
        full = bool(vocab.full_markers.search(cue_sentence)) and not partial
        named = sorted(
            cands, key=lambda v: min(p for p, vv in skel.var_of.items() if vv == v)
        )
        if full:
            return intent
        if not named and len(sentences) == 1:
            # "How are A, B and C related? Draw the graph.": the variables are in the question before
            idx = skel.sentences.index(sentences[0])
            if idx > 0:
                s0, e0 = skel.sentences[idx - 1]
                before = skel.text[s0:e0]
                ids = list(dict.fromkeys(skel.var_of[i] for i in skel.ids_in(s0, e0)))
                if before.rstrip().endswith("?") and len(ids) >= 2 and set(ids) != set(ctx.variables):
                    intent.kind = "partial_graph"
                    intent.variables = ids
                    intent.notes.append("variables taken from the preceding question")
                    return intent
        if len(named) >= 2 and (partial or len(in_sentence) >= 2 or len(sentences) > 1):
            if set(named) == set(ctx.variables):
                intent.notes.append("all variables named: the full graph")
                return intent
            intent.kind = "partial_graph"
            intent.variables = named
            return intent
        if partial and not skel.var_of and _only_deictic(cue_sentence, vocab) and (
            prev is None or prev.kind in {"graph", "list_graphs"}
        ):
            # "how these variables affect each other" with no column named and nothing said before:
            # 'these' points at the whole data
            intent.notes.append("'these variables' names no column: the graph over all variables")
            return intent
        if partial:
            intent.kind = "partial_graph"
            intent.missing.append("the variables of the partial graph (name at least two columns)")
        return intent

    # pair kinds
    exclude = set(given_vars) if kind in {"independence", "d_separation"} else set()
    ordered = _ordered_ids(ctx, sentences, exclude)
    if kind in {"independence", "d_separation"} and len(ordered) > 2:
        # three or more variables: read the conditioning clauses whole ("once we know whether …")
        loose_ids, loose_markers = _clause_conditioning(seg, vocab)
        extra_given = [v for v in dict.fromkeys(skel.var_of[i] for i in loose_ids) if v not in given_vars]
        rest = [v for _, v in ordered if v not in extra_given]
        if extra_given and len(rest) >= 2:
            given_vars.extend(extra_given)
            markers = [*markers, *loose_markers]
            ordered = _ordered_ids(ctx, sentences, set(given_vars))

    if kind in {"independence", "d_separation"}:
        intent.polarity, why = _polarity(cue_sentence, vocab)
        intent.notes.append(why)
        pair = _take(ordered, 2)
        given = list(given_vars)
        # "Conditioning on Z, X and Y are independent": the list swallowed the pair; give it back.
        # Only a variable that stands before the (in)dependence word is the swallowed subject; one
        # after it ("X independent of <typo> given Z") is conditioned on and never becomes x or y.
        unmatched = _unmatched_slot_words(ctx, seg) if len(pair) < 2 else []
        while len(pair) < 2 and given and not unmatched and _swallowed_subject(seg, given[-1], skel, vocab):
            back = given.pop()
            pos = min(p for p, v in skel.var_of.items() if v == back)
            pair = sorted([*pair, (pos, back)])
        if len(pair) < 2 and given:
            intent.notes.append(
                f"{', '.join(given)} stand{'s' if len(given) == 1 else ''} in the conditioning clause, "
                "so not among the two variables tested"
            )
        extra = [v for _, v in ordered[2:]]
        if extra:
            if vocab.fallback_condition.search(seg):
                given.extend(v for v in extra if v not in given)
                intent.notes.append("conditioning also on " + ", ".join(extra))
            elif len(ordered[2:]) and any(skel.quality[p] != "partial" for p, _ in ordered[2:]):
                intent.missing.append(
                    "which variables to condition on: the question names "
                    + ", ".join(v for _, v in ordered)
                    + " but only two can be tested against each other"
                )
        if markers and given:
            intent.notes.append("conditioning set from: " + "; ".join(dict.fromkeys(markers)))
        if len(pair) == 2:
            intent.x, intent.y = pair[0][1], pair[1][1]
        intent.given = [g for g in given if g not in {intent.x, intent.y}]
        if len(pair) < 2:
            _missing_pair(ctx, seg, intent, pair)
        return intent

    if kind in {"direct_cause", "confounder", "collider"}:
        if given_vars:
            # "Controlling for Z, does X cause Y?": Z is conditioned on, never one of the edge's ends
            ordered = [(p, v) for p, v in ordered if v not in given_vars]
            intent.notes.append(f"{', '.join(given_vars)} named in a conditioning clause: not one of the pair")
        pair = _take(ordered, 2)
        if kind != "direct_cause" and len(ordered) > 2:
            pair = _shared_pair(ctx, cue_sentence, kind, pair, intent)
        if len(pair) < 2:
            _missing_pair(ctx, seg, intent, pair)
            return intent
        x, y = pair[0][1], pair[1][1]
        if kind == "direct_cause":
            for pat in vocab.cause_direction:
                m = pat.search(seg)
                if m:
                    gx, gy = skel.var_of[int(m.group("X"))], skel.var_of[int(m.group("Y"))]
                    if {gx, gy} == {x, y}:
                        x, y = gx, gy
                        break
        intent.x, intent.y = x, y
        cue = scores.get(kind, (0, 0))[1]
        stripped_neg = _edge_negated(cue_sentence, cue, vocab)
        if stripped_neg:
            intent.negated = True
            intent.notes.append("the question is negated: yes and no are swapped")
        return intent

    # effect / adjustment_set
    roles: dict[str, str] = {}
    for pat, slot in vocab.roles:
        for m in pat.finditer(seg):
            gd = m.groupdict()
            for key, name in (("T", "treatment"), ("O", "outcome")):
                if gd.get(key) is not None and name not in roles:
                    var = skel.var_of[int(gd[key])]
                    if var not in roles.values():
                        roles[name] = var
    confounders: list[str] | None = None
    if kind == "effect":
        conf_ids = list(cond_ids)
        toks = _tokens(seg)
        for pat in vocab.confounder_suffix:
            for m in pat.finditer(seg):
                conf_ids.extend(_list_before(toks, _token_index_at(toks, m.start()), vocab))
        named_conf = []
        for pid in conf_ids:
            v = skel.var_of[pid]
            if v not in named_conf and v not in roles.values():
                named_conf.append(v)
        if len(ordered) > 2 + len(named_conf):
            # "adjusting for a patient's age": a marker's whole clause names what to adjust for
            for pid in _clause_conditioning(seg, vocab)[0]:
                v = skel.var_of[pid]
                left = [u for _, u in ordered if u not in {*named_conf, v}]
                if v not in named_conf and v not in roles.values() and len(left) >= 2:
                    named_conf.append(v)
        if named_conf:
            confounders = named_conf
    pool = [(p, v) for p, v in ordered if v not in (confounders or [])]
    treatment, outcome = roles.get("treatment"), roles.get("outcome")
    rest = [(p, v) for p, v in pool if v not in {treatment, outcome}]
    if treatment is None and outcome is None:
        pair = _take(rest, 2)
        if len(pair) == 2:
            treatment, outcome = pair[0][1], pair[1][1]
            intent.notes.append(f"read {treatment} as the treatment and {outcome} as the outcome (order named)")
    elif treatment is None and rest:
        treatment = rest[0][1]
    elif outcome is None and rest:
        outcome = rest[0][1]
    intent.treatment, intent.outcome = treatment, outcome
    if treatment is None or outcome is None:
        found = [v for v in (treatment, outcome) if v]
        intent.missing.append(
            "the treatment and the outcome (two columns)" if not found
            else f"a second variable: only {found[0]} was found (need a treatment and an outcome)"
        )
        return intent
    if kind == "effect":
        if adjust_all:
            confounders = [v for v in ctx.variables if v not in {treatment, outcome}]
            intent.notes.append("adjusting for all other variables, as asked")
        if confounders is not None:
            intent.confounders = [c for c in confounders if c not in {treatment, outcome}]
        _effect_values(ctx, seg, intent)
    return intent


def _shared_pair(
    ctx: _Context, seg: str, kind: str, pair: list[tuple[int, str]], intent: Intent
) -> list[tuple[int, str]]:
    """'Is Z a common cause of X and Y?': the tools check whether X and Y share a cause (effect),
    so the pair is the two variables joined by 'both … and' / 'and', not the first two named."""
    skel = ctx.skeleton
    for pat in ctx.vocab.shared_pair:
        m = pat.search(seg)
        if m:
            px, py = int(m.group("X")), int(m.group("Y"))
            x, y = skel.var_of[px], skel.var_of[py]
            if x == y:
                continue
            named = dict.fromkeys(skel.var_of[int(p.group(1))] for p in _PLACEHOLDER.finditer(seg))
            others = [v for v in named if v not in {x, y}]
            if others:
                role = "common cause" if kind == "confounder" else "common effect"
                intent.notes.append(
                    f"{', '.join(others)} named as the candidate {role}: checking whether {x} and {y} share one"
                )
            return [(px, x), (py, y)]
    return pair


def _only_deictic(seg: str, vocab: Vocabulary) -> bool:
    """Is the only partial-graph marker a pointing phrase ('these variables', 'all of them')?"""
    return bool(vocab.deictic_markers.search(seg)) and not vocab.partial_markers.search(
        vocab.deictic_markers.sub(" ", seg)
    )


def _edge_negated(seg: str, pos: int, vocab: Vocabulary) -> bool:
    clause = _clause_before(seg, pos)
    words = clause.split()[-vocab.negation_window :]
    all_words = clause.split()
    first = _first_content_word(all_words, vocab)
    offset = len(all_words) - len(words)
    for k, w in enumerate(words):
        if w in {"not", "no", "never"} or (w.endswith("n't") and offset + k != first):
            return True
    return False


def _missing_pair(ctx: _Context, seg: str, intent: Intent, pair: list[tuple[int, str]]) -> None:
    if pair:
        intent.x = pair[0][1]
        text = f"a second variable: only {pair[0][1]} was found in the question"
    else:
        text = "the two variables to analyse (no column name was found in the question)"
    unmatched = _unmatched_slot_words(ctx, seg)
    if unmatched:
        text += " - " + "; ".join(_could_not_match(w, ctx.variables) for w in unmatched)
    intent.missing.append(text)


def _could_not_match(words: str, variables: Sequence[str]) -> str:
    near = closest(words, variables)
    if not near and " " in words:
        near = list(dict.fromkeys(n for w in words.split() for n in closest(w, variables)))
    tail = f"; closest: {', '.join(repr(n) for n in near[:3])}" if near else ""
    return f"I could not match '{words}' to a variable{tail}"


_SLOT_CONNECTORS = frozenset({"of", "between", "and", "with", "to", "on", "from", "vs", "versus", "&", "or"})


def _condition_spans(seg: str, vocab: Vocabulary) -> list[tuple[int, int]]:
    """Character spans of the conditioning markers in ``seg`` with the lists that follow (or
    precede) them: words there belong to the conditioning set, not to the tested pair."""
    toks = _tokens(seg)
    spans: list[tuple[int, int]] = []
    for patterns, needs_suffix in (
        (vocab.cond_prefix, False), (vocab.clause_markers, False), (vocab.cond_prefix_needs_suffix, True)
    ):
        for pat in patterns:
            for m in pat.finditer(seg):
                if m.end() <= m.start():
                    continue
                k = _token_index_at(toks, m.end())
                end = m.end()
                # the list after the marker, including words no column matched ('given strss')
                while k < len(toks) and toks[k].text not in vocab.clause_boundaries:
                    end = toks[k].end
                    k += 1
                # 'with', 'once', 'when' are ordinary words unless a suffix ('held fixed') closes them
                if not needs_suffix or vocab.cond_suffix.search(seg, m.end(), end):
                    spans.append((m.start(), end))
    for m in vocab.cond_suffix.finditer(seg):
        k = _token_index_at(toks, m.start()) - 1
        start = m.start()
        while k >= 0 and (toks[k].var is not None or toks[k].text in {",", "and", "&", "the", "both"}):
            start = toks[k].start
            k -= 1
        spans.append((start, m.end()))
    return spans


def _unmatched_slot_words(ctx: _Context, seg: str) -> list[str]:
    """Words in the tested-pair part of the question that look like a variable but match no column
    ('agee', 'lung tumours'): runs of content words outside the conditioning clauses, best the ones
    right after a connector ('of', 'between', 'and')."""
    vocab = ctx.vocab
    for pat in (
        *vocab.alpha, *(p for _, p in vocab.methods), *(p for _, p in vocab.algorithms),
        vocab.followup_starters, vocab.followup_additive, vocab.followup_replace, vocab.followup_drop,
        vocab.pronouns,
    ):
        seg = pat.sub(lambda m: " " * len(m.group()), seg)
    spans = _condition_spans(seg, vocab)
    cues = (vocab.pol_independent, vocab.pol_dependent, vocab.pol_negative, *(p for _, p in vocab.kind_nouns))
    runs: list[list[str]] = []
    after_connector: list[bool] = []
    current: list[str] = []
    prev_word = ""
    for t in _tokens(seg):
        inside = any(s <= t.start < e for s, e in spans)
        w = t.text.strip("'-")
        content = (
            not inside
            and t.var is None
            and t.text != "«d»"
            and len(w) >= 3
            and w.isalpha()
            and w not in vocab.stopwords
            and w not in vocab.function_words
            and not any(p.fullmatch(w) for p in cues)
        )
        if content:
            if not current:
                after_connector.append(prev_word in _SLOT_CONNECTORS)
            current.append(w)
        elif current:
            runs.append(current)
            current = []
        prev_word = t.text
    if current:
        runs.append(current)
    chosen = [r for r, c in zip(runs, after_connector) if c] or runs
    return [" ".join(r) for r in chosen[:3]]


def _swallowed_subject(seg: str, var: str, skel: _Skeleton, vocab: Vocabulary) -> bool:
    """Does ``var`` stand before the (in)dependence word of its sentence, as the subject a leading
    conditioning list swallowed ('Conditioning on Z, X and Y are independent?')?"""
    for m in _PLACEHOLDER.finditer(seg):
        if skel.var_of.get(int(m.group(1))) != var:
            continue
        stop = re.search(r"[.?!;]", seg[m.end() :])
        tail = seg[m.end() : m.end() + stop.start()] if stop else seg[m.end() :]
        if any(p.search(tail) for p in (vocab.pol_independent, vocab.pol_dependent, vocab.pol_negative)):
            return True
    return False


def _effect_values(ctx: _Context, seg: str, intent: Intent) -> None:
    vocab = ctx.vocab
    here = _treatment_values(seg, vocab)
    everywhere = _treatment_values(ctx.skeleton.text, vocab)
    good_here = [v for v in here if v[0] != v[1]]
    good_all = [v for v in everywhere if v[0] != v[1]]
    if good_here:
        t0, t1, words = good_here[0]
        intent.notes.append(f"treatment values {_fmt(t0)} -> {_fmt(t1)} from '{words}'")
    elif here and good_all:
        t0, t1, words = good_all[0]
        intent.notes.append(
            f"the question states the same value twice ('{here[0][2]}'); using {_fmt(t0)} -> {_fmt(t1)} "
            f"from '{words}' elsewhere in the text"
        )
    elif here:
        t0, t1, words = here[0]
        intent.notes.append(f"treatment values {_fmt(t0)} -> {_fmt(t1)} from '{words}' (no change: the effect is 0)")
    elif good_all:
        t0, t1, words = good_all[0]
        intent.notes.append(f"treatment values {_fmt(t0)} -> {_fmt(t1)} from '{words}'")
    else:
        t0, t1 = 0.0, 1.0
        intent.notes.append("no treatment values given: using t0=0, t1=1 (a one-unit change)")
    intent.t0, intent.t1 = float(t0), float(t1)


def _options(ctx: _Context, seg: str, intent: Intent) -> None:
    """Optional settings: significance level, CI test, discovery algorithm."""
    vocab = ctx.vocab
    for pat in vocab.alpha:
        m = pat.search(seg)
        if m:
            num = re.search(vocab.number_re, m.group()[m.group().find(" ") :] if " " in m.group() else m.group())
            val = _parse_number(num.group(), vocab) if num else None
            if val is not None and "%" in seg[m.end() : m.end() + 2]:
                val /= 100
            if val is not None and 0 < val < 1:
                intent.alpha = val
                break
    for name, pat in vocab.methods:
        if pat.search(seg):
            intent.method = name
            break
    for name, pat in vocab.algorithms:
        if pat.search(seg):
            intent.algorithm = name
            break


# --------------------------------------------------------------------------------------------------
# Follow-ups


def _follow_up(ctx: _Context, prev: Intent) -> Intent | None:
    """Complete a short follow-up ('and given age as well?', 'what about lung cancer?') from ``prev``."""
    vocab = ctx.vocab
    skel = ctx.skeleton
    seg = skel.text
    if prev.kind == "unknown":
        return None
    cond_ids, _ = _conditioning(seg, vocab)
    # in a follow-up any clause a marker opens is conditioning: "and once we know whether …?"
    cond_ids = [*cond_ids, *_clause_conditioning(seg, vocab)[0]]
    cond = list(dict.fromkeys(skel.var_of[i] for i in cond_ids))
    scores = _score_kinds(seg, vocab)
    kind = _choose_kind(scores, vocab)
    if kind is None:  # a bare noun is enough in a follow-up: "and the effect?"
        kind = next((k for k, pat in vocab.kind_nouns if pat.search(seg)), None)
    refers_back = kind is not None and kind != prev.kind
    refers_back |= bool(vocab.pronouns.search(seg) or vocab.followup_starters.search(seg))
    kind = kind or prev.kind
    named = [v for _, v in _ordered_ids(ctx, skel.sentences, set(cond))]
    named.sort(key=lambda v: min(p for p, vv in skel.var_of.items() if vv == v))
    new = prev.model_copy(deep=True)
    new.notes, new.missing, new.changed = [], [], []
    new.kind = kind if kind != "graph" or prev.kind not in {"graph", "partial_graph"} else prev.kind
    if new.kind != prev.kind and new.kind in {"effect", "adjustment_set"} and prev.kind not in {"effect", "adjustment_set"}:
        new.treatment, new.outcome = prev.treatment or prev.x, prev.outcome or prev.y
        if new.kind == "effect" and new.t0 is None:
            new.t0, new.t1 = 0.0, 1.0
            new.notes.append("no treatment values given: using t0=0, t1=1")
    elif new.kind != prev.kind and new.kind in PAIR_KINDS and prev.kind in {"effect", "adjustment_set"}:
        new.x, new.y = prev.treatment, prev.outcome
    if new.kind in {"independence", "d_separation"} and new.polarity is None:
        new.polarity = "independent"
    drop = bool(vocab.followup_drop.search(seg))
    if new.kind in {"independence", "d_separation"}:
        if cond:
            if vocab.followup_replace.search(seg) and not vocab.followup_additive.search(seg):
                new.given = cond
            else:
                new.given = list(dict.fromkeys([*new.given, *cond]))
            new.changed.append("given")
        if drop:
            gone = [v for v in named if v in new.given] or ([] if named else list(new.given))
            new.given = [g for g in new.given if g not in gone]
            named = [v for v in named if v not in gone]
            new.changed.append("given")
    if new.kind in PAIR_KINDS:
        unmatched = _unmatched_slot_words(ctx, seg)
        if unmatched and len(named) < 2:
            # "what about tumours?": a word meant as a variable that no column matches; completing
            # the rest from the previous question would silently test something else
            new.missing.append("; ".join(_could_not_match(w, ctx.variables) for w in unmatched))
            new.notes.append(f"read as a follow-up of the previous question ({prev.describe()})")
            return new
        if len(named) > 2:
            # three or more variables and no conditioning marker: which pair is tested is unclear,
            # exactly as without history, so ask rather than take the first two
            new.missing.append(
                "which variables to condition on: the question names "
                + ", ".join(named)
                + " but only two can be tested against each other"
            )
            return new
    if new.kind == "partial_graph" and named:
        if vocab.followup_additive.search(seg):
            new.variables = list(dict.fromkeys([*new.variables, *named]))
        else:
            new.variables = named if len(named) >= 2 else list(dict.fromkeys([*new.variables, *named]))
        new.changed.append("variables")
    elif named:
        slots = ("treatment", "outcome") if new.kind in {"effect", "adjustment_set"} else ("x", "y")
        current = [getattr(new, s) for s in slots]
        fresh = [v for v in named if v not in current]
        if len(named) >= 2:
            for s, v in zip(slots, named[:2]):
                setattr(new, s, v)
            new.changed.extend(slots)
        elif fresh:
            target = _last_changed_slot(prev, slots)
            setattr(new, target, fresh[0])
            new.changed.append(target)
    if new.kind == "effect" and (new.t0 is None or new.t1 is None):
        new.t0, new.t1 = 0.0, 1.0
    if new.kind == "effect":
        values = [v for v in _treatment_values(seg, vocab) if v[0] != v[1]]
        if values:
            new.t0, new.t1 = values[0][0], values[0][1]
            new.changed.append("t0,t1")
    if not new.changed and not drop and not refers_back:
        return None  # nothing in the question refers back to the previous one
    pair = (new.treatment, new.outcome) if new.kind in {"effect", "adjustment_set"} else (new.x, new.y)
    if new.kind in PAIR_KINDS and (None in pair or pair[0] == pair[1]):
        return None
    if new.kind not in {"independence", "d_separation"}:
        new.polarity, new.given = None, []
    if new.kind not in {"effect"}:
        new.t0 = new.t1 = None
        new.confounders = None
    new.notes.append(f"follow-up of the previous question: {new.describe()}")
    return new


def _last_changed_slot(prev: Intent, slots: tuple[str, str]) -> str:
    for s in reversed(prev.changed):
        if s in slots:
            return s
        if s in {"x", "treatment"}:
            return slots[0]
        if s in {"y", "outcome"}:
            return slots[1]
    return slots[1]


# --------------------------------------------------------------------------------------------------
# Missing pieces


def _explain_missing(ctx: _Context, intent: Intent) -> None:
    """Add the unmatched words that look like column names, with the closest columns."""
    if not ctx.variables:
        intent.missing.append("a dataset: no data is loaded (load a CSV first)")
        return
    named = {m.var for m in ctx.skeleton.mentions}
    covered = [(m.start, m.end) for m in ctx.skeleton.mentions]
    text = _normalise(ctx.original, ctx.vocab)
    start = _last_sentence_start(text) if len(text) > 200 else 0
    hints: list[str] = []
    reported = {
        w for phrase in re.findall(r"could not match '([^']*)'", " ".join(intent.missing)) for w in phrase.split()
    }
    for word, s, e in _text_tokens(text[start:]):
        s, e = s + start, e + start
        w = word.lower()
        if len(w) < 3 or w in ctx.vocab.stopwords or any(s < ce and cs < e for cs, ce in covered):
            continue
        if w in reported:
            continue  # already named as unmatched, with its closest columns
        pool = [v for v in ctx.variables if v not in named]
        near = [v for v in pool if len(w) >= 4 and any(
            _edit_distance(w, t, 2) <= (2 if len(w) >= 8 else 1)
            for t in [*_name_tokens(v), "".join(_name_tokens(v))] if len(t) >= 4
        )]
        if near:
            hints.append(f"'{word}' matches no column (closest: {', '.join(repr(n) for n in near[:3])})")
        if len(hints) >= 3:
            break
    recognised = intent.missing != ["what you want to know"] or bool(named)
    if hints and recognised:
        intent.missing.extend(hints)
    shown = ctx.variables[:15]
    more = f" and {len(ctx.variables) - 15} more" if len(ctx.variables) > 15 else ""
    intent.notes.append(f"columns of '{ctx.dataset}': {', '.join(shown)}{more}")


def summarize_intent(intent: Intent) -> str:
    """Plain-language 'understood … / missing …' text for an unclear question."""
    lines = []
    understood = [n for n in intent.notes if not n.startswith("columns of")]
    if understood:
        lines.append("What I understood: " + "; ".join(understood) + ".")
    lines.append("What is missing: " + "; ".join(intent.missing) + ".")
    cols = [n for n in intent.notes if n.startswith("columns of")]
    if cols:
        lines.append(cols[0][0].upper() + cols[0][1:] + ".")
    return "\n".join(lines)
