"""The offline planner's phrasings for ``list_graphs`` (which graphs memory holds)."""

from causal_agent.hookspecs import hookimpl

LIST_GRAPHS_EXAMPLES: list[str] = [
    "Which graphs are stored?",
    "List the graphs in memory.",
    "What causal graphs have you learned so far?",
    "List all stored graphs.",
    "Show me the saved graphs.",
    "Which causal graphs are in memory?",
    "What graphs do you have stored?",
    "List my graphs.",
    "Show the stored causal graphs.",
    "Which graphs have been learned already?",
    "What graphs are saved in memory right now?",
    "Are there any graphs in memory?",
    "How many graphs are stored?",
    "Give me a list of the learned graphs.",
    "Which graphs did you keep from earlier runs?",
    "What is in the graph memory?",
    "List the cached graphs.",
    "Show all graphs you remember.",
    "Which graph keys are available?",
    "What are the keys of the stored graphs?",
    "What graphs have been discovered so far?",
    "Could you list the graphs you have stored?",
    "I'd like to see which graphs are stored.",
    "Which previously learnt graphs can I reuse?",
    "Enumerate the graphs in memory.",
    "Do you have any stored graphs?",
    "Which causal graphs have been saved for this dataset?",
]


@hookimpl
def register_intents(register):  # type: ignore[no-untyped-def]
    register("list_graphs", examples=LIST_GRAPHS_EXAMPLES, name="list_graphs")
