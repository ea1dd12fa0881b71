import pytest

from lupuscare.celltherapy.eligibility import (
    MISLE_NCT02633163,
    WANG2014_NCT01741857,
    EligibilityInputs,
    Lab,
    MedicationCourse,
    Status,
    evaluate_eligibility,
)
from lupuscare.errors import InputError

GOOD_LABS = {"egfr": Lab(60, "mL/min/{1.73_m2}"), "wbc": Lab(4.0, "10*9/L"),
             "hemoglobin": Lab(11, "g/dL"), "platelets": Lab(150, "10*9/L"),
             "ast": Lab(30, "U/L", uln=40), "alt": Lab(30, "U/L", uln=40)}


# every non-lab question answered "absent" (or "yes" for an inclusion): the clinician has looked
MISLE_ANSWERS = {q.key: False for q in MISLE_NCT02633163.questions}
WANG_ANSWERS = {q.key: q.kind == "inclusion" for q in WANG2014_NCT01741857.questions}


def misle(**changes):
    base = dict(scores={"sledai2k_total": 6}, bilag={"renal": "B", "mucocutaneous": "C"},
                labs=dict(GOOD_LABS), answers=dict(MISLE_ANSWERS))
    base.update(changes)
    return evaluate_eligibility(MISLE_NCT02633163, EligibilityInputs(**base))


def by_name(result):
    return {r.name: r for r in result.results}


def test_misle_eligible_at_the_sledai_threshold_and_not_below():
    assert misle().eligible
    result = misle(scores={"sledai2k_total": 5})
    assert not result.eligible
    assert by_name(result)["SLEDAI >= 6"].status is Status.FAILED


def test_bilag_one_a_or_b_needed():
    result = misle(bilag={"renal": "C", "musculoskeletal": "D"})
    assert by_name(result)[">= 1 BILAG A or B"].status is Status.FAILED
    assert misle(bilag={"renal": "A"}).eligible
    with pytest.raises(InputError) as err:
        misle(bilag={"renal": "F"})
    assert err.value.field == "bilag.renal"


@pytest.mark.parametrize("lab,value,excluded", [
    ("egfr", 30, False), ("egfr", 29.9, True),
    ("wbc", 2.0, False), ("wbc", 1.9, True),
    ("hemoglobin", 8, False), ("hemoglobin", 7.9, True),
    ("platelets", 30, False), ("platelets", 29, True),
])
def test_lab_exclusion_edges(lab, value, excluded):
    labs = dict(GOOD_LABS)
    labs[lab] = Lab(value, GOOD_LABS[lab].unit)
    assert misle(labs=labs).eligible is (not excluded)


def test_transaminase_times_uln_edges():
    labs = dict(GOOD_LABS)
    labs["alt"] = Lab(160, "U/L", uln=40)  # exactly 4 x ULN: not > 4
    assert misle(labs=labs).eligible
    labs["alt"] = Lab(161, "U/L", uln=40)
    result = misle(labs=labs)
    assert not result.eligible and "4.03 x ULN" in by_name(result)["ALT > 4 x ULN"].reason


def test_missing_input_is_not_assessable_and_blocks():
    labs = dict(GOOD_LABS)
    del labs["platelets"]
    result = misle(labs=labs)
    assert not result.eligible and result.not_assessable == ("platelets < 30k",)


def test_wrong_unit_is_refused_naming_the_field():
    labs = dict(GOOD_LABS)
    labs["hemoglobin"] = Lab(110, "g/L")
    with pytest.raises(InputError) as err:
        misle(labs=labs)
    assert err.value.field == "labs.hemoglobin.unit"


def refractory(courses):
    inputs = EligibilityInputs(scores={"sledai2k_total": 8}, courses=courses,
                               answers=dict(WANG_ANSWERS))
    return evaluate_eligibility(WANG2014_NCT01741857, inputs)


PRED = MedicationCourse("prednisone", 25, "mg/d", 90, True)


def test_refractory_definition_drug_dose_and_duration():
    assert refractory([PRED, MedicationCourse("mycophenolate_mofetil", 2.0, "g/d", 91, True)]).eligible
    assert refractory([PRED, MedicationCourse("cyclophosphamide", 0.5, "g/m2 q2w", 182, True)]).eligible
    # too short, too low, not failed, prednisone exactly 20 (needs > 20)
    assert not refractory([PRED, MedicationCourse("mycophenolate_mofetil", 2.0, "g/d", 90, True)]).eligible
    assert not refractory([PRED, MedicationCourse("mycophenolate_mofetil", 1.5, "g/d", 200, True)]).eligible
    assert not refractory([PRED, MedicationCourse("mycophenolate_mofetil", 2.0, "g/d", 200, False)]).eligible
    assert not refractory([PRED, MedicationCourse("cyclophosphamide", 0.7, "g/m2 q2w", 182, True)]).eligible
    twenty = MedicationCourse("prednisone", 20, "mg/d", 90, True)
    result = refractory([twenty, MedicationCourse("mycophenolate_mofetil", 2.0, "g/d", 91, True)])
    assert not result.eligible
    assert "prednisone > 20" in result.results[1].reason


def test_refractory_unit_mismatch_names_the_course():
    with pytest.raises(InputError) as err:
        refractory([MedicationCourse("prednisone", 25000, "ug/d", 90, True)])
    assert err.value.field == "courses[0].dose_unit"


def test_result_serialises_every_criterion():
    data = misle().to_dict()
    assert data["eligible"] is True and len(data["criteria"]) == 8 + len(MISLE_ANSWERS)


# --- the non-lab exclusions: present excludes, no answer is "not assessed", never "eligible" ---

NON_LAB = ("active_cns_lupus", "dialysis", "hiv", "hepatitis_b", "hepatitis_c", "tuberculosis",
           "malignancy_5y", "pregnancy")


@pytest.mark.parametrize("criteria", [MISLE_NCT02633163, WANG2014_NCT01741857],
                         ids=["misle", "wang2014"])
def test_every_protocol_example_asks_the_non_lab_exclusions(criteria):
    asked = {q.key for q in criteria.questions if q.kind == "exclusion"}
    assert set(NON_LAB) <= asked
    for question in criteria.questions:
        assert question.source.text  # each carries its citation and certainty


@pytest.mark.parametrize("key", NON_LAB)
def test_misle_an_exclusion_present_excludes(key):
    result = misle(answers={**MISLE_ANSWERS, key: True})
    assert not result.eligible
    failed = [r for r in result.results if r.status is Status.FAILED]
    assert len(failed) == 1 and failed[0].kind == "exclusion"
    assert "present: excluded" in failed[0].reason


@pytest.mark.parametrize("key", NON_LAB)
def test_misle_an_exclusion_not_answered_is_not_assessed_never_eligible(key):
    answers = dict(MISLE_ANSWERS)
    del answers[key]
    result = misle(answers=answers)
    assert not result.eligible
    (row,) = [r for r in result.results if r.status is not Status.PASSED]
    assert row.status is Status.NOT_ASSESSABLE
    assert row.reason.startswith("not assessed:")
    assert result.not_assessable == (row.name,)


@pytest.mark.parametrize("key", [*NON_LAB, "contraception_12m"])
def test_wang2014_each_question_present_or_unanswered_blocks(key):
    good = [PRED, MedicationCourse("mycophenolate_mofetil", 2.0, "g/d", 91, True)]
    assert refractory(good).eligible
    flipped = {**WANG_ANSWERS, key: not WANG_ANSWERS[key]}
    assert not evaluate_eligibility(WANG2014_NCT01741857, EligibilityInputs(
        scores={"sledai2k_total": 8}, courses=good, answers=flipped)).eligible
    unanswered = {k: v for k, v in WANG_ANSWERS.items() if k != key}
    result = evaluate_eligibility(WANG2014_NCT01741857, EligibilityInputs(
        scores={"sledai2k_total": 8}, courses=good, answers=unanswered))
    assert not result.eligible and len(result.not_assessable) == 1


def test_no_answers_at_all_is_never_eligible():
    result = misle(answers={})
    assert not result.eligible
    assert len(result.not_assessable) == len(MISLE_ANSWERS)


def test_an_answer_to_a_question_not_asked_or_not_yes_no_is_refused():
    with pytest.raises(InputError) as err:
        misle(answers={**MISLE_ANSWERS, "pregnnacy": False})
    assert err.value.field == "answers.pregnnacy"
    with pytest.raises(InputError) as err:
        misle(answers={**MISLE_ANSWERS, "pregnancy": "no"})
    assert err.value.field == "answers.pregnancy"
