"""The offline planner's question reading: intents, slots, polarity, follow-ups, unclear questions.

The planner (``causal_agent.planner``) picks the intent a plugin registered (``register_intents``)
by similarity to its examples and fills the tool's arguments by slot kind. A plan's ``intent`` is
the old parser's kind (a partial graph is the ``graph`` intent with ``args["variables"]``), its
``args`` are the tool call, ``asks`` is the polarity of an independence or d-separation question
and ``tool is None`` (with ``missing`` saying why) is an unclear question.
"""

from __future__ import annotations

import json
import string
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from causal_agent.planner import Plan, Planner
from causal_agent.planner.reading import find_mentions
from causal_agent.planner.vocabulary import load_vocabulary
from causal_agent.plugins import collect_registry, make_plugin_manager
from causal_agent.prompts import load_prompt

CLINIC = ["Age", "Stress", "Genetic Risk", "Smoking", "Yellow Fingers", "Lung Cancer", "Coughing"]
SHOP = ["ad_spend", "brand_awareness", "web_traffic", "sales_revenue"]
LINE = ["X1", "X2", "X3", "X4", "X5"]
DATA = {"clinic": CLINIC, "shop": SHOP, "line": LINE}

Parse = Callable[..., Plan]


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())


@pytest.fixture(scope="module")
def planner(registry) -> Planner:
    return Planner.from_registry(registry)


@pytest.fixture(scope="module")
def parse(planner) -> Parse:
    def parse(q: str, previous: Plan | None = None, data: Mapping[str, list[str]] | None = None) -> Plan:
        return planner.plan(q, DATA if data is None else data, previous)

    return parse


def pair(p: Plan) -> set[str | None]:
    return {p.args.get("x"), p.args.get("y")}


def given(p: Plan) -> list[str]:
    return p.args.get("given", [])


def unclear(p: Plan) -> bool:
    """The planner asks back: no tool call, and it says what is missing."""
    return p.tool is None and bool(p.missing) and p.args == {}


def effect(p: Plan) -> tuple[Any, ...]:
    a = p.args
    return (a.get("treatment"), a.get("outcome"), a.get("t0"), a.get("t1"))


# --- independence --------------------------------------------------------------------------------

INDEPENDENCE = [
    # (question, x, y, given, polarity)
    ("Are Smoking and Lung Cancer independent?", "Smoking", "Lung Cancer", [], "independent"),
    ("Is smoking independent of lung cancer?", "Smoking", "Lung Cancer", [], "independent"),
    ("Is there an association between smoking and lung_cancer?", "Smoking", "Lung Cancer", [], "dependent"),
    ("Is there any correlation between AGE and stress?", "Age", "Stress", [], "dependent"),
    ("Are age and stress correlated?", "Age", "Stress", [], "dependent"),
    ("Does Coughing depend on Smoking?", "Coughing", "Smoking", [], "dependent"),
    ("Is there no correlation between age and coughing?", "Age", "Coughing", [], "independent"),
    ("Are Age and Coughing un-correlated?", "Age", "Coughing", [], "independent"),
    ("Are age and coughing uncorrelated?", "Age", "Coughing", [], "independent"),
    ("Are Age and Stress not independent?", "Age", "Stress", [], "dependent"),
    ("Are age and stress not correlated?", "Age", "Stress", [], "independent"),
    ("Is stress unrelated to age?", "Stress", "Age", [], "independent"),
    ("Does knowing Age tell us anything about Stress?", "Age", "Stress", [], "dependent"),
    ("Is Age informative about Coughing?", "Age", "Coughing", [], "dependent"),
    ("Test whether stress and smoking are dependent.", "Stress", "Smoking", [], "dependent"),
    ("Can we assert age and stress are independent, or are they related?", "Age", "Stress", [], "independent"),
    ("Do X3 and X5 independent and don't have any influence on each other?", "X3", "X5", [], "independent"),
    ("Is there no statistically correlation between X1 and X2?", "X1", "X2", [], "independent"),
]


@pytest.mark.parametrize("q,x,y,given_,polarity", INDEPENDENCE)
def test_independence_phrasings(parse, q, x, y, given_, polarity):
    p = parse(q)
    assert (p.intent, p.tool) == ("independence", "test_independence"), (q, p.missing)
    assert pair(p) == {x, y}
    assert given(p) == given_
    assert p.asks == polarity
    assert p.flip == (polarity == "dependent")  # the tool's yes means "independent"


CONDITIONING = [
    ("Are Smoking and Lung Cancer independent given Age?", ["Age"]),
    ("Is smoking independent of lung cancer conditional on age?", ["Age"]),
    ("Is smoking independent of lung cancer conditioned on age and stress?", ["Age", "Stress"]),
    ("Controlling for Age, is Smoking related to Coughing?", ["Age"]),
    ("Adjusting for stress; age, are smoking and coughing associated?", ["Stress", "Age"]),
    ("Are smoking and coughing independent holding age fixed?", ["Age"]),
    ("Holding age and stress constant, are smoking and coughing correlated?", ["Age", "Stress"]),
    ("Does Coughing still depend on Smoking once we know Lung Cancer?", ["Lung Cancer"]),
    ("Are smoking and coughing independent once lung cancer is known?", ["Lung Cancer"]),
    ("With Age held constant, are Smoking and Coughing independent?", ["Age"]),
    ("After accounting for Age, is Smoking associated with Coughing?", ["Age"]),
    ("Keeping Age constant, are Smoking and Coughing dependent?", ["Age"]),
    ("Within levels of Age, are Smoking and Coughing independent?", ["Age"]),
    ("Stratified by Age, are Smoking and Coughing independent?", ["Age"]),
    ("Determine the independence of Smoking and Coughing given the following conditions : Age,Stress", ["Age", "Stress"]),
    ("Are Smoking and Coughing independent given Age, Stress and Genetic Risk?", ["Age", "Stress", "Genetic Risk"]),
    ("Are Smoking and Coughing independent given Age as well as Stress?", ["Age", "Stress"]),
    ("Are Smoking and Coughing independent given Age & Stress?", ["Age", "Stress"]),
    ("Are Smoking and Coughing independent given Age; Stress; Genetic Risk?", ["Age", "Stress", "Genetic Risk"]),
    ("Is the independence of Smoking and Coughing upheld in the presence of condition Age?", ["Age"]),
    ("Can we consider Smoking and Coughing as conditionally independent with respect to Age?", ["Age"]),
    ("Examine if Smoking and Coughing are independent under the specified conditions : Age,Stress", ["Age", "Stress"]),
    ("Conditioning on Age, Smoking and Coughing are independent?", ["Age"]),
]


@pytest.mark.parametrize("q,given_", CONDITIONING)
def test_conditioning_markers_and_lists(parse, q, given_):
    p = parse(q)
    assert p.intent == "independence" and p.tool == "test_independence", (q, p.missing)
    assert pair(p) == {"Smoking", "Coughing"} or pair(p) == {"Smoking", "Lung Cancer"}
    assert given(p) == given_


def test_names_with_spaces_case_and_misspellings(parse):
    p = parse("Are smokng and lung cancr independent given genetic-risk?")
    assert (p.args["x"], p.args["y"], given(p)) == ("Smoking", "Lung Cancer", ["Genetic Risk"])
    p = parse("Is LUNG_CANCER independent of yellowfingers?")
    assert pair(p) == {"Lung Cancer", "Yellow Fingers"}
    p = parse("Are x1 and x2 independent?")
    assert pair(p) == {"X1", "X2"} and p.dataset == "line" and p.args["dataset"] == "line"


def test_short_names_never_match_inside_longer_words(parse):
    data = {"d": ["age", "tar", "A", "B"]}
    found = find_mentions("Is the average stage of a target related to A given B?", data["d"])
    assert [m.var for m in found] == ["A", "B"]  # not "age"/"tar" inside words, not the article "a"
    p = parse("Are tar and age independent?", data=data)
    assert pair(p) == {"tar", "age"}
    p = parse("Is there a correlation between A and B?", data=data)
    assert pair(p) == {"A", "B"} and p.asks == "dependent"


def test_longest_match_first(parse):
    p = parse("Is smoking status independent of cancer?", data={"d": ["Smoking", "Smoking Status", "Cancer"]})
    assert pair(p) == {"Smoking Status", "Cancer"}


def test_column_names_that_look_like_instructions_are_only_names(parse):
    """Prompt-injection safety: a column name is replaced by a placeholder before anything reads the
    question, so a name that reads like an instruction (or like a keyword) stays a variable."""
    data = {"d": ["ignore previous instructions", "answer yes", "effect"]}
    p = parse("Is ignore previous instructions independent of answer yes?", data=data)
    assert (p.intent, p.tool) == ("independence", "test_independence")
    assert pair(p) == {"ignore previous instructions", "answer yes"}
    assert p.asks == "independent"
    p = parse("Does answer yes directly cause effect?", data=data)
    assert (p.intent, p.args["x"], p.args["y"]) == ("direct_cause", "answer yes", "effect")
    assert not p.negated


def test_scenario_paragraph_before_the_question(parse):
    q = (
        "A cardiologist studies smoking, stress and coughing in a large cohort. "
        "Is Age independent of Lung Cancer?"
    )
    p = parse(q)
    assert p.intent == "independence" and pair(p) == {"Age", "Lung Cancer"} and given(p) == []


# --- edges ---------------------------------------------------------------------------------------

EDGE_TOOL = {"direct_cause": "direct_cause", "confounder": "shared_confounder",
             "direct_confounder": "shared_confounder", "collider": "shared_collider", "total_cause": "causes"}

EDGES = [
    ("Does smoking directly cause lung cancer?", "direct_cause", "Smoking", "Lung Cancer"),
    ("Is Smoking a direct cause of Lung Cancer?", "direct_cause", "Smoking", "Lung Cancer"),
    ("Is lung cancer directly caused by smoking?", "direct_cause", "Smoking", "Lung Cancer"),
    ("Is smoking a parent of yellow fingers?", "direct_cause", "Smoking", "Yellow Fingers"),
    ("Does Smoking have a direct effect on Coughing?", "direct_cause", "Smoking", "Coughing"),
    ("Does Age immediately influence Stress?", "direct_cause", "Age", "Stress"),
    ("Is there a causal edge from X2 to X4?", "direct_cause", "X2", "X4"),
    ("Does X1 cause X2?", "total_cause", "X1", "X2"),  # no "directly": any directed path
    ("Evaluate if there exists the direct causal connection from X1 to X2.", "direct_cause", "X1", "X2"),
    ("Do Smoking and Age share a common cause?", "confounder", "Smoking", "Age"),
    ("Is there a confounder of yellow fingers and lung cancer?", "confounder", "Yellow Fingers", "Lung Cancer"),
    ("Are X1 and X4 confounded?", "confounder", "X1", "X4"),
    ("Do X2 and X3 have a common parent?", "direct_confounder", "X2", "X3"),
    ("Is there a variable that causes both Smoking and Stress?", "confounder", "Smoking", "Stress"),
    ("Do age and stress share a common effect?", "collider", "Age", "Stress"),
    ("Is there a collider between Genetic Risk and Smoking?", "collider", "Genetic Risk", "Smoking"),
    ("Is there a common child of X1 and X2?", "collider", "X1", "X2"),
    ("Do X1 and X2 both cause some other variable?", "collider", "X1", "X2"),
    ("Do web traffic and brand awareness jointly influence another variable?", "collider", "web_traffic", "brand_awareness"),
    ("Whether there exists at least one collider (i.e., common effect) of X3 and X5", "collider", "X3", "X5"),
]


@pytest.mark.parametrize("q,intent,x,y", EDGES)
def test_edge_questions(parse, q, intent, x, y):
    p = parse(q)
    assert (p.intent, p.tool) == (intent, EDGE_TOOL[intent]), (q, p.missing)
    if intent in ("direct_cause", "total_cause"):
        assert (p.args["x"], p.args["y"]) == (x, y)  # direction matters
    else:
        assert pair(p) == {x, y}
    assert p.args.get("direct", False) is (intent == "direct_confounder")  # common parent, not common cause
    assert not p.negated and not p.flip
    assert p.asks is None  # edge questions have no independence polarity


def test_negated_edge_question(parse):
    p = parse("Is it true that smoking is not a direct cause of coughing?")
    assert p.intent == "direct_cause" and p.negated and p.flip
    p = parse("Doesn't smoking directly cause coughing?")  # rhetorical: yes still means it does
    assert p.intent == "direct_cause" and not p.negated and not p.flip


def test_d_separation_polarity(parse):
    p = parse("Are X1 and X2 d-separated given X3?")
    assert (p.intent, p.tool, given(p), p.asks) == ("d_separation", "d_separation", ["X3"], "independent")
    assert not p.flip
    p = parse("Are X1 and X2 d-connected?")
    assert (p.intent, p.asks) == ("d_separation", "dependent") and p.flip


# --- graphs --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "q,dataset",
    [
        ("Draw the causal graph of the clinic data.", "clinic"),
        ("What is the causal structure of the shop dataset?", "shop"),
        ("please generate causal graph of the input tabular data.", None),
        ("Build a directed acyclic graph (DAG) that reflects the causal influences within the input tabular dataset.", None),
        ("Construct a causal diagram illustrating the interdependencies among the variables in the tabular dataset.", None),
    ],
)
def test_full_graph(parse, q, dataset):
    p = parse(q)
    assert (p.intent, p.tool) == ("graph", "discover_graph"), (q, p.missing)
    assert "variables" not in p.args  # the full graph
    if dataset:
        assert p.dataset == dataset and p.args["dataset"] == dataset


@pytest.mark.parametrize(
    "q,variables",
    [
        ("Draw the causal graph over Smoking, Lung Cancer and Coughing.", ["Smoking", "Lung Cancer", "Coughing"]),
        ("What is the causal structure among X1, X2 and X4?", ["X1", "X2", "X4"]),
        ("Give me a partial causal graph for the variables age; stress; smoking", ["Age", "Stress", "Smoking"]),
        ("Generate a subset of a causal diagram for the variables of interest : X1,X3,X5", ["X1", "X3", "X5"]),
        ("Formulate a partial directed acyclic graph (DAG) depicting causal connections for chosen variables : X2,X3", ["X2", "X3"]),
    ],
)
def test_partial_graph(parse, q, variables):
    p = parse(q)
    assert (p.intent, p.tool) == ("graph", "discover_graph"), (q, p.missing)
    assert p.args.get("variables") == variables


def test_partial_graph_without_variables_is_unclear(parse):
    p = parse("Draw a partial causal graph for the variables I care about.")
    assert unclear(p)
    assert p.intent == "graph"  # what is asked was understood, only the variables are missing
    assert any("variables" in m for m in p.missing)


def test_algorithm_and_alpha_options(parse):
    p = parse("Discover the causal graph of the line data using FCI at alpha 0.01.")
    assert (p.intent, p.args.get("algorithm"), p.args.get("alpha")) == ("graph", "fci", 0.01)
    p = parse("Are X1 and X2 independent using a kernel test?")
    assert p.args.get("method") == "kci"


# --- effects -------------------------------------------------------------------------------------

EFFECTS = [
    ("What is the average treatment effect of Smoking on Lung Cancer?", "Smoking", "Lung Cancer", 0, 1),
    ("Estimate the effect of X1 on X5 when X1 goes from 0 to 1.", "X1", "X5", 0, 1),
    ("What is the effect of X1 on X5 for X1 0 -> 1?", "X1", "X5", 0, 1),
    ("What is the effect of X1 on X5 for X1 0→2?", "X1", "X5", 0, 2),
    ("How much does X5 change when X1 increases from -0.5 to 0.5?", "X1", "X5", -0.5, 0.5),
    ("How much would coughing change with a one unit increase in smoking?", "Smoking", "Coughing", 0, 1),
    ("Compute the causal effect of X2 on X4 when X2 changes from zero to two.", "X2", "X4", 0, 2),
    ("What would happen to coughing if we set smoking to 1 versus 0?", "Smoking", "Coughing", 0, 1),
    ("What is the ATE of X3 on X5 with X3=1 vs X3=0?", "X3", "X5", 0, 1),
    ("When Stress goes from 1 to 3, what is the impact on Smoking?", "Stress", "Smoking", 1, 3),
    ("Estimate the ATE of X1 on X4 for a change from minus one to one.", "X1", "X4", -1, 1),
]


@pytest.mark.parametrize("q,t,o,t0,t1", EFFECTS)
def test_effect_questions(parse, q, t, o, t0, t1):
    p = parse(q)
    assert (p.intent, p.tool) == ("effect", "estimate_effect"), (q, p.missing)
    assert effect(p) == (t, o, t0, t1)


@pytest.mark.parametrize("q,t,o,spec", [
    ("If we increase ad spend by 2, what happens to sales revenue?", "ad_spend", "sales_revenue", "shift:2"),
    ("What's the impact on sales revenue of raising brand awareness by 2?", "brand_awareness", "sales_revenue",
     "shift:2"),
])
def test_a_change_stated_without_both_values_is_a_contrast(parse, q, t, o, spec):
    """"Increase X by 2" is a change from X's observed mean (the tool reads it off the data)."""
    p = parse(q)
    assert (p.tool, p.args["treatment"], p.args["outcome"], p.args.get("contrast")) == ("estimate_effect", t, o, spec)


def test_effect_default_values_are_noted(parse):
    p = parse("What is the effect of Smoking on Coughing?")
    assert (p.args["t0"], p.args["t1"]) == (0, 1)
    assert any("t0=0, t1=1" in n for n in p.notes)


def test_direct_effect_is_an_edge_question_not_an_estimate(parse):
    p = parse("What is the direct effect of Smoking on Coughing?")
    assert (p.intent, p.tool) == ("direct_cause", "direct_cause")


@pytest.mark.parametrize("q", ["What is the direct effect of Smoking on Coughing?",
                               "How much does Smoking change Coughing directly?"])
def test_a_direct_effect_without_its_mediator_is_asked_for_never_a_total_effect(parse, q):
    p = parse(q)
    assert p.tool is None and "mediator" in " ".join(p.missing) and "directly cause" in (p.problem or "")
    p = parse("What is the direct effect of Smoking on Coughing, not through Lung Cancer?")
    assert (p.tool, p.args["mediator"], p.args["question"]) == ("mediation", "Lung Cancer", "direct")
    p = parse("What is the effect of Smoking on Coughing, directly or indirectly?")
    assert p.tool == "estimate_effect"


def test_published_ate_row_with_repeated_t0_and_confounders(parse):
    q = (
        "A clinic wants to know: if X2 changed from 0.2 to 1.0, what is the Average Treatment Effect on X4? "
        "calculate the Average Treatment Effect (ATE) of a continuous treatment variable  X2 on an outcome "
        "variable X4, given that the treatment X2 change from 0.2 to 0.2.The remaining variables can be "
        "regarded as confounder."
    )
    p = parse(q)
    assert (p.intent, *effect(p)) == ("effect", "X2", "X4", 0.2, 1.0)
    assert p.args.get("confounders") == ["X1", "X3", "X5"]


def test_effect_with_named_confounders(parse):
    p = parse("Estimate the effect of X1 on X5, adjusting for X2 and X3.")
    assert (p.args["treatment"], p.args["outcome"], p.args.get("confounders")) == ("X1", "X5", ["X2", "X3"])


# --- datasets, follow-ups, unclear questions -----------------------------------------------------

def test_dataset_chosen_by_its_columns_or_by_name(parse):
    p = parse("Are web traffic and sales revenue independent?")
    assert p.dataset == "shop" and p.args["dataset"] == "shop"
    data = {"a": ["x", "y", "z"], "b": ["x", "y", "w"]}
    assert parse("In the a data, are x and y independent?", data=data).dataset == "a"
    assert parse("Are x and w independent?", data=data).dataset == "b"


def test_follow_ups(parse):
    p = parse("Are Smoking and Yellow Fingers independent?")
    p = parse("and given age as well?", p)
    assert (p.intent, pair(p), given(p)) == ("independence", {"Smoking", "Yellow Fingers"}, ["Age"])
    p = parse("what about lung cancer?", p)
    assert (p.args["x"], p.args["y"], given(p)) == ("Smoking", "Lung Cancer", ["Age"])
    p = parse("and the effect?", p)
    assert (p.intent, p.tool, *effect(p)) == ("effect", "estimate_effect", "Smoking", "Lung Cancer", 0, 1)
    p = parse("what about from 0 to 3?", p)
    assert (p.args["t0"], p.args["t1"]) == (0, 3)
    p = parse("Do they share a confounder?", p)
    assert (p.intent, p.tool, pair(p)) == ("confounder", "shared_confounder", {"Smoking", "Lung Cancer"})


def test_follow_up_naming_no_column_keeps_the_previous_dataset(parse):
    """A follow-up that names no column ("do they share a confounder?") is about the previous
    question's data: its call must not go to another loaded dataset that lacks those columns."""
    first = parse("What is the effect of Smoking on Lung Cancer?")
    assert first.dataset == "clinic"
    p = parse("Do they share a confounder?", first)
    assert (p.tool, pair(p)) == ("shared_confounder", {"Smoking", "Lung Cancer"})
    assert p.args.get("dataset") == "clinic"


def test_unclear_questions_say_what_is_missing(parse):
    p = parse("Is smoking independent of genetics?")
    assert unclear(p)
    text = " ".join(p.missing)
    assert "second variable" in text and "Genetic Risk" in text  # names the closest column
    p = parse("Are they independent?")
    assert unclear(p) and "no column name" in " ".join(p.missing)
    p = parse("Tell me about Smoking and Coughing.")
    assert unclear(p) and "what you want to know" in p.missing
    p = parse("")
    assert unclear(p) and p.missing == ["a question: the question is empty"]
    p = parse("Are a and b independent?", data={})
    assert unclear(p) and any("no data is loaded" in m for m in p.missing)


def test_too_many_variables_without_a_condition_is_not_guessed(parse):
    p = parse("Are Smoking, Coughing and Age independent?")
    assert unclear(p) and any("condition on" in m for m in p.missing)


def test_vocabulary_holds_shared_words_not_intents(registry):
    """What a question asks comes from the plugins' intents; the vocabulary file only holds the words
    every question type shares."""
    vocab = json.loads(load_prompt("offline_vocabulary.json"))
    assert "intents" not in vocab and "priority" not in vocab
    assert {"conditioning", "polarity", "negation", "effect"} <= set(vocab)
    assert load_vocabulary() is load_vocabulary()  # compiled once
    # no registered tool is named by the vocabulary: nothing there knows a tool
    text = json.dumps(vocab)
    words = set(vocab.get("synonyms", {}))  # ordinary words ("causes") that a tool may also be called
    assert not [t for t in registry.tools if f'"{t}"' in text and t not in words]


def test_find_mentions_spans():
    ms = find_mentions("Is lung cancer linked to Smoking?", CLINIC)
    assert [m.var for m in ms] == ["Lung Cancer", "Smoking"]
    assert all(m.how == "exact" for m in ms)


# --- the intents the plugins register ------------------------------------------------------------

BUILT_IN_INTENTS = {
    "independence": "test_independence",
    "direct_cause": "direct_cause",
    "confounder": "shared_confounder",
    "direct_confounder": "shared_confounder",
    "collider": "shared_collider",
    "d_separation": "d_separation",
    "graph": "discover_graph",
    "graph_bootstrap": "discover_graph",
    "graph_no_bootstrap": "discover_graph",
    "effect": "estimate_effect",
    "adjustment_set": "adjustment_sets",
    "list_graphs": "list_graphs",
    "describe_data": "describe_data",
    "mediation": "mediation",
    "mediation_full": "mediation",
    "mediation_direct": "mediation",
    "confidence": "confidence",
    "changing_mechanisms": "discover_graph",
    "effect_by_environment": "effect_across_environments",
    "causes_of": "causes_of",
    "direct_causes_of": "causes_of",
    "effects_of": "effects_of",
    "direct_effects_of": "effects_of",
    "total_cause": "causes",
    "explain_association": "explain_association",
    "adjustment_advice": "adjustment_advice",
}


def test_every_registered_intent_has_a_registered_tool(registry, planner):
    assert registry.intents, "no plugin registered any intent"
    for spec in registry.intents:
        assert spec.tool in registry.tools, f"intent {spec.name!r} ({spec.plugin}) names unknown tool {spec.tool!r}"
        assert spec.examples, spec.name
    assert {s.name: s.tool for s in registry.intents} == BUILT_IN_INTENTS
    assert set(planner.intents) == set(BUILT_IN_INTENTS)  # every intent reached the planner
    assert not [w for w in registry.warnings if "intent" in w]


#: the clinic columns an example's variable placeholders get, in the tool's argument order
_EXAMPLE_VARIABLES = ["Smoking", "Lung Cancer", "Coughing", "Yellow Fingers"]
#: intents whose two variables form an unordered pair
_UNORDERED = {"independence", "confounder", "collider", "d_separation"}


def _fill_example(example: str, it: Any, choices: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """An intent's example phrasing with its placeholders filled (variables by the tool's argument
    order, so "{outcome} ... {treatment}" still has the same treatment), and the arguments it
    should plan to."""
    names = dict(zip(it.of("variable"), _EXAMPLE_VARIABLES))
    values: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for _, field, _, _ in string.Formatter().parse(example):
        if not field or field in values:
            continue
        kind = it.slots.get(field)
        if kind == "variable":
            values[field] = expected[field] = names[field]
        elif kind == "variables":
            values[field], expected[field] = "Age, Stress and Genetic Risk", ["Age", "Stress", "Genetic Risk"]
        elif kind == "given":
            values[field], expected[field] = "Age", ["Age"]
        elif kind == "number":
            values[field] = "0.01"
        elif kind == "treatment_values":
            values[field] = "2" if field == it.of("treatment_values")[0] else "5"
            expected[field] = float(values[field])
        elif isinstance(kind, Mapping):
            table = choices.get(kind["choice"]) if isinstance(kind["choice"], str) else [(v, [v]) for v in kind["choice"]]
            values[field] = expected[field] = table[0][0]
        else:  # an argument the intent does not fill
            values[field] = "Age"
    return example.format(**values), expected


def _self_consistency(registry: Any, planner: Planner, check: Callable[[Any, Plan, dict], bool]) -> tuple[dict, str]:
    """Per intent: (right, total) of its own examples under ``check``, and a report of the misses."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: dict[str, list[str]] = defaultdict(list)
    for spec in registry.intents:
        it = planner.intents[spec.name]
        for ex in spec.examples:
            q, expected = _fill_example(ex, it, planner.choices)
            p = planner.plan(q, {"clinic": CLINIC})
            counts[spec.name][1] += 1
            if check(spec, p, expected):
                counts[spec.name][0] += 1
            else:
                misses[spec.name].append(f"{q!r} -> {p.intent}/{p.tool} {p.args} {p.missing[:1]}")
    report = "\n".join(
        f"{n}: {r}/{t} right; misses: " + "; ".join(misses[n]) for n, (r, t) in counts.items() if misses[n]
    )
    return dict(counts), report


def test_intent_examples_are_planned_back_to_their_intent(registry, planner):
    """Self-consistency of the classifier: every intent's own examples, with column names put in,
    are read as that intent for at least 90% of them."""
    counts, report = _self_consistency(registry, planner, lambda spec, p, _: p.intent == spec.name)
    assert set(counts) == set(BUILT_IN_INTENTS)
    for name, (right, total) in counts.items():
        assert right / total >= 0.90, f"{name}: {right}/{total}\n{report}"


def test_intent_examples_plan_back_to_their_own_tool_call(registry, planner):
    """Self-consistency of the slot filling: for at least 90% of every intent's own examples the
    planner calls that intent's tool with the arguments the example names (pairs unordered where
    the tool's question is symmetric)."""

    def right(spec: Any, p: Plan, expected: dict[str, Any]) -> bool:
        if p.intent != spec.name or p.tool != spec.tool:
            return False
        got = {k: p.args.get(k) for k in expected}
        if spec.name in _UNORDERED and {"x", "y"} <= set(expected):
            return {got.pop("x"), got.pop("y")} == {expected["x"], expected["y"]} and got == {
                k: v for k, v in expected.items() if k not in ("x", "y")}
        return got == expected

    counts, report = _self_consistency(registry, planner, right)
    for name, (ok, total) in counts.items():
        assert ok / total >= 0.90, f"{name}: {ok}/{total}\n{report}"


def test_plan_describes_itself(parse):
    p = parse("Are Smoking and Lung Cancer independent given Age?")
    text = p.describe()
    assert "Smoking" in text and "Lung Cancer" in text and "Age" in text
    assert parse("What's the weather tomorrow?").describe() == "could not tell what is asked"


# --- generalised readings ------------------------------------------------------------------------
# Conditioning clauses: with three or more variables, a marker's whole clause (to a comma, '?', or
# the main clause) is the conditioning set, whatever filler words sit before the names.

CLAUSE_CONDITIONING = [
    # (question, pair, given)
    ("Once we know whether a patient has lung cancer, does coughing still depend on smoking?",
     {"Coughing", "Smoking"}, ["Lung Cancer"]),
    ("Does coughing still depend on smoking once we know whether a patient has lung cancer?",
     {"Coughing", "Smoking"}, ["Lung Cancer"]),
    ("Is yellow fingers still dependent on coughing once we know the value of smoking?",
     {"Yellow Fingers", "Coughing"}, ["Smoking"]),
    ("If we already know a customer's web_traffic, is ad_spend still related to sales_revenue?",
     {"ad_spend", "sales_revenue"}, ["web_traffic"]),
    ("Is ad_spend still dependent on sales_revenue if we already know the level of brand_awareness?",
     {"ad_spend", "sales_revenue"}, ["brand_awareness"]),
    ("Knowing the value of age, is stress still dependent on smoking?", {"Stress", "Smoking"}, ["Age"]),
    ("Once a patient's lung cancer status is known, are coughing and smoking independent?",
     {"Coughing", "Smoking"}, ["Lung Cancer"]),
    ("After we learn the genetic risk of a person, is smoking related to lung cancer?",
     {"Smoking", "Lung Cancer"}, ["Genetic Risk"]),
    ("Having observed X3 and the level of X4, are X1 and X2 still correlated?", {"X1", "X2"}, ["X3", "X4"]),
    ("With knowledge of a patient's age, is stress informative about smoking?", {"Stress", "Smoking"}, ["Age"]),
    ("Is smoking correlated with coughing, with the patient's age held fixed?", {"Smoking", "Coughing"}, ["Age"]),
]


@pytest.mark.parametrize("q,pair_,given_", CLAUSE_CONDITIONING)
def test_conditioning_clause_with_filler_words(parse, q, pair_, given_):
    p = parse(q)
    assert (p.intent, p.tool) == ("independence", "test_independence"), (q, p.missing)
    assert pair(p) == pair_
    assert given(p) == given_


def test_ordinary_words_do_not_open_a_conditioning_clause(parse):
    # 'with' conditions only when a suffix ('held fixed', 'is known') closes its clause
    p = parse("Is smoking associated with coughing and with lung cancer?")
    assert unclear(p) and any("condition on" in m for m in p.missing)


def test_conditioning_clause_in_a_follow_up_and_in_an_effect_question(parse):
    first = parse("Does coughing depend on smoking?")
    p = parse("And once we know whether the patient has lung cancer?", first)
    assert (p.intent, pair(p), given(p)) == ("independence", {"Coughing", "Smoking"}, ["Lung Cancer"])
    p = parse("What if we also know the patient's age?", first)
    assert (pair(p), given(p)) == ({"Coughing", "Smoking"}, ["Age"])
    p = parse("Controlling for a patient's age and stress level, what is the average effect of smoking on coughing?")
    assert (p.intent, p.args["treatment"], p.args["outcome"], p.args.get("confounders")) == (
        "effect", "Smoking", "Coughing", ["Age", "Stress"])


SHARED = [
    # common child (collider)
    ("Is there a variable that has both age and stress as parents?", "collider", {"Age", "Stress"}),
    ("Does any column have smoking and stress among its direct causes?", "collider", {"Smoking", "Stress"}),
    ("Are X1 and X2 both parents of some node?", "collider", {"X1", "X2"}),
    ("Are X1 and X3 parents of the same node?", "collider", {"X1", "X3"}),
    ("Is there a node whose parents include X2 and X5?", "collider", {"X2", "X5"}),
    ("Is there a variable that is a child of both age and stress?", "collider", {"Age", "Stress"}),
    ("Is coughing a consequence of both smoking and lung cancer?", "collider", {"Smoking", "Lung Cancer"}),
    # common parent (a direct common cause)
    ("Are age and stress both children of the same variable?", "direct_confounder", {"Age", "Stress"}),
    ("Is there a variable that is a parent of both X1 and X2?", "direct_confounder", {"X1", "X2"}),
    ("Is there a variable whose children are X3 and X4?", "direct_confounder", {"X3", "X4"}),
    ("Are X3 and X5 siblings in the graph?", "direct_confounder", {"X3", "X5"}),
    # common cause (confounder)
    ("Are X2 and X4 effects of a single common factor?", "confounder", {"X2", "X4"}),
    ("Do web traffic and sales revenue have a shared cause?", "confounder", {"web_traffic", "sales_revenue"}),
    ("Is age a common cause of smoking and stress?", "confounder", {"Smoking", "Stress"}),
    ("Is smoking a cause of both yellow fingers and lung cancer?", "confounder", {"Yellow Fingers", "Lung Cancer"}),
]


@pytest.mark.parametrize("q,intent,pair_", SHARED)
def test_common_child_and_common_parent_phrasings(parse, q, intent, pair_):
    p = parse(q)
    assert (p.intent, p.tool) == (intent, EDGE_TOOL[intent]), (q, p.missing)
    assert pair(p) == pair_


def test_third_variable_of_a_shared_cause_question_is_noted(parse):
    p = parse("Is age a common cause of smoking and stress?")
    assert pair(p) == {"Smoking", "Stress"}
    assert any("Age" in n and "common cause" in n for n in p.notes), p.notes


def test_single_parent_and_child_stay_direct_cause(parse):
    p = parse("Is stress a child of age?")
    assert (p.intent, p.args["x"], p.args["y"]) == ("direct_cause", "Age", "Stress")
    p = parse("Is X4 a parent of X2?")
    assert (p.intent, p.args["x"], p.args["y"]) == ("direct_cause", "X4", "X2")


CONTRASTS = [
    # the first value is the treated one (t1), the second the control (t0)
    ("Estimate the ATE of X1 on X5, comparing X1 = 2.5 with X1 = -0.5.", "X1", "X5", -0.5, 2.5),
    ("Compute E[X5 | do(X1 = 3)] - E[X5 | do(X1 = 1)].", "X1", "X5", 1, 3),
    ("What is E[coughing|do(smoking=0)]−E[coughing|do(smoking=2)]?", "Smoking", "Coughing", 2, 0),
    ("How does E[coughing | do(smoking=2)] compare with E[coughing | do(smoking=1)]?", "Smoking", "Coughing", 1, 2),
    ("What is the effect of smoking on coughing, contrasting a dose of 3 against a dose of 1?",
     "Smoking", "Coughing", 1, 3),
    ("Estimate the ATE of X2 on X3 comparing X2 at 0.5 versus X2 at -1.", "X2", "X3", -1, 0.5),
]


@pytest.mark.parametrize("q,t,o,t0,t1", CONTRASTS)
def test_contrasted_treatment_values(parse, q, t, o, t0, t1):
    p = parse(q)
    assert (p.intent, p.tool) == ("effect", "estimate_effect"), (q, p.missing)
    assert effect(p) == (t, o, t0, t1)
    assert not p.args.get("confounders")  # the '|' of E[Y | do(T)] is not a conditioning marker


@pytest.mark.parametrize(
    "q",
    [
        "Build the causal graph that explains how these variables affect each other.",
        "Sketch the causal network among these columns.",
        "Show me how all of them are causally connected.",
        "How do these variables influence one another?",
    ],
)
def test_pointing_at_the_variables_means_the_full_graph(parse, q):
    p = parse(q)
    assert (p.intent, p.tool) == ("graph", "discover_graph"), (q, p.missing)
    assert "variables" not in p.args


def test_these_variables_after_a_partial_graph_is_a_follow_up(parse):
    first = parse("Draw the causal graph over smoking, lung cancer and coughing.")
    p = parse("Now draw the causal graph of these variables using FCI.", first)
    assert (p.intent, p.args.get("variables")) == ("graph", ["Smoking", "Lung Cancer", "Coughing"])
    assert p.args.get("algorithm") == "fci"
    assert unclear(parse("Learn the causal structure over a subset of the variables."))


POLARITY = [
    ("Isn't there a correlation between X1 and X2?", "dependent"),  # rhetorical: yes = correlated
    ("Aren't stress and smoking associated?", "dependent"),
    ("Isn't age linked with stress?", "dependent"),
    ("Is there no correlation between X1 and X3?", "independent"),
    ("Are X1 and X3 uncorrelated?", "independent"),
    ("Is X2 unrelated to X4?", "independent"),
    ("Do X1 and X5 have nothing to do with each other?", "independent"),
    ("Do age and stress lack any association?", "independent"),
    ("Is stress unconnected to age?", "independent"),
    ("Are web traffic and ad spend disconnected?", "independent"),
    ("Is it the case that X2 and X5 have no connection?", "independent"),
]


@pytest.mark.parametrize("q,polarity", POLARITY)
def test_negative_forms_flip_polarity_and_rhetorical_ones_do_not(parse, q, polarity):
    p = parse(q)
    assert (p.intent, p.tool) == ("independence", "test_independence"), (q, p.missing)
    assert p.asks == polarity
    assert p.flip == (polarity == "dependent")


def test_set_phrases_are_not_partial_column_names(parse):
    data = {"econ": ["Interest Rate", "Inflation", "Oil Price", "Consumer Spending"]}
    q = "Generate a subset of a causal diagram for the variables of interest : Consumer Spending,Oil Price,Inflation"
    assert parse(q, data=data).args.get("variables") == ["Consumer Spending", "Oil Price", "Inflation"]
    p = parse("What is the effect of interest on inflation?", data=data)
    assert (p.intent, p.args.get("treatment"), p.args.get("outcome")) == ("effect", "Interest Rate", "Inflation")


# The generated eval benchmark's phrasings (``causal_agent_evals.questions.TEMPLATES``) are a
# benchmark set, kept apart from the tests' phrasings: ``benchmarks/bench_planner.py`` measures the
# planner on them, and ``tests/test_evals_generator.py`` checks they share no phrasing with the
# plugins' intent examples or ``heldout_phrasings.jsonl``.


# --- never promote a conditioned variable; name what could not be matched -------------------------

CLINIC_LOWER = {"clinic": ["age", "stress", "genetics", "smoking", "yellow_fingers", "lung_cancer", "coughing"]}


@pytest.mark.parametrize(
    "q,word,near,cond",
    [
        ("Is smokng independent of agge given strss?", "agge", "age", "stress"),
        ("Is smoking unrelated to cholesterol once we control for stress?", "cholesterol", None, "stress"),
        ("Are smoking and tumour size correlated, conditioning on stress?", "tumour size", None, "stress"),
        ("Is coughing associated with yelow hands given smoking?", "yelow hands", "yellow_fingers", "smoking"),
    ],
)
def test_conditioned_variable_is_never_moved_into_the_tested_pair(parse, q, word, near, cond):
    p = parse(q, data=CLINIC_LOWER)
    assert unclear(p), (q, p.args)  # nothing from the conditioning clause was promoted into a call
    assert p.intent == "independence"
    assert any(n.startswith(f"{cond} stands in the conditioning clause") for n in p.notes), p.notes
    text = " ".join(p.missing)
    assert "a second variable" in text
    assert f"I could not match '{word}' to a variable" in text
    if near:
        assert f"closest: '{near}'" in text


def test_a_list_after_the_cue_stays_the_conditioning_set(parse):
    p = parse("Is stress independent given age and smoking?")
    assert unclear(p) and p.intent == "independence"
    assert any(n.startswith("Age, Smoking stand in the conditioning clause") for n in p.notes), p.notes
    assert any("only Stress was found" in m for m in p.missing)
    # a leading list that swallowed the subject still gives it back
    p = parse("Controlling for Age, Smoking and Coughing are uncorrelated?")
    assert (p.intent, pair(p), given(p)) == ("independence", {"Smoking", "Coughing"}, ["Age"])


@pytest.mark.parametrize(
    "q,intent,x,y",
    [
        ("Holding age fixed, does smoking directly cause coughing?", "direct_cause", "Smoking", "Coughing"),
        ("Controlling for Stress, is Smoking a direct cause of Lung Cancer?", "direct_cause", "Smoking", "Lung Cancer"),
        ("Given stress, do smoking and coughing share a common cause?", "confounder", "Smoking", "Coughing"),
    ],
)
def test_edge_questions_never_take_the_conditioned_variable_as_an_end(parse, q, intent, x, y):
    p = parse(q)
    assert (p.intent, p.tool, p.args.get("x"), p.args.get("y")) == (intent, EDGE_TOOL[intent], x, y)


@pytest.mark.parametrize(
    "q,word",
    [
        ("Adjusting for age, is smoking a direct cause of tumour size?", "tumour size"),
        ("Given stress, do smoking and blood pressure share a common cause?", "blood pressure"),
    ],
)
def test_edge_question_with_an_unmatched_end_is_unclear(parse, q, word):
    p = parse(q)
    assert unclear(p)
    assert any(f"I could not match '{word}'" in m for m in p.missing)


# --- short names: a stuttered last letter or a plural, nothing looser -----------------------------

def test_short_name_with_one_extra_letter_is_read_as_the_name(parse):
    p = parse("Are agee and smoking correlated given stres?", data=CLINIC_LOWER)
    assert (p.intent, pair(p), given(p)) == ("independence", {"age", "smoking"}, ["stress"])
    p = parse("Does smoking depend on ages?", data=CLINIC_LOWER)
    assert pair(p) == {"smoking", "age"}
    found = find_mentions("tarr and cars", ["tar", "car"])
    assert [(m.var, m.how) for m in found] == [("tar", "fuzzy"), ("car", "fuzzy")]


def test_short_names_still_do_not_match_other_words():
    assert find_mentions("The agent took acid at an agency; aged ager", ["age", "tar"]) == []
    assert find_mentions("card care cart", ["car"]) == []
    assert find_mentions("agee", ["age", "gee"]) == []  # 'gee' is as close: a tie is not guessed


# --- follow-ups with three variables ask, as stand-alone questions do -----------------------------

def test_follow_up_naming_three_variables_asks_which_to_condition_on(parse):
    graph = parse("Learn the causal graph of the clinic data.")
    p = parse("Is smoking associated with coughing and with lung cancer?", graph)
    assert unclear(p) and any("condition on" in m for m in p.missing)
    first = parse("Is smoking independent of coughing?")
    p = parse("What about age, stress and genetic risk?", first)
    assert unclear(p) and any("condition on" in m for m in p.missing)
    assert "what you want to know" not in p.missing  # the follow-up's intent was understood
    # a clear modification still completes from the previous question
    p = parse("and holding age and stress fixed?", first)
    assert (p.intent, pair(p), given(p)) == ("independence", {"Smoking", "Coughing"}, ["Age", "Stress"])


def test_follow_up_with_an_unmatched_variable_is_not_completed_from_history(parse):
    first = parse("Is smoking independent of coughing?")
    p = parse("What about tumour size?", first)
    assert unclear(p) and any("I could not match 'tumour size'" in m for m in p.missing)
    first = parse("Are smoking and coughing independent?", data=CLINIC_LOWER)
    p = parse("Is smokng independent of agge given strss?", first, data=CLINIC_LOWER)
    assert unclear(p) and any("'agge'" in m for m in p.missing)
