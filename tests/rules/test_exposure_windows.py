"""Issue 11 items 1-4: IV pulses count as exposure, teratogen washout windows, the complete
teratogen list, and fever on immunosuppression (pulses, B-cell depletion, leflunomide, cell
therapy), each tested on the window's last day and the day after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lupuscare.dates import add_months
from lupuscare.rules import DiaryRedFlag as Flag
from lupuscare.rules import MedicationCourse as Med
from lupuscare.rules import PatientContext, evaluate
from lupuscare.rules.context import CellTherapyInfusion
from lupuscare.rules.exposure import TERATOGEN_WASHOUT
from lupuscare.rules.pregnancy import (
    TERATOGENS,
    rule_teratogen_washout,
    rule_teratogen_without_contraception,
)
from lupuscare.rules.red_flags import IMMUNOSUPPRESSANTS, rule_red_flag_fever_on_immunosuppressants

DAY = timedelta(days=1)
STOP = date(2026, 3, 10)


def woman(today: date, *meds: Med, **kw) -> PatientContext:
    return PatientContext(today=today, sex="female", can_become_pregnant=True, medications=meds, **kw)


def pulse(drug: str, day: date) -> Med:
    return Med(drug, day, None, stop=day, pulse=True, route="iv")


# -- 4. the complete teratogen list ---------------------------------------------------------------

def test_teratogen_list_is_acr_2020_plus_lenalidomide():
    assert {"mycophenolate_mofetil", "mycophenolic_acid", "methotrexate",
                          "cyclophosphamide", "leflunomide", "thalidomide", "lenalidomide"} == TERATOGENS
    assert set(TERATOGEN_WASHOUT) == TERATOGENS
    assert all(w.source and w.certainty for w in TERATOGEN_WASHOUT.values())


@pytest.mark.parametrize("drug", sorted(TERATOGENS))
def test_every_teratogen_raises_the_contraception_alert(drug):
    alert = rule_teratogen_without_contraception(woman(STOP, Med(drug, date(2026, 1, 1), 10)))
    assert alert is not None and alert.evidence["drugs"] == [drug]


# -- 1. a pulse is exposure --------------------------------------------------------------------

def test_an_iv_cyclophosphamide_pulse_is_seen_by_the_teratogen_rule_on_its_day():
    ctx = woman(STOP, pulse("cyclophosphamide", STOP))
    assert rule_teratogen_without_contraception(ctx).evidence["drugs"] == ["cyclophosphamide"]
    # the next day the drug is in its washout, not "invisible"
    washout = rule_teratogen_washout(woman(STOP + DAY, pulse("cyclophosphamide", STOP)))
    assert washout is not None and washout.evidence["drugs"] == ["cyclophosphamide"]


def test_a_pulse_series_is_active_from_first_to_last_infusion():
    series = Med("cyclophosphamide", date(2026, 1, 1), None, stop=STOP, pulse=True, route="iv")
    between = woman(date(2026, 2, 1), series)
    assert rule_teratogen_without_contraception(between) is not None
    assert rule_teratogen_washout(between) is None


def test_a_pulse_from_the_json_document_by_its_date():
    doc = {"today": "2026-03-11", "sex": "female", "can_become_pregnant": True,
           "medications": [{"drug": "cyclophosphamide", "pulse": True, "date": "2026-03-10",
                            "daily_dose_mg": None, "route": "iv"}]}
    codes = {a.code for a in evaluate(PatientContext.from_dict(doc))}
    assert "teratogen_washout" in codes


# -- 3. washout windows: last day fires, the day after does not ----------------------------------

@pytest.mark.parametrize(("drug", "last_day"), [
    ("mycophenolate_mofetil", STOP + timedelta(days=42)),
    ("mycophenolic_acid", STOP + timedelta(days=42)),
    ("methotrexate", add_months(STOP, 6)),
    ("cyclophosphamide", add_months(STOP, 12)),
    ("thalidomide", STOP + timedelta(days=28)),
    ("lenalidomide", STOP + timedelta(days=28)),
])
def test_washout_window_edges(drug, last_day):
    course = Med(drug, date(2025, 1, 1), 10, stop=STOP)
    assert rule_teratogen_without_contraception(woman(STOP, course)) is not None  # last dose day
    assert rule_teratogen_washout(woman(STOP, course)) is None
    first = rule_teratogen_washout(woman(STOP + DAY, course))
    assert first is not None and first.evidence["washouts"][drug]["at_risk_until"] == last_day
    assert rule_teratogen_washout(woman(last_day, course)) is not None
    assert rule_teratogen_washout(woman(last_day - DAY, course)) is not None
    assert rule_teratogen_washout(woman(last_day + DAY, course)) is None
    # and the original alert is not on during the washout (one alert, the right one)
    assert rule_teratogen_without_contraception(woman(STOP + DAY, course)) is None


def test_mycophenolate_six_weeks_is_42_days():
    course = Med("mycophenolate_mofetil", date(2025, 1, 1), 2000, stop=date(2026, 1, 31))
    assert rule_teratogen_washout(woman(date(2026, 3, 14), course)) is not None  # day 42
    assert rule_teratogen_washout(woman(date(2026, 3, 15), course)) is None  # day 43


def test_leflunomide_stays_on_until_a_documented_washout():
    stopped = Med("leflunomide", date(2024, 1, 1), 20, stop=STOP)
    assert rule_teratogen_washout(woman(date(2028, 3, 10), stopped)) is not None  # years later
    washed = Med("leflunomide", date(2024, 1, 1), 20, stop=STOP, washout_completed=date(2026, 4, 20))
    assert rule_teratogen_washout(woman(date(2026, 4, 19), washed)) is not None
    assert rule_teratogen_washout(woman(date(2026, 4, 20), washed)) is None
    alert = rule_teratogen_washout(woman(date(2026, 4, 1), stopped))
    assert "until a washout is documented" in alert.message
    assert alert.evidence["washouts"]["leflunomide"]["at_risk_until"] is None


def test_washout_respects_contraception_sex_and_pregnancy_potential():
    course = Med("methotrexate", date(2025, 1, 1), 2.5, stop=STOP)
    day = STOP + timedelta(days=10)
    assert rule_teratogen_washout(PatientContext(today=day, sex="female", medications=(course,))) is not None
    assert rule_teratogen_washout(woman(day, course, contraception_recorded=True)) is None
    assert rule_teratogen_washout(PatientContext(today=day, sex="male", medications=(course,))) is None
    assert rule_teratogen_washout(PatientContext(today=day, sex="female", can_become_pregnant=False,
                                                 medications=(course,))) is None


def test_a_restarted_teratogen_is_active_not_washout():
    old = Med("methotrexate", date(2025, 1, 1), 2.5, stop=STOP)
    new = Med("methotrexate", STOP + timedelta(days=20), 2.5)
    ctx = woman(STOP + timedelta(days=30), old, new)
    assert rule_teratogen_washout(ctx) is None
    assert rule_teratogen_without_contraception(ctx) is not None


def test_washout_uses_the_latest_stop_of_a_drug():
    a = Med("mycophenolate_mofetil", date(2025, 1, 1), 2000, stop=date(2025, 6, 1))
    b = Med("mycophenolate_mofetil", date(2025, 9, 1), 2000, stop=STOP)
    assert rule_teratogen_washout(woman(STOP + timedelta(days=42), a, b)) is not None


# -- 2. fever on immunosuppression ----------------------------------------------------------------

def fever(today: date, *meds: Med, **kw) -> PatientContext:
    return PatientContext(today=today, medications=meds, diary_red_flags=(Flag("fever", today),), **kw)


def test_the_fever_drug_list_comes_from_the_vocabulary_classes():
    from lupuscare.clinical.vocabulary import drugs_of_class
    assert (drugs_of_class("immunosuppressant") | drugs_of_class("biologic")
                                  | drugs_of_class("glucocorticoid")) == IMMUNOSUPPRESSANTS
    assert {"leflunomide", "rituximab", "obinutuzumab", "methylprednisolone"} <= IMMUNOSUPPRESSANTS
    assert not {"hydroxychloroquine", "thalidomide", "ibuprofen"} & IMMUNOSUPPRESSANTS


def test_fever_on_leflunomide_is_urgent():
    alert = rule_red_flag_fever_on_immunosuppressants(fever(STOP, Med("leflunomide", date(2025, 1, 1), 20)))
    assert alert is not None and alert.severity == "urgent" and alert.evidence["drugs"] == ["leflunomide"]


@pytest.mark.parametrize("drug", ["cyclophosphamide", "methylprednisolone", "rituximab"])
def test_fever_after_a_pulse_counts_for_the_drugs_window(drug):
    """28 days after a pulse; for rituximab its B-cell window (12 months) is the longer one."""
    p = pulse(drug, STOP)
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP, p)) is not None  # pulse day
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP + timedelta(days=28), p)) is not None
    last_day_for = STOP + timedelta(days=28) if drug != "rituximab" else add_months(STOP, 12)
    assert rule_red_flag_fever_on_immunosuppressants(fever(last_day_for, p)) is not None
    assert rule_red_flag_fever_on_immunosuppressants(fever(last_day_for + DAY, p)) is None
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP - DAY, p)) is None  # before it


@pytest.mark.parametrize("drug", ["rituximab", "obinutuzumab"])
def test_fever_after_b_cell_depletion_counts_for_12_months_after_the_last_dose(drug):
    course = Med(drug, date(2025, 9, 1), 0, stop=STOP)
    last = add_months(STOP, 12)
    alert = rule_red_flag_fever_on_immunosuppressants(fever(last, course))
    assert alert is not None and drug in alert.message
    assert rule_red_flag_fever_on_immunosuppressants(fever(last + DAY, course)) is None


def test_a_stopped_oral_immunosuppressant_counts_only_while_taken():
    course = Med("azathioprine", date(2025, 1, 1), 100, stop=STOP)
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP, course)) is not None
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP + DAY, course)) is None


@pytest.mark.parametrize("product", ["msc", "car_t", "other"])
def test_fever_after_a_cell_therapy_infusion_counts_for_12_months(product):
    infused = (CellTherapyInfusion(product, STOP),)
    last = add_months(STOP, 12)
    alert = rule_red_flag_fever_on_immunosuppressants(fever(last, cell_therapy=infused))
    assert alert is not None and "cell therapy" in alert.message
    assert rule_red_flag_fever_on_immunosuppressants(fever(last + DAY, cell_therapy=infused)) is None
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP - DAY, cell_therapy=infused)) is None


def test_a_topical_glucocorticoid_does_not_count_and_an_oral_one_does():
    topical = Med("betamethasone", date(2025, 1, 1), 1, route="topical")
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP, topical)) is None
    assert rule_red_flag_fever_on_immunosuppressants(fever(STOP, Med("prednisone", date(2025, 1, 1), 2.5)))
