"""EULAR/ACR 2019: entry criterion, domain maximum, >= 10 with a clinical criterion, attribution."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.classification_vocabulary import CRITERIA
from lupuscare.instruments.eular_acr_2019 import DOMAINS, USED_NAMES, score
from lupuscare.instruments.registry import score as registry_score


def eular(criteria, ana=160, **extra):
    return score({"ana_titer": ana, "criteria": criteria, **extra})


def test_published_weights():
    weights = {c.name: c.weight for d in DOMAINS for c in d.criteria}
    assert weights == {
        "fever": 2, "leukopenia": 3, "thrombocytopenia": 4, "autoimmune_haemolysis": 4,
        "delirium": 2, "psychosis": 3, "seizure": 5, "non_scarring_alopecia": 2, "oral_ulcers": 2,
        "subacute_or_discoid_lupus": 4, "acute_cutaneous_lupus": 6,
        "pleural_or_pericardial_effusion": 5, "acute_pericarditis": 6, "joint_involvement": 6,
        "proteinuria": 4, "lupus_nephritis_class_ii_or_v": 8, "lupus_nephritis_class_iii_or_iv": 10,
        "antiphospholipid_antibodies": 2, "low_c3_or_low_c4": 3, "low_c3_and_low_c4": 4,
        "anti_dsdna_or_anti_sm": 6,
    }
    assert [d.name for d in DOMAINS if d.clinical] == [
        "constitutional", "haematologic", "neuropsychiatric", "mucocutaneous", "serosal",
        "musculoskeletal", "renal"]
    assert USED_NAMES.issubset(CRITERIA)


def test_e1_ana_negative_not_scored():
    r = eular(["lupus_nephritis_class_iii_or_iv", "acute_cutaneous_lupus", "anti_dsdna"], ana=None,
              ana_positive=False)
    assert (r["entry_criterion"], r["classified"], r["total"]) == (False, False, 0)


@pytest.mark.parametrize(("titer", "entry"), [(40, False), (79, False), (80, True), ("1:80", True),
                                              (160, True)])
def test_ana_entry_boundary(titer, entry):
    r = eular(["lupus_nephritis_class_iii_or_iv"], ana=titer)
    assert r["entry_criterion"] is entry
    assert r["classified"] is entry


def test_ana_positive_flag_meets_entry():
    r = score({"ana_positive": True, "criteria": ["lupus_nephritis_class_iii_or_iv"]})
    assert r["entry_criterion"] and r["classified"]


def test_e2_immunology_only_ten_points_not_classified():
    r = eular(["anti_dsdna", "low_c3", "low_c4"])
    assert r["total"] == 10
    assert r["classified"] is False
    assert any(e.item == "clinical_criterion" for e in r.explanation)


def test_e3_plus_oral_ulcers_classified():
    r = eular(["anti_dsdna", "low_c3", "low_c4", "oral_ulcers"])
    assert (r["total"], r["classified"]) == (12, True)


def test_e4_class_iv_nephritis_alone_classifies():
    r = eular(["lupus_nephritis_class_iii_or_iv"])
    assert (r["total"], r["classified"]) == (10, True)


def test_e5_domain_maximum_only():
    r = eular(["leukopenia", "thrombocytopenia", "autoimmune_haemolysis"])
    assert (r["total"], r["classified"]) == (4, False)
    assert r["domains"]["haematologic"] == 4
    assert sum(1 for e in r.explanation if "only the highest" in e.note) == 2


def test_e6_fever_better_explained_is_excluded():
    r = eular(["fever", "acute_cutaneous_lupus", "low_c4"], not_attributable=["fever"])
    assert (r["total"], r["classified"]) == (9, False)
    assert r["domains"]["constitutional"] == 0
    assert any(e.item == "fever" and "better explained" in e.note for e in r.explanation)


def test_total_nine_versus_ten():
    nine = eular(["acute_cutaneous_lupus", "low_c3"])  # 6 + 3
    assert (nine["total"], nine["classified"]) == (9, False)
    ten = eular(["acute_cutaneous_lupus", "low_c3", "low_c4"])  # 6 + 4
    assert (ten["total"], ten["classified"]) == (10, True)


def test_complement_and_rule_and_finer_names():
    assert eular(["low_c3"])["domains"]["complement_proteins"] == 3
    assert eular(["low_c3", "low_c4"])["domains"]["complement_proteins"] == 4
    assert eular(["low_c3", "low_c4"], not_attributable=["low_c4"])["domains"]["complement_proteins"] == 3
    assert eular(["discoid_lupus"])["domains"]["mucocutaneous"] == 4
    assert eular(["malar_rash"])["domains"]["mucocutaneous"] == 6
    assert eular(["lupus_anticoagulant"])["domains"]["antiphospholipid_antibodies"] == 2


def test_non_criteria_are_listed_not_counted():
    r = eular(["pleurisy", "photosensitivity"])
    assert r["total"] == 0
    assert {e.item for e in r.explanation if "not an EULAR" in e.note} == {"pleurisy", "photosensitivity"}


def test_label_says_classification_not_diagnosis():
    r = eular(["lupus_nephritis_class_iii_or_iv"])
    assert "not a diagnosis" in r.version
    assert "classification, not diagnosis" in r.explanation[-1].note


@pytest.mark.parametrize(("doc", "field", "error"), [
    ({"criteria": []}, "ana_titer", MissingInputError),
    ({"ana_titer": 160}, "criteria", MissingInputError),
    ({"ana_titer": 160, "criteria": ["rash"]}, "criteria[0]", InputError),
    ({"ana_titer": 0, "criteria": []}, "ana_titer", InputError),
    ({"ana_titer": "high", "criteria": []}, "ana_titer", InputError),
    ({"ana_titer": True, "criteria": []}, "ana_titer", InputError),
    ({"ana_positive": "yes", "criteria": []}, "ana_positive", InputError),
    ({"ana_titer": 160, "criteria": "fever"}, "criteria", InputError),
    ({"ana_titer": 160, "criteria": [], "not_attributable": "fever"}, "not_attributable", InputError),
])
def test_bad_input_names_the_field(doc, field, error):
    with pytest.raises(error) as err:
        score(doc)
    assert err.value.field == field


def test_registry_dict_shape():
    out = registry_score("eular-acr-2019", {"ana_titer": 160, "criteria": ["fever"]}).to_dict()
    assert {"instrument", "version", "citation", "classified", "total", "entry_criterion",
            "domains", "explanation"} <= out.keys()
    assert set(out["domains"]) == {d.name for d in DOMAINS}


_names = st.sampled_from(sorted(CRITERIA))


@settings(max_examples=200, deadline=None)
@given(criteria=st.lists(_names, unique=True, max_size=10), extra=_names,
       na=st.lists(_names, unique=True, max_size=4), ana=st.sampled_from([40, 80, 320]))
def test_property_adding_a_criterion_never_unclassifies(criteria, extra, na, ana):
    before = eular(criteria, ana=ana, not_attributable=na)
    after = eular(sorted(set(criteria) | {extra}), ana=ana, not_attributable=na)
    assert after["total"] >= before["total"]
    if before["classified"]:
        assert after["classified"]
    if extra in na and extra not in criteria:
        assert after["total"] == before["total"]


def test_every_vocabulary_name_is_documented():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs/instruments/classification-vocabulary.md").read_text()
    for name in CRITERIA:
        assert f"| `{name}` |" in doc, name


# Oracle cases from NguyenKz/SLE-EULAR-ACR-2019 criteria/test_cases.md (domain maximum and the
# 8/10/19/20 totals); their "score >= 20" tier is not part of the criteria and is not reproduced.
@pytest.mark.parametrize(("criteria", "domain", "points"), [
    (["delirium", "psychosis", "seizure"], "neuropsychiatric", 5),
    (["oral_ulcers", "subacute_or_discoid_lupus", "acute_cutaneous_lupus"], "mucocutaneous", 6),
    (["pleural_or_pericardial_effusion", "acute_pericarditis"], "serosal", 6),
    (["proteinuria", "lupus_nephritis_class_ii_or_v", "lupus_nephritis_class_iii_or_iv"], "renal", 10),
])
def test_oracle_domain_maximum(criteria, domain, points):
    r = eular(criteria)
    assert r["domains"][domain] == points == r["total"]


@pytest.mark.parametrize(("criteria", "total", "classified"), [
    (["fever", "proteinuria", "antiphospholipid_antibodies"], 8, False),
    (["lupus_nephritis_class_iii_or_iv"], 10, True),
    (["lupus_nephritis_class_ii_or_v", "acute_cutaneous_lupus", "leukopenia", "fever"], 19, True),
    (["lupus_nephritis_class_iii_or_iv", "acute_cutaneous_lupus", "antiphospholipid_antibodies",
      "fever"], 20, True),
])
def test_oracle_totals(criteria, total, classified):
    r = eular(criteria)
    assert (r["total"], r["classified"]) == (total, classified)


def test_ana_titre_from_the_labs_list_highest_ever():
    labs = [{"test": "ana_titer", "value": 40, "unit": "{titer}"},
            {"test": "c3", "value": 0.7, "unit": "g/L"},
            {"test": "ana_titer", "value": 80, "unit": "{titer}"}]
    r = score({"labs": labs, "criteria": ["lupus_nephritis_class_iii_or_iv"]})
    assert r["entry_criterion"] and r["classified"]
    assert "highest in labs" in r.explanation[0].source
    r = score({"labs": labs[:2], "criteria": ["lupus_nephritis_class_iii_or_iv"]})
    assert r["entry_criterion"] is False
    with pytest.raises(InputError) as err:
        score({"labs": [{"test": "ana_titer", "value": 80, "unit": "U/mL"}], "criteria": []})
    assert err.value.field == "labs[0].unit"
    with pytest.raises(MissingInputError):
        score({"labs": [{"test": "c3", "value": 0.7, "unit": "g/L"}], "criteria": []})


def test_criteria_list_required_even_when_ana_is_negative():
    # a visit document with an ANA lab but no criteria list is not a classification document
    with pytest.raises(MissingInputError) as err:
        score({"labs": [{"test": "ana_titer", "value": 40, "unit": "{titer}"}]})
    assert err.value.field == "criteria"
