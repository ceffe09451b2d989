"""Data from several environments: the context column, and whether an effect differs across it.

**The context column** (site, batch, period) indexes the environments the rows come from; CD-NOD
(``discover(context=...)``) learns which mechanisms change with it. ``resolve_context`` reads a
user's name for it: a column of the dataset (case, spaces and close typos as for variables) that
takes at least two values; anything else is one line naming the fix and the closest names.

**Does the effect of T on Y differ between environments?** (``compare_effects``). The structure is
learned once, on all rows, with CD-NOD (``discover`` with the context); then the effect is
estimated within each environment by the ordinary effect machinery (``effects.estimate_effect`` on
that environment's rows, identified from the CD-NOD graph: CD-NOD assumes one causal structure
whose mechanisms may change, so the same adjustment set applies in every environment). The
per-environment estimates and their 95% CIs are compared three ways:

* **differ** ("yes"): Cochran's Q test of equal effects (inverse-variance weights, standard errors
  read off each 95% CI) rejects at ``Settings.alpha``;
* **the same** ("no"): only when the data rule out a difference that matters, an equivalence test
  (two one-sided tests at 5%: every pairwise difference's 90% CI inside +-margin), the margin being
  ``EQUIVALENCE_SHARE`` of the pooled effect or ``EQUIVALENCE_SD`` of Y's standard deviation,
  whichever is larger; the margin is stated;
* **undecided** ("uncertain") otherwise: no significant difference, but one as large as the margin
  cannot be ruled out; and whenever the graph leaves the effect unidentified in an environment (an
  undirected edge at T: each estimate is then one possible adjustment's), or the estimates differ
  while CD-NOD finds no change in Y's mechanism or in one between T and Y (under CD-NOD's
  assumptions the effect is then the same everywhere, so the difference points at an adjustment
  that does not fit, not at the effect).

CD-NOD's changed set is reported beside it: a change in Y's mechanism, or in a variable on a
causal path from T to Y, is what can make the effect differ (an intercept shift changes Y's level
without changing the effect, so this is evidence, not the verdict).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from .errors import CausalAgentError, DataError, VariableError, suggestion

if TYPE_CHECKING:  # pragma: no cover
    from .context import AgentContext
    from .data import Dataset

#: the equivalence margin: this share of |pooled effect| ...
EQUIVALENCE_SHARE = 0.2
#: ... or this share of the outcome's standard deviation, whichever is larger
EQUIVALENCE_SD = 0.1
Z95 = 1.959963984540054
Z90 = 1.6448536269514722


def has_column(ds: Dataset, name: str) -> bool:
    """Whether ``name`` names a column of ``ds`` (any column, left out or not)."""
    from .names import match_name

    try:
        match_name(str(name), ds.columns, dataset=ds.name)
    except VariableError:
        return False
    return True


def resolve_context(ds: Dataset, name: str) -> str:
    """The column ``name`` names as a context: it exists (else one line with the closest names) and
    takes at least two values in the data (else one line: one environment cannot show a change)."""
    from .names import match_name

    try:
        col = match_name(str(name), ds.columns, dataset=ds.name).name
    except VariableError:
        raise VariableError(
            f"context column {name!r} is not a column of dataset {ds.name}; name the column that says"
            " which site, batch or period each row comes from." + suggestion(str(name), ds.columns, "column")
        ) from None
    profile = ds.profile.column(col)
    values = ds.frame[col].dropna()
    if profile.n_unique < 2:
        only = f" ({values.iloc[0]!r})" if len(values) else " (every value is missing)"
        raise DataError(
            f"the context column {col!r} has one value only{only}: CD-NOD compares environments and"
            " needs at least two; name a column that takes several values (sites, batches, periods)"
            " or drop the context"
        )
    if profile.excluded:
        raise VariableError(
            f"context column {col!r} is left out of analysis as an {profile.reason}; add --include {col}"
            " to use it as the context"
        )
    return col


def missing_context(ds: Dataset, label: str = "CD-NOD") -> str:
    """The one line for an algorithm that needs a context column when none was named."""
    looks = ds.profile.context_columns
    hint = (f"; {', '.join(repr(c) for c in looks)} look{'s' * (len(looks) == 1)} like one" if looks
            else f"; the columns are {', '.join(ds.columns[:12])}")
    return (f"{label} needs a context column naming the environments (site, batch, period): name it in"
            f" the question ('... across site', 'taking the batch into account') or use --context COL{hint}")


class EnvironmentEffect(BaseModel):
    """The effect within one environment."""

    environment: str = Field(description="the context's value")
    rows: int
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    headline: Literal["estimate", "range"] | None = None
    method: str | None = None
    adjustment_set: list[str] | None = None
    error: str | None = Field(None, description="why there is no estimate here (one line)")

    @property
    def se(self) -> float | None:
        if self.ci_low is None or self.ci_high is None or self.estimate is None:
            return None
        se = (self.ci_high - self.ci_low) / (2 * Z95)
        return se if se > 0 else None

    def text(self, context: str) -> str:
        if self.estimate is None:
            return f"{context}={self.environment}: no estimate ({self.error})"
        ci = (f" (95% CI {_g(self.ci_low)} to {_g(self.ci_high)})"
              if self.ci_low is not None and self.ci_high is not None else "")
        rng = ", not identified: the definite-parents set's estimate" if self.headline == "range" else ""
        return f"{context}={self.environment}: {_g(self.estimate)}{ci}, n={self.rows}{rng}"


class EffectDifference(BaseModel):
    """Whether the effect of T on Y differs between the environments of a context column."""

    treatment: str
    outcome: str
    context: str
    t0: float
    t1: float
    answer: Literal["yes", "no", "uncertain"] = Field(description="yes: the effects differ")
    effects: list[EnvironmentEffect]
    p_value: float | None = Field(None, description="Cochran's Q test of equal effects")
    q: float | None = None
    df: int | None = None
    pooled: float | None = Field(None, description="inverse-variance weighted mean effect")
    margin: float | None = Field(None, description="equivalence margin of the 'no' answer")
    overlap: bool | None = Field(None, description="every pair of 95% CIs overlaps")
    graph_key: str
    changing: list[str] = Field(default_factory=list, description="CD-NOD's changed mechanisms")
    on_paths: list[str] = Field(default_factory=list, description="changed mechanisms of Y or of a"
                                " variable on a possibly causal path from T to Y")
    finding: str
    reason: str
    caveat: str
    notes: list[str] = Field(default_factory=list)

    def table(self) -> dict[str, Any]:
        """``{title, columns, rows}``: one row per environment."""
        rows = [[e.environment, e.rows, e.estimate, e.ci_low, e.ci_high, e.error or ""] for e in self.effects]
        return {"title": f"effect of {self.treatment} on {self.outcome} by {self.context}",
                "columns": [self.context, "rows", "estimate", "ci_low", "ci_high", "note"], "rows": rows}


def _g(v: float | None) -> str:
    if v is None:
        return "?"
    return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"


def _labels(ds: Dataset, context: str) -> list[tuple[str, Any]]:
    """(shown label, raw value) of each environment, in the column's code order."""
    series = ds.frame[context].dropna()
    codes = ds.encoding(context)
    values = list(codes) if codes is not None else sorted(series.unique().tolist())
    present = {str(v) for v in series.astype(str).unique()}
    return [(str(v), v) for v in values if str(v) in present]


def _subset(ds: Dataset, context: str, value: Any, label: str, include: list[str]) -> Dataset:
    """The rows of one environment, as a dataset of their own (profiled again)."""
    from .data import Dataset as DatasetClass
    from .names import sanitize_name

    rows = ds.frame[ds.frame[context].astype(str) == str(value)].reset_index(drop=True)
    return DatasetClass(rows, name=sanitize_name(f"{ds.name}_{context}_{label}"), path=ds.path,
                        include=[c for c in include if c in ds.columns])


def _on_paths(graph: Any, t: str, y: str) -> set[str]:
    """Y and every variable on a possibly directed path from T to Y (undirected edges either way)."""
    import networkx as nx

    g = graph.to_networkx()  # undirected edges as two arcs: possibly directed paths
    if t not in g or y not in g:
        return {y}
    after = nx.descendants(g, t) | {t}
    before = nx.ancestors(g, y) | {y}
    return (after & before) - {t}


def compare_effects(
    ctx: AgentContext, treatment: str, outcome: str, context: str | None = None,
    t0: float = 0.0, t1: float = 1.0, dataset: str | Dataset | None = None, method: str = "auto",
) -> EffectDifference:
    """Estimate the effect of ``treatment`` on ``outcome`` in each environment of ``context``
    (default ``Settings.context``) and say whether the effects differ (rules in the module
    docstring)."""
    import dataclasses

    import numpy as np
    from scipy import stats

    from .discover import discover
    from .effects import estimate_effect

    ds = dataset if hasattr(dataset, "fingerprint") else ctx.datasets.get(dataset)  # type: ignore[arg-type]
    name = context or ctx.settings.context
    if not name:
        raise VariableError(missing_context(ds, "Comparing an effect across environments"))
    c = resolve_context(ds, name)
    t, y = ds.resolve(treatment), ds.resolve(outcome)
    for v, role in ((t, "treatment"), (y, "outcome")):
        if v == c:
            raise VariableError(f"{c!r} is the context column, so it cannot also be the {role}; name"
                                " another variable")
    if t == y:
        raise VariableError(f"the treatment and the outcome are the same variable ({t}); name two"
                            " different variables")
    learned = discover(ctx, ds, context=c)
    graph = learned.graph
    notes = list(learned.notes)
    # the per-environment estimates: same graph, that environment's rows, no refuter (the
    # comparison is the point; each estimate's CI is what it uses)
    quiet = dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"refute": False, "context": None}))
    effects: list[EnvironmentEffect] = []
    for label, value in _labels(ds, c):
        try:
            sub = _subset(ds, c, value, label, list(ctx.settings.include))
        except CausalAgentError as exc:
            effects.append(EnvironmentEffect(environment=label, rows=0, error=str(exc).splitlines()[0]))
            continue
        try:
            r = estimate_effect(quiet, t, y, t0, t1, dataset=sub, graph_key=learned.key, method=method)
        except CausalAgentError as exc:
            effects.append(EnvironmentEffect(environment=label, rows=sub.n_rows,
                                             error=str(exc).splitlines()[0]))
            continue
        effects.append(EnvironmentEffect(
            environment=label, rows=sub.n_rows, estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high,
            headline=r.headline, method=r.method, adjustment_set=list(r.adjustment_set or [])))
    usable = [e for e in effects if e.estimate is not None and e.se is not None]
    changing = list(graph.changing)
    paths = sorted(_on_paths(graph, t, y) & set(changing), key=graph.nodes.index)
    unidentified = [e.environment for e in usable if e.headline == "range"]
    contrast = f"changing {t} from {_g(t0)} to {_g(t1)}"
    answer: Literal["yes", "no", "uncertain"] = "uncertain"
    p = q = pooled = margin = None
    df = None
    overlap = None
    if len(usable) < 2:
        finding = (f"only {len(usable)} of {len(effects)} {c} environments give an estimate of the effect"
                   f" of {t} on {y}, so nothing can be compared")
    else:
        b = np.array([e.estimate for e in usable], dtype=float)
        se = np.array([e.se for e in usable], dtype=float)
        w = 1.0 / se**2
        pooled = float((w * b).sum() / w.sum())
        q = float((w * (b - pooled) ** 2).sum())
        df = len(usable) - 1
        p = float(stats.chi2.sf(q, df))
        overlap = all(a.ci_low <= e.ci_high and e.ci_low <= a.ci_high  # type: ignore[operator]
                      for i, a in enumerate(usable) for e in usable[i + 1:])
        sd_y = float(np.nanstd(ds.frame_for([y])[y].to_numpy(dtype=float)))
        margin = max(EQUIVALENCE_SHARE * abs(pooled), EQUIVALENCE_SD * sd_y)
        worst = max(abs(a - e) + Z90 * math.hypot(sa, se_)
                    for i, (a, sa) in enumerate(zip(b, se)) for e, se_ in zip(b[i + 1:], se[i + 1:]))
        lo, hi = min(usable, key=lambda e: e.estimate), max(usable, key=lambda e: e.estimate)  # type: ignore[arg-type,return-value]
        listed = (f"from {_g(lo.estimate)} ({c}={lo.environment}) to {_g(hi.estimate)}"
                  f" ({c}={hi.environment}) over {len(usable)} environments")
        test = f"a test of equal effects gives p = {p:.3g} (Cochran's Q = {q:.3g}, {df} df)"
        cis = "the 95% CIs " + ("overlap" if overlap else "do not all overlap")
        alpha = ctx.settings.alpha
        if p < alpha and unidentified:
            finding = (f"the estimates of the effect of {contrast} on {y} differ between {c} environments,"
                       f" {listed} ({test}), but the graph does not identify the effect (the direction of"
                       f" an edge at {t} is open), so the estimates are one possible adjustment's and a"
                       " difference between them is no difference of the effect")
        elif p < alpha and not paths:
            finding = (f"the estimates of the effect of {contrast} on {y} differ between {c} environments,"
                       f" {listed} ({test}), but CD-NOD finds no change in the mechanism of {y} or of a"
                       f" variable between {t} and {y}, which keeps the effect the same; the difference"
                       " more likely comes from an adjustment that does not fit every environment")
        elif p < alpha:
            answer = "yes"
            finding = (f"the effect of {contrast} on {y} differs between {c} environments, {listed};"
                       f" {test}, below alpha {alpha:g}, and {cis}")
        elif worst < margin and unidentified:
            finding = (f"the estimates of the effect of {contrast} on {y} agree across {c} environments"
                       f" within +-{_g(margin)}, {listed}, but the graph does not identify the effect (the"
                       f" direction of an edge at {t} is open), so they are one possible adjustment's")
        elif worst < margin:
            answer = "no"
            finding = (f"the effect of {contrast} on {y} is the same in every {c} environment within"
                       f" +-{_g(margin)}, {listed}; {test}, and every pairwise difference's 90% CI lies"
                       f" inside +-{_g(margin)} (an equivalence test)")
        else:
            finding = (f"the data cannot tell whether the effect of {contrast} on {y} differs between {c}"
                       f" environments, {listed}; {test} (no significant difference) and {cis}, but a"
                       f" difference of {_g(margin)} or more cannot be ruled out")
    if paths:
        reason = (f"CD-NOD ({learned.key}) finds that the mechanism of {', '.join(paths)} changes with {c}"
                  f" ({c} -> {', '.join(paths)}), on the causal route from {t} to {y}: that is how the"
                  " effect can differ")
    else:
        where = f"changes in {', '.join(changing)} only" if changing else "no changed mechanism"
        reason = (f"CD-NOD ({learned.key}) finds {where}; neither {y} nor a variable between {t} and {y}"
                  f" changes with {c}, which fits an effect that is the same everywhere")
    caveat = (f"each environment's effect is identified from the CD-NOD graph learned on all rows; a"
              f" changed mechanism may be a shifted level of {y} (its intercept), which does not change"
              " the effect")
    if any(e.headline == "range" for e in usable):
        caveat += ("; the graph leaves the adjustment set ambiguous, so each environment's estimate is the"
                   " definite-parents set's")
    return EffectDifference(
        treatment=t, outcome=y, context=c, t0=float(t0), t1=float(t1), answer=answer, effects=effects,
        p_value=p, q=q, df=df, pooled=pooled, margin=margin, overlap=overlap, graph_key=learned.key,
        changing=changing, on_paths=paths, finding=finding, reason=reason, caveat=caveat, notes=notes,
    )


__all__ = [
    "EQUIVALENCE_SD", "EQUIVALENCE_SHARE", "EffectDifference", "EnvironmentEffect", "compare_effects",
    "has_column", "missing_context", "resolve_context",
]
