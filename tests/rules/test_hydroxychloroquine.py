"""Hydroxychloroquine rules at their boundaries (AAO 2016, EULAR 2023)."""

from __future__ import annotations

from datetime import date

import pytest

from lupuscare.rules import MedicationCourse as Med
from lupuscare.rules import PatientContext, evaluate
from lupuscare.rules.context import HcqRiskFactors, LabResult
from lupuscare.rules.hydroxychloroquine import (
    rule_hcq_dose_above_cap,
    rule_hcq_not_prescribed,
    rule_hcq_recently_started,
    rule_hcq_retinal_screening_due,
    rule_hcq_weight_missing,
)

TODAY = date(2026, 6, 1)


def ctx(**kw) -> PatientContext:
    kw.setdefault("today", TODAY)
    return PatientContext(**kw)


def hcq(dose: float = 200, start: date = date(2015, 1, 1), **kw) -> Med:
    return Med("hydroxychloroquine", start, dose, **kw)


@pytest.mark.parametrize(("dose", "weight", "fires"), [
    (300, 60, False),      # exactly 5.0 mg/kg/day: at the cap, allowed
    (300.6, 60, True),     # 5.01 mg/kg/day
    (299.4, 60, False),    # 4.99
    (400, 60, True),       # the spec's example: 6.67 mg/kg/day
    (400, 80, False),      # 5.0 exactly at 80 kg
])
def test_dose_cap_boundary(dose, weight, fires):
    alert = rule_hcq_dose_above_cap(ctx(weight_kg=weight, medications=(hcq(dose),)))
    assert (alert is not None) is fires
    if fires:
        assert alert.evidence["mg_per_kg_day"] == pytest.approx(dose / weight, abs=1e-3)
        assert alert.severity == "warning"
        assert "Ophthalmology 2016;123:1386" in alert.citation


def test_dose_cap_sums_concurrent_courses_and_ignores_stopped_ones():
    meds = (hcq(200), hcq(200, start=date(2020, 1, 1)), hcq(400, stop=date(2019, 1, 1)))
    assert rule_hcq_dose_above_cap(ctx(weight_kg=70, medications=meds)).evidence["daily_dose_mg"] == 400


def test_missing_weight_is_said_not_silent():
    c = ctx(medications=(hcq(400),))
    assert rule_hcq_dose_above_cap(c) is None
    assert rule_hcq_weight_missing(c).code == "hcq_weight_missing"
    assert rule_hcq_weight_missing(ctx(weight_kg=60, medications=(hcq(),))) is None


# -- retinal screening -------------------------------------------------------------------------
START = date(2024, 3, 10)


@pytest.mark.parametrize(("today", "fires"), [
    (date(2025, 3, 9), False),   # the day before the first anniversary
    (date(2025, 3, 10), True),   # the anniversary: baseline due today
    (date(2025, 3, 11), True),   # overdue
])
def test_baseline_exam_due_at_first_anniversary(today, fires):
    c = ctx(today=today, weight_kg=70, medications=(hcq(200, START),))
    alert = rule_hcq_retinal_screening_due(c)
    assert (alert is not None) is fires
    if fires:
        assert alert.due_date == date(2025, 3, 10)
        assert alert.evidence["schedule"] == "baseline"


def test_baseline_exam_done_then_quiet_until_year_five_then_yearly():
    exams = (date(2024, 4, 1),)
    meds = (hcq(200, START),)
    assert rule_hcq_retinal_screening_due(ctx(today=date(2029, 3, 9), weight_kg=70, medications=meds,
                                              eye_exams=exams)) is None
    alert = rule_hcq_retinal_screening_due(ctx(today=date(2029, 3, 10), weight_kg=70, medications=meds,
                                               eye_exams=exams))
    assert alert.due_date == date(2029, 3, 10)  # 5 years of use
    # screened on the 5-year anniversary: next due one year later, to the day
    exams2 = exams + (date(2029, 3, 10),)
    for today, fires in ((date(2030, 3, 9), False), (date(2030, 3, 10), True), (date(2030, 3, 11), True)):
        a = rule_hcq_retinal_screening_due(ctx(today=today, weight_kg=70, medications=meds, eye_exams=exams2))
        assert (a is not None) is fires
        if fires:
            assert a.due_date == date(2030, 3, 10)


@pytest.mark.parametrize("risk", [
    {"hcq_risk_factors": HcqRiskFactors(tamoxifen=True)},
    {"hcq_risk_factors": HcqRiskFactors(retinal_or_macular_disease=True)},
    {"hcq_risk_factors": HcqRiskFactors(egfr_below_60=True)},
    {"labs": (LabResult("egfr", 59.9, date(2025, 1, 1)),)},
    {"medications_extra": (Med("tamoxifen", date(2024, 1, 1), 20),)},
    {"weight_kg": 50},  # 300 mg at 50 kg = 6 mg/kg/day
])
def test_risk_factor_makes_screening_yearly_from_the_start(risk):
    extra = risk.pop("medications_extra", ())
    kw = {"weight_kg": 70, **risk}
    meds = (hcq(300, START), *extra)
    exams = (date(2024, 4, 1),)
    assert rule_hcq_retinal_screening_due(ctx(today=date(2025, 3, 31), medications=meds, eye_exams=exams, **kw)) is None
    alert = rule_hcq_retinal_screening_due(ctx(today=date(2025, 4, 1), medications=meds, eye_exams=exams, **kw))
    assert alert is not None and alert.due_date == date(2025, 4, 1)
    assert alert.evidence["risk_factors"]


def test_egfr_60_is_not_a_risk_factor():
    meds = (hcq(200, START),)
    c = ctx(today=date(2025, 4, 1), weight_kg=70, medications=meds, eye_exams=(date(2024, 4, 1),),
            labs=(LabResult("egfr", 60.0, date(2025, 1, 1)),))
    assert rule_hcq_retinal_screening_due(c) is None


def test_no_screening_alert_when_not_on_hcq():
    assert rule_hcq_retinal_screening_due(ctx(medications=(hcq(200, START, stop=date(2024, 5, 1)),))) is None


def test_leap_day_start_is_due_on_28_february():
    c = ctx(today=date(2025, 2, 28), weight_kg=70, medications=(hcq(200, date(2024, 2, 29)),))
    assert rule_hcq_retinal_screening_due(c).due_date == date(2025, 2, 28)


# -- no HCQ without a reason -------------------------------------------------------------------
def test_no_hcq_and_no_reason_fires_and_a_recorded_reason_silences_it():
    assert rule_hcq_not_prescribed(ctx()).code == "hcq_not_prescribed_no_reason"
    stopped = hcq(200, date(2020, 1, 1), stop=date(2021, 1, 1))
    assert rule_hcq_not_prescribed(ctx(medications=(stopped,))) is not None
    reason = Med("hydroxychloroquine", date(2021, 1, 2), reason_not_prescribed="retinopathy")
    assert rule_hcq_not_prescribed(ctx(medications=(stopped, reason))) is None
    assert rule_hcq_not_prescribed(ctx(weight_kg=70, medications=(hcq(),))) is None


# -- too early to judge ------------------------------------------------------------------------
@pytest.mark.parametrize(("today", "fires"), [
    (date(2026, 3, 14), True),   # the day before 3 months
    (date(2026, 3, 15), False),  # exactly 3 months
    (date(2026, 3, 16), False),
])
def test_recently_started_info_until_three_months(today, fires):
    c = ctx(today=today, weight_kg=70, medications=(hcq(200, date(2025, 12, 15)),))
    alert = rule_hcq_recently_started(c)
    assert (alert is not None) is fires
    if fires:
        assert alert.severity == "info"
        assert "treatment_failure" in alert.suppresses


def test_evaluate_orders_by_severity():
    c = ctx(today=date(2026, 1, 1), weight_kg=60, medications=(hcq(400, date(2025, 12, 1)),))
    severities = [a.severity for a in evaluate(c)]
    assert severities == sorted(severities, key=["urgent", "warning", "info"].index)
    assert {"hcq_dose_above_5_mg_kg", "hcq_started_under_3_months"} <= {a.code for a in evaluate(c)}
