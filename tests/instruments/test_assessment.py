"""Parsing the assessment document: errors name the field path; impossible values refused."""

from __future__ import annotations

import pytest

from lupuscare.errors import InputError
from lupuscare.instruments.assessment import Assessment

CONTRACT_EXAMPLE = {
    "date": "2026-03-01",
    "patient": {"birth_date": "1990-05-01", "sex": "female", "weight_kg": 62.0},
    "window_days": 10,
    "findings": ["rash_generalized", "alopecia", "arthritis", "pleurisy"],
    "not_attributable": ["fever"],
    "joints": {"swollen_28": 4, "tender_28": 5},
    "pga": 1.2,
    "labs": [
        {"test": "upcr", "value": 850, "unit": "mg/g"},
        {"test": "c3", "value": 0.72, "unit": "g/L", "low": 0.9, "high": 1.8},
        {"test": "anti_dsdna", "value": 45, "unit": "[IU]/mL", "high": 10},
        {"test": "platelets", "value": 140, "unit": "10*9/L"},
        {"test": "temperature", "value": 37.2, "unit": "Cel"},
    ],
    "medications": [
        {"drug": "prednisone", "daily_dose_mg": 10},
        {"drug": "hydroxychloroquine", "daily_dose_mg": 400},
        {"drug": "mycophenolate_mofetil", "daily_dose_mg": 2000, "tolerated": True},
    ],
    "bilag": {"new_a": 0, "new_b": 1},
}


def test_contract_example_parses_with_previous_recursively():
    doc = dict(CONTRACT_EXAMPLE, previous=dict(CONTRACT_EXAMPLE, previous={"findings": []}))
    a = Assessment.from_document(doc)
    assert a.previous.previous.findings == []
    assert a.prednisone_equivalent_mg == 10
    assert set(a.active) == {"rash_generalized", "alopecia", "arthritis", "pleurisy", "proteinuria",
                             "low_complement", "increased_dna_binding"}


def error_field(doc) -> str:
    with pytest.raises(InputError) as e:
        Assessment.from_document(doc)
    return e.value.field


@pytest.mark.parametrize(("doc", "field"), [
    ({"findings": ["arthritis", "knee_pain"]}, "findings[1]"),
    ({"not_attributable": ["fevr"]}, "not_attributable[0]"),
    ({"labs": [{"test": "upcr", "value": 1, "unit": "g/g"}, {"test": "sodium", "value": 1, "unit": "mmol/L"}]}, "labs[1].test"),
    ({"labs": [{}, {}, {"test": "c3", "value": 1, "unit": "kg/L"}]}, "labs[0].test"),
    ({"labs": [{"test": "c3", "value": 1, "unit": "kg/L"}]}, "labs[0].unit"),
    ({"labs": [{"test": "platelets", "value": -5, "unit": "10*9/L"}]}, "labs[0].value"),
    ({"labs": [{"test": "platelets", "value": float("nan"), "unit": "10*9/L"}]}, "labs[0].value"),
    ({"labs": [{"test": "c3", "value": 1, "unit": "g/L", "low": -1}]}, "labs[0].low"),
    ({"medications": [{"drug": "Prednisone"}]}, "medications[0].drug"),
    ({"medications": [{"drug": "prednisone", "daily_dose_mg": -10}]}, "medications[0].daily_dose_mg"),
    ({"pga": 3.1}, "pga"),
    ({"pga": -0.1}, "pga"),
    ({"pga": 1.25}, "pga"),
    ({"pga": "high"}, "pga"),
    ({"joints": {"swollen_28": 29}}, "joints.swollen_28"),
    ({"joints": {"tender_28": -1}}, "joints.tender_28"),
    ({"window_days": 14}, "window_days"),
    ({"bilag": {"new_a": -1}}, "bilag.new_a"),
    ({"bilag_grades": {"renal": "F"}}, "bilag_grades.renal"),
    ({"bilag_grades": {"kidney": "A"}}, "bilag_grades.kidney"),
    ({"patient": {"weight_kg": 0}}, "patient.weight_kg"),
    ({"date": "2026-02-30"}, "date"),
    ({"previous": {"labs": [{"test": "wbc", "value": 1, "unit": "10*12/L"}]}}, "previous.labs[0].unit"),
])
def test_errors_name_the_field_path(doc, field):
    assert error_field(doc) == field


def test_document_must_be_an_object():
    assert error_field([1, 2]) == "document"


@pytest.mark.parametrize("pga", [0, 0.0, 0.5, 1.0, 2.5, 3, 3.0])
def test_pga_accepts_the_whole_scale(pga):
    assert Assessment.from_document({"pga": pga}).pga == pga


def test_joint_counts_accept_0_and_28():
    j = Assessment.from_document({"joints": {"swollen_28": 28, "tender_28": 0}}).joints
    assert (j.swollen_28, j.tender_28) == (28, 0)


def test_other_instruments_fields_are_ignored_and_their_criteria_accepted_as_not_attributable():
    a = Assessment.from_document({"criteria": ["anti_dsdna"], "ana_titer": 160,
                                  "not_attributable": ["acute_cutaneous_lupus"],
                                  "damage": [{"item": "cataract"}]})
    assert a.findings is None and not a.has_activity_input
