"""Built-in plugin: the ``test_independence`` tool (X ⫫ Y | Z with causal-learn's CI tests).

The statistics live in ``causal_agent.independence``; this tool only reads the run-time context
(dataset registry, default alpha) and turns the result into a summary plus a structured artifact.
"""

from typing import Any

from pydantic import BaseModel, Field

from causal_agent.hookspecs import hookimpl


class TestIndependenceArgs(BaseModel):
    """Arguments of test_independence."""

    __test__ = False  # not a pytest test class

    x: str = Field(description="first variable")
    y: str = Field(description="second variable")
    given: list[str] = Field(
        default_factory=list, description="conditioning set Z (empty for a marginal test)"
    )
    method: str = Field("auto", description="auto, fisherz, chisq, gsq or kci")
    alpha: float | None = Field(None, description="significance level; omit for the default")
    dataset: str | None = Field(None, description="dataset name; omit for the loaded one")


def test_independence_tool() -> Any:
    """The ``test_independence`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool
    from langgraph.prebuilt import ToolRuntime

    from causal_agent.independence import test_independence

    @tool("test_independence", args_schema=TestIndependenceArgs,
          response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        x: str,
        y: str,
        given: list[str] | None = None,
        method: str = "auto",
        alpha: float | None = None,
        dataset: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """Test whether x and y are independent, optionally given other variables.

        p < alpha means dependent. Returns the decision, p-value, statistic and test used."""
        ctx = runtime.context
        result = test_independence(
            ctx.datasets.get(dataset), x, y, given or [], method=method,
            alpha=ctx.settings.alpha if alpha is None else alpha, seed=ctx.settings.seed,
        )
        content = result.summary
        if result.notes:
            content += " Notes: " + " ".join(result.notes)
        return content, result.model_dump()

    return run


test_independence_tool.__test__ = False  # type: ignore[attr-defined]


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    register(test_independence_tool())
