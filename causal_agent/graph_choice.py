"""Which graph answers a question: the one rule shared by the graph queries and the effect estimates.

A ``graph_key`` names a stored graph; without one, the dataset's full graph is discovered, or
reused from memory when it is already there (:func:`causal_agent.discover.discover`). A stored
graph whose provenance does not match the loaded data (the CSV changed since, or the graph came
from another dataset) is still the graph the user asked for, so it is used, but never silently:
the choice carries a note, and names are then resolved against the graph's own nodes rather than
against columns the graph was not learned from.

``GraphChoice.support`` is the chosen graph's bootstrap support (``causal_agent.bootstrap.Support``:
edge and orientation shares, and every resampled graph), or None when
``Settings.discovery_resamples`` is 0 or the bootstrap was skipped (the note says why). It is
computed once, when the stored graph has none, and stored with the graph, so a reused graph never
resamples again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import GraphError

if TYPE_CHECKING:  # pragma: no cover
    from .context import AgentContext
    from .data import Dataset
    from .graph import CausalGraph


class GraphChoice(BaseModel):
    """The chosen graph, how it was learned, and the user's names resolved to its nodes."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    graph: Any  # CausalGraph
    key: str
    algorithm: str
    how: str = Field(description='how it was learned, e.g. "PC (Fisher-z, alpha 0.05)"')
    reused: bool | None = Field(None, description="came from memory (None: a graph_key was given)")
    dataset: Any = Field(None, description="the loaded Dataset the graph was learned from, if any")
    stale: bool = Field(False, description="the graph's provenance does not match the loaded data")
    names: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    discovery: Any = Field(None, description="the DiscoveryResult when the graph was discovered/reused")
    support: Any = Field(None, description="bootstrap Support of the graph (None: off or skipped)")

    @property
    def label(self) -> str:
        """``graph clinic:pc from PC (Fisher-z, alpha 0.05)``: what a reason or error cites."""
        return f"graph {self.key} from {self.how}"


def stale_note(key: str, prov_dataset: str, ds: Dataset) -> str:
    """Why a stored graph does not match ``ds``, and what to do."""
    if prov_dataset == ds.name:
        where = f"an earlier version of dataset {ds.name} (its data have changed since)"
    else:
        where = f"dataset {prov_dataset}, not {ds.name}"
    return (f"graph {key!r} was learned from {where}; it is used as stored, so re-run discovery if it"
            " should reflect the current data.")


def choose_graph(
    ctx: AgentContext, graph_key: str | None = None, dataset: str | Dataset | None = None,
    names: Sequence[str] = (),
) -> GraphChoice:
    """The stored graph ``graph_key``, else the dataset's full graph (discovered or reused), with
    ``names`` resolved to its nodes (GraphError for a name the graph lacks).

    Without a graph_key, names are resolved against the dataset BEFORE discovery, so a misspelt
    variable costs no discovery run."""
    from .bootstrap import support_for
    from .discover import discover, method_label

    notes: list[str] = []
    if graph_key:
        record = ctx.memory.get(graph_key)
        prov = record.provenance
        ds = _dataset(ctx, dataset, prov.dataset)
        stale = ds is not None and ds.fingerprint != prov.fingerprint
        if stale:
            notes.append(stale_note(record.key, prov.dataset, ds))  # type: ignore[arg-type]
        matched = None if stale else ds
        resolved = _resolve(record.graph, record.key, matched, names, notes)
        support = support_for(ctx, record, notes=notes)
        return GraphChoice(
            graph=record.graph, key=record.key, algorithm=prov.algorithm,
            how=method_label(ctx.algorithms, prov.algorithm, prov.ci_test, prov.alpha, ctx.ci_tests),
            reused=None, dataset=matched, stale=stale, names=resolved, notes=notes, support=support,
        )
    ds = dataset if hasattr(dataset, "fingerprint") else ctx.datasets.get(dataset)  # type: ignore[arg-type]
    early = _resolve(None, None, ds, names, notes)
    found = discover(ctx, ds)
    resolved = _resolve(found.graph, found.key, None, early, notes)
    return GraphChoice(
        graph=found.graph, key=found.key, algorithm=found.algorithm,
        how=method_label(ctx.algorithms, found.algorithm, found.ci_test, found.alpha, ctx.ci_tests),
        reused=found.reused, dataset=ds, names=resolved, notes=notes, discovery=found,
        support=found.support,
    )


def _dataset(ctx: AgentContext, dataset: str | Dataset | None, learned_from: str) -> Dataset | None:
    """The dataset to compare a stored graph with: the one named, else the one it was learned
    from if that is loaded (None: nothing loaded to compare with)."""
    if dataset is not None:
        return dataset if hasattr(dataset, "fingerprint") else ctx.datasets.get(dataset)  # type: ignore[return-value]
    if learned_from in ctx.datasets.names():
        return ctx.datasets.get(learned_from)
    return None


def _resolve(graph: CausalGraph | None, key: str | None, ds: Dataset | None, names: Sequence[str],
             notes: list[str]) -> list[str]:
    """Users' names -> columns (dataset rules when ``ds`` is given) -> nodes of ``graph`` (if given)."""
    from .names import match_name

    out: list[str] = []
    for raw in names:
        m = ds.match(raw) if ds is not None else match_name(raw, graph.nodes, dataset=f"graph {key}")  # type: ignore[union-attr]
        if m.note:
            notes.append(m.note + ".")
        if graph is not None and m.name not in graph.nodes:
            raise GraphError(
                f"graph {key} has no node {m.name!r} (its nodes: {', '.join(graph.nodes)});"
                " discover a graph that includes it"
            )
        out.append(m.name)
    return out


__all__ = ["GraphChoice", "choose_graph", "stale_note"]
