"""What the user's own graph-memory commands show and decide: the REPL's ``/graphs``, ``/show`` and
``/export`` and the ``causal-agent graphs`` command share this one copy (the table of stored graphs,
a graph with its provenance, a comparison, the JSON row of a record, and the rule for asking before
an existing file is replaced). Rich is imported here; the modules that register commands import this
one inside their functions, so ``causal-agent --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # pragma: no cover
    from .memory import GraphComparison, GraphRecord


def record_row(record: GraphRecord) -> dict[str, Any]:
    """One stored graph as ``causal-agent graphs list --json`` prints it."""
    p = record.provenance
    return {"key": record.key, "kind": record.graph.kind, "nodes": len(record.graph.nodes),
            "edges": len(record.graph.edges), "algorithm": p.algorithm, "created_at": p.created_at,
            "dataset": p.dataset, "fingerprint": p.fingerprint}


def graphs_table(records: list[GraphRecord], *, wide: bool = True) -> Table:
    """The table of stored graphs: key, kind, size, algorithm (and CI test), and when (``wide``)."""
    table = Table(title=f"graphs in memory ({len(records)})", title_justify="left", expand=False)
    table.add_column("key", overflow="fold", style="cyan")
    table.add_column("kind")
    table.add_column("nodes", justify="right")
    table.add_column("edges", justify="right")
    table.add_column("algorithm", overflow="fold")
    if wide:
        table.add_column("created (UTC)")
    for r in records:
        p = r.provenance
        algo = p.algorithm + (f" ({p.ci_test})" if p.ci_test else "")
        row = [escape(r.key), r.graph.kind, str(len(r.graph.nodes)), str(len(r.graph.edges)), escape(algo)]
        if wide:
            row.append(p.created_at.replace("T", " ").split("+")[0])
        table.add_row(*row)
    return table


def graph_view(record: GraphRecord) -> Group:
    """A stored graph as an edge table, then where it came from in one dim line."""
    from .display import graph_table

    p = record.provenance
    line = (f"[dim]{record.graph.kind.upper()} from {escape(p.dataset)} by {escape(p.algorithm)}"
            + (f", alpha={p.alpha:g}" if p.alpha is not None else "") + "[/]")
    return Group(graph_table(record.graph.to_json(), title=record.key), line)


def comparison_view(cmp: GraphComparison) -> Group:
    """A comparison's summary line, then the pairs that differ (when any do)."""
    parts: list[Any] = [Text(cmp.summary)]
    if cmp.only_in_a or cmp.only_in_b or cmp.differently_oriented:
        table = Table(expand=False)
        table.add_column("pair", overflow="fold")
        table.add_column(cmp.key_a, overflow="fold")
        table.add_column(cmp.key_b, overflow="fold")
        for e in cmp.only_in_a:
            table.add_row(f"{e.source} / {e.target}", f"{e.source} {e.type} {e.target}", "(none)")
        for e in cmp.only_in_b:
            table.add_row(f"{e.source} / {e.target}", "(none)", f"{e.source} {e.type} {e.target}")
        for d in cmp.differently_oriented:
            table.add_row(f"{d.a.source} / {d.a.target}", f"{d.a.source} {d.a.type} {d.a.target}",
                          f"{d.b.source} {d.b.type} {d.b.target}")
        parts.append(table)
    return Group(*parts)


def would_replace(target: Path) -> bool:
    """True when writing ``target`` would replace a file (a symlink counts; a folder is the writer's
    error to report): the case in which the user is asked first."""
    return (target.exists() or target.is_symlink()) and not target.is_dir()


def shown_files(files: list[Path]) -> str:
    names = [repr(str(f)) for f in files[:3]]
    more = f" and {len(files) - 3} more" if len(files) > 3 else ""
    return ", ".join(names) + more


def not_overwritten(files: list[Path]) -> str:
    """The one line for existing ``files`` when nobody can be asked (input from a pipe or file)."""
    return (f"{shown_files(files)} already exist{'s' * (len(files) == 1)}; not overwritten (nobody to ask): "
            "add --force to replace, or choose another name")


__all__ = ["comparison_view", "graph_view", "graphs_table", "not_overwritten", "record_row", "shown_files",
           "would_replace"]
