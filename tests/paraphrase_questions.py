"""An independent paraphrase suite for the agent: three datasets with known causal DAGs and ~80
questions written the way users phrase them, each with the answer the true graph implies.

The questions were written without looking at the offline planner's vocabulary or patterns, so the
score measures how well the agent understands questions, not how well the two agree on templates.

Ground truth comes from the data-generating DAG, never from the agent:

* independence questions: d-separation in the true DAG (linear Gaussian, |w| in 0.6-1.2, n = 2000,
  so every dependence is strong and Fisher-z decides it);
* direct cause / confounder (common parent) / collider (common child): the answer over the Markov
  equivalence class of the true DAG (yes in every member, no in none, else uncertain);
* graphs: the node set asked for, plus a few edges with their marks for full graphs;
* effects: the total effect of the linear SCM, sum over directed paths of products of weights,
  times (t1 - t0).

``test_paraphrase.py`` and ``benchmarks/bench_agent.py`` both run this module's ``run_suite``.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

KINDS: tuple[str, ...] = ("IT", "CIT", "MULTCIT", "CAUSE", "Has-Collider", "Has-Confounder", "CAUSALKG",
                          "PARTIAL_CG", "ATE")
EXPECTED_TOOL: dict[str, str] = {
    "IT": "test_independence", "CIT": "test_independence", "MULTCIT": "test_independence",
    "CAUSE": "direct_cause", "Has-Collider": "shared_collider", "Has-Confounder": "shared_confounder",
    "CAUSALKG": "discover_graph", "PARTIAL_CG": "discover_graph", "ATE": "estimate_effect",
}
N_ROWS = 2000


def norm(name: str) -> str:
    """Compare column names ignoring case, spaces, '_' and '-'."""
    return re.sub(r"[^a-z0-9]+", "", str(name).lower())


# ------------------------------------------------------------------------------- datasets
@dataclass(frozen=True)
class DatasetSpec:
    """A linear-Gaussian SCM and how its CSV is written (bundled, semicolon+ID, or headerless)."""

    name: str
    columns: tuple[str, ...]                     # analysable columns, in file order
    weights: dict[tuple[str, str], float]       # (cause, effect) -> weight
    seed: int
    layout: Literal["bundled", "semicolon_id", "headerless"]
    id_column: str | None = None

    def parents(self, v: str) -> list[str]:
        return [a for (a, b) in self.weights if b == v]

    def order(self) -> list[str]:
        import networkx as nx

        return list(nx.topological_sort(self.digraph()))

    def digraph(self) -> Any:
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.columns)
        g.add_edges_from(self.weights)
        return g

    def total_effect(self, treatment: str, outcome: str) -> float:
        """Sum over directed paths of the product of edge weights: ((I - W)^-1)[t, y]."""
        idx = {c: i for i, c in enumerate(self.columns)}
        W = np.zeros((len(idx), len(idx)))
        for (a, b), w in self.weights.items():
            W[idx[a], idx[b]] = w
        T = np.linalg.inv(np.eye(len(idx)) - W)
        return float(T[idx[treatment], idx[outcome]])

    def frame(self, n: int = N_ROWS) -> pd.DataFrame:
        rng = np.random.default_rng(self.seed)
        values: dict[str, np.ndarray] = {}
        for v in self.order():  # noise drawn in topological order, so the data is reproducible
            values[v] = sum((w * values[a] for (a, b), w in self.weights.items() if b == v),
                            start=np.zeros(n)) + rng.normal(0.0, 1.0, n)
        df = pd.DataFrame({c: values[c].round(4) for c in self.columns})
        if self.id_column:
            df.insert(0, self.id_column, np.arange(1001, 1001 + n))
        return df

    def write(self, directory: Path) -> tuple[Path, dict[str, Any]]:
        """Write the CSV; return its path and the keyword arguments ``CausalAgent.load`` needs."""
        if self.layout == "bundled":
            from causal_agent.examples import example_path

            return Path(example_path("clinic")), {"name": self.name}
        path = Path(directory) / f"{self.name}.csv"
        df = self.frame()
        if self.layout == "semicolon_id":
            df.to_csv(path, sep=";", index=False)
            return path, {"name": self.name}
        df.to_csv(path, header=False, index=False)
        return path, {"name": self.name, "columns": list(self.columns)}


# The bundled example (see causal_agent/examples/make_examples.py); patient_id is an ID column.
CLINIC = DatasetSpec(
    name="clinic",
    columns=("age", "stress", "genetics", "smoking", "yellow_fingers", "lung_cancer", "coughing"),
    weights={
        ("age", "smoking"): 0.6, ("stress", "smoking"): 0.7, ("smoking", "lung_cancer"): 0.8,
        ("genetics", "lung_cancer"): 0.9, ("age", "lung_cancer"): 0.5, ("smoking", "yellow_fingers"): 1.1,
        ("lung_cancer", "coughing"): 0.9,
    },
    seed=7,
    layout="bundled",
    id_column="patient_id",
)

# Every edge is compelled: v-structures at Ad Spend, Website Visits and Sales orient the rest.
MARKETING = DatasetSpec(
    name="marketing",
    columns=("Seasonality", "Marketing Budget", "Ad Spend", "Brand Awareness", "Website Visits", "Price", "Sales"),
    weights={
        ("Seasonality", "Ad Spend"): 1.2, ("Marketing Budget", "Ad Spend"): 0.9,
        ("Ad Spend", "Brand Awareness"): 1.0, ("Brand Awareness", "Website Visits"): 0.8,
        ("Seasonality", "Website Visits"): 1.0, ("Website Visits", "Sales"): 0.9,
        ("Brand Awareness", "Sales"): 0.7, ("Price", "Sales"): -0.8,
    },
    seed=11,
    layout="semicolon_id",
    id_column="customer_id",
)

# v-structures at inflation and consumer_spending orient everything downstream; the edge
# money_supply -- credit_growth is NOT compelled (reversible), which makes a few answers uncertain.
ECONOMICS = DatasetSpec(
    name="economics",
    columns=("interest_rate", "inflation", "unemployment", "gdp_growth", "consumer_spending", "oil_price",
             "money_supply", "credit_growth", "real_wages"),
    weights={
        ("oil_price", "inflation"): 0.8, ("money_supply", "inflation"): 0.9,
        ("money_supply", "credit_growth"): 1.0, ("inflation", "interest_rate"): 1.0,
        ("inflation", "real_wages"): -0.7, ("interest_rate", "consumer_spending"): -0.8,
        ("real_wages", "consumer_spending"): 0.9, ("consumer_spending", "gdp_growth"): 0.9,
        ("gdp_growth", "unemployment"): -0.9,
    },
    seed=23,
    layout="headerless",
)

DATASETS: dict[str, DatasetSpec] = {d.name: d for d in (CLINIC, MARKETING, ECONOMICS)}


# ------------------------------------------------------------------------------- questions
@dataclass(frozen=True)
class Question:
    """One question and the result the true DAG implies.

    ``vars`` are the true column names: (x, y) for pair questions, the node set for graphs,
    (treatment, outcome) for effects. ``asks`` records the polarity of independence questions
    ("independent": yes means independent; "dependent": yes means associated) so the expected
    verdict can be re-derived from d-separation as a check."""

    id: str
    dataset: str
    kind: str
    text: str
    vars: tuple[str, ...]
    given: tuple[str, ...] = ()
    expect: str | None = None
    asks: Literal["independent", "dependent"] | None = None
    t0: float | None = None
    t1: float | None = None
    delta_only: bool = False          # "a one unit increase": only t1 - t0 is fixed by the question
    edges: tuple[tuple[str, str, str], ...] = ()  # edges that must be in a full graph


def _it(id: str, ds: str, text: str, x: str, y: str, given: Iterable[str], asks: str, expect: str) -> Question:
    g = tuple(given)
    kind = "IT" if not g else ("CIT" if len(g) == 1 else "MULTCIT")
    return Question(id, ds, kind, text, (x, y), g, expect, asks)  # type: ignore[arg-type]


def _pair(id: str, ds: str, kind: str, text: str, x: str, y: str, expect: str) -> Question:
    return Question(id, ds, kind, text, (x, y), (), expect)


def _graph(id: str, ds: str, text: str, nodes: Iterable[str] | None = None,
           edges: Iterable[tuple[str, str, str]] = ()) -> Question:
    full = nodes is None
    nodes = DATASETS[ds].columns if full else tuple(nodes)
    return Question(id, ds, "CAUSALKG" if full else "PARTIAL_CG", text, tuple(nodes), edges=tuple(edges))


def _ate(id: str, ds: str, text: str, t: str, y: str, t0: float, t1: float, delta_only: bool = False) -> Question:
    return Question(id, ds, "ATE", text, (t, y), t0=t0, t1=t1, delta_only=delta_only)


IND, DEP = "independent", "dependent"
C, M, E = "clinic", "marketing", "economics"

QUESTIONS: list[Question] = [
    # ---------------------------------------------------------------- clinic (bundled, ID column)
    _it("c-it-1", C, "Are age and stress independent?", "age", "stress", (), IND, "yes"),
    _it("c-it-2", C, "Is there an association between smoking and coughing?", "smoking", "coughing", (), DEP, "yes"),
    _it("c-it-3", C, "Is there no correlation between genetics and yellow fingers?", "genetics", "yellow_fingers", (), IND, "yes"),
    _it("c-it-4", C, "Are Stress and Yellow Fingers correlated?", "stress", "yellow_fingers", (), DEP, "yes"),
    _it("c-it-5", C, "Is genetics statistically independent of age?", "genetics", "age", (), IND, "yes"),
    _it("c-it-6", C, "Are smokng and age unrelated?", "smoking", "age", (), IND, "no"),
    _it("c-it-7", C, "is coughing related to genetics", "coughing", "genetics", (), DEP, "yes"),
    _it("c-cit-1", C, "Are age and stress independent given smoking?", "age", "stress", ("smoking",), IND, "no"),
    _it("c-cit-2", C, "Is yellow_fingers independent of lung_cancer conditional on smoking?",
        "yellow_fingers", "lung_cancer", ("smoking",), IND, "yes"),
    _it("c-cit-3", C, "Once we know whether a patient has lung cancer, does coughing still depend on smoking?",
        "coughing", "smoking", ("lung_cancer",), DEP, "no"),
    _it("c-cit-4", C, "Controlling for smoking, is there any correlation between stress and lung cancer?",
        "stress", "lung_cancer", ("smoking",), DEP, "yes"),
    _it("c-cit-5", C, "Holding smoking fixed, are genetics and yellow fingers independent?",
        "genetics", "yellow_fingers", ("smoking",), IND, "yes"),
    _it("c-cit-6", C, "Are AGE and COUGHING conditionally independent given LUNG CANCER?",
        "age", "coughing", ("lung_cancer",), IND, "yes"),
    _it("c-cit-7", C, "After adjusting for smoking, is lung cancer still associated with age?",
        "lung_cancer", "age", ("smoking",), DEP, "yes"),
    _it("c-cit-8", C, "Are stress and age dependent when we condition on smoking?", "stress", "age", ("smoking",), DEP, "yes"),
    _it("c-mcit-1", C, "Are stress and coughing independent given smoking and genetics?",
        "stress", "coughing", ("smoking", "genetics"), IND, "no"),
    _it("c-mcit-2", C, "Conditional on smoking, genetics, and age, is lung cancer independent of stress?",
        "lung_cancer", "stress", ("smoking", "genetics", "age"), IND, "yes"),
    _it("c-mcit-3", C, "With age and lung cancer held constant, is there an association between stress and genetics?",
        "stress", "genetics", ("age", "lung_cancer"), DEP, "yes"),
    _it("c-mcit-4", C, "Is there no correlation between yellow fingers and coughing once we control for smoking; lung cancer?",
        "yellow_fingers", "coughing", ("smoking", "lung_cancer"), IND, "yes"),
    _it("c-mcit-5", C, "I run a small clinic and track a few measures for each patient. Does yellow fingers remain "
        "dependent on age after controlling for smoking, stress and genetics?",
        "yellow_fingers", "age", ("smoking", "stress", "genetics"), DEP, "no"),
    _pair("c-cause-1", C, "CAUSE", "Does smoking directly cause lung cancer?", "smoking", "lung_cancer", "yes"),
    _pair("c-cause-2", C, "CAUSE", "Is coughing a direct cause of smoking?", "coughing", "smoking", "no"),
    _pair("c-cause-3", C, "CAUSE", "Does lung cancer directly cause yellow fingers?", "lung_cancer", "yellow_fingers", "no"),
    _pair("c-cause-4", C, "CAUSE", "Does age have a direct causal effect on lung cancer?", "age", "lung_cancer", "yes"),
    _pair("c-cause-5", C, "CAUSE", "Patients with high stress seem to get sick more often. Is stress a direct cause of "
          "lung cancer?", "stress", "lung_cancer", "no"),
    _pair("c-cause-6", C, "CAUSE", "Does smoking directly lead to yelow fingers?", "smoking", "yellow_fingers", "yes"),
    _pair("c-col-1", C, "Has-Collider", "Do age and stress have a common effect?", "age", "stress", "yes"),
    _pair("c-col-2", C, "Has-Collider", "Is there a collider between smoking and genetics?", "smoking", "genetics", "yes"),
    _pair("c-col-3", C, "Has-Collider", "Do yellow fingers and coughing share a common effect?",
          "yellow_fingers", "coughing", "no"),
    _pair("c-col-4", C, "Has-Collider", "Are age and genetics both direct causes of some common outcome?",
          "age", "genetics", "yes"),
    _pair("c-conf-1", C, "Has-Confounder", "Do smoking and lung cancer share a common cause?", "smoking", "lung_cancer", "yes"),
    _pair("c-conf-2", C, "Has-Confounder", "Is there a confounder of yellow fingers and lung cancer?",
          "yellow_fingers", "lung_cancer", "yes"),
    _pair("c-conf-3", C, "Has-Confounder", "Do stress and genetics have a common cause?", "stress", "genetics", "no"),
    _pair("c-conf-4", C, "Has-Confounder", "Is the relationship between age and coughing confounded by a common cause?",
          "age", "coughing", "no"),
    _graph("c-kg-1", C, "What is the causal graph of this data?",
           edges=(("smoking", "lung_cancer", "-->"), ("age", "smoking", "-->"), ("lung_cancer", "coughing", "-->"))),
    _graph("c-kg-2", C, "We collected records from 2,000 patients. Can you draw the full causal graph over all the variables?",
           edges=(("stress", "smoking", "-->"), ("genetics", "lung_cancer", "-->"))),
    _graph("c-pcg-1", C, "Show me the causal graph among smoking, lung cancer and coughing.",
           ("smoking", "lung_cancer", "coughing")),
    _graph("c-pcg-2", C, "Learn a causal graph for age, stress, smoking", ("age", "stress", "smoking")),
    _graph("c-pcg-3", C, "What are the causal relationships between Genetics; Lung Cancer; Coughing?",
           ("genetics", "lung_cancer", "coughing")),
    _ate("c-ate-1", C, "What is the average treatment effect of smoking on lung cancer when smoking goes from 0 to 1?",
         "smoking", "lung_cancer", 0, 1),
    _ate("c-ate-2", C, "How much does coughing change if smoking changes 0 -> 1?", "smoking", "coughing", 0, 1),
    _ate("c-ate-3", C, "Estimate the effect of a one unit increase in age on lung cancer.", "age", "lung_cancer", 0, 1,
         delta_only=True),
    _ate("c-ate-4", C, "What's the causal effect of stress on yellow fingers from zero to two?",
         "stress", "yellow_fingers", 0, 2),
    # ---------------------------------------------------------------- marketing (semicolons, ID, spaces)
    _it("m-it-1", M, "Are Price and Ad Spend independent?", "Price", "Ad Spend", (), IND, "yes"),
    _it("m-it-2", M, "Is there a correlation between marketing budget and sales?", "Marketing Budget", "Sales", (), DEP, "yes"),
    _it("m-it-3", M, "Is there no association between seasonality and marketing budget?",
        "Seasonality", "Marketing Budget", (), IND, "yes"),
    _it("m-it-4", M, "Are brand awareness and PRICE correlated?", "Brand Awareness", "Price", (), DEP, "no"),
    _it("m-it-5", M, "Is Website Visits independent of Marketing Budget?", "Website Visits", "Marketing Budget", (), IND, "no"),
    _it("m-it-6", M, "Is there any relationship between Price and Brand Awareness?", "Price", "Brand Awareness", (), DEP, "no"),
    _it("m-cit-1", M, "Are Seasonality and Marketing Budget independent given Ad Spend?",
        "Seasonality", "Marketing Budget", ("Ad Spend",), IND, "no"),
    _it("m-cit-2", M, "Given brand awareness, is there an association between ad spend and sales?",
        "Ad Spend", "Sales", ("Brand Awareness",), DEP, "yes"),
    _it("m-cit-3", M, "Is Price independent of Website Visits conditional on Sales?",
        "Price", "Website Visits", ("Sales",), IND, "no"),
    _it("m-cit-4", M, "Controlling for Ad Spend, are Marketing Budget and Brand Awareness independent?",
        "Marketing Budget", "Brand Awareness", ("Ad Spend",), IND, "yes"),
    _it("m-cit-5", M, "Do ad-spend and website visits stay correlated with brand awareness held constant?",
        "Ad Spend", "Website Visits", ("Brand Awareness",), DEP, "yes"),
    _it("m-mcit-1", M, "Are Ad Spend and Website Visits independent given Brand Awareness and Seasonality?",
        "Ad Spend", "Website Visits", ("Brand Awareness", "Seasonality"), IND, "yes"),
    _it("m-mcit-2", M, "Holding brand awareness, website visits and price fixed, does Sales still depend on Ad Spend?",
        "Sales", "Ad Spend", ("Brand Awareness", "Website Visits", "Price"), DEP, "no"),
    _it("m-mcit-3", M, "Conditional on Ad Spend; Website Visits, is Seasonality independent of Brand Awareness?",
        "Seasonality", "Brand Awareness", ("Ad Spend", "Website Visits"), IND, "no"),
    _it("m-mcit-4", M, "Is there no correlation between Marketing Budget and Sales once we know Brand Awareness and "
        "Website Visits?", "Marketing Budget", "Sales", ("Brand Awareness", "Website Visits"), IND, "yes"),
    _pair("m-cause-1", M, "CAUSE", "Does Ad Spend directly cause Brand Awareness?", "Ad Spend", "Brand Awareness", "yes"),
    _pair("m-cause-2", M, "CAUSE", "Do website visits have a direct causal effect on sales?", "Website Visits", "Sales", "yes"),
    _pair("m-cause-3", M, "CAUSE", "Is Sales a direct cause of Price?", "Sales", "Price", "no"),
    _pair("m-cause-4", M, "CAUSE", "Our CMO thinks advertising pays off. Does ad spend directly cause sales?",
          "Ad Spend", "Sales", "no"),
    _pair("m-cause-5", M, "CAUSE", "Is brand awarness a direct cause of webiste visits?",
          "Brand Awareness", "Website Visits", "yes"),
    _pair("m-col-1", M, "Has-Collider", "Do Price and Website Visits have a common effect?", "Price", "Website Visits", "yes"),
    _pair("m-col-2", M, "Has-Collider", "Is there a collider between Seasonality and Brand Awareness?",
          "Seasonality", "Brand Awareness", "yes"),
    _pair("m-col-3", M, "Has-Collider", "Do ad spend and price share a common effect?", "Ad Spend", "Price", "no"),
    _pair("m-conf-1", M, "Has-Confounder", "Do Ad Spend and Website Visits have a common cause?",
          "Ad Spend", "Website Visits", "yes"),
    _pair("m-conf-2", M, "Has-Confounder", "Is there a confounder between website visits and sales?",
          "Website Visits", "Sales", "yes"),
    _pair("m-conf-3", M, "Has-Confounder", "Do Marketing Budget and Price share a common cause?",
          "Marketing Budget", "Price", "no"),
    _pair("m-conf-4", M, "Has-Confounder", "Do Brand Awareness and Sales have any common causes?",
          "Brand Awareness", "Sales", "yes"),  # Seasonality reaches both, each path avoiding the other: a common cause
    _graph("m-kg-1", M, "Learn the full causal graph of the marketing data.",
           edges=(("Price", "Sales", "-->"), ("Ad Spend", "Brand Awareness", "-->"), ("Seasonality", "Website Visits", "-->"))),
    _graph("m-pcg-1", M, "Find the causal graph between Ad Spend, Brand Awareness and Sales.",
           ("Ad Spend", "Brand Awareness", "Sales")),
    _graph("m-pcg-2", M, "Draw a causal graph of seasonality; website visits; sales",
           ("Seasonality", "Website Visits", "Sales")),
    _graph("m-pcg-3", M, "Plot the causal DAG for Ad Spend, Price, and Sales.", ("Ad Spend", "Price", "Sales")),
    _ate("m-ate-1", M, "What is the effect of Ad Spend on Sales if Ad Spend goes from 0 to 1?", "Ad Spend", "Sales", 0, 1),
    _ate("m-ate-2", M, "If we raise the Price from -0.5 to 0.5, how much do Sales change?", "Price", "Sales", -0.5, 0.5),
    _ate("m-ate-3", M, "Estimate the average causal effect of brand awareness on website visits, 0 -> 2",
         "Brand Awareness", "Website Visits", 0, 2),
    _ate("m-ate-4", M, "What is the ATE of Marketing Budget on Brand Awareness for a one unit increase?",
         "Marketing Budget", "Brand Awareness", 0, 1, delta_only=True),
    _ate("m-ate-5", M, "What happens to Sales if Website Visits increase from 2 to 3?", "Website Visits", "Sales", 2, 3),
    # ---------------------------------------------------------------- economics (headerless, --columns)
    _it("e-it-1", E, "Are oil price and money supply independent?", "oil_price", "money_supply", (), IND, "yes"),
    _it("e-it-2", E, "Is there an association between interest rates and unemployment?",
        "interest_rate", "unemployment", (), DEP, "yes"),
    _it("e-it-3", E, "Are credit growth and oil price correlated?", "credit_growth", "oil_price", (), DEP, "no"),
    _it("e-it-4", E, "Is there no correlation between money supply and GDP growth?", "money_supply", "gdp_growth", (), IND, "no"),
    _it("e-it-5", E, "Is unemployment independent of credit growth?", "unemployment", "credit_growth", (), IND, "no"),
    _it("e-cit-1", E, "Are interest rate and real wages independent given inflation?",
        "interest_rate", "real_wages", ("inflation",), IND, "yes"),
    _it("e-cit-2", E, "Given consumer spending, are interest rates and real wages correlated?",
        "interest_rate", "real_wages", ("consumer_spending",), DEP, "yes"),
    _it("e-cit-3", E, "Does unemployment still depend on consumer spending once we know GDP growth?",
        "unemployment", "consumer_spending", ("gdp_growth",), DEP, "no"),
    _it("e-cit-4", E, "Is credit growth independent of inflation, conditional on money supply?",
        "credit_growth", "inflation", ("money_supply",), IND, "yes"),
    _it("e-cit-5", E, "Controlling for inflation, is there an association between oil price and intrest rate?",
        "oil_price", "interest_rate", ("inflation",), DEP, "no"),
    _it("e-mcit-1", E, "Are oil price and money supply independent given inflation and interest rate?",
        "oil_price", "money_supply", ("inflation", "interest_rate"), IND, "no"),
    _it("e-mcit-2", E, "Holding inflation and consumer spending fixed, are interest rate and real wages independent?",
        "interest_rate", "real_wages", ("inflation", "consumer_spending"), IND, "no"),
    _it("e-mcit-3", E, "With interest rate, real wages held constant, is consumer spending independent of inflation?",
        "consumer_spending", "inflation", ("interest_rate", "real_wages"), IND, "yes"),
    _it("e-mcit-4", E, "Is there no correlation between credit growth and unemployment given inflation; gdp growth?",
        "credit_growth", "unemployment", ("inflation", "gdp_growth"), IND, "yes"),
    _pair("e-cause-1", E, "CAUSE", "Does inflation directly cause interest rates?", "inflation", "interest_rate", "yes"),
    _pair("e-cause-2", E, "CAUSE", "Does money supply directly cause credit growth?", "money_supply", "credit_growth", "uncertain"),
    _pair("e-cause-3", E, "CAUSE", "Is unemployment a direct cause of GDP growth?", "unemployment", "gdp_growth", "no"),
    _pair("e-cause-4", E, "CAUSE", "Does the oil price have a direct effect on consumer spending?",
          "oil_price", "consumer_spending", "no"),
    _pair("e-cause-5", E, "CAUSE", "Economists argue a lot about monetary policy. Do interest rates directly affect "
          "consumer spending?", "interest_rate", "consumer_spending", "yes"),
    _pair("e-cause-6", E, "CAUSE", "Does credit growth cause inflation directly?", "credit_growth", "inflation", "no"),
    _pair("e-col-1", E, "Has-Collider", "Do oil price and money supply have a common effect?", "oil_price", "money_supply", "yes"),
    _pair("e-col-2", E, "Has-Collider", "Is there a collider between interest rate and real wages?",
          "interest_rate", "real_wages", "yes"),
    _pair("e-col-3", E, "Has-Collider", "Do credit growth and oil price share a common effect?", "credit_growth", "oil_price", "no"),
    _pair("e-col-4", E, "Has-Collider", "Is there a common effect of GDP growth and credit growth?",
          "gdp_growth", "credit_growth", "no"),
    _pair("e-conf-1", E, "Has-Confounder", "Do interest rate and real wages share a common cause?",
          "interest_rate", "real_wages", "yes"),
    _pair("e-conf-2", E, "Has-Confounder", "Do credit growth and inflation have a common cause?",
          "credit_growth", "inflation", "uncertain"),
    _pair("e-conf-3", E, "Has-Confounder", "Is there a confounder of GDP growth and unemployment?",
          "gdp_growth", "unemployment", "no"),
    _pair("e-conf-4", E, "Has-Confounder", "Is there a common cause for money supply and oil prices?",
          "money_supply", "oil_price", "no"),
    _graph("e-kg-1", E, "Give me the whole causal graph for these economic indicators.",
           edges=(("inflation", "interest_rate", "-->"), ("money_supply", "credit_growth", "---"),
                  ("oil_price", "inflation", "-->"))),
    _graph("e-kg-2", E, "Can you map out the causal relationships between all the variables in this dataset?",
           edges=(("gdp_growth", "unemployment", "-->"), ("real_wages", "consumer_spending", "-->"))),
    _graph("e-pcg-1", E, "Causal graph among inflation, interest rate and unemployment?",
           ("inflation", "interest_rate", "unemployment")),
    _graph("e-pcg-2", E, "What's the causal structure between money supply, credit growth, and inflation?",
           ("money_supply", "credit_growth", "inflation")),
    _ate("e-ate-1", E, "What is the effect of interest rate on GDP growth from 0 to 1?", "interest_rate", "gdp_growth", 0, 1),
    _ate("e-ate-2", E, "If inflation rises by one unit, what is the average effect on consumer spending?",
         "inflation", "consumer_spending", 0, 1, delta_only=True),
    _ate("e-ate-3", E, "What is the average treatment effect of consumer spending on unemployment from -0.5 to 0.5?",
         "consumer_spending", "unemployment", -0.5, 0.5),
    _ate("e-ate-4", E, "What is the ATE of oil price on interest rate, from zero to two?", "oil_price", "interest_rate", 0, 2),
    _ate("e-ate-5", E, "Would raising the interest rate from 1 to 3 change consumer spending, and by how much?",
         "interest_rate", "consumer_spending", 1, 3),
]

# A handful asked through ``causal-agent ask --json`` for the semicolon+ID and headerless files.
CLI_QUESTION_IDS: tuple[str, ...] = ("m-cit-2", "m-cause-1", "m-ate-2", "e-mcit-1", "e-conf-1", "e-pcg-1")


# ------------------------------------------------------------------------------- ground truth
def true_dsep(spec: DatasetSpec, x: str, y: str, given: Iterable[str]) -> bool:
    import networkx as nx

    return nx.is_d_separator(spec.digraph(), {x}, {y}, set(given))


def true_cpdag(spec: DatasetSpec) -> Any:
    """The CPDAG of the true DAG (causal_agent.graph.cpdag_of, causal-learn's dag2cpdag)."""
    from causal_agent.graph import CausalGraph, Edge, cpdag_of

    dag = CausalGraph(nodes=list(spec.columns), kind="dag",
                      edges=[Edge(source=a, target=b, type="-->") for (a, b) in spec.weights])
    return cpdag_of(dag)


def true_effect(q: Question) -> float:
    t, y = q.vars
    assert q.t0 is not None and q.t1 is not None
    return DATASETS[q.dataset].total_effect(t, y) * (q.t1 - q.t0)


# ------------------------------------------------------------------------------- scoring
@dataclass
class Result:
    question: Question
    ok: bool
    why: str                      # empty when correct; else what went wrong, parser output vs expected
    got: str                      # a one-line summary of what the agent produced
    model_calls: int
    seconds: float


def _tool_args(step: Any, resolve: Callable[[str], str]) -> dict[str, Any]:
    """Tool arguments with variable names resolved as the tool resolved them (artifact first)."""
    args = dict(step.args or {})
    art = getattr(step, "artifact", None) or {}
    for key in ("x", "y", "given", "treatment", "outcome", "t0", "t1"):
        if art.get(key) is not None:
            args[key] = art[key]

    def res(v: Any) -> Any:
        if isinstance(v, str):
            try:
                return resolve(v)
            except Exception:  # noqa: BLE001 - an unresolvable name is reported as itself
                return v
        if isinstance(v, (list, tuple)):
            return [res(i) for i in v]
        return v

    return {k: res(v) for k, v in args.items()}


def _names(v: Any) -> set[str]:
    if v is None:
        return set()
    if isinstance(v, str):
        v = [s for s in re.split(r"\s*[,;]\s*", v) if s]
    return {norm(s) for s in v}


def _steps_summary(answer: Any) -> str:
    return "; ".join(f"{s.tool}({', '.join(f'{k}={v!r}' for k, v in (s.args or {}).items())})" for s in answer.steps) or "no tool call"


def score(q: Question, answer: Any, resolve: Callable[[str], str]) -> tuple[bool, str, str]:
    """(correct, why-not, what-it-did). Correct means the right verdict/graph/effect AND the evidence
    came from the right tool on the right variables, so a lucky yes/no does not count."""
    tool = EXPECTED_TOOL[q.kind]
    calls = [s for s in answer.steps if s.tool == tool]
    did = _steps_summary(answer)
    errors = [s for s in answer.steps if getattr(s, "status", "ok") == "error"]
    if not calls:
        extra = f"; tool error: {errors[0].output[:160]}" if errors else ""
        return False, f"expected a {tool} call, got {did}{extra}; explanation: {answer.explanation[:160]!r}", did
    want = {norm(v) for v in q.vars}
    if q.kind in ("IT", "CIT", "MULTCIT", "Has-Collider", "Has-Confounder", "CAUSE"):
        matches = []
        for s in calls:
            a = _tool_args(s, resolve)
            pair = (norm(a.get("x", "")), norm(a.get("y", "")))
            if q.kind == "CAUSE":
                ok_pair = pair == (norm(q.vars[0]), norm(q.vars[1]))
            else:
                ok_pair = set(pair) == want
            ok_given = q.kind not in ("IT", "CIT", "MULTCIT") or _names(a.get("given")) == {norm(g) for g in q.given}
            matches.append(ok_pair and ok_given)
        if not any(matches):
            exp = f"{tool}(x={q.vars[0]!r}, y={q.vars[1]!r}" + (f", given={list(q.given)!r})" if q.kind in ("CIT", "MULTCIT") else ")")
            return False, f"wrong arguments: expected {exp}, got {did}", did
        if answer.answer != q.expect:
            return False, f"verdict {answer.answer!r}, expected {q.expect!r} (tool calls right: {did})", did
        return True, "", f"{did} -> {answer.answer}"
    if q.kind in ("CAUSALKG", "PARTIAL_CG"):
        graph = answer.graph
        if not graph:
            return False, f"no graph in the answer (steps: {did})", did
        nodes = {norm(n) for n in graph.get("nodes", [])}
        if nodes != want:
            return False, f"graph nodes {sorted(graph.get('nodes', []))}, expected {sorted(q.vars)}", did
        have = {(norm(e["source"]), norm(e["target"]), e["type"]) for e in graph.get("edges", [])}
        for a, b, t in q.edges:
            ok = (norm(a), norm(b), t) in have or (t == "---" and (norm(b), norm(a), t) in have)
            if not ok:
                return False, f"edge {a} {t} {b} missing from the learned graph ({sorted(have)})", did
        return True, "", f"{did} -> {len(nodes)} nodes, {len(have)} edges"
    # ATE
    eff = answer.effect
    if eff is None:
        return False, f"no effect in the answer (steps: {did}); explanation: {answer.explanation[:160]!r}", did
    if (norm(eff.treatment), norm(eff.outcome)) != (norm(q.vars[0]), norm(q.vars[1])):
        return False, f"effect of {eff.treatment!r} on {eff.outcome!r}, expected {q.vars[0]!r} on {q.vars[1]!r}", did
    assert q.t0 is not None and q.t1 is not None
    if q.delta_only:
        if abs((eff.t1 - eff.t0) - (q.t1 - q.t0)) > 1e-9:
            return False, f"treatment change {eff.t0}->{eff.t1}, expected a change of {q.t1 - q.t0}", did
    elif abs(eff.t0 - q.t0) > 1e-9 or abs(eff.t1 - q.t1) > 1e-9:
        return False, f"treatment values {eff.t0}->{eff.t1}, expected {q.t0}->{q.t1}", did
    truth = DATASETS[q.dataset].total_effect(q.vars[0], q.vars[1]) * (eff.t1 - eff.t0)
    if abs(eff.estimate - truth) > 0.1 * abs(truth) + 0.05:
        return False, f"estimate {eff.estimate:.3f}, true effect {truth:.3f} (outside 10% + 0.05)", did
    return True, "", f"{did} -> {eff.estimate:.3f} (true {truth:.3f})"


# ------------------------------------------------------------------------------- running
@dataclass
class SuiteReport:
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        return sum(r.ok for r in self.results) / max(1, len(self.results))

    @property
    def mean_model_calls(self) -> float:
        return sum(r.model_calls for r in self.results) / max(1, len(self.results))

    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.ok]

    def table(self) -> str:
        by: dict[str, list[Result]] = defaultdict(list)
        for r in self.results:
            by[r.question.kind].append(r)
        lines = [f"{'sub-type':<15}{'n':>4}{'correct':>9}{'acc':>8}{'calls':>7}"]
        for kind in KINDS:
            rs = by.get(kind, [])
            if rs:
                ok = sum(r.ok for r in rs)
                calls = sum(r.model_calls for r in rs) / len(rs)
                lines.append(f"{kind:<15}{len(rs):>4}{ok:>9}{ok / len(rs):>8.1%}{calls:>7.2f}")
        ok = sum(r.ok for r in self.results)
        lines.append(f"{'overall':<15}{len(self.results):>4}{ok:>9}{self.accuracy:>8.1%}{self.mean_model_calls:>7.2f}")
        per_ds = Counter(r.question.dataset for r in self.results if r.ok)
        tot_ds = Counter(r.question.dataset for r in self.results)
        lines.append("per dataset: " + ", ".join(f"{d} {per_ds[d]}/{n}" for d, n in tot_ds.items()))
        lines.append(f"wall time: {self.seconds:.1f} s")
        for r in self.failures():
            lines.append(f"FAIL {r.question.id} [{r.question.kind}] {r.question.text!r}: {r.why}")
        return "\n".join(lines)


def write_datasets(directory: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Write every dataset's file; name -> (path, load kwargs)."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    return {name: spec.write(Path(directory)) for name, spec in DATASETS.items()}


def run_suite(directory: Path, questions: Iterable[Question] = QUESTIONS) -> SuiteReport:
    """Ask every question through one ``CausalAgent`` per dataset (graphs are cached across its
    questions) and score each answer."""
    from causal_agent import CausalAgent
    from causal_agent.errors import CausalAgentError

    files = write_datasets(directory)
    report = SuiteReport()
    start = time.perf_counter()
    agents: dict[str, Any] = {}
    for q in questions:
        if q.dataset not in agents:
            path, kwargs = files[q.dataset]
            agents[q.dataset] = CausalAgent()
            agents[q.dataset].load(path, **kwargs)
        agent = agents[q.dataset]
        resolve = agent.datasets.get(q.dataset).resolve
        t = time.perf_counter()
        try:
            ans = agent.ask(q.text)
        except CausalAgentError as exc:
            report.results.append(Result(q, False, f"raised {type(exc).__name__}: {exc}", "error", 0,
                                         time.perf_counter() - t))
            continue
        ok, why, got = score(q, ans, resolve)
        report.results.append(Result(q, ok, why, got, ans.model_calls, time.perf_counter() - t))
    report.seconds = time.perf_counter() - start
    return report
