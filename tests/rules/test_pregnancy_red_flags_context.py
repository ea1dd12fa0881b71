"""Pregnancy, diary red-flag rules, and input validation."""

from __future__ import annotations

from datetime import date

import pytest

from lupuscare.errors import InputError
from lupuscare.rules import DiaryRedFlag as Flag
from lupuscare.rules import MedicationCourse as Med
from lupuscare.rules import PatientContext, RuleConfig, evaluate
from lupuscare.rules.pregnancy import rule_teratogen_without_contraception
from lupuscare.rules.red_flags import (
    rule_red_flag_chest_pain,
    rule_red_flag_fever_on_immunosuppressants,
    rule_red_flag_foamy_urine_swollen_legs,
    rule_red_flag_seizure,
    rule_red_flag_shortness_of_breath,
)

TODAY = date(2026, 5, 20)


@pytest.mark.parametrize("drug", ["mycophenolate_mofetil", "mycophenolic_acid", "cyclophosphamide", "methotrexate"])
def test_teratogen_without_contraception(drug):
    meds = (Med(drug, date(2026, 1, 1), 10),)
    base = {"today": TODAY, "medications": meds}
    assert rule_teratogen_without_contraception(PatientContext(can_become_pregnant=True, **base)) is not None
    assert rule_teratogen_without_contraception(PatientContext(can_become_pregnant=True,
                                                               contraception_recorded=True, **base)) is None
    assert rule_teratogen_without_contraception(PatientContext(can_become_pregnant=False, sex="female", **base)) is None
    # not recorded: a woman is asked about, a man is not
    assert rule_teratogen_without_contraception(PatientContext(sex="female", **base)) is not None
    assert rule_teratogen_without_contraception(PatientContext(sex="male", **base)) is None


def test_azathioprine_is_not_on_the_teratogen_list():
    meds = (Med("azathioprine", date(2026, 1, 1), 100),)
    assert rule_teratogen_without_contraception(PatientContext(today=TODAY, can_become_pregnant=True,
                                                               medications=meds)) is None


@pytest.mark.parametrize(("rule", "flag"), [
    (rule_red_flag_chest_pain, "chest_pain_breathing"),
    (rule_red_flag_shortness_of_breath, "shortness_of_breath"),
    (rule_red_flag_seizure, "seizure"),
])
@pytest.mark.parametrize(("days_ago", "fires"), [(0, True), (6, True), (7, False)])
def test_single_red_flags_are_urgent_within_the_window(rule, flag, days_ago, fires):
    when = date.fromordinal(TODAY.toordinal() - days_ago)
    alert = rule(PatientContext(today=TODAY, diary_red_flags=(Flag(flag, when),)))
    assert (alert is not None) is fires
    if fires:
        assert alert.severity == "urgent"


def test_fever_is_urgent_only_on_immunosuppressants():
    flags = (Flag("fever", TODAY),)
    assert rule_red_flag_fever_on_immunosuppressants(PatientContext(today=TODAY, diary_red_flags=flags)) is None
    for drug, dose in (("azathioprine", 100), ("prednisone", 2.5), ("rituximab", 1)):
        c = PatientContext(today=TODAY, diary_red_flags=flags, medications=(Med(drug, date(2026, 1, 1), dose),))
        assert rule_red_flag_fever_on_immunosuppressants(c).severity == "urgent"
    hcq_only = PatientContext(today=TODAY, diary_red_flags=flags,
                              medications=(Med("hydroxychloroquine", date(2026, 1, 1), 200),))
    assert rule_red_flag_fever_on_immunosuppressants(hcq_only) is None


def test_foamy_urine_needs_swollen_legs_too():
    foamy = Flag("foamy_urine", TODAY)
    assert rule_red_flag_foamy_urine_swollen_legs(PatientContext(today=TODAY, diary_red_flags=(foamy,))) is None
    both = (foamy, Flag("swollen_legs", date(2026, 5, 16)))
    assert rule_red_flag_foamy_urine_swollen_legs(PatientContext(today=TODAY, diary_red_flags=both)).severity == "urgent"


def test_red_flag_window_is_configurable():
    c = PatientContext(today=TODAY, diary_red_flags=(Flag("seizure", date(2026, 5, 10)),))
    assert rule_red_flag_seizure(c) is None
    assert rule_red_flag_seizure(c, RuleConfig(red_flag_window_days=14)) is not None


def test_evaluate_puts_urgent_first():
    c = PatientContext(today=TODAY, diary_red_flags=(Flag("seizure", TODAY),))
    alerts = evaluate(c)
    assert alerts[0].code == "diary_seizure"
    assert "hcq_not_prescribed_no_reason" in {a.code for a in alerts}


# -- input validation -------------------------------------------------------------------------
@pytest.mark.parametrize(("doc", "field"), [
    ({}, "today"),
    ({"today": "2026-13-01"}, "today"),
    ({"today": "2026-01-01", "weight_kg": -3}, "weight_kg"),
    ({"today": "2026-01-01", "weight_kg": float("nan")}, "weight_kg"),
    ({"today": "2026-01-01", "medications": [{"drug": "prednisone", "daily_dose_mg": 5}]}, "medications[0].start"),
    ({"today": "2026-01-01", "medications": [{"drug": "Prednisone", "start": "2025-01-01", "daily_dose_mg": 5}]},
     "medications[0].drug"),
    ({"today": "2026-01-01", "medications": [{"drug": "prednisone", "start": "2025-01-01"}]},
     "medications[0].daily_dose_mg"),
    ({"today": "2026-01-01", "medications": [{"drug": "prednisone", "start": "2025-01-01", "daily_dose_mg": 5,
                                              "stop": "2024-01-01"}]}, "medications[0].stop"),
    ({"today": "2026-01-01", "labs": [{"test": "upcr", "value": "high", "date": "2025-01-01"}]}, "labs[0].value"),
    ({"today": "2026-01-01", "diary_red_flags": [{"flag": "headache", "date": "2025-01-01"}]},
     "diary_red_flags[0].flag"),
    ({"today": "2026-01-01", "hcq_risk_factors": {"age": True}}, "hcq_risk_factors"),
])
def test_bad_input_names_the_field(doc, field):
    with pytest.raises(InputError) as e:
        PatientContext.from_dict(doc)
    assert e.value.field == field


def test_from_dict_round_trip_and_alert_json():
    c = PatientContext.from_dict({
        "today": "2026-01-01", "weight_kg": 60, "sex": "female",
        "medications": [{"drug": "hydroxychloroquine", "start": "2020-01-01", "daily_dose_mg": 400}],
        "eye_exams": ["2020-02-01", "2025-01-01"],
    })
    alerts = {a.code: a.to_dict() for a in evaluate(c)}
    d = alerts["hcq_dose_above_5_mg_kg"]
    assert d["severity"] == "warning" and d["evidence"]["mg_per_kg_day"] == 6.667
    assert alerts["hcq_retinal_screening_due"]["due_date"] == "2026-01-01"  # dose > 5 is a risk factor


def test_invalid_config():
    with pytest.raises(InputError):
        RuleConfig(gc_period_months=-1)
