"""The core's code maps: LOINC from the vocabulary, drug names and RxNorm, condition codes."""

from __future__ import annotations

import pytest

from lupuscare.clinical import codes
from lupuscare.clinical.vocabulary import DRUGS, LAB_TESTS


def test_every_vocabulary_loinc_code_maps_back_to_its_test():
    for test in LAB_TESTS.values():
        if test.loinc:
            assert codes.lab_test_for_loinc(test.loinc) == test.name
    assert codes.lab_test_for_loinc("8310-5") == "temperature"


def test_an_unknown_loinc_code_is_not_guessed():
    assert codes.lab_test_for_loinc("4485-3") is None  # one digit off C3's 4485-9
    assert codes.lab_test_for_loinc("29463-7") is None  # body weight is not a lab


@pytest.mark.parametrize(("text", "drug"), [
    ("Prednisone", "prednisone"), ("prednisone 5 mg tablet", "prednisone"),
    ("Mycophenolate mofetil", "mycophenolate_mofetil"), ("cyclosporine", "ciclosporin"),
    ("Hydroxychloroquine sulfate 200 mg", "hydroxychloroquine"), ("omeprazole", None),
    ("pred", None),
])
def test_generic_names_map_to_the_vocabulary(text, drug):
    assert codes.drug_for_name(text) == drug


def test_synonyms_and_rxnorm_entries_name_vocabulary_drugs():
    assert set(codes.DRUG_SYNONYMS.values()) <= set(DRUGS)
    assert set(codes.RXNORM_INGREDIENTS) <= set(DRUGS)
    assert codes.drug_for_rxnorm("5521") == "hydroxychloroquine"
    assert codes.rxnorm_for_drug("prednisone") is None  # not verified: left out


def test_condition_codes():
    assert codes.condition_for_code(codes.SNOMED, "55464009").condition == "sle"
    assert codes.condition_for_code(codes.ICD10CM, "M32.14").condition == "lupus_nephritis"
    assert codes.condition_for_code(codes.SNOMED, "M32.14") is None  # the system matters
    assert codes.condition_for_code(codes.ICD10CM, "M32.0") is None  # drug-induced lupus: not mapped
