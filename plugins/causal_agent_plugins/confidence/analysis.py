"""How sure is the graph about an edge: bootstrap support, sample size and the CI test's power.

A yes from a learned graph hides how close it came to no. Three figures say how much to trust
it, and this module reports them, never a bare yes:

* **Bootstrap support** of the pair (:mod:`causal_agent.bootstrap`, the one implementation): the
  share of resamples in which the two are adjacent, oriented x --> y, y --> x, or left unoriented.
  The stored support of the graph is reused (``Provenance.support``); when there is none it is
  run now, under the bootstrap's own cost rule and the user's ``--budget`` (an explicit
  ``resamples`` is never cut, and over the budget not run, as everywhere).
* **Sample size**: the rows the graph was learned from, and the rows per resample (half of them:
  ``bootstrap.subsample_size``), which is why support can be lower than the full data's verdict.
* **Power** of the graph's CI test where it can be estimated: for Fisher-z, from the normal
  approximation of Fisher's z, ``power = Phi(z - z_crit) + Phi(-z - z_crit)`` with
  ``z = atanh(|r|) * sqrt(n - |S| - 3)`` at the *weakest* partial correlation r of x and y over the
  conditioning sets PC would try (subsets of either one's neighbours, up to ``MAX_GIVEN``): an edge
  survives only if every such test rejects, so its weakest test decides how often it comes back.
  Also the smallest |r| detected with 80% power at this n. Other tests: not estimated, said why.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from causal_agent.errors import VariableError

if TYPE_CHECKING:  # pragma: no cover
    from causal_agent.context import AgentContext

#: resamples run when the graph has no stored support and ``Settings.discovery_resamples`` is 0
DEFAULT_RESAMPLES = 30
#: conditioning sets of at most this many neighbours are tried for the weakest partial correlation ...
MAX_GIVEN = 3
#: ... and at most this many sets
MAX_SETS = 64
#: the power the "detectable partial correlation" is quoted at
TARGET_POWER = 0.8


class Power(BaseModel):
    """The power of the graph's CI test for this pair, where it can be estimated."""

    test: str
    alpha: float
    estimated: bool
    reason: str = ""
    r: float | None = Field(None, description="weakest observed partial correlation of x and y")
    given: list[str] = Field(default_factory=list, description="the conditioning set of that r")
    n: int | None = None
    power: float | None = Field(None, description="power to detect r at n and alpha (Fisher-z approximation)")
    resample_n: int | None = None
    resample_power: float | None = Field(None, description="the same at the resamples' row count")
    detectable_r: float | None = Field(None, description="smallest |r| detected with 80% power at n")


class ConfidenceResult(BaseModel):
    """Support, sample size and power for the pair x, y (also a table: title, columns, rows)."""

    x: str
    y: str
    edge: str | None = Field(None, description="the learned graph's edge, read from x (None: not adjacent)")
    graph_key: str
    algorithm: str
    reused: bool | None = None
    resamples: int = 0
    rows_per_resample: int | None = None
    n: int
    adjacent: float | None = Field(None, description="share of resamples with x and y adjacent")
    x_to_y: float | None = None
    y_to_x: float | None = None
    unoriented: float | None = None
    stable: bool | None = Field(None, description="the graph's own edge state comes back in >= support_threshold")
    power: Power
    notes: list[str] = Field(default_factory=list)
    summary: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


def fisher_power(r: float, n: int, k: int, alpha: float) -> float:
    """Power of the two-sided Fisher-z test of a partial correlation ``r`` given ``k`` variables at
    ``n`` rows and level ``alpha`` (normal approximation of atanh(r) with sd 1/sqrt(n - k - 3))."""
    from scipy.stats import norm

    dof = n - k - 3
    if dof <= 0:
        return float("nan")
    z = math.atanh(min(abs(r), 1 - 1e-12)) * math.sqrt(dof)
    crit = float(norm.ppf(1 - alpha / 2))
    return float(norm.cdf(z - crit) + norm.cdf(-z - crit))


def detectable_r(n: int, k: int, alpha: float, power: float = TARGET_POWER) -> float:
    """The smallest |partial correlation| the Fisher-z test detects with ``power`` at ``n`` rows."""
    from scipy.stats import norm

    dof = n - k - 3
    if dof <= 0:
        return float("nan")
    return float(math.tanh((norm.ppf(1 - alpha / 2) + norm.ppf(power)) / math.sqrt(dof)))


def _candidate_sets(g: Any, x: str, y: str) -> list[list[str]]:
    """The conditioning sets PC tries for x, y: subsets of either one's other neighbours."""
    sets: list[list[str]] = [[]]
    for side in (x, y):
        nb = [v for v in g.neighbors(side) if v not in (x, y)]
        for k in range(1, min(len(nb), MAX_GIVEN) + 1):
            for s in itertools.combinations(nb, k):
                if list(s) not in sets:
                    sets.append(list(s))
                if len(sets) >= MAX_SETS:
                    return sets
    return sets


def power_for(ds: Any, g: Any, x: str, y: str, test: str | None, alpha: float, rows_per_resample: int | None) -> Power:
    """The Fisher-z power for the pair (see the module docstring); not estimated for other tests."""
    from causal_agent.errors import DataError
    from causal_agent.independence import _partial_correlation

    if test != "fisherz":
        why = (f"the graph's CI test is {test}; its power depends on the form of the dependence, which the"
               " data do not give" if test else "the graph was not learned with a CI test")
        return Power(test=test or "none", alpha=alpha, estimated=False, reason=why)
    if ds is None:
        return Power(test=test, alpha=alpha, estimated=False, reason="the data the graph was learned from are not loaded")
    weakest: tuple[float, list[str], int] | None = None
    for s in _candidate_sets(g, x, y):
        try:
            data = ds.matrix([x, y, *s])
            r = _partial_correlation(data)
        except DataError:
            continue
        if weakest is None or abs(r) < abs(weakest[0]):
            weakest = (r, s, data.shape[0])
    if weakest is None:
        return Power(test=test, alpha=alpha, estimated=False, reason="no partial correlation could be computed")
    r, given, n = weakest
    half = rows_per_resample
    return Power(test=test, alpha=alpha, estimated=True, r=r, given=given, n=n,
                 power=fisher_power(r, n, len(given), alpha),
                 resample_n=half, resample_power=fisher_power(r, half, len(given), alpha) if half else None,
                 detectable_r=detectable_r(n, len(given), alpha))


def _share(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def edge_confidence(ctx: AgentContext, x: str, y: str, graph_key: str | None = None,
                    dataset: str | None = None, resamples: int | None = None) -> ConfidenceResult:
    """Bootstrap support of the pair x, y in the graph, the sample size and the test's power."""
    from causal_agent.bootstrap import subsample_size, support_for
    from causal_agent.graph_choice import choose_graph

    chosen = choose_graph(ctx, graph_key, dataset, [x, y])
    x, y = chosen.names
    if x == y:
        raise VariableError(f"you named {x} twice; name two different variables")
    notes = list(chosen.notes)
    if chosen.discovery is not None:
        notes.extend(n for n in chosen.discovery.notes if n not in notes)
    support = chosen.support
    if resamples is not None or support is None:
        wanted = int(resamples) if resamples is not None else (ctx.settings.discovery_resamples or DEFAULT_RESAMPLES)
        if support is None or support.resamples < wanted:
            support = support_for(ctx, chosen.key, wanted, force=resamples is not None, notes=notes)
    record = ctx.memory.get(chosen.key)
    prov = record.provenance
    ds = chosen.dataset
    if ds is None and prov.dataset in ctx.datasets.names():
        ds = ctx.datasets.get(prov.dataset)
    n = int(prov.params.get("n_rows") or (len(ds.frame_for(list(prov.variables))) if ds is not None else 0))
    g = chosen.graph
    edge = g.edge_between(x, y)
    edge_text = None if edge is None else edge.reads(x, y)
    per = subsample_size(n) if support is not None and n else None
    pw = power_for(ds, g, x, y, prov.ci_test, float(prov.alpha or 0.05), per)
    rows: list[list[Any]] = []
    shares: dict[str, float | None] = {"adjacent": None, "x_to_y": None, "y_to_x": None, "unoriented": None}
    stable = None
    if support is not None and support.resamples:
        k = support.resamples
        e = support.edge(x, y)
        shares = {"adjacent": e.adjacent if e else 0.0, "x_to_y": e.a_to_b if e else 0.0,
                  "y_to_x": e.b_to_a if e else 0.0, "unoriented": e.undirected if e else 0.0}
        count = {key: support.count(v or 0.0) for key, v in shares.items()}
        rows += [
            ["adjacent (an edge either way)", round(shares["adjacent"], 3), f"{count['adjacent']} of {k} resamples"],
            [f"{x} --> {y}", round(shares["x_to_y"], 3), f"{count['x_to_y']} of {k}"],
            [f"{y} --> {x}", round(shares["y_to_x"], 3), f"{count['y_to_x']} of {k}"],
            ["adjacent, not oriented", round(shares["unoriented"], 3), f"{count['unoriented']} of {k}"],
        ]
        own = support.share_of(x, y, None if edge is None else edge.type_from(x))
        stable = own >= float(ctx.settings.support_threshold)
    rows.append(["rows", n, f"resamples of {per} rows each" if per else "no resamples"])
    if pw.estimated:
        given = "{" + ", ".join(pw.given) + "}"
        rows += [
            ["weakest partial correlation", round(pw.r or 0.0, 4), f"given {given}"],
            [f"Fisher-z power at {pw.n} rows", round(pw.power or 0.0, 3), f"alpha {pw.alpha:g}"],
        ]
        if pw.resample_power is not None:
            rows.append([f"Fisher-z power at {pw.resample_n} rows", round(pw.resample_power, 3), "one resample"])
        rows.append(["|r| detected with 80% power", round(pw.detectable_r or 0.0, 4), f"at {pw.n} rows"])
    else:
        rows.append(["test power", "not estimated", pw.reason])
    summary = _summary(x, y, edge_text, support, shares, stable, n, per, pw, chosen, ctx, notes)
    return ConfidenceResult(
        x=x, y=y, edge=edge_text, graph_key=chosen.key, algorithm=chosen.algorithm, reused=chosen.reused,
        resamples=support.resamples if support is not None else 0, rows_per_resample=per, n=n,
        adjacent=shares["adjacent"], x_to_y=shares["x_to_y"], y_to_x=shares["y_to_x"],
        unoriented=shares["unoriented"], stable=stable, power=pw, notes=notes, summary=summary,
        title=f"Confidence in the edge between {x} and {y}", columns=["measure", "value", "detail"], rows=rows,
    )


def _summary(x: str, y: str, edge: str | None, support: Any, shares: dict[str, float | None], stable: bool | None,
             n: int, per: int | None, pw: Power, chosen: Any, ctx: Any, notes: Sequence[str]) -> str:
    if support is not None and support.resamples:
        k = support.resamples
        lead = (f"Support {_share(shares['adjacent'])} for the edge between {x} and {y}, {_share(shares['x_to_y'])}"
                f" for {x} → {y} and {_share(shares['y_to_x'])} for {y} → {x}"
                f" ({_share(shares['unoriented'])} adjacent but not oriented), over {k} bootstrap resamples of"
                f" {per} rows.")
    else:
        lead = f"No bootstrap support for the edge between {x} and {y} (see the notes)."
    held = f"The learned graph has {edge}" if edge else f"The learned graph has no edge between {x} and {y}"
    text = f"{lead} {held} ({chosen.label})"
    if stable is not None:
        threshold = float(ctx.settings.support_threshold)
        text += (f"; that comes back in at least {threshold:.0%} of the resamples, so it is stable." if stable
                 else f"; that comes back in fewer than {threshold:.0%} of the resamples, so it is not stable.")
    else:
        text += "."
    text += f" Sample size: {n} rows."
    if pw.estimated:
        given = "{" + ", ".join(pw.given) + "}" if pw.given else "nothing"
        text += (f" Fisher-z power to detect the weakest observed partial correlation (r = {pw.r:.3g} given"
                 f" {given}) at alpha {pw.alpha:g}: {pw.power:.2f} at {pw.n} rows")
        if pw.resample_power is not None:
            text += f", {pw.resample_power:.2f} at a resample's {pw.resample_n}"
        text += (f"; partial correlations of {pw.detectable_r:.3g} or more are detected with 80% power at"
                 f" {pw.n} rows.")
    else:
        text += f" Test power not estimated: {pw.reason}."
    if chosen.reused is not None:
        text += " (Graph reused from memory.)" if chosen.reused else " (Graph learned now and stored.)"
    if notes:
        text += " Notes: " + " ".join(notes)
    return text


__all__ = ["ConfidenceResult", "Power", "detectable_r", "edge_confidence", "fisher_power", "power_for"]
