"""Issue 11 items 5-8: CTCAE-graded cytopenias that re-alert when they deepen, chloroquine,
the 24-hour urine protein, and a hydroxychloroquine dose from a current weight only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lupuscare.errors import InputError
from lupuscare.rules import MedicationCourse as Med
from lupuscare.rules import PatientContext, RuleConfig, evaluate
from lupuscare.rules.context import LabResult
from lupuscare.rules.haematology import (
    HAEMOGLOBIN,
    LEUKOCYTES,
    NEUTROPHILS,
    PLATELETS,
    rule_anaemia,
    rule_cytopenia_worsening,
    rule_neutropenia,
    rule_new_leukopenia,
    rule_new_thrombocytopenia,
)
from lupuscare.rules.hydroxychloroquine import (
    rule_antimalarial_weight_stale,
    rule_chloroquine_dose_above_cap,
    rule_hcq_dose_above_cap,
    rule_hcq_not_prescribed,
    rule_hcq_retinal_screening_due,
    rule_hcq_weight_missing,
)
from lupuscare.rules.renal import rule_proteinuria_workup

TODAY = date(2026, 6, 1)


def labs(test: str, *values: float) -> PatientContext:
    start = TODAY - timedelta(days=30 * len(values))
    return PatientContext(today=TODAY, labs=tuple(
        LabResult(test, v, start + timedelta(days=30 * i)) for i, v in enumerate(values)))


# -- 5. CTCAE v5 grades at every band edge (the bound belongs to the milder band) ------------------

@pytest.mark.parametrize(("count", "value", "grade"), [
    (PLATELETS, 100.0, None), (PLATELETS, 99.9, 1), (PLATELETS, 75.0, 1), (PLATELETS, 74.9, 2),
    (PLATELETS, 50.0, 2), (PLATELETS, 49.9, 3), (PLATELETS, 25.0, 3), (PLATELETS, 24.9, 4),
    (NEUTROPHILS, 1.5, None), (NEUTROPHILS, 1.49, 2), (NEUTROPHILS, 1.0, 2), (NEUTROPHILS, 0.99, 3),
    (NEUTROPHILS, 0.5, 3), (NEUTROPHILS, 0.49, 4),
    (LEUKOCYTES, 3.0, None), (LEUKOCYTES, 2.99, 2), (LEUKOCYTES, 2.0, 2), (LEUKOCYTES, 1.99, 3),
    (LEUKOCYTES, 1.0, 3), (LEUKOCYTES, 0.99, 4),
    (HAEMOGLOBIN, 10.0, None), (HAEMOGLOBIN, 9.9, 2), (HAEMOGLOBIN, 8.0, 2), (HAEMOGLOBIN, 7.9, 3),
])
def test_ctcae_grade_bands(count, value, grade):
    assert count.grade(value) == grade


@pytest.mark.parametrize(("value", "severity"), [(25.0, "warning"), (24.9, "urgent")])
def test_new_thrombocytopenia_below_25_is_urgent(value, severity):
    alert = rule_new_thrombocytopenia(labs("platelets", 180, value))
    assert alert.severity == severity and alert.code == "new_thrombocytopenia"


@pytest.mark.parametrize(("value", "severity"), [(1.0, "warning"), (0.99, "warning"), (0.5, "warning"),
                                                 (0.49, "urgent")])
def test_neutropenia_below_0_5_is_urgent(value, severity):
    alert = rule_neutropenia(labs("neutrophils", 4.0, value))
    assert alert.code == "neutropenia" and alert.severity == severity


@pytest.mark.parametrize(("value", "fires"), [(1.51, False), (1.5, False), (1.49, True)])
def test_neutropenia_threshold(value, fires):
    assert (rule_neutropenia(labs("neutrophils", value)) is not None) is fires


@pytest.mark.parametrize(("value", "fires"), [(10.1, False), (10.0, False), (9.9, True)])
def test_anaemia_threshold(value, fires):
    alert = rule_anaemia(labs("hemoglobin", 13.0, value))
    assert (alert is not None) is fires
    if fires:
        assert alert.evidence["ctcae_grade"] == 2 and alert.severity == "warning"


def test_present_state_alerts_change_message_and_severity_when_they_deepen():
    # the clinic's refresh_alerts saves a row whose severity or message changed
    g2 = rule_neutropenia(labs("neutrophils", 4.0, 1.2))
    g2_again = rule_neutropenia(labs("neutrophils", 4.0, 1.2, 1.1))
    g4 = rule_neutropenia(labs("neutrophils", 4.0, 1.2, 0.4))
    assert "grade 2" in g2.message and "grade 4" in g4.message
    assert g4.severity == "urgent" and g2.severity == "warning"
    assert g2_again.message != g2.message  # the new value is shown
    assert rule_anaemia(labs("hemoglobin", 12, 9.0, 7.5)).evidence["ctcae_grade"] == 3


def test_a_known_cytopenia_that_falls_to_a_deeper_grade_re_alerts():
    # new_thrombocytopenia fires once; the next lower result is "worsening", not silence
    assert rule_new_thrombocytopenia(labs("platelets", 180, 90)) is not None
    assert rule_new_thrombocytopenia(labs("platelets", 180, 90, 60)) is None
    alert = rule_cytopenia_worsening(labs("platelets", 180, 90, 60))
    assert alert is not None and alert.severity == "warning"
    assert alert.evidence["counts"][0]["ctcae_grade"] == 2 and alert.evidence["counts"][0]["onset_grade"] == 1
    deeper = rule_cytopenia_worsening(labs("platelets", 180, 90, 60, 24))
    assert deeper.severity == "urgent" and deeper.message != alert.message
    assert "grade 4" in deeper.message


@pytest.mark.parametrize(("values", "fires"), [
    ((180, 90, 80), False),   # same grade (1): not worse
    ((180, 90, 75), False),   # 75 still grade 1: the band's bound
    ((180, 90, 74.9), True),  # grade 2
    ((180, 30, 20), True),    # grade 3 -> 4, urgent
    ((180, 20, 18), True),    # stays at grade 4: stays urgent
    ((180, 20, 120), False),  # recovered
    ((180, 60, 90), False),   # better than at onset
])
def test_cytopenia_worsening_edges(values, fires):
    assert (rule_cytopenia_worsening(labs("platelets", *values)) is not None) is fires


def test_worsening_is_counted_from_the_start_of_the_current_run():
    # an earlier episode (grade 3) that recovered does not make a later grade-1 run "worse"
    assert rule_cytopenia_worsening(labs("platelets", 40, 150, 90, 85)) is None
    assert rule_cytopenia_worsening(labs("platelets", 40, 150, 90, 70)) is not None


def test_several_worsening_counts_share_one_alert():
    ctx = PatientContext(today=TODAY, labs=(
        LabResult("wbc", 2.5, date(2026, 4, 1)), LabResult("wbc", 0.9, date(2026, 5, 1)),
        LabResult("hemoglobin", 9.5, date(2026, 4, 1)), LabResult("hemoglobin", 7.8, date(2026, 5, 1))))
    alert = rule_cytopenia_worsening(ctx)
    assert {c["test"] for c in alert.evidence["counts"]} == {"wbc", "hemoglobin"}
    assert alert.severity == "urgent"  # leukocytes < 1.0: grade 4
    assert len([a for a in evaluate(ctx) if a.code == "cytopenia_worsening"]) == 1


def test_new_leukopenia_grade_and_urgency():
    assert rule_new_leukopenia(labs("wbc", 6, 2.5)).evidence["ctcae_grade"] == 2
    assert rule_new_leukopenia(labs("wbc", 6, 0.9)).severity == "urgent"


def test_counts_in_other_units_from_the_document():
    doc = {"today": "2026-06-01", "labs": [
        {"test": "neutrophils", "value": 4000, "unit": "/uL", "date": "2026-05-01"},
        {"test": "neutrophils", "value": 490, "unit": "/uL", "date": "2026-05-20"},
        {"test": "hemoglobin", "value": 79, "unit": "g/L", "date": "2026-05-20"}]}
    ctx = PatientContext.from_dict(doc)
    assert rule_neutropenia(ctx).severity == "urgent"
    assert rule_anaemia(ctx).evidence["ctcae_grade"] == 3


# -- 6. chloroquine ---------------------------------------------------------------------------------

def cq(dose: float, **kw) -> Med:
    return Med("chloroquine", date(2025, 1, 1), dose, **kw)


@pytest.mark.parametrize(("dose", "fires"), [(137.4, False), (138.0, False), (138.6, True)])
def test_chloroquine_cap_2_3_mg_kg_real_weight(dose, fires):
    # 60 kg: 138 mg/day = 2.30 mg/kg/day exactly (allowed); 138.6 = 2.31
    c = PatientContext(today=TODAY, weight_kg=60, weight_date=date(2026, 5, 1), medications=(cq(dose),))
    alert = rule_chloroquine_dose_above_cap(c)
    assert (alert is not None) is fires
    if fires:
        assert alert.code == "chloroquine_dose_above_cap" and alert.evidence["limit_mg_per_kg_day"] == 2.3
    assert rule_hcq_dose_above_cap(c) is None


def test_chloroquine_gets_the_retinal_screening_schedule_and_no_start_hcq_advice():
    c = PatientContext(today=date(2026, 1, 1), weight_kg=60, medications=(cq(125),))
    due = rule_hcq_retinal_screening_due(c)
    assert due is not None and due.evidence["schedule"] == "baseline" and "chloroquine" in due.message
    assert due.due_date == date(2026, 1, 1)  # 1st anniversary of the first chloroquine course
    day_before = PatientContext(today=date(2025, 12, 31), weight_kg=60, medications=(cq(125),))
    assert rule_hcq_retinal_screening_due(day_before) is None
    assert rule_hcq_not_prescribed(c) is None
    assert rule_hcq_not_prescribed(PatientContext(today=TODAY)) is not None


def test_chloroquine_above_cap_is_a_screening_risk_factor():
    c = PatientContext(today=date(2027, 1, 2), weight_kg=50, eye_exams=(date(2026, 1, 2),),
                       medications=(cq(150),))  # 3 mg/kg/day
    assert "chloroquine_dose_above_2_3_mg_kg" in rule_hcq_retinal_screening_due(c).evidence["risk_factors"]


def test_chloroquine_without_weight_says_the_check_cannot_run():
    alert = rule_hcq_weight_missing(PatientContext(today=TODAY, medications=(cq(150),)))
    assert alert is not None and "chloroquine" in alert.message


# -- 7. the 24-hour urine protein -----------------------------------------------------------------

@pytest.mark.parametrize(("value", "fires"), [(0.49, False), (0.5, True), (0.51, True)])
def test_24h_urine_protein_threshold(value, fires):
    alert = rule_proteinuria_workup(labs("urine_protein_24h", 0.1, value))
    assert (alert is not None) is fires
    if fires:
        assert alert.evidence["test"] == "urine_protein_24h" and "24-hour" in alert.message


def test_24h_protein_and_upcr_are_one_timeline():
    ctx = PatientContext(today=TODAY, labs=(LabResult("upcr", 0.8, date(2026, 4, 1)),
                                            LabResult("urine_protein_24h", 1.1, date(2026, 5, 1))))
    assert rule_proteinuria_workup(ctx).evidence["change"] == "rising"
    falling = PatientContext(today=TODAY, labs=(LabResult("upcr", 0.8, date(2026, 4, 1)),
                                                LabResult("urine_protein_24h", 0.7, date(2026, 5, 1))))
    assert rule_proteinuria_workup(falling) is None


def test_24h_protein_in_mg_per_day_from_the_document():
    doc = {"today": "2026-06-01", "labs": [{"test": "urine_protein_24h", "value": 500,
                                            "unit": "mg/d", "date": "2026-05-01"}]}
    assert rule_proteinuria_workup(PatientContext.from_dict(doc)) is not None


# -- 8. a current weight for the dose check -----------------------------------------------------

def hcq_ctx(weight_date: date | None, dose: float = 400, config_today: date = TODAY) -> PatientContext:
    return PatientContext(today=config_today, weight_kg=70, weight_date=weight_date,
                          medications=(Med("hydroxychloroquine", date(2020, 1, 1), dose),))


def test_a_weight_exactly_12_months_old_is_used_and_one_day_older_is_stale():
    # 400 mg at 70 kg = 5.71 mg/kg/day
    fresh = hcq_ctx(date(2025, 6, 1))
    assert rule_hcq_dose_above_cap(fresh) is not None
    assert rule_antimalarial_weight_stale(fresh) is None
    stale = hcq_ctx(date(2025, 5, 31))
    assert rule_hcq_dose_above_cap(stale) is None
    alert = rule_antimalarial_weight_stale(stale)
    assert alert is not None and alert.severity == "warning"  # above the cap at the old weight
    assert "more than 12 months old" in alert.message
    assert alert.evidence["above_cap_at_stale_weight"] == ["hydroxychloroquine"]


def test_stale_weight_within_cap_is_info_and_the_age_is_configurable():
    stale = hcq_ctx(date(2025, 5, 31), dose=200)
    assert rule_antimalarial_weight_stale(stale).severity == "info"
    longer = RuleConfig(weight_max_age_months=24)
    assert rule_antimalarial_weight_stale(stale, longer) is None
    assert rule_hcq_dose_above_cap(hcq_ctx(date(2025, 5, 31)), longer) is not None
    with pytest.raises(InputError) as err:
        RuleConfig(weight_max_age_months=0)
    assert err.value.field == "weight_max_age_months"


def test_an_undated_weight_is_used_and_says_so():
    alert = rule_hcq_dose_above_cap(hcq_ctx(None))
    assert alert is not None and "date of the weight not recorded" in alert.message
    assert alert.evidence["weight_status"] == "undated"


def test_a_weight_dated_after_today_is_not_yet_known():
    assert rule_hcq_weight_missing(hcq_ctx(date(2026, 6, 2))) is not None
    assert rule_hcq_dose_above_cap(hcq_ctx(date(2026, 6, 2))) is None
