"""The offline planner's phrasings for ``test_independence`` (statistical, data-level questions).

These examples are the planner's training data: variable names in a question are replaced by
placeholders and the question is matched against them. They cover both polarities (independent /
dependent), marginal and conditional forms, and a few with a test or a significance level named
literally (the ``method`` choice slot and the ``alpha`` number slot pick those up). They avoid
causal and graph words, which belong to the neighbouring intents.
"""

from causal_agent.hookspecs import hookimpl

INDEPENDENCE_EXAMPLES: list[str] = [
    # marginal, "independent" polarity
    "Are {x} and {y} independent?",
    "Is {x} independent of {y}?",
    "Are {x} and {y} independent of each other?",
    "Is {x} statistically independent of {y}?",
    "Are {x} and {y} marginally independent?",
    "Are {x} and {y} unrelated?",
    "Is {x} unrelated to {y}?",
    "Are {x} and {y} uncorrelated?",
    "Is there no association between {x} and {y}?",
    "Are {x} and {y} NOT associated?",
    "Is {x} NOT correlated with {y}?",
    "Does {x} have nothing to do with {y}?",
    # marginal, "dependent" polarity
    "Are {x} and {y} dependent?",
    "Does {x} depend on {y}?",
    "Are {x} and {y} correlated?",
    "Is {x} correlated with {y}?",
    "Is {x} associated with {y}?",
    "Are {x} and {y} related?",
    "Are {x} and {y} linked?",
    "Are {x} and {y} statistically connected?",
    "Are {x} and {y} unconnected in the data?",
    "Is {x} statistically disconnected from {y}?",
    "Is there a relationship between {x} and {y}?",
    # a plain association, no "why" and no "causal" (those ask explain_association)
    "Is there any association at all between {x} and {y}?",
    "Is there a statistical association between {x} and {y} in these data?",
    "Is there an association of {x} with {y}?",
    "Is there a correlation between {x} and {y} or not?",
    "Is there any dependence between {x} and {y}?",
    "Do the data show a link between {x} and {y}?",
    "Do {x} and {y} vary together?",
    "Does {x} tell us anything about {y}?",
    "Is the correlation between {x} and {y} significant?",
    "Can we reject the hypothesis that {x} and {y} are independent?",
    # conditional forms
    "Is {x} independent of {y} given {given}?",
    "Are {x} and {y} independent given {given}?",
    "Are {x} and {y} conditionally independent given {given}?",
    "Is {x} conditionally independent of {y} given {given}?",
    "Conditional on {given}, is {x} independent of {y}?",
    "Is {x} dependent on {y} conditional on {given}?",
    "Given {given}, are {x} and {y} dependent?",
    "Is {x} correlated with {y} once we control for {given}?",
    "Is {x} still correlated with {y} after we adjust for {given}?",
    "Is there a statistical relationship between {x} and {y} after adjusting for {given}?",
    "Holding {given} constant, are {x} and {y} still associated?",
    "Are {x} and {y} associated when {given} is held fixed?",
    "Once we know {given}, does {x} tell us anything about {y}?",
    "Does {x} carry any information about {y} given {given}?",
    "Accounting for {given}, is {x} related to {y}?",
    "Is {x} unrelated to {y} given {given}?",
    "Are {x} and {y} not associated once {given} is accounted for?",
    "Is there a significant association between {x} and {y}, controlling for {given}?",
    "Do {x} and {y} move together after controlling for {given}?",
    "Is there a dependency between {x} and {y} when we condition on {given}?",
    "Is {x} informative about {y} conditional on {given}?",
    "Does knowing {x} help predict {y} when {given} is already known?",
    "Does the association between {x} and {y} disappear when we control for {given}?",
    "Is {x} statistically unrelated to {y} after controlling for {given}?",
    "Is {x} ⫫ {y} | {given}?",
    "{x} ⫫ {y}?",
    "Is {x} ⊥ {y} | {given}?",
    # imperatives and polite wrappers
    "Test whether {x} and {y} are independent.",
    "Check whether {x} and {y} are statistically dependent.",
    "Please test whether {x} is independent of {y} given {given}.",
    "Test {x} against {y} for independence given {given}.",
    "Independence test: {x} vs {y} given {given}",
    "Could you tell me whether {x} and {y} are independent?",
    "I'd like to know if {x} is associated with {y} holding {given} fixed.",
    "I want to know whether {x} and {y} are dependent given {given}.",
    # with a test or a significance level named
    "Is {x} independent of {y} given {given} using a Fisher-z test?",
    "Are {x} and {y} independent at the 1% level?",
    "Test the independence of {x} and {y} with alpha 0.01.",
    "Run a chi-square test of independence between {x} and {y}.",
    "Using a kernel CI test (KCI), are {x} and {y} independent given {given}?",
    "With a G-squared test at significance level 0.05, is {x} independent of {y} conditional on {given}?",
    "Is the association between {x} and {y} statistically significant at the 5% level?",
    "Are {x} and {y} conditionally independent given {given} at alpha = 0.1?",
]


@hookimpl
def register_intents(register):  # type: ignore[no-untyped-def]
    register(
        "test_independence",
        examples=INDEPENDENCE_EXAMPLES,
        slots={"x": "variable", "y": "variable", "given": "given",
               "method": {"choice": "ci_tests"}, "alpha": "number"},
        name="independence",
    )
