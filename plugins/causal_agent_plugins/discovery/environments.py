"""Data from several environments: the ``effect_across_environments`` tool and the planner's
phrasings for CD-NOD questions.

* "Which mechanisms change across sites?" and "learn the graph, taking the site into account" are
  ``discover_graph`` with its ``context`` argument (intent ``changing_mechanisms``; the plain graph
  intents read a context phrase too): CD-NOD, whose graph lists the changed mechanisms.
* "Does the effect of X on Y differ between batches?" is ``effect_across_environments``
  (intent ``effect_by_environment``): CD-NOD, then the effect within each environment and a test of
  whether they differ (``causal_agent.environments.compare_effects``).

An argument called ``context`` is the planner's context slot (the column after "across", "between",
"in each", "taking … into account", see ``causal_agent.planner.context_slot``), so the intents
declare no slot for it. These phrasings are training data: the tests' and the benchmark's
phrasings are kept apart from them.

(No ``from __future__ import annotations``: the tool's ``runtime: ToolRuntime`` annotation must be a
real class for ToolNode to inject the context.)
"""

from typing import Annotated, Any

CHANGING_EXAMPLES: list[str] = [
    "Which mechanisms change across {context}?",
    "Which causal mechanisms differ between {context}?",
    "Which variables have mechanisms that change with {context}?",
    "What changes between {context}?",
    "Which relationships shift across {context}?",
    "Which parts of the causal model vary across {context}?",
    "Which mechanisms are not invariant across {context}?",
    "Which variables are affected by {context}?",
    "Find the variables whose causal mechanism changes across {context}.",
    "Which causal mechanisms are different in each {context}?",
    "Which mechanisms shift between environments?",
    "Which mechanisms change across environments?",
    "Detect the changing causal mechanisms across {context}.",
    "Which variables' distributions change from one {context} to another, given their causes?",
    "Where do the data of different {context} differ causally?",
    "Which conditional distributions differ across {context}?",
    "Run CD-NOD with {context} as the context.",
    "Use CD-NOD to find what changes across {context}.",
    "Learn the causal graph, taking {context} into account.",
    "Discover the causal structure taking {context} into account.",
    "Learn the causal graph from data of several {context}.",
    "Learn the causal graph across {context}, accounting for {context} differences.",
    "Draw the causal graph with {context} as the environment.",
    "Learn the causal graph over {variables} taking {context} into account.",
    "Causal discovery from heterogeneous data across {context}.",
    "Learn the causal structure from nonstationary data indexed by {context}.",
    "Which mechanisms changed over {context}?",
    "Is there a causal mechanism that changes across {context}?",
]

EFFECT_DIFFERENCE_EXAMPLES: list[str] = [
    # few use the words of the effect intents ("effect", "impact", "influence"): a word many
    # intents share stops being anyone's cue, and one used mostly here would pull plain effect
    # questions in. What tells these apart is "differ / vary / the same ... across / between / in
    # each" and the context.
    "Does the effect of {treatment} on {outcome} differ between {context}?",
    "Is the impact of {treatment} on {outcome} the same in every {context}?",
    "Does the influence of {treatment} on {outcome} vary across {context}?",
    "Does {treatment} affect {outcome} differently in each {context}?",
    "Does {treatment} change {outcome} by the same amount in every {context}?",
    "Is the way {treatment} drives {outcome} consistent across {context}?",
    "Is the causal relation from {treatment} to {outcome} heterogeneous across {context}?",
    "Does the way {treatment} drives {outcome} change from one {context} to another?",
    "Does how much {outcome} responds to {treatment} depend on the {context}?",
    "Is the response of {outcome} to {treatment} stable across {context}?",
    "Does {outcome} respond more strongly to {treatment} in some {context} than in others?",
    "How does the response of {outcome} to {treatment} differ between {context}?",
    "Is the average response of {outcome} to {treatment} equal across {context}?",
    "Does changing {treatment} from {t0} to {t1} move {outcome} equally in every {context}?",
    "Do the {context} differ in how {treatment} moves {outcome}?",
    "Does the response of {outcome} to {treatment} differ between environments?",
    "Is the dependence of {outcome} on {treatment} the same across environments?",
    "Does {treatment} act on {outcome} the same way in each {context}?",
    "Compare how strongly {treatment} drives {outcome} between {context}.",
    "Estimate how {outcome} responds to {treatment} per {context} and tell me whether it differs.",
    "Does {treatment} matter more for {outcome} at some {context} than at others?",
    "Are the {treatment} to {outcome} effects heterogeneous between {context}?",
]


def effect_across_environments_tool() -> Any:
    """The ``effect_across_environments`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool

    from causal_agent.environments import compare_effects
    from causal_agent.tool_runtime import ToolRuntime

    @tool("effect_across_environments", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        treatment: Annotated[str, "the treatment (cause) variable T"],
        outcome: Annotated[str, "the outcome (effect) variable Y"],
        context: Annotated[
            str | None, "column naming each row's environment (site, batch, period); omit for --context"
        ] = None,
        t0: Annotated[float, "control value of the treatment"] = 0.0,
        t1: Annotated[float, "treated value of the treatment"] = 1.0,
        method: Annotated[str, "effect estimator (auto, linear, gcomputation, ...)"] = "auto",
        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None,
    ) -> tuple[str, dict[str, Any]]:
        """Does the effect of a treatment on an outcome differ between environments (sites, batches,
        periods)? Learns the graph with CD-NOD, estimates the effect within each environment with
        its 95% CI, and tests whether they differ (yes: they differ; no: equal within a stated
        margin; uncertain: the data cannot tell)."""
        result = compare_effects(runtime.context, treatment, outcome, context=context, t0=t0, t1=t1,
                                 dataset=dataset, method=method)
        content = (f"{result.answer.capitalize()}: {result.finding}. {result.reason}. ({result.caveat}.)")
        if result.notes:
            content += " Notes: " + " ".join(result.notes)
        artifact = {
            "answer": result.answer, "finding": result.finding, "reason": result.reason,
            "caveat": result.caveat, "graph_key": result.graph_key,
            "evidence": [e.text(result.context) for e in result.effects],
            "table": result.table(),
            **result.model_dump(mode="json", exclude={"finding", "reason", "caveat", "effects"}),
            # per environment ("effects" is the key of a verdict's Effect list; these are not Effects)
            "environments": [e.model_dump(mode="json") for e in result.effects],
        }
        return content, artifact

    run.metadata = {"artifact": "verdict",
                    "summary": "Whether the effect of treatment on outcome differs between environments."}
    return run


def register_environment_intents(register: Any) -> None:
    """The CD-NOD intents (called from the discovery plugin's ``register_intents``)."""
    register(
        "discover_graph",
        examples=CHANGING_EXAMPLES,
        slots={"variables": "variables", "algorithm": {"choice": "algorithms"},
               "ci_test": {"choice": "ci_tests"}, "alpha": "number"},
        name="changing_mechanisms",
    )
    register(
        "effect_across_environments",
        examples=EFFECT_DIFFERENCE_EXAMPLES,
        slots={"treatment": "variable", "outcome": "variable", "t0": "treatment_values",
               "t1": "treatment_values", "method": {"choice": "estimators"}},
        name="effect_by_environment",
    )


__all__ = ["CHANGING_EXAMPLES", "EFFECT_DIFFERENCE_EXAMPLES", "effect_across_environments_tool",
           "register_environment_intents"]
