"""SLE-DAS: the computed vectors of clinical-instruments.md 2.4, thresholds, categories."""

from __future__ import annotations

import math

import pytest

from lupuscare.errors import MissingInputError
from lupuscare.instruments.sle_das import UNVERIFIED_WARNING, category, score


def lab(test, value, unit, **kw):
    return {"test": test, "value": value, "unit": unit, **kw}


SERO = ["low_complement", "increased_dna_binding"]

# Spec section 2.4 (computed from the formula, not published vectors).
VECTORS = [
    ({"findings": []}, 0.37, "remission"),
    ({"findings": SERO}, 2.08, "remission"),
    ({"findings": ["alopecia"]}, 1.34, "remission"),
    ({"findings": ["rash_generalized"]}, 4.25, "mild"),
    ({"findings": [], "joints": {"swollen_28": 2}}, 4.41, "mild"),
    ({"findings": [], "joints": {"swollen_28": 10}}, 8.04, "moderate_severe"),
    ({"labs": [lab("urine_protein_24h", 600, "mg/d")]}, 7.16, "mild"),
    ({"findings": SERO, "labs": [lab("urine_protein_24h", 1000, "mg/d")]}, 10.82, "moderate_severe"),
    ({"labs": [lab("urine_protein_24h", 3500, "mg/d")]}, 13.88, "moderate_severe"),
    ({"labs": [lab("platelets", 100, "10*9/L")]}, 0.37, "remission"),
    ({"labs": [lab("platelets", 99, "10*9/L")]}, 0.84, "remission"),
    ({"labs": [lab("platelets", 50, "10*9/L")]}, 4.65, "mild"),
    ({"labs": [lab("wbc", 2.0, "10*9/L")]}, 2.98, "mild"),
    ({"findings": ["pleurisy"]}, 6.37, "mild"),
    ({"findings": ["seizure"]}, 18.37, "moderate_severe"),
]


@pytest.mark.parametrize(("doc", "expected", "cat"), VECTORS)
def test_spec_vectors(doc, expected, cat):
    r = score(doc)
    assert r["score"] == expected
    assert r["category"] == cat
    assert UNVERIFIED_WARNING in r.warnings, "every result says the coefficients are unverified"


def test_serology_alone_sits_exactly_on_the_remission_cutoff():
    r = score({"findings": SERO})
    assert r["score_unrounded"] == pytest.approx(2.076)
    assert r["category"] == "remission"


@pytest.mark.parametrize(("value", "cat"), [
    (2.07, "remission"), (2.08, "remission"), (2.09, "mild"),
    (7.63, "mild"), (7.64, "mild"), (7.65, "moderate_severe"),
])
def test_category_cutoffs(value, cat):
    assert category(value) == cat


def test_severe_cutoff_above_9_90():
    assert score({"findings": ["generalized_rash"] if False else ["rash_generalized", "mucosal_ulcers"],
                  "joints": {"swollen_28": 0}})["severe"] is False  # 0.366+3.887+2.769 = 7.02
    # 0.366 + 3.132 + 0.454*14 = 9.854 -> 9.85 not severe; 15 joints -> 10.31 severe
    assert score({"findings": [], "joints": {"swollen_28": 14}})["severe"] is False
    assert score({"findings": [], "joints": {"swollen_28": 15}})["severe"] is True


@pytest.mark.parametrize("unit_value", [("mg/g", 500), ("g/g", 0.5), ("mg/mmol", 56.56)])
def test_proteinuria_at_500_adds_nothing_above_adds_the_log_term(unit_value):
    unit, at = unit_value
    assert score({"labs": [lab("upcr", at, unit)]})["score"] == 0.37
    above = score({"labs": [lab("upcr", 501, "mg/g")]})
    assert above["score_unrounded"] == pytest.approx(0.366 - 17.584 + 3.811 * math.log(501))


def test_platelets_and_wbc_boundaries_in_other_units():
    assert score({"labs": [lab("platelets", 100_000, "/uL")]})["score"] == 0.37
    assert score({"labs": [lab("platelets", 99_000, "/uL")]})["score"] == 0.84
    assert score({"labs": [lab("wbc", 3000, "/uL")]})["score"] == 0.37
    r = score({"labs": [lab("wbc", 2900, "/uL")]})
    assert r["score_unrounded"] == pytest.approx(0.366 + 6.118 - 5.058 * math.log(2.9))


def test_hypocomplementaemia_uses_c3_or_c4_not_ch50():
    assert score({"labs": [lab("ch50", 10, "U/mL", low=30)]})["score"] == 0.37
    assert score({"labs": [lab("c4", 0.05, "g/L", low=0.1)]})["score"] == pytest.approx(1.12)


def test_arthritis_needs_the_swollen_joint_count():
    with pytest.raises(MissingInputError) as e:
        score({"findings": ["arthritis"]})
    assert e.value.field == "joints.swollen_28"
    r = score({"findings": []})
    assert any("28-joint" in w for w in r.warnings)


def test_attested_cytopenia_without_a_count_is_missing_input():
    with pytest.raises(MissingInputError):
        score({"findings": ["thrombocytopenia"]})
    with pytest.raises(MissingInputError):
        score({"findings": ["proteinuria"]})


def test_not_attributable_removes_continuous_terms():
    doc = {"labs": [lab("platelets", 50, "10*9/L")], "not_attributable": ["thrombocytopenia"]}
    assert score(doc)["score"] == 0.37


def test_explanation_names_each_term_and_source():
    r = score({"findings": ["alopecia"], "joints": {"swollen_28": 3},
               "labs": [lab("platelets", 50, "10*9/L")]})
    items = {e.item: e.source for e in r.explanation}
    assert items["alopecia"] == "finding:alopecia"
    assert items["arthritis"] == "input:joints.swollen_28=3"
    assert items["thrombocytopenia"].startswith("lab:platelets=50")
    assert "unverified" in r.version


# Jesus 2019 Table 1 / sle-das.eu: localized = "only above the neck"; generalized = "below the
# neck (with or without rash above the neck)". The two items cannot both score.
@pytest.mark.parametrize(("findings", "expected", "items"), [
    (["rash_localized"], 0.366 + 3.138, {"localized_rash"}),
    (["rash_generalized"], 0.366 + 3.887, {"generalized_rash"}),
    (["rash_localized", "rash_generalized"], 0.366 + 3.887, {"generalized_rash"}),
])
def test_localized_and_generalized_rash_never_both_score(findings, expected, items):
    r = score({"findings": findings})
    assert r["score_unrounded"] == pytest.approx(expected)
    scored = {t.item for t in r.explanation} & {"localized_rash", "generalized_rash"}
    assert scored == items
    both = len(findings) == 2
    assert any("scored as generalized rash only" in w for w in r.warnings) is both


def test_generalized_rash_not_attributable_lets_the_localized_rash_score():
    r = score({"findings": ["rash_localized", "rash_generalized"],
               "not_attributable": ["rash_generalized"]})
    assert r["score_unrounded"] == pytest.approx(0.366 + 3.138)
    assert not any("scored as generalized rash only" in w for w in r.warnings)


def test_a_platelet_count_of_zero_is_refused_not_a_crash():
    import pytest as _pytest

    from lupuscare.errors import InputError
    from lupuscare.instruments.registry import score

    doc = {"findings": ["thrombocytopenia"],
           "labs": [{"test": "platelets", "value": 0, "unit": "10*9/L"}]}
    with _pytest.raises(InputError, match="cannot score a thrombocytopenia count of 0"):
        score("sle-das", doc)
    doc["labs"][0]["value"] = 0.5  # the smallest positive counts still score
    assert score("sle-das", doc).values["score"] > 0
