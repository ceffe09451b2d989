"""Built-in plugin: the ``describe_data`` tool (a dataset's profile and the loaded datasets).

The profile (column kinds, missing values, excluded columns and why) is what the other tools base
their choices on, so showing it first lets a model pick sensible variables and methods.

(No ``from __future__ import annotations``: the tool's ``runtime: ToolRuntime`` annotation must be a
real class for ToolNode to inject the context.)
"""

from typing import Annotated, Any

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)


def describe(ctx: Any, dataset: str | None = None) -> tuple[str, dict[str, Any]]:
    """(summary, artifact) for one dataset of ``ctx``: rows, columns with kind/missing/excluded."""
    ds = ctx.datasets.get(dataset)
    profile = ds.profile
    lines = [f"Dataset {ds.name}: {profile.summary()}"]
    for c in profile.columns:
        extra = [c.kind]
        if c.n_missing:
            extra.append(f"{c.n_missing} missing")
        if c.excluded:
            extra.append(f"EXCLUDED: {c.reason}" if c.reason else "EXCLUDED")
        lines.append(f"- {c.name} ({', '.join(extra)})")
    names = ctx.datasets.names()
    lines.append(f"Loaded datasets: {', '.join(names)}.")
    artifact = {
        "dataset": ds.name,
        "path": ds.path,
        "datasets": names,
        "n_rows": profile.n_rows,
        "n_columns": profile.n_columns,
        "variables": list(ds.variables),
        "excluded": list(profile.excluded),
        "profile": profile.model_dump(mode="json"),
    }
    return "\n".join(lines), artifact


def describe_data_tool() -> Any:
    """The ``describe_data`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    @tool("describe_data", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None,
    ) -> tuple[str, dict[str, Any]]:
        """Describe a loaded dataset: rows, each column's kind (continuous, discrete, binary,
        categorical, identifier), missing values and excluded columns; lists the loaded datasets."""
        return describe(runtime.context, dataset)

    run.metadata = {"summary": "The loaded data: rows, column kinds, excluded columns."}
    return run


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    register(describe_data_tool())
