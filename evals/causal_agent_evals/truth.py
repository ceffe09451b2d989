"""Ground truth for every question type, from the true DAG and its SCM.

What counts as true, and why:

* **IT / CIT / MULTCIT** – d-separation in the true DAG (``nx.is_d_separator``), reported in the
  question's polarity ("are they independent?" → yes iff d-separated; "is there an
  association?" → yes iff d-connected). d-separation is the same in every DAG of the Markov
  equivalence class, so ``truth == truth_dag`` here and never "uncertain".
* **CAUSE / Has-Collider / Has-Confounder / Has-Direct-Confounder** – two answers are recorded:
  ``truth`` is the answer over the CPDAG of the true DAG (yes = true in every DAG of the
  equivalence class, no = in none, uncertain otherwise), i.e. what observational data can
  identify without extra assumptions; ``truth_dag`` is the answer in the true DAG itself.
  ``truth`` is the primary scoring target for every SCM kind. For linear non-Gaussian data the
  DAG is identifiable (LiNGAM), but only under linearity + non-Gaussian noise, which no question
  states; an agent answering "uncertain" there answers what the data identify under the usual
  faithfulness assumptions, so it is not marked wrong. ``truth_dag`` is kept so reports can score
  the DAG-level answer too (e.g. for a LiNGAM-based agent).
  Collider = a common child; confounder = a common *cause* (a directed path to each that avoids
  the other; a grandparent counts); direct confounder = a common parent. All of them come from the
  eval's own oracle (:mod:`.oracle`: causal-learn's ``dag2cpdag`` and a brute-force enumeration
  of the class), never from ``causal_agent.graph_queries`` / ``cpdag_of``, the code being scored.
  A pair whose class is too large to enumerate raises ``oracle.ClassTooLarge``; the question
  sampler skips it.
* **CAUSALKG** – the CPDAG of the true DAG, from the oracle (``truth_dag``: the DAG).
* **PARTIAL_CG** – the induced subgraph of the true full CPDAG over the chosen variables, as the
  literature defines it (``truth_dag``: the induced sub-DAG). This is *not* the CPDAG of the
  marginal model: marginalising variables out can create edges between the remaining ones
  (latent confounding), which a subgraph never shows; the definition is documented, not hidden.
* **Mediates** ("does X affect Y through M?") – M on a directed path X ⇝ M ⇝ Y, over the class
  (``truth``: yes in every DAG, no in none, uncertain otherwise) and in the true DAG
  (``truth_dag``), from the oracle (:meth:`.oracle.Oracle.mediates_over_class`).
* **NIE / NDE** – the natural indirect and direct effects of X on Y with respect to M, linear SCMs
  only: NIE = ((I − B)⁻¹)[X, M] · ((I − B)⁻¹)[M, Y] · (t1 − t0), the sum over the directed paths
  through M of the products of their coefficients (every such path splits uniquely at M), and
  NDE = total − NIE, the paths that avoid M (:func:`linear_mediation`). With no interaction
  these are also the controlled direct effect and the path-specific effects.
* **Causes-Of / Effects-Of** – every other variable as an ancestor (a descendant) of the variable,
  yes / no / uncertain over the class and yes / no in the true DAG: a dict variable -> label.
* **Total-Cause** – a directed path x ⇝ y (any length), over the class and in the DAG.
* **Causal-Association** – "is the association between a and b causal?": yes when they are joined
  by a directed path and by no common cause, partly with both, no with a common cause only or with
  neither (no marginal association); uncertain when the DAGs of the class disagree.
* **Z-Role** – "should z be adjusted for when estimating x -> y?": yes for a confounder (a
  non-collider on an open back-door path; for one that is also the only collider of another path,
  yes when a back-door set containing z is valid), no for a mediator, a collider, a descendant of
  a collider or of the treatment, or none; the role itself goes into the question's notes. All from
  the oracle (:meth:`.oracle.Oracle.z_role`, networkx on the true DAG and its class).
* **ATE** – E[Y | do(T=t1)] − E[Y | do(T=t0)] in the SCM: analytic for linear SCMs
  (total effect = sum over directed paths of products of coefficients, i.e. ((I − B)⁻¹)[T, Y],
  times t1 − t0), and by simulating both interventions with common random numbers otherwise
  (discrete treatment values are category codes, the outcome is its code).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import networkx as nx
import numpy as np

from causal_agent.errors import DataError, VariableError, suggestion

from .oracle import Oracle
from .scm import SCM

Label = Literal["yes", "no", "uncertain"]
EDGE_TYPES = ("CAUSE", "Has-Collider", "Has-Confounder", "Has-Direct-Confounder")


def as_asked(independent: bool, polarity: str) -> Label:
    """An independence fact phrased as the answer to the question as asked."""
    if polarity == "independence":
        return "yes" if independent else "no"
    if polarity == "dependence":
        return "no" if independent else "yes"
    raise DataError(f"polarity {polarity!r} does not apply to independence; use 'independence' or 'dependence'")


def dag_graph(dag: nx.DiGraph) -> Any:
    """The true DAG as a ``CausalGraph`` of kind 'dag'."""
    from causal_agent.graph import CausalGraph

    return CausalGraph.from_networkx(dag, kind="dag")


def dag_json(dag: nx.DiGraph) -> dict[str, Any]:
    """``{"nodes", "edges", "kind": "dag"}`` as ``CausalGraph.to_json`` writes it."""
    return dag_graph(dag).to_json()


def linear_ate(scm: SCM, treatment: str, outcome: str, t0: float, t1: float) -> float:
    """The analytic ATE of a linear SCM: ((I − B)⁻¹)[T, Y] · (t1 − t0), the sum over directed
    paths T → … → Y of the products of the (effective) edge coefficients."""
    order = scm.order
    _check_vars(scm, treatment, outcome)
    b = scm.coefficient_matrix()
    total = np.linalg.inv(np.eye(len(order)) - b)
    return float(total[order.index(treatment), order.index(outcome)] * (t1 - t0))


def linear_mediation(scm: SCM, treatment: str, outcome: str, mediator: str, t0: float = 0.0,
                     t1: float = 1.0) -> tuple[float, float, float]:
    """(total, NDE, NIE) of a linear SCM for moving the treatment from t0 to t1: the NIE is the
    sum over directed paths T ⇝ M ⇝ Y of the products of the (effective) coefficients,
    ((I − B)⁻¹)[T, M] · ((I − B)⁻¹)[M, Y]; the NDE is the rest of the total effect."""
    order = scm.order
    _check_vars(scm, treatment, outcome, mediator)
    total = np.linalg.inv(np.eye(len(order)) - scm.coefficient_matrix())
    t, m, y = order.index(treatment), order.index(mediator), order.index(outcome)
    scale = t1 - t0
    te = float(total[t, y] * scale)
    nie = float(total[t, m] * total[m, y] * scale)
    return te, te - nie, nie


def simulated_ate(
    scm: SCM, treatment: str, outcome: str, t0: float, t1: float, n: int, rng: np.random.Generator,
    return_se: bool = False,
) -> float | tuple[float, float]:
    """E[Y | do(T=t1)] − E[Y | do(T=t0)] by Monte Carlo with common random numbers: both
    interventions see the same noise draws, so the difference has little simulation error.
    With ``return_se`` also the Monte Carlo standard error."""
    _check_vars(scm, treatment, outcome)
    noise = scm.draw_noise(n, rng)
    y1 = scm.propagate(noise, {treatment: t1})[outcome].to_numpy(dtype=float)
    y0 = scm.propagate(noise, {treatment: t0})[outcome].to_numpy(dtype=float)
    diff = y1 - y0
    value = float(np.mean(diff))
    return (value, float(np.std(diff) / np.sqrt(n))) if return_se else value


def _check_vars(scm: SCM, *names: str) -> None:
    for n in names:
        if n not in scm.order:
            raise VariableError(f"unknown variable {n!r} in the SCM." + suggestion(n, scm.order, "variable"))


class GroundTruth:
    """Answers every question type from a true DAG (and, for ATE, its SCM); edge and graph truths
    come from the eval's own :class:`.oracle.Oracle`, built once."""

    def __init__(
        self,
        dag: nx.DiGraph | None = None,
        scm: SCM | None = None,
        rng: np.random.Generator | None = None,
        ate_mc_samples: int = 50_000,
    ) -> None:
        if dag is None and scm is None:
            raise DataError("GroundTruth needs a true DAG or an SCM")
        self.scm = scm
        self.dag: nx.DiGraph = dag if dag is not None else scm.graph()  # type: ignore[union-attr]
        if not nx.is_directed_acyclic_graph(self.dag):
            raise DataError("the true graph has a directed cycle; truth needs a DAG")
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.ate_mc_samples = ate_mc_samples
        self._oracle: Oracle | None = None

    @property
    def oracle(self) -> Oracle:
        """The eval's own truth oracle over the true DAG (CPDAG and class enumeration cached)."""
        if self._oracle is None:
            self._oracle = Oracle(self.dag)
        return self._oracle

    @property
    def graph(self) -> Any:
        """The true DAG as a ``CausalGraph`` (for reports; no truth is read from it)."""
        return dag_graph(self.dag)

    def _check(self, *names: str) -> None:
        for n in names:
            if n not in self.dag:
                raise VariableError(f"unknown variable {n!r} in the true DAG." + suggestion(n, list(self.dag), "variable"))

    # -- variable level -------------------------------------------------------------------------
    def independent(self, x: str, y: str, given: Sequence[str] = ()) -> bool:
        """Whether x and y are d-separated by ``given`` in the true DAG."""
        self._check(x, y, *given)
        if x == y or x in given or y in given:
            raise VariableError(f"independence of {x!r} and {y!r} given {list(given)} is ill-posed; use distinct variables")
        return bool(nx.is_d_separator(self.dag, {x}, {y}, set(given)))

    def variable(self, x: str, y: str, given: Sequence[str], polarity: str) -> Label:
        return as_asked(self.independent(x, y, given), polarity)

    # -- edge level -----------------------------------------------------------------------------
    def edge(self, question_type: str, x: str, y: str) -> tuple[Label, Label]:
        """(answer over the equivalence class, answer in the true DAG) for an edge question."""
        return self.edge_cpdag(question_type, x, y), self.oracle.in_dag(question_type, x, y)

    def edge_cpdag(self, question_type: str, x: str, y: str) -> Label:
        """The answer over the equivalence class only (raises ``oracle.ClassTooLarge`` past the cap)."""
        if question_type not in EDGE_TYPES:
            raise DataError(f"{question_type!r} is not an edge question." + suggestion(question_type, EDGE_TYPES, "type"))
        return self.oracle.over_class(question_type, x, y)

    # -- graph level ----------------------------------------------------------------------------
    def graph_truth(self, subset: Sequence[str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """(CPDAG json, DAG json): full, or induced subgraphs over ``subset`` (PARTIAL_CG)."""
        return self.oracle.cpdag_json(subset or None), self.oracle.dag_json(subset or None)

    # -- effect level ---------------------------------------------------------------------------
    def ate(self, treatment: str, outcome: str, t0: float, t1: float) -> float:
        """The true ATE: analytic for linear SCMs, simulated (common random numbers) otherwise."""
        if self.scm is None:
            raise DataError("the ATE truth needs the SCM, not only the DAG")
        if self.scm.kind in ("linear_gaussian", "linear_nongaussian"):
            return linear_ate(self.scm, treatment, outcome, t0, t1)
        return float(simulated_ate(self.scm, treatment, outcome, t0, t1, self.ate_mc_samples, self.rng))

    # -- mediation ------------------------------------------------------------------------------
    def mediates(self, x: str, m: str, y: str) -> tuple[Label, Label]:
        """(over the class, in the true DAG): is m on a directed path x ⇝ m ⇝ y?"""
        return self.oracle.mediates_over_class(x, m, y), self.oracle.mediates_in_dag(x, m, y)

    def mediation(self, x: str, y: str, m: str, t0: float = 0.0, t1: float = 1.0) -> tuple[float, float, float]:
        """(total, NDE, NIE) of x on y with respect to m; linear SCMs only (DataError otherwise)."""
        if self.scm is None or self.scm.kind not in ("linear_gaussian", "linear_nongaussian"):
            raise DataError("natural direct and indirect effects are computed for linear SCMs only")
        return linear_mediation(self.scm, x, y, m, t0, t1)

    # -- paths ----------------------------------------------------------------------------------
    def relatives(self, v: str, direction: str) -> tuple[dict[str, Label], dict[str, Label]]:
        """(over the class, in the true DAG): every other variable as a cause (ancestor) or an
        effect (descendant) of ``v``, yes / no / uncertain."""
        return self.oracle.relatives(v, direction)

    def total_cause(self, x: str, y: str) -> tuple[Label, Label]:
        """(over the class, in the true DAG): is there a directed path x ⇝ y?"""
        return self.oracle.total_cause(x, y)

    def association(self, a: str, b: str) -> tuple[str, str]:
        """(over the class, in the true DAG): is the association of a and b causal (yes / partly /
        no; uncertain when the class disagrees)?"""
        return self.oracle.association(a, b)

    def z_role(self, x: str, y: str, z: str) -> tuple[Label, Label, str, str]:
        """(advice over the class, advice in the DAG, role over the class, role in the DAG) of z
        for the effect of x on y."""
        return self.oracle.z_role(x, y, z)

    # -- dispatch -------------------------------------------------------------------------------
    def answer(self, question: Any) -> tuple[Any, Any]:
        """(truth, truth_dag) for a ``Question``."""
        qt = question.question_type
        if qt in ("Causes-Of", "Effects-Of"):  # interest: the variable
            return self.relatives(question.interest[0], "causes" if qt == "Causes-Of" else "effects")
        if qt == "Total-Cause":
            return self.total_cause(*question.interest[:2])
        if qt == "Causal-Association":
            return self.association(*question.interest[:2])
        if qt == "Z-Role":  # interest: treatment, outcome, the variable asked about
            advice, advice_dag, _, _ = self.z_role(*question.interest[:3])
            return advice, advice_dag
        if qt == "Mediates":  # interest: treatment, outcome, mediator
            x, y, m = question.interest[:3]
            return self.mediates(x, m, y)
        if qt in ("NIE", "NDE"):
            x, y, m = question.interest[:3]
            _, nde, nie = self.mediation(x, y, m, float(question.t0 or 0.0), float(question.t1 or 1.0))
            value = nie if qt == "NIE" else nde
            return value, value
        if qt in ("IT", "CIT", "MULTCIT"):
            x, y = question.interest[:2]
            label = self.variable(x, y, question.given, question.polarity)
            return label, label
        if qt in EDGE_TYPES:
            x, y = question.interest[:2]
            return self.edge(qt, x, y)
        if qt == "CAUSALKG":
            return self.graph_truth(None)
        if qt == "PARTIAL_CG":
            return self.graph_truth(question.interest)
        if qt == "ATE":
            t, y = question.interest[:2]
            value = self.ate(t, y, float(question.t0), float(question.t1))
            return value, value
        raise DataError(f"unknown question type {qt!r}")
