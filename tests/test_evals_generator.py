"""The benchmark generator: random DAGs, SCM sampling, seeded suites, phrasings and file output."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from causal_agent.errors import DataError, VariableError
from causal_agent.graph import CausalGraph
from causal_agent_evals.generator import generate_suite, realistic_config, write_suite
from causal_agent_evals.questions import QUESTION_TYPES, TEMPLATES, Question, type_counts
from causal_agent_evals.scm import SCM_KINDS, build_scm, random_dag
from causal_agent_evals.vocab import DOMAINS


def test_random_dag_density_and_parent_cap() -> None:
    rng = np.random.default_rng(0)
    for n in (3, 7, 12):
        g = random_dag(n, 0.4, rng)
        assert nx.is_directed_acyclic_graph(g) and g.number_of_nodes() == n
    assert random_dag(6, 0.0, rng).number_of_edges() == 0
    assert random_dag(6, 1.0, rng).number_of_edges() == 15  # complete DAG
    capped = random_dag(12, 1.0, rng, max_parents=3)
    assert max(d for _, d in capped.in_degree()) == 3
    sparse = np.mean([random_dag(12, 0.15, rng).number_of_edges() for _ in range(30)])
    dense = np.mean([random_dag(12, 0.6, rng).number_of_edges() for _ in range(30)])
    assert sparse < 15 < dense
    a = random_dag(10, 0.3, np.random.default_rng(5))
    b = random_dag(10, 0.3, np.random.default_rng(5))
    assert set(a.edges) == set(b.edges)
    with pytest.raises(DataError):
        random_dag(5, 1.5, rng)
    with pytest.raises(VariableError):
        random_dag(3, 0.5, rng, names=["a", "a", "b"])


@pytest.mark.parametrize("kind", SCM_KINDS)
def test_scm_sampling_and_interventions(kind: str) -> None:
    rng = np.random.default_rng(1)
    dag = nx.DiGraph([("A", "B"), ("B", "C"), ("A", "C")])
    scm = build_scm(dag, kind, rng, columns=["C", "A", "B"])  # type: ignore[arg-type]
    df = scm.sample(2000, np.random.default_rng(2))
    assert list(df.columns) == ["C", "A", "B"] and len(df) == 2000
    # parameters were redrawn until no d-connected pair is near-independent (no path cancellation)
    assert scm.weak_pairs == []
    for a, b in dag.edges:
        assert abs(np.corrcoef(df[a], df[b])[0, 1]) > 0.05
    if kind == "discrete":
        assert all(pd.api.types.is_integer_dtype(df[c]) for c in df)
        assert df["A"].min() >= 0 and df["A"].max() < (scm.node("A").categories or 0)
    do = scm.sample(500, np.random.default_rng(2), interventions={"B": 1})
    assert (do["B"] == 1).all()
    # intervening on B does not change its ancestor A (same noise draws)
    same = scm.sample(500, np.random.default_rng(2))
    np.testing.assert_array_equal(do["A"].to_numpy(), same["A"].to_numpy())
    with pytest.raises(VariableError):
        scm.sample(10, rng, interventions={"Nope": 1.0})


def test_discrete_intervention_must_be_a_category() -> None:
    scm = build_scm(nx.DiGraph([("A", "B")]), "discrete", np.random.default_rng(0), max_categories=2)
    with pytest.raises(DataError, match="category"):
        scm.sample(10, np.random.default_rng(0), interventions={"A": 5})


def test_nongaussian_noise_is_nongaussian() -> None:
    from scipy.stats import kurtosis

    dag = nx.DiGraph()
    dag.add_node("A")
    for noise, sign in (("uniform", -1), ("laplace", 1)):
        scm = build_scm(dag, "linear_nongaussian", np.random.default_rng(0), noise=noise)  # type: ignore[arg-type]
        k = kurtosis(scm.sample(20000, np.random.default_rng(1))["A"])
        assert np.sign(k) == sign and abs(k) > 0.8


def _dump(suite):  # noqa: ANN001, ANN202
    return [q.model_dump() for q in suite.questions]


def test_suite_reproducible_by_seed() -> None:
    kw = {"n_datasets": 4, "n_rows": 300, "ate_mc_samples": 2000}
    a, b = generate_suite(7, **kw), generate_suite(7, **kw)
    assert _dump(a) == _dump(b)
    for da, db in zip(a.datasets, b.datasets, strict=True):
        pd.testing.assert_frame_equal(da.data, db.data, check_exact=True)
        assert da.scm == db.scm
    c = generate_suite(8, **kw, reference=False)
    assert [q.question for q in c.questions] != [q.question for q in a.questions]
    assert not all(da.data.equals(dc.data) for da, dc in zip(a.datasets, c.datasets, strict=True))
    # a dataset depends only on (seed, index): a bigger suite starts with the same datasets
    bigger = generate_suite(7, n_datasets=5, n_rows=300, ate_mc_samples=2000, reference=False)
    pd.testing.assert_frame_equal(bigger.datasets[3].data, a.datasets[3].data, check_exact=True)
    assert all(q.data_answer is not None for q in a.questions)  # every type has a reference answer


def test_default_suite_has_1000_balanced_questions() -> None:
    # the default "four-level" config; only n_rows and the Monte Carlo size are cut to keep it fast
    suite = generate_suite(0, n_rows=200, ate_mc_samples=1000, reference=False)
    qs = suite.questions
    assert len(qs) >= 1000
    counts = Counter(q.question_type for q in qs)
    assert set(counts) == set(QUESTION_TYPES)
    # natural direct / indirect effects are asked of the linear SCMs only (their truth is analytic)
    assert all(counts[t] >= (20 if t in ("NIE", "NDE") else 40) for t in QUESTION_TYPES)
    assert len({q.id for q in qs}) == len(qs)
    assert {d.scm.kind for d in suite.datasets} == set(SCM_KINDS)
    assert max(len(d.scm.columns) for d in suite.datasets) <= 12
    for t in ("IT", "CIT", "MULTCIT", "CAUSE", "Has-Collider", "Has-Confounder", "Has-Direct-Confounder"):
        labels = Counter(q.truth for q in qs if q.question_type == t)
        share_yes = labels["yes"] / sum(labels.values())
        assert 0.15 < share_yes < 0.7 and labels["no"] < 0.65 * sum(labels.values()), (t, labels)
    for t in ("IT", "CIT", "MULTCIT"):
        sub = [q for q in qs if q.question_type == t]
        assert {q.polarity for q in sub} == {"independence", "dependence"}
        # both d-separated and d-connected pairs, whatever the polarity
        indep = Counter((q.truth == "yes") == (q.polarity == "independence") for q in sub)
        assert min(indep.values()) > 0.3 * len(sub)
    assert any(q.truth == "uncertain" for q in qs if q.question_type == "CAUSE")
    assert all(len(q.given) == 1 for q in qs if q.question_type == "CIT")
    assert all(len(q.given) >= 2 for q in qs if q.question_type == "MULTCIT")
    assert all(isinstance(q.truth, float) for q in qs if q.question_type == "ATE")
    assert any(q.truth != 0 for q in qs if q.question_type == "ATE")
    assert all(isinstance(q.truth, dict) for q in qs if q.level == "graph")
    assert 0.3 < np.mean([bool(q.text) for q in qs]) < 0.7  # optional scenario paragraph
    assert len({q.question for q in qs}) > 900  # phrasings vary


def test_phrasings_and_vocabularies() -> None:
    for qtype in QUESTION_TYPES:
        for polarity, options in TEMPLATES[qtype].items():
            assert len(set(options)) >= 10, (qtype, polarity)
    assert set(TEMPLATES["IT"]) == {"independence", "dependence"}
    assert len(DOMAINS) >= 6
    for d in DOMAINS.values():
        assert len(set(d.variables)) >= 12
        assert any(" " in v for v in d.variables)
    assert sum(type_counts(20, 8).values()) == 20
    assert "MULTCIT" not in type_counts(20, 3) and sum(type_counts(20, 3).values()) == 20


def test_write_suite_round_trips(tmp_path) -> None:  # noqa: ANN001
    suite = generate_suite(3, n_datasets=3, n_rows=150, ate_mc_samples=1000, plain_names_fraction=0.0)
    paths = write_suite(suite, tmp_path)
    ds = suite.datasets[0]
    back = pd.read_csv(paths["data_dir"] / ds.file)
    assert list(back.columns) == ds.scm.columns
    np.testing.assert_array_equal(back.to_numpy(dtype=float), ds.data.to_numpy(dtype=float))  # bit-for-bit
    lines = paths["questions"].read_text().splitlines()
    assert [Question.model_validate_json(ln) for ln in lines] == suite.questions
    truth = json.loads((paths["truth_dir"] / f"{ds.name}.json").read_text())
    g = CausalGraph.from_json({k: truth[k] for k in ("nodes", "edges", "kind")})
    assert g.kind == "dag" and set(g.nodes) == set(ds.scm.columns)
    assert {(e.source, e.target) for e in g.edges} == set(ds.scm.graph().edges)
    assert truth["scm"]["kind"] == ds.scm.kind


def _norm_phrasing(text: str) -> str:
    """A phrasing with its slots blanked: lower case, words only, every ``{slot}`` as ``{}``."""
    text = re.sub(r"\{\{?[^{}]*\}\}?", "{}", text.lower())
    return re.sub(r"[^a-z{}]+", " ", text).strip()


def _building_phrasings() -> set[str]:
    """The built-in plugins' intent examples: the planner's training data."""
    import importlib
    import pkgutil

    import causal_agent_plugins

    out: set[str] = set()

    def register(tool, examples=(), slots=None, constants=None, name=None):  # noqa: ANN001, ANN202
        out.update(_norm_phrasing(e) for e in examples)

    for mod in pkgutil.iter_modules(causal_agent_plugins.__path__):
        try:
            intents = importlib.import_module(f"causal_agent_plugins.{mod.name}.intents")
        except ModuleNotFoundError:
            continue
        intents.register_intents(register)
    return out


def _heldout_phrasings() -> set[str]:
    """The tests' held-out phrasings, each with its argument values blanked into slots."""
    out = set()
    for line in (Path(__file__).parent / "heldout_phrasings.jsonl").read_text().splitlines():
        row = json.loads(line)
        text = row["question"]
        values = [v for a in row.get("args", {}).values() for v in (a if isinstance(a, list) else [a])
                  if isinstance(v, str)]
        for v in sorted(values, key=len, reverse=True):
            for form in (v, v.replace("_", " ")):
                text = re.sub(re.escape(form), "{x}", text, flags=re.IGNORECASE)
        out.add(_norm_phrasing(text))
    return out


def test_benchmark_phrasings_are_apart_from_building_and_testing_sets() -> None:
    """Three phrasing sets: building (intent examples), testing (held-out phrasings), benchmark
    (these templates). A benchmark template the planner was built from would measure recall."""
    bench = {_norm_phrasing(t): t for by in TEMPLATES.values() for ts in by.values() for t in ts}
    building, testing = _building_phrasings(), _heldout_phrasings()
    assert len(building) > 100 and len(testing) > 100
    assert not [t for k, t in bench.items() if k in building]
    assert not [t for k, t in bench.items() if k in testing]
    assert not building & testing, "held-out phrasings the planner was built from measure recall, not reading"


def test_realistic_families() -> None:
    """Network kinds: 2–5 states, in-degree ≤ 4, 10–40 nodes, 500–10,000 rows, mixed columns."""
    cfg = realistic_config(seed=1, n_datasets=2, node_range=(10, 14), rows_range=(500, 800),
                           questions_per_dataset=12, ate_mc_samples=2000)
    suite = generate_suite(seed=1, config=cfg, reference=False)
    kinds = [d.scm.kind for d in suite.datasets]
    assert kinds == ["discrete_network", "mixed"]
    for d in suite.datasets:
        dag = d.scm.graph()
        assert 10 <= dag.number_of_nodes() <= 14 and 500 <= len(d.data) <= 800
        assert max(dict(dag.in_degree()).values()) <= 4
        for node in d.scm.nodes:
            if node.categories is not None:
                assert 2 <= node.categories <= 5
                assert set(d.data[node.name].unique()) <= set(range(node.categories))
    net, mixed = suite.datasets
    assert all(str(t) == "int64" for t in net.data.dtypes)
    assert {str(t) for t in mixed.data.dtypes} == {"int64", "float64"}
    assert max(n.categories or 0 for n in net.scm.nodes) > 3  # more than the four-level suite's 3
    qs = suite.questions
    assert {q.question_type for q in qs} >= {"CAUSE", "Has-Confounder", "ATE"}
    for q in qs:
        if q.question_type == "ATE" and q.scm_kind == "mixed" and mixed.scm.is_discrete(q.interest[0]):
            assert float(q.t0).is_integer() and float(q.t1).is_integer()
    # reproducible, and the row count varies per dataset within the range
    again = generate_suite(seed=1, config=cfg, reference=False)
    assert [q.model_dump() for q in again.questions] == [q.model_dump() for q in qs]
    with pytest.raises(DataError, match="unknown suite option"):
        realistic_config(nodes=3)
