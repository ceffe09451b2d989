"""Random DAGs and the structural causal models that generate the benchmark data.

It imports nothing else from the evals package, so ``truth`` (which reads an SCM) and
``generator`` (which builds suites from them) both import it without a cycle. Design choices, and
why:

* **Random DAGs** come from a random order plus Bernoulli edges (the Erdős–Rényi DAG model), with
  an optional cap on the number of parents so that CI tests at n ≈ 1–2k rows stay informative.
* **Faithfulness.** Edge weights are drawn with |w| in [0.5, 1.5] (continuous) or [1.5, 2.5] on the
  logit scale (discrete), random sign, so no edge is near zero. Every parent enters a child through
  its *standardised* value (observational mean and sd, fixed when the SCM is built), so variances
  do not blow up along long chains and deep edges stay as detectable as shallow ones.
* **Nonlinear ANM** uses monotone nonlinearities (tanh, softplus, cubic, x + sin): the effect is
  clearly nonlinear, yet correlations never vanish, so the model stays learnable with Fisher-z
  and the data are faithful to the DAG for linear-correlation tests too.
* **Discrete** nodes are binary or 3-level categorical with an ordered-logit CPD (strong effects);
  their noise is one uniform draw per row, turned into a category by inverse CDF. This keeps
  common random numbers possible for ATE simulation, as for continuous noise.
* **Network kinds** (the "realistic" families; our own generator, not tuned to any published
  network): ``discrete_network`` has nodes with 2–5 unordered states and a conditional probability
  table per node (softmax of additive per-parent effects plus a smaller interaction term drawn for
  every parent configuration, so CPTs are peaked and not monotone); ``mixed`` makes each node
  discrete (2–5 states) or continuous at random: a discrete parent shifts a continuous child's mean
  by a per-state amount, a continuous parent tilts a discrete child's logits along a random
  direction. Near-unfaithful pairs there are found with a binned mutual information, since codes of
  unordered states need not correlate linearly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from causal_agent.errors import DataError, VariableError, suggestion

SCMKind = Literal["linear_gaussian", "linear_nongaussian", "nonlinear_anm", "discrete", "discrete_network", "mixed"]
#: the four-level suite's kinds
SCM_KINDS: tuple[SCMKind, ...] = ("linear_gaussian", "linear_nongaussian", "nonlinear_anm", "discrete")
#: the realistic families' own kinds (CPT networks and mixed discrete/continuous)
NETWORK_KINDS: tuple[SCMKind, ...] = ("discrete_network", "mixed")
ALL_KINDS: tuple[SCMKind, ...] = (*SCM_KINDS, *NETWORK_KINDS)
NoiseKind = Literal["gaussian", "uniform", "laplace", "categorical"]
Nonlinearity = Literal["identity", "tanh", "softplus", "cubic", "sine"]
NONLINEARITIES: tuple[Nonlinearity, ...] = ("tanh", "softplus", "cubic", "sine")

_PILOT_ROWS = 10_000  # rows of the pilot sample that fixes each node's standardisation constants


def random_dag(
    n_nodes: int,
    density: float,
    rng: np.random.Generator,
    names: Sequence[str] | None = None,
    max_parents: int | None = None,
) -> nx.DiGraph:
    """A random DAG: shuffle the nodes, then add each forward edge with probability ``density``.

    ``density`` is the Bernoulli edge probability (0.1 sparse … 0.6 dense). With ``max_parents``
    a node keeps at most that many parents (a random subset), which bounds the CI-test order.
    """
    if not 2 <= n_nodes <= 64:
        raise DataError(f"n_nodes={n_nodes} is out of range; use 2..64 nodes (the benchmark uses 3..12)")
    if not 0.0 <= density <= 1.0:
        raise DataError(f"density={density} is not a probability; use a value in [0, 1]")
    labels = list(names) if names is not None else [f"X{i + 1}" for i in range(n_nodes)]
    if len(labels) != n_nodes or len(set(labels)) != n_nodes:
        raise VariableError(f"need {n_nodes} distinct node names, got {len(set(labels))}; pass unique names")
    order = [labels[i] for i in rng.permutation(n_nodes)]
    g = nx.DiGraph()
    g.add_nodes_from(labels)
    for j in range(n_nodes):
        parents = [order[i] for i in range(j) if rng.random() < density]
        if max_parents is not None and len(parents) > max_parents:
            keep = rng.choice(len(parents), size=max_parents, replace=False)
            parents = [parents[i] for i in sorted(keep)]
        g.add_edges_from((p, order[j]) for p in parents)
    return g


class NodeModel(BaseModel):
    """How one node is generated from its parents and its own noise."""

    name: str
    parents: list[str] = Field(default_factory=list)
    weights: list[float] = Field(default_factory=list)  # one per parent
    functions: list[Nonlinearity] = Field(default_factory=list)  # one per parent (continuous)
    intercept: float = 0.0
    noise: NoiseKind = "gaussian"
    noise_scale: float = 1.0
    # observational mean and sd of this node; children standardise it with these constants
    loc: float = 0.0
    scale: float = 1.0
    # discrete nodes
    categories: int | None = None
    biases: list[float] = Field(default_factory=list)  # one per category
    # network kinds: per parent, its effect table (rows: the parent's states, or one row for a
    # continuous parent; columns: the child's states, or one column for a continuous child)
    effects: list[list[list[float]]] = Field(default_factory=list)
    # discrete_network: extra logits per configuration of the (discrete) parents, row-major
    interactions: list[list[float]] = Field(default_factory=list)


def _nonlinear(kind: Nonlinearity, u: np.ndarray) -> np.ndarray:
    """Monotone link functions (never flat, so correlations keep the sign of the weight)."""
    if kind == "identity":
        return u
    if kind == "tanh":
        return 2.0 * np.tanh(u)
    if kind == "softplus":
        return np.logaddexp(0.0, 2.0 * u) - math.log(2.0)
    if kind == "cubic":
        return u + 0.3 * u**3
    return u + 0.5 * np.sin(2.0 * u)  # sine: derivative 1 + cos(2u) >= 0


class SCM(BaseModel):
    """A structural causal model over named variables; JSON-serialisable (written to ``truth/``)."""

    kind: SCMKind
    nodes: list[NodeModel]  # in a topological order
    columns: list[str]  # column order of the data (shuffled, so position leaks no causal order)
    # near-unfaithful [a, b] / [a, b, given] left after redraws (see build_scm)
    weak_pairs: list[list[str]] = Field(default_factory=list)

    @property
    def order(self) -> list[str]:
        return [n.name for n in self.nodes]

    @property
    def discrete(self) -> bool:
        """Every column is discrete (the reference procedure then uses chi-square)."""
        return self.kind in ("discrete", "discrete_network")

    def is_discrete(self, name: str) -> bool:
        """Whether one variable is discrete (its values are category codes)."""
        return self.node(name).categories is not None

    def node(self, name: str) -> NodeModel:
        for n in self.nodes:
            if n.name == name:
                return n
        raise VariableError(f"unknown variable {name!r} in the SCM." + suggestion(name, self.order, "variable"))

    def graph(self) -> nx.DiGraph:
        """The true DAG as a networkx DiGraph (nodes in column order)."""
        g = nx.DiGraph()
        g.add_nodes_from(self.columns)
        for n in self.nodes:
            g.add_edges_from((p, n.name) for p in n.parents)
        return g

    # -- sampling ---------------------------------------------------------------------------
    def draw_noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Exogenous noise, one column per node in topological order (drawn even for nodes that
        will be intervened on, so two calls with equal seeds give common random numbers)."""
        out = np.empty((n, len(self.nodes)))
        for j, node in enumerate(self.nodes):
            if node.noise == "gaussian":
                out[:, j] = rng.standard_normal(n)
            elif node.noise == "uniform":
                out[:, j] = rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), n)  # unit variance
            elif node.noise == "laplace":
                out[:, j] = rng.laplace(0.0, 1.0 / math.sqrt(2.0), n)  # unit variance
            else:
                out[:, j] = rng.random(n)
        return out

    def propagate(self, noise: np.ndarray, interventions: dict[str, float] | None = None) -> pd.DataFrame:
        """Push given noise through the structural equations; ``interventions`` fix nodes (do)."""
        return self._run(noise, interventions, calibrate=False)

    def _run(self, noise: np.ndarray, interventions: dict[str, float] | None, calibrate: bool) -> pd.DataFrame:
        """With ``calibrate`` each node's loc/scale is set from its values right after it is
        computed (parents come first in topological order, so one pass fixes them all)."""
        interventions = dict(interventions or {})
        for name in interventions:
            node = self.node(name)
            if node.categories is not None:
                v = interventions[name]
                if float(v) != int(v) or not 0 <= int(v) < node.categories:
                    raise DataError(
                        f"do({name}={v}) is not a category of {name!r}; use a code in 0..{node.categories - 1}"
                    )
        n = noise.shape[0]
        values: dict[str, np.ndarray] = {}
        for j, node in enumerate(self.nodes):
            if node.name in interventions:
                values[node.name] = np.full(n, float(interventions[node.name]))
                continue
            if node.effects:
                values[node.name] = self._network(node, values, noise[:, j])
            elif node.categories is None:
                x = np.full(n, node.intercept)
                for p, w, f in zip(node.parents, node.weights, node.functions, strict=True):
                    par = self.node(p)
                    x = x + w * _nonlinear(f, (values[p] - par.loc) / par.scale)
                values[node.name] = x + node.noise_scale * noise[:, j]
            else:
                values[node.name] = self._categorical(node, values, noise[:, j])
            if calibrate:
                node.loc = float(values[node.name].mean())
                node.scale = float(values[node.name].std()) or 1.0
        frame = pd.DataFrame({c: values[c] for c in self.columns})
        if self.discrete:
            frame = frame.astype("int64")
        elif self.kind == "mixed":
            for c in self.columns:
                if self.node(c).categories is not None:
                    frame[c] = frame[c].astype("int64")
        return frame

    def _network(self, node: NodeModel, values: dict[str, np.ndarray], u: np.ndarray) -> np.ndarray:
        """A node of a network kind: effect tables per parent (see the module docstring)."""
        n = u.shape[0]
        c = node.categories
        acc = np.zeros((n, c if c is not None else 1))
        config = np.zeros(n, dtype=np.int64)
        for p, table in zip(node.parents, node.effects, strict=True):
            par = self.node(p)
            t = np.asarray(table)
            if par.categories is None:  # continuous parent: its standardised value times the row
                acc += ((values[p] - par.loc) / par.scale)[:, None] * t[0][None, :]
            else:
                code = np.clip(values[p].astype(np.int64), 0, par.categories - 1)
                acc += t[code]
                config = config * par.categories + code
        if c is None:
            return node.intercept + acc[:, 0] + node.noise_scale * u
        logits = np.asarray(node.biases)[None, :] + acc
        if node.interactions:
            logits = logits + np.asarray(node.interactions)[config]
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        cdf = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
        return np.minimum((u[:, None] > cdf).sum(axis=1), c - 1).astype(float)

    def _categorical(self, node: NodeModel, values: dict[str, np.ndarray], u: np.ndarray) -> np.ndarray:
        """Ordered-logit CPD: the parents' weighted standardised codes shift mass to higher codes."""
        c = int(node.categories or 2)
        s = np.zeros(u.shape[0])
        for p, w in zip(node.parents, node.weights, strict=True):
            pc = int(self.node(p).categories or 2)
            half = (pc - 1) / 2.0
            s = s + w * (values[p] - half) / half  # parent code mapped to [-1, 1]
        if c == 2:  # fast path: P(code 0) = 1 / (1 + exp(b1 - b0 + s))
            p0 = 1.0 / (1.0 + np.exp(np.clip(node.biases[1] - node.biases[0] + s, -50, 50)))
            return (u > p0).astype(float)
        steps = (np.arange(c) - (c - 1) / 2.0) / (c - 1)  # -0.5 .. 0.5
        logits = np.asarray(node.biases)[None, :] + s[:, None] * steps[None, :]
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        cdf = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
        return np.minimum((u[:, None] > cdf).sum(axis=1), c - 1).astype(float)

    def sample(
        self, n: int, rng: np.random.Generator, interventions: dict[str, float] | None = None
    ) -> pd.DataFrame:
        """``n`` rows from the observational (or, with ``interventions``, the do-) distribution."""
        if n < 1:
            raise DataError(f"n={n} rows requested; ask for at least 1 row")
        return self.propagate(self.draw_noise(n, rng), interventions)

    # -- linear algebra for linear SCMs -------------------------------------------------------
    def coefficient_matrix(self) -> np.ndarray:
        """B with x = x B + c + e (rows: parent, columns: child, in topological order): the
        effective linear coefficients once parents are standardised. Linear kinds only."""
        if self.kind not in ("linear_gaussian", "linear_nongaussian"):
            raise DataError(f"a {self.kind} SCM has no coefficient matrix; use a linear SCM")
        idx = {name: i for i, name in enumerate(self.order)}
        b = np.zeros((len(self.nodes), len(self.nodes)))
        for node in self.nodes:
            for p, w in zip(node.parents, node.weights, strict=True):
                b[idx[p], idx[node.name]] = w / self.node(p).scale
        return b


def build_scm(
    dag: nx.DiGraph,
    kind: SCMKind,
    rng: np.random.Generator,
    columns: Sequence[str] | None = None,
    noise: NoiseKind | None = None,
    max_categories: int = 3,
    min_correlation: float = 0.08,
    max_redraws: int = 8,
) -> SCM:
    """Parameterise ``dag`` as an SCM of ``kind``; everything (including the pilot sample that
    fixes the standardisation constants) comes from ``rng``, so the SCM is a pure function of
    (dag, kind, rng state).

    Random signs can make paths cancel (A → C and A → B → C with opposite signs): the DAG says
    dependent, the data look independent. Parameters are redrawn (up to ``max_redraws`` times)
    until every pair that is d-connected marginally or given one other variable has a (partial)
    correlation of at least ``min_correlation`` in the pilot sample; the draw with the fewest
    weak pairs is kept and their number recorded in ``SCM.weak_pairs``.
    """
    if kind not in ALL_KINDS:
        raise DataError(f"unknown SCM kind {kind!r}." + suggestion(kind, ALL_KINDS, "kind"))
    if not nx.is_directed_acyclic_graph(dag):
        raise DataError("the graph has a directed cycle; an SCM needs a DAG")
    if noise is None:
        noise = {"linear_gaussian": "gaussian", "nonlinear_anm": "gaussian", "discrete": "categorical",
                 "discrete_network": "categorical", "mixed": "gaussian"}.get(
            kind, "uniform" if rng.random() < 0.5 else "laplace"
        )  # type: ignore[assignment]
    cols = list(columns) if columns is not None else list(dag.nodes)
    if sorted(cols) != sorted(dag.nodes):
        raise VariableError("columns must name every node of the DAG exactly once")
    best: SCM | None = None
    separated: dict[tuple[str, str, str | None], bool] = {}  # d-separation depends on the DAG only
    # network kinds: a weak pair is part of what makes them realistic, and each redraw costs a
    # mutual-information pass over all pairs, so fewer redraws
    for _ in range(max(1, min(max_redraws, 3) if kind in NETWORK_KINDS else max_redraws)):
        scm = _draw_scm(dag, kind, rng, cols, noise, max_categories)  # type: ignore[arg-type]
        pilot = scm._run(scm.draw_noise(_PILOT_ROWS, rng), None, calibrate=True)
        if kind in NETWORK_KINDS:
            scm.weak_pairs = _weak_pairs_mi(dag, pilot, separated)
        else:
            scm.weak_pairs = _weak_pairs(dag, pilot, min_correlation, separated)
        if best is None or len(scm.weak_pairs) < len(best.weak_pairs):
            best = scm
        if not best.weak_pairs:
            break
    assert best is not None
    return best


def _draw_network(dag: nx.DiGraph, kind: SCMKind, rng: np.random.Generator, columns: list[str],
                  max_categories: int) -> SCM:
    """Parameters of a ``discrete_network`` or ``mixed`` SCM (see the module docstring)."""
    order = list(nx.lexicographical_topological_sort(dag, key=str))
    top = max(2, max_categories)
    states: dict[str, int | None] = {}
    for name in order:
        discrete = kind == "discrete_network" or rng.random() < 0.5
        states[name] = int(rng.integers(2, top + 1)) if discrete else None
    nodes: list[NodeModel] = []
    for name in order:
        parents = sorted(dag.predecessors(name), key=order.index)
        c = states[name]
        effects: list[list[list[float]]] = []
        for p in parents:
            rows = states[p] or 1
            if c is None:  # continuous child: a mean shift per parent state, or a slope
                if states[p] is None:
                    effects.append([[float(rng.uniform(0.5, 1.5) * rng.choice([-1.0, 1.0]))]])
                else:  # centred state effects, spread at least 1.2 from lowest to highest
                    e = rng.normal(0.0, 1.0, rows)
                    e = (e - e.mean()) * (1.2 / max(np.ptp(e), 1e-9)) * rng.uniform(1.0, 2.0)
                    effects.append([[float(v)] for v in e])
            else:  # discrete child: a logit vector per parent state (or a direction for a slope)
                e = rng.normal(0.0, 1.0, (rows, c))
                e -= e.mean(axis=1, keepdims=True)
                if states[p] is not None:
                    e -= e.mean(axis=0, keepdims=True)
                scale = rng.uniform(1.5, 2.5) / max(float(np.abs(e).max()), 1e-9)
                effects.append((e * scale).tolist())
        interactions: list[list[float]] = []
        if c is not None and kind == "discrete_network" and parents:
            n_config = int(np.prod([states[p] or 1 for p in parents]))
            interactions = rng.normal(0.0, 0.4, (n_config, c)).tolist()
        nodes.append(NodeModel(
            name=name, parents=parents, weights=[1.0] * len(parents), functions=["identity"] * len(parents),
            intercept=float(rng.uniform(-1.0, 1.0)) if c is None else 0.0,
            noise="categorical" if c is not None else "gaussian",
            noise_scale=float(rng.uniform(0.7, 1.2)) if c is None else 1.0,
            categories=c, biases=rng.normal(0.0, 0.6, c).tolist() if c is not None else [],
            effects=effects, interactions=interactions,
        ))
    return SCM(kind=kind, nodes=nodes, columns=columns)


def _draw_scm(dag: nx.DiGraph, kind: SCMKind, rng: np.random.Generator, columns: list[str],
              noise: NoiseKind, max_categories: int) -> SCM:
    if kind in NETWORK_KINDS:
        return _draw_network(dag, kind, rng, columns, max_categories)
    order = list(nx.lexicographical_topological_sort(dag, key=str))
    nodes: list[NodeModel] = []
    for name in order:
        parents = sorted(dag.predecessors(name), key=order.index)
        k = len(parents)
        if kind == "discrete":
            cats = 2 if max_categories <= 2 or rng.random() < 0.5 else int(rng.integers(3, max_categories + 1))
            node = NodeModel(
                name=name,
                parents=parents,
                weights=(rng.uniform(1.5, 2.5, k) * rng.choice([-1.0, 1.0], k)).tolist(),
                noise="categorical",
                categories=cats,
                biases=rng.normal(0.0, 0.4, cats).tolist(),
            )
        else:
            funcs: list[Nonlinearity] = (
                [NONLINEARITIES[i] for i in rng.integers(0, len(NONLINEARITIES), k)]
                if kind == "nonlinear_anm"
                else ["identity"] * k
            )
            node = NodeModel(
                name=name,
                parents=parents,
                weights=(rng.uniform(0.5, 1.5, k) * rng.choice([-1.0, 1.0], k)).tolist(),
                functions=funcs,
                intercept=float(rng.uniform(-1.0, 1.0)),
                noise=noise,
                noise_scale=float(rng.uniform(0.7, 1.2)),
            )
        nodes.append(node)
    return SCM(kind=kind, nodes=nodes, columns=columns)


def _weak_pairs(dag: nx.DiGraph, sample: pd.DataFrame, threshold: float,
                memo: dict[tuple[str, str, str | None], bool] | None = None) -> list[list[str]]:
    """Pairs d-connected given {} or one other node whose (partial) correlation is below
    ``threshold``: near-violations of faithfulness that CI tests at n ~ 1-2k would miss.
    Each is ``[a, b]`` (marginal) or ``[a, b, c]`` (given c)."""
    names = list(sample.columns)
    p = len(names)
    if p < 2:
        return []
    r = np.nan_to_num(np.corrcoef(sample.to_numpy(dtype=float), rowvar=False))
    # partial correlation of (i, j) given k for all triples at once: pr[i, j, k]
    rik = r[:, None, :]  # r[i, k] broadcast over j
    rjk = r[None, :, :]  # r[j, k] broadcast over i
    num = r[:, :, None] - rik * rjk
    den = np.sqrt(np.maximum((1 - rik**2) * (1 - rjk**2), 1e-12))
    pr = num / den
    memo = {} if memo is None else memo

    def connected(a: str, b: str, c: str | None) -> bool:
        if (a, b, c) not in memo:
            memo[(a, b, c)] = bool(nx.is_d_separator(dag, {a}, {b}, {c} if c else set()))
        return not memo[(a, b, c)]

    weak: list[list[str]] = []
    for i in range(p):
        for j in range(i + 1, p):
            a, b = names[i], names[j]
            if abs(r[i, j]) < threshold and connected(a, b, None):
                weak.append([a, b])
            for k in np.nonzero(np.abs(pr[i, j]) < threshold)[0]:
                if k not in (i, j) and connected(a, b, names[k]):
                    weak.append([a, b, names[k]])
    return weak


def _binned_codes(sample: pd.DataFrame, bins: int = 5) -> dict[str, np.ndarray]:
    """Each column as small integer codes: discrete columns as they are, others in quantile bins."""
    out: dict[str, np.ndarray] = {}
    for c in sample.columns:
        v = sample[c].to_numpy(dtype=float)
        if np.unique(v).size <= bins:
            out[c] = np.unique(v, return_inverse=True)[1]
        else:
            edges = np.quantile(v, np.linspace(0, 1, bins + 1)[1:-1])
            out[c] = np.searchsorted(edges, v)
    return out


def _mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in mutual information (nats) of two code vectors."""
    joint = np.zeros((int(a.max()) + 1, int(b.max()) + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())


def _weak_pairs_mi(dag: nx.DiGraph, sample: pd.DataFrame,
                   memo: dict[tuple[str, str, str | None], bool] | None = None,
                   threshold: float = 0.003) -> list[list[str]]:
    """Marginally d-connected pairs whose binned mutual information in the pilot sample is below
    ``threshold`` nats (about what a chi-square test at n ≈ 1–2k can still see), as ``[a, b]``."""
    codes = _binned_codes(sample)
    names = list(sample.columns)
    memo = {} if memo is None else memo
    weak: list[list[str]] = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = names[i], names[j]
            if (a, b, None) not in memo:
                memo[(a, b, None)] = bool(nx.is_d_separator(dag, {a}, {b}, set()))
            if not memo[(a, b, None)] and _mutual_information(codes[a], codes[b]) < threshold:
                weak.append([a, b])
    return weak
