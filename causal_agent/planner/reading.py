"""Reading a question: variable mentions, the skeleton, and the slot readers.

1. **Variables first.** Column names are found in the text (case-, space-, underscore- and
   hyphen-insensitive, longest match first, small misspellings by edit distance, never inside a longer
   word) and replaced by placeholders. From then on the text is a *skeleton* such as
   ``"is «v0» independent of «v2» given «v1»?"``, so a column name can never act as a keyword (a
   column called "ignore previous instructions" is just a variable).
2. **Slots by structure.** Conditioning sets come from markers ("given", "controlling for",
   "holding … fixed", …) followed (or preceded) by a list; when a question names three or more
   variables, a marker's whole clause counts. Direction comes from role patterns; the pair of a
   shared-cause question from its "both X and Y"; treatment values from value patterns; polarity
   from the first (in)dependence word and a negation in front of it.

Nothing here knows a tool: :mod:`causal_agent.planner.plan` picks the intent from the plugins'
examples and calls these readers for the slots the intent's tool declares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import closest
from ..names import edit_distance as _edit_distance
from .vocabulary import PLACEHOLDER, Vocabulary, load_vocabulary


def _fmt(v: float | None) -> str:
    if v is None:
        return "?"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


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
                if compact in vocab.function_words or (len(compact) <= 1 and not compact.isalpha()):
                    if not _stopword_name_ok(text, tokens, i, j, var, vocab):
                        continue
                elif len(compact) == 1 and not _letter_name_ok(text, tokens, i, j):
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
            if not fuzzy and n == 1:
                fuzzy.extend((1, var) for var in _inflected(compact, names, vocab))
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


_SUFFIXES = ("ings", "ing", "ers", "er", "ed", "es", "s", "e")


def _stem(word: str) -> str:
    """The word without one inflection ('smoked', 'smokers', 'smoking' -> 'smok'; 'stressed' and
    'stress' -> 'stress'), leaving at least four letters."""
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4 and not (suf == "s" and word.endswith("ss")):
            return word[: -len(suf)]
    return word


def _inflected(word: str, names: Mapping[str, tuple[str, list[str]]], vocab: Vocabulary) -> list[str]:
    """The one-word column another form of ``word`` names ('nobody smoked' names ``smoking``,
    'coughs' ``coughing``): the same stem of four letters or more, not an ordinary word of the
    vocabulary, and exactly one such column (a tie is not guessed)."""
    if word in vocab.stopwords or word in vocab.function_words:
        return []
    stem = _stem(word)
    if len(stem) < 4:
        return []
    # a gerund of a noun column names another thing ('pricing' is not 'price'); other forms of a
    # verb column name it ('smoked', 'smokers' for 'smoking')
    hits = [var for compact, (var, toks) in names.items() if len(toks) == 1 and compact != word
            and _stem(compact) == stem and not (word.endswith("ing") and not compact.endswith("ing"))]
    return hits if len(hits) == 1 else []


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


def _letter_name_ok(text: str, tokens: list[tuple[str, int, int]], i: int, j: int) -> bool:
    """A column called 't', 'x' or 'y' (a letter that is not an English word, unlike 'a' and 'i')
    counts wherever the letter stands alone: not the 't' of "don't", nor the 't' of 't-test' or
    the 'p' of 'p-value'."""
    start, end = tokens[i][1], tokens[j - 1][2]
    if start > 0 and text[start - 1] in "'’":
        return False
    after = text[end : end + 2]
    return not (len(after) == 2 and after[0] in "-'’" and after[1].isalpha())


_ARTICLES = frozenset({"a", "an", "the"})


def _stopword_name_ok(
    text: str, tokens: list[tuple[str, int, int]], i: int, j: int, var: str, vocab: Vocabulary
) -> bool:
    """A column called 'a', 'A' or 'no' only counts when written exactly and not used as a word.

    In "is a a cause of b?" the first 'a' is the column (an article is followed by no article) and
    the second the article."""
    surface = text[tokens[i][1] : tokens[j - 1][2]]
    if surface != var and surface.replace(" ", "_") != var:
        return False
    if i > 0 and tokens[i - 1][0] == surface and not text[tokens[i - 1][2] : tokens[i][1]].strip():
        return False  # the second of "a a": the first is the name, this one the article
    if j >= len(tokens):
        return True
    gap = text[tokens[j - 1][2] : tokens[j][1]]
    if gap.strip():  # punctuation follows: a name
        return True
    nxt = tokens[j][0].lower()
    return nxt in vocab.article_followers or nxt.isdigit() or nxt in _ARTICLES


_WORD = re.compile(r"[^\W\d_]+")


def foreign_language(text: str, mentions: Sequence[Mention], vocab: Vocabulary) -> str | None:
    """The language ``text`` is written in when it is plainly not English, else None: ``""`` when
    most of its letters are not ASCII (Chinese, Russian, Greek…), else the language whose stop
    words it uses (at least ``language_min_hits``, and more than English stopwords). Column names
    are left out first, so an English question about accented or non-Latin columns stays English."""
    kept, pos = [], 0
    for m in sorted(mentions, key=lambda m: m.start):
        kept.append(text[pos : m.start])
        pos = max(pos, m.end)
    kept.append(text[pos:])
    rest = " ".join(kept).lower()
    letters = [c for c in rest if c.isalpha()]
    if not letters:
        return None
    if sum(not c.isascii() for c in letters) / len(letters) > vocab.non_ascii_share:
        return ""
    words = _WORD.findall(rest)
    english = sum(w in vocab.stopwords or w in vocab.function_words for w in words)
    best: tuple[int, str] | None = None
    for language, stop in vocab.languages.items():
        hits = sum(w in stop for w in words)
        if hits >= vocab.language_min_hits and hits > english and (best is None or hits > best[0]):
            best = (hits, language)
    return best[1] if best else None


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
        return [int(m.group(1)) for m in PLACEHOLDER.finditer(self.text, start, end)]


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
        m = PLACEHOLDER.fullmatch(self.text)
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


def mediators_named(seg: str, skel: _Skeleton, vocab: Vocabulary) -> list[str]:
    """Variables ``seg`` names as a mediator ("… through M", "does M mediate …"), in order."""
    out: list[str] = []
    for pat in vocab.mediator_markers:
        for m in pat.finditer(seg):
            var = skel.var_of[int(m.group("M"))]
            if var not in out:
                out.append(var)
    return out


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
    #: patterns of the choice values (registered algorithms, CI tests…): not variable words
    choice_patterns: tuple[re.Pattern[str], ...] = ()
    #: intent -> the intent its questions are read as (``Settings.read_as``)
    read_as: Mapping[str, str] = field(default_factory=dict)


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
        columns = {c.lower() for cols in datasets.values() for c in cols}
        for m in pat.finditer(text):
            # a bare word ("a clinic wants to know") is not enough: it needs "data", "table", ".csv"…
            # or, for a name that is no column, a preposition in front ("… in base2", "from clinic")
            bare = m.group().lower() in (name.lower(), name.lower().replace("_", " "))
            if not bare or (name.lower() not in columns and _BARE_DATASET.search(text[: m.start()])):
                out.setdefault(name, []).append((m.start(), m.end()))
    return out


_BARE_DATASET = re.compile(r"(?<![a-z0-9])(?:in|from|using|use|with|on)\s+(?:the\s+)?$", re.I)


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


def _tied_datasets(text: str, datasets: Mapping[str, Sequence[str]], vocab: Vocabulary) -> list[str]:
    """The datasets that hold every column the question names equally well, when it names no
    dataset: two or more of them mean the question is ambiguous (empty otherwise)."""
    if len(datasets) < 2 or _dataset_spans(text, datasets, vocab):
        return []
    found = {name: frozenset((m.var, m.how) for m in find_mentions(text, list(cols), vocab))
             for name, cols in datasets.items()}
    best = max(found.values(), key=len)
    tied = [name for name, got in found.items() if got == best]
    return tied if best and len(tied) > 1 else []


def which_dataset(candidates: Sequence[str], variables: Sequence[str]) -> str:
    """What to ask when the named columns are in several loaded datasets."""
    names = ", ".join(candidates[:-1]) + f" or {candidates[-1]}"
    both = "both" if len(candidates) == 2 else "all"
    cols = ", ".join(variables[:-1]) + f" and {variables[-1]}" if len(variables) > 1 else variables[0]
    return f"which dataset: {names} ({both} have {cols})? name it, e.g. '… in {candidates[-1]}'"


def _last_sentence_start(text: str) -> int:
    body = text.rstrip(" \n\t?.!")
    cut = max(body.rfind(". "), body.rfind("? "), body.rfind("! "), body.rfind("\n"))
    return cut + 1 if cut >= 0 else 0


def _render(skel: _Skeleton, text: str) -> str:
    """Put the column names back into a note written on the skeleton."""
    return PLACEHOLDER.sub(lambda m: skel.var_of.get(int(m.group(1)), m.group()), text).replace("«d»", "the data")


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


def _shared_pair(
    ctx: _Context, seg: str, pair: list[tuple[int, str]], notes: list[str]
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
            named = dict.fromkeys(skel.var_of[int(p.group(1))] for p in PLACEHOLDER.finditer(seg))
            others = [v for v in named if v not in {x, y}]
            if others:
                notes.append(f"{', '.join(others)} named besides the pair: asking about {x} and {y}")
            return [(px, x), (py, y)]
    return pair


def _only_deictic(seg: str, vocab: Vocabulary) -> bool:
    """Is the only partial-graph marker a pointing phrase ('these variables', 'all of them')?"""
    return bool(vocab.deictic_markers.search(seg)) and not vocab.partial_markers.search(
        vocab.deictic_markers.sub(" ", seg)
    )


def _frame(seg: str, vocab: Vocabulary) -> tuple[str, bool]:
    """``seg`` with an opening frame blanked out (same length, so offsets hold) and whether it
    negates: "is it false / not true / untrue that …" does; "isn't it true / the case that …" is
    a rhetorical positive, blanked so its n't is not read as a negation."""
    for pattern, negates in ((vocab.negating_frame, True), (vocab.affirming_frame, False)):
        m = pattern.search(seg)
        if m:
            return seg[: m.start()] + " " * (m.end() - m.start()) + seg[m.end() :], negates
    return seg, False


def _edge_negated(seg: str, pos: int, vocab: Vocabulary) -> bool:
    """Is the (non-polarity) cue at ``pos`` negated? A negator in the last few words before it
    ("is there no edge"), or anywhere between the last variable and it ("do X and Y not share a
    common cause", "X does not directly cause Y"); an opening n't is rhetorical ("doesn't X
    cause Y?")."""
    clause = _clause_before(seg, pos)
    all_words = clause.split()
    after_var = next((k + 1 for k in range(len(all_words) - 1, -1, -1) if PLACEHOLDER.search(all_words[k])), None)
    span = vocab.negation_window
    if after_var is not None:
        span = max(span, min(len(all_words) - after_var, vocab.negation_scope))
    words = all_words[-span:] if span else []
    first = _first_content_word(all_words, vocab)
    offset = len(all_words) - len(words)
    if any(p in " ".join(words) for p in vocab.negator_phrases):
        return True
    for k, w in enumerate(words):
        if w in vocab.negators or (w.endswith("n't") and offset + k != first):
            return True
    return False


def _missing_pair(ctx: _Context, seg: str, pair: list[tuple[int, str]]) -> str:
    """What is missing when fewer than two variables of a pair question were found."""
    if pair:
        text = f"a second variable: only {pair[0][1]} was found in the question"
    else:
        text = "the two variables to analyse (no column name was found in the question)"
    unmatched = _unmatched_slot_words(ctx, seg)
    if unmatched:
        text += " - " + "; ".join(_could_not_match(w, ctx.variables) for w in unmatched)
    return text


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
        *vocab.alpha, *ctx.choice_patterns,
        vocab.followup_starters, vocab.followup_additive, vocab.followup_replace, vocab.followup_drop,
        vocab.pronouns,
    ):
        seg = pat.sub(lambda m: " " * len(m.group()), seg)
    spans = _condition_spans(seg, vocab)
    cues = (vocab.pol_independent, vocab.pol_dependent, vocab.pol_negative)
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
    for m in PLACEHOLDER.finditer(seg):
        if skel.var_of.get(int(m.group(1))) != var:
            continue
        stop = re.search(r"[.?!;]", seg[m.end() :])
        tail = seg[m.end() : m.end() + stop.start()] if stop else seg[m.end() :]
        if any(p.search(tail) for p in (vocab.pol_independent, vocab.pol_dependent, vocab.pol_negative)):
            return True
    return False


def _effect_values(ctx: _Context, seg: str, notes: list[str]) -> tuple[float, float]:
    """The treatment values (t0, t1) the question states, else 0 -> 1, with a note saying which."""
    vocab = ctx.vocab
    here = _treatment_values(seg, vocab)
    everywhere = _treatment_values(ctx.skeleton.text, vocab)
    good_here = [v for v in here if v[0] != v[1]]
    good_all = [v for v in everywhere if v[0] != v[1]]
    if good_here:
        t0, t1, words = good_here[0]
        notes.append(f"treatment values {_fmt(t0)} -> {_fmt(t1)} from '{words}'")
    elif here and good_all:
        t0, t1, words = good_all[0]
        notes.append(
            f"the question states the same value twice ('{here[0][2]}'); using {_fmt(t0)} -> {_fmt(t1)} "
            f"from '{words}' elsewhere in the text"
        )
    elif here:
        t0, t1, words = here[0]
        notes.append(f"treatment values {_fmt(t0)} -> {_fmt(t1)} from '{words}' (no change: the effect is 0)")
    elif good_all:
        t0, t1, words = good_all[0]
        notes.append(f"treatment values {_fmt(t0)} -> {_fmt(t1)} from '{words}'")
    else:
        t0, t1 = 0.0, 1.0
        notes.append("no treatment values given: using t0=0, t1=1 (a one-unit change)")
    return float(t0), float(t1)


def _alpha(ctx: _Context, seg: str) -> float | None:
    """A significance level stated in ``seg`` ('at alpha 0.01', 'at the 1% level'), as written:
    a value outside (0, 1) ('alpha 5') is returned for the planner to reject, never dropped."""
    vocab = ctx.vocab
    for pat in vocab.alpha:
        m = pat.search(seg)
        if m:
            num = re.search(vocab.number_re, m.group()[m.group().find(" ") :] if " " in m.group() else m.group())
            val = _parse_number(num.group(), vocab) if num else None
            if val is not None and "%" in m.group() + seg[m.end() : m.end() + 2]:
                val /= 100
            if val is not None:
                return val  # out of (0, 1) too: the planner rejects it with a reason
    return None


# --------------------------------------------------------------------------------------------------
# Missing pieces


def _explain_missing(ctx: _Context, intent: Any) -> None:
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


def summarize(intent: Any) -> str:
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


# --------------------------------------------------------------------------------------------------
# The variable to adjust for, and a change stated without both values


def adjusters_named(seg: str, skel: _Skeleton, vocab: Vocabulary) -> list[str]:
    """Variables ``seg`` names as the one to adjust for or whose role it asks ("should I adjust for
    Z", "is Z a confounder here?"), in order (the ``adjuster`` slot's reading)."""
    out: list[str] = []
    for pat in vocab.adjuster_markers:
        for m in pat.finditer(seg):
            var = skel.var_of[int(m.group("Z"))]
            if var not in out:
                out.append(var)
    return out


def read_contrast(seg: str, skel: _Skeleton, vocab: Vocabulary) -> tuple[str, str | None, str] | None:
    """(spec, treatment or None, words) of the first change ``seg`` states without both values:
    "stop" ('if nobody smoked', 'stopped smoking'), "shift:-2" ('reduced by 2'), "set:3" ('set to
    3'); the ``contrast`` slot's reading. The tool turns the spec into t0 and t1 from the data."""
    best: tuple[int, str, str | None, str] | None = None
    for pat, spec in vocab.contrasts:
        m = pat.search(seg)
        if m is None or (best is not None and m.start() >= best[0]):
            continue
        gd = m.groupdict()
        out = spec
        if "N1" in spec:
            value = _parse_number(gd.get("N1") or "", vocab)
            if value is None:
                continue
            out = spec.replace("-N1", _fmt(-value)).replace("N1", _fmt(value))
        var = skel.var_of.get(int(gd["T"])) if gd.get("T") is not None else None
        best = (m.start(), out, var, m.group())
    return best[1:] if best is not None else None


def contrast_values(spec: str) -> tuple[float, float] | None:
    """The legacy (t0, t1) of a contrast for an intent without a ``contrast`` slot: a shift or a
    set value as a change from 0 ("shift:-2" -> 0 -> -2), None for "stop" (it needs the data)."""
    kind, _, value = spec.partition(":")
    if kind in ("shift", "set") and value:
        return 0.0, float(value)
    return None


_TOPIC = re.compile(r"\s*(?:[:,;]|--?|\u2013|\u2014)\s")
_PRONOUN = re.compile(r"(?<![\w'’])(it|its)(?![\w'’])", re.I)
_EXPLETIVE = re.compile(r"\s+(?:true|false|the case|correct|wrong|possible|likely|that|fair|right|so)\b", re.I)


def topic_pronouns(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """``mentions`` plus the pronouns that name a sentence's topic variable: a sentence that opens
    with a column and a colon or dash ("Lung cancer: which factors influence it?", "Coughing - is
    it caused by genetics?") uses "it" / "its" for that column (not the "it" of "is it true
    that …")."""
    out = list(mentions)
    for s_start, s_end in _sentence_spans(text):
        first = next((m for m in mentions if s_start <= m.start < s_end), None)
        if first is None or text[s_start:first.start].strip() or not _TOPIC.match(text, first.end):
            continue
        for p in _PRONOUN.finditer(text, first.end, s_end):
            if _EXPLETIVE.match(text, p.end()) or any(m.start < p.end() and p.start() < m.end for m in mentions):
                continue
            out.append(Mention(first.var, p.start(), p.end(), "partial"))
    return sorted(out, key=lambda m: m.start)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"[.?!]+(?:\s+|$)", text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def single_role(seg: str, skel: _Skeleton, vocab: Vocabulary) -> str | None:
    """"cause" when the phrasing makes its one named variable act ("what does X affect?", "the
    effects of X", "affected by X"), "effect" when it is acted on ("what affects X?", "the causes of
    X", "X is driven by"); None when the patterns say neither or both."""
    found = {role for role, pats in (("cause", vocab.role_cause), ("effect", vocab.role_effect))
             if any(p.search(seg) for p in pats)}
    return found.pop() if len(found) == 1 else None


def pair_role(seg: str, skel: _Skeleton, vocab: Vocabulary) -> str | None:
    """"cause" when the phrasing makes its pair act on a third variable ("do X and Y both affect
    …", "affected by both X and Y": a common effect), "effect" when a third acts on the pair ("does
    any variable affect both X and Y?": a common cause); None when the patterns say neither or both."""
    found = {role for role, pats in (("cause", vocab.pair_cause), ("effect", vocab.pair_effect))
             if any(p.search(seg) for p in pats)}
    return found.pop() if len(found) == 1 else None
