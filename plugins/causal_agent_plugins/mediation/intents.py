"""The offline planner's phrasings for ``mediation``: does X act on Y through M, how much of it, is
it fully mediated, and what is left that does not go through M.

Every example names three variables, the third as the mediator ("through", "via", "mediated by",
"M mediates"), which tells these questions apart from the two-variable effect and direct-cause
ones. Three intents set the tool's ``question``: ``through`` (does X act through M, and how much:
the indirect effect), ``fully`` (complete mediation) and ``direct`` (the part not through M); the
tool's ``share`` wording is for models that call it themselves.
"""

from causal_agent.hookspecs import hookimpl

THROUGH_EXAMPLES: list[str] = [
    "Does {treatment} affect {outcome} through {mediator}?",
    "Does {treatment} influence {outcome} via {mediator}?",
    "Does {treatment} act on {outcome} through {mediator}?",
    "Is the effect of {treatment} on {outcome} mediated by {mediator}?",
    "Does {mediator} mediate the effect of {treatment} on {outcome}?",
    "Does {treatment} cause {outcome} by way of {mediator}?",
    "Does {treatment} change {outcome} by changing {mediator}?",
    "Does part of {treatment}'s effect on {outcome} run through {mediator}?",
    "Is there an indirect effect of {treatment} on {outcome} via {mediator}?",
    "Is there an indirect path from {treatment} to {outcome} through {mediator}?",
    "Does {treatment} work through {mediator} to change {outcome}?",
    "Is {mediator} on the causal pathway from {treatment} to {outcome}?",
    "Does the influence of {treatment} on {outcome} pass through {mediator}?",
    "Is {treatment}'s impact on {outcome} transmitted by {mediator}?",
    "Can {mediator} explain how {treatment} affects {outcome}?",
    "Is {mediator} the mechanism by which {treatment} affects {outcome}?",
    "Does {treatment} lead to {outcome} via {mediator}?",
    "Is {mediator} an intermediate step between {treatment} and {outcome}?",
    "Does {treatment} NOT affect {outcome} through {mediator}?",
    "Is the relationship between {treatment} and {outcome} mediated through {mediator}?",
    "Does {mediator} carry some of the causal effect of {treatment} on {outcome}?",
    "With {mediator} as the mediator, is there an indirect effect of {treatment} on {outcome}?",
    "Is {treatment} affecting {outcome} by way of its effect on {mediator}?",
    "Is {mediator} a mediating factor for the effect of {treatment} on {outcome}?",
    "Is {mediator} an intermediary between {treatment} and {outcome}?",
    "Does {treatment} partly act on {outcome} via {mediator}?",
    "Is some of {treatment}'s influence on {outcome} routed through {mediator}?",
    "Does {treatment} reach {outcome} through its effect on {mediator}?",
    "Is the link from {treatment} to {outcome} channelled via {mediator}?",
    "Does {treatment} influence {outcome} because it changes {mediator}?",
    "Is {mediator} a mediator of the effect of {treatment} on {outcome}?",
    "Does {mediator} mediate between {treatment} and {outcome}?",
    "Is {mediator} a link in the chain from {treatment} to {outcome}?",
    "Is {mediator} part of how {treatment} gets to {outcome}?",
]

SHARE_EXAMPLES: list[str] = [
    "How much of the effect of {treatment} on {outcome} goes through {mediator}?",
    "What share of {treatment}'s effect on {outcome} is mediated by {mediator}?",
    "What proportion of the effect of {treatment} on {outcome} is explained by {mediator}?",
    "What is the indirect effect of {treatment} on {outcome} through {mediator}?",
    "Estimate the natural indirect effect of {treatment} on {outcome} via {mediator}.",
    "Decompose the effect of {treatment} on {outcome} into direct and indirect parts through {mediator}.",
    "Split the total effect of {treatment} on {outcome} into the part via {mediator} and the rest.",
    "How large is the mediated effect of {treatment} on {outcome} through {mediator}?",
    "Run a mediation analysis of {treatment} on {outcome} with {mediator} as the mediator.",
    "What fraction of {treatment}'s influence on {outcome} runs via {mediator}?",
    "Quantify how much {mediator} mediates the effect of {treatment} on {outcome}.",
    "What are the natural direct and indirect effects of {treatment} on {outcome} with mediator {mediator}?",
    "By how much does {treatment} change {outcome} through {mediator}?",
    "What percentage of the impact of {treatment} on {outcome} is transmitted through {mediator}?",
    "Give me the NIE and NDE of {treatment} on {outcome} through {mediator}.",
    "How strong is the pathway from {treatment} to {outcome} via {mediator}?",
    "Mediation analysis: {treatment} -> {mediator} -> {outcome}",
    "If {treatment} changes from {t0} to {t1}, how much of the change in {outcome} comes through {mediator}?",
]

FULLY_EXAMPLES: list[str] = [
    "Is the effect of {treatment} on {outcome} fully mediated by {mediator}?",
    "Does {mediator} fully mediate the effect of {treatment} on {outcome}?",
    "Does all of {treatment}'s effect on {outcome} go through {mediator}?",
    "Is the effect of {treatment} on {outcome} entirely explained by {mediator}?",
    "Is {mediator} a complete mediator of {treatment}'s effect on {outcome}?",
    "Is the mediation of {treatment} on {outcome} by {mediator} full or partial?",
    "Does {treatment} affect {outcome} only through {mediator}?",
    "Is {mediator} the only channel through which {treatment} affects {outcome}?",
    "Does {treatment} influence {outcome} exclusively via {mediator}?",
    "Is the {treatment} to {outcome} effect completely mediated through {mediator}?",
    "Is the effect of {treatment} on {outcome} fully or only partly mediated by {mediator}?",
    "Is there complete mediation of {treatment} on {outcome} via {mediator}?",
    "If we blocked {mediator}, would the effect of {treatment} on {outcome} disappear entirely?",
    "Would cutting off {mediator} remove all of {treatment}'s effect on {outcome}?",
]

DIRECT_EXAMPLES: list[str] = [
    "What is the direct effect of {treatment} on {outcome} not through {mediator}?",
    "Does {treatment} affect {outcome} other than through {mediator}?",
    "Is there a direct effect of {treatment} on {outcome} that bypasses {mediator}?",
    "What is the natural direct effect of {treatment} on {outcome} with {mediator} as mediator?",
    "Holding {mediator} fixed, how much does {treatment} still change {outcome}?",
    "Does {treatment} still affect {outcome} once the path through {mediator} is removed?",
    "How much of {treatment}'s effect on {outcome} does not go through {mediator}?",
    "Apart from via {mediator}, does {treatment} influence {outcome}?",
    "Is there any effect of {treatment} on {outcome} besides the one through {mediator}?",
    "Estimate the effect of {treatment} on {outcome} that does not pass through {mediator}.",
    "Does {treatment} have a direct path to {outcome} bypassing {mediator}?",
    "How big is the direct effect of {treatment} on {outcome} once {mediator} is held constant?",
    "What part of the effect of {treatment} on {outcome} is not mediated by {mediator}?",
    "Setting aside {mediator}, what is the remaining effect of {treatment} on {outcome}?",
    "Beyond its effect through {mediator}, does {treatment} change {outcome}?",
    "Is there a residual direct effect of {treatment} on {outcome} after accounting for the path via {mediator}?",
    "Excluding the route through {mediator}, how much does {treatment} affect {outcome}?",
    "What is the effect of {treatment} on {outcome} along paths that avoid {mediator}?",
    "Without going through {mediator}, does {treatment} still affect {outcome}?",
    "Compute the controlled direct effect of {treatment} on {outcome} with {mediator} fixed.",
    "If {mediator} were held constant, would {treatment} still affect {outcome}?",
    "If we blocked {mediator}, would {treatment} still change {outcome}?",
    "Would {treatment} still matter for {outcome} if {mediator} could not change?",
]


@hookimpl
def register_intents(register):  # type: ignore[no-untyped-def]
    slots = {"treatment": "variable", "outcome": "variable", "mediator": "mediator",
             "t0": "treatment_values", "t1": "treatment_values"}
    # "how much goes through M" and "does X act through M" have one answer (the indirect effect,
    # its CI and the verdict), so they are one intent: split, they would share one probability
    for name, question, examples in (
        ("mediation", "through", THROUGH_EXAMPLES + SHARE_EXAMPLES),
        ("mediation_full", "fully", FULLY_EXAMPLES),
        ("mediation_direct", "direct", DIRECT_EXAMPLES),
    ):
        register("mediation", examples=examples, slots=slots, constants={"question": question}, name=name)
