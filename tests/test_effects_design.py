"""Observational designs for a binary treatment: doubly robust AIPW (auto's choice with several
covariates), propensity weighting's overlap diagnostics and balance table, and designs the data
cannot support."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causal_agent.answer import Answer, Effect
from causal_agent.effects import estimate_effect
from causal_agent.errors import DataError
from causal_agent.plugins import collect_registry, make_plugin_manager
from conftest import effect_ctx as ctx_for

TRUE = 2.0
COVARIATES = ["X1", "X2", "X3", "X4"]


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())




def nonlinear_design(n: int = 1500, seed: int = 0, shift: float = -0.3) -> pd.DataFrame:
    """Four confounders; treatment by a nonlinear logit (X1², |X3|), outcome nonlinear in X1 and X3."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    logit = shift + 0.8 * x[:, 0] + 0.9 * x[:, 0] ** 2 - 0.6 * x[:, 1] + 0.5 * np.abs(x[:, 2])
    t = (rng.uniform(size=n) < 1 / (1 + np.exp(-np.clip(logit, -8, 8)))).astype(int)
    y = TRUE * t + x[:, 0] + 1.5 * x[:, 0] ** 2 + 0.5 * x[:, 1] + np.abs(x[:, 2]) + x[:, 3] + rng.normal(size=n)
    return pd.DataFrame({**{c: x[:, j] for j, c in enumerate(COVARIATES)}, "T": t, "Y": y})


@pytest.fixture(scope="module")
def design_ctx(registry):
    return ctx_for(registry, nonlinear_design(), "obs")


def test_auto_uses_doubly_robust_and_lands_near_the_truth(design_ctx):
    r = estimate_effect(design_ctx, "T", "Y", confounders=COVARIATES)
    assert r.method == "backdoor.doubly_robust_aipw" and sorted(r.adjustment_set) == COVARIATES
    assert abs(r.estimate - TRUE) < 0.25 and r.ci_low <= TRUE <= r.ci_high
    assert r.design is not None and "binary" in r.design and "4 covariates" in r.design
    assert r.design in r.summary and "doubly robust" in r.assumption
    # regression on T alone (naive) and linear adjustment are both biased on this design
    frame = design_ctx.datasets.get().frame
    diff = frame.loc[frame["T"] == 1, "Y"].mean() - frame.loc[frame["T"] == 0, "Y"].mean()
    assert abs(diff - TRUE) > 1.0
    linear = estimate_effect(design_ctx, "T", "Y", confounders=COVARIATES, method="linear")
    assert abs(linear.estimate - TRUE) > 0.8 and not (linear.ci_low <= TRUE <= linear.ci_high)


def test_overlap_and_balance_table_reach_the_answer(design_ctx):
    r = estimate_effect(design_ctx, "T", "Y", confounders=COVARIATES, method="doubly_robust")
    ov = r.overlap
    assert ov is not None and ov.action == "trimmed" and ov.bounds == (0.05, 0.95)
    assert 0 < ov.n_outside < 0.5 * r.n and ov.n_used == r.n - ov.n_outside
    assert 0 < ov.ps_min < ov.ps_max < 1
    (table,) = r.tables
    assert table["columns"] == ["covariate", "mean treated", "mean control", "SMD before", "SMD after weighting"]
    rows = {row[0]: row for row in table["rows"]}
    assert set(rows) == set(COVARIATES)
    assert abs(rows["X1"][3]) > 0.3 and abs(rows["X1"][4]) < abs(rows["X1"][3])
    assert any("lie outside [0.05, 0.95] and were dropped" in n for n in r.notes)
    answer = Answer(effects=[Effect.model_validate(r.model_dump(mode="json"))])
    assert [t.title for t in answer.tables] == [table["title"]] and answer.tables[0].rows[0][0] in COVARIATES
    assert answer.effects[0].headline == "estimate"


def test_propensity_weighting_reports_overlap(registry):
    ctx = ctx_for(registry, nonlinear_design(n=800, seed=1), "ipw", bootstrap=20)
    r = estimate_effect(ctx, "T", "Y", confounders=COVARIATES, method="propensity")
    assert r.method == "backdoor.propensity_score_weighting"
    assert r.overlap is not None and r.overlap.action == "clipped" and len(r.tables) == 1


def test_design_that_cannot_support_an_estimate(registry):
    """Five treated units: the explicit doubly robust method says the design cannot support an
    estimate; auto falls back to linear regression with a warning saying so."""
    frame = nonlinear_design(n=600, seed=2, shift=-9.0)
    assert 0 < frame["T"].sum() < 10
    ctx = ctx_for(registry, frame, "rare")
    with pytest.raises(DataError, match="the design cannot support an estimate") as info:
        estimate_effect(ctx, "T", "Y", confounders=COVARIATES, method="doubly_robust")
    assert "\n" not in str(info.value)
    r = estimate_effect(ctx, "T", "Y", confounders=COVARIATES)
    assert r.method in ("backdoor.linear_regression", "gcomputation.spline_regression")
    assert any("could not be used" in w and "cannot support" in w for w in r.warnings)


def test_econml_dr_learner_when_installed(design_ctx):
    pytest.importorskip("econml")
    r = estimate_effect(design_ctx, "T", "Y", confounders=COVARIATES, method="econml_dr")
    assert r.method == "backdoor.econml.dr.LinearDRLearner"
    assert abs(r.estimate - TRUE) < 0.3 and r.overlap is not None and r.tables
