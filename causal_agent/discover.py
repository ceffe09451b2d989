"""Causal discovery with memory: learn a graph once, reuse it for every later question.

``discover(ctx, ...)`` resolves the dataset and variables, chooses an algorithm (saying why),
returns a stored graph when memory already holds one for the same data, variables, algorithm and
parameters, and otherwise runs a registered algorithm and stores the result with full provenance.

How ``algorithm="auto"`` chooses (from the profile of the chosen variables):

- every variable discrete (binary/discrete/categorical) -> **PC with chi-square**;
- every variable continuous and nearly all of them clearly non-Gaussian (at most one
  Gaussian-looking column and at least 80% non-Gaussian), at an affordable size -> **DirectLiNGAM**:
  under a linear model with non-Gaussian noise it identifies edge directions that PC leaves
  undirected. It is NOT chosen otherwise, because on Gaussian or nonlinear data LiNGAM returns
  confidently wrong directions;
- otherwise -> **PC with Fisher-z**: Fisher-z works on the correlation matrix, so its cost barely
  grows with n, which keeps large tables affordable. KCI (O(n³) per test) is never chosen
  automatically; when asked for, it runs on at most ``KCI_DISCOVERY_MAX_ROWS`` sampled rows.

Background knowledge (``Background``) goes to causal-learn's ``BackgroundKnowledge`` for PC and
FCI, to DirectLiNGAM's prior-knowledge matrix for LiNGAM, and algorithms without support raise an
error rather than ignoring it. Every result is also checked against the knowledge afterwards, and
any violation (e.g. a required edge the data do not support) is reported in ``notes``.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from .errors import AlgorithmError, CausalAgentError, PluginError, VariableError
from .independence import (
    CI_METHODS,
    DISCRETE_KINDS,
    check_alpha,
    choose_ci_test,
    normalize_method,
    require_discrete,
)

from .graph import CausalGraph

if TYPE_CHECKING:  # pragma: no cover
    from .context import AgentContext
    from .data import Dataset

KCI_DISCOVERY_MAX_ROWS = 1500
#: DirectLiNGAM costs about n·p³ (0.4 s at 2000 x 10 here); above this budget (~5 s) the auto
#: choice falls back to PC.
LINGAM_AUTO_BUDGET = 30_000_000
LINGAM_MIN_NON_GAUSSIAN = 0.8

_ARROW = re.compile(r"\s*(?:-+>|→|=>)\s*")


def _pair(value: Any) -> Any:
    """Read "a -> b" (as models tend to write edges) or [a, b] as a pair."""
    if isinstance(value, str):
        parts = [p.strip() for p in _ARROW.split(value) if p.strip()]
        if len(parts) != 2:
            raise ValueError(f"cannot read {value!r} as an edge; write it as 'a -> b' or [a, b]")
        return tuple(parts)
    if isinstance(value, dict) and {"source", "target"} <= set(value):
        return (value["source"], value["target"])
    return value


class Background(BaseModel):
    """Background knowledge for discovery.

    ``required``/``forbidden`` hold directed edges ``(a, b)`` meaning a -> b. ``tiers`` is a temporal
    order: a variable in an earlier tier cannot be caused by one in a later tier (e.g.
    ``[["age", "sex"], ["smoking"], ["cancer"]]``).
    """

    required: list[tuple[str, str]] = Field(
        default_factory=list, description="edges a -> b that must be present"
    )
    forbidden: list[tuple[str, str]] = Field(
        default_factory=list, description="edges a -> b that must be absent"
    )
    tiers: list[list[str]] = Field(
        default_factory=list,
        description="temporal tiers, earliest first; later tiers cannot cause earlier ones",
    )

    @field_validator("required", "forbidden", mode="before")
    @classmethod
    def _read_pairs(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, (str, dict)):
            value = [value]
        return [_pair(v) for v in value]

    @field_validator("tiers", mode="before")
    @classmethod
    def _read_tiers(cls, value: Any) -> Any:
        if value is None:
            return []
        return [[t] if isinstance(t, str) else t for t in value]

    def is_empty(self) -> bool:
        return not (self.required or self.forbidden or self.tiers)

    def resolve(self, dataset: Dataset, variables: Sequence[str]) -> Background:
        """Names resolved to columns of ``dataset``, all inside ``variables``, and consistent."""
        inside = set(variables)

        def name(raw: str) -> str:
            col = dataset.resolve(raw)
            if col not in inside:
                raise VariableError(
                    f"background knowledge names {col!r}, which is not among the graph's variables"
                    f" ({', '.join(variables)}); add it to variables or drop that rule"
                )
            return col

        def edges(pairs: list[tuple[str, str]], what: str) -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            for a, b in pairs:
                pair = (name(a), name(b))
                if pair[0] == pair[1]:
                    raise VariableError(
                        f"{what} edge {a} -> {b} joins {pair[0]!r} to itself; name two variables"
                    )
                if pair not in out:
                    out.append(pair)
            return out

        # Canonical order (edges sorted, tier members in variable order) so that the same
        # knowledge written differently maps to the same memory key.
        order = {v: i for i, v in enumerate(variables)}
        required = sorted(edges(self.required, "required"))
        forbidden = sorted(edges(self.forbidden, "forbidden"))
        tiers = [sorted(dict.fromkeys(name(v) for v in tier), key=order.__getitem__)
                 for tier in self.tiers]
        tiers = [t for t in tiers if t]
        tier_of: dict[str, int] = {}
        for i, tier in enumerate(tiers):
            for v in tier:
                if v in tier_of:
                    raise VariableError(
                        f"{v!r} is in tiers {tier_of[v] + 1} and {i + 1}; put each variable in one tier"
                    )
                tier_of[v] = i
        for a, b in required:
            if (a, b) in forbidden:
                raise VariableError(f"edge {a} -> {b} is both required and forbidden; keep one")
            if (b, a) in required:
                raise VariableError(f"both {a} -> {b} and {b} -> {a} are required; keep one direction")
            if a in tier_of and b in tier_of and tier_of[a] > tier_of[b]:
                raise VariableError(
                    f"required edge {a} -> {b} contradicts the tiers ({a!r} is in a later tier than"
                    f" {b!r}); fix the tiers or the edge"
                )
        return Background(required=required, forbidden=forbidden, tiers=tiers)

    def tier_of(self) -> dict[str, int]:
        return {v: i for i, tier in enumerate(self.tiers) for v in tier}

    def violations(self, graph: CausalGraph) -> list[str]:
        """Plain-language list of the rules ``graph`` breaks (checked after every algorithm)."""
        directed: set[tuple[str, str]] = set()
        adjacent: dict[frozenset[str], str] = {}
        for e in graph.edges:
            adjacent[frozenset((e.source, e.target))] = f"{e.source} {e.type} {e.target}"
            if e.type == "-->":
                directed.add((e.source, e.target))
        out: list[str] = []
        for a, b in self.required:
            if (a, b) in directed:
                continue
            found = adjacent.get(frozenset((a, b)))
            if found is None:
                out.append(
                    f"required edge {a} -> {b} is absent: the data show no direct dependence"
                    " between them"
                )
            else:
                out.append(f"required edge {a} -> {b} appears as {found}")
        for a, b in self.forbidden:
            if (a, b) in directed:
                out.append(f"forbidden edge {a} -> {b} is in the graph")
        tiers = self.tier_of()
        for a, b in sorted(directed):
            if a in tiers and b in tiers and tiers[a] > tiers[b]:
                out.append(f"edge {a} -> {b} runs from a later tier to an earlier one")
        return out


class DiscoveryResult(BaseModel):
    """A learned (or reused) graph and how it was obtained."""

    key: str = Field(description="memory key of the graph")
    graph: CausalGraph
    algorithm: str
    ci_test: str | None = Field(None, description="CI test used (None for score/FCM-based methods)")
    alpha: float | None = Field(None, description="significance level (None when not used)")
    reason: str = Field(description="why this algorithm (and test) were used")
    reused: bool = Field(description="True when the graph came from memory and nothing was run")
    elapsed_s: float = Field(description="seconds this call took")
    variables: list[str]
    notes: list[str] = Field(default_factory=list)
    summary: str


def uses_ci_test(function: Any) -> bool:
    """Whether an algorithm function takes ``alpha``/``ci_test`` (plugins mark it ``uses_ci_test``)."""
    return bool(getattr(function, "uses_ci_test", True))


def choose_algorithm(
    dataset: Dataset, variables: Sequence[str], n: int, available: Sequence[str]
) -> tuple[str, str | None, str]:
    """The algorithm (and CI test) ``auto`` picks for these variables, and why."""
    p = len(variables)
    kinds = [dataset.kind(v) for v in variables]
    if all(k in DISCRETE_KINDS for k in kinds):
        return "pc", "chisq", (
            f"all {p} variables are discrete, so PC with chi-square tests on the category counts"
        )
    continuous = [v for v, k in zip(variables, kinds) if k == "continuous"]
    non_gaussian = [v for v in continuous if dataset.profile.column(v).gaussian is False]
    if len(continuous) == p and "lingam" in available:
        needed = max(p - 1, math.ceil(LINGAM_MIN_NON_GAUSSIAN * p))
        if len(non_gaussian) >= needed:
            if n * p**3 <= LINGAM_AUTO_BUDGET:
                return "lingam", None, (
                    f"{len(non_gaussian)} of {p} continuous variables are clearly non-Gaussian, so"
                    " DirectLiNGAM, which orients every edge under a linear non-Gaussian model"
                    " (PC would leave some undirected); it assumes linear relations, and its"
                    " directions are unreliable if the data are nonlinear"
                )
            ng_note = (
                f"; DirectLiNGAM would suit the non-Gaussian data but is too costly at {n} rows x"
                f" {p} variables"
            )
        else:
            ng_note = (
                f"; DirectLiNGAM not chosen: only {len(non_gaussian)} of {p} variables are clearly"
                " non-Gaussian and it mis-orients edges on Gaussian data" if non_gaussian else ""
            )
    else:
        ng_note = ""
    discrete = [v for v, k in zip(variables, kinds) if k in DISCRETE_KINDS]
    if discrete:
        why = (
            f"mixed data ({len(discrete)} discrete, {len(continuous)} continuous), so PC with"
            " Fisher-z on the integer codes (linear association only)"
        )
    else:
        why = "continuous data, so PC with Fisher-z (partial correlations)"
    if n * p >= 100_000:
        why += f"; Fisher-z works on the correlation matrix, so it stays fast at {n} rows x {p} variables"
    return "pc", "fisherz", why + ng_note


def _resolve_variables(dataset: Dataset, variables: Sequence[str] | str | None) -> list[str]:
    if variables is None:
        names = list(dataset.variables)
    else:
        if isinstance(variables, str):
            variables = [v for v in re.split(r"\s*,\s*", variables) if v]
        wanted = set(dataset.resolve_many(variables))
        names = [v for v in dataset.variables if v in wanted]  # dataset order: one graph per key
    if len(names) < 2:
        raise VariableError(
            f"a causal graph needs at least 2 variables, got {len(names)}"
            f" ({', '.join(names) or 'none'}); name more of: {', '.join(dataset.variables)}"
        )
    return names


def _coerce_background(background: Background | dict | None) -> Background | None:
    if background is None:
        return None
    if isinstance(background, Background):
        return background
    if isinstance(background, dict):
        try:
            return Background.model_validate(background)
        except ValueError as exc:
            first = str(exc).splitlines()
            raise VariableError(
                "cannot read the background knowledge: "
                + (first[-1].strip() if first else str(exc))
                + "; give required/forbidden as [a, b] pairs and tiers as lists of names"
            ) from None
    raise VariableError(
        f"background knowledge must be a Background or a dict, not {type(background).__name__}"
    )


def _describe(graph: CausalGraph) -> str:
    counts: dict[str, int] = {}
    for e in graph.edges:
        counts[e.type] = counts.get(e.type, 0) + 1
    names = {"-->": "directed", "---": "undirected", "<->": "bidirected", "o->": "partially directed",
             "o-o": "nondirected"}
    parts = [f"{k} {names.get(t, t)}" for t, k in counts.items()]
    n_edges = len(graph.edges)
    text = f"{n_edges} edge{'s' * (n_edges != 1)}"
    return text + (f" ({', '.join(parts)})" if parts else "")


def method_label(algorithms: Mapping[str, Any], algorithm: str, ci_test: str | None = None,
                 alpha: float | None = None) -> str:
    """How a graph was learned, for people: "PC (Fisher-z, alpha 0.05)", "DirectLiNGAM", "GES".

    The one place an algorithm's label is read (from its registration; a graph stored by an
    algorithm that is no longer loaded shows its name in capitals)."""
    algo = algorithms.get(algorithm)
    label = algo.label if algo is not None else algorithm.upper()
    details = [CI_METHODS.get(ci_test, ci_test)] if ci_test else []
    if alpha is not None:
        details.append(f"alpha {alpha:g}")
    return label + (f" ({', '.join(details)})" if details else "")


def _background_text(bg: Background) -> str:
    parts = []
    if bg.required:
        parts.append(f"{len(bg.required)} required edge{'s' * (len(bg.required) != 1)}")
    if bg.forbidden:
        parts.append(f"{len(bg.forbidden)} forbidden edge{'s' * (len(bg.forbidden) != 1)}")
    if bg.tiers:
        parts.append(f"{len(bg.tiers)} tiers")
    return "background knowledge (" + ", ".join(parts) + ")"


def discover(
    ctx: AgentContext,
    dataset: str | Dataset | None = None,
    variables: Sequence[str] | str | None = None,
    algorithm: str | None = None,
    alpha: float | None = None,
    ci_test: str | None = "auto",
    background: Background | dict | None = None,
    partial: str = "induced",
    **params: Any,
) -> DiscoveryResult:
    """Learn (or reuse from ``ctx.memory``) a causal graph over ``variables`` of ``dataset``.

    ``variables=None`` means every analysable column; a subset gives a partial graph (at least 2).
    A partial graph is by default the subgraph the full graph induces on the subset
    (``partial="induced"``): learning on every variable keeps confounders in view, orients more
    edges, and reuses the full graph from memory. ``partial="marginal"`` instead runs the
    algorithm on the subset's columns alone (what the literature's benchmark does), where
    left-out common causes show up as extra edges.
    ``algorithm``/``alpha`` default to ``ctx.settings``. Extra ``params`` go to the algorithm and
    into the memory key.
    """
    from .memory import GraphRecord, Provenance
    from .registry import lookup

    started = time.perf_counter()
    ds = dataset if hasattr(dataset, "fingerprint") else ctx.datasets.get(dataset)  # type: ignore[arg-type]
    names = _resolve_variables(ds, variables)
    mode = (partial or "induced").strip().lower()
    if mode not in ("induced", "marginal"):
        raise AlgorithmError(f"unknown partial-graph mode {partial!r}; use 'induced' or 'marginal'")
    if mode == "induced" and len(names) < len(ds.variables):
        return _induced(ctx, ds, names, started, algorithm=algorithm, alpha=alpha,
                        ci_test=ci_test, background=background, **params)
    requested_alpha = alpha
    alpha = check_alpha(ctx.settings.alpha if alpha is None else alpha)
    wanted_test = normalize_method(ci_test)
    bg = _coerce_background(background)
    bg = bg.resolve(ds, names) if bg is not None and not bg.is_empty() else None
    notes: list[str] = []

    requested = (algorithm or "auto").strip().lower()
    if requested == "auto" and (ctx.settings.algorithm or "auto").strip().lower() != "auto":
        requested = ctx.settings.algorithm.strip().lower()  # the user's configured default
    if requested == "auto":
        data = ds.matrix(names)
        name, auto_test, reason = choose_algorithm(ds, names, data.shape[0], list(ctx.algorithms))
        algo = lookup(ctx.algorithms, name, "discovery algorithm")
    else:
        algo = lookup(ctx.algorithms, requested, "discovery algorithm")
        name, auto_test, reason = algo.name, None, f"{algo.name} was requested"
        data = None

    ci_based = uses_ci_test(algo.function)
    if ci_based:
        if wanted_test != "auto":
            test = wanted_test
            reason += f"; {CI_METHODS[test]} tests as requested"
        elif auto_test is not None:
            test = auto_test
        else:
            data = ds.matrix(names) if data is None else data
            test, why = choose_ci_test(ds, names, data.shape[0], allow_kci=False)
            reason += f"; {CI_METHODS[test]} tests because {why}"
        key_params: dict[str, Any] = {"alpha": alpha, "ci_test": wanted_test, "background": bg}
    else:
        if wanted_test != "auto":
            raise AlgorithmError(
                f"{name} does not use a conditional independence test, so ci_test={ci_test!r}"
                " cannot apply; leave ci_test as 'auto' or use pc or fci"
            )
        if requested_alpha is not None:
            notes.append(f"alpha does not apply to {name} (it uses no independence tests).")
        test = None
        key_params = {"background": bg}
    alpha_used = alpha if ci_based else None
    key_params.update(params)
    subset_vars = None if len(names) == len(ds.variables) else names
    if subset_vars is not None:  # a marginal partial graph; induced ones returned above
        key_params["partial"] = "marginal"

    key = ctx.memory.key_for(ds, name, subset_vars, key_params)
    record = ctx.memory.lookup(ds, name, subset_vars, key_params)
    if record is not None:
        prov = record.provenance
        notes = [str(n) for n in prov.params.get("notes") or []] + notes
        took = f" in {prov.elapsed_s:.2f} s" if prov.elapsed_s is not None else ""
        summary = (
            f"Reused graph {key!r} from memory (no discovery run): a {record.graph.kind.upper()}"
            f" over {len(record.graph.nodes)} variables with {_describe(record.graph)}, learned"
            f" by {method_label(ctx.algorithms, prov.algorithm, prov.ci_test, prov.alpha)}{took} on {prov.created_at}."
        )
        if notes:
            summary += " Note: " + " ".join(notes)
        return DiscoveryResult(
            key=key, graph=record.graph, algorithm=prov.algorithm, ci_test=prov.ci_test,
            alpha=prov.alpha, reason=prov.reason or reason, reused=True,
            elapsed_s=round(time.perf_counter() - started, 4), variables=list(record.graph.nodes),
            notes=notes, summary=summary,
        )

    data = ds.matrix(names) if data is None else data
    n = int(data.shape[0])
    if ds.n_rows - n:
        notes.append(f"{ds.n_rows - n} row(s) with missing values in these variables were left out.")
    if test is not None:
        require_discrete(ds, names, test, "use ci_test='fisherz'")
    if test == "kci" and n > KCI_DISCOVERY_MAX_ROWS:
        import numpy as np

        rng = np.random.default_rng(ctx.settings.seed)
        data = data[np.sort(rng.choice(n, size=KCI_DISCOVERY_MAX_ROWS, replace=False))]
        notes.append(
            f"KCI costs O(n^3) per test: discovery ran on a random subsample of"
            f" {KCI_DISCOVERY_MAX_ROWS} of the {n} rows (seed {ctx.settings.seed})."
        )
    if name == "lingam" and bg is not None and (bg.required or bg.forbidden):
        notes.append(
            "DirectLiNGAM's prior knowledge is about paths: a required edge a -> b became a required"
            " directed path a to b, a forbidden one forbids any directed path from a to b."
        )
    if name == "lingam" and any(ds.kind(v) in DISCRETE_KINDS for v in names):
        notes.append("DirectLiNGAM assumes continuous variables; discrete ones make it unreliable.")

    t0 = time.perf_counter()
    graph = _run(algo, data, names, alpha=alpha_used, ci_test=test, background=bg,
                 dataset=ds.name, **params)
    elapsed = time.perf_counter() - t0
    if not isinstance(graph, CausalGraph):
        raise PluginError(
            f"algorithm {name!r} ({algo.plugin}) returned {type(graph).__name__}, not a"
            " CausalGraph; fix the plugin"
        )
    if set(graph.nodes) != set(names):
        raise PluginError(
            f"algorithm {name!r} ({algo.plugin}) returned a graph over other variables than"
            f" {', '.join(names)}; fix the plugin"
        )
    if bg is not None:
        notes.extend(f"Background knowledge not met: {v}." for v in bg.violations(graph))

    run_params = {"alpha": alpha_used, "ci_test": test, "requested_ci_test": wanted_test,
                  "requested_algorithm": requested, "n_rows": int(data.shape[0]),
                  "background": bg.model_dump(mode="json") if bg else None,
                  "notes": list(notes), **params}
    provenance = Provenance(
        dataset=ds.name, fingerprint=ds.fingerprint, variables=list(graph.nodes), algorithm=name,
        params=run_params, ci_test=test, alpha=alpha_used, reason=reason,
        elapsed_s=round(elapsed, 4),
    )
    ctx.memory.put(GraphRecord(key=key, graph=graph, provenance=provenance))
    subset = "" if subset_vars is None else " (marginal partial graph)"
    with_bg = f" and {_background_text(bg)}" if bg is not None else ""
    summary = (
        f"Learned a {graph.kind.upper()} over {len(names)} variables{subset} with"
        f" {method_label(ctx.algorithms, name, test, alpha_used)}{with_bg} in {elapsed:.2f} s: {_describe(graph)}."
        f" Stored as {key!r}. Why: {reason}."
    )
    if notes:
        summary += " Note: " + " ".join(notes)
    return DiscoveryResult(
        key=key, graph=graph, algorithm=name, ci_test=test, alpha=alpha_used, reason=reason,
        reused=False, elapsed_s=round(time.perf_counter() - started, 4),
        variables=list(graph.nodes), notes=notes, summary=summary,
    )


def _run(algo: Any, data: Any, names: list[str], *, dataset: str, **kwargs: Any) -> Any:
    """Call an algorithm with its console output silenced; library failures become one line."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return algo.function(data, list(names), **kwargs)
    except CausalAgentError:
        raise
    except Exception as exc:  # a library failure on this data: say which and what to try
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise AlgorithmError(
            f"{algo.name} failed on dataset {dataset} ({type(exc).__name__}: {first[:200]});"
            " try another algorithm or ci_test, or fewer variables"
        ) from exc


__all__ = [
    "Background", "DiscoveryResult", "KCI_DISCOVERY_MAX_ROWS", "choose_algorithm", "discover",
    "method_label", "uses_ci_test",
]


def _induced(ctx: AgentContext, ds: Dataset, names: list[str], started: float, **kw: Any) -> DiscoveryResult:
    """The partial graph over ``names`` as the subgraph of the full graph (learned or reused)."""
    from .memory import GraphRecord

    full = discover(ctx, ds, None, **kw)
    key = f"{full.key.split('@', 1)[0]}:{','.join(sorted(names))}"
    if "@" in full.key:
        key += "@" + full.key.split("@", 1)[1]
    graph = full.graph.subgraph(names)
    record = ctx.memory.get(full.key)
    prov = record.provenance.model_copy(
        update={
            "variables": list(graph.nodes),
            "params": {**record.provenance.params, "partial": "induced", "full_graph": full.key},
        }
    )
    ctx.memory.put(GraphRecord(key=key, graph=graph, provenance=prov))
    how = "reused from memory" if full.reused else "learned now"
    summary = (
        f"Partial graph over {', '.join(names)}: the subgraph of the full graph {full.key!r}"
        f" ({how}, {method_label(ctx.algorithms, full.algorithm, full.ci_test, full.alpha)}), {_describe(graph)}."
        f" Stored as {key!r}. Learning on all variables keeps their common causes in view."
    )
    return DiscoveryResult(
        key=key, graph=graph, algorithm=full.algorithm, ci_test=full.ci_test, alpha=full.alpha,
        reason=full.reason + "; partial graph induced from the full graph", reused=full.reused,
        elapsed_s=round(time.perf_counter() - started, 4), variables=list(graph.nodes),
        notes=full.notes, summary=summary,
    )
