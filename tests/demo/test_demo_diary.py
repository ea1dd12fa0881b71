"""The diary generator: deterministic, plausible, and its planted effects recoverable."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from lupuscare.clinical.diary import SYMPTOMS, TRIGGERS, WARNING_SIGNS
from lupuscare.demo.diary import (
    EXPOSURE_RULES,
    DiaryTrace,
    FlarePeriod,
    PlantedEffect,
    exposed,
    generate_diary,
)
from lupuscare.errors import InputError

START = date(2023, 1, 1)


def lagged_difference(trace: DiaryTrace, trigger: str, symptom: str, lag: int) -> tuple[float, int, int]:
    """Mean symptom on days after exposure minus after non-exposure (logged pairs only)."""
    by_date = {r.date: r for r in trace.rows}
    hit, miss = [], []
    for row in trace.rows:
        before = by_date.get(row.date - timedelta(days=lag))
        if before is None:
            continue
        is_exposed = exposed(trigger, np.array([float(before.triggers[trigger])]))[0]
        (hit if is_exposed else miss).append(row.symptoms[symptom])
    return float(np.mean(hit) - np.mean(miss)), len(hit), len(miss)


def test_same_seed_same_trace_and_different_seed_differs() -> None:
    planted = [PlantedEffect("stress", "joint_pain", 1, 1.5)]
    a = generate_diary(11, START, 400, planted)
    b = generate_diary(11, START, 400, planted)
    c = generate_diary(12, START, 400, planted)
    assert a == b
    assert a.rows != c.rows


def test_rows_use_the_diary_vocabulary_and_stay_in_range() -> None:
    trace = generate_diary(3, START, 365, [])
    assert trace.rows
    for row in trace.rows:
        assert set(row.symptoms) == set(SYMPTOMS)
        assert set(row.warning_signs) == set(WARNING_SIGNS)
        assert set(row.triggers) == set(TRIGGERS)
        assert all(isinstance(v, int) and 0 <= v <= 10 for v in row.symptoms.values())
        for name, value in row.triggers.items():
            t = TRIGGERS[name]
            if t.kind == "boolean":
                assert isinstance(value, bool)
            else:
                assert t.low <= value <= t.high
    dates = [r.date for r in trace.rows]
    assert dates == sorted(set(dates))
    assert dates[0] >= START and dates[-1] < START + timedelta(days=365)


def test_sun_follows_the_season_and_stress_the_week() -> None:
    trace = generate_diary(5, date(2022, 1, 1), 3 * 365, [])
    sun_summer = [r.triggers["sun_hours"] for r in trace.rows if r.date.month in (6, 7, 8)]
    sun_winter = [r.triggers["sun_hours"] for r in trace.rows if r.date.month in (12, 1, 2)]
    assert np.mean(sun_summer) > 2 * np.mean(sun_winter)
    monday = [r.triggers["stress"] for r in trace.rows if r.date.weekday() == 0]
    sunday = [r.triggers["stress"] for r in trace.rows if r.date.weekday() == 6]
    assert np.mean(monday) > np.mean(sunday) + 1


def test_symptoms_are_autocorrelated() -> None:
    trace = generate_diary(8, START, 730, [], completeness=1.0)
    fatigue = np.array([r.symptoms["fatigue"] for r in trace.rows], dtype=float)
    lag1 = np.corrcoef(fatigue[:-1], fatigue[1:])[0, 1]
    assert lag1 > 0.4


@pytest.mark.parametrize("completeness", [0.5, 0.8, 0.95])
def test_missingness_matches_the_set_completeness(completeness: float) -> None:
    observed = [generate_diary(s, START, 730, [], completeness=completeness).observed_completeness
                for s in range(20)]
    assert all(abs(o - completeness) < 0.1 for o in observed)
    assert abs(np.mean(observed) - completeness) < 0.02


def test_full_completeness_logs_every_day() -> None:
    assert generate_diary(1, START, 200, [], completeness=1.0).observed_completeness == 1.0


def test_flares_raise_symptoms_and_missingness() -> None:
    flare = FlarePeriod(date(2023, 3, 1), date(2023, 5, 31), "renal", 1.0)
    in_flare, out_flare, logged_in, logged_out, swollen_in, swollen_out = [], [], 0, 0, 0, 0
    for seed in range(10):
        trace = generate_diary(seed, START, 365, [], completeness=0.7, flares=[flare])
        for r in trace.rows:
            inside = flare.start + timedelta(days=20) <= r.date <= flare.end - timedelta(days=30)
            (in_flare if inside else out_flare).append(r.symptoms["fatigue"])
            if inside:
                swollen_in += r.warning_signs["swollen_legs"]
        days_inside = (flare.end - flare.start).days + 1
        logged_in += sum(flare.start <= r.date <= flare.end for r in trace.rows)
        logged_out += sum(not flare.start <= r.date <= flare.end for r in trace.rows)
        swollen_out += sum(r.warning_signs["swollen_legs"] for r in trace.rows
                           if not flare.start <= r.date <= flare.end)
    assert np.mean(in_flare) > np.mean(out_flare) + 1.5
    assert logged_in / (10 * days_inside) < logged_out / (10 * (365 - days_inside))
    assert swollen_in > 20  # renal flare: swelling is common
    assert swollen_out < 0.02 * logged_out


@pytest.mark.parametrize(
    ("effect", "tolerance"),
    [
        (PlantedEffect("stress", "joint_pain", 1, 1.5), 0.45),
        (PlantedEffect("sun_hours", "rash", 2, 2.0), 0.45),
        (PlantedEffect("sleep_hours", "fatigue", 0, 1.2), 0.45),
        (PlantedEffect("infection", "fatigue", 3, 2.0), 0.6),
    ],
)
def test_planted_effect_is_recovered_by_a_lagged_difference(effect: PlantedEffect, tolerance: float) -> None:
    trace = generate_diary(21, date(2020, 1, 1), 5 * 365, [effect], completeness=0.85, flares=[])
    estimate, n_hit, n_miss = lagged_difference(trace, effect.trigger, effect.symptom, effect.lag_days)
    assert n_hit >= 40 and n_miss >= 40
    assert abs(estimate - effect.effect) < tolerance
    truth = trace.planted[0]
    assert truth.effect == effect
    assert truth.realised_effect is not None and abs(truth.realised_effect - effect.effect) < 0.3


def test_null_patients_show_no_trigger_effect() -> None:
    """Across 20 null patients the lagged difference averages zero (its per-patient spread, measured
    on 30 seeds, is 0.05-0.20 points, so the mean of 20 has a standard error under 0.05)."""
    traces = [generate_diary(s, date(2020, 1, 1), 5 * 365, [], completeness=0.85, flares=[])
              for s in range(100, 120)]
    assert all(t.planted == () for t in traces)
    for trigger, symptom, lag in [("stress", "joint_pain", 1), ("sun_hours", "rash", 2),
                                  ("sleep_hours", "fatigue", 0), ("infection", "fatigue", 3)]:
        estimates = [lagged_difference(t, trigger, symptom, lag)[0] for t in traces]
        assert abs(np.mean(estimates)) < 0.15, (trigger, symptom, np.mean(estimates))
        assert max(abs(e) for e in estimates) < 0.9


def test_the_effect_acts_at_its_lag_only() -> None:
    effect = PlantedEffect("infection", "headache", 4, 2.5)
    trace = generate_diary(4, date(2020, 1, 1), 5 * 365, [effect], completeness=1.0, flares=[])
    at_lag, _, _ = lagged_difference(trace, "infection", "headache", 4)
    far, _, _ = lagged_difference(trace, "infection", "headache", 20)
    assert at_lag > 1.8
    assert abs(far) < 0.5


def test_exposure_rules_cover_every_trigger_and_their_boundaries() -> None:
    assert set(EXPOSURE_RULES) == set(TRIGGERS)
    assert list(exposed("stress", np.array([6.0, 7.0, 8.0]))) == [False, True, True]
    assert list(exposed("sleep_hours", np.array([5.5, 6.0, 6.5]))) == [True, False, False]
    assert list(exposed("sun_hours", np.array([1.5, 2.0]))) == [False, True]
    assert list(exposed("infection", np.array([0, 1]))) == [False, True]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"trigger": "moonlight"}, "planted.trigger"),
        ({"symptom": "sadness"}, "planted.symptom"),
        ({"lag_days": -1}, "planted.lag_days"),
        ({"lag_days": 29}, "planted.lag_days"),
        ({"effect": float("nan")}, "planted.effect"),
    ],
)
def test_bad_planted_effect_names_the_field(kwargs: dict, field: str) -> None:
    args = {"trigger": "stress", "symptom": "fatigue", "lag_days": 1, "effect": 1.0} | kwargs
    with pytest.raises(InputError) as err:
        PlantedEffect(**args)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"days": 0}, "days"), ({"completeness": 0.0}, "completeness"),
     ({"completeness": 1.2}, "completeness"), ({"seed": -1}, "seed")],
)
def test_bad_diary_input_names_the_field(kwargs: dict, field: str) -> None:
    args = {"seed": 1, "start": START, "days": 10, "planted": []} | kwargs
    with pytest.raises(InputError) as err:
        generate_diary(**args)
    assert err.value.field == field


def test_columns_feed_a_dataframe() -> None:
    import polars as pl

    trace = generate_diary(2, START, 60, [])
    frame = pl.DataFrame(trace.columns())
    assert frame.height == len(trace.rows)
    assert {"date", "fatigue", "stress", "swollen_legs"} <= set(frame.columns)
