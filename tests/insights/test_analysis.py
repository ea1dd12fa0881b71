"""Whole-patient analysis: Holm correction, collinearity, planted effects found, nulls quiet."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from lupuscare.demo.diary import PlantedEffect
from lupuscare.insights import DiarySeries, analyse
from lupuscare.insights.analysis import holm
from lupuscare.insights.validation import detection_rate, false_positive_rate, run_patient

from .insights_helpers import START


@pytest.mark.slow  # many random Holm comparisons, ~12 s
def test_holm_matches_statsmodels():
    rng = np.random.default_rng(11)
    for _ in range(50):
        p = list(rng.uniform(0, 0.2, rng.integers(1, 9)))
        assert holm(p) == pytest.approx(list(multipletests(p, method="holm")[1]))


def test_collinear_triggers_are_reported_as_inseparable():
    rng = np.random.default_rng(5)
    rows = []
    for i in range(120):
        both = bool(rng.random() < 0.3)
        rows.append({"date": START + timedelta(days=i),
                     "symptoms": {"fatigue": int(rng.integers(2, 6)), "rash": int(rng.integers(0, 3))},
                     "triggers": {"overwork": both, "fluorescent_light": both,
                                  "stress": float(rng.integers(0, 11)), "sleep_hours": 7.0,
                                  "sun_hours": float(rng.integers(0, 4))}})
    report = analyse(DiarySeries.from_rows(rows, start=START, days=120))
    tangled = {i.hypothesis.trigger: i for i in report.insights if i.status == "inseparable"}
    assert set(tangled) == {"overwork", "fluorescent_light"}
    assert "can't tell them apart" in tangled["overwork"].message
    assert tangled["overwork"].inseparable_from == ("fluorescent_light",)
    assert report.collinear[0].r == pytest.approx(1.0)
    assert all(not i.shown for i in tangled.values())


def test_large_planted_effect_is_found_whenever_there_is_enough_data():
    rate = detection_rate(PlantedEffect("stress", "joint_pain", 1, 3.0), n_patients=20, days=180)
    assert rate.eligible >= 14  # most patients have 8+ high-stress days
    assert rate.hits >= rate.eligible - 1


def test_planted_effect_shows_with_the_right_sign_and_size():
    # -3 fatigue points on the day after short sleep: about -1.5 a day over the 2-day window.
    shown = []
    for seed in range(2_000_000, 2_000_010):
        report = run_patient(seed, 180, [PlantedEffect("sleep_hours", "fatigue", 1, -3.0)], 0.8)
        shown += [i for i in report.shown if i.hypothesis.trigger == "sleep_hours"]
    assert len(shown) >= 4
    for insight in shown:
        assert insight.estimate.effect < 0
        assert "lower" in insight.message
    assert sum(i.estimate.ci_low < -1.5 < i.estimate.ci_high for i in shown) >= len(shown) - 1


@pytest.mark.slow  # Monte-Carlo over null patients, ~20 s
def test_false_positive_rate_on_null_patients_is_at_most_nominal():
    # 200 null patients (no planted effect): at most 5% may be shown any insight at all.
    rate = false_positive_rate(n_patients=200, days=180, first_seed=7_000_000)
    assert rate.rate <= 0.05, rate.to_dict()


def test_short_diaries_say_not_enough_information():
    report = run_patient(3, 20, [], 0.8)
    assert all(i.status == "not_enough_data" for i in report.insights)
    assert all(i.message.startswith("Not enough information yet") for i in report.insights)


def test_only_the_most_recent_180_days_are_analysed():
    from lupuscare.demo.diary import generate_diary

    trace = generate_diary(9, START, 400, [], completeness=0.8)
    full = DiarySeries.from_rows(trace.rows, start=trace.start, days=trace.days)
    report = analyse(full)
    assert report.analysed_days == 180
    assert report.analysed_from == START + timedelta(days=220)
    recent = DiarySeries.from_rows([r for r in trace.rows if r.date >= report.analysed_from],
                                   start=report.analysed_from, days=180)
    assert [i.to_dict() for i in analyse(recent).insights] == [i.to_dict() for i in report.insights]
