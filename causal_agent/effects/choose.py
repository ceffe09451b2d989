"""Which graph an effect is identified from: the named confounders' DAG, else the shared rule of
:func:`causal_agent.graph_choice.choose_graph` (a stored ``graph_key``, else the dataset's graph)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..errors import VariableError
from .report import set_text

if TYPE_CHECKING:  # pragma: no cover
    from ..context import AgentContext
    from ..data import Dataset


class Source(BaseModel):
    """The graph an estimate uses and how to cite it."""

    graph: Any  # CausalGraph
    key: str | None
    label: str  # "graph clinic:pc from PC (Fisher-z, alpha 0.05)" / "the named confounders {...} ..."
    notes: list[str] = Field(default_factory=list)


def graph_source(
    ctx: AgentContext, ds: Dataset, t: str, y: str, confounders: Sequence[str] | None,
    graph_key: str | None,
) -> Source:
    """Named confounders C give the DAG C -> T, C -> Y, T -> Y; otherwise the chosen graph."""
    from ..graph import CausalGraph, Edge
    from ..graph_choice import choose_graph

    notes: list[str] = []
    if confounders:
        cs = list(dict.fromkeys(ds.resolve_many(list(confounders))))
        for c in cs:
            if c in (t, y):
                role = "treatment" if c == t else "outcome"
                raise VariableError(f"{c!r} is the {role}, so it cannot also be a confounder; drop it from confounders")
        if graph_key:
            notes.append(f"graph {graph_key!r} was not used because confounders were named.")
        edges = [Edge(source=c, target=t, type="-->") for c in cs]
        edges += [Edge(source=c, target=y, type="-->") for c in cs]
        edges.append(Edge(source=t, target=y, type="-->"))
        graph = CausalGraph(nodes=[t, y, *cs], edges=edges, kind="dag")
        label = f"the named confounders {set_text(cs)} are the only common causes of {t} and {y}"
        return Source(graph=graph, key=None, label=label, notes=notes)
    choice = choose_graph(ctx, graph_key, ds)
    notes += choice.notes
    if not graph_key:
        notes.append(("reused" if choice.reused else "learned") + f" {choice.label}.")
    return Source(graph=choice.graph, key=choice.key, label=choice.label, notes=notes)
