"""The memory tools — list, show, export, delete and compare stored graphs.

The tools are thin wrappers around :class:`causal_agent.memory.GraphMemory`; they reach the memory
through the injected ``runtime.context.memory`` (never a global), so two agents with different
memories see different graphs. Each returns ``(short summary for the model, artifact dict)``.

Each declares what it does in ``metadata["access"]`` (``read`` when absent): ``export_graph``
writes, ``delete_graph`` destroys, so the agent binds ``delete_graph`` to a model only when the
user allows it (``--allow-destructive``). ``export_graph`` only ever writes ONE NEW file with a
supported suffix (.json, .dot, .png, .svg) inside the export folder (``Settings.export_dir``,
default ``./causal-agent-exports``): it refuses paths that resolve outside it (absolute paths,
``..``, symlinks) and existing files (:mod:`causal_agent.exports`), so a model cannot use it to
clobber the user's files. It has no ``overwrite`` argument.

The tools' signatures are their model-visible schemas, each argument described once in its
``Annotated`` metadata (the injected ``runtime`` stays hidden). No ``from __future__ import
annotations``: the ``runtime: ToolRuntime`` annotation must be a real class for ToolNode to inject
the context.
"""

from typing import Annotated, Any

from langchain_core.tools import tool
from causal_agent.tool_runtime import ToolRuntime

from causal_agent.errors import DataError
from causal_agent.exports import export_graph as export_to_folder
from causal_agent.memory import EXPORT_FORMATS, GraphMemory
from causal_agent.render import render_text


def _memory(runtime: ToolRuntime) -> GraphMemory:
    return runtime.context.memory


GraphKey = Annotated[str, "graph key as shown by list_graphs, e.g. 'clinic:pc'"]


def _dataset_name(runtime: ToolRuntime, dataset: str | None) -> str | None:
    """A loaded dataset's canonical name when ``dataset`` names one, else the name as given."""
    if not dataset:
        return None
    try:
        return runtime.context.datasets.get(dataset).name
    except DataError:  # graphs may come from a dataset this session has not loaded
        return dataset


@tool(response_format="content_and_artifact")
def list_graphs(
    runtime: ToolRuntime,
    dataset: Annotated[
        str | None, "only graphs learned from this dataset; omit for all stored graphs"
    ] = None,
) -> tuple[str, dict[str, Any]]:
    """List the causal graphs stored in memory (key, kind, size, algorithm), optionally for one dataset."""
    memory = _memory(runtime)
    name = _dataset_name(runtime, dataset)
    records = memory.list(name)
    artifact = {
        "dataset": name,
        "count": len(records),
        "graphs": [
            {
                "key": r.key,
                "dataset": r.provenance.dataset,
                "algorithm": r.provenance.algorithm,
                "kind": r.graph.kind,
                "n_nodes": len(r.graph.nodes),
                "n_edges": len(r.graph.edges),
                "created_at": r.provenance.created_at,
            }
            for r in records
        ],
    }
    artifact.update(
        title="graphs in memory", columns=["key", "kind", "nodes", "edges", "algorithm", "created_at"],
        rows=[[g["key"], g["kind"], g["n_nodes"], g["n_edges"], g["algorithm"], g["created_at"]]
              for g in artifact["graphs"]],
    )
    if records:
        summary = f"{len(records)} stored graph{'s' * (len(records) != 1)}:\n" + "\n".join(
            r.summary() for r in records
        )
    elif name:
        others = memory.datasets()
        summary = f"no graphs stored for dataset {name!r}." + (
            f" Graphs exist for: {', '.join(others)}." if others else ""
        )
    else:
        summary = "no graphs stored yet; discover one with discover_graph."
    return summary, artifact


@tool(response_format="content_and_artifact")
def show_graph(key: GraphKey, runtime: ToolRuntime) -> tuple[str, dict[str, Any]]:
    """Show one stored causal graph: its edges per node and its provenance."""
    record = _memory(runtime).get(key)
    text = render_text(record.graph)
    p = record.provenance
    summary = (
        f"graph {record.key!r} from dataset {p.dataset!r} by {p.algorithm}"
        + (f" ({p.ci_test}, alpha={p.alpha:g})" if p.ci_test and p.alpha is not None else "")
        + f":\n{text}"
    )
    artifact = record.model_dump(mode="json")
    artifact["text"] = text
    return summary, artifact


@tool(response_format="content_and_artifact")
def export_graph(
    key: GraphKey,
    path: Annotated[
        str,
        "new file name inside the export folder, e.g. 'graph.png'; the suffix picks the format: "
        + ", ".join("." + f for f in EXPORT_FORMATS),
    ],
    runtime: ToolRuntime,
) -> tuple[str, dict[str, Any]]:
    """Export a stored graph to a new file in the export folder: .json (graph and provenance), .dot, .png or .svg."""
    result = export_to_folder(_memory(runtime), key, path, runtime.context.settings)
    return (
        f"exported graph {key!r} as {result.format.upper()} to {result.path} ({result.bytes} bytes)",
        result.model_dump(),
    )


@tool(response_format="content_and_artifact")
def delete_graph(key: GraphKey, runtime: ToolRuntime) -> tuple[str, dict[str, Any]]:
    """Delete a stored causal graph by key."""
    memory = _memory(runtime)
    record = memory.delete(key)
    remaining = memory.keys()
    summary = f"deleted graph {key!r}; {len(remaining)} graph{'s' * (len(remaining) != 1)} left."
    return summary, {
        "deleted": key,
        "record": record.model_dump(mode="json") if record is not None else None,
        "remaining": remaining,
    }


@tool(response_format="content_and_artifact")
def compare_graphs(
    key_a: Annotated[str, "first graph key"], key_b: Annotated[str, "second graph key"],
    runtime: ToolRuntime,
) -> tuple[str, dict[str, Any]]:
    """Compare two stored graphs: structural Hamming distance and the edges that differ."""
    comparison = _memory(runtime).compare(key_a, key_b)
    return comparison.summary, comparison.model_dump(mode="json")


TOOLS = (list_graphs, show_graph, export_graph, delete_graph, compare_graphs)
list_graphs.metadata = {"artifact": "table", "summary": "List the stored graphs."}
show_graph.metadata = {"artifact": "graph", "summary": "Show a stored graph."}
export_graph.metadata = {"summary": "Export a stored graph to a file.", "access": "write"}
delete_graph.metadata = {"summary": "Delete a stored graph.", "access": "destroy"}
compare_graphs.metadata = {"summary": "Compare two stored graphs."}
