"""ACR 1997: eleven criteria, >= 4 classifies, near-miss names explained."""

from __future__ import annotations

import pytest

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.acr_1997 import CRITERIA_1997, USED_NAMES, score
from lupuscare.instruments.classification_vocabulary import CRITERIA


def acr(criteria, **extra):
    return score({"criteria": criteria, **extra})


def test_eleven_criteria():
    assert len(CRITERIA_1997) == 11
    assert USED_NAMES.issubset(CRITERIA)


def test_three_versus_four():
    three = acr(["malar_rash", "oral_ulcers", "photosensitivity"])
    assert (three["count"], three["classified"]) == (3, False)
    four = acr(["malar_rash", "oral_ulcers", "photosensitivity"], ana_titer=160)
    assert (four["count"], four["classified"]) == (4, True)
    assert four["criteria"]["ana"] is True and four["criteria"]["serositis"] is False


def test_one_criterion_per_organ_group():
    r = acr(["seizure", "psychosis", "thrombocytopenia", "haemolytic_anaemia", "anti_dsdna", "anti_sm"])
    assert r["count"] == 3


def test_near_misses_do_not_count_and_say_why():
    r = acr(["leukopenia", "lymphopenia", "joint_involvement", "acute_cutaneous_lupus"])
    assert r["count"] == 0
    notes = {e.item: e.note for e in r.explanation}
    assert "2 occasions" in notes["leukopenia"]
    assert "non_erosive_arthritis" in notes["joint_involvement"]
    assert acr(["leukopenia_repeated"])["criteria"]["haematologic_disorder"] is True
    assert acr(["lymphopenia_repeated"])["criteria"]["haematologic_disorder"] is True


def test_not_attributable_excluded():
    r = acr(["malar_rash", "oral_ulcers", "photosensitivity", "pleurisy"], not_attributable=["pleurisy"])
    assert (r["count"], r["classified"]) == (3, False)


def test_label():
    assert "not a diagnosis" in acr([]).version


@pytest.mark.parametrize(("doc", "field", "error"), [
    ({}, "criteria", MissingInputError),
    ({"criteria": [1]}, "criteria[0]", InputError),
])
def test_bad_input(doc, field, error):
    with pytest.raises(error) as err:
        score(doc)
    assert err.value.field == field
