"""Built-in plugin: the ``mediation`` tool (natural direct and indirect effects with DoWhy).

"Does X affect Y through M?", "how much of X's effect on Y goes through M?", "is it fully
mediated?", "what is the direct effect?". The logic lives in :mod:`.analysis` (DoWhy's mediation
estimands, over the graph's equivalence class, :mod:`.paths`); this module only wraps it as a tool.
The artifact is a verdict in the tool's own terms that also carries ``effects`` (total, direct,
indirect, each shaped like ``Answer.Effect``) and ``headline`` (the index of the one asked about),
which the agent copies into ``Answer.effects`` and ``Answer.effect``.

(No ``from __future__ import annotations``: the tool's ``runtime: ToolRuntime`` annotation must be a
real class for ToolNode to inject the context.)
"""

from typing import Annotated, Any, Literal

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)


def mediation_tool() -> Any:
    """The ``mediation`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool

    from causal_agent.tool_runtime import ToolRuntime

    from .analysis import mediation

    @tool("mediation", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        treatment: Annotated[str, "the treatment (cause) variable X"],
        outcome: Annotated[str, "the outcome variable Y"],
        mediator: Annotated[str, "the mediator variable M the effect may go through"],
        question: Annotated[
            Literal["through", "share", "fully", "direct"],
            "through: does X affect Y through M? share: how much goes through M; fully: is the effect fully"
            " mediated by M? direct: is there an effect not through M?",
        ] = "through",
        t0: Annotated[float, "control value of the treatment"] = 0.0,
        t1: Annotated[float, "treated value of the treatment"] = 1.0,
        graph_key: Annotated[str | None, "memory key of a graph; omit to use the dataset's graph"] = None,
        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None,
    ) -> tuple[str, dict[str, Any]]:
        """Mediation: does the treatment affect the outcome through the mediator, and how much?

        Natural direct (not through M), indirect (through M) and total effects with 95% CIs, from
        DoWhy's two-stage regression on the causal graph (discovered or reused from memory). When
        the graph has M on no directed path from X to Y (a collider, a confounder, an effect of Y),
        the answer is no, with the reason; over an equivalence class that leaves it open, uncertain."""
        result = mediation(runtime.context, treatment, outcome, mediator, question=question, t0=t0, t1=t1,
                           graph_key=graph_key, dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    run.metadata = {"artifact": "verdict",
                    "summary": "Does X affect Y through mediator M? Direct, indirect and total effects."}
    return run


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    register(mediation_tool())
