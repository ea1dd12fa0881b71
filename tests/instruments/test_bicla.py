"""BICLA: BILAG improvement, no new A / <= 1 new B, no SLEDAI-2K rise, PGA <= +0.3, no failure."""

from __future__ import annotations

import pytest

from lupuscare.errors import MissingInputError
from lupuscare.instruments.bicla import score

BASE = {"findings": ["arthritis", "rash_generalized"], "pga": 1.5,
        "bilag_grades": {"musculoskeletal": "A", "mucocutaneous": "B", "renal": "D"}}


def bicla(grades, findings=("arthritis",), pga=1.5, failure=False, base=BASE):
    doc = {"findings": list(findings), "pga": pga, "bilag_grades": grades, "previous": base}
    if failure is not None:
        doc["treatment_failure"] = failure
    return score(doc)


def test_responder_when_all_criteria_hold():
    r = bicla({"musculoskeletal": "B", "mucocutaneous": "C", "renal": "D"})
    assert r["responder"] is True and all(r["criteria"].values())


@pytest.mark.parametrize(("grades", "ok"), [
    ({"musculoskeletal": "A", "mucocutaneous": "C"}, False),  # A not improved
    ({"musculoskeletal": "B", "mucocutaneous": "B"}, False),  # B not improved
    ({"musculoskeletal": "D", "mucocutaneous": "D"}, True),
])
def test_every_baseline_a_and_b_must_improve(grades, ok):
    assert bicla(grades)["criteria"]["bilag_improvement"] is ok


def test_no_baseline_activity_fails_improvement():
    base = dict(BASE, bilag_grades={"renal": "D"})
    assert bicla({"renal": "D"}, base=base)["criteria"]["bilag_improvement"] is False


def test_new_a_fails_one_new_b_allowed_two_fail():
    ok = {"musculoskeletal": "C", "mucocutaneous": "C"}
    assert bicla(dict(ok, renal="B"))["criteria"]["no_new_bilag_a_le_1_new_b"] is True
    assert bicla(dict(ok, renal="B", haematological="B"))["criteria"]["no_new_bilag_a_le_1_new_b"] is False
    assert bicla(dict(ok, renal="A"))["criteria"]["no_new_bilag_a_le_1_new_b"] is False


def test_any_sledai_increase_fails():
    grades = {"musculoskeletal": "C", "mucocutaneous": "C"}
    assert bicla(grades, findings=["arthritis", "rash_generalized"])["criteria"]["no_sledai2k_worsening"] is True
    assert bicla(grades, findings=["arthritis", "rash_generalized", "leukopenia"])["criteria"]["no_sledai2k_worsening"] is False


@pytest.mark.parametrize(("pga", "ok"), [(1.7, True), (1.8, True), (1.9, False)])
def test_pga_increase_at_most_0_3(pga, ok):
    assert bicla({"musculoskeletal": "C", "mucocutaneous": "C"}, pga=pga)["criteria"]["no_pga_worsening"] is ok


def test_treatment_failure_and_unrecorded():
    grades = {"musculoskeletal": "C", "mucocutaneous": "C"}
    assert bicla(grades, failure=True)["responder"] is False
    r = bicla(grades, failure=None)
    assert r["responder"] is None and r.warnings


def test_missing_grades():
    with pytest.raises(MissingInputError) as e:
        score({"findings": [], "pga": 1.0, "previous": BASE})
    assert e.value.field == "bilag_grades"
    with pytest.raises(MissingInputError) as e:
        score({"findings": [], "pga": 1.0, "bilag_grades": {}, "previous": {"findings": [], "pga": 1.0}})
    assert e.value.field == "previous.bilag_grades"
