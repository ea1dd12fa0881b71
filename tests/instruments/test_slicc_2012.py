"""SLICC 2012: >= 4 with >= 1 clinical and >= 1 immunological, the biopsy rule, the Coombs rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.classification_vocabulary import CRITERIA
from lupuscare.instruments.slicc_2012 import CLINICAL, IMMUNOLOGIC, USED_NAMES, score


def slicc(criteria, **extra):
    return score({"criteria": criteria, **extra})


def test_eleven_clinical_and_six_immunological_criteria():
    assert len(CLINICAL) == 11
    assert len(IMMUNOLOGIC) == 6
    assert USED_NAMES.issubset(CRITERIA)


def test_three_versus_four_criteria():
    three = slicc(["oral_ulcers", "non_scarring_alopecia", "anti_dsdna"])
    assert (three["clinical"], three["immunologic"], three["classified"]) == (2, 1, False)
    four = slicc(["oral_ulcers", "non_scarring_alopecia", "anti_dsdna", "thrombocytopenia"])
    assert (four["clinical"], four["immunologic"], four["classified"]) == (3, 1, True)
    assert four["rule"] == "criteria_count"


def test_four_clinical_without_immunological_not_classified():
    r = slicc(["oral_ulcers", "non_scarring_alopecia", "joint_involvement", "thrombocytopenia"])
    assert (r["clinical"], r["immunologic"], r["classified"]) == (4, 0, False)


def test_four_immunological_without_clinical_not_classified():
    r = slicc(["anti_dsdna", "anti_sm", "low_c3", "lupus_anticoagulant"], ana_positive=True)
    assert (r["clinical"], r["immunologic"], r["classified"]) == (0, 5, False)


def test_same_criterion_counts_once():
    r = slicc(["pleurisy", "pericarditis", "seizure", "psychosis", "low_c3", "low_c4"])
    assert (r["clinical"], r["immunologic"]) == (2, 1)
    assert r["classified"] is False


def test_biopsy_rule_with_ana_or_dsdna():
    assert slicc(["lupus_nephritis_class_ii_or_v"], ana_titer=160)["rule"] == "biopsy_proven_nephritis"
    assert slicc(["biopsy_proven_lupus_nephritis", "anti_dsdna"])["classified"] is True
    without = slicc(["lupus_nephritis_class_iii_or_iv"], ana_positive=False)
    assert without["classified"] is False
    assert any("stand-alone rule not met" in e.note for e in without.explanation)


def test_coombs_rule():
    base = ["non_scarring_alopecia", "oral_ulcers", "direct_coombs"]
    with_coombs = slicc(base + ["thrombocytopenia"])
    assert (with_coombs["clinical"], with_coombs["immunologic"], with_coombs["classified"]) == (3, 1, True)
    with_haemolysis = slicc(base + ["haemolytic_anaemia"])
    assert (with_haemolysis["clinical"], with_haemolysis["immunologic"]) == (3, 0)
    assert with_haemolysis["classified"] is False
    assert any(e.item == "direct_coombs" and "haemolytic anaemia" in e.note
               for e in with_haemolysis.explanation)
    # haemolysis better explained by something else: Coombs counts again
    other = slicc(base + ["haemolytic_anaemia"], not_attributable=["haemolytic_anaemia"])
    assert other["immunologic"] == 1


def test_ana_reference_titre():
    assert slicc([], ana_titer=80)["immunologic"] == 1
    assert slicc([], ana_titer=40)["immunologic"] == 0
    assert score({"criteria": [], "ana_titer": 40}, ana_reference_titer=40)["immunologic"] == 1
    assert slicc([], ana_titer=160, not_attributable=["ana"])["immunologic"] == 0


def test_ambiguous_cutaneous_subtype_counts_once():
    assert slicc(["subacute_or_discoid_lupus"])["clinical"] == 1
    assert slicc(["subacute_or_discoid_lupus", "acute_cutaneous_lupus"])["clinical"] == 1
    assert slicc(["discoid_lupus", "acute_cutaneous_lupus"])["clinical"] == 2
    assert slicc(["subacute_cutaneous_lupus", "malar_rash"])["clinical"] == 1


def test_classification_label():
    r = slicc(["oral_ulcers", "non_scarring_alopecia", "anti_dsdna", "thrombocytopenia"])
    assert "not a diagnosis" in r.version
    assert "classification, not diagnosis" in r.explanation[-1].note


@pytest.mark.parametrize(("doc", "field", "error"), [
    ({}, "criteria", MissingInputError),
    ({"criteria": ["lupus"]}, "criteria[0]", InputError),
    ({"criteria": [], "ana_titer": -1}, "ana_titer", InputError),
])
def test_bad_input(doc, field, error):
    with pytest.raises(error) as err:
        score(doc)
    assert err.value.field == field


def test_proteinuria_exactly_500mg_meets_slicc_but_not_eular():
    from lupuscare.instruments.acr_1997 import score as acr
    from lupuscare.instruments.eular_acr_2019 import score as eular

    doc = {"ana_titer": 160, "criteria": ["proteinuria_500mg_or_more"]}
    assert slicc(doc["criteria"])["clinical"] == 1
    assert eular(doc)["total"] == 0
    assert acr(doc)["count"] == 1  # the ANA only


_names = st.sampled_from(sorted(CRITERIA))


@settings(max_examples=200, deadline=None)
@given(criteria=st.lists(_names, unique=True, max_size=10), extra=_names,
       na=st.lists(_names, unique=True, max_size=3), ana=st.sampled_from([None, 40, 160]))
def test_property_adding_a_criterion_unclassifies_only_through_the_coombs_rule(criteria, extra, na, ana):
    doc = {"not_attributable": na, **({"ana_titer": ana} if ana else {})}
    before = score({**doc, "criteria": criteria})
    after = score({**doc, "criteria": sorted(set(criteria) | {extra})})
    coombs_rule = extra in ("haemolytic_anaemia", "autoimmune_haemolysis") and "direct_coombs" in criteria
    if before["classified"] and not coombs_rule:
        assert after["classified"]
    if not coombs_rule:
        assert after["clinical"] + after["immunologic"] >= before["clinical"] + before["immunologic"]


def test_coombs_rule_can_unclassify_by_design():
    three_and_coombs = ["non_scarring_alopecia", "oral_ulcers", "thrombocytopenia", "direct_coombs"]
    assert slicc(three_and_coombs)["classified"] is True
    assert slicc(three_and_coombs + ["haemolytic_anaemia"])["classified"] is False
