"""The offline planner's phrasings for ``estimate_effect`` (how large is the effect of T on Y).

These examples are the planner's training data. They ask for a size (how much, by how much, the
ATE, E[Y | do(T)]), which tells them apart from the yes/no graph questions; some carry the
control and treated values ``{t0}``/``{t1}`` and some the adjustment set ``{confounders}``.
"""

from causal_agent.hookspecs import hookimpl

EFFECT_EXAMPLES: list[str] = [
    # the effect, no values named
    "What is the effect of {treatment} on {outcome}?",
    "What's the causal impact of {treatment} on {outcome}?",
    "Estimate the causal effect of {treatment} on {outcome}.",
    "What is the ATE of {treatment} on {outcome}?",
    "Estimate the average treatment effect of {treatment} on {outcome}.",
    "What is the average causal effect of {treatment} on {outcome}?",
    "What is the treatment effect of {treatment} on {outcome}?",
    "Calculate the ATE for {treatment} → {outcome}.",
    "How large is the effect of {treatment} on {outcome}?",
    "How big is the causal effect of {treatment} on {outcome}?",
    "What's the effect size of {treatment} on {outcome}?",
    "What is {treatment}'s effect on {outcome}?",
    "Quantify the effect of {treatment} on {outcome}.",
    "Tell me the size of the causal effect of {treatment} on {outcome}.",
    "How strongly does {treatment} affect {outcome}?",
    "How much does {treatment} influence {outcome}?",
    "How much of a difference does {treatment} make to {outcome}?",
    "Estimate how much {treatment} causes {outcome} to change.",
    "What is the interventional effect of {treatment} on {outcome}?",
    "What is the marginal effect of {treatment} on {outcome}?",
    "What is the per-unit effect of {treatment} on {outcome}?",
    "Is the effect of {treatment} on {outcome} positive or negative, and how big is it?",
    "Would raising {treatment} improve {outcome}, and by how much?",
    "What is the effect on {outcome} of increasing {treatment}?",
    "How does {outcome} change as {treatment} is increased?",
    "How would {outcome} respond to an intervention on {treatment}?",
    "What is the average effect of an intervention on {treatment} on {outcome}?",
    "What would a randomised experiment on {treatment} show about its effect on {outcome}?",
    "What is the causal effect of {treatment} on {outcome} in this data?",
    "Could you estimate the causal effect of {treatment} on {outcome} for me?",
    "I'd like to know the average treatment effect of {treatment} on {outcome}.",
    # a unit change
    "How much would {outcome} increase if {treatment} were raised by one unit?",
    "By how much does {outcome} change when {treatment} increases by one unit?",
    "If we increased {treatment} by one unit, how much would {outcome} change?",
    "How much does a one-unit increase in {treatment} change {outcome}?",
    "What's the causal effect on {outcome} of a unit change in {treatment}?",
    "How much does {outcome} go up when {treatment} goes up by one?",
    # control and treated values
    "What is the average treatment effect of {treatment} on {outcome} when {treatment} goes from {t0} to {t1}?",
    "How much does {outcome} change if we set {treatment} to {t1} instead of {t0}?",
    "E[{outcome} | do({treatment}={t1})] - E[{outcome} | do({treatment}={t0})]",
    "Estimate E[{outcome} | do({treatment}={t1})] minus E[{outcome} | do({treatment}={t0})].",
    "Compare {outcome} under do({treatment}={t1}) with {outcome} under do({treatment}={t0}).",
    "What happens to {outcome} if {treatment} changes from {t0} to {t1}?",
    "What is the expected change in {outcome} when {treatment} is set to {t1} rather than {t0}?",
    "What is the impact on {outcome} of moving {treatment} from {t0} to {t1}?",
    "What is the ATE of setting {treatment} to {t1} versus {t0} on {outcome}?",
    "What would {outcome} be on average if everyone had {treatment} = {t1} instead of {t0}?",
    "How much higher would {outcome} be if {treatment} were {t1} rather than {t0}?",
    "What is the expected difference in {outcome} between {treatment} = {t1} and {treatment} = {t0}?",
    "If I set {treatment} to {t1}, what happens to {outcome} compared with {t0}?",
    "What is the counterfactual change in {outcome} had {treatment} been {t1} instead of {t0}?",
    "Could you estimate how much {outcome} changes when {treatment} goes from {t0} to {t1}?",
    "What would happen to {outcome} if we intervened to set {treatment} to {t1}?",
    "How much would {outcome} change under the intervention do({treatment} = {t1})?",
    # with the adjustment set named
    "Estimate the ATE of {treatment} on {outcome} adjusting for {confounders}.",
    "Compute the treatment effect of {treatment} on {outcome}, controlling for {confounders}.",
    "What is the effect of {treatment} on {outcome} after adjusting for {confounders}?",
    "Adjusting for {confounders}, what is the causal effect of {treatment} on {outcome}?",
    "Controlling for {confounders}, how much does {treatment} change {outcome}?",
    "Estimate the effect of {treatment} on {outcome} using {confounders} as confounders.",
    "Work out the ATE of {treatment} on {outcome}, with {confounders} as covariates.",
    "What is the effect on {outcome} of changing {treatment} from {t0} to {t1}, holding {confounders} fixed?",
    # the outcome first, the treatment after (roles from the phrasing, never from word order)
    "What is the effect on {outcome} of {treatment}?",
    "What is {outcome}'s response to {treatment}?",
    "How does {outcome} respond to changes in {treatment}?",
    "How sensitive is {outcome} to {treatment}?",
    "How much is {outcome} increased by {treatment}?",
    "By how much is {outcome} affected by {treatment}?",
    "How much of a change in {outcome} does {treatment} cause?",
    "How much does {treatment} increase {outcome}?",
    "How much does {treatment} reduce {outcome}?",
    "How much would {outcome} go down if {treatment} went down?",
    # a size asked without saying which variable acts on which: the planner asks back for the roles
    "What is the size of the causal effect between {treatment} and {outcome}?",
    "Measure the strength of the causal link between {treatment} and {outcome}.",
    "How large, numerically, is the causal influence linking {treatment} and {outcome}?",
    "Put a number on the causal effect involving {treatment} and {outcome}.",
    "What is the magnitude of the causal connection of {treatment} with {outcome}?",
    "Quantify the causal effect linking {treatment} and {outcome}.",
    "Give me a causal estimate for {treatment} and {outcome}.",
    "How strongly are {treatment} and {outcome} causally connected, in numbers?",
    "How big is the causal effect between {treatment} and {outcome}?",
    "How strong is the causal relationship between {treatment} and {outcome}, as a number?",
    # a change stated without both values: the tool reads t0 and t1 off the data
    "If nobody had {treatment}, how much would {outcome} change?",
    "If {treatment} stopped, what would happen to {outcome}?",
    "What would {outcome} look like if {treatment} were banned?",
    "How much would {outcome} drop if we eliminated {treatment}?",
    "What would happen to {outcome} if we reduced {treatment} by 2?",
    "If {treatment} were cut by half a unit, how much would {outcome} change?",
    "What is the expected {outcome} if we fixed {treatment} at 2?",
    "How would {outcome} change if {treatment} increased by 2?",
    'And the effect?',
    'What about the average effect?',
    'And the causal effect, then?',
]


@hookimpl
def register_intents(register):  # type: ignore[no-untyped-def]
    register(
        "estimate_effect",
        examples=EFFECT_EXAMPLES,
        slots={"treatment": "variable", "outcome": "variable", "t0": "treatment_values",
               "t1": "treatment_values", "contrast": "contrast", "confounders": "given",
               "method": {"choice": "estimators"}},
        name="effect",
    )
