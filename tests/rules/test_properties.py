"""Properties of the rules over many generated records (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.errors import InputError
from lupuscare.rules import MedicationCourse as Med
from lupuscare.rules import PatientContext, evaluate
from lupuscare.rules.context import LabResult
from lupuscare.rules.glucocorticoids import rule_glucocorticoid_above_target
from lupuscare.rules.hydroxychloroquine import rule_hcq_dose_above_cap
from lupuscare.rules.renal import rule_egfr_fall

TODAY = date(2026, 6, 1)
doses = st.floats(min_value=0, max_value=1200, allow_nan=False)
weights = st.floats(min_value=20, max_value=250, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(doses, weights)
def test_hcq_alert_exactly_when_above_five_mg_per_kg(dose, weight):
    c = PatientContext(today=TODAY, weight_kg=weight, medications=(Med("hydroxychloroquine", date(2020, 1, 1), dose),))
    assert (rule_hcq_dose_above_cap(c) is not None) == (dose / weight > 5.0)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=60, allow_nan=False), st.integers(min_value=0, max_value=400))
def test_glucocorticoid_alert_needs_both_dose_and_duration(dose, days_ago):
    start = TODAY - timedelta(days=days_ago)
    c = PatientContext(today=TODAY, medications=(Med("prednisone", start, dose),))
    six_months_ago = date(2025, 12, 1)
    assert (rule_glucocorticoid_above_target(c) is not None) == (dose > 5 and start < six_months_ago)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=5, max_value=150, allow_nan=False), st.floats(min_value=5, max_value=150, allow_nan=False))
def test_egfr_alert_matches_the_percentage(baseline, latest):
    labs = (LabResult("egfr", baseline, date(2026, 1, 1)), LabResult("egfr", latest, date(2026, 5, 1)))
    fall = round((baseline - latest) / baseline * 100, 9)
    assert (rule_egfr_fall(PatientContext(today=TODAY, labs=labs)) is not None) == (fall >= 25.0)


drugs = st.sampled_from(["prednisone", "hydroxychloroquine", "mycophenolate_mofetil", "azathioprine",
                         "methylprednisolone", "tamoxifen", "rituximab"])
courses = st.builds(lambda drug, start, dose, length: Med(drug, TODAY - timedelta(days=start), dose,
                                                           stop=None if length is None else TODAY - timedelta(days=start) + timedelta(days=length)),
                    drugs, st.integers(0, 4000), st.floats(0, 2000, allow_nan=False),
                    st.one_of(st.none(), st.integers(0, 1000)))
labs = st.builds(lambda test, value, ago: LabResult(test, value, TODAY - timedelta(days=ago)),
                 st.sampled_from(["upcr", "egfr", "platelets", "wbc"]), st.floats(0.01, 500, allow_nan=False),
                 st.integers(0, 800))


@settings(max_examples=150, deadline=None)
@given(st.lists(courses, max_size=6), st.lists(labs, max_size=8),
       st.one_of(st.none(), weights), st.sampled_from([None, True, False]))
def test_evaluate_never_fails_and_every_alert_is_complete(meds, lab_list, weight, pregnant):
    alerts = evaluate(PatientContext(today=TODAY, weight_kg=weight, medications=tuple(meds),
                                     labs=tuple(lab_list), can_become_pregnant=pregnant, sex="female"))
    for a in alerts:
        d = a.to_dict()
        assert d["severity"] in ("info", "warning", "urgent")
        assert a.message and a.citation and a.certainty
    assert len({a.code for a in alerts}) == len(alerts)


def test_risk_factor_flags_must_be_booleans():
    with pytest.raises(InputError) as e:
        PatientContext.from_dict({"today": "2026-01-01", "hcq_risk_factors": {"tamoxifen": "yes"}})
    assert e.value.field == "hcq_risk_factors.tamoxifen"
