"""The offline planner's phrasings for ``describe_data`` (the dataset's profile)."""

from causal_agent.hookspecs import hookimpl

DESCRIBE_DATA_EXAMPLES: list[str] = [
    "Describe the data.",
    "Describe the dataset.",
    "What variables does the dataset have?",
    "Summarise the table.",
    "Summarize the data.",
    "What columns are there and what types?",
    "What columns does the data have?",
    "Which variables are in the data?",
    "List the variables.",
    "List the columns and their types.",
    "Show me the columns of the dataset.",
    "Give me an overview of the dataset.",
    "What is in this dataset?",
    "What does the data look like?",
    "How many rows and columns are there?",
    "Which columns are continuous and which are discrete?",
    "Are there missing values in the data?",
    "Which columns were excluded, and why?",
    "Show the profile of the dataset.",
    "What kind of data is this?",
    "Which datasets are loaded?",
    "Could you describe the loaded dataset?",
    "I'd like a summary of the variables in the table.",
    "Tell me about the data.",
    "What are the variable types in the table?",
    "Give me a quick profile of the columns.",
    "Which variables can I ask about?",
    "What are the columns?",
    "Which columns does the table contain?",
    "What variables are available in the data?",
]


@hookimpl
def register_intents(register):  # type: ignore[no-untyped-def]
    register("describe_data", examples=DESCRIBE_DATA_EXAMPLES, name="describe_data")
