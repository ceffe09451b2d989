"""Built-in plugin: the ``confidence`` tool ("how sure are you that X causes Y?", "how stable is
this edge?").

It answers with bootstrap support for the edge and its orientation (reusing the graph's stored
bootstrap, :mod:`causal_agent.bootstrap`), the sample size and the CI test's power where it can be
estimated (:mod:`.analysis`), never a bare yes. The artifact is a table (``title``, ``columns``,
``rows``) that also carries the figures by name and the ``summary`` sentence.

(No ``from __future__ import annotations``: the tool's ``runtime: ToolRuntime`` annotation must be a
real class for ToolNode to inject the context.)
"""

from typing import Annotated, Any

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)


def confidence_tool() -> Any:
    """The ``confidence`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool

    from causal_agent.tool_runtime import ToolRuntime

    from .analysis import edge_confidence

    @tool("confidence", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        x: Annotated[str, "first variable (the cause, for an orientation)"],
        y: Annotated[str, "second variable"],
        resamples: Annotated[
            int | None, "bootstrap resamples to run if the graph has fewer stored; omit to reuse the stored ones"
        ] = None,
        graph_key: Annotated[str | None, "memory key of a graph; omit to use the dataset's graph"] = None,
        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None,
    ) -> tuple[str, dict[str, Any]]:
        """How confident is the causal graph about the edge between x and y (and x -> y)?

        Bootstrap support for the edge and for each orientation (the share of resampled graphs
        that have it), the sample size, and the CI test's power to detect the observed partial
        correlation (Fisher-z). Use it for "how sure / how stable / how robust" questions."""
        result = edge_confidence(runtime.context, x, y, graph_key=graph_key, dataset=dataset, resamples=resamples)
        return result.summary, result.model_dump(mode="json")

    run.metadata = {"artifact": "table", "summary": "Bootstrap support, sample size and test power for an edge."}
    return run


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    register(confidence_tool())
