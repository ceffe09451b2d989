"""Built-in plugin: the ``test_independence`` tool (X ⫫ Y | Z with causal-learn's CI tests).

The statistics live in ``causal_agent.independence``; this tool only reads the run-time context
(dataset registry, default alpha) and turns the result into a summary plus a structured artifact.
"""

from typing import Any

from pydantic import BaseModel, Field

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)


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


def _g(v: float, digits: int = 4) -> str:
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.{max(digits - 1, 1)}e}"
    return f"{v:.{digits}g}"


def _verdict(r: Any) -> dict[str, Any]:
    """The verdict-artifact fields: the answer to the tool's own question ("are x and y
    independent?"), what it means, and the evidence. p < alpha means dependent."""
    cond = f" given {', '.join(r.given)}" if r.given else ""
    if r.independent:
        finding = f"{r.x} and {r.y} are independent{cond}: the test finds no significant dependence"
    else:
        finding = f"{r.x} and {r.y} are dependent{cond}: the test rejects independence"
    evidence = [f"test {r.method}"]
    if r.statistic is not None:
        evidence.append(f"{r.statistic_name or 'statistic'} {_g(r.statistic)}")
    shown_p = "< 1e-16" if r.p_value == 0 else _g(r.p_value, 3)
    rel = "<" if r.p_value < r.alpha else ">="
    evidence.append(f"p-value {shown_p} {rel} alpha {_g(r.alpha)}")
    evidence.append(f"n = {r.n}")
    caveat = (
        "Not rejecting independence is not proof of it; a larger sample could still find a weak"
        " dependence." if r.independent else None
    )
    return {"answer": "yes" if r.independent else "no", "polarity": "independence",
            "finding": finding, "evidence": evidence, "caveat": caveat}


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
        # a verdict for the tool's own question, "are x and y independent?"; the agent reads it in
        # the polarity of the question as asked ("are they dependent?" flips it)
        return content, {**result.model_dump(), **_verdict(result)}

    run.metadata = {"artifact": "verdict"}
    return run


test_independence_tool.__test__ = False  # type: ignore[attr-defined]


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    register(test_independence_tool())
