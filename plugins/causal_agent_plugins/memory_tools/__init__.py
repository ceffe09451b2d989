"""Built-in plugin: memory_tools — list, show, export, delete and compare stored graphs.

The tools live in :mod:`.tools`, imported only when they are registered, so that loading the
plugin (as ``causal-agent --help`` does, to collect commands) imports no LangChain or LangGraph.
"""

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    from .tools import TOOLS

    for t in TOOLS:
        register(t)
