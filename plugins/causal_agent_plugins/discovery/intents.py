"""The offline planner's phrasings for ``discover_graph`` (learn and show a causal graph).

These examples are the planner's training data. Full-graph questions name no variable; partial-graph
questions carry ``{variables}``. A few name an algorithm or a significance level literally (the
``algorithm`` choice slot and the ``alpha`` number slot pick those up); only real algorithm names
are used.

Bootstrap requests are their own intents of the same tool: ``graph_bootstrap`` ("... with 50
bootstrap resamples") has ``resamples`` as its only number slot, so the question's lone number
fills it (``alpha`` is fixed to its default there, None, so it is no second number slot);
``graph_no_bootstrap`` fixes ``resamples=0``.
"""

from causal_agent.hookspecs import hookimpl

GRAPH_EXAMPLES: list[str] = [
    # the full graph, no variable named
    "Draw the causal graph.",
    "Show the causal graph.",
    "Give me the full causal graph.",
    "What is the causal structure of this data?",
    "What does the causal graph look like?",
    "What is the causal DAG?",
    "Learn a causal DAG from the dataset.",
    "Show me how the variables cause each other.",
    "Discover the causal network.",
    "Please discover the causal structure.",
    "Run causal discovery on this dataset.",
    "Perform structure learning on the data.",
    "Estimate the causal graph from the data.",
    "Infer the causal structure of the variables.",
    "Recover the causal DAG from the observational data.",
    "Reconstruct the causal network of the variables.",
    "Build the causal graph for the variables in the dataset.",
    "Plot the causal diagram of the data.",
    "Visualise the causal network.",
    "Visualize the causal relationships between all the variables.",
    "Map out the cause-and-effect relationships in the data.",
    "What is the cause-and-effect structure of the dataset?",
    "What is the underlying causal model of the data?",
    "Which variables cause which?",
    "What causes what in this data?",
    "Which variables are causes and which are effects in this data?",
    "Tell me which variables cause which, as a graph.",
    "Find the causal relationships between all the variables and draw them.",
    "How do all the variables affect one another?",
    "Show me the directed acyclic graph for this data.",
    "Show me the DAG learned from the data.",
    "What is the CPDAG of this dataset?",
    "Could you draw the causal DAG for me?",
    "I'd like to see the causal graph of the data.",
    "Can you work out the causal structure behind this table?",
    # a partial graph over some variables
    "What is the causal graph over {variables}?",
    "How are {variables} causally related?",
    "Draw the causal structure among {variables}.",
    "Give me the causal structure among {variables}.",
    "What are the causal relationships among {variables}?",
    "How do {variables} influence each other?",
    "Sketch the causal diagram for {variables}.",
    "Learn a partial causal graph over {variables}.",
    "Show the causal links between {variables}.",
    "Show how {variables} are causally connected.",
    "What does the causal network over {variables} look like?",
    "Draw a graph of the causal relations between {variables}.",
    "Draw the causal graph for {variables} only.",
    "Which causal arrows connect {variables}?",
    "Could you show me the causal DAG restricted to {variables}?",
    # an algorithm or a significance level named
    "Learn the causal graph using the PC algorithm.",
    "Discover the causal structure with GES.",
    "Run FCI on the data and show the graph.",
    "Learn the PAG with FCI.",
    "Fit a DirectLiNGAM model and show me the causal DAG.",
    "Learn the causal graph with LiNGAM.",
    "Learn the causal graph over {variables} with GRaSP.",
    "Use GES to learn a causal graph over {variables}.",
    "Discover the causal graph among {variables} using the PC algorithm at alpha 0.01.",
    "Learn the causal structure with the PC algorithm at significance level 0.05.",
]


BOOTSTRAP_EXAMPLES: list[str] = [
    "Discover the graph with {resamples} bootstrap resamples.",
    "Learn the causal graph and bootstrap it {resamples} times.",
    "Run causal discovery with {resamples} bootstrap samples to check edge stability.",
    "How stable are the edges of the causal graph over {resamples} bootstrap resamples?",
    "Bootstrap the causal graph with {resamples} resamples.",
    "Show the causal graph over {variables} with {resamples} bootstrap resamples.",
    "Check the edge support of the causal graph with a bootstrap of {resamples} resamples.",
    "Give me the causal graph with bootstrap edge frequencies from {resamples} resamples.",
]

NO_BOOTSTRAP_EXAMPLES: list[str] = [
    "Discover the causal graph without the bootstrap.",
    "Learn the causal graph with no bootstrap resampling.",
    "Show the causal graph, skip the bootstrap.",
    "Draw the causal graph without bootstrap resamples.",
    "Learn the graph over {variables} without bootstrapping.",
    "Turn the bootstrap off and discover the causal structure.",
]


@hookimpl
def register_intents(register):  # type: ignore[no-untyped-def]
    register(
        "discover_graph",
        examples=GRAPH_EXAMPLES,
        slots={"variables": "variables", "algorithm": {"choice": "algorithms"}, "ci_test": {"choice": "ci_tests"}, "alpha": "number"},
        name="graph",
    )
    register(
        "discover_graph",
        examples=BOOTSTRAP_EXAMPLES,
        slots={"variables": "variables", "algorithm": {"choice": "algorithms"}, "ci_test": {"choice": "ci_tests"}, "resamples": "number"},
        constants={"alpha": None},  # the default alpha: leaves resamples the lone number slot
        name="graph_bootstrap",
    )
    register(
        "discover_graph",
        examples=NO_BOOTSTRAP_EXAMPLES,
        slots={"variables": "variables", "algorithm": {"choice": "algorithms"}},
        constants={"resamples": 0},
        name="graph_no_bootstrap",
    )
    from .environments import register_environment_intents

    register_environment_intents(register)  # CD-NOD: data from several environments
