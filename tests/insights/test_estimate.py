"""The estimator: the right number, the data gates at their boundaries, missing days kept missing."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from lupuscare.insights.estimate import design, estimate
from lupuscare.insights.hypotheses import HYPOTHESES

from .insights_helpers import noise, series

STRESS_JOINT = next(h for h in HYPOTHESES if (h.trigger, h.symptom) == ("stress", "joint_pain"))


def exposures(days: int, exposed_days: set[int]) -> list[float]:
    return [8.0 if i in exposed_days else 2.0 for i in range(days)]


def test_effect_is_the_ols_coefficient_of_the_documented_model():
    days = 120
    rng = np.random.default_rng(3)
    stress = [float(v) for v in rng.integers(0, 11, days)]
    pain = noise(days, 4)
    s = series(days, stress, pain)
    y, X, keep = design(s, STRESS_JOINT)
    ols = sm.OLS(y[keep], X[keep]).fit()
    e = estimate(s, STRESS_JOINT)
    assert e.status == "estimated"
    assert e.effect == pytest.approx(ols.params[1], abs=1e-9)
    assert e.ci_low < e.effect < e.ci_high
    assert (e.p_value < 0.05) == (e.ci_low > 0 or e.ci_high < 0)


def test_planted_shift_is_recovered():
    days = 150
    exposed = set(range(5, days - 2, 6))
    stress = exposures(days, exposed)
    base = noise(days, 1)
    pain = [v + (3.0 if i in exposed or (i - 1) in exposed else 0.0) for i, v in enumerate(base)]
    e = estimate(series(days, stress, [min(v, 10) for v in pain]), STRESS_JOINT)
    assert e.effect == pytest.approx(3.0, abs=0.6)
    assert e.p_value < 0.01


@pytest.mark.parametrize(("n_exposed", "status"), [(7, "not_enough_data"), (8, "estimated")])
def test_exposed_days_gate(n_exposed, status):
    days = 80
    exposed = set(range(10, 10 + 5 * n_exposed, 5))
    e = estimate(series(days, exposures(days, exposed), noise(days)), STRESS_JOINT)
    assert e.n_exposed == n_exposed
    assert e.status == status
    if status == "not_enough_data":
        assert e.reason == "exposed_days"


@pytest.mark.parametrize(("n_unexposed", "status"), [(7, "not_enough_data"), (8, "estimated")])
def test_unexposed_days_gate(n_unexposed, status):
    days = 80
    unexposed = set(range(10, 10 + 5 * n_unexposed, 5))
    exposed = set(range(days)) - unexposed
    e = estimate(series(days, exposures(days, exposed), noise(days)), STRESS_JOINT)
    assert e.n_unexposed == n_unexposed
    assert e.status == status
    if status == "not_enough_data":
        assert e.reason == "unexposed_days"


@pytest.mark.parametrize(("logged", "status"), [(59, "not_enough_data"), (60, "estimated")])
def test_completeness_gate(logged, status):
    days = 100
    exposed = set(range(1, logged, 3))
    stress = [s if i < logged else None for i, s in enumerate(exposures(days, exposed))]
    pain = [p if i < logged else None for i, p in enumerate(noise(days))]
    e = estimate(series(days, stress, pain), STRESS_JOINT)
    assert e.completeness == pytest.approx(logged / days)
    assert e.status == status
    if status == "not_enough_data":
        assert e.reason == "completeness"


def test_missing_days_are_not_read_as_zero():
    # The patient often skips the pain rating the day after a calm day. Reading those days as 0
    # would make calm days look followed by less pain (a spurious effect of about +1.5 points);
    # dropping them leaves no effect.
    days = 300
    rng = np.random.default_rng(7)
    stress = [8.0 if rng.random() < 0.4 else 2.0 for _ in range(days)]
    pain: list[float | None] = [3.0 + float(rng.integers(-1, 2)) for _ in range(days)]
    for i in range(days - 1):
        if stress[i] < 7 and rng.random() < 0.5:
            pain[i + 1] = None
    s = series(days, stress, pain)
    assert np.isnan(s.symptoms["joint_pain"]).sum() > 40
    zero_filled = series(days, stress, [0.0 if p is None else p for p in pain])
    assert estimate(zero_filled, STRESS_JOINT).effect > 0.5  # the artefact the NaNs avoid
    e = estimate(s, STRESS_JOINT)
    assert e.status == "estimated"
    assert abs(e.effect) < 0.5
    assert e.ci_low < 0 < e.ci_high
