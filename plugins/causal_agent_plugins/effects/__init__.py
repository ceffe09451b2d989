"""Built-in plugin: the ``estimate_effect`` tool (ATE with DoWhy).

The estimation lives in ``causal_agent.effects.estimate_effect`` (model -> identify -> estimate ->
refute, with the IDA range when the graph leaves the adjustment set ambiguous); this tool only reads
the run-time context and returns the summary plus the structured ``EffectResult``. The estimators
themselves are registered objects (``register_estimators``), looked up by name like DoWhy's
``method_name``; a third-party plugin adds one the same way.

(No ``from __future__ import annotations``: the tool's ``runtime: ToolRuntime`` annotation must be a
real class for ToolNode to inject the context.)
"""

from typing import Annotated, Any

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)


def estimate_effect_tool() -> Any:
    """The ``estimate_effect`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    from causal_agent.effects import estimate_effect

    @tool("estimate_effect", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        treatment: Annotated[str, "the treatment (cause) variable T"],
        outcome: Annotated[str, "the outcome (effect) variable Y"],
        t0: Annotated[float, "control value of the treatment"] = 0.0,
        t1: Annotated[
            float, "treated value of the treatment; the ATE is E[Y|do(T=t1)] - E[Y|do(T=t0)]"
        ] = 1.0,
        confounders: Annotated[
            list[str] | None, "common causes of T and Y to adjust for; omit to use the causal graph"
        ] = None,
        graph_key: Annotated[
            str | None, "memory key of the graph to use; omit to discover (or reuse) the dataset's graph"
        ] = None,
        method: Annotated[
            str,
            "auto (linear regression; g-computation when the outcome is nonlinear; doubly robust "
            "for a binary T with several confounders), linear, gcomputation (spline outcome model), "
            "doubly_robust, propensity, propensity_matching, propensity_stratification (binary T), "
            "iv, frontdoor, dml and econml_dr (need econml)",
        ] = "auto",
        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None,
        contrast: Annotated[
            str | None,
            "a change stated without both values, instead of t0/t1: 'stop' (the treatment removed: "
            "1 -> 0 for a binary one, observed mean -> 0 otherwise), 'shift:D' (observed mean -> mean + D, "
            "e.g. shift:-2 for 'reduced by 2') or 'set:V' (observed mean -> V)",
        ] = None,
    ) -> tuple[str, dict[str, Any]]:
        """Estimate the average causal effect of a treatment on an outcome (DoWhy).

        Uses the named confounders, or the causal graph (discovered or reused from memory). Returns
        the estimate with a 95% CI, the adjustment set, the assumptions, a refuter's verdict, and
        the range over adjustment sets when the graph leaves them ambiguous."""
        result = estimate_effect(
            runtime.context, treatment, outcome, t0=t0, t1=t1, dataset=dataset,
            confounders=confounders, graph_key=graph_key, method=method, contrast=contrast,
        )
        content = result.summary
        if result.contrast:  # a change stated without both values: say what was computed
            content += f" Contrast: {result.contrast}."
        if result.notes:
            content += " Notes: " + " ".join(result.notes)
        return content, result.model_dump(mode="json")

    run.metadata = {"artifact": "effect", "summary": "Effect on outcome of setting treatment from t0 to t1."}
    return run


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    register(estimate_effect_tool())


@hookimpl
def register_estimators(register):  # type: ignore[no-untyped-def]
    """The built-in estimators, one module each in ``causal_agent.effects.estimators``. The first
    ``auto`` estimator of an estimand is auto's default for it; ``nonlinear=True`` marks the one
    auto tries against it on a non-linear outcome."""
    from causal_agent.effects.estimators.dml import LinearDML
    from causal_agent.effects.estimators.doubly_robust import DoublyRobust
    from causal_agent.effects.estimators.econml_dr import LinearDRLearner
    from causal_agent.effects.estimators.frontdoor import FrontDoor
    from causal_agent.effects.estimators.gcomputation import SplineGComputation
    from causal_agent.effects.estimators.iv import InstrumentalVariable
    from causal_agent.effects.estimators.linear import LinearRegression
    from causal_agent.effects.estimators.propensity import PropensityScore

    def add(name, estimator, description, *, label, aliases, nonlinear=False):  # type: ignore[no-untyped-def]
        register(name, estimator, description, label=label, nonlinear=nonlinear,
                 aliases=(*aliases, estimator.method_name.lower()))

    add("linear", LinearRegression("linear"), "linear regression on the back-door set (auto's default)",
        label="linear regression", aliases=("linear_regression", "regression", "ols"))
    add("propensity", PropensityScore("propensity", "backdoor.propensity_score_weighting"),
        "inverse propensity-score weighting (binary treatment)", label="propensity-score weighting",
        aliases=("propensity_weighting", "propensity_score", "ipw"))
    add("propensity_matching", PropensityScore("propensity_matching", "backdoor.propensity_score_matching"),
        "propensity-score matching (binary treatment)", label="propensity-score matching",
        aliases=("matching",))
    add("propensity_stratification",
        PropensityScore("propensity_stratification", "backdoor.propensity_score_stratification"),
        "propensity-score stratification (binary treatment)", label="propensity-score stratification",
        aliases=("stratification",))
    add("doubly_robust", DoublyRobust("doubly_robust"),
        "cross-fitted doubly robust AIPW with overlap trimming and a balance table (binary treatment);"
        " auto's choice for a binary treatment with several covariates",
        label="doubly robust AIPW", aliases=("dr", "aipw"))
    add("dml", LinearDML("dml"), "EconML LinearDML, a partially linear model (needs econml)",
        label="EconML LinearDML", aliases=("linear_dml", "lineardml", "econml"))
    add("econml_dr", LinearDRLearner("econml_dr"),
        "EconML LinearDRLearner, doubly robust (binary treatment; needs econml)",
        label="EconML LinearDRLearner", aliases=("lineardrlearner", "linear_dr", "drlearner"))
    add("iv", InstrumentalVariable("iv"), "instrumental variables (Wald/2SLS), auto's choice for an IV estimand",
        label="instrumental-variable (Wald/2SLS) estimation", aliases=("instrumental_variable",))
    add("frontdoor", FrontDoor("frontdoor"), "front-door two-stage regression, auto's choice for a front-door estimand",
        label="front-door two-stage regression", aliases=("front_door",))
    add("gcomputation", SplineGComputation("gcomputation"),
        "g-computation with a spline outcome regression; auto uses it when the outcome is nonlinear",
        label="g-computation with a spline regression", nonlinear=True,
        aliases=("g_computation", "gcomp", "s_learner", "spline", "nonlinear"))
