"""Properties every estimator must have, whatever the data (hypothesis)."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lupuscare.evidence import ConvergenceError, confint_tau2, estimators, rma

METHODS = ["EE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fit(yi, vi, method: str, **kwargs):
    """rma, falling back to metafor's remedy (stepadj=0.5) when Fisher scoring oscillates."""
    try:
        return rma(yi, vi, method=method, **kwargs)
    except ConvergenceError:
        assert method in ("ML", "REML", "EB")  # only the iterative estimators may fail
        return rma(yi, vi, method=method, stepadj=0.5, maxiter=estimators.MAXITER * 10, **kwargs)


@st.composite
def studies(draw, min_k: int = 3, max_k: int = 12):
    k = draw(st.integers(min_k, max_k))
    yi = draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=k, max_size=k))
    vi = draw(st.lists(st.floats(0.005, 2.0, allow_nan=False), min_size=k, max_size=k))
    assume(np.ptp(yi) > 1e-6)  # SJ's starting value needs some spread
    return np.array(yi), np.array(vi)


@SETTINGS
@given(data=studies(), method=st.sampled_from(METHODS), seed=st.integers(0, 2**32 - 1))
def test_invariant_to_study_order(data, method: str, seed: int) -> None:
    yi, vi = data
    perm = np.random.default_rng(seed).permutation(yi.size)
    a, b = fit(yi, vi, method), fit(yi[perm], vi[perm], method)
    assert b.estimate == pytest.approx(a.estimate, rel=1e-6, abs=1e-9)
    assert b.se == pytest.approx(a.se, rel=1e-6, abs=1e-9)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-5, abs=1e-8)
    assert pytest.approx(a.Q, rel=1e-9) == b.Q


@SETTINGS
@given(data=studies(), method=st.sampled_from(METHODS), c=st.floats(0.1, 10))
def test_scaling_effects_by_c_scales_estimate_and_se_by_c(data, method: str, c: float) -> None:
    yi, vi = data
    # Fisher scoring (ML, REML, EB) stops on an absolute change of 1e-5 in tau2, which does not
    # scale with c²; the property is about the estimator, so iterate to convergence here.
    with (
        patch.object(estimators, "THRESHOLD", 1e-13),
        patch.object(estimators, "MAXITER", 10_000),
    ):
        a, b = fit(yi, vi, method), fit(c * yi, c**2 * vi, method)
    assert b.estimate == pytest.approx(c * a.estimate, rel=1e-6, abs=1e-7 * c)
    assert b.se == pytest.approx(c * a.se, rel=1e-6, abs=1e-7 * c)
    assert b.tau2 == pytest.approx(c**2 * a.tau2, rel=1e-5, abs=1e-9 * c**2)
    assert pytest.approx(a.Q, rel=1e-9) == b.Q
    # I² is in percent: the tau2 tolerance (1e-9·c²) over within-study variances down to
    # 0.005·c² allows 2e-5 percentage points.
    assert pytest.approx(a.I2, rel=1e-5, abs=1e-4) == b.I2


@SETTINGS
@given(data=studies())
def test_dl_equals_ee_when_q_is_at_most_its_df(data) -> None:
    yi, vi = data
    ee, dl = rma(yi, vi, method="EE"), rma(yi, vi, method="DL")
    assert dl.tau2 >= 0
    if ee.Q_df >= ee.Q:
        assert dl.tau2 == 0
        assert dl.estimate == pytest.approx(ee.estimate, rel=1e-12, abs=1e-12)
        assert dl.se == pytest.approx(ee.se, rel=1e-12)
    else:
        assert dl.tau2 > 0 and dl.se > ee.se


@SETTINGS
@given(data=studies(), method=st.sampled_from(METHODS), knha=st.booleans())
def test_intervals_and_heterogeneity_are_coherent(data, method: str, knha: bool) -> None:
    yi, vi = data
    res = fit(yi, vi, method, test="knha" if knha else "z")
    assert res.tau2 >= 0 and np.isfinite(res.tau2)
    assert 0 <= res.I2 < 100
    if method == "EE":  # metafor: H² = Q/df for the equal-effects model, below 1 when Q < df
        assert pytest.approx(res.Q / res.Q_df) == res.H2
    else:
        assert res.H2 >= 1
    assert res.ci_lb <= res.estimate <= res.ci_ub
    assert res.pi_lb <= res.ci_lb and res.pi_ub >= res.ci_ub
    assert 0 <= res.pval <= 1 and 0 <= res.Q_pval <= 1
    assert min(yi) - 1e-9 <= res.estimate <= max(yi) + 1e-9
    assert res.weights.sum() == pytest.approx(100)


@SETTINGS
@given(data=studies(min_k=4))
def test_q_profile_interval_contains_the_estimate_of_pm(data) -> None:
    yi, vi = data
    res = rma(yi, vi, method="PM")
    ci = confint_tau2(res)
    # Q(tau2_PM) = k - 1 lies between the two chi-square quantiles, so PM is inside the QP CI.
    assert ci.tau2.lb - 1e-9 <= res.tau2 <= ci.tau2.ub + 1e-9
    assert ci.I2.lb <= ci.I2.ub and ci.H2.lb >= 1
