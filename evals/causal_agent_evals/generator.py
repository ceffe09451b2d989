"""Seeded benchmark suites: datasets drawn from random SCMs, their questions, truth and reference
answers, and the files they are written to.

This module sits on top of the suite modules (``scm`` → ``truth`` → ``questions``; ``reference``),
so they never import it. **Seeds.** A suite seed spawns one ``SeedSequence`` child per dataset, so
a dataset depends only on (suite seed, its index) and a suite is reproducible bit-for-bit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from causal_agent.errors import DataError, suggestion

from .questions import Question, make_questions
from .reference import ReferenceProcedure
from .scm import NETWORK_KINDS, SCM, SCM_KINDS, SCMKind, build_scm, random_dag
from .truth import dag_json
from .vocab import DOMAINS, PLAIN


class SuiteConfig(BaseModel):
    """Everything that defines a generated suite; the default is the "four-level" suite
    (50 datasets x 20 questions = 1,000 questions over 4–12-node DAGs, 1,500 rows each);
    :func:`realistic_config` gives the "realistic" families."""

    seed: int = 0
    family: str = "four-level"  # a label: which preset the suite was built from
    n_datasets: int = Field(50, ge=1)
    n_rows: int = Field(1500, ge=20)
    # per dataset, rows drawn log-uniformly from this range instead of n_rows (None: n_rows)
    rows_range: tuple[int, int] | None = None
    # per dataset, the expected number of parents per node; the Bernoulli edge probability is then
    # 2·m / (n − 1), so large graphs stay as sparse as real networks (None: density_range)
    mean_parents_range: tuple[float, float] | None = None
    max_states: int = Field(5, ge=2, le=8)  # states of a node of a network kind (2..max_states)
    kinds: list[SCMKind] = Field(default_factory=lambda: list(SCM_KINDS))
    node_range: tuple[int, int] = (4, 12)
    density_range: tuple[float, float] = (0.15, 0.6)
    max_parents: int | None = 4
    max_parents_discrete: int | None = 3
    max_categories: int = 3
    questions_per_dataset: int = Field(20, ge=1)
    domains: list[str] | None = None  # None: all vocabularies
    plain_names_fraction: float = Field(0.2, ge=0, le=1)
    scenario_fraction: float = Field(0.5, ge=0, le=1)
    min_correlation: float = Field(0.08, ge=0, lt=1)  # faithfulness margin, see build_scm
    ate_mc_samples: int = Field(50_000, ge=1000)  # MC s.e. ~0.005 or less
    reference: bool = True  # compute data_answer with the reference procedure
    alpha: float = Field(0.05, gt=0, lt=1)
    decimals: int = 5  # data are rounded so that the CSV holds exactly what was analysed


class GeneratedDataset(BaseModel):
    """One dataset of a suite: its SCM (the truth) and its sample."""

    model_config = {"arbitrary_types_allowed": True}

    name: str  # file stem
    index: int
    domain: str
    scm: SCM
    density: float
    data: pd.DataFrame = Field(exclude=True)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


class Suite(BaseModel):
    """A generated suite: datasets plus questions (with truth and, optionally, data answers)."""

    model_config = {"arbitrary_types_allowed": True}

    config: SuiteConfig
    datasets: list[GeneratedDataset]
    questions: list[Question]


def _variable_names(domain: str, n: int, rng: np.random.Generator) -> list[str]:
    if domain == PLAIN:
        return [f"X{i + 1}" for i in range(n)]
    vocab = DOMAINS[domain].variables
    pick = rng.choice(len(vocab), size=n, replace=False)
    return [vocab[i] for i in pick]


def generate_dataset(index: int, config: SuiteConfig, seed_seq: np.random.SeedSequence) -> GeneratedDataset:
    """Dataset ``index`` of a suite: structure, parameters and data all from its own seed."""
    s_struct, s_data = seed_seq.spawn(2)
    rng = np.random.default_rng(s_struct)
    kind = config.kinds[index % len(config.kinds)]
    lo, hi = config.node_range
    n_nodes = int(rng.integers(lo, hi + 1))
    domains = config.domains or list(DOMAINS)
    for d in domains:
        if d not in DOMAINS and d != PLAIN:
            raise DataError(f"unknown domain {d!r}." + suggestion(d, [*DOMAINS, PLAIN], "domain"))
    domain = PLAIN if rng.random() < config.plain_names_fraction else domains[int(rng.integers(len(domains)))]
    if domain != PLAIN and n_nodes > len(DOMAINS[domain].variables):
        domain = PLAIN
    names = _variable_names(domain, n_nodes, rng)
    if config.mean_parents_range is not None:
        density = min(1.0, 2.0 * float(rng.uniform(*config.mean_parents_range)) / max(1, n_nodes - 1))
    else:
        density = float(rng.uniform(*config.density_range))
    max_parents = config.max_parents_discrete if kind in ("discrete", "discrete_network") else config.max_parents
    dag = random_dag(n_nodes, density, rng, names=names, max_parents=max_parents)
    columns = [names[i] for i in rng.permutation(n_nodes)]
    states = config.max_states if kind in NETWORK_KINDS else config.max_categories
    scm = build_scm(dag, kind, rng, columns=columns, max_categories=states, min_correlation=config.min_correlation)
    n_rows = config.n_rows
    if config.rows_range is not None:
        lo_r, hi_r = config.rows_range
        n_rows = int(round(float(np.exp(rng.uniform(np.log(lo_r), np.log(hi_r))))))
    data = scm.sample(n_rows, np.random.default_rng(s_data))
    if not scm.discrete:
        data = data.round(config.decimals)
    name = f"d{index:03d}_{domain}_{kind}"
    return GeneratedDataset(name=name, index=index, domain=domain, scm=scm, density=density, data=data)


#: the realistic families' kinds, network kinds first so that small suites include them
REALISTIC_KINDS: tuple[SCMKind, ...] = (*NETWORK_KINDS, "linear_gaussian", "nonlinear_anm", "linear_nongaussian")


def realistic_config(seed: int = 0, n_datasets: int = 10, **overrides: Any) -> SuiteConfig:
    """The "realistic" families: discrete CPT networks with 2–5 states, mixed discrete/continuous
    networks, and the linear / nonlinear kinds, on 10–40 nodes with in-degree ≤ 4 and about 1–2
    parents per node, 500–10,000 rows per dataset (log-uniform). Our own generator: no published
    network is copied or imitated (those are kept for an independent check)."""
    base: dict[str, Any] = {
        "seed": seed, "family": "realistic", "n_datasets": n_datasets, "kinds": list(REALISTIC_KINDS),
        "node_range": (10, 40), "rows_range": (500, 10_000), "mean_parents_range": (1.0, 2.0),
        "max_parents": 4, "max_parents_discrete": 4, "max_states": 5, "ate_mc_samples": 20_000,
    }
    unknown = set(overrides) - set(SuiteConfig.model_fields)
    if unknown:
        name = sorted(unknown)[0]
        raise DataError(f"unknown suite option {name!r}." + suggestion(name, SuiteConfig.model_fields, "option"))
    return SuiteConfig.model_validate({**base, **overrides})


def generate_suite(
    seed: int = 0,
    n_datasets: int | None = None,
    n_rows: int | None = None,
    kinds: Sequence[SCMKind] | None = None,
    config: SuiteConfig | None = None,
    **overrides: Any,
) -> Suite:
    """Generate datasets and their questions, reproducibly from ``seed``.

    Keyword overrides are ``SuiteConfig`` fields (e.g. ``questions_per_dataset=10``,
    ``reference=False`` to skip the data answers when only truth is needed).
    """
    base = (config or SuiteConfig()).model_dump()
    base["seed"] = seed
    if n_datasets is not None:
        base["n_datasets"] = n_datasets
    if n_rows is not None:
        base["n_rows"] = n_rows
    if kinds is not None:
        base["kinds"] = list(kinds)
    unknown = set(overrides) - set(SuiteConfig.model_fields)
    if unknown:
        name = sorted(unknown)[0]
        raise DataError(f"unknown suite option {name!r}." + suggestion(name, SuiteConfig.model_fields, "option"))
    base.update(overrides)
    cfg = SuiteConfig.model_validate(base)
    children = np.random.SeedSequence(cfg.seed).spawn(cfg.n_datasets)
    datasets: list[GeneratedDataset] = []
    questions: list[Question] = []
    for i, child in enumerate(children):
        s_ds, s_q = child.spawn(2)
        ds = generate_dataset(i, cfg, s_ds)
        qs = make_questions(ds, cfg, np.random.default_rng(s_q))
        if cfg.reference:
            ref = ReferenceProcedure(ds.data, discrete=ds.scm.discrete, alpha=cfg.alpha)
            qs = [ref.annotate(q) for q in qs]
        datasets.append(ds)
        questions.extend(qs)
    return Suite(config=cfg, datasets=datasets, questions=questions)


def write_suite(suite: Suite, out_dir: str | Any) -> dict[str, Any]:
    """Write ``<out>/data/*.csv`` (with a header), ``<out>/questions.jsonl``, ``<out>/truth/*.json``
    (true DAG and full SCM per dataset) and ``<out>/suite.json`` (the config). Returns the paths."""
    out = Path(out_dir)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    for ds in suite.datasets:
        ds.data.to_csv(out / "data" / ds.file, index=False)
        truth = {
            "dataset": ds.file,
            "domain": ds.domain,
            "density": ds.density,
            **dag_json(ds.scm.graph()),
            "scm": ds.scm.model_dump(mode="json"),
        }
        (out / "truth" / f"{ds.name}.json").write_text(json.dumps(truth, indent=1))
    with (out / "questions.jsonl").open("w") as fh:
        for q in suite.questions:
            fh.write(q.model_dump_json() + "\n")
    (out / "suite.json").write_text(suite.config.model_dump_json(indent=1))
    return {"data_dir": out / "data", "questions": out / "questions.jsonl", "truth_dir": out / "truth"}
