"""Statistics that refuse rather than lie (issue 11): NaN statistics, nominal and ordered text,
numeric columns with stray text cells, a variable both tested and conditioned on, and treatment
values outside the observed range. Each class has its own cases beyond the issue's examples."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from causal_agent.context import Settings, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.errors import AlgorithmError, DataError, VariableError
from causal_agent.independence import (
    CorePValue,
    check_finite,
    quantile_bins,
    run_ci_test,
    test_independence as run_test,
)
from causal_agent.plugins import collect_registry, make_plugin_manager

N = 600


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())


@pytest.fixture()
def ci_test(registry):
    return functools.partial(run_test, tests=registry.ci_tests)


@pytest.fixture(scope="module")
def agent_factory():
    """A fresh offline agent over one DataFrame, bootstrap off (its figures are not tested here)."""
    from causal_agent import CausalAgent

    def make(frame: pd.DataFrame, name: str = "d"):  # type: ignore[no-untyped-def]
        agent = CausalAgent(settings=Settings(discovery_resamples=0))
        agent.load(frame, name=name)
        return agent

    return make


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


# ---- 1. NaN / infinite statistics ------------------------------------------------------------
def huge_pair(scale: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    return pd.DataFrame({"x": x * scale, "y": (x + rng.normal(size=N)) * scale,
                         "z": rng.normal(size=N)})


@pytest.mark.parametrize(
    ("scale", "method", "fragment"),
    [
        (1e300, "auto", "the values of x are too large to analyse (up to"),  # the example
        (1e160, "kci", "too large to analyse"),  # overflows in KCI's kernels too
        (1e200, "rcit", "too large to analyse"),
        (1e-200, "fisherz", "too little to analyse"),  # squares underflow to 0: 0/0
    ],
)
def test_extreme_values_are_refused_never_a_verdict(ci_test, scale, method, fragment):
    ds = load_dataset(huge_pair(scale), name="big")
    with pytest.raises(DataError) as info:
        ci_test(ds, "x", "y", method=method)
    text = one_line(info.value)
    assert fragment in text and "rescale" in text


def test_extreme_conditioning_variable_is_named(ci_test):
    frame = huge_pair(1.0)
    frame["z"] = frame["z"] * 1e250
    with pytest.raises(DataError, match=r"the values of z are too large .* divide z by 1e\+2"):
        ci_test(load_dataset(frame, name="big"), "x", "y", ["z"])


def test_core_p_value_functions_refuse_nan(ci_test):
    """Discovery's p-value functions (run inside PC, bypassing ``Dataset.matrix``) refuse too."""
    data = huge_pair(1e300).to_numpy()
    with pytest.raises(DataError, match="too large"):
        CorePValue("kci", "KCI", 0)(data, 0, 1, [])
    with pytest.raises(DataError, match="too large"):
        run_ci_test(data, "fisherz", 0, label="Fisher-z", names=["a", "b", "c"])


def test_check_finite_without_a_scale_cause_names_the_test():
    data = np.random.default_rng(0).normal(size=(50, 2))
    check_finite(0.3, 1.2, data, "KCI", ["a", "b"])  # finite: fine
    for p, stat in ((float("nan"), None), (0.5, float("inf")), (float("inf"), 1.0)):
        with pytest.raises(DataError) as info:
            check_finite(p, stat, data, "KCI", ["a", "b"])
        text = one_line(info.value)
        assert text.startswith("the KCI test of a and b gave") and "no verdict" in text


def test_discovery_on_extreme_values_refuses(registry):
    from causal_agent.discover import discover

    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0))
    ctx.datasets.add(load_dataset(huge_pair(1e300), name="big"))
    with pytest.raises(DataError, match="too large to analyse"):
        discover(ctx)


def test_extreme_values_through_the_agent(agent_factory):
    answer = agent_factory(huge_pair(1e300)).ask("Are x and y independent?")
    assert answer.answer is None and "too large to analyse" in answer.explanation
    assert "dependent" not in answer.explanation.split("failed")[0]


# ---- 2. nominal text ---------------------------------------------------------------------------
FRUIT_EFFECT = {"apple": 0.0, "banana": 2.0, "cherry": 2.0, "date": 0.0}  # codes 0,1,2,3: r ~ 0


def fruit_frame(seed: int = 0, effect: dict[str, float] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    fruit = rng.choice(list(FRUIT_EFFECT), N)
    shift = np.array([(effect or FRUIT_EFFECT)[f] for f in fruit])
    g = rng.integers(0, 2, N)
    z = rng.normal(size=N)
    return pd.DataFrame({"fruit": fruit, "y": shift + 0.5 * g + 0.3 * z + rng.normal(size=N) * 0.7,
                         "g": g, "z": z, "w": rng.normal(size=N)})


@pytest.fixture(scope="module")
def fruit():
    return load_dataset(fruit_frame(), name="fruit")


def test_fruit_and_y_are_dependent(ci_test, fruit):
    assert fruit.is_nominal("fruit") and not fruit.is_nominal("y")
    r = ci_test(fruit, "fruit", "y")
    assert r.decision == "dependent" and r.method == "chisq"
    assert r.binned == {"y": 5} and "nominal text" in (r.test_reason or "")
    assert any("quantile bins" in n for n in r.notes)
    lie = ci_test(fruit, "fruit", "y", method="fisherz")  # what the codes said before
    assert lie.decision == "independent"
    assert any("ran on those codes" in n and "method='auto' or 'kci'" in n for n in lie.notes)


def test_nominal_given_a_discrete_variable_bins_the_pair(ci_test, fruit):
    r = ci_test(fruit, "y", "fruit", ["g"])
    assert r.method == "chisq" and r.decision == "dependent" and set(r.binned) == {"y"}


def test_nominal_given_a_continuous_variable_uses_one_hot_kci(ci_test, fruit):
    r = ci_test(fruit, "fruit", "y", ["z"])
    assert r.method == "kci" and r.one_hot == ["fruit"] and r.decision == "dependent"
    assert "one-hot" in (r.test_reason or "")
    null = ci_test(fruit, "fruit", "w", ["z"])  # w is noise: no false alarm
    assert null.method == "kci" and null.decision == "independent"


def test_nominal_independent_of_noise_stays_independent(ci_test, fruit):
    r = ci_test(fruit, "fruit", "w")
    assert r.method == "chisq" and r.decision == "independent"


def test_named_tests_on_nominal_text(ci_test, fruit):
    kci = ci_test(fruit, "fruit", "y", method="kci")
    assert kci.one_hot == ["fruit"] and kci.decision == "dependent"
    with pytest.raises(AlgorithmError) as info:
        ci_test(fruit, "fruit", "y", method="chisq")
    assert "y is continuous; use method='kci'" in one_line(info.value)


def test_nominal_choice_reaches_the_answer(registry, fruit):
    from test_independence import tool_caller

    call, _ = tool_caller(registry, fruit, Settings())
    out = call({"x": "fruit", "y": "y"})
    assert out.status == "success" and out.artifact["answer"] == "no"
    assert out.artifact["reason"].startswith("chisq because fruit is nominal text")
    assert "Chi-square chosen because fruit is nominal text" in out.content


# ---- 3. ordered categories ---------------------------------------------------------------------
def ordered_frame(levels: list[str], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(levels), N)
    return pd.DataFrame({"level": [levels[i] for i in idx], "y": idx + rng.normal(size=N)})


@pytest.mark.parametrize(
    ("levels", "source"),
    [
        (["low", "medium", "high"], "the scale"),
        (["small", "medium", "large"], "the scale"),
        (["1 - poor", "2 - fair", "3 - good", "4 - very good", "5 - excellent"], "numbers in front"),
        (["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"], "the scale"),
    ],
)
def test_ordered_text_is_coded_in_order(ci_test, levels, source):
    ds = load_dataset(ordered_frame(levels), name="ord")
    col = ds.profile.column("level")
    assert col.kind == "categorical" and col.ordered is True and source in (col.note or "")
    assert ds.encoding("level") == {lv: i for i, lv in enumerate(levels)}
    assert any(n.startswith("level is ordered text") for n in ds.profile.notes)
    r = ci_test(ds, "level", "y")
    assert r.method == "fisherz" and r.statistic > 0.6  # the order carries the signal
    assert any("coded in that order" in n for n in r.data_notes)


def test_pandas_ordered_categorical_keeps_its_order(ci_test):
    frame = ordered_frame(["cold", "warm", "hot"])
    frame["level"] = pd.Categorical(frame["level"], categories=["cold", "warm", "hot"], ordered=True)
    ds = load_dataset(frame, name="cat")
    assert ds.encoding("level") == {"cold": 0, "warm": 1, "hot": 2} and not ds.is_nominal("level")
    assert "ordered pandas Categorical" in ds.profile.column("level").note
    assert ci_test(ds, "level", "y").statistic > 0.6


@pytest.mark.parametrize(
    "levels",
    [
        ["red", "green", "blue"],  # unknown text
        ["1 - North", "2 - South", "3 - East", "4 - West"],  # numbered, but not a scale
        ["low", "apple", "high"],  # one level off the scale
    ],
)
def test_unknown_text_stays_nominal(levels):
    frame = ordered_frame(levels)
    ds = load_dataset(frame, name="nom")
    assert ds.is_nominal("level") and ds.profile.column("level").note is None
    unordered = pd.Categorical(frame["level"])  # an unordered Categorical too
    assert load_dataset(frame.assign(level=unordered), name="c").is_nominal("level")


# ---- 4. mostly numeric columns with bad cells --------------------------------------------------
def dirty_frame(bad: dict[int, str], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    y = 0.6 * x + 0.8 * rng.normal(size=N)
    cells = x.astype(object)
    for i, v in bad.items():
        cells[i] = v
    return pd.DataFrame({"x": cells, "y": y})


def test_stray_text_cells_read_as_missing_with_a_note(ci_test):
    ds = load_dataset(dirty_frame({3: "oops", 50: "?", 77: "n/a"}), name="dirty")
    col = ds.profile.column("x")
    assert col.kind == "continuous" and col.n_missing == 3
    assert col.note == "x: 3 cells that are not numbers ('oops', '?', 'n/a') read as missing"
    assert "x: 3 cells that are not numbers" in ds.profile.summary()  # describe_data shows it
    r = ci_test(ds, "x", "y")
    assert r.n == N - 3 and abs(r.statistic - 0.6) < 0.06 and r.data_notes == [col.note + "."]


def test_stray_text_cells_in_a_csv_file(tmp_path: Path):
    frame = dirty_frame({5: "oops", 9: "oops", 12: "bad value"})
    path = tmp_path / "dirty.csv"
    frame.to_csv(path, index=False)
    ds = load_dataset(path)
    col = ds.profile.column("x")
    assert col.kind == "continuous"
    assert col.note == "x: 3 cells that are not numbers ('oops', 'bad value') read as missing"
    assert np.corrcoef(ds.matrix(["x", "y"]).T)[0, 1] > 0.5


def test_one_bad_cell_and_the_threshold():
    one = load_dataset(dirty_frame({0: "x"}), name="one").profile.column("x")
    assert one.kind == "continuous" and one.note == "x: 1 cell that is not a number ('x') read as missing"
    many = {i: "oops" for i in range(0, N, 12)}  # ~8% text: not "mostly numeric", stays text
    col = load_dataset(dirty_frame(many), name="many").profile.column("x")
    assert col.kind != "continuous" and col.note is None


def test_bad_cell_note_reaches_the_answer(agent_factory):
    answer = agent_factory(dirty_frame({3: "oops", 50: "??"})).ask("Are x and y independent?")
    assert answer.answer == "no"
    assert "x: 2 cells that are not numbers ('oops', '??') read as missing" in answer.explanation


# ---- 5. a variable both tested and conditioned on ----------------------------------------------
@pytest.fixture(scope="module")
def smoking_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    age = rng.normal(size=N)
    smoking = 0.5 * age + rng.normal(size=N)
    cancer = smoking + 0.5 * age + rng.normal(size=N)
    return pd.DataFrame({"smoking": smoking, "lung_cancer": cancer, "age": age})


@pytest.mark.parametrize(
    "question",
    [
        "Are smoking and lung_cancer independent given smoking?",  # the example
        "Are smoking and lung_cancer independent given age and lung_cancer?",
        "Is smoking independent of lung_cancer conditional on smoking?",
    ],
)
def test_tested_and_conditioned_on_is_an_error(agent_factory, smoking_frame, question):
    answer = agent_factory(smoking_frame).ask(question)
    assert answer.answer is None
    assert "is both tested and conditioned on" in answer.explanation


def test_tested_and_conditioned_on_api(ci_test, smoking_frame):
    ds = load_dataset(smoking_frame, name="s")
    for given in (["smoking"], ["age", "Lung Cancer"]):
        with pytest.raises(VariableError, match="is both tested and conditioned on"):
            ci_test(ds, "smoking", "lung_cancer", given)
    assert ci_test(ds, "smoking", "lung_cancer", ["age"]).decision == "dependent"


def test_a_real_condition_still_works(agent_factory, smoking_frame):
    answer = agent_factory(smoking_frame).ask("Are smoking and lung_cancer independent given age?")
    assert answer.answer == "no" and "given age" in answer.explanation


# ---- 6. treatment values outside the observed range --------------------------------------------
def smoking_range_frame(seed: int = 4) -> pd.DataFrame:
    """smoking observed in [-4.6, 4.0] exactly, the issue's range."""
    rng = np.random.default_rng(seed)
    smoking = np.clip(rng.normal(size=N) * 1.6, -4.6, 4.0)
    smoking[:2] = [-4.6, 4.0]
    age = rng.normal(size=N)
    return pd.DataFrame({"smoking": smoking, "age": age,
                         "lung_cancer": 2 * smoking + age + rng.normal(size=N)})


def test_extrapolation_warning_in_answer_and_artifact(agent_factory):
    answer = agent_factory(smoking_range_frame()).ask(
        "What is the effect of smoking on lung_cancer from 5 to 7?")
    warning = "t0=5 and t1=7 lie outside the observed range of smoking (-4.6 to 4)"
    assert answer.effect is not None and any(warning in w for w in answer.effect.warnings)
    assert "Warning: " + warning in answer.explanation


def effect(registry, frame: pd.DataFrame, t0: float, t1: float, **kw):  # type: ignore[no-untyped-def]
    from causal_agent.effects import estimate_effect

    ctx = context_from_registry(registry, settings=Settings(discovery_resamples=0, refute=False))
    ctx.datasets.add(load_dataset(frame, name="e"))
    return estimate_effect(ctx, kw.pop("treatment", "smoking"), "lung_cancer", t0=t0, t1=t1,
                           confounders=kw.pop("confounders", ["age"]), **kw)


@pytest.mark.parametrize(
    ("t0", "t1", "outside"),
    [(-10.0, 0.0, "t0=-10 lies"), (3.0, 4.5, "t1=4.5 lies"), (-5.0, 6.0, "t0=-5 and t1=6 lie")],
)
def test_values_outside_the_range_warn(registry, t0, t1, outside):
    r = effect(registry, smoking_range_frame(), t0, t1)
    assert r.observed_range == (-4.6, 4.0)
    assert any(w.startswith(outside + " outside the observed range") for w in r.warnings)
    assert "Warning: " + outside in r.summary


def test_values_inside_the_range_do_not_warn(registry):
    r = effect(registry, smoking_range_frame(), -4.6, 4.0)
    assert not any("outside the observed range" in w for w in r.warnings)


def test_binary_treatment_outside_its_values_warns(registry):
    rng = np.random.default_rng(5)
    age = rng.normal(size=N)
    t = (age + rng.normal(size=N) > 0).astype(int)
    frame = pd.DataFrame({"smoking": t, "age": age, "lung_cancer": t + age + rng.normal(size=N)})
    r = effect(registry, frame, 0, 2, method="linear")
    assert any(w.startswith("t1=2 lies outside the observed range of smoking (0 to 1)")
               for w in r.warnings)


def test_extrapolation_uses_any_estimated_run():
    from types import SimpleNamespace

    from causal_agent.effects import extrapolation

    run = SimpleNamespace(label="linear regression")
    assert extrapolation("t", 5, 7, (-4.6, 4.0), run)[0].endswith(
        "relies on the linear regression's functional form, not on data.")
    assert extrapolation("t", 5, 7, (-4.6, 4.0), None) == []  # nothing estimated: effect 0 by graph
    assert extrapolation("t", 0, 1, (-4.6, 4.0), run) == []


def test_quantile_bins_are_equal_count_and_keep_ties_together():
    v = np.arange(100, dtype=float)
    codes = quantile_bins(v, 5)
    assert sorted(np.bincount(codes.astype(int))) == [20] * 5
    tied = np.array([0.0] * 90 + list(range(1, 11)))
    tcodes = quantile_bins(tied, 5)
    assert np.unique(tcodes[:90]).size == 1 and np.unique(tcodes).size >= 2


def test_nominal_adjustment_variable_is_a_warning(registry):
    rng = np.random.default_rng(6)
    fruit = rng.choice(list(FRUIT_EFFECT), N)
    shift = np.array([FRUIT_EFFECT[f] for f in fruit])
    t = shift + rng.normal(size=N)
    frame = pd.DataFrame({"smoking": t, "fruit": fruit, "age": rng.normal(size=N),
                          "lung_cancer": 2 * t + shift + rng.normal(size=N)})
    r = effect(registry, frame, 0, 1, confounders=["fruit"])
    assert any(w.startswith("fruit is nominal text whose integer codes") for w in r.warnings)
    plain = effect(registry, frame, 0, 1, confounders=["age"])
    assert not any("nominal" in w for w in plain.warnings)
