"""Properties of the generators over many seeds, dates and settings (hypothesis)."""

from __future__ import annotations

import math
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lupuscare.clinical.diary import SYMPTOMS, TRIGGERS
from lupuscare.clinical.vocabulary import DRUGS, FINDINGS
from lupuscare.demo.cohort import generate_patient
from lupuscare.demo.diary import PlantedEffect, generate_diary
from lupuscare.demo.labs import PHYSIOLOGICAL_LIMITS
from lupuscare.demo.treatment import dose_on
from lupuscare.instruments.sdi_items import ITEMS as SDI_ITEMS

effects = st.builds(
    PlantedEffect,
    trigger=st.sampled_from(sorted(TRIGGERS)),
    symptom=st.sampled_from(sorted(SYMPTOMS)),
    lag_days=st.integers(0, 28),
    effect=st.floats(-10, 10, allow_nan=False),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63), start=st.dates(date(2000, 1, 1), date(2035, 1, 1)),
       days=st.integers(1, 800), planted=st.lists(effects, max_size=3),
       completeness=st.floats(0.05, 1.0))
def test_any_diary_is_well_formed_and_reproducible(seed, start, days, planted, completeness) -> None:
    trace = generate_diary(seed, start, days, planted, completeness=completeness)
    assert trace == generate_diary(seed, start, days, planted, completeness=completeness)
    assert len(trace.rows) <= days
    end = start + timedelta(days=days)
    for row in trace.rows:
        assert start <= row.date < end
        assert all(0 <= v <= 10 for v in row.symptoms.values())
        for name, value in row.triggers.items():
            t = TRIGGERS[name]
            assert isinstance(value, bool) if t.kind == "boolean" else t.low <= value <= t.high
    assert [t.effect for t in trace.planted] == planted
    for truth in trace.planted:
        if truth.realised_effect is not None:  # rounding moves a rating by at most ceil(effect)
            planted_effect = truth.effect.effect
            assert abs(truth.realised_effect) <= math.ceil(abs(planted_effect))
            assert truth.realised_effect * planted_effect >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), index=st.integers(0, 50_000),
       as_of=st.dates(date(2015, 1, 1), date(2035, 12, 31)))
def test_any_patient_is_plausible(seed, index, as_of) -> None:
    p = generate_patient(seed, index, as_of=as_of, diaries=index % 3 == 0)
    assert p.birth_date < p.lupus_onset <= p.follow_up_start < p.follow_up_end == as_of
    assert 18 <= p.age_on(p.follow_up_start) <= 81
    dates = [v.date for v in p.visits]
    assert dates == sorted(set(dates)) and p.follow_up_start <= dates[0] and dates[-1] <= as_of
    for v in p.visits:
        assert set(v.findings) <= set(FINDINGS) and 0 <= v.pga <= 3
        assert 0 <= v.swollen_28 <= v.tender_28 + 28 and v.tender_28 <= 28
        for lab in v.labs:
            lo, hi = PHYSIOLOGICAL_LIMITS[lab.test]
            assert lo <= lab.value <= hi
    for f in p.flares:
        assert p.follow_up_start <= f.onset <= f.end <= as_of
    for c in p.medications:
        assert c.drug in DRUGS and (c.end is None or c.end >= c.start)
        assert c.daily_dose_mg is None or c.daily_dose_mg > 0
    assert all(0 <= dose_on(list(p.medications), "prednisone", d) <= 60 for d in dates)
    assert all(d.item in SDI_ITEMS and d.onset <= as_of for d in p.damage)
    if p.diary is not None:
        assert p.diary.start >= p.follow_up_start and all(r.date <= as_of for r in p.diary.rows)
