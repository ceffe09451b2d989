"""The generic planner: a question in, one tool call (or a question back) out.

1. **Mentions.** Variable names are found and replaced by placeholders (:mod:`.reading`).
2. **Intent.** The intent is chosen by similarity to the examples every plugin registers
   (:mod:`.classifier`); the latest sentence that speaks clearly wins, so a scenario paragraph
   may precede the question. Its probability is the reported confidence.
3. **Slots.** The chosen tool's arguments are filled by their declared kind (``variable``,
   ``variables``, ``given``, ``number``, ``treatment_values``, a choice), with the readers of
   :mod:`.reading`; nothing here knows a tool by name.
4. **Never guess.** Low confidence or a missing required slot gives a plan with no tool and a
   ``missing`` list that says what was understood and what to add.
5. **Follow-ups** ("and given age?") start from the previous turn's plan, kept in the thread.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from . import reading as rd
from .classifier import example_skeleton, fitted
from .vocabulary import BOUND_L, BOUND_R, PLACEHOLDER, Vocabulary, load_vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from ..registry import IntentSpec, Registry

#: Below this probability the planner asks instead of calling a tool.
MIN_CONFIDENCE = 0.4
#: Without a cue word, the probability a reading needs.
SURE_WITHOUT_CUE = 0.6
#: Below MIN_CONFIDENCE, a cued reading still counts when it is at least this probable and this
#: many times as probable as the runner-up (many intents share the probability mass between them)
CLEAR_WINNER = 0.3
CLEAR_MARGIN = 2.0
#: … and without a cue word, at least this probable (and as clear)
CLEAR_UNCUED = 0.5
#: A follow-up may switch intent only when the classifier is at least this sure.
FOLLOW_UP_SWITCH = 0.45

_VARIABLE_NAMES = frozenset({
    "x", "y", "z", "a", "b", "treatment", "outcome", "cause", "effect", "variable", "var", "target",
    "source", "node", "exposure", "response", "mediator", "instrument", "v", "u", "w",
})
_GIVEN_NAMES = frozenset({"given", "conditioning", "condition", "confounders", "adjust", "controls", "z_set"})
#: an argument of this name is the column naming each row's environment (:mod:`.context_slot`)
CONTEXT_SLOT = "context"


class Plan(BaseModel):
    """What a question asks, as far as the planner could tell, and the call that answers it."""

    intent: str | None = None
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    confidence: float = 0.0
    #: yes/no questions: True when the tool's own yes means "no" for the question as asked
    flip: bool = False
    asks: Literal["independent", "dependent"] | None = None
    negated: bool = False
    notes: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    question: str = ""
    dataset: str | None = None
    description: str = ""
    #: one line that says why no tool is called and what to do (shown instead of "what is missing")
    problem: str | None = None
    #: option words of the question that the call does not use, and why (shown with the answer)
    warnings: list[str] = Field(default_factory=list)

    def describe(self) -> str:
        return self.description or ("could not tell what is asked" if self.tool is None else self.tool)


@dataclass(frozen=True)
class _Intent:
    """A registered intent with its tool's argument schema resolved into slot kinds."""

    spec: IntentSpec
    slots: dict[str, Any]  # arg -> kind, in the tool's argument order
    required: frozenset[str]
    arg_names: tuple[str, ...]
    polarity: str | None  # the tool's verdict vocabulary group ("independence"), if any
    types: dict[str, str]  # arg -> JSON-schema type, where it has one
    #: a single-variable slot declared "cause" (the variable acts: its effects) or "effect" (it is
    #: acted on: its causes); filled as a "variable" slot
    roles: tuple[tuple[str, str], ...] = ()

    def of(self, kind: str) -> list[str]:
        return [a for a, k in self.slots.items() if k == kind]


def _infer_kind(arg: str, prop: Mapping[str, Any]) -> Any:
    """A slot kind from the argument schema, for intents that do not declare one."""
    types = {prop.get("type")} | {p.get("type") for p in prop.get("anyOf", []) if isinstance(p, Mapping)}
    items = prop.get("items") or next(
        (p.get("items") for p in prop.get("anyOf", []) if isinstance(p, Mapping) and p.get("items")), None
    )
    name = arg.lower()
    if name == CONTEXT_SLOT and "string" in types:
        return "context"
    if "array" in types and (items or {}).get("type") == "string":
        return "given" if name in _GIVEN_NAMES else "variables"
    if "string" in types and (name in _VARIABLE_NAMES or "variable" in str(prop.get("description", "")).lower()):
        return "variable"
    if types & {"number", "integer"}:
        return "number"
    return None


def _resolve(spec: IntentSpec, tool: Any) -> _Intent:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    params = convert_to_openai_tool(tool)["function"].get("parameters") or {}
    props = dict(params.get("properties") or {})
    required = frozenset(params.get("required") or [])
    slots: dict[str, Any] = {}
    roles: list[tuple[str, str]] = []
    for arg, prop in props.items():
        if arg in spec.constants:
            continue
        kind = spec.slots.get(arg) if arg in spec.slots else _infer_kind(arg, prop)
        if kind in ("cause", "effect"):
            roles.append((arg, kind))
            kind = "variable"
        if kind is not None:
            slots[arg] = kind
    meta = getattr(tool, "metadata", None) or {}
    types = {a: str(p["type"]) for a, p in props.items() if isinstance(p, Mapping) and "type" in p}
    return _Intent(spec, slots, required, tuple(props), meta.get("polarity"), types, tuple(roles))


class Planner:
    """Plans tool calls for questions from the intents plugins register."""

    def __init__(self, intents: Sequence[IntentSpec], tools: Mapping[str, Any],
                 choices: Mapping[str, Sequence[tuple[str, Sequence[str]]]] | None = None,
                 vocabulary: Vocabulary | None = None) -> None:
        """``tools``: name -> tool object (for argument schemas); ``choices``: registry name ->
        [(value, [names it goes by])] for ``{"choice": "<registry>"}`` slots."""
        self.vocab = vocabulary or load_vocabulary()
        self.intents: dict[str, _Intent] = {
            i.name: _resolve(i, tools[i.tool]) for i in intents if i.tool in tools
        }
        self.choices = {k: [(v, list(names)) for v, names in vals] for k, vals in (choices or {}).items()}
        examples = [
            (name, example_skeleton(ex, it.slots)) for name, it in self.intents.items()
            for ex in it.spec.examples
        ]
        groups = {name: it.spec.tool for name, it in self.intents.items()}
        self.classifier = fitted(examples, self.vocab, groups) if examples else None

    def _speaks(self, skeleton: str) -> bool:
        """Does the text use a word that says what is asked: a cue word of the examples, or an
        (in)dependence word of the shared vocabulary ('un-correlated', 'unconnected')?"""
        if self.classifier is not None and self.classifier.known_words(skeleton):
            return True
        return self._polarity_word(skeleton)

    def _polarity_word(self, skeleton: str) -> bool:
        v = self.vocab
        return any(p.search(skeleton) for p in (v.pol_negative, v.pol_independent, v.pol_dependent))

    def _judged(self, text: str) -> bool:
        """Does ``text`` ask whether an association is causal (the vocabulary's causal_judgement)?"""
        return bool(self.vocab.causal_judgement.search(" ".join(text.split())))

    def _predict(self, text: str, ctx: rd._Context | None = None, judged: bool | None = None) -> Any:
        """The classifier's intent; when only an (in)dependence word of the vocabulary says what
        is asked, among the intents whose tools answer in that polarity group; when the question
        asks whether an association is causal (``judged``: the whole question does, "X and Y are
        correlated. Is that causal?"), among the others."""
        assert self.classifier is not None
        among = None
        if self._judged(text) if judged is None else judged:  # "is their association causal?": no test of it
            among = {n for n, it in self.intents.items() if not it.polarity} or None
        elif not self.classifier.known_words(text) and self._polarity_word(text):
            among = {n for n, it in self.intents.items() if it.polarity} or None
        pred = self.classifier.predict(text, among)
        if ctx is not None:  # a question that names a context ("... across sites"): see context_slot
            from .context_slot import prefer_context_intent

            pred = prefer_context_intent(self, ctx, text, pred)
        return pred

    @classmethod
    def from_registry(cls, registry: Registry) -> Planner:
        """The planner over everything ``registry`` holds (what ``CausalAgent`` uses)."""
        choices = {
            key: [(item.name, [item.name, item.label, *item.aliases]) for item in table.values()]
            for key, table in (("algorithms", registry.algorithms), ("ci_tests", registry.ci_tests),
                               ("estimators", registry.estimators))
        }
        return cls(registry.intents, registry.tools, choices)

    # -- planning ---------------------------------------------------------------------------------
    def plan(self, question: str, datasets: Mapping[str, Sequence[str]] | None = None,
             previous: Plan | None = None,
             excluded: Mapping[str, Mapping[str, str | None]] | None = None,
             read_as: Mapping[str, str] | None = None) -> Plan:
        """Plan one question about ``datasets`` (name -> column names); ``previous`` is the last
        turn's plan, for follow-ups; ``excluded``: dataset -> {column left out of analysis: the
        profile's reason}, so a question naming one is told why instead of "not found";
        ``read_as``: intent -> the intent its questions are read as (``Settings.read_as``: the
        reference protocol reads total causation as a direct edge, as the published labels do)."""
        vocab = self.vocab
        datasets = {k: list(v) for k, v in (datasets or {}).items()}
        raw = (question or "").strip()
        if not raw:
            return Plan(question=raw, missing=["a question: the question is empty"])
        text = rd._normalise(raw, vocab)
        dataset, mentions, dspans, notes = rd._pick_dataset(text, datasets, vocab)
        if (previous is not None and previous.dataset in datasets and previous.dataset != dataset
                and not mentions and not dspans):
            # a follow-up that names no column stays with the previous question's dataset
            dataset, notes = previous.dataset, []
        tied = rd._tied_datasets(text, datasets, vocab)
        if tied and previous is not None and previous.dataset in tied:
            dataset, notes, tied = previous.dataset, [], []  # a follow-up stays with its dataset
        if tied and dataset != tied[-1]:
            dataset, mentions, dspans, _ = rd._pick_dataset(text, {tied[-1]: datasets[tied[-1]]}, vocab)
        variables = datasets.get(dataset, []) if dataset else []
        language = rd.foreign_language(text, mentions, vocab)
        if language is not None:
            return Plan(question=raw, dataset=dataset, missing=["an English question"],
                        problem=_not_english(language))
        mentions = rd.topic_pronouns(text, mentions)  # "Lung cancer: what causes it?"
        skel = rd._build_skeleton(text, mentions, dspans)
        ctx = rd._Context(vocab, dataset, variables, skel, raw, self._choice_patterns(),
                          {a: b for a, b in (read_as or {}).items() if b in self.intents})
        prev = previous if previous is not None and previous.tool is not None else None

        plan: Plan | None = None
        first_try: Plan | None = None
        n = len(skel.sentences)
        for k in range(1, n + 1):
            candidate = self._read(ctx, skel.sentences[n - k :], prev)
            first_try = first_try or candidate
            if not candidate.missing:
                plan = candidate
                break
            if plan is None or _better(candidate, plan):
                plan = candidate
        assert plan is not None and first_try is not None
        if plan.missing and first_try.intent is not None and plan.intent is None:
            plan = first_try
        if plan.missing and prev is not None:
            follow = self._follow_up(ctx, prev)
            if follow is not None and not follow.missing:
                plan = follow
            elif follow is not None:  # a follow-up that is unclear in its own way: say how
                plan.notes.extend(x for x in follow.notes if x not in plan.notes)
                if plan.missing == ["what you want to know"]:
                    plan.missing = []
                plan.missing.extend(m for m in follow.missing if m not in " ".join(plan.missing))
        plan.dataset = dataset
        plan.question = raw
        plan.notes = [rd._render(skel, x) for x in notes + plan.notes]
        plan.missing = [rd._render(skel, x) for x in plan.missing]
        left_out = _excluded_named(text, mentions, dspans, dataset, excluded, vocab,
                                   strict=not plan.missing)
        if left_out:
            plan.problem = left_out
            plan.missing = plan.missing or ["a column that is analysed"]
        if tied and not left_out:
            named_vars = list(dict.fromkeys(m.var for m in sorted(mentions, key=lambda m: m.start)))
            plan.missing = [rd.which_dataset(tied, named_vars)] + [
                m for m in plan.missing if m != "what you want to know"]
            plan.notes = [n for n in plan.notes if not n.startswith("dataset '")]
        if plan.missing:
            plan.tool = None
            plan.args = {}
            rd._explain_missing(ctx, plan)
        else:
            self._finish(plan, ctx)
        return plan

    def _finish(self, plan: Plan, ctx: rd._Context) -> None:
        it = self.intents[plan.intent]  # type: ignore[index]
        # the dataset goes to tools that read variables, and to others when the question names it
        if "dataset" in it.arg_names and ctx.dataset and (
            it.of("variable") or it.of("variables") or "«d»" in ctx.skeleton.text
        ):
            plan.args["dataset"] = ctx.dataset
        for k, v in it.spec.constants.items():
            plan.args[k] = v
        plan.flip = (plan.asks == "dependent") if it.polarity else plan.negated
        plan.description = self.describe(plan)

    def describe(self, plan: Plan) -> str:
        """The plan in words: the intent's example that uses the most of the filled arguments,
        with the values put in."""
        it = self.intents.get(plan.intent or "")
        if it is None:
            return "could not tell what is asked"
        filled = {k: v for k, v in plan.args.items() if v not in (None, [], "")}
        best: tuple[int, str] | None = None
        for ex in it.spec.examples:
            fields = {f for _, f, _, _ in string.Formatter().parse(ex) if f}
            if not fields <= set(filled):
                continue
            if best is None or len(fields) > best[0]:
                best = (len(fields), ex)
        if best is None:
            return f"{it.spec.tool} with {filled}"

        def show(v: Any) -> str:
            if isinstance(v, (list, tuple)):
                return ", ".join(map(str, v))
            return rd._fmt(v) if isinstance(v, float) else str(v)

        text = best[1].format(**{k: show(v) for k, v in filled.items()})
        return text[0].upper() + text[1:] if text else text

    # -- one reading of a segment ---------------------------------------------------------------
    def _classify(self, ctx: rd._Context, sentences: list[tuple[int, int]],
                  fit: bool = True) -> tuple[str | None, float, str]:
        """The intent of the latest sentence that speaks clearly, else of the whole segment.
        ``fit``: an intent that cannot use the number of variables named may give way to one that
        can (:meth:`_fitting`; not for follow-ups, which borrow the previous question's)."""
        skel = ctx.skeleton
        if self.classifier is None:
            return None, 0.0, ""
        k = len({v for _, v in rd._ordered_ids(ctx, sentences, set())}) if fit else 0

        def clean(t: str) -> str:
            for p in (*ctx.vocab.adjust_all, *ctx.vocab.confounder_strip):
                t = p.sub(" ", t)
            # "whether directly or through other variables" says any path, the reading a question
            # without "directly" has: its "directly" is no cue of a direct relation
            for key, value, p in ctx.vocab.constant_markers:
                if key == "direct" and value is False:
                    t = p.sub(" ", t)
            if PLACEHOLDER.search(t):  # "… in this data": the scope of a question about variables
                t = ctx.vocab.data_scope.sub(" ", t)
            return t

        seg_judged = self._judged(skel.text[sentences[0][0] : sentences[-1][1]])
        for s, e in reversed(sentences):
            raw = skel.text[s:e]  # the markers of a mediator or adjuster are read on the words as written
            sent = clean(raw)
            cued = self._speaks(sent)
            if not cued and not self.classifier.content_words(sent):
                continue
            # without a telling word ("does one variable affect both X and Y?") the winner must be clear
            if not cued and seg_judged:
                pred = self.classifier.predict(sent, {n for n, it in self.intents.items() if not it.polarity})
            else:
                pred = self._predict(sent, ctx, judged=seg_judged) if cued else self.classifier.predict(sent)
            threshold = MIN_CONFIDENCE if cued else SURE_WITHOUT_CUE
            # the intents of one tool are readings of one call ("the causes of Y" and "its direct
            # causes"): the planner is as sure of the tool as of them together
            tools = self._tool_mass(sent, judged=seg_judged)
            tool = self.intents[pred.name].spec.tool if pred.name in self.intents else None
            name, p = pred.name, pred.confidence
            mass = tools.get(tool, p) if pred.name in self.classifier.probabilities(sent) else p
            rival = max((m for t, m in tools.items() if t != tool), default=pred.runner_up_confidence)
            if getattr(pred, "context", None):  # a context phrase ruled the other intents out (context_slot)
                mass, rival = p, 0.0
            alt = self._fitting(ctx, sent, name, p, k, raw) if k else None
            if alt is not None:  # one of two readings, and only this one can be answered
                name, p, mass = alt[0], alt[1], mass + alt[2]
            mirror = self._mirror(ctx, raw, name, k) if k in (1, 2) else None
            if mirror is not None:  # "what does X affect?" read as its causes: the phrasing's role wins
                name, p = mirror[0], mirror[1]
                mass += mirror[2]
            elif k == 1 and alt is None:
                one = self._one_role(ctx, raw, name)
                if one is not None:  # "is anything a cause of X?": a pair's reading, one variable
                    name, p = one[0], one[1]  # acted on: the relation is asked of that variable
                    mass += one[2]
            name = self._by_constant(name, raw)
            if k and _fits(self.intents[name], k):
                # a reading that cannot use the variables the question names is no rival ("is X
                # among the ancestors of Y?": "the ancestors of Y" takes one variable), nor is the
                # reading switched from or to above (its probability is in ``mass``)
                fitting = self._tools_fitting(k)
                chosen = {tool, self.intents[name].spec.tool}
                rival = max((m for t, m in tools.items() if t not in chosen and t in fitting), default=0.0)
            # a one-variable reading whose role the phrasing states ("effects of X") is confirmed
            # by that structure, cued or not, and its mirror ("causes of X") is then no rival
            role_said = k == 1 and self._role_said(name, raw, ctx)
            if role_said:
                mirrored = {o.spec.tool for o in self.intents.values()
                            if len(o.roles) == 1 and o.roles[0][1] != self.intents[name].roles[0][1]}
                fitting = self._tools_fitting(k)
                chosen = {tool, self.intents[name].spec.tool} | mirrored
                rival = max((m for t, m in tools.items() if t not in chosen and t in fitting), default=0.0)
            clear = mass >= CLEAR_MARGIN * rival
            if mass >= threshold or (cued and mass >= CLEAR_WINNER and (clear or self._marked(name, raw, ctx))) \
                    or (not cued and mass >= CLEAR_UNCUED and clear) or (role_said and clear and mass >= ROLE_SAID_MIN):
                return name, p, sent
        whole = clean(skel.text[sentences[0][0] : sentences[-1][1]])
        if len(sentences) > 1 and self._speaks(whole):
            pred = self._predict(whole, ctx)
            if pred.confidence >= MIN_CONFIDENCE:
                return pred.name, pred.confidence, whole
        return None, 0.0, whole

    def _mirror(self, ctx: rd._Context, raw: str, name: str, k: int) -> tuple[str, float, float] | None:
        """(intent, probability, its tool's probability) of the mirror reading when the phrasing
        gives the ``k`` named variables the other role than ``name`` declares: one variable ("cause":
        X acts, as in "what does X affect?"; "effect": X is acted on, "what affects X?") or a pair
        whose slots share a role ("does any variable affect both X and Y?": the pair is acted on, a
        common cause, not a common effect), else None."""
        it = self.intents.get(name)
        kinds = {r for _, r in it.roles} if it is not None else set()
        if it is None or len(kinds) != 1 or len(it.roles) != k or k not in (1, 2):
            return None
        read = rd.single_role if k == 1 else rd.pair_role
        role = read(raw, ctx.skeleton, ctx.vocab)
        if role is None or role in kinds:
            return None
        probs = self.classifier.probabilities(raw) if self.classifier else {}  # type: ignore[union-attr]
        mirrors = [(probs.get(n, 0.0), n) for n, other in self.intents.items()
                   if len(other.roles) == k and {r for _, r in other.roles} == {role} and _needs(other) == _needs(it)]
        if not mirrors:
            return None
        same = [m for m in mirrors if self.intents[m[1]].spec.constants == it.spec.constants]
        p, best = max(same or mirrors)  # "its direct effects" mirrors "its direct causes"
        tool = self.intents[best].spec.tool
        return best, p, sum(q for q, n in mirrors if self.intents[n].spec.tool == tool)

    def _one_role(self, ctx: rd._Context, raw: str, name: str) -> tuple[str, float, float] | None:
        """(intent, probability, its tool's probability) of the one-variable intent whose role the
        phrasing gives the question's one variable ("is anything a cause of X?": X is acted on;
        "what does X lead to?": X acts), when the classifier's ``name`` relates a pair and a word
        ("anything", "what") stands for the other; else None. The pair's reading cannot be
        answered, and the phrasing's structure says which relation is asked. An effect's open
        treatment or outcome ("what is the effect on Y?") and a name not found are asked back."""
        it = self.intents.get(name)
        if it is None or _needs(it) != 2 or it.of("variables") or set(it.of("variable")) == _TREATMENT_OUTCOME:
            return None  # an effect's treatment or outcome left open is asked for
        if not ctx.vocab.open_other.search(raw) or self._name_attempts(ctx, raw):
            return None  # no word stands for the other variable, or one names a column not found
        named = {ctx.skeleton.var_of.get(int(i)) for i in PLACEHOLDER.findall(raw)}
        if len(named) == 1 and _named_twice(ctx.skeleton, raw, named.pop()):
            return None  # "the effect of X on X": said as such below
        role = rd.single_role(raw, ctx.skeleton, ctx.vocab)
        if role is None:
            return None
        probs = self.classifier.probabilities(raw) if self.classifier else {}  # type: ignore[union-attr]
        options = [(probs.get(n, 0.0), n) for n, other in self.intents.items()
                   if len(other.roles) == 1 and other.roles[0][1] == role and _needs(other) == 1]
        if not options:
            return None
        # a question that does not say "directly" asks about any causal path ("is anything a
        # cause of X?"): the direct reading needs its word (see _by_constant)
        direct = bool(self._said("direct", raw))
        same = [o for o in options if bool(self.intents[o[1]].spec.constants.get("direct")) == direct]
        p, best = max(same or options)
        tool = self.intents[best].spec.tool
        return best, p, sum(q for q, n in options if self.intents[n].spec.tool == tool)

    def _name_attempts(self, ctx: rd._Context, raw: str) -> list[str]:
        """The words of ``raw`` that look like a variable's name but match no column: the runs of
        content words none of whose words the intent examples use ("income", not "impacted")."""
        if self.classifier is None:
            return rd._unmatched_slot_words(ctx, raw)
        known = self.classifier.word_known
        return [run for run in rd._unmatched_slot_words(ctx, raw) if not all(known(w) for w in run.split())]

    def _role_said(self, name: str, raw: str, ctx: rd._Context) -> bool:
        """Does the phrasing give the one variable of intent ``name`` the role its slot declares
        ("the effects of X" for X's effects, "what drives X?" for its causes)?"""
        it = self.intents.get(name)
        return it is not None and len(it.roles) == 1 and rd.single_role(raw, ctx.skeleton, ctx.vocab) == it.roles[0][1]

    def _tools_fitting(self, k: int) -> set[str]:
        """The tools with an intent that can use ``k`` named variables."""
        return {it.spec.tool for it in self.intents.values() if _fits(it, k)}

    def _said(self, constant: str, raw: str) -> Any:
        """The value of ``constant`` the phrasing says (the vocabulary's constant markers, first
        match wins), else None."""
        for key, value, pattern in self.vocab.constant_markers:
            if key == constant and pattern.search(raw):
                return value
        return None

    def _by_constant(self, name: str, raw: str) -> str:
        """Among intents of one tool that differ only in one constant ("the causes of Y" and "its
        direct causes"; "does X act through M?" and "fully through M?"), the one the phrasing's
        marker names: "directly", "immediate" ask for direct relations, "directly or indirectly",
        "all the way back" for every path, "all of", "only through" for complete mediation; a
        phrasing that says none keeps the classifier's reading."""
        it = self.intents.get(name)
        if it is None:
            return name
        for key in dict.fromkeys(k for k, _, _ in self.vocab.constant_markers):
            rest = {k: v for k, v in it.spec.constants.items() if k != key}
            siblings = {o.spec.constants.get(key): n for n, o in self.intents.items()
                        if o.spec.tool == it.spec.tool
                        and {k: v for k, v in o.spec.constants.items() if k != key} == rest}
            if len(siblings) < 2:
                continue
            value = self._said(key, raw)
            if value is None:
                continue
            if key == "direct":  # an intent without the constant is the any-path reading
                siblings = {bool(k): n for k, n in siblings.items()}
            if value in siblings:
                return siblings[value]
        return name

    def _tool_mass(self, sent: str, judged: bool | None = None) -> dict[str, float]:
        """Each tool's probability for ``sent``: the sum over its intents (without the tools of a
        polarity group, renormalised, when ``sent`` asks whether an association is causal)."""
        out: dict[str, float] = {}
        judged = self._judged(sent) if judged is None else judged
        for n, p in self.classifier.probabilities(sent).items():  # type: ignore[union-attr]
            it = self.intents.get(n)
            if it is not None and not (judged and it.polarity):
                out[it.spec.tool] = out.get(it.spec.tool, 0.0) + p
        total = sum(out.values())
        return {t: m / total for t, m in out.items()} if judged and total > 0 else out

    def _marked(self, name: str, sent: str, ctx: rd._Context) -> bool:
        """Does the sentence name the variable of the intent's mediator or adjuster slot with that
        slot's own markers ("through M", "adjust for Z")? Structure that confirms the reading."""
        it = self.intents.get(name)
        if it is None or not (it.of("mediator") or it.of("adjuster")):
            return False
        if it.of("mediator") and not rd.mediators_named(sent, ctx.skeleton, ctx.vocab):
            return False
        return not it.of("adjuster") or bool(rd.adjusters_named(sent, ctx.skeleton, ctx.vocab))

    def _fitting(self, ctx: rd._Context, sent: str, name: str, confidence: float,
                 k: int, raw: str | None = None) -> tuple[str, float, float] | None:
        """(intent, its probability, its tool's probability) of a reading that can use the ``k``
        variables the question names, when the classifier's ``name`` cannot (two for a pair, one
        for "what does X affect?", a list of at least two) and one tool's fitting intents are
        together at least FITTING_SHARE as probable (MARKED_FITTING_SHARE when the question names
        that intent's mediator or adjuster with its markers); else None. A question is not answered
        by asking for a variable it does not have when a reading that uses those it has is nearly
        as likely."""
        it0 = self.intents[name]
        if _fits(it0, k) and not (it0.of("given") and k > _needs(it0)):
            return None  # (a conditioning set may take the extra variables: unless another reading marks one)
        probs = self.classifier.probabilities(sent)  # type: ignore[union-attr]
        by_tool: dict[str, list[tuple[float, str]]] = {}
        for n, p in probs.items():
            it = self.intents.get(n)
            if it is not None and _fits(it, k) and _needs(it):
                by_tool.setdefault(it.spec.tool, []).append((p, n))
        if not by_tool:
            return None
        words = raw if raw is not None else sent
        # a list takes at least two: one variable is fewer than it takes, not more
        took = _needs(it0) or (2 if it0.of("variables") else 0)
        if k > took:  # only a reading whose third variable the question marks
            by_tool = {t: [o for o in opts if self._marked(o[1], words, ctx)] for t, opts in by_tool.items()}
            by_tool = {t: opts for t, opts in by_tool.items() if opts}
            if not by_tool:
                return None
        tool, options = max(by_tool.items(), key=lambda kv: sum(p for p, _ in kv[1]))
        p, best = max(options)
        marked = self._marked(best, words, ctx)
        if k > took:  # more variables than the reading takes: it still answers
            if not marked:  # (a note names the extra one), unless the question marks the third's role
                return None  # and that reading is nearly as likely ("controlling for Z, is X a
            share = MARKED_EXTRA_SHARE  # direct cause of Y?" conditions; "include Z as a covariate" asks)
        else:  # fewer: the reading would have to ask for a variable the question does not have
            share = MARKED_FITTING_SHARE if marked else FITTING_SHARE
        mass = sum(q for q, _ in options)
        if mass < share * probs.get(name, confidence):
            return None
        return best, p, mass

    def _read(self, ctx: rd._Context, sentences: list[tuple[int, int]], prev: Plan | None) -> Plan:
        skel = ctx.skeleton
        seg = skel.text[sentences[0][0] : sentences[-1][1]]
        name, confidence, cue_sentence = self._classify(ctx, sentences, fit=prev is None)
        name = ctx.read_as.get(name, name) if name is not None else None
        plan = Plan(confidence=round(confidence, 3))
        if name is None:
            found = [v for _, v in rd._ordered_ids(ctx, sentences, set())]
            if found:
                plan.notes.append("variables named: " + ", ".join(found))
            plan.missing.append("what you want to know")
            return plan
        it = self.intents[name]
        plan.intent, plan.tool = name, it.spec.tool
        self._fill(plan, it, ctx, sentences, seg, cue_sentence, prev)
        unfilled = sorted(it.required - set(plan.args) - set(it.spec.constants))
        if unfilled and not plan.missing:  # the tool cannot be called without them: ask
            plan.missing.append("a value for " + ", ".join(unfilled) + f" (needed by {it.spec.tool})")
        if (not plan.missing and set(it.of("variable")) == _TREATMENT_OUTCOME and not it.of("mediator")
                and (self._said("question", cue_sentence) == "direct"
                     or (_DIRECTLY.search(cue_sentence) and self._said("direct", cue_sentence)))):
            # "the direct effect of X on Y" with no mediator: a total effect would be the wrong number
            t, o = plan.args.get("treatment"), plan.args.get("outcome")
            plan.problem = (f"A direct effect is the part of {t}'s effect on {o} that does not go through "
                            f"another variable: name it ('the direct effect of {t} on {o} not through M'), "
                            f"ask 'does {t} directly cause {o}?' for the edge, or 'what is the effect of "
                            f"{t} on {o}?' for the total effect.")
            plan.missing.append("the mediator the direct effect leaves out")
        return plan

    def _fill(self, plan: Plan, it: _Intent, ctx: rd._Context, sentences: list[tuple[int, int]],
              seg: str, cue_sentence: str, prev: Plan | None) -> None:
        vocab, skel = ctx.vocab, ctx.skeleton
        args = plan.args
        self._options(plan, it, ctx, seg)
        skip: set[str] = set()  # the context column is no variable of the other slots
        for slot in it.of("context"):
            from .context_slot import read_context

            found = read_context(ctx, seg)
            if found is not None:
                args[slot] = found
                skip.add(found)
        var_slots = it.of("variable")
        list_slot = next(iter(it.of("variables")), None)
        given_slot = next(iter(it.of("given")), None)
        if list_slot and not var_slots:
            self._fill_list(plan, it, ctx, sentences, cue_sentence, prev, list_slot, skip)
            return
        if not var_slots:
            return
        cond_ids, markers = rd._conditioning(seg, vocab)
        given: list[str] = list(dict.fromkeys(skel.var_of[i] for i in cond_ids))
        toks = rd._tokens(seg)
        for pat in vocab.confounder_suffix:
            for m in pat.finditer(seg):
                for pid in rd._list_before(toks, rd._token_index_at(toks, m.start()), vocab):
                    if skel.var_of[pid] not in given:
                        given.append(skel.var_of[pid])
        mediator_slot = next(iter(it.of("mediator")), None)
        mediators = rd.mediators_named(seg, skel, vocab) if mediator_slot else []
        if mediator_slot and not mediators and len(given) == 1 and not given_slot:
            mediators, given = given, []  # "the effect of X on Y holding M fixed": M is the mediator
        given = [g for g in given if g not in mediators[:1]]
        skip |= set(mediators[:1])  # the mediator is no variable of the pair
        adjuster_slot = next(iter(it.of("adjuster")), None)
        adjusters = rd.adjusters_named(seg, skel, vocab) if adjuster_slot else []
        if adjuster_slot and not adjusters and len(given) == 1 and not given_slot:
            adjusters = list(given)  # "… controlling for Z": Z is the variable asked about
        if adjuster_slot:
            given = [g for g in given if g not in adjusters[:1]]
            skip |= set(adjusters[:1])  # the variable to adjust for is no variable of the pair
        contrast_slot = next(iter(it.of("contrast")), None)
        contrast = rd.read_contrast(seg, skel, vocab) if (contrast_slot or it.of("treatment_values")) else None
        if contrast and contrast[1] in given:  # "if smoking were fixed at 0": the treatment, not a condition
            given = [g for g in given if g != contrast[1]]
        ordered = rd._ordered_ids(ctx, sentences, set(given) | skip)
        need = len(var_slots)
        if given_slot and len(ordered) > need:
            # more variables than the pair: read the conditioning clauses whole ("once we know whether …")
            loose_ids, loose_markers = rd._clause_conditioning(seg, vocab)
            extra = [v for v in dict.fromkeys(skel.var_of[i] for i in loose_ids) if v not in given]
            rest = [v for _, v in ordered if v not in extra]
            if extra and len(rest) >= need:
                given.extend(extra)
                markers = [*markers, *loose_markers]
                ordered = rd._ordered_ids(ctx, sentences, set(given) | skip)
        if given and not given_slot:
            plan.notes.append(f"{', '.join(given)} named in a conditioning clause: not one of the pair")
        pool = [(p, v) for p, v in ordered if v not in given]
        conjoined = None
        if need == 2 and len(pool) > 2 and not given_slot:
            # "Is Z a common cause of X and Y?": the pair is the one joined by (both) … and
            shared = rd._shared_pair(ctx, cue_sentence, [], [])
            conjoined = [v for _, v in shared] if shared else None
        roles_asked = need == 2 and set(var_slots) == _TREATMENT_OUTCOME
        if roles_asked:  # the treatment and the outcome come from the phrasing, never from word order
            conjoined = None
        first, second = (conjoined[0], conjoined[1]) if conjoined else _direction(ctx, seg, {v for _, v in pool})
        if contrast and contrast[1] in {v for _, v in pool} and first is None and second != contrast[1]:
            first = contrast[1]  # "if nobody smoked, …": the variable that changes is the treatment
        if roles_asked and first is None and second is None and len(pool) >= 2:
            a, b = pool[0][1], pool[1][1]
            plan.problem = (f"Which is the treatment (the cause) and which the outcome: {a} or {b}? Ask e.g. "
                            f"'what is the effect of {a} on {b}?' (or of {b} on {a}).")
            plan.missing.append(f"which of {a} and {b} is the treatment and which the outcome")
            return
        fixed = [v for v in (first, second) if v]
        rest = [(p, v) for p, v in pool if v not in fixed]
        if first and second:
            chosen = [first, second]
        elif fixed:
            other = rest[0][1] if rest else None
            chosen = [first, other] if first else [other, second]
            chosen = [c for c in chosen if c]
        else:
            pair = rd._take(pool, need)
            if need == 2 and len(pool) > 2 and given_slot:
                # a question with a conditioning set: an extra variable is ambiguous unless a word
                # says it is conditioned on too
                extra = [v for _, v in pool[2:]]
                if vocab.fallback_condition.search(seg):
                    given.extend(extra)
                    plan.notes.append("conditioning also on " + ", ".join(extra))
                elif any(skel.quality[p] != "partial" for p, _ in pool[2:]):
                    plan.missing.append(
                        "which variables to condition on: the question names "
                        + ", ".join(v for _, v in pool) + " but only two can be tested against each other"
                    )
            chosen = [v for _, v in pair]
        if given_slot and len(chosen) < need and given:
            # "Conditioning on Z, X and Y are independent": the list swallowed the pair; give it back.
            unmatched = rd._unmatched_slot_words(ctx, seg)
            both: list[str] = []  # named in the pair and again in the conditioning clause
            while len(chosen) < need and given and not unmatched and rd._swallowed_subject(seg, given[-1], skel, vocab):
                back = given.pop()
                pos = min(p for p, v in skel.var_of.items() if v == back)
                spots = sorted([*((min(p for p, vv in skel.var_of.items() if vv == c), c) for c in chosen), (pos, back)])
                chosen = [v for _, v in spots]
                mentions = [p for p, v in skel.var_of.items() if v == back]
                if any(p in cond_ids for p in mentions) and any(p not in cond_ids for p in mentions):
                    both.append(back)
            given.extend(both)  # kept: the tool says a tested variable cannot be conditioned on
            if len(chosen) < need and given:
                plan.notes.append(
                    f"{', '.join(given)} stand{'s' if len(given) == 1 else ''} in the conditioning clause, "
                    "so not among the variables asked about"
                )
        if given_slot:
            if any(p.search(seg) for p in vocab.adjust_all):
                given = [v for v in ctx.variables if v not in chosen]
                plan.notes.append("adjusting for all other variables, as asked")
            if markers and given:
                plan.notes.append("conditioning set from: " + "; ".join(dict.fromkeys(markers)))
        if len(chosen) == 1 and need == 2 and _named_twice(skel, cue_sentence, chosen[0]) \
                and not rd._unmatched_slot_words(ctx, seg):
            chosen = [chosen[0], chosen[0]]  # "effect of smoking on smoking": said below
        if len(chosen) < need:
            plan.missing.append(rd._missing_pair(ctx, seg, [(0, c) for c in chosen]) if need == 2
                                else "the variable to analyse (no column name was found in the question)")
            return
        for slot, var in zip(var_slots, chosen):
            args[slot] = var
        if mediator_slot:
            if not mediators:  # never a guess from word order: which one is the mediator?
                plan.missing.append("the mediator: the variable the effect goes through (e.g. '… through M')")
                return
            args[mediator_slot] = mediators[0]
        if adjuster_slot:
            third = [v for v in adjusters if v not in chosen] or [v for _, v in pool if v not in chosen]
            if not third:
                plan.missing.append("the variable to adjust for (e.g. 'should I adjust for Z when estimating the "
                                    "effect of X on Y?')")
                return
            args[adjuster_slot] = third[0]
        others = [v for _, v in pool if v not in chosen and v != args.get(adjuster_slot or "")]
        if conjoined and others:
            plan.notes.append(f"{', '.join(others)} named besides the pair; read as: {self.describe(plan)}")
        if len(set(chosen)) < len(chosen):
            same = next(v for v in chosen if chosen.count(v) > 1)
            plan.problem = _same_variable(var_slots[:2], same)
            plan.missing.append("two different variables (the same one is named twice)")
            return
        if not given_slot:
            given = [g for g in given if g not in chosen]
        # else a tested variable in the conditioning clause ("... given smoking") stays: the tool
        # says that the question cannot be answered, instead of silently dropping the condition
        if given_slot and given:
            args[given_slot] = given
        tv = it.of("treatment_values")
        # values stated anywhere ("from 0.2 to 0.2 … from 0.2 to 1.0") are values, not a contrast
        stated = (rd._treatment_values(seg, vocab) + [v for v in rd._treatment_values(skel.text, vocab)
                                                       if v[0] != v[1]]) if len(tv) >= 2 else []
        legacy = rd.contrast_values(contrast[0]) if contrast and not stated and not contrast_slot else None
        if contrast and not stated and contrast_slot:
            # a change stated without both values: the tool reads t0 and t1 off the data
            args[contrast_slot] = contrast[0]
            plan.notes.append(f"contrast {contrast[0]} from '{contrast[2]}'")
        elif legacy is not None and len(tv) >= 2:
            args[tv[0]], args[tv[1]] = legacy
            plan.notes.append(f"treatment values {rd._fmt(legacy[0])} -> {rd._fmt(legacy[1])} from '{contrast[2]}'")  # type: ignore[index]
        elif len(tv) >= 2:
            args[tv[0]], args[tv[1]] = rd._effect_values(ctx, seg, plan.notes)
        plan.asks, plan.negated, why = self._read_polarity(cue_sentence, it)
        if why:
            plan.notes.append(why)

    def _fill_list(self, plan: Plan, it: _Intent, ctx: rd._Context, sentences: list[tuple[int, int]],
                   cue_sentence: str, prev: Plan | None, slot: str, skip: set[str] | None = None) -> None:
        """A list of variables (a partial graph), or none for all of them (``skip``: the context)."""
        vocab, skel = ctx.vocab, ctx.skeleton
        cands = [v for _, v in rd._ordered_ids(ctx, sentences, set(skip or ()))]
        in_sentence = [v for _, v in rd._ordered_ids(ctx, sentences[-1:], set(skip or ()))]
        partial = bool(vocab.partial_markers.search(cue_sentence))
        full = bool(vocab.full_markers.search(cue_sentence)) and not partial
        named = sorted(cands, key=lambda v: min(p for p, vv in skel.var_of.items() if vv == v))
        if full:
            return
        if not named and len(sentences) == 1:
            # "How are A, B and C related? Draw the graph.": the variables are in the question before
            idx = skel.sentences.index(sentences[0])
            if idx > 0:
                s0, e0 = skel.sentences[idx - 1]
                ids = list(dict.fromkeys(skel.var_of[i] for i in skel.ids_in(s0, e0)))
                if skel.text[s0:e0].rstrip().endswith("?") and len(ids) >= 2 and set(ids) != set(ctx.variables):
                    plan.args[slot] = ids
                    plan.notes.append("variables taken from the preceding question")
                    return
        if len(named) >= 2 and (partial or len(in_sentence) >= 2 or len(sentences) > 1):
            if set(named) == set(ctx.variables):
                plan.notes.append("all variables named: the full graph")
                return
            plan.args[slot] = named
            return
        if partial and not skel.var_of and rd._only_deictic(cue_sentence, vocab) and (
            prev is None or not prev.args.get(slot)
        ):
            plan.notes.append("'these variables' names no column: all variables")
            return
        if partial:
            plan.missing.append("the variables of the partial graph (name at least two columns)")

    def _options(self, plan: Plan, it: _Intent, ctx: rd._Context, seg: str) -> None:
        """Numbers and choices: a significance level, a named algorithm or test."""
        numbers = [s for s, k in it.slots.items() if k == "number"]
        choice_slots = [k["choice"] for k in it.slots.values() if isinstance(k, Mapping)]
        guessed = False
        for slot, kind in it.slots.items():
            if kind == "number":
                if slot.lower() in _ALPHA_NAMES:
                    value = rd._alpha(ctx, seg)
                    bad = _bad_alpha(value)
                    if bad:
                        plan.problem = bad
                        plan.missing.append("a significance level between 0 and 1")
                        continue
                else:  # "k = 3", else the question's only number when the tool takes only one
                    value = _number_after(ctx, seg, slot)
                    if value is None and len(numbers) == 1 and not it.of("treatment_values"):
                        found = re.findall(BOUND_L + ctx.vocab.number_re + BOUND_R, seg)
                        value = rd._parse_number(found[0], ctx.vocab) if len(found) == 1 else None
                if value is not None:
                    plan.args[slot] = int(value) if _integer_slot(it, slot) and float(value).is_integer() else value
            elif isinstance(kind, Mapping):
                values = kind["choice"]
                table = self.choices.get(values, []) if isinstance(values, str) else [(v, [v]) for v in values]
                picked = _choice(seg, table)
                if picked is None and not guessed:  # an unknown name goes to one slot only
                    picked = _misspelt_choice(ctx, PLACEHOLDER.sub(" ", seg), table)
                    if picked is not None and (picked in self._choice_names()
                                               or not _kind_fits(seg, picked, values, choice_slots)):
                        picked = None  # another registry's name ('using ges' for a CI test): said below
                    guessed = picked is not None
                if picked is not None:
                    plan.args[slot] = picked
        self._unused_options(plan, it, ctx, seg)

    def _unused_options(self, plan: Plan, it: _Intent, ctx: rd._Context, seg: str) -> None:
        """Option words the chosen tool has no argument for ('using ges' on a direct-cause
        question, 'at alpha 0.01' on an effect): said with the answer, never silently dropped."""
        tool = it.spec.tool
        takes = {k["choice"] for k in it.slots.values() if isinstance(k, Mapping) and isinstance(k.get("choice"), str)}
        if not any(a.lower() in _ALPHA_NAMES for a in it.arg_names):
            value = rd._alpha(ctx, seg)
            if value is not None:
                plan.warnings.append(f"the significance level in the question (alpha {rd._fmt(value)}) is not used: "
                                     f"{tool} takes none")
        clean = " ".join(PLACEHOLDER.sub(" ", seg).split())
        for registry, table in self.choices.items():
            if registry in takes:
                continue
            picked = _cued_choice(clean, table)
            if picked is not None:
                what = _CHOICE_WHAT.get(registry, registry)
                text = f"'{picked}' is not used: {tool} takes no {what}"
                if registry == "algorithms" and "graph_key" in it.arg_names:
                    text += (f" (it uses the dataset's graph, learned with the default algorithm); to learn one "
                             f"with {picked}, ask to draw the graph using {picked}")
                plan.warnings.append(text)
        if not takes and not plan.warnings:
            everything = [row for table in self.choices.values() for row in table]
            unknown = _misspelt_choice(ctx, clean, everything)
            if unknown is not None:
                plan.warnings.append(f"'{unknown}' is not used: {tool} takes no algorithm, CI test or estimator "
                                     "choice, and no plugin registers one by that name")

    def likely_tools(self, question: str, datasets: Mapping[str, Sequence[str]] | None = None,
                     k: int = 3) -> list[str]:
        """The ``k`` tools ``question`` most probably needs, best first: the plan's own tool, then
        the classifier's next guesses. A small model's compact prompt binds only these."""
        datasets = {n: list(c) for n, c in (datasets or {}).items()}
        plan = self.plan(question, datasets)
        out = [plan.tool] if plan.tool else []
        if self.classifier is None or not (question or "").strip():
            return out
        text = rd._normalise(question.strip(), self.vocab)
        _, mentions, dspans, _ = rd._pick_dataset(text, datasets, self.vocab)
        skel = rd._build_skeleton(text, mentions, dspans)
        if not self.classifier.known_words(skel.text) and not self.classifier.content_words(skel.text):
            return out  # nothing the intents know: no guess beyond the plan
        ranked = sorted(self.classifier.probabilities(skel.text).items(), key=lambda kv: -kv[1])
        for name, _ in ranked:
            tool = self.intents[name].spec.tool if name in self.intents else None
            if tool and tool not in out:
                out.append(tool)
            if len(out) >= k:
                break
        return out

    def flip_for(self, question: str, tool: str, datasets: Mapping[str, Sequence[str]]) -> bool:
        """Whether ``tool``'s own yes/no answer must be flipped for ``question`` as asked, whoever
        chose the call: the opposite wording of the tool's polarity group ("are they dependent?"
        for an independence verdict) or, with no group, a negated question ("does X not cause
        Y?"). So the polarity never comes from a model's own ANSWER line."""
        plan = self.plan(question, datasets)
        if plan.tool == tool:
            return plan.flip
        columns = [c for cols in datasets.values() for c in cols]
        it = next((i for i in self.intents.values() if i.spec.tool == tool), None)
        text = rd._normalise((question or "").strip(), self.vocab)
        skel = rd._build_skeleton(text, rd.find_mentions(text, list(columns), self.vocab), [])
        s, e = skel.sentences[-1]
        sent = skel.text[s:e]
        if it is None:
            body, framed = rd._frame(sent, self.vocab)
            return rd._edge_negated(body, len(body), self.vocab) != framed
        asks, negated, _ = self._read_polarity(sent, it)
        return asks == "dependent" if it.polarity else negated

    def _read_polarity(self, sentence: str, it: _Intent) -> tuple[Literal["independent", "dependent"] | None,
                                                                  bool, str | None]:
        """(asks, negated, note) of a question sentence for intent ``it``: one reading for the
        offline plan and for ``flip_for`` (any model), so their yes/no always agree. A negating
        frame ("is it false that …") swaps what the clause after it asks."""
        body, framed = rd._frame(sentence, self.vocab)
        frame_note = "the question opens with 'it is false / not true that', so yes and no are swapped"
        if it.polarity:
            asks, why = rd._polarity(body, self.vocab)
            if framed:
                asks = "dependent" if asks == "independent" else "independent"
                why = f"{why}; {frame_note}"
            return asks, False, why
        pos = self.classifier.cue_position(body, it.spec.name) if self.classifier else None
        negated = rd._edge_negated(body, pos if pos is not None else len(body), self.vocab) != framed
        if framed and not negated:
            return None, False, "a negated claim inside 'it is false / not true that' asks it positively"
        if not negated:
            return None, False, None
        return None, True, frame_note if framed else "the question is negated: yes and no are swapped"

    def _choice_names(self) -> frozenset[str]:
        """Every registered choice name, label and alias, lower-cased."""
        return frozenset(n.lower() for table in self.choices.values() for v, ns in table for n in (v, *ns) if n)

    def _choice_patterns(self) -> tuple[re.Pattern[str], ...]:
        names = {n.lower() for table in self.choices.values() for v, ns in table for n in (v, *ns)}
        return tuple(_name_pattern(n) for n in sorted(names, key=len, reverse=True) if n)

    # -- follow-ups -----------------------------------------------------------------------------
    def _follow_up(self, ctx: rd._Context, prev: Plan) -> Plan | None:
        """Complete a short follow-up ('and given age as well?', 'what about lung cancer?') from the
        previous plan's intent and arguments."""
        vocab, skel = ctx.vocab, ctx.skeleton
        seg = skel.text
        old = self.intents.get(prev.intent or "")
        if old is None:
            return None
        cond_ids = [*rd._conditioning(seg, vocab)[0], *rd._clause_conditioning(seg, vocab)[0]]
        cond = list(dict.fromkeys(skel.var_of[i] for i in cond_ids))
        name = old.spec.name
        switched = False
        # a new intent only when words other than conditioning markers ask for one ("and given
        # Z?" keeps the intent; "and the effect?" switches)
        asked = seg
        for pat in (*vocab.cond_prefix, *vocab.cond_prefix_needs_suffix, *vocab.clause_markers, vocab.cond_suffix):
            asked = pat.sub(" ", asked)
        if self.classifier is not None and self._speaks(asked):
            pred = self._predict(seg)
            # as in _classify: as sure of the tool as of its intents together ("share a confounder")
            new_tool = self.intents[pred.name].spec.tool if pred.name in self.intents else None
            mass = self._tool_mass(seg).get(new_tool, 0.0) if new_tool else 0.0
            if pred.name != name and max(pred.confidence, mass) >= FOLLOW_UP_SWITCH:
                name, switched = ctx.read_as.get(pred.name, pred.name), True
        refers_back = switched or bool(vocab.pronouns.search(seg) or vocab.followup_starters.search(seg))
        it = self.intents[name]
        named = [v for _, v in rd._ordered_ids(ctx, skel.sentences, set(cond))]
        named.sort(key=lambda v: min(p for p, vv in skel.var_of.items() if vv == v))
        new = Plan(intent=name, tool=it.spec.tool, confidence=prev.confidence, asks=prev.asks,
                   negated=prev.negated)
        # carry the previous arguments over, variable slots by position
        old_vars = [prev.args.get(s) for s in old.of("variable")]
        for slot, kind in it.slots.items():
            if kind == "variable":
                k = it.of("variable").index(slot)
                if k < len(old_vars) and old_vars[k]:
                    new.args[slot] = old_vars[k]
            elif slot in prev.args and (kind == old.slots.get(slot) or slot in old.slots):
                new.args[slot] = prev.args[slot]
        if switched and it.polarity and new.asks is None:
            new.asks = "independent"
        self._options(new, it, ctx, seg)  # "… using FCI", "at alpha 0.01"
        drop = bool(vocab.followup_drop.search(seg))
        given_slot = next(iter(it.of("given")), None)
        if given_slot:
            current = list(new.args.get(given_slot) or [])
            if cond:
                if vocab.followup_replace.search(seg) and not vocab.followup_additive.search(seg):
                    current = cond
                else:
                    current = list(dict.fromkeys([*current, *cond]))
                new.changed.append(given_slot)
            if drop:
                gone = [v for v in named if v in current] or ([] if named else list(current))
                current = [g for g in current if g not in gone]
                named = [v for v in named if v not in gone]
                new.changed.append(given_slot)
            if given_slot in new.args or given_slot in new.changed:
                new.args[given_slot] = current
        var_slots = it.of("variable")
        if var_slots:
            unmatched = rd._unmatched_slot_words(ctx, seg)
            if unmatched and len(named) < len(var_slots):
                new.missing.append("; ".join(rd._could_not_match(w, ctx.variables) for w in unmatched))
                new.notes.append(f"read as a follow-up of the previous question ({prev.describe()})")
                return new
            if len(named) > len(var_slots):
                new.missing.append(
                    "which variables to condition on: the question names " + ", ".join(named)
                    + " but only two can be tested against each other"
                )
                return new
        list_slot = next(iter(it.of("variables")), None)
        if list_slot and not var_slots and named:
            before = list(new.args.get(list_slot) or [])
            if vocab.followup_additive.search(seg):
                new.args[list_slot] = list(dict.fromkeys([*before, *named]))
            else:
                new.args[list_slot] = named if len(named) >= 2 else list(dict.fromkeys([*before, *named]))
            new.changed.append(list_slot)
        elif named and var_slots:
            current_vars = [new.args.get(s) for s in var_slots]
            fresh = [v for v in named if v not in current_vars]
            if len(named) >= len(var_slots):
                for s, v in zip(var_slots, named):
                    new.args[s] = v
                new.changed.extend(var_slots)
            elif fresh:
                target = _last_changed_slot(prev, var_slots)
                new.args[target] = fresh[0]
                new.changed.append(target)
        tv = it.of("treatment_values")
        if len(tv) >= 2:
            values = [v for v in rd._treatment_values(seg, vocab) if v[0] != v[1]]
            if values:
                new.args[tv[0]], new.args[tv[1]] = values[0][0], values[0][1]
                new.changed.append(",".join(tv))
            elif tv[0] not in new.args:
                new.args[tv[0]], new.args[tv[1]] = 0.0, 1.0
                new.notes.append("no treatment values given: using 0 -> 1")
        if not new.changed and not drop and not refers_back:
            return None  # nothing in the question refers back to the previous one
        chosen = [new.args.get(s) for s in var_slots]
        if var_slots and (None in chosen or len(set(chosen)) < len(chosen)):
            return None
        for slot in it.slots:  # slots the new intent does not have are gone
            if slot not in it.arg_names:
                new.args.pop(slot, None)
        new.args = {k: v for k, v in new.args.items() if k in it.arg_names}
        if not it.polarity:
            new.asks = None
        new.notes.append(f"follow-up of the previous question: {self.describe(new)}")
        return new


_ALPHA_NAMES = frozenset({"alpha", "significance", "level"})
_CHOICE_WHAT = {"algorithms": "algorithm", "ci_tests": "CI test choice", "estimators": "estimator choice"}


_KIND_WORDS = {"algorithms": ("algorithm",), "ci_tests": ("test",), "estimators": ("method", "estimator")}


def _kind_fits(seg: str, word: str, registry: Any, slots: Sequence[Any]) -> bool:
    """Whether an unknown choice word belongs to ``registry``'s slot: the kind word after it says
    which ('the foobar test'), else the intent's first choice slot takes it."""
    m = re.search(BOUND_L + re.escape(word) + r" (\w+)", seg)
    after = m.group(1).rstrip("s") if m else ""
    for reg, words in _KIND_WORDS.items():
        if after in words and reg in slots:
            return reg == registry
    return bool(slots) and slots[0] == registry


def _named_twice(skel: rd._Skeleton, sentence: str, var: str) -> bool:
    """Is ``var`` named at least twice in ``sentence`` ('are smoking and smoking independent?')?"""
    return sum(skel.var_of.get(int(m.group(1))) == var for m in PLACEHOLDER.finditer(sentence)) >= 2


def _bad_alpha(value: float | None) -> str | None:
    """The one-line reason a stated significance level cannot be used (the tools' own check)."""
    if value is None:
        return None
    from ..errors import CausalAgentError
    from ..independence import check_alpha

    try:
        check_alpha(int(value) if float(value).is_integer() else value)
    except CausalAgentError as exc:
        return f"{exc}; say e.g. 'at alpha 0.05' or 'at the 5% level'"
    return None


def _not_english(language: str) -> str:
    seems = f"This looks like {language}: the" if language else "The"
    return (f"{seems} offline model understands only English questions; ask in English, or use an LLM "
            "with --model (e.g. ollama:<model>).")


def _excluded_message(name: str, reason: str | None) -> str:
    """Why a column is left out of analysis, and what to do about it."""
    why = re.sub(r"\bnp\.\w+\((.*?)\)", r"\1", reason or "it is left out").rstrip(".")  # np.float64(1.0)
    if why.startswith("identifier column"):
        detail = why[len("identifier column"):].strip()
        return (f"{name} is left out because it looks like an identifier{' ' + detail if detail else ''}; "
                f"use --include {name} to analyse it")
    if why.startswith(("constant", "every value is missing")):
        because = why if why.startswith("every") else "it is " + why
        return f"{name} is left out because {because}, so it cannot be analysed; leave it out of the question"
    return f"{name} is left out of analysis ({why}); use --include {name} to analyse it"


def _excluded_named(text: str, mentions: Sequence[rd.Mention], dspans: Sequence[tuple[int, int]],
                    dataset: str | None, excluded: Mapping[str, Mapping[str, str | None]] | None,
                    vocab: Vocabulary, strict: bool) -> str | None:
    """The message for the left-out columns the question names. ``strict`` (the question is
    otherwise complete): only a full name that is no ordinary word ('patient_id', not 'index')."""
    if not excluded:
        return None
    taken = [(m.start, m.end) for m in mentions] + list(dspans)
    order = [dataset] if dataset in excluded else []
    order += [d for d in excluded if d != dataset]
    for ds in order:
        columns = excluded.get(ds) or {}
        found = [
            m for m in rd.find_mentions(text, list(columns), vocab)
            if not any(m.start < e and s < m.end for s, e in taken)
        ]
        if strict:  # a complete question: only a full name, and an ordinary word only as a slot
            found = [m for m in found if m.how != "partial" and (
                "".join(rd._name_tokens(m.var)) not in vocab.partial_generic | vocab.stopwords
                or _after_connector(text, m.start))]
        if found:
            names = list(dict.fromkeys(m.var for m in found))
            return "; ".join(_excluded_message(n, columns[n]) for n in names) + "."
    return None


_CUED = re.compile(BOUND_L + r"(?:using|with|via|by|through|run(?:ning)?|apply(?:ing)?) (?:the |a |an )?$")
_NAMED = re.compile(r" ?(?:algorithm|method|test|estimator)s?" + BOUND_R)


_CONNECTED = re.compile(r"(?:given|of|and|on|between|for|by|with|vs|versus|conditioning on) (?:the )?$")


def _after_connector(text: str, start: int) -> bool:
    """Does the word at ``start`` follow a slot connector ('given index', 'of date')?"""
    return bool(_CONNECTED.search(" ".join(text[:start].lower().split()) + " "))


def _cued_choice(seg: str, table: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """A known value named as a choice: right after a cue ('using ges', 'with the KCI') or before
    a kind word ('the GES algorithm'). A bare word ('a linear effect') is not a choice."""
    for value, names in table:
        for n in names:
            for m in (_name_pattern(n).finditer(seg) if n else ()):
                if _CUED.search(seg[: m.start()]) or _NAMED.match(seg, m.end()):
                    return value
    return None


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.findall(r"[a-z0-9]+", name.lower())]
    return re.compile(BOUND_L + r"[\s\-_']*".join(words) + BOUND_R) if words else re.compile(r"(?!x)x")


def _choice(seg: str, table: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The value whose name (or label, or alias) the segment uses; the longest name wins."""
    best: tuple[int, str] | None = None
    for value, names in table:
        for n in names:
            if n and _name_pattern(n).search(seg) and (best is None or len(n) > best[0]):
                best = (len(n), value)
    return best[1] if best else None


def _misspelt_choice(ctx: rd._Context, seg: str, table: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """A word after a choice cue ('using chowlu') close to a known value: passed on as written, so
    the tool's one-line error names the known values, instead of a silent default."""
    from ..names import edit_distance

    names = {n.lower() for v, ns in table for n in (v, *ns)}
    for m in re.finditer(BOUND_L + ctx.vocab.choice_cue, seg):
        words = re.findall(r"[a-z][a-z0-9\-]*", seg[m.start():])
        cue = words[0] if words else ""
        for k, word in enumerate(words[1:4], start=1):  # the words after the cue
            if len(word) < 3 or word in ctx.vocab.stopwords or word in names:
                continue
            near = len(word) >= 4 and any(
                edit_distance(word, n, 2) <= (1 if len(n) <= 5 else 2) for n in names if len(n) >= 3)
            # "using foobar", "with the foobar algorithm": a name, even if no plugin has it
            named = (cue in ("using", "via") and k == 1) or (
                k + 1 < len(words) and words[k + 1] in ("algorithm", "method", "test", "estimator"))
            if near or (named and word not in ctx.vocab.function_words):
                return word
    return None


def _integer_slot(it: _Intent, slot: str) -> bool:
    return it.types.get(slot) == "integer"


def _number_after(ctx: rd._Context, seg: str, slot: str) -> float | None:
    m = re.search(BOUND_L + re.escape(slot.lower().replace("_", " ")) + r"\s*(?:=|of|is|:)?\s*("
                  + ctx.vocab.number_re + ")", seg)
    return rd._parse_number(m.group(1), ctx.vocab) if m else None


def _direction(ctx: rd._Context, seg: str, allowed: set[str]) -> tuple[str | None, str | None]:
    """(from, to) of a directional phrase ('the effect of X on Y', 'Y is caused by X', 'treatment
    X'), for the first and second variable slot; None where the text says nothing."""
    skel = ctx.skeleton
    roles: dict[str, str] = {}
    for pat, slot in ctx.vocab.roles:
        for m in pat.finditer(seg):
            gd = m.groupdict()
            for key, role in (("T", "from"), ("O", "to")):
                if gd.get(key) is not None and role not in roles:
                    var = skel.var_of[int(gd[key])]
                    if var in allowed and var not in roles.values():
                        roles[role] = var
    if len(roles) < 2:
        for pat in ctx.vocab.cause_direction:
            m = pat.search(seg)
            if m:
                gx, gy = skel.var_of[int(m.group("X"))], skel.var_of[int(m.group("Y"))]
                if gx != gy and {gx, gy} <= allowed and roles.get("from", gx) == gx and roles.get("to", gy) == gy:
                    return gx, gy
    return roles.get("from"), roles.get("to")


def _last_changed_slot(prev: Plan, slots: Sequence[str]) -> str:
    for s in reversed(prev.changed):
        if s in slots:
            return s
    return slots[-1]


def _better(a: Plan, b: Plan) -> bool:
    """Prefer the reading with a known intent and fewer missing pieces."""
    return (a.intent is not None, -len(a.missing)) > (b.intent is not None, -len(b.missing))


#: An intent that cannot use the variables a question names gives way to one tool's intents that
#: can, when they are together at least this share as probable (``Planner._fitting``)
#: a one-variable reading whose role the phrasing states ("the descendants of X") is taken at this
#: probability when it is clear among the readings that can use one variable (``Planner._classify``)
ROLE_SAID_MIN = 0.2
FITTING_SHARE = 0.2
MARKED_FITTING_SHARE = 0.1
MARKED_EXTRA_SHARE = 0.1


def _needs(it: _Intent) -> int:
    """How many single variables an intent's slots take (a pair, a pair and a mediator …)."""
    return len(it.of("variable")) + len(it.of("mediator")) + len(it.of("adjuster"))


def _fits(it: _Intent, k: int) -> bool:
    """Can an intent use a question that names ``k`` distinct variables? Its single-variable slots
    exactly (more when a conditioning set takes the rest); a list, two or more (or none); an intent
    without variable slots (describe the data, list the graphs), none."""
    n = _needs(it)
    if n == 0:  # a list takes two or more (or none: all); an intent with no variable slot, none
        return k != 1 if it.of("variables") else k == 0
    return k >= n if it.of("given") else k == n


#: "directly" itself (not "parents", which also reads as direct): an effect asked "directly" is a direct effect
_DIRECTLY = re.compile(r"(?<![a-z])directly(?![a-z])")

#: A pair of variable slots named so is read from the phrasing's roles ("the effect of X on Y",
#: "how much does X change Y", "Y's response to X"); a question that leaves them open is asked back.
_TREATMENT_OUTCOME = frozenset({"treatment", "outcome"})

#: Slot names that are roles a user knows; other slot names (``x``, ``y``) are the tool's own
#: parameters and could read as column names, so the message about them names no slot.
_ROLE_SLOTS = frozenset({"treatment", "outcome", "cause", "effect", "mediator", "exposure"})


def _same_variable(slots: Sequence[str], var: str) -> str:
    """The one line for a pair question that names one variable twice."""
    if slots and all(s in _ROLE_SLOTS for s in slots):
        roles = " and ".join(f"the {s}" for s in slots)
        return f"{roles} are the same variable ({var}); name two different variables"
    return f"you named {var} twice; name two different variables"
