"""The reference procedure: a fixed, simple analysis of the data that gives ``data_answer``.

It is what a careful analyst running the standard tools would report, and what the literature's
benchmark used as its label, so "agreement with the reference" measures whether the agent used the
tools right, apart from whether the answer is true of the generating process:

* CI questions: causal-learn ``CIT`` with Fisher-z (continuous) or chi-square (discrete) at
  alpha = 0.05; p < alpha means DEPENDENT. The label is given in the question's polarity.
* Edge questions: ``graph_queries`` over the PC graph (same test and alpha) with the yes / no /
  uncertain semantics of the equivalence class.
* CAUSALKG: the PC graph; PARTIAL_CG: PC run on the chosen subset only (as the literature does).
* ATE: the linear back-door estimate: OLS of Y on T plus the parents of T that PC directs into T
  (statsmodels), coefficient of T times (t1 − t0).

The eval's ``--protocol reference`` (:func:`protocol_settings`) runs the *agent* with the published
benchmark's labelling choices instead (Fisher-z everywhere, PC, subset partial graphs, LinearDML),
so that a user reproducing the paper compares like with like; ``default`` leaves the agent's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd

from causal_agent.errors import CausalAgentError, DataError, VariableError, suggestion

from .truth import as_asked

#: ``causal-agent eval --protocol``: the agent's own choices, or the published labelling procedure
Protocol = Literal["default", "reference"]
PROTOCOLS: tuple[str, ...] = ("default", "reference")
#: the published ATE labels come from ``LinearDML(random_state=123)``
REFERENCE_SEED = 123
PROTOCOL_TEXT: dict[str, str] = {
    "default": "the agent's own choices (CI test and discovery algorithm chosen by the data's "
               "profile, partial graphs induced from the full graph, bootstrap-checked discovery, estimator "
               "'auto', 'does X cause Y?' read as total causation: a directed path of any length)",
    "reference": "the published labelling procedure (Fisher-z CI tests at alpha 0.05; PC with "
                 "Fisher-z at alpha 0.05 on all columns for edges and graphs; PC on the chosen subset for "
                 "partial graphs; no discovery bootstrap; {estimator} for ATE; 'does X cause Y?' read as a "
                 "direct edge, as the CAUSE labels are)",
}


def reference_estimator() -> str:
    """The registered name of the ATE estimator the published labels used: EconML's LinearDML
    ("dml") when econml is importable, else the linear back-door regression ("linear")."""
    import importlib.util

    return "dml" if importlib.util.find_spec("econml") is not None else "linear"


def protocol_settings(protocol: str, **overrides: Any) -> Any:
    """The agent ``Settings`` of an eval protocol (``overrides``: run options such as
    ``refute_simulations``); an unknown protocol is a one-line error naming the two."""
    from causal_agent.context import Settings

    if protocol == "default":
        return Settings(**overrides)
    if protocol == "reference":
        fixed: dict[str, Any] = {"ci_test": "fisherz", "algorithm": "pc", "alpha": 0.05, "partial_graph": "subset",
                                 "algorithm_params": {"uc_rule": 0, "uc_priority": 2},  # plain pc()
                                 "discovery_resamples": 0, "estimator": reference_estimator(),
                                 "seed": REFERENCE_SEED,
                                 # the published CAUSE labels are a direct edge of PC: "does X cause Y?"
                                 # keeps that reading (the default protocol reads total causation)
                                 "read_as": {"total_cause": "direct_cause"}}
        return Settings(**{**overrides, **fixed})
    raise DataError(f"unknown protocol {protocol!r}; use --protocol default or --protocol reference."
                    + suggestion(protocol, PROTOCOLS, "protocol"))


def protocol_text(protocol: str) -> str:
    """What the protocol means, in one sentence (for the report header)."""
    if protocol not in PROTOCOL_TEXT:
        raise DataError(f"unknown protocol {protocol!r}; use --protocol default or --protocol reference")
    est = {"dml": "EconML LinearDML (random_state 123)", "linear": "linear back-door regression (econml is not installed)"}
    return PROTOCOL_TEXT[protocol].format(estimator=est[reference_estimator()])


class ReferenceProcedure:
    """PC + matching CI test + linear back-door on one dataset; PC graphs are cached per subset."""

    def __init__(self, frame: pd.DataFrame, discrete: bool | None = None, alpha: float = 0.05) -> None:
        if frame.shape[1] < 2 or frame.shape[0] < 10:
            raise DataError(f"the reference procedure needs >= 2 columns and >= 10 rows, got {frame.shape}")
        non_numeric = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if non_numeric:
            raise DataError(f"column {non_numeric[0]!r} is not numeric; encode categories as integer codes first")
        self.frame = frame.dropna()
        self.columns = [str(c) for c in frame.columns]
        if discrete is None:  # integer-valued columns with few levels count as discrete
            discrete = all(
                bool((frame[c].dropna() % 1 == 0).all()) and frame[c].nunique() <= 10
                for c in frame.columns
            )
        self.discrete = bool(discrete)
        self.ci_test = "chisq" if self.discrete else "fisherz"
        self.alpha = alpha
        self._data = self.frame.to_numpy(dtype=float)
        self._cit: Any = None
        self._graphs: dict[tuple[str, ...], Any] = {}

    def _idx(self, name: str) -> int:
        if name not in self.columns:
            raise VariableError(f"unknown column {name!r}." + suggestion(name, self.columns, "column"))
        return self.columns.index(name)

    # -- CI tests ---------------------------------------------------------------------------------
    def p_value(self, x: str, y: str, given: Sequence[str] = ()) -> float:
        """The CI test's p-value for x ⫫ y | given."""
        from causallearn.utils.cit import CIT

        if self._cit is None:
            self._cit = CIT(self._data, self.ci_test)
        return float(self._cit(self._idx(x), self._idx(y), [self._idx(g) for g in given]))

    def independent(self, x: str, y: str, given: Sequence[str] = ()) -> bool:
        """p >= alpha: no evidence of dependence, read as independent."""
        return self.p_value(x, y, given) >= self.alpha

    # -- graphs -----------------------------------------------------------------------------------
    def pc_graph(self, variables: Sequence[str] | None = None) -> Any:
        """The PC graph (a ``CausalGraph``) over all columns or over ``variables`` only."""
        from causallearn.search.ConstraintBased.PC import pc

        from causal_agent.graph import CausalGraph

        names = tuple(self.columns if not variables else [self.columns[self._idx(v)] for v in variables])
        if names not in self._graphs:
            data = self._data[:, [self._idx(v) for v in names]]
            cg = pc(data, self.alpha, self.ci_test, show_progress=False, node_names=list(names))
            self._graphs[names] = CausalGraph.from_causallearn(cg.G, names=list(names))
        return self._graphs[names]

    # -- effects ----------------------------------------------------------------------------------
    def ate(self, treatment: str, outcome: str, t0: float, t1: float) -> tuple[float, float, float]:
        """(estimate, ci_low, ci_high) of the linear back-door estimate for moving T from t0 to t1."""
        import statsmodels.api as sm

        g = self.pc_graph()
        adjust = [p for p in g.parents(treatment) if p != outcome]
        cols = [self._idx(treatment)] + [self._idx(a) for a in adjust]
        X = sm.add_constant(self._data[:, cols], has_constant="add")
        fit = sm.OLS(self._data[:, self._idx(outcome)], X).fit()
        scale = t1 - t0
        lo, hi = fit.conf_int(0.05)[1] * scale
        return float(fit.params[1] * scale), float(min(lo, hi)), float(max(lo, hi))

    def _ols(self, outcome: str, regressors: Sequence[str]) -> Any:
        import statsmodels.api as sm

        X = sm.add_constant(self._data[:, [self._idx(r) for r in regressors]], has_constant="add")
        return sm.OLS(self._data[:, self._idx(outcome)], X).fit()

    def mediation(self, treatment: str, outcome: str, mediator: str, t0: float = 0.0,
                  t1: float = 1.0) -> tuple[float, float, float]:
        """(total, NDE, NIE) by the product of coefficients on the PC graph: NIE = the effect of T
        on M (adjusting for T's directed parents) times the effect of M on Y (adjusting for M's),
        NDE = total - NIE; NIE = 0 when the graph has no directed path T -> M -> Y in any DAG of its
        class (the PC graph read as the agent reads it, ``mediation.paths.structure``)."""
        from causal_agent_plugins.mediation.paths import structure

        g = self.pc_graph()
        pa_t = [p for p in g.parents(treatment) if p not in (outcome, mediator)]
        total = float(self._ols(outcome, [treatment, *pa_t]).params[1])
        nie = 0.0
        if structure(g, treatment, mediator, outcome).answer != "no":
            pa_m = [p for p in g.parents(mediator) if p not in (outcome, treatment)]
            a = float(self._ols(mediator, [treatment, *pa_t]).params[1])
            b = float(self._ols(outcome, [mediator, treatment, *pa_m]).params[1])
            nie = a * b
        scale = t1 - t0
        return total * scale, (total - nie) * scale, nie * scale

    # -- dispatch ---------------------------------------------------------------------------------
    def answer(self, question: Any) -> Any:
        """The reference answer to a ``Question`` (label, graph JSON or float)."""
        from causal_agent import graph_queries as gq

        qt = question.question_type
        if qt in ("IT", "CIT", "MULTCIT"):
            x, y = question.interest[:2]
            return as_asked(self.independent(x, y, question.given), question.polarity)
        if qt in ("CAUSE", "Has-Collider", "Has-Confounder", "Has-Direct-Confounder"):
            fn = {"CAUSE": gq.direct_cause, "Has-Collider": gq.shared_collider,
                  "Has-Confounder": gq.shared_confounder,
                  "Has-Direct-Confounder": gq.shared_direct_confounder}[qt]
            x, y = question.interest[:2]
            return fn(self.pc_graph(), x, y).answer
        if qt in ("Causes-Of", "Effects-Of"):
            rep = gq.relatives(self.pc_graph(), question.interest[0], "causes" if qt == "Causes-Of" else "effects")
            return {r.variable: r.answer for r in rep.relatives}
        if qt == "Total-Cause":
            return gq.total_cause(self.pc_graph(), *question.interest[:2]).answer
        if qt == "Causal-Association":
            return gq.explain_association(self.pc_graph(), *question.interest[:2]).answer
        if qt == "Z-Role":
            return gq.adjustment_role(self.pc_graph(), *question.interest[:3]).answer
        if qt == "CAUSALKG":
            return self.pc_graph().to_json()
        if qt == "PARTIAL_CG":
            return self.pc_graph(question.interest).to_json()
        if qt == "ATE":
            t, y = question.interest[:2]
            return self.ate(t, y, float(question.t0), float(question.t1))[0]
        if qt == "Mediates":  # interest: treatment, outcome, mediator
            from causal_agent_plugins.mediation.paths import structure

            t, y, m = question.interest[:3]
            return structure(self.pc_graph(), t, m, y).answer
        if qt in ("NIE", "NDE"):
            t, y, m = question.interest[:3]
            _, nde, nie = self.mediation(t, y, m, float(question.t0 or 0.0), float(question.t1 or 1.0))
            return nie if qt == "NIE" else nde
        raise DataError(f"unknown question type {qt!r}")

    def annotate(self, question: Any) -> Any:
        """A copy of ``question`` with ``data_answer`` set; a failure of the procedure (e.g. a PC
        graph the queries cannot read) leaves it None and says why in ``notes``."""
        try:
            value = self.answer(question)
        except CausalAgentError as exc:
            return question.model_copy(update={"data_answer": None,
                                               "notes": [*question.notes, f"reference procedure failed: {exc}"]})
        return question.model_copy(update={"data_answer": value})
