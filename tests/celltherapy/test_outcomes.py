"""Statistics against published values.

Proportions: Newcombe RG, Stat Med 1998;17:857-872, Table I (examples 81/263, 15/148, 0/20,
1/29: Wilson score method 3, Clopper-Pearson method 5). Kaplan-Meier: Freireich 1963 6-MP arm
(n = 21), as tabulated in Kleinbaum & Klein, Survival Analysis, and reproduced by R
``survfit(Surv(time, status) ~ 1)`` (Greenwood SE, log-transformed 95% CI).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from lupuscare.celltherapy.outcomes import kaplan_meier, proportion_ci
from lupuscare.errors import InputError

NEWCOMBE = [  # x, n, wilson (lo, hi), clopper-pearson (lo, hi)
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize("x,n,wilson,exact", NEWCOMBE)
def test_intervals_match_newcombe_1998(x, n, wilson, exact):
    w = proportion_ci(x, n, method="wilson")
    cp = proportion_ci(x, n)
    assert (round(w.lower, 4), round(w.upper, 4)) == wilson
    assert (round(cp.lower, 4), round(cp.upper, 4)) == exact
    assert cp.method == "clopper-pearson"


@pytest.mark.parametrize("x,n", [(13, 40), (11, 40), (5, 6), (8, 8), (0, 5)])
def test_intervals_agree_with_scipy_binomtest(x, n):
    for method, scipy_method in (("clopper-pearson", "exact"), ("wilson", "wilson")):
        ours = proportion_ci(x, n, method=method)
        ref = binomtest(x, n).proportion_ci(0.95, method=scipy_method)
        assert ours.lower == pytest.approx(ref.low, abs=1e-9)
        assert ours.upper == pytest.approx(ref.high, abs=1e-9)


def test_proportion_bad_input():
    with pytest.raises(InputError) as err:
        proportion_ci(5, 4)
    assert err.value.field == "events"
    with pytest.raises(InputError):
        proportion_ci(1, 0)
    with pytest.raises(InputError):
        proportion_ci(1, 4, method="wald")


SIX_MP_TIMES = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
# time, n.risk, n.event, survival, std.err, lower 95% CI, upper 95% CI (log)
PUBLISHED = [
    (6, 21, 3, 0.857, 0.0764, 0.720, 1.000),
    (7, 17, 1, 0.807, 0.0869, 0.653, 0.996),
    (10, 15, 1, 0.753, 0.0963, 0.586, 0.968),
    (13, 12, 1, 0.690, 0.1068, 0.510, 0.935),
    (16, 11, 1, 0.627, 0.1141, 0.439, 0.896),
    (22, 7, 1, 0.538, 0.1282, 0.337, 0.858),
    (23, 6, 1, 0.448, 0.1346, 0.249, 0.807),
]


def test_kaplan_meier_6mp_against_published_table():
    km = kaplan_meier(SIX_MP_TIMES, SIX_MP_EVENT, conf_type="log")
    got = list(zip(km.times, km.at_risk, km.events, km.survival, km.std_err, km.lower, km.upper,
                   strict=True))
    assert len(got) == len(PUBLISHED)
    for row, ref in zip(got, PUBLISHED, strict=True):
        assert row[:3] == ref[:3]
        assert round(row[3], 3) == ref[3]
        assert round(row[4], 4) == ref[4]
        assert round(row[5], 3) == ref[5] and round(row[6], 3) == ref[6]
    assert km.median == 23.0
    assert km.survival_at(5.9) == 1.0 and km.survival_at(6) == pytest.approx(18 / 21)
    assert km.survival_at(100) == pytest.approx(km.survival[-1])


def test_log_log_interval_stays_inside_and_brackets_the_estimate():
    km = kaplan_meier(SIX_MP_TIMES, SIX_MP_EVENT)
    assert km.conf_type == "log-log"
    assert np.all(km.lower < km.survival) and np.all(km.survival < km.upper)
    assert np.all(km.upper < 1.0) and np.all(km.lower > 0.0)
    # Greenwood by hand at t=6: S = 18/21, var = S^2 * 3 / (21 * 18)
    assert km.std_err[0] == pytest.approx(18 / 21 * np.sqrt(3 / (21 * 18)))


def test_all_events_last_survival_zero_and_no_median_when_not_reached():
    km = kaplan_meier([1, 2, 3], [1, 1, 1])
    assert km.survival[-1] == 0.0 and km.median == 2.0
    assert np.isnan(km.std_err[-1])  # Greenwood is undefined once S reaches 0
    assert kaplan_meier([1, 2, 3], [0, 1, 0]).median == 2.0  # S(2) = 0.5 exactly
    assert kaplan_meier([1, 2, 3], [1, 0, 0]).median is None  # S stays at 2/3


def test_kaplan_meier_bad_input():
    with pytest.raises(InputError) as err:
        kaplan_meier([1, 2], [1])
    assert err.value.field == "events"
    with pytest.raises(InputError):
        kaplan_meier([1, -2], [1, 1])
    with pytest.raises(InputError):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(InputError):
        kaplan_meier([], [])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=1, max_size=40))
def test_km_properties(rows):
    times = [t for t, _ in rows]
    events = [int(e) for _, e in rows]
    km = kaplan_meier(times, events)
    if km.times.size == 0:
        return
    assert np.all(np.diff(km.survival) <= 0)
    assert np.all((km.survival >= 0) & (km.survival <= 1))
    assert np.all(km.lower <= km.survival + 1e-12) and np.all(km.survival <= km.upper + 1e-12)
    assert km.events.sum() == sum(events)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_intervals_contain_the_estimate_and_touch_0_and_1_only_at_the_ends(xn):
    # (Clopper-Pearson is not always wider than Wilson: at 0/46 Wilson's upper limit is higher.)
    x, n = xn
    for ci in (proportion_ci(x, n), proportion_ci(x, n, method="wilson")):
        assert 0 <= ci.lower <= ci.estimate <= ci.upper <= 1
        assert (ci.lower == 0) == (x == 0) and (ci.upper == 1) == (x == n)
