"""Benchmark questions: the model, the phrasings (as data), and balanced sampling per dataset.

Ten sub-types in four levels, plus the mediation level: ``Mediates`` ("does X affect Y through
M?", yes / no / uncertain over the class) and the natural indirect and direct effects ``NIE`` and
``NDE`` (linear SCMs only; ``interest`` is [treatment, outcome, mediator]). ``Has-Confounder`` asks
about a common *cause* (a confounder, as the literature means it); ``Has-Direct-Confounder`` asks,
in explicit words, about a common *parent*.
``TEMPLATES`` is the benchmark's phrasing set: the plugins' intent examples (building) and the
tests' phrasings (testing) are kept apart from it, and ``tests/test_evals_generator.py`` checks the
three are disjoint. Independence questions come in two polarities: "are X and Y
independent?" (yes = independent) and "is there an association between X and Y?" (yes =
dependent); ``polarity`` records which, and every label is the answer *to the question as asked*.
Edge, graph and effect questions have one polarity ("positive").

Sampling aims for balanced labels: independence questions draw d-separated and d-connected pairs
(and conditioning sets that separate and ones that do not) in turn, and edge questions aim at
yes/no in turn with some "uncertain" cases from the equivalence class, falling back to whatever
the graph offers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, Literal

import networkx as nx
import numpy as np
from pydantic import BaseModel, Field

from causal_agent.errors import DataError

from .truth import GroundTruth
from .vocab import DOMAINS, PLAIN

QuestionType = Literal[
    "IT", "CIT", "MULTCIT", "CAUSE", "Has-Collider", "Has-Confounder", "Has-Direct-Confounder", "CAUSALKG",
    "PARTIAL_CG", "ATE",
    "Mediates", "NIE", "NDE",
    "Causes-Of", "Effects-Of", "Total-Cause", "Z-Role", "Causal-Association",
]
Level = Literal["variable", "edge", "graph", "effect", "mediation", "path"]
Polarity = Literal["independence", "dependence", "positive"]
Label = Literal["yes", "no", "partly", "uncertain"]

QUESTION_TYPES: tuple[str, ...] = (
    "IT", "CIT", "MULTCIT", "CAUSE", "Has-Collider", "Has-Confounder", "Has-Direct-Confounder", "CAUSALKG",
    "PARTIAL_CG", "ATE",
    "Mediates", "NIE", "NDE",
    "Causes-Of", "Effects-Of", "Total-Cause", "Z-Role", "Causal-Association",
)
LEVELS: dict[str, Level] = {
    "IT": "variable", "CIT": "variable", "MULTCIT": "variable",
    "CAUSE": "edge", "Has-Collider": "edge", "Has-Confounder": "edge", "Has-Direct-Confounder": "edge",
    "CAUSALKG": "graph", "PARTIAL_CG": "graph",
    "ATE": "effect",
    "Mediates": "mediation", "NIE": "mediation", "NDE": "mediation",
    "Causes-Of": "path", "Effects-Of": "path", "Total-Cause": "path", "Z-Role": "path", "Causal-Association": "path",
}
EDGE_QUESTION_TYPES = ("CAUSE", "Has-Collider", "Has-Confounder", "Has-Direct-Confounder")
#: "does X affect Y through M?": a yes/no over the class about three variables (interest: the
#: treatment, the outcome, the mediator), scored like the edge types, with the ceiling
MEDIATION_TYPES = ("Mediates",)
#: natural indirect / direct effects (interest: treatment, outcome, mediator; linear SCMs only)
MEDIATION_EFFECT_TYPES = ("NIE", "NDE")
#: path questions with one verdict (interest: x, y; Z-Role: treatment, outcome, z):
#: "does X cause Y at all?", "should Z be adjusted for?", "is the association causal?" (yes /
#: partly / no)
PATH_TYPES = ("Total-Cause", "Z-Role", "Causal-Association")
#: "what causes X?" / "what does X affect?" (interest: the variable): a label per other variable
SET_TYPES = ("Causes-Of", "Effects-Of")
#: yes/no types answered over the equivalence class and scored against the true DAG with the ceiling
CLASS_QUESTION_TYPES = (*EDGE_QUESTION_TYPES, *MEDIATION_TYPES, *PATH_TYPES, *SET_TYPES)
YES_NO_TYPES = ("IT", "CIT", "MULTCIT", *EDGE_QUESTION_TYPES, *MEDIATION_TYPES, *PATH_TYPES)
GRAPH_TYPES = ("CAUSALKG", "PARTIAL_CG")

#: questions per dataset of each type in the default mix (28 per dataset)
DEFAULT_MIX: dict[str, int] = {
    "IT": 3, "CIT": 2, "MULTCIT": 2, "CAUSE": 3, "Has-Collider": 2, "Has-Confounder": 2,
    "Has-Direct-Confounder": 1, "CAUSALKG": 1, "PARTIAL_CG": 2, "ATE": 2,
    "Mediates": 1, "NIE": 1, "NDE": 1,
    "Causes-Of": 1, "Effects-Of": 1, "Total-Cause": 1, "Z-Role": 1, "Causal-Association": 1,
}


class Question(BaseModel):
    """One benchmark question with its true answer and the reference procedure's answer.

    ``truth`` / ``truth_dag`` / ``data_answer`` are "yes"/"no"/"uncertain" for yes/no types, a
    graph JSON ``{"nodes", "edges", "kind"}`` for graph types, a float (the effect of moving the
    treatment from t0 to t1) for ATE, or None when unknown (published data have no true DAG).
    """

    id: str
    question_type: QuestionType
    level: Level
    dataset: str  # CSV file name
    variables: list[str]  # column names, in file order
    interest: list[str] = Field(default_factory=list)  # (x, y), (t, y) or the PARTIAL_CG subset
    given: list[str] = Field(default_factory=list)  # conditioning set of CIT / MULTCIT
    text: str = ""  # scenario paragraph (may be empty)
    question: str  # the question sentence as asked
    polarity: Polarity = "positive"
    t0: float | None = None
    t1: float | None = None
    truth: Label | float | dict[str, Any] | None = None
    truth_dag: Label | float | dict[str, Any] | None = None
    data_answer: Label | float | dict[str, Any] | None = None
    source: Literal["generated", "published"] = "generated"
    scm_kind: str | None = None
    domain: str | None = None
    header: bool = True  # False: the CSV has no header; ``variables`` names its columns
    data_path: str | None = None  # full path when known (published loader)
    notes: list[str] = Field(default_factory=list)

    @property
    def prompt(self) -> str:
        """What the agent is asked: the scenario paragraph, then the question."""
        return f"{self.text.strip()}\n\n{self.question}".strip() if self.text.strip() else self.question


# ---------------------------------------------------------------------------------------------
# phrasings: {x}, {y} variables; {z} the conditioning set in words, {zc} comma-joined;
# {vars} a list in words, {vc} comma-joined; {t}, {t0}, {t1} for ATE; {tk} "continuous"/"discrete"
# ---------------------------------------------------------------------------------------------

TEMPLATES: dict[str, dict[str, list[str]]] = {
    "IT": {
        "independence": [
            "Is {x} independent of {y} in this data?",
            "Are {x} and {y} statistically independent?",
            "Are {x} and {y} independent of one another?",
            "Determine whether {x} and {y} are independent.",
            "Can {x} and {y} be considered statistically independent?",
            "Is it true that {x} is independent of {y}?",
            "Check if {x} is statistically independent of {y}.",
            "Would you say {x} and {y} are independent variables?",
            "Is {y} independent from {x} in this data?",
            "Without conditioning on anything, are {x} and {y} independent?",
            "Test whether {x} and {y} are statistically independent.",
        ],
        "dependence": [
            "Is there an association between {x} and {y}?",
            "Are {x} and {y} statistically dependent?",
            "Is {x} associated with {y} in this data?",
            "Determine whether {x} and {y} are dependent.",
            "Is there a statistical dependence between {x} and {y}?",
            "Is {x} statistically related to {y}?",
            "Check whether {x} and {y} are associated.",
            "Do {x} and {y} show a statistical association?",
            "Are {x} and {y} marginally dependent?",
            "Is there any correlation or dependence between {x} and {y}?",
            "Test whether {x} and {y} are associated.",
        ],
    },
    "CIT": {
        "independence": [
            "Is {x} independent of {y} given all of {z}?",
            "Are {x} and {y} statistically independent given the condition {z}?",
            "Would {x} and {y} be conditionally independent given {z}?",
            "Conditional on {z}, are {x} and {y} independent?",
            "Controlling for {z}, is {x} independent of {y}?",
            "After adjusting for {z}, are {x} and {y} independent?",
            "Holding {z} fixed, are {x} and {y} independent?",
            "Determine whether {x} and {y} are independent once {z} is controlled for.",
            "Is {x} conditionally independent of {y} when conditioning on {z}?",
            "Given {z}, can {x} and {y} be considered independent?",
            "Once we account for {z}, are {x} and {y} independent?",
        ],
        "dependence": [
            "Is there an association between {x} and {y} given {z}?",
            "Are {x} and {y} dependent conditional on {z}?",
            "Controlling for {z}, is {x} associated with {y}?",
            "After adjusting for {z}, is there an association between {x} and {y}?",
            "Holding {z} fixed, are {x} and {y} statistically dependent?",
            "Given {z}, is {x} statistically related to {y}?",
            "Are {x} and {y} conditionally dependent given {z}?",
            "Determine whether {x} and {y} are associated once {z} is controlled for.",
            "Conditional on {z}, do {x} and {y} show a statistical dependence?",
            "Once we account for {z}, is there a dependence between {x} and {y}?",
            "Is {x} associated with {y} when conditioning on {z}?",
        ],
    },
    "MULTCIT": {
        "independence": [
            "Determine the independence of {x} and {y} given the following conditions : {zc}",
            "Is {x} independent of {y} given all of {z}?",
            "Would {x} and {y} be conditionally independent given {z}?",
            "Conditional on {z}, are {x} and {y} independent?",
            "Controlling for {z}, is {x} independent of {y}?",
            "After adjusting for {z}, are {x} and {y} statistically independent?",
            "Holding {z} fixed, are {x} and {y} independent?",
            "Given the variables {z}, can {x} and {y} be considered independent?",
            "Is {x} conditionally independent of {y} when conditioning on {z}?",
            "Once we account for {z}, are {x} and {y} independent?",
            "Are {x} and {y} independent given the condition set {{{zc}}}?",
        ],
        "dependence": [
            "Is there an association between {x} and {y} given {z}?",
            "Are {x} and {y} dependent conditional on {z}?",
            "Controlling for {z}, is {x} associated with {y}?",
            "After adjusting for {z}, is there an association between {x} and {y}?",
            "Holding {z} fixed, are {x} and {y} statistically dependent?",
            "Given the variables {z}, is {x} statistically related to {y}?",
            "Are {x} and {y} conditionally dependent given {z}?",
            "Conditional on {z}, do {x} and {y} show a statistical dependence?",
            "Once we account for {z}, is there a dependence between {x} and {y}?",
            "Is {x} associated with {y} when conditioning on {z}?",
            "Are {x} and {y} dependent given the condition set {{{zc}}}?",
        ],
    },
    "CAUSE": {
        "positive": [
            "Is {x} a direct cause of {y} in this system?",
            "Determine whether {x} is a direct cause of {y}.",
            "Does {x} directly cause changes in {y}?",
            "Does {x} have a direct causal effect on {y}?",
            "Is there a direct causal edge from {x} to {y}?",
            "Does {x} exert a direct influence on {y}?",
            "Is {y} directly caused by {x} here?",
            "Is {x} among the direct causes of {y}?",
            "Is {x} a parent of {y} in the causal graph?",
            "Does {x} affect {y} directly, not only through other variables?",
            "Does the causal graph contain a direct edge from {x} into {y}?",
        ],
    },
    "Has-Collider": {
        "positive": [
            "Evaluate if {x} and {y} share a common effect (collider).",
            "Do {x} and {y} have a shared effect in the data?",
            "Is there a variable directly caused by both {x} and {y}?",
            "Do {x} and {y} share a common child in the causal graph?",
            "Is there a collider for {x} and {y}, i.e. a variable both of them directly cause?",
            "Do {x} and {y} both directly cause some third variable?",
            "Determine whether {x} and {y} have a shared direct effect.",
            "Is there a common outcome that {x} and {y} both directly affect?",
            "Does some variable in the data have both {x} and {y} as direct causes?",
            "Check whether {x} and {y} point into a common collider.",
            "Are {x} and {y} both parents of a common variable?",
        ],
    },
    "Has-Confounder": {
        "positive": [
            "Explore whether a common factor is a confounder for variables {x} and {y}.",
            "Do {x} and {y} share some common cause?",
            "Is there a confounder of {x} and {y} among the measured variables?",
            "Is there a variable that causes both {x} and {y}, directly or through other variables?",
            "Are {x} and {y} confounded by another measured variable?",
            "Determine whether some variable is a common cause of {x} and {y}.",
            "Is there a shared cause of {x} and {y} among the variables?",
            "Does any variable in the data influence both {x} and {y}?",
            "Check whether {x} and {y} have a common cause (a confounder).",
            "Do {x} and {y} have a confounder in this dataset?",
            "Is some measured variable a common cause of both {x} and {y}?",
        ],
    },
    "Has-Direct-Confounder": {
        "positive": [
            "Do {x} and {y} share a direct common cause?",
            "Is there a variable that directly causes both {x} and {y}?",
            "Do {x} and {y} have a common parent in the causal graph?",
            "Determine whether some variable is a direct common cause of {x} and {y}.",
            "Is there a shared direct cause of {x} and {y}?",
            "Does any variable in the data directly affect both {x} and {y}?",
            "Check whether {x} and {y} have a common direct cause.",
            "Is there a confounder of {x} and {y} that is a parent of both?",
            "Are {x} and {y} children of the same variable in the causal graph?",
            "Does some variable have a direct edge into both {x} and {y}?",
            "Is there one variable that is a parent of {x} and also of {y}?",
        ],
    },
    "CAUSALKG": {
        "positive": [
            "please generate causal graph of the input tabular data.",
            "What is the causal graph of this dataset?",
            "Uncover the causal structure linking all of the variables.",
            "Learn a causal graph over all variables in the data.",
            "Draw the causal diagram for this data.",
            "Which causal relationships hold among the variables? Give the full causal graph.",
            "Infer the causal graph (the equivalence class of DAGs) for all columns.",
            "Build the causal graph that explains how these variables affect each other.",
            "Find the causal structure of the whole dataset.",
            "Generate the complete causal graph for {vars}.",
            "Show me the causal network connecting all the variables.",
        ],
    },
    "PARTIAL_CG": {
        "positive": [
            "Generate a subset of a causal diagram for the variables of interest : {vc}",
            "What is the causal graph among {vars}?",
            "Discover the causal structure restricted to {vars}.",
            "Learn a causal graph over only these variables: {vars}.",
            "Draw the causal diagram for {vars}.",
            "How are {vars} causally related? Give the causal graph.",
            "Build a partial causal graph over {vars}.",
            "Find the causal relationships among {vars}.",
            "Show the causal network connecting {vars}.",
            "Infer the causal graph of the subset {vars}.",
            "Generate the causal graph of the variables {vc}.",
        ],
    },
    "ATE": {
        "positive": [
            "calculate the Average Treatment Effect (ATE) of a {tk} treatment variable {t} on an outcome "
            "variable {y}, given that the treatment {t} change from {t0} to {t1}.",
            "Calculate the Average Treatment Effect (ATE) of {t} on {y} when {t} changes from {t0} to {t1}.",
            "What is the average causal effect on {y} of changing {t} from {t0} to {t1}?",
            "Estimate the ATE of {t} on {y}, comparing {t} = {t1} with {t} = {t0}.",
            "If we set {t} to {t1} instead of {t0}, how much would {y} change on average?",
            "By how much does {y} change on average when {t} is moved from {t0} to {t1}?",
            "What is the average treatment effect of {t} on {y} for a change from {t0} to {t1}?",
            "Quantify the causal effect of {t} on {y} when {t} goes from {t0} to {t1}.",
            "Intervening to change {t} from {t0} to {t1}, what is the expected change in {y}?",
            "Estimate the average effect on {y} of an intervention that sets {t} from {t0} to {t1}.",
            "Compute the ATE E[{y} | do({t} = {t1})] - E[{y} | do({t} = {t0})].",
        ],
    },
    "Mediates": {
        "positive": [
            "Is any of the effect of {x} on {y} transmitted through {m}?",
            "Does {x} have an effect on {y} that runs via {m}?",
            "Is {m} a mediating variable between {x} and {y}?",
            "Does the causal influence of {x} reach {y} by way of {m}?",
            "Determine whether {x} acts on {y} through {m}.",
            "Does {x} affect {y} partly or wholly through {m}?",
            "Can the effect of {x} on {y} be traced through {m}?",
            "Check whether {x} influences {y} via its effect on {m}.",
            "Is {m} an intermediary in the effect of {x} on {y}?",
            "Would changing {x} alter {y} by way of changes in {m}?",
            "Is part of the causal effect of {x} on {y} carried through {m}?",
        ],
    },
    "NIE": {
        "positive": [
            "What part of the effect of {x} on {y} is mediated through {m}?",
            "Estimate the indirect effect of {x} on {y} that passes through {m}.",
            "How big is the effect of {x} on {y} that flows via {m}?",
            "Calculate the natural indirect effect (NIE) of {x} on {y} with {m} as the mediator.",
            "What is the mediated effect of {x} on {y} via {m}?",
            "By how much does {x} move {y} by way of {m}?",
            "Quantify the indirect pathway from {x} to {y} through {m}.",
            "How much of the influence of {x} on {y} is carried through {m}?",
            "Compute the indirect effect of {x} on {y} via the mediator {m}.",
            "What is the size of the effect of {x} on {y} that goes via {m}?",
            "Per unit of {x}, how much of its effect on {y} travels through {m}?",
        ],
    },
    "NDE": {
        "positive": [
            "What is the effect of {x} on {y} that does not go through {m}?",
            "Estimate the natural direct effect (NDE) of {x} on {y} relative to the mediator {m}.",
            "How much does {x} change {y} through paths other than {m}?",
            "Leaving out the path via {m}, what is the effect of {x} on {y}?",
            "How large is the direct effect of {x} on {y}, not mediated by {m}?",
            "What remains of the effect of {x} on {y} once the route through {m} is excluded?",
            "Calculate the part of the effect of {x} on {y} that bypasses {m}.",
            "What is the direct effect of {x} on {y} with {m} as the mediator?",
            "Quantify the direct influence of {x} on {y} that does not pass via {m}.",
            "Excluding what is transmitted through {m}, how strongly does {x} affect {y}?",
            "Apart from its influence via {m}, how much does {x} affect {y}?",
        ],
    },
    # path questions: {x} the variable (Causes-Of / Effects-Of), the pair {x}, {y}; Z-Role {m} the
    # variable whose adjustment is asked about
    "Causes-Of": {
        "positive": [
            "Which of the measured variables are causes of {x}, near or far?",
            "List every variable that has a causal influence on {x}.",
            "Determine all the causes of {x} in this system.",
            "Which variables sit causally upstream of {x}?",
            "Among the variables, which ones ultimately affect {x}?",
            "Identify the variables whose changes would propagate to {x}.",
            "What set of variables causally determines {x}, directly or via others?",
            "Find the causal ancestors of {x}.",
            "Which factors in the data are responsible for variation in {x}, causally?",
            "Name the variables from which a causal path leads into {x}.",
            "What are all the variables that cause {x}, including indirect ones?",
        ],
    },
    "Effects-Of": {
        "positive": [
            "Which of the measured variables does {x} have a causal effect on, near or far?",
            "List every variable that {x} causally influences.",
            "Determine all the effects of {x} in this system.",
            "Which variables sit causally downstream of {x}?",
            "Among the variables, which ones are ultimately affected by {x}?",
            "Identify the variables to which changes in {x} would propagate.",
            "Which variables would an intervention on {x} change, directly or via others?",
            "Find the causal descendants of {x}.",
            "Which outcomes in the data does {x} causally drive?",
            "Name the variables that a causal path from {x} leads to.",
            "What are all the variables that {x} causes, including indirectly?",
        ],
    },
    "Total-Cause": {
        "positive": [
            "Is {x} a cause of {y}, whether directly or through intermediate variables?",
            "Determine whether {x} has any causal effect on {y}, direct or indirect.",
            "Does a causal path lead from {x} to {y}?",
            "Would an intervention on {x} eventually change {y}?",
            "Is {y} causally affected by {x} in some way?",
            "Check whether {x} is among the ancestors of {y} in the causal graph.",
            "Does {x} influence {y}, possibly through other variables?",
            "Is {x} causally upstream of {y}?",
            "Does changing {x} have downstream consequences for {y}?",
            "Can {x} affect {y} through any chain of causes?",
            "Is there a directed causal route from {x} to {y}?",
        ],
    },
    "Z-Role": {
        "positive": [
            "When estimating the causal effect of {x} on {y}, should {m} be included as a control?",
            "Is it appropriate to condition on {m} when estimating how {x} affects {y}?",
            "For the effect of {x} on {y}, does {m} need to be controlled for?",
            "Should the analysis of {x} -> {y} adjust for {m}?",
            "Would controlling for {m} be right when estimating the effect of {x} on {y}?",
            "Determine whether {m} should enter the adjustment when estimating {x}'s effect on {y}.",
            "In estimating the effect of {x} on {y}, is {m} a variable to adjust for?",
            "Is {m} a confounder that must be controlled when measuring the effect of {x} on {y}?",
            "Should I hold {m} constant to estimate the causal effect of {x} on {y}?",
            "Does the effect of {x} on {y} call for adjusting for {m}?",
            "Is adjustment for {m} required to estimate the causal effect of {x} on {y}?",
        ],
    },
    "Causal-Association": {
        "positive": [
            "Is the statistical association between {x} and {y} a causal one?",
            "Does the dependence between {x} and {y} reflect a causal relation between them?",
            "Is the correlation of {x} with {y} due to causation, confounding, or both?",
            "Determine whether the association between {x} and {y} is causal or spurious.",
            "Can the link between {x} and {y} be explained by causal paths alone?",
            "Is the observed association of {x} and {y} causal?",
            "How much of the correlation between {x} and {y} comes from causation?",
            "Is the co-variation of {x} and {y} causal or confounded?",
            "Why would {x} and {y} be associated: causation, a common cause, or both?",
            "Is the relationship we see between {x} and {y} causal?",
            "Is the dependence of {y} on {x} in the data causal?",
        ],
    },
}

SCENARIO_FOCUS: dict[str, str] = {
    "variable": "They want to know how {x} and {y} are related statistically.",
    "edge": "They want to understand the causal links between {x} and {y}.",
    "graph": "They want a map of how the variables influence each other.",
    "effect": "They are considering an intervention on {x} and care about its effect on {y}.",
    "mediation": "They want to know by which routes {x} acts on {y}.",
    "path": "They want to know along which causal paths {x} is linked to the other variables.",
}


def words(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def fmt_value(v: float, discrete: bool = False) -> str:
    """Treatment values as people write them: codes as integers, other values compactly."""
    if discrete or float(v).is_integer():
        return str(int(v))
    return f"{v:g}"


def template_sweep(questions: Iterable[Any]) -> list[Any]:
    """Every question re-asked with every phrasing of its type and polarity (same variables, values
    and scenario), so that each template is measured over many variable names, with and without a
    scenario paragraph; ids get a ``/t<k>`` suffix (k: the template's index)."""
    out = []
    for q in questions:
        discrete = q.scm_kind in ("discrete", "discrete_network") or (
            q.scm_kind == "mixed" and q.t0 is not None and float(q.t0).is_integer() and float(q.t1 or 0).is_integer())
        slots: dict[str, Any] = {
            "x": q.interest[0], "y": q.interest[1] if len(q.interest) > 1 else "",
            "z": words(q.given), "zc": ",".join(q.given),
            "vars": words(q.interest), "vc": ",".join(q.interest),
            "m": q.interest[2] if len(q.interest) > 2 else "",
        }
        if q.question_type == "ATE":
            slots.update(t=q.interest[0], t0=fmt_value(q.t0, discrete), t1=fmt_value(q.t1, discrete),
                         tk="discrete" if discrete else "continuous")
        for k, template in enumerate(TEMPLATES[q.question_type][q.polarity]):
            out.append(q.model_copy(update={"id": f"{q.id}/t{k}", "question": template.format(**slots)}))
    return out


def scenario(domain: str, variables: list[str], level: str, focus: list[str], n_rows: int,
             rng: np.random.Generator) -> str:
    """A short scenario paragraph from the domain; it sets the scene and never hints at the answer."""
    listed = words(variables)
    if domain == PLAIN or domain not in DOMAINS:
        head = f"A researcher has collected {n_rows} observations of {len(variables)} variables ({listed})."
    else:
        d = DOMAINS[domain]
        role = d.roles[int(rng.integers(len(d.roles)))]
        setting = d.settings[int(rng.integers(len(d.settings)))]
        head = (f"{role[0].upper()}{role[1:]} is analysing {setting}. The dataset has {n_rows} rows and "
                f"records {listed}.")
    x = focus[0] if focus else ""
    y = focus[1] if len(focus) > 1 else ""
    return head + " " + SCENARIO_FOCUS[level].format(x=x, y=y)


def phrase(question_type: str, polarity: str, rng: np.random.Generator, **slots: Any) -> str:
    """One phrasing of ``question_type`` in ``polarity``, drawn with ``rng``, with slots filled."""
    options = TEMPLATES[question_type][polarity]
    return options[int(rng.integers(len(options)))].format(**slots)


def type_counts(n_questions: int, n_nodes: int, mix: dict[str, int] | None = None) -> dict[str, int]:
    """Questions of each type for one dataset: the mix scaled to ``n_questions`` (largest
    remainder); types a small graph cannot pose (MULTCIT, PARTIAL_CG need 4 nodes) move to CIT/CAUSE."""
    mix = dict(mix or DEFAULT_MIX)
    if n_nodes < 4:
        mix["CIT"] = mix.get("CIT", 0) + mix.pop("MULTCIT", 0)
        mix["CAUSE"] = mix.get("CAUSE", 0) + mix.pop("PARTIAL_CG", 0)
    if n_nodes < 3:
        mix["IT"] = mix.get("IT", 0) + mix.pop("CIT", 0)
        for qt in (*MEDIATION_TYPES, *MEDIATION_EFFECT_TYPES):  # three variables needed
            mix["CAUSE"] = mix.get("CAUSE", 0) + mix.pop(qt, 0)
    total = sum(mix.values())
    raw = {k: n_questions * v / total for k, v in mix.items()}
    counts = {k: int(np.floor(r)) for k, r in raw.items()}
    rest = n_questions - sum(counts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), QUESTION_TYPES.index(k)))[:rest]:
        counts[k] += 1
    return {k: counts[k] for k in QUESTION_TYPES if counts.get(k)}


class _Sampler:
    """Draws the variables of each question of one dataset, aiming at balanced labels."""

    def __init__(self, dataset: Any, truth: Any, rng: np.random.Generator) -> None:
        self.ds = dataset
        self.truth = truth
        self.rng = rng
        self.columns: list[str] = list(dataset.scm.columns)
        self.used: set[tuple[Any, ...]] = set()
        self.turn: dict[str, int] = {}
        self._edge_labels: dict[str, dict[tuple[str, str], str]] = {}
        # d-connected but near-zero (partial) correlation: the data cannot show the dependence at
        # this n, so independence questions avoid these (x, y, z)
        self.weak = {(frozenset(w[:2]), tuple(w[2:])) for w in dataset.scm.weak_pairs}

    def _next_turn(self, qtype: str) -> int:
        """Alternating targets with a random start per dataset and type."""
        if qtype not in self.turn:
            self.turn[qtype] = int(self.rng.integers(2))
        self.turn[qtype] += 1
        return self.turn[qtype]

    def _pick(self, items: list[Any]) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def variable(self, qtype: str) -> tuple[list[str], list[str]] | None:
        """(x, y) and a conditioning set whose d-separation status matches the turn's target."""
        want_independent = self._next_turn(qtype) % 2 == 0
        sizes = {"IT": (0, 0), "CIT": (1, 1), "MULTCIT": (2, 3)}[qtype]
        fallback = None
        for _ in range(300):
            x, y = (self.columns[i] for i in self.rng.choice(len(self.columns), 2, replace=False))
            rest = [c for c in self.columns if c not in (x, y)]
            k = int(self.rng.integers(sizes[0], sizes[1] + 1))
            if k > len(rest):
                continue
            z = sorted((rest[i] for i in self.rng.choice(len(rest), k, replace=False)), key=self.columns.index)
            key = (qtype, frozenset((x, y)), tuple(z))
            if key in self.used or (frozenset((x, y)), tuple(z)) in self.weak:
                continue
            fallback = fallback or (key, [x, y], z)
            if self.truth.independent(x, y, z) == want_independent:
                self.used.add(key)
                return [x, y], z
        if fallback is None:
            return None
        self.used.add(fallback[0])
        return fallback[1], fallback[2]

    def _label(self, qtype: str, pair: tuple[str, str]) -> str:
        """The class answer for ``pair``, computed once (the enumeration is the costly part);
        "skip" when the oracle cannot enumerate the class exactly (``ClassTooLarge``)."""
        from .oracle import ClassTooLarge

        labels = self._edge_labels.setdefault(qtype, {})
        if pair not in labels:
            try:
                labels[pair] = self.truth.edge_cpdag(qtype, *pair)
            except ClassTooLarge:
                labels[pair] = "skip"
        return labels[pair]

    def edge(self, qtype: str) -> list[str] | None:
        """(x, y) whose CPDAG answer is the turn's target (yes/no, sometimes uncertain). Pairs are
        visited in random order and labelled lazily, so only as many queries run as needed."""
        target = "yes" if self._next_turn(qtype) % 2 == 0 else "no"
        if self.rng.random() < 0.25:
            target = "uncertain"
        order = [target] + [lab for lab in ("yes", "no", "uncertain") if lab != target]
        pairs = list(itertools.permutations(self.columns, 2) if qtype == "CAUSE"
                     else itertools.combinations(self.columns, 2))
        pairs = [pairs[i] for i in self.rng.permutation(len(pairs)) if (qtype, pairs[i]) not in self.used]
        if not pairs:
            return None
        if qtype == "CAUSE" and target == "no" and self.rng.random() < 0.5:
            # the hard "no" first: the edge exists but points the other way
            pairs.sort(key=lambda p: not self.truth.dag.has_edge(p[1], p[0]))
        for lab in order:
            pick = next((p for p in pairs if self._label(qtype, p) == lab), None)
            if pick is None:
                continue
            self.used.add((qtype, pick))
            if qtype != "CAUSE" and self.rng.random() < 0.5:
                pick = (pick[1], pick[0])  # symmetric questions: either order
            return list(pick)
        return None

    def mediation(self, qtype: str) -> list[str] | None:
        """[treatment, outcome, mediator] with a directed path treatment ⇝ outcome in the true DAG.
        ``Mediates``: the class answer aims at yes / no in turn (sometimes uncertain); ``NIE`` /
        ``NDE`` (linear SCMs only): the mediator is on a path three times in four. A mediator
        whose paths nearly cancel (|NIE| below 5% of sd(outcome) per sd(treatment)) is not
        asked about: the data cannot show it. Triples whose class is too large are skipped."""
        from .oracle import ClassTooLarge

        scm = self.ds.scm
        linear = scm.kind in ("linear_gaussian", "linear_nongaussian")
        if qtype in MEDIATION_EFFECT_TYPES and not linear:
            return None
        dag = self.truth.dag
        pairs = [(t, y) for t, y in itertools.permutations(self.columns, 2) if nx.has_path(dag, t, y)]
        triples = [(t, y, m) for t, y in pairs for m in self.columns
                   if m not in (t, y) and (qtype, t, y, m) not in self.used]
        if not triples:
            return None
        triples = [triples[i] for i in self.rng.permutation(len(triples))]
        if qtype == "Mediates":
            target = "yes" if self._next_turn(qtype) % 2 == 0 else "no"
            if self.rng.random() < 0.25:
                target = "uncertain"
            order = [target] + [lab for lab in ("yes", "no", "uncertain") if lab != target]
        else:
            order = ["yes", "no"] if self.rng.random() < 0.75 else ["no", "yes"]

        def label(t: str, y: str, m: str) -> str | None:
            try:
                lab = self.truth.mediates(t, m, y)[0] if qtype == "Mediates" else self.truth.mediates(t, m, y)[1]
            except ClassTooLarge:
                return None
            if lab == "yes" and linear:
                _, _, nie = self.truth.mediation(t, y, m)
                sd_t, sd_y = float(self.ds.data[t].std()), float(self.ds.data[y].std())
                if not sd_y or abs(nie) * sd_t / sd_y < 0.05:
                    return None
            return lab

        for lab in order:
            for t, y, m in triples[:200]:
                if label(t, y, m) == lab:
                    self.used.add((qtype, t, y, m))
                    return [t, y, m]
        return None

    def path(self, qtype: str) -> list[str] | None:
        """The variables of a path question, aiming at balanced answers. Causes-Of / Effects-Of: a
        variable with some causes (effects) three times in four; Total-Cause / Causal-Association:
        a pair whose class answer is the turn's target (yes / no, and partly for the association;
        sometimes uncertain); Z-Role: (treatment, outcome, z) with a directed path treatment ⇝
        outcome in the true DAG and the advice in turn yes / no (sometimes uncertain). A choice
        whose class is too large to enumerate (or whose paths too many) is skipped."""
        from .oracle import ClassTooLarge

        dag = self.truth.dag
        cols = self.columns
        if qtype in SET_TYPES:
            direction = "causes" if qtype == "Causes-Of" else "effects"
            want_some = self.rng.random() < 0.75
            cands = [cols[i] for i in self.rng.permutation(len(cols)) if (qtype, cols[i]) not in self.used]
            reach = nx.ancestors if direction == "causes" else nx.descendants
            cands.sort(key=lambda v: bool(reach(dag, v)) != want_some)  # stable: the wanted kind first
            for v in cands:
                try:
                    self.truth.relatives(v, direction)
                except ClassTooLarge:
                    continue
                self.used.add((qtype, v))
                return [v]
            return None
        labels = {"Total-Cause": ["yes", "no"], "Causal-Association": ["yes", "partly", "no"],
                  "Z-Role": ["yes", "no"]}[qtype]
        target = labels[self._next_turn(qtype) % len(labels)]
        if self.rng.random() < 0.2:
            target = "uncertain"
        order = [target] + [lab for lab in (*labels, "uncertain") if lab != target]
        if qtype == "Z-Role":
            pairs = [(t, y) for t, y in itertools.permutations(cols, 2) if nx.has_path(dag, t, y)]
            cands = [(t, y, z) for t, y in pairs for z in cols if z not in (t, y)]
        elif qtype == "Total-Cause":
            cands = list(itertools.permutations(cols, 2))
        else:
            cands = list(itertools.combinations(cols, 2))
        cands = [cands[i] for i in self.rng.permutation(len(cands)) if (qtype, cands[i]) not in self.used][:120]
        found: dict[str, tuple[str, ...]] = {}
        for c in cands:
            try:
                lab = {"Total-Cause": lambda: self.truth.total_cause(*c)[0],
                       "Causal-Association": lambda: self.truth.association(*c)[0],
                       "Z-Role": lambda: self.truth.z_role(*c)[0]}[qtype]()
            except ClassTooLarge:
                continue
            found.setdefault(lab, c)
            if lab == target:
                break
        pick = next((found[lab] for lab in order if lab in found), None)
        if pick is None:
            return None
        self.used.add((qtype, pick))
        return list(pick)

    def partial(self) -> list[str] | None:
        n = len(self.columns)
        if n < 4:
            return None
        for _ in range(50):
            k = int(self.rng.integers(3, min(n - 1, 6) + 1))
            subset = sorted((self.columns[i] for i in self.rng.choice(n, k, replace=False)), key=self.columns.index)
            if ("PARTIAL_CG", tuple(subset)) not in self.used:
                self.used.add(("PARTIAL_CG", tuple(subset)))
                return subset
        return None

    def ate(self) -> tuple[list[str], float, float] | None:
        """(t, y) with a directed path T → Y three times in four (else a zero effect), and
        treatment values: codes for discrete data, rounded data quantiles otherwise."""
        dag = self.truth.dag
        pairs = [(t, y) for t, y in itertools.permutations(self.columns, 2) if ("ATE", t, y) not in self.used]
        causal = [p for p in pairs if nx.has_path(dag, p[0], p[1])]
        null = [p for p in pairs if p not in causal]
        groups = [causal, null] if self.rng.random() < 0.75 else [null, causal]
        pool = next((g for g in groups if g), None)
        if pool is None:
            return None
        t, y = self._pick(pool)
        self.used.add(("ATE", t, y))
        if self.ds.scm.is_discrete(t):
            cats = int(self.ds.scm.node(t).categories or 2)
            t0, t1 = sorted(int(v) for v in self.rng.choice(cats, 2, replace=False))
            return [t, y], float(t0), float(t1)
        col = self.ds.data[t].to_numpy(dtype=float)
        q0, q1 = np.quantile(col, [self.rng.uniform(0.1, 0.4), self.rng.uniform(0.6, 0.9)])
        for digits in (1, 2, 3):
            t0, t1 = round(float(q0), digits), round(float(q1), digits)
            if t0 != t1:
                return [t, y], t0, t1
        return [t, y], float(q0), float(q0) + 1.0


def make_questions(dataset: Any, config: Any, rng: np.random.Generator,
                   mix: dict[str, int] | None = None) -> list[Question]:
    """The questions of one generated dataset, with ``truth`` and ``truth_dag`` filled in."""
    scm = dataset.scm
    truth = GroundTruth(scm=scm, rng=np.random.default_rng(rng.integers(2**63)),
                        ate_mc_samples=config.ate_mc_samples)
    sampler = _Sampler(dataset, truth, rng)
    columns = list(scm.columns)
    counts = type_counts(config.questions_per_dataset, len(columns), mix)
    out: list[Question] = []
    for qtype, count in counts.items():
        for _ in range(count):
            q = _one_question(qtype, dataset, config, sampler, truth, rng, len(out))
            if q is None:  # the graph cannot pose this type (e.g. no pair left): ask a CAUSE instead
                q = _one_question("CAUSE", dataset, config, sampler, truth, rng, len(out))
            if q is not None:
                out.append(q)
    return out


def _one_question(qtype: str, dataset: Any, config: Any, sampler: _Sampler, truth: Any,
                  rng: np.random.Generator, index: int) -> Question | None:
    columns = list(dataset.scm.columns)
    level = LEVELS[qtype]
    polarity: Polarity = "positive"
    given: list[str] = []
    t0 = t1 = None
    if qtype in ("IT", "CIT", "MULTCIT"):
        picked = sampler.variable(qtype)
        if picked is None:
            return None
        interest, given = picked
        polarity = "independence" if rng.random() < 0.5 else "dependence"
        slots = {"x": interest[0], "y": interest[1], "z": words(given), "zc": ",".join(given)}
    elif qtype in (*MEDIATION_TYPES, *MEDIATION_EFFECT_TYPES):
        interest = sampler.mediation(qtype)
        if interest is None:
            return None
        slots = {"x": interest[0], "y": interest[1], "m": interest[2]}
        if qtype in MEDIATION_EFFECT_TYPES:
            t0, t1 = 0.0, 1.0  # per unit of the treatment, as the phrasings ask
    elif qtype in (*PATH_TYPES, *SET_TYPES):
        interest = sampler.path(qtype)
        if interest is None:
            return None
        slots = {"x": interest[0], "y": interest[1] if len(interest) > 1 else "",
                 "m": interest[2] if len(interest) > 2 else ""}
    elif qtype in EDGE_QUESTION_TYPES:
        interest = sampler.edge(qtype)
        if interest is None:
            return None
        slots = {"x": interest[0], "y": interest[1]}
    elif qtype == "CAUSALKG":
        interest = list(columns)
        slots = {"vars": words(columns), "vc": ",".join(columns)}
    elif qtype == "PARTIAL_CG":
        interest = sampler.partial()
        if interest is None:
            return None
        slots = {"vars": words(interest), "vc": ",".join(interest)}
    elif qtype == "ATE":
        picked_ate = sampler.ate()
        if picked_ate is None:
            return None
        interest, t0, t1 = picked_ate
        discrete = dataset.scm.is_discrete(interest[0])
        slots = {"t": interest[0], "y": interest[1], "t0": fmt_value(t0, discrete),
                 "t1": fmt_value(t1, discrete), "tk": "discrete" if discrete else "continuous"}
    else:  # pragma: no cover - QUESTION_TYPES is closed
        raise DataError(f"unknown question type {qtype!r}")
    text = ""
    if rng.random() < config.scenario_fraction:
        text = scenario(dataset.domain, columns, level, interest[:2], len(dataset.data), rng)
    q = Question(
        id=f"{dataset.name}-{index:02d}",
        question_type=qtype,  # type: ignore[arg-type]
        level=level,
        dataset=dataset.file,
        variables=columns,
        interest=interest,
        given=given,
        text=text,
        question=phrase(qtype, polarity, rng, **slots),
        polarity=polarity,
        t0=t0,
        t1=t1,
        scm_kind=dataset.scm.kind,
        domain=dataset.domain,
    )
    value, value_dag = truth.answer(q)
    notes = list(q.notes)
    if qtype == "Z-Role":  # the role behind the advice, for the report
        _, _, role, role_dag = truth.z_role(*interest[:3])
        notes += [f"role over the class: {role}", f"role in the true DAG: {role_dag}"]
    return q.model_copy(update={"truth": value, "truth_dag": value_dag, "notes": notes})
