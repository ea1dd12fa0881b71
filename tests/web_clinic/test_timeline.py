"""The patient timeline: time in target, bands, prednisone steps, SDI accrual, the page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.web.clinic import timeline
from lupuscare.web.clinic.scoring import store_scores
from lupuscare.web.records.services import Actor, retract_damage
from web.factories import make_assessment, make_damage_item, make_diary_entry, make_medication

D = ["2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01", "2026-01-01"]


def test_time_in_target_carries_each_visit_to_the_next():
    # met at visits 1 and 2 (90 + 91 days of 365), not at 3 and 4, met at the last (closes)
    bands, pct = timeline.bands_and_time(D, [True, True, False, False, True])
    assert bands == [["2025-01-01", "2025-07-01"], ["2026-01-01", "2026-01-01"]]
    assert pct == round(100 * 181 / 365, 1) == 49.6


def test_time_in_target_edges():
    assert timeline.bands_and_time(D, [False] * 5) == ([], 0.0)
    assert timeline.bands_and_time(D, [True] * 5)[1] == 100.0
    assert timeline.bands_and_time(D, [None, True, None, None, None])[1] == round(100 * 91 / 365, 1)
    assert timeline.bands_and_time(D[:1], [True]) == ([[D[0], D[0]]], None)
    assert timeline.bands_and_time([], []) == ([], None)


@pytest.mark.django_db
def test_prednisone_steps_follow_the_courses(world):
    pred = make_medication(world.patient_a, drug="prednisone", daily_dose_mg=20.0,
                           start=dt.date(2025, 1, 1), stop=dt.date(2025, 1, 31))
    make_medication(world.patient_a, drug="methylprednisolone", daily_dose_mg=4.0,
                    start=dt.date(2025, 2, 1))
    series = timeline.prednisone_series([pred, *world.patient_a.medications.exclude(pk=pred.pk)],
                                        dt.date(2025, 6, 1))
    # methylprednisolone 4 mg = prednisone 5 mg (clinical.glucocorticoids); HCQ ignored
    assert series == {"dates": ["2025-01-01", "2025-02-01", "2025-06-01"], "values": [20.0, 5.0, 5.0]}


@pytest.mark.django_db
def test_sdi_accrual_counts_from_six_months_after_onset(world):
    retract_damage(Actor.system("test"), world.records["damage_a"], reason="test: start empty")
    alopecia = make_damage_item(world.patient_a, item="scarring_chronic_alopecia",
                                onset=dt.date(2024, 1, 10))
    series = timeline.sdi_accrual([alopecia], dt.date(2025, 1, 1))
    assert series["dates"] == ["2024-01-10", "2024-07-10", "2024-07-11", "2025-01-01"]
    assert series["values"] == [0, 1, 1, 1]
    # a cataract counts from its onset ("any cataract ever", Gladman 1996)
    cataract = make_damage_item(world.patient_a, item="cataract", onset=dt.date(2024, 3, 1))
    series = timeline.sdi_accrual([alopecia, cataract], dt.date(2025, 1, 1))
    assert dict(zip(series["dates"], series["values"], strict=True))["2024-03-01"] == 1
    assert series["values"][-1] == 2


@pytest.mark.django_db
def test_patient_page_carries_the_chart_data(clinician, world, django_assert_max_num_queries):
    patient = world.patient_a
    make_medication(patient, drug="mycophenolate_mofetil", daily_dose_mg=2000.0,
                    start=dt.date(2025, 6, 1))
    for day, findings, pga in ((dt.date(2025, 6, 1), ["arthritis", "rash_generalized"], 2.0),
                               (dt.date(2025, 9, 1), [], 0.3), (dt.date(2025, 12, 1), [], 0.2)):
        store_scores(make_assessment(patient, date=day, findings=findings, pga=pga,
                                     swollen_28=0, tender_28=0))
    make_diary_entry(patient, local_date=dt.date(2026, 3, 5), symptoms={"fatigue": 6},
                     warning_signs=["swollen_legs"])
    store_scores(world.records["assessment_a"])
    url = reverse("clinic:patient", args=[patient.pk])
    clinician.get(url)  # first view: alerts evaluated and stored
    with django_assert_max_num_queries(30):
        response = clinician.get(url)
    body = response.content.decode()
    data = json.loads(body.split('id="timeline-data" type="application/json">')[1].split("</script>")[0])
    assert data["scores"]["dates"] == ["2025-06-01", "2025-09-01", "2025-12-01", "2026-03-01"]
    assert data["scores"]["sledai2k"][:3] == [6.0, 0.0, 0.0]
    assert {"date": "2025-06-01", "drug": "mycophenolate mofetil"} in data["treatment_starts"]
    assert data["flares"][-1]["date"] == "2026-03-01"  # new arthritis vs the December visit
    assert data["time_in_remission_percent"] is not None
    assert data["diary"]["days"] == 1 and data["diary"]["symptoms"] == {"fatigue": 6.0}
    assert data["diary"]["warning_signs"] == {"swollen_legs": 1}
    assert 'id="prednisone-today">0.0 mg/day' in body  # only HCQ and MMF: no glucocorticoid
    assert "vendor/plotly/plotly.min.js" in body and "clinic/timeline.js" in body
    assert "<script>" not in body  # data travels as application/json, drawn by a static file


@given(st.lists(st.tuples(st.integers(1, 400), st.sampled_from([True, False, None])),
                min_size=2, max_size=30))
@settings(max_examples=150, deadline=None)
def test_time_in_target_is_a_share_of_observed_time(steps):
    start = dt.date(2020, 1, 1)
    dates, day = [], start
    for gap, _ in steps:
        day += dt.timedelta(days=gap)
        dates.append(day.isoformat())
    met = [m for _, m in steps]
    bands, pct = timeline.bands_and_time(dates, met)
    assert 0.0 <= pct <= 100.0
    # met nowhere before the last visit: 0%; met at every visit: 100%
    if not any(met[:-1]):
        assert pct == 0.0
    if all(met):
        assert pct == 100.0 and bands == [[dates[0], dates[-1]]]
    # bands never overlap and lie inside the observed period
    flat = [d for b in bands for d in b]
    assert flat == sorted(flat) and (not flat or (flat[0] >= dates[0] and flat[-1] <= dates[-1]))
