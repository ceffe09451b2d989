"""Which intent a question asks, learned from the examples plugins register.

Examples and questions are compared as *skeletons*: variable names are placeholders, so
"Are {x} and {y} independent given {given}?" and "is «v0» independent of «v1» given «v2»?" look
alike. Features are TF-IDF word n-grams (1–3) plus character n-grams (3–5) within words, which
carry morphology ("caus", "confound") and small spelling changes; the model is scikit-learn's
logistic regression (fitted by SGD), whose probability is the confidence the planner reports and thresholds.
A fitted classifier never changes after the fit, so :func:`fitted` shares one per set of examples
within a process (an eval builds an agent per dataset; each would otherwise refit the same model).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from dataclasses import dataclass
from typing import Any

from .vocabulary import Vocabulary

_PLACE = re.compile(r"«v\d+»")
_DATA = re.compile(r"«d»")
_NUMBER = re.compile(r"(?<![a-z])[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?(?![a-z])")
_SLOT = re.compile(r"\{(\w+)\}")
#: a word is a cue of the question when at least this share of the examples using it are one intent's
CUE_SHARE = 0.4
#: … and a word leans to a few intents when this share of its examples are one intent's
LEAN_SHARE = 0.3
#: … or when its three commonest tools hold this share of its uses ("effect": the effect, its
#: mediation and its adjustment set), however many tools share the word between them
LEAN_TOP3 = 0.75
#: … or, for a word of at least LEAN_MIN_USES examples (a topic word: "effect", "cause"; polite
#: wrappers such as "tell" or "could" are rare in every intent), when they hold LEAN_TOP3_COMMON
LEAN_MIN_USES = 30
LEAN_TOP3_COMMON = 0.5
#: a phrase of function words alone is a cue only when at least this many examples use it
PHRASE_MIN_USES = 5
_DO = re.compile(r"(?<![a-z])do ?\(")
_WORD = re.compile(r"[a-z][a-z'\-]*|VAR|NUM|DATA|ARROW")
#: an arrow between variables ("X -> Y", "X → Y"): an edge or a path, whatever the words around it
_ARROW = re.compile(r"-+>|→|⟶")
#: a list of three or more variables: its length says nothing about the intent
_LIST = re.compile(r"VAR(?:\s*,\s*VAR){2,}(?:\s*,?\s*(?:and|or|&)\s*VAR)?|VAR(?:\s*,\s*VAR)+\s*,?\s*(?:and|or|&)\s*VAR")


def features_text(skeleton: str, synonyms: dict[str, str] | None = None) -> str:
    """A skeleton as the classifier sees it: VAR for a variable, NUM for a number, DATA for a
    dataset, synonyms mapped to one word."""
    t = _DO.sub(" do-operator ", skeleton)  # do(T=1): an intervention, whatever surrounds it
    t = _ARROW.sub(" ARROW ", t)
    t = _PLACE.sub("VAR", t)
    t = _LIST.sub(" VAR VAR and VAR ", t)
    t = t.replace("VAR", " VAR ")
    t = _DATA.sub(" DATA ", t)
    t = _NUMBER.sub(" NUM ", t)
    words = _WORD.findall(t)
    if not synonyms:
        return " ".join(words)
    text = " ".join(synonyms.get(w, w) for w in words)
    phrases = _phrase_pattern(tuple(sorted(k for k in synonyms if " " in k)))
    if phrases is not None:  # "bring about" -> "cause": a phrase of several words read as one
        text = phrases.sub(lambda m: synonyms[m.group(0)], text)
    return text


@lru_cache(maxsize=8)
def _phrase_pattern(keys: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keys:
        return None
    alts = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?:{alts})(?!\S)")


def example_skeleton(example: str, slots: dict[str, Any]) -> str:
    """An example phrasing with its ``{arg}`` placeholders written as the skeleton writes
    variables («vN»), numbers for number-like slots."""
    counter = iter(range(1000))

    def put(m: re.Match[str]) -> str:
        kind = slots.get(m.group(1))
        if kind in ("number", "treatment_values"):
            return "1"
        if isinstance(kind, dict):  # a choice: its value is a word the skeleton keeps
            return "choice"
        return f"«v{next(counter)}»"

    return _SLOT.sub(put, example.lower())


def fitted(examples: Sequence[tuple[str, str]], vocab: Vocabulary,
           groups: Mapping[str, str] | None = None) -> IntentClassifier:
    """The classifier for ``examples`` (intent name, skeleton), fitted once per distinct set.
    ``groups`` maps an intent to its tool (see :class:`IntentClassifier`)."""
    return _fitted(tuple(examples), tuple(sorted(vocab.synonyms.items())), tuple(sorted((groups or {}).items())))


@lru_cache(maxsize=8)
def _fitted(examples: tuple[tuple[str, str], ...], synonyms: tuple[tuple[str, str], ...],
            groups: tuple[tuple[str, str], ...] = ()) -> IntentClassifier:
    return IntentClassifier(examples, dict(synonyms), dict(groups))


@dataclass
class Prediction:
    """The best intent for a text, its probability, and the runner-up."""

    name: str
    confidence: float
    runner_up: str | None
    runner_up_confidence: float


class IntentClassifier:
    """TF-IDF + logistic regression over the registered examples."""

    def __init__(self, examples: Sequence[tuple[str, str]], synonyms: dict[str, str],
                 groups: Mapping[str, str] | None = None) -> None:
        """``examples`` are (intent name, skeleton text) pairs; ``synonyms`` the vocabulary's;
        ``groups`` maps an intent to its tool, so that the words two intents of one tool share
        ("common cause" for a common cause and a common parent) still count as cue words."""
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        self._hstack = hstack
        self.synonyms = dict(synonyms)
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        # scikit-learn's list has "do" but not "does"/"did": an auxiliary is never a cue, else it
        # would stand in front of a negation ("does X not affect Y?") and hide it
        self._stop = frozenset(ENGLISH_STOP_WORDS) | {"does", "did", "doesn't", "didn't"}
        texts = [features_text(t, self.synonyms) for _, t in examples]
        labels = [n for n, _ in examples]
        self.names = sorted(set(labels))
        self._words = TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, token_pattern=r"\S+",
                                      lowercase=False)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                      lowercase=False)
        X = hstack([self._words.fit_transform(texts), self._chars.fit_transform(texts)]).tocsr()
        self.single = len(self.names) == 1
        if not self.single:
            # logistic loss by SGD: probabilities like LogisticRegression's, fitted in ~0.02 s
            # instead of seconds (lbfgs converges slowly on 10k sparse features); seeded
            self._model = SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=200, tol=1e-4,
                                        random_state=0)
            self._model.fit(X, labels)
        self._vocabulary = set(self._words.vocabulary_)
        # cue words: words most of whose uses fall in one intent ("independent", "draw", "collider");
        # a word spread over every intent ("tell", "causal") shows politeness, not what is asked
        uses: dict[str, Counter[str]] = {}
        group = dict(groups or {})
        for label, text in zip(labels, texts):
            for w in set(text.split()):
                uses.setdefault(w, Counter())[group.get(label, label)] += 1
        words = {w for w in uses if w not in self._stop and w not in {"VAR", "NUM", "DATA"}
                 and "'" not in w and len(w) > 2}
        self._cues = {w for w in words if max(uses[w].values()) >= CUE_SHARE * sum(uses[w].values())}
        # words that lean to a few intents ("affect": collider, direct cause, effect…) without
        # being cues; polite wrappers ("tell", "could", "please") spread wider and are not here
        def leans(c: Counter[str]) -> bool:
            total, top3 = sum(c.values()), sum(n for _, n in c.most_common(3))
            return (max(c.values()) >= LEAN_SHARE * total or top3 >= LEAN_TOP3 * total
                    or (total >= LEAN_MIN_USES and top3 >= LEAN_TOP3_COMMON * total))

        self._leaning = {w for w in words if leans(uses[w])}
        # … and cue phrases: two or three words (variables included) that most of their examples
        # give one tool, so a word many intents share still speaks in its phrase ("what cause VAR",
        # "VAR cause VAR", "effect on VAR")
        phrase_uses: dict[str, Counter[str]] = {}
        for label, text in zip(labels, texts):
            for ph in self._phrases(text, function_words=True):
                phrase_uses.setdefault(ph, Counter())[group.get(label, label)] += 1
        # a content phrase speaks through a word that does ("a direct", "effect on") or a variable's
        # place ("VAR affect VAR"), not through a polite wrapper alone ("tell me about")
        telling = self._cues | self._leaning
        worded = {ph for text in texts for ph in self._phrases(text)}
        content = {ph for ph in worded if telling & set(ph.split()) or "VAR" in ph.split()}
        # a phrase of function words alone ("how much", "why do") speaks only when many examples use it
        self._cue_phrases = {ph for ph, c in phrase_uses.items() if max(c.values()) >= CUE_SHARE * sum(c.values())
                             and (ph in content or (ph not in worded and sum(c.values()) >= PHRASE_MIN_USES))}

    def _x(self, text: str) -> Any:
        return self._hstack([self._words.transform([text]), self._chars.transform([text])]).tocsr()

    def _phrases(self, text: str, function_words: bool = False) -> set[str]:
        """The two- and three-word phrases of a features text that hold a content word (not only
        stop words and variables); with ``function_words`` also those of words alone ("how much")."""
        toks = ["BOS", *text.split(), "EOS"]  # where a phrase stands: "affect EOS" (what does X affect?)
        out: set[str] = set()
        for n in (2, 3):
            for i in range(len(toks) - n + 1):
                gram = toks[i:i + n]
                words = [t for t in gram if t not in {"VAR", "NUM", "DATA", "BOS", "EOS"}]
                if any(t not in self._stop and len(t) > 2 and "'" not in t for t in words) or (
                        function_words and len(words) >= 2 and all("'" not in t for t in words)):
                    out.add(" ".join(gram))
        return out

    def known_words(self, skeleton: str) -> list[str]:
        """The cue words and cue phrases of ``skeleton``: a sentence without any is not a question
        the plugins taught ("tell me about A and B", "what's the weather?")."""
        text = features_text(skeleton, self.synonyms)
        words = [w for w in text.split() if w in self._cues]
        return words + sorted(ph for ph in self._phrases(text, function_words=True) if ph in self._cue_phrases)

    def word_known(self, word: str) -> bool:
        """Does some intent example use ``word`` (after the synonyms: "impacted" is "impact")?"""
        return features_text(word, self.synonyms) in self._vocabulary

    def content_words(self, skeleton: str) -> list[str]:
        """Words of ``skeleton`` that lean to some intents (not cues, not polite wrappers)."""
        return [w for w in features_text(skeleton, self.synonyms).split() if w in self._leaning]

    def probabilities(self, skeleton: str) -> dict[str, float]:
        """Every intent's probability for ``skeleton``."""
        text = features_text(skeleton, self.synonyms)
        if self.single:
            return {self.names[0]: 1.0 if text.strip() else 0.0}
        probs = self._model.predict_proba(self._x(text))[0]
        return {str(c): float(p) for c, p in zip(self._model.classes_, probs)}

    def predict(self, skeleton: str, among: set[str] | None = None) -> Prediction:
        """The most probable intent (renormalised over ``among`` when given)."""
        text = features_text(skeleton, self.synonyms)
        if self.single:
            return Prediction(self.names[0], 1.0 if text.strip() else 0.0, None, 0.0)
        probs = self._model.predict_proba(self._x(text))[0]
        if among:
            keep = [c in among for c in self._model.classes_]
            probs = probs * keep
            probs = probs / probs.sum() if probs.sum() > 0 else probs
        order = probs.argsort()[::-1]
        classes = list(self._model.classes_)
        best, second = order[0], order[1]
        return Prediction(classes[best], float(probs[best]), classes[second], float(probs[second]))

    def cue_position(self, skeleton: str, name: str) -> int | None:
        """Where the question's cue for intent ``name`` starts in ``skeleton`` (a character
        offset): the first content word that speaks strongly for the intent (at least half the
        strongest one's weight), so that a negation in front of it ("do not share a common cause")
        can be found."""
        if self.single:
            return None
        k = list(self._model.classes_).index(name)
        vocab = self._words.vocabulary_
        coef = self._model.coef_[k]
        found: list[tuple[int, float]] = []
        known = {w for w in vocab if " " not in w and w not in self._stop}
        for words in (self._cues, self._leaning, known):  # cue words first; leaning, then any known
            for m in re.finditer(r"[a-z][a-z'\-]*", skeleton):
                w = self.synonyms.get(m.group(), m.group())
                j = vocab.get(w)
                if j is not None and w in words and coef[j] > 0:
                    found.append((m.start(), float(coef[j])))
            if found:
                break
        if not found:
            return None
        strongest = max(weight for _, weight in found)
        return next(pos for pos, weight in found if weight >= 0.5 * strongest)
