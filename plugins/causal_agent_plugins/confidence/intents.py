"""The offline planner's phrasings for ``confidence``: how sure, how stable, how well supported.

These ask for a degree of belief in a link between two variables (confidence, certainty,
stability, robustness, bootstrap support, power), not whether the link exists, which tells them
apart from the direct-cause and independence questions.
"""

from causal_agent.hookspecs import hookimpl

CONFIDENCE_EXAMPLES: list[str] = [
    "How confident are you that {x} causes {y}?",
    "How sure are you that {x} is a cause of {y}?",
    "How certain is it that {x} affects {y}?",
    "How confident can we be in the edge between {x} and {y}?",
    "How stable is the edge between {x} and {y}?",
    "How stable is the link from {x} to {y}?",
    "How robust is the edge {x} -> {y}?",
    "How reliable is the arrow from {x} to {y}?",
    "What is the bootstrap support for the edge {x} -> {y}?",
    "How often does the edge between {x} and {y} come back in bootstrap resamples?",
    "How much support is there for {x} --> {y} in the learned graph?",
    "How well supported is the claim that {x} causes {y}?",
    "What is your confidence in the direction of the edge between {x} and {y}?",
    "How sure is the graph about the orientation {x} -> {y}?",
    "Is the edge between {x} and {y} stable under resampling?",
    "Would the edge between {x} and {y} survive with different data?",
    "How much should I trust the edge from {x} to {y}?",
    "How trustworthy is the causal link between {x} and {y}?",
    "What is the probability that the edge {x} -> {y} is real?",
    "How strong is the evidence for an edge between {x} and {y}?",
    "What is the power of the test for the edge between {x} and {y}?",
    "Does the test have enough power to detect a link between {x} and {y}?",
    "How confident is the model about the relationship between {x} and {y}?",
    "Give me the stability of the edge between {x} and {y}.",
    "Quantify the uncertainty about the edge between {x} and {y}.",
    "How certain are you about the direction between {x} and {y}?",
    "How much confidence do you have in {x} being a cause of {y}?",
    "Rate your confidence that {x} influences {y}.",
    "How sure are you about that edge?",
    "How stable is this edge?",
    "How confident are you in that?",
    "Check the bootstrap support of the edge between {x} and {y} with {resamples} resamples.",
]


@hookimpl
def register_intents(register):  # type: ignore[no-untyped-def]
    register("confidence", examples=CONFIDENCE_EXAMPLES,
             slots={"x": "variable", "y": "variable", "resamples": "number"}, name="confidence")
