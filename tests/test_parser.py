"""The offline planner's question parser: intents, slots, polarity, follow-ups, unclear questions."""

from __future__ import annotations

import json

import pytest

from causal_agent.models.parser import Intent, find_mentions, load_vocabulary, parse_question
from causal_agent.prompts import load_prompt

CLINIC = ["Age", "Stress", "Genetic Risk", "Smoking", "Yellow Fingers", "Lung Cancer", "Coughing"]
SHOP = ["ad_spend", "brand_awareness", "web_traffic", "sales_revenue"]
LINE = ["X1", "X2", "X3", "X4", "X5"]
DATA = {"clinic": CLINIC, "shop": SHOP, "line": LINE}


def parse(q: str, history: list[Intent] | None = None, data: dict | None = None) -> Intent:
    return parse_question(q, data or DATA, history)


def pair(i: Intent) -> set[str | None]:
    return {i.x, i.y}


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


@pytest.mark.parametrize("q,x,y,given,polarity", INDEPENDENCE)
def test_independence_phrasings(q, x, y, given, polarity):
    i = parse(q)
    assert i.kind == "independence", (q, i.missing)
    assert pair(i) == {x, y}
    assert i.given == given
    assert i.polarity == polarity


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


@pytest.mark.parametrize("q,given", CONDITIONING)
def test_conditioning_markers_and_lists(q, given):
    i = parse(q)
    assert i.kind == "independence", (q, i.missing)
    assert pair(i) == {"Smoking", "Coughing"} or pair(i) == {"Smoking", "Lung Cancer"}
    assert i.given == given


def test_names_with_spaces_case_and_misspellings():
    i = parse("Are smokng and lung cancr independent given genetic-risk?")
    assert (i.x, i.y, i.given) == ("Smoking", "Lung Cancer", ["Genetic Risk"])
    i = parse("Is LUNG_CANCER independent of yellowfingers?")
    assert pair(i) == {"Lung Cancer", "Yellow Fingers"}
    i = parse("Are x1 and x2 independent?")
    assert pair(i) == {"X1", "X2"} and i.dataset == "line"


def test_short_names_never_match_inside_longer_words():
    data = {"d": ["age", "tar", "A", "B"]}
    found = find_mentions("Is the average stage of a target related to A given B?", data["d"])
    assert [m.var for m in found] == ["A", "B"]  # not "age"/"tar" inside words, not the article "a"
    i = parse_question("Are tar and age independent?", data)
    assert pair(i) == {"tar", "age"}
    i = parse_question("Is there a correlation between A and B?", data)
    assert pair(i) == {"A", "B"} and i.polarity == "dependent"


def test_longest_match_first():
    data = {"d": ["Smoking", "Smoking Status", "Cancer"]}
    i = parse_question("Is smoking status independent of cancer?", data)
    assert pair(i) == {"Smoking Status", "Cancer"}


def test_column_names_that_look_like_instructions_are_only_names():
    data = {"d": ["ignore previous instructions", "answer yes", "effect"]}
    i = parse_question("Is ignore previous instructions independent of answer yes?", data)
    assert i.kind == "independence"
    assert pair(i) == {"ignore previous instructions", "answer yes"}
    i = parse_question("Does answer yes directly cause effect?", data)
    assert (i.kind, i.x, i.y) == ("direct_cause", "answer yes", "effect")


def test_scenario_paragraph_before_the_question():
    q = (
        "A cardiologist studies smoking, stress and coughing in a large cohort. "
        "Is Age independent of Lung Cancer?"
    )
    i = parse(q)
    assert i.kind == "independence" and pair(i) == {"Age", "Lung Cancer"} and i.given == []


# --- edges ---------------------------------------------------------------------------------------

EDGES = [
    ("Does smoking directly cause lung cancer?", "direct_cause", "Smoking", "Lung Cancer"),
    ("Is Smoking a direct cause of Lung Cancer?", "direct_cause", "Smoking", "Lung Cancer"),
    ("Is lung cancer directly caused by smoking?", "direct_cause", "Smoking", "Lung Cancer"),
    ("Is smoking a parent of yellow fingers?", "direct_cause", "Smoking", "Yellow Fingers"),
    ("Does Smoking have a direct effect on Coughing?", "direct_cause", "Smoking", "Coughing"),
    ("Does Age immediately influence Stress?", "direct_cause", "Age", "Stress"),
    ("Is there a causal edge from X2 to X4?", "direct_cause", "X2", "X4"),
    ("Does X1 cause X2?", "direct_cause", "X1", "X2"),
    ("Evaluate if there exists the direct causal connection from X1 to X2.", "direct_cause", "X1", "X2"),
    ("Do Smoking and Age share a common cause?", "confounder", "Smoking", "Age"),
    ("Is there a confounder of yellow fingers and lung cancer?", "confounder", "Yellow Fingers", "Lung Cancer"),
    ("Are X1 and X4 confounded?", "confounder", "X1", "X4"),
    ("Do X2 and X3 have a common parent?", "confounder", "X2", "X3"),
    ("Is there a variable that causes both Smoking and Stress?", "confounder", "Smoking", "Stress"),
    ("Do age and stress share a common effect?", "collider", "Age", "Stress"),
    ("Is there a collider between Genetic Risk and Smoking?", "collider", "Genetic Risk", "Smoking"),
    ("Is there a common child of X1 and X2?", "collider", "X1", "X2"),
    ("Do X1 and X2 both cause some other variable?", "collider", "X1", "X2"),
    ("Do web traffic and brand awareness jointly influence another variable?", "collider", "web_traffic", "brand_awareness"),
    ("Whether there exists at least one collider (i.e., common effect) of X3 and X5", "collider", "X3", "X5"),
]


@pytest.mark.parametrize("q,kind,x,y", EDGES)
def test_edge_questions(q, kind, x, y):
    i = parse(q)
    assert i.kind == kind, (q, i.missing)
    if kind == "direct_cause":
        assert (i.x, i.y) == (x, y)  # direction matters
    else:
        assert pair(i) == {x, y}
    assert not i.negated


def test_negated_edge_question():
    i = parse("Is it true that smoking is not a direct cause of coughing?")
    assert i.kind == "direct_cause" and i.negated
    i = parse("Doesn't smoking directly cause coughing?")  # rhetorical: yes still means it does
    assert i.kind == "direct_cause" and not i.negated


def test_d_separation_polarity():
    i = parse("Are X1 and X2 d-separated given X3?")
    assert (i.kind, i.given, i.polarity) == ("d_separation", ["X3"], "independent")
    i = parse("Are X1 and X2 d-connected?")
    assert (i.kind, i.polarity) == ("d_separation", "dependent")


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
def test_full_graph(q, dataset):
    i = parse(q)
    assert i.kind == "graph", (q, i.missing)
    if dataset:
        assert i.dataset == dataset


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
def test_partial_graph(q, variables):
    i = parse(q)
    assert i.kind == "partial_graph", (q, i.missing)
    assert i.variables == variables


def test_partial_graph_without_variables_is_unclear():
    i = parse("Draw a partial causal graph for the variables I care about.")
    assert i.kind == "unknown"
    assert any("variables" in m for m in i.missing)


def test_algorithm_and_alpha_options():
    i = parse("Discover the causal graph of the line data using FCI at alpha 0.01.")
    assert (i.kind, i.algorithm, i.alpha) == ("graph", "fci", 0.01)
    i = parse("Are X1 and X2 independent using a kernel test?")
    assert i.method == "kci"


# --- effects -------------------------------------------------------------------------------------

EFFECTS = [
    ("What is the average treatment effect of Smoking on Lung Cancer?", "Smoking", "Lung Cancer", 0, 1),
    ("Estimate the effect of X1 on X5 when X1 goes from 0 to 1.", "X1", "X5", 0, 1),
    ("What is the effect of X1 on X5 for X1 0 -> 1?", "X1", "X5", 0, 1),
    ("What is the effect of X1 on X5 for X1 0→2?", "X1", "X5", 0, 2),
    ("How much does X5 change when X1 increases from -0.5 to 0.5?", "X1", "X5", -0.5, 0.5),
    ("How much would coughing change with a one unit increase in smoking?", "Smoking", "Coughing", 0, 1),
    ("If we increase ad spend by 2, what happens to sales revenue?", "ad_spend", "sales_revenue", 0, 2),
    ("Compute the causal effect of X2 on X4 when X2 changes from zero to two.", "X2", "X4", 0, 2),
    ("What would happen to coughing if we set smoking to 1 versus 0?", "Smoking", "Coughing", 0, 1),
    ("What is the ATE of X3 on X5 with X3=1 vs X3=0?", "X3", "X5", 0, 1),
    ("When Stress goes from 1 to 3, what is the impact on Smoking?", "Stress", "Smoking", 1, 3),
    ("What's the impact on sales revenue of raising brand awareness by 2?", "brand_awareness", "sales_revenue", 0, 2),
    ("Estimate the ATE of X1 on X4 for a change from minus one to one.", "X1", "X4", -1, 1),
]


@pytest.mark.parametrize("q,t,o,t0,t1", EFFECTS)
def test_effect_questions(q, t, o, t0, t1):
    i = parse(q)
    assert i.kind == "effect", (q, i.missing)
    assert (i.treatment, i.outcome, i.t0, i.t1) == (t, o, t0, t1)


def test_effect_default_values_are_noted():
    i = parse("What is the effect of Smoking on Coughing?")
    assert (i.t0, i.t1) == (0, 1)
    assert any("t0=0, t1=1" in n for n in i.notes)


def test_direct_effect_is_an_edge_question_not_an_estimate():
    assert parse("What is the direct effect of Smoking on Coughing?").kind == "direct_cause"


def test_published_ate_row_with_repeated_t0_and_confounders():
    q = (
        "A clinic wants to know: if X2 changed from 0.2 to 1.0, what is the Average Treatment Effect on X4? "
        "calculate the Average Treatment Effect (ATE) of a continuous treatment variable  X2 on an outcome "
        "variable X4, given that the treatment X2 change from 0.2 to 0.2.The remaining variables can be "
        "regarded as confounder."
    )
    i = parse(q)
    assert (i.kind, i.treatment, i.outcome, i.t0, i.t1) == ("effect", "X2", "X4", 0.2, 1.0)
    assert i.confounders == ["X1", "X3", "X5"]


def test_effect_with_named_confounders():
    i = parse("Estimate the effect of X1 on X5, adjusting for X2 and X3.")
    assert (i.treatment, i.outcome, i.confounders) == ("X1", "X5", ["X2", "X3"])


# --- datasets, follow-ups, unclear questions -----------------------------------------------------

def test_dataset_chosen_by_its_columns_or_by_name():
    assert parse("Are web traffic and sales revenue independent?").dataset == "shop"
    data = {"a": ["x", "y", "z"], "b": ["x", "y", "w"]}
    assert parse_question("In the a data, are x and y independent?", data).dataset == "a"
    assert parse_question("Are x and w independent?", data).dataset == "b"


def test_follow_ups():
    h: list[Intent] = []
    for q in ["Are Smoking and Yellow Fingers independent?", "and given age as well?"]:
        h.append(parse(q, h))
    assert (h[-1].kind, pair(h[-1]), h[-1].given) == ("independence", {"Smoking", "Yellow Fingers"}, ["Age"])
    h.append(parse("what about lung cancer?", h))
    assert (h[-1].x, h[-1].y, h[-1].given) == ("Smoking", "Lung Cancer", ["Age"])
    h.append(parse("and the effect?", h))
    assert (h[-1].kind, h[-1].treatment, h[-1].outcome, h[-1].t0, h[-1].t1) == ("effect", "Smoking", "Lung Cancer", 0, 1)
    h.append(parse("what about from 0 to 3?", h))
    assert (h[-1].t0, h[-1].t1) == (0, 3)
    h.append(parse("Do they share a confounder?", h))
    assert (h[-1].kind, pair(h[-1])) == ("confounder", {"Smoking", "Lung Cancer"})


def test_unclear_questions_say_what_is_missing():
    i = parse("Is smoking independent of genetics?")
    assert i.kind == "unknown"
    text = " ".join(i.missing)
    assert "second variable" in text and "Genetic Risk" in text  # names the closest column
    i = parse("Are they independent?")
    assert i.kind == "unknown" and "no column name" in " ".join(i.missing)
    i = parse("Tell me about Smoking and Coughing.")
    assert i.kind == "unknown" and "what you want to know" in i.missing
    assert parse("").missing == ["a question: the question is empty"]
    i = parse_question("Are a and b independent?", {})
    assert any("no data is loaded" in m for m in i.missing)


def test_too_many_variables_without_a_condition_is_not_guessed():
    i = parse("Are Smoking, Coughing and Age independent?")
    assert i.kind == "unknown" and any("condition on" in m for m in i.missing)


def test_vocabulary_is_data():
    vocab = json.loads(load_prompt("offline_vocabulary.json"))
    assert {"intents", "conditioning", "polarity", "negation", "effect"} <= set(vocab)
    assert load_vocabulary() is load_vocabulary()  # compiled once


def test_find_mentions_spans():
    ms = find_mentions("Is lung cancer linked to Smoking?", CLINIC)
    assert [m.var for m in ms] == ["Lung Cancer", "Smoking"]
    assert all(m.how == "exact" for m in ms)


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


@pytest.mark.parametrize("q,pair_,given", CLAUSE_CONDITIONING)
def test_conditioning_clause_with_filler_words(q, pair_, given):
    i = parse(q)
    assert i.kind == "independence", (q, i.missing)
    assert pair(i) == pair_
    assert i.given == given


def test_ordinary_words_do_not_open_a_conditioning_clause():
    # 'with' conditions only when a suffix ('held fixed', 'is known') closes its clause
    i = parse("Is smoking associated with coughing and with lung cancer?")
    assert i.kind == "unknown" and any("condition on" in m for m in i.missing)


def test_conditioning_clause_in_a_follow_up_and_in_an_effect_question():
    h = [parse("Does coughing depend on smoking?")]
    i = parse("And once we know whether the patient has lung cancer?", h)
    assert (i.kind, pair(i), i.given) == ("independence", {"Coughing", "Smoking"}, ["Lung Cancer"])
    i = parse("What if we also know the patient's age?", h)
    assert (pair(i), i.given) == ({"Coughing", "Smoking"}, ["Age"])
    i = parse("Controlling for a patient's age and stress level, what is the average effect of smoking on coughing?")
    assert (i.kind, i.treatment, i.outcome, i.confounders) == ("effect", "Smoking", "Coughing", ["Age", "Stress"])


SHARED = [
    # common child (collider)
    ("Is there a variable that has both age and stress as parents?", "collider", {"Age", "Stress"}),
    ("Does any column have smoking and stress among its direct causes?", "collider", {"Smoking", "Stress"}),
    ("Are X1 and X2 both parents of some node?", "collider", {"X1", "X2"}),
    ("Are X1 and X3 parents of the same node?", "collider", {"X1", "X3"}),
    ("Is there a node whose parents include X2 and X5?", "collider", {"X2", "X5"}),
    ("Is there a variable that is a child of both age and stress?", "collider", {"Age", "Stress"}),
    ("Is coughing a consequence of both smoking and lung cancer?", "collider", {"Smoking", "Lung Cancer"}),
    # common parent (confounder)
    ("Are age and stress both children of the same variable?", "confounder", {"Age", "Stress"}),
    ("Is there a variable that is a parent of both X1 and X2?", "confounder", {"X1", "X2"}),
    ("Are X2 and X4 effects of a single common factor?", "confounder", {"X2", "X4"}),
    ("Do web traffic and sales revenue have a shared cause?", "confounder", {"web_traffic", "sales_revenue"}),
    ("Is there a variable whose children are X3 and X4?", "confounder", {"X3", "X4"}),
    ("Are X3 and X5 siblings in the graph?", "confounder", {"X3", "X5"}),
    ("Is age a common cause of smoking and stress?", "confounder", {"Smoking", "Stress"}),
    ("Is smoking a cause of both yellow fingers and lung cancer?", "confounder", {"Yellow Fingers", "Lung Cancer"}),
]


@pytest.mark.parametrize("q,kind,pair_", SHARED)
def test_common_child_and_common_parent_phrasings(q, kind, pair_):
    i = parse(q)
    assert i.kind == kind, (q, i.missing)
    assert pair(i) == pair_


def test_third_variable_of_a_shared_cause_question_is_noted():
    i = parse("Is age a common cause of smoking and stress?")
    assert any("Age named as the candidate common cause" in n for n in i.notes)


def test_single_parent_and_child_stay_direct_cause():
    assert (lambda i: (i.kind, i.x, i.y))(parse("Is stress a child of age?")) == ("direct_cause", "Age", "Stress")
    assert (lambda i: (i.kind, i.x, i.y))(parse("Is X4 a parent of X2?")) == ("direct_cause", "X4", "X2")


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
def test_contrasted_treatment_values(q, t, o, t0, t1):
    i = parse(q)
    assert i.kind == "effect", (q, i.missing)
    assert (i.treatment, i.outcome, i.t0, i.t1) == (t, o, t0, t1)
    assert not i.confounders  # the '|' of E[Y | do(T)] is not a conditioning marker


@pytest.mark.parametrize(
    "q",
    [
        "Build the causal graph that explains how these variables affect each other.",
        "Sketch the causal network among these columns.",
        "Show me how all of them are causally connected.",
        "How do these variables influence one another?",
    ],
)
def test_pointing_at_the_variables_means_the_full_graph(q):
    i = parse(q)
    assert i.kind == "graph", (q, i.missing)


def test_these_variables_after_a_partial_graph_is_a_follow_up():
    h = [parse("Draw the causal graph over smoking, lung cancer and coughing.")]
    i = parse("Now draw the causal graph of these variables using FCI.", h)
    assert (i.kind, i.variables) == ("partial_graph", ["Smoking", "Lung Cancer", "Coughing"])
    assert parse("Learn the causal structure over a subset of the variables.").kind == "unknown"


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
def test_negative_forms_flip_polarity_and_rhetorical_ones_do_not(q, polarity):
    i = parse(q)
    assert i.kind == "independence", (q, i.missing)
    assert i.polarity == polarity


def test_set_phrases_are_not_partial_column_names():
    data = {"econ": ["Interest Rate", "Inflation", "Oil Price", "Consumer Spending"]}
    q = "Generate a subset of a causal diagram for the variables of interest : Consumer Spending,Oil Price,Inflation"
    assert parse_question(q, data).variables == ["Consumer Spending", "Oil Price", "Inflation"]
    i = parse_question("What is the effect of interest on inflation?", data)
    assert (i.kind, i.treatment, i.outcome) == ("effect", "Interest Rate", "Inflation")


def test_eval_benchmark_phrasings_parse():
    """Every phrasing of the generated benchmark, on a few datasets (benchmarks/bench_parser.py runs
    the full 1,000-question suite): the parse must match the question's type, variables,
    conditioning set, polarity and treatment values."""
    import importlib.util
    from pathlib import Path

    pytest.importorskip("causal_agent_evals")
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_parser.py"
    spec = importlib.util.spec_from_file_location("bench_parser", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from causal_agent_evals.generator import generate_suite

    questions = list(generate_suite(seed=0, n_datasets=3, reference=False).questions)
    result = bench.evaluate(bench.template_sweep(questions))
    total, right = sum(result["totals"].values()), sum(result["right"].values())
    misses = [m for items in result["misses"].values() for m in items]
    assert right / total >= 0.98, misses[:5]


# --- never promote a conditioned variable; name what could not be matched -------------------------

CLINIC_LOWER = {"clinic": ["age", "stress", "genetics", "smoking", "yellow_fingers", "lung_cancer", "coughing"]}


@pytest.mark.parametrize(
    "q,word,near",
    [
        ("Is smokng independent of agge given strss?", "agge", "age"),
        ("Is smoking unrelated to cholesterol once we control for stress?", "cholesterol", None),
        ("Are smoking and tumour size correlated, conditioning on stress?", "tumour size", None),
        ("Is coughing associated with yelow hands given smoking?", "yelow hands", "yellow_fingers"),
    ],
)
def test_conditioned_variable_is_never_moved_into_the_tested_pair(q, word, near):
    i = parse_question(q, CLINIC_LOWER)
    assert i.kind == "unknown", (q, i.x, i.y, i.given)
    assert i.y is None and i.x not in i.given  # nothing from the conditioning clause was promoted
    text = " ".join(i.missing)
    assert f"I could not match '{word}' to a variable" in text
    if near:
        assert f"closest: '{near}'" in text


def test_a_list_after_the_cue_stays_the_conditioning_set():
    i = parse("Is stress independent given age and smoking?")
    assert i.kind == "unknown" and i.given == ["Age", "Smoking"] and i.y is None
    # a leading list that swallowed the subject still gives it back
    i = parse("Controlling for Age, Smoking and Coughing are uncorrelated?")
    assert (i.kind, pair(i), i.given) == ("independence", {"Smoking", "Coughing"}, ["Age"])


@pytest.mark.parametrize(
    "q,kind,x,y",
    [
        ("Holding age fixed, does smoking directly cause coughing?", "direct_cause", "Smoking", "Coughing"),
        ("Controlling for Stress, is Smoking a direct cause of Lung Cancer?", "direct_cause", "Smoking", "Lung Cancer"),
        ("Given stress, do smoking and coughing share a common cause?", "confounder", "Smoking", "Coughing"),
    ],
)
def test_edge_questions_never_take_the_conditioned_variable_as_an_end(q, kind, x, y):
    i = parse(q)
    assert (i.kind, i.x, i.y) == (kind, x, y)


@pytest.mark.parametrize(
    "q,word",
    [
        ("Adjusting for age, is smoking a direct cause of tumour size?", "tumour size"),
        ("Given stress, do smoking and blood pressure share a common cause?", "blood pressure"),
    ],
)
def test_edge_question_with_an_unmatched_end_is_unclear(q, word):
    i = parse(q)
    assert i.kind == "unknown" and i.y is None
    assert any(f"I could not match '{word}'" in m for m in i.missing)


# --- short names: a stuttered last letter or a plural, nothing looser -----------------------------

def test_short_name_with_one_extra_letter_is_read_as_the_name():
    i = parse_question("Are agee and smoking correlated given stres?", CLINIC_LOWER)
    assert (i.kind, pair(i), i.given) == ("independence", {"age", "smoking"}, ["stress"])
    i = parse_question("Does smoking depend on ages?", CLINIC_LOWER)
    assert pair(i) == {"smoking", "age"}
    found = find_mentions("tarr and cars", ["tar", "car"])
    assert [(m.var, m.how) for m in found] == [("tar", "fuzzy"), ("car", "fuzzy")]


def test_short_names_still_do_not_match_other_words():
    assert find_mentions("The agent took acid at an agency; aged ager", ["age", "tar"]) == []
    assert find_mentions("card care cart", ["car"]) == []
    assert find_mentions("agee", ["age", "gee"]) == []  # 'gee' is as close: a tie is not guessed


# --- follow-ups with three variables ask, as stand-alone questions do -----------------------------

def test_follow_up_naming_three_variables_asks_which_to_condition_on():
    h = [parse("Learn the causal graph of the clinic data.")]
    i = parse("Is smoking associated with coughing and with lung cancer?", h)
    assert i.kind == "unknown" and any("condition on" in m for m in i.missing)
    h = [parse("Is smoking independent of coughing?")]
    i = parse("What about age, stress and genetic risk?", h)
    assert i.kind == "unknown" and any("condition on" in m for m in i.missing)
    assert "what you want to know" not in i.missing  # the follow-up's kind was understood
    # a clear modification still completes from the previous question
    i = parse("and holding age and stress fixed?", h)
    assert (i.kind, pair(i), i.given) == ("independence", {"Smoking", "Coughing"}, ["Age", "Stress"])


def test_follow_up_with_an_unmatched_variable_is_not_completed_from_history():
    h = [parse("Is smoking independent of coughing?")]
    i = parse("What about tumour size?", h)
    assert i.kind == "unknown" and any("I could not match 'tumour size'" in m for m in i.missing)
    i = parse_question("Is smokng independent of agge given strss?", CLINIC_LOWER, [parse_question(
        "Are smoking and coughing independent?", CLINIC_LOWER)])
    assert i.kind == "unknown" and any("'agge'" in m for m in i.missing)
