"""Referral to eligibility: criteria of the protocol evaluated on values computed from the record,
each criterion with its status and reason; thresholds at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lupuscare.web.celltherapy import services
from web.factories import make_lab, make_medication

from .helpers import TODAY, clear_answers, make_programme, refer, visit

pytestmark = pytest.mark.django_db

# SLEDAI-2K weights (Gladman 2002): arthritis 4, rash 2, low complement 2 -> arthritis + rash = 6
SIX = ["arthritis", "rash_generalized"]
FIVE_OR_LESS = ["arthritis"]  # 4


def _labs(patient, **values):
    when = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 0))
    units = {"egfr": "mL/min/{1.73_m2}", "wbc": "10*9/L", "hemoglobin": "g/L",
             "platelets": "10*9/L"}
    for test, value in values.items():
        make_lab(patient, test=test, value=value, unit=units[test], collected_at=when)


def _by_name(result):
    return {c["name"]: c for c in result.result["criteria"]}


def test_sledai_six_is_eligible_and_five_is_not_misle(world):
    enrolment = refer(world)
    _labs(world.patient_a, egfr=75, wbc=4.0, hemoglobin=115, platelets=180)
    six = visit(world.patient_a, dt.date(2026, 3, 5), findings=SIX)
    bilag = {"renal": "A"}
    result = services.assess_eligibility(enrolment, world.clinician_a, assessment=six,
                                         bilag=bilag, on=TODAY)
    rows = _by_name(result)
    assert rows["SLEDAI >= 6"]["status"] == "passed"
    assert "sledai2k_total 6 meets >= 6" in rows["SLEDAI >= 6"]["reason"]
    # haemoglobin 115 g/L is converted to 11.5 g/dL for the 'Hb < 8' exclusion
    assert rows["Hb < 8"]["status"] == "passed"
    assert "11.5 g/dL" in rows["Hb < 8"]["reason"]
    assert result.inputs["labs"]["hemoglobin"]["as"] == pytest.approx(11.5)
    # AST/ALT are not in the record: those criteria are not assessable, so not eligible yet
    assert rows["AST > 4 x ULN"]["status"] == "not_assessable"
    assert result.eligible is False

    four = visit(world.patient_a, dt.date(2026, 3, 6), findings=FIVE_OR_LESS)
    result = services.assess_eligibility(enrolment, world.clinician_a, assessment=four,
                                         bilag=bilag, on=TODAY)
    assert _by_name(result)["SLEDAI >= 6"]["status"] == "failed"


def test_exclusion_labs_at_their_boundary(world):
    enrolment = refer(world)
    _labs(world.patient_a, egfr=30, wbc=1.9, hemoglobin=80, platelets=29.9)
    result = services.assess_eligibility(enrolment, world.clinician_a, assessment=None, on=TODAY)
    rows = _by_name(result)
    assert rows["eGFR < 30"]["status"] == "passed"  # exactly 30 is not < 30
    assert rows["WBC < 2.0"]["status"] == "failed"  # 1.9 excludes
    assert rows["Hb < 8"]["status"] == "passed"  # 80 g/L = 8.0 g/dL, not < 8
    assert rows["platelets < 30k"]["status"] == "failed"
    assert rows["SLEDAI >= 6"]["status"] == "not_assessable"


def test_labs_older_than_the_screening_window_are_not_used(world):
    enrolment = refer(world)
    make_lab(world.patient_a, test="wbc", value=1.0, unit="10*9/L",
             collected_at=timezone.make_aware(dt.datetime(2026, 2, 7, 9, 0)))  # 31 days before
    result = services.assess_eligibility(enrolment, world.clinician_a, assessment=None, on=TODAY)
    assert _by_name(result)["WBC < 2.0"]["status"] == "not_assessable"


def test_refractory_courses_come_from_the_record_and_failure_is_attested(world):
    programme = make_programme(name="UC-MSC Nanjing-style", criteria_set="wang2014_nct01741857")
    enrolment = refer(world, programme)
    pred = make_medication(world.patient_a, drug="prednisone", daily_dose_mg=30.0,
                           start=dt.date(2025, 6, 1), stop=dt.date(2025, 12, 1))
    mmf = make_medication(world.patient_a, drug="mycophenolate_mofetil", daily_dose_mg=2000.0,
                          start=dt.date(2025, 6, 1), stop=dt.date(2025, 12, 1))
    eight = visit(world.patient_a, dt.date(2026, 3, 5), findings=["arthritis", "rash_generalized",
                                                                  "alopecia"])
    not_attested = services.assess_eligibility(enrolment, world.clinician_a, assessment=eight,
                                               on=TODAY)
    refractory = next(c for c in not_attested.result["criteria"] if c["name"].startswith("refr"))
    assert refractory["status"] == "failed"
    attested = services.assess_eligibility(enrolment, world.clinician_a, assessment=eight,
                                           failed_course_ids=[pred.pk, mmf.pk],
                                           answers=clear_answers(programme), on=TODAY)
    assert attested.eligible is True
    assert attested.inputs["answers"]["pregnancy"] is False
    mmf_row = next(c for c in attested.inputs["courses"] if c["drug"] == "mycophenolate_mofetil")
    assert mmf_row["dose"] == 2.0 and mmf_row["unit"] == "g/d" and mmf_row["days"] == 183


def test_page_shows_each_criterion_and_why(world, client):
    enrolment = refer(world)
    services.assess_eligibility(enrolment, world.clinician_a, assessment=None, on=TODAY)
    client.force_login(world.clinician_a)
    body = client.get(f"/celltherapy/patients/{world.patient_a.pk}/").content.decode()
    assert "Not eligible" in body
    assert "sledai2k_total is missing" in body


def test_an_unanswered_exclusion_is_not_assessed_and_a_present_one_excludes(world):
    programme = make_programme(name="UC-MSC Nanjing-style", criteria_set="wang2014_nct01741857")
    enrolment = refer(world, programme)
    pred = make_medication(world.patient_a, drug="prednisone", daily_dose_mg=30.0,
                           start=dt.date(2025, 6, 1), stop=dt.date(2025, 12, 1))
    mmf = make_medication(world.patient_a, drug="mycophenolate_mofetil", daily_dose_mg=2000.0,
                          start=dt.date(2025, 6, 1), stop=dt.date(2025, 12, 1))
    eight = visit(world.patient_a, dt.date(2026, 3, 5), findings=["arthritis", "rash_generalized",
                                                                  "alopecia"])
    answers = clear_answers(programme)
    del answers["active_cns_lupus"]
    silent = services.assess_eligibility(enrolment, world.clinician_a, assessment=eight,
                                         failed_course_ids=[pred.pk, mmf.pk], answers=answers,
                                         on=TODAY)
    assert silent.eligible is False
    assert _by_name(silent)["active CNS lupus"]["status"] == "not_assessable"
    present = services.assess_eligibility(
        enrolment, world.clinician_a, assessment=eight, failed_course_ids=[pred.pk, mmf.pk],
        answers={**clear_answers(programme), "pregnancy": True}, on=TODAY)
    assert present.eligible is False
    assert _by_name(present)["pregnancy"]["status"] == "failed"
