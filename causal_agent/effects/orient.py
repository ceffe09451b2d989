"""Orienting the undirected edges at the treatment with DirectLiNGAM, when the data allow it.

A CPDAG leaves T --- S undirected when the data's conditional independences cannot tell the
direction, and then the effect is only known up to the IDA range. Under a *linear* model with
*non-Gaussian* noise the direction is identified (Shimizu et al. 2006), so for continuous data
whose noise is non-Gaussian the registered LiNGAM-type algorithm can pick the orientation. The
rule, in order:

1. Every variable of the graph is continuous, and the data profile flags at least one of them as
   clearly non-Gaussian (``profile.gaussian_flag``); otherwise LiNGAM is not tried (on Gaussian
   data it would orient confidently at random).
2. The algorithm is found by its declarations, not its name: the first registered one whose
   ``output`` is ``dag``, that declares ``continuous`` data and the ``non_gaussian`` assumption,
   and whose cost fits discovery's ``AUTO_BUDGET`` at this size. It runs through
   :func:`causal_agent.discover.discover` (so its DAG is stored and reused).
3. Its noise must really be non-Gaussian where it matters: the residuals of T and of each of its
   undirected neighbours, regressed on their parents in the LiNGAM DAG, pass the profile's
   non-Gaussian rule for all but at most one of them (LiNGAM tolerates one Gaussian noise).
4. The LiNGAM DAG's causal order decides each undirected edge at T (S is an ancestor of T, or T of
   S); an edge whose ends are unordered (neither an ancestor of the other) leaves the range.
5. The orientation must be one of the class's possible parent sets; otherwise the range stays.

The result names the assumption (linear, non-Gaussian noise) that the single number now rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ..errors import CausalAgentError
from .identify import _ancestral

if TYPE_CHECKING:  # pragma: no cover
    from ..context import AgentContext
    from ..data import Dataset
    from ..graph import CausalGraph
    from ..registry import Algorithm
    from .identify import Orientation


class LingamChoice(BaseModel):
    """Which orientation LiNGAM picked (``index`` into the orientations), or why it did not."""

    index: int | None = None
    algorithm: str | None = None
    label: str | None = None
    graph_key: str | None = None
    into: list[str] = Field(default_factory=list)
    reason: str


def lingam_algorithm(ctx: AgentContext, n: int, p: int) -> Algorithm | None:
    """The first registered algorithm declaring a DAG for continuous, non-Gaussian data, within
    discovery's budget at n x p."""
    from ..discover import AUTO_BUDGET

    for algo in ctx.algorithms.values():
        if (algo.output == "dag" and "continuous" in algo.data_kinds and "non_gaussian" in algo.assumptions
                and not algo.latent_confounders and algo.cost * n * p**3 <= AUTO_BUDGET):
            return algo
    return None


def _non_gaussian_residuals(ds: Dataset, dag: CausalGraph, names: Sequence[str]) -> list[str]:
    """Of ``names``, those whose OLS residual on its LiNGAM parents the profile calls non-Gaussian."""
    import numpy as np
    import pandas as pd

    from ..profile import gaussian_flag

    cols = list(dict.fromkeys([*names, *(p for v in names for p in dag.parents(v))]))
    frame = ds.frame_for(cols)
    out = []
    for v in names:
        y = frame[v].to_numpy(dtype=float)
        parents = dag.parents(v)
        x = np.column_stack([np.ones(len(y)), *(frame[p].to_numpy(dtype=float) for p in parents)])
        resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        if gaussian_flag(pd.Series(resid)) is False:
            out.append(v)
    return out


def lingam_orientation(
    ctx: AgentContext, ds: Dataset | None, graph: CausalGraph, t: str, orients: list[Orientation],
) -> LingamChoice | None:
    """The orientation LiNGAM supports (rule in the module docstring); None when not applicable
    (no dataset, not continuous, nothing non-Gaussian, no such algorithm registered)."""
    from ..discover import discover

    if ds is None or len(orients) < 2:
        return None
    nodes = list(graph.nodes)
    if any(v not in ds.variables or ds.kind(v) != "continuous" for v in nodes):
        return None
    if not any(ds.profile.column(v).gaussian is False for v in nodes):
        return None
    algo = lingam_algorithm(ctx, ds.n_rows, len(nodes))
    if algo is None:
        return None
    try:
        found = discover(ctx, ds, variables=nodes if len(nodes) < len(ds.variables) else None,
                         algorithm=algo.name, partial="marginal")
    except CausalAgentError as exc:
        return LingamChoice(algorithm=algo.name, label=algo.label,
                            reason=f"{algo.label} could not run ({exc})")
    dag = found.graph
    siblings = orients[0].siblings
    checked = [t, *siblings]
    non_gaussian = _non_gaussian_residuals(ds, dag, checked)
    if len(non_gaussian) < len(checked) - 1:
        return LingamChoice(
            algorithm=algo.name, label=algo.label, graph_key=found.key,
            reason=(f"{algo.label} was not used to orient the edges: only {len(non_gaussian)} of the"
                    f" {len(checked)} residuals of {', '.join(checked)} are clearly non-Gaussian,"
                    " and its orientation needs non-Gaussian noise"))
    anc_t = _ancestral(dag, {t}) - {t}
    into, unordered = [], []
    for s in siblings:
        if s in anc_t:
            into.append(s)
        elif t not in _ancestral(dag, {s}) - {s}:
            unordered.append(s)
    if unordered:
        return LingamChoice(
            algorithm=algo.name, label=algo.label, graph_key=found.key,
            reason=f"{algo.label} leaves {', '.join(f'{t} --- {s}' for s in unordered)} unordered")
    for i, o in enumerate(orients):
        if set(o.into) == set(into):
            return LingamChoice(
                index=i, algorithm=algo.name, label=algo.label, graph_key=found.key, into=sorted(into),
                reason=(f"{algo.label} (graph {found.key}) orients the undirected edges at {t}, assuming a"
                        " linear model with non-Gaussian noise (the residuals of "
                        f"{', '.join(non_gaussian)} are clearly non-Gaussian)"))
    return LingamChoice(
        algorithm=algo.name, label=algo.label, graph_key=found.key, into=sorted(into),
        reason=f"{algo.label}'s orientation at {t} is not one the graph's class allows")
