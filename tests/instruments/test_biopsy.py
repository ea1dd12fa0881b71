"""Kidney biopsy: ISN/RPS class validation, NIH activity (0-24) and chronicity (0-12) indices."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.biopsy import (
    ACTIVITY_FEATURES,
    CHRONICITY_FEATURES,
    grade_from_percent,
    nih_activity_index,
    nih_chronicity_index,
    parse_isn_rps_class,
    score,
)
from lupuscare.instruments.eular_acr_2019 import score as eular


@pytest.mark.parametrize(("text", "normal"), [
    ("I", "I"), ("ii", "II"), ("III", "III"), ("IV", "IV"), ("V", "V"), ("VI", "VI"),
    ("III (A)", "III (A)"), ("III(A/C)", "III (A/C)"), ("IV-G (C)", "IV-G (C)"), ("IV-S", "IV-S"),
    ("III + V", "III + V"), ("V+IV (A)", "IV (A) + V"), ("Class IV", "IV"), ("IV (A / C)", "IV (A/C)"),
])
def test_valid_classes(text, normal):
    assert str(parse_isn_rps_class(text)) == normal


@pytest.mark.parametrize("text", ["VII", "0", "3", "III+IV", "II+V", "V+V", "III+V+IV", "II (A)",
                                  "V (C)", "III-G", "IV (B)", "", "IV-X", None, 4])
def test_invalid_classes(text):
    with pytest.raises(InputError) as err:
        parse_isn_rps_class(text)
    assert err.value.field == "class"


def test_eular_criterion_from_class_feeds_classification():
    assert parse_isn_rps_class("IV + V").classification_criteria() == (
        "lupus_nephritis_class_iii_or_iv", "lupus_nephritis_class_ii_or_v")
    assert parse_isn_rps_class("I").classification_criteria() == ()
    crit = list(parse_isn_rps_class("III (A)").classification_criteria())
    assert eular({"ana_titer": 160, "criteria": crit})["total"] == 10


@pytest.mark.parametrize(("percent", "grade"), [(0, 0), (0.1, 1), (24.9, 1), (25, 2), (50, 2),
                                                (50.1, 3), (100, 3)])
def test_grade_bands(percent, grade):
    assert grade_from_percent(percent) == grade


@pytest.mark.parametrize("bad", [-1, 100.1, "10", True, float("nan")])
def test_grade_rejects_bad_percent(bad):
    with pytest.raises(InputError):
        grade_from_percent(bad)


def test_weights_and_maxima():
    assert ACTIVITY_FEATURES["fibrinoid_necrosis"] == 2
    assert ACTIVITY_FEATURES["cellular_or_fibrocellular_crescents"] == 2
    assert sum(ACTIVITY_FEATURES.values()) * 3 == 24
    assert sum(CHRONICITY_FEATURES.values()) * 3 == 12
    assert nih_activity_index(dict.fromkeys(ACTIVITY_FEATURES, 3)) == 24
    assert nih_chronicity_index(dict.fromkeys(CHRONICITY_FEATURES, 3)) == 12


def test_worked_activity_index():
    features = {"endocapillary_hypercellularity": 2, "neutrophils_karyorrhexis": 1,
                "fibrinoid_necrosis": 1, "hyaline_deposits": 0,
                "cellular_or_fibrocellular_crescents": {"percent": 30},
                "interstitial_inflammation": 1}
    assert nih_activity_index(features) == 2 + 1 + 2 + 0 + 4 + 1


@pytest.mark.parametrize(("features", "field", "error"), [
    ({"fibrous_crescents": 1, "tubular_atrophy": 1, "interstitial_fibrosis": 1},
     "chronicity.total_glomerulosclerosis", MissingInputError),
    ({**dict.fromkeys(CHRONICITY_FEATURES, 1), "tubular_atrophy": 4}, "chronicity.tubular_atrophy", InputError),
    ({**dict.fromkeys(CHRONICITY_FEATURES, 1), "tubular_atrophy": 1.5}, "chronicity.tubular_atrophy", InputError),
    ({**dict.fromkeys(CHRONICITY_FEATURES, 1), "arteriosclerosis": 1}, "chronicity.arteriosclerosis", InputError),
    ({**dict.fromkeys(CHRONICITY_FEATURES, 1), "fibrous_crescents": {"percent": 120}},
     "chronicity.fibrous_crescents.percent", InputError),
])
def test_index_input_errors(features, field, error):
    with pytest.raises(error) as err:
        nih_chronicity_index(features)
    assert err.value.field == field


@settings(max_examples=100, deadline=None)
@given(grades=st.fixed_dictionaries({k: st.integers(0, 3) for k in ACTIVITY_FEATURES}))
def test_property_activity_index_in_range_and_weighted(grades):
    ai = nih_activity_index(grades)
    assert 0 <= ai <= 24
    assert ai == sum(grades.values()) + grades["fibrinoid_necrosis"] + grades[
        "cellular_or_fibrocellular_crescents"]


def test_score_result():
    doc = {"biopsy": {"date": "2025-02-03", "class": "IV (A) + V",
                      "activity": dict.fromkeys(ACTIVITY_FEATURES, 1),
                      "chronicity": dict.fromkeys(CHRONICITY_FEATURES, 0),
                      "glomeruli_affected_percent": 60}}
    r = score(doc)
    assert r["class"] == "IV (A) + V"
    assert (r["activity_index"], r["chronicity_index"]) == (8, 0)
    assert r["classification_criteria"][0] == "lupus_nephritis_class_iii_or_iv"
    assert any("replaced the A, A/C and C" in w for w in r.warnings)
    assert not score({"biopsy": {"class": "IV (A)", "revision": "2003"}}).warnings
    notes = {e.item: e.note for e in r.explanation}
    assert notes["fibrinoid_necrosis"] == "grade 1 x 2"


@pytest.mark.parametrize(("biopsy", "field"), [
    ({"class": "III", "glomeruli_affected_percent": 50}, "biopsy.glomeruli_affected_percent"),
    ({"class": "IV", "glomeruli_affected_percent": 49.9}, "biopsy.glomeruli_affected_percent"),
    ({"class": "VI", "glomeruli_globally_sclerosed_percent": 89}, "biopsy.glomeruli_globally_sclerosed_percent"),
    ({"class": "IV", "revision": "2019"}, "revision"),
    ({"class": "IV", "date": "2025-13-01"}, "biopsy.date"),
    ({"class": "IX"}, "biopsy.class"),
    ({"class": "IV", "activity": {"fibrinoid_necrosis": 1}}, "biopsy.activity.endocapillary_hypercellularity"),
])
def test_score_input_errors(biopsy, field):
    with pytest.raises(InputError) as err:
        score({"biopsy": biopsy})
    assert err.value.field == field


def test_extent_boundaries_accepted():
    assert score({"biopsy": {"class": "III", "glomeruli_affected_percent": 49.9}})["class"] == "III"
    assert score({"biopsy": {"class": "IV", "glomeruli_affected_percent": 50}})["class"] == "IV"
    assert score({"biopsy": {"class": "VI", "glomeruli_globally_sclerosed_percent": 90}})["class"] == "VI"


def test_missing_biopsy():
    with pytest.raises(MissingInputError) as err:
        score({})
    assert err.value.field == "biopsy"
