"""The synthetic cohort: deterministic, clinically plausible, in the project's vocabulary."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest

from lupuscare.clinical.limits import lab_value_error
from lupuscare.clinical.units import convert, is_convertible
from lupuscare.clinical.vocabulary import DRUGS, FINDINGS
from lupuscare.demo.cohort import (
    DEFAULT_AS_OF,
    SHOWCASE_PLANTED,
    Cohort,
    generate_cohort,
    generate_patient,
    iter_cohort,
)
from lupuscare.demo.damage import DAMAGE_ITEMS
from lupuscare.demo.labs import PHYSIOLOGICAL_LIMITS, ckd_epi_2021, creatinine_for_egfr
from lupuscare.demo.treatment import dose_on
from lupuscare.errors import InputError
from lupuscare.instruments.registry import score
from lupuscare.instruments.sdi_items import ITEMS as SDI_ITEMS
from lupuscare.rules.hydroxychloroquine import HCQ_MAX_MG_PER_KG_DAY


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return generate_cohort(150, 2024, diaries=False)


def labs_of(visit) -> dict[str, float]:
    return {lab.test: lab.value for lab in visit.labs}


def test_same_seed_same_cohort_different_seed_different() -> None:
    a = generate_cohort(12, 7)
    assert a == generate_cohort(12, 7)
    b = generate_cohort(12, 8)
    assert [p.visits for p in a.patients] != [p.visits for p in b.patients]


def test_a_patient_does_not_depend_on_cohort_size_or_diaries() -> None:
    small = generate_cohort(4, 3)
    assert generate_patient(3, 3) == small.patients[3]
    assert list(iter_cohort(4, 3)) == list(small.patients)
    without = generate_patient(3, 0, diaries=False)
    assert without.visits == small.patients[0].visits and without.diary is None


def test_follow_up_lasts_two_to_five_years_with_visits_every_one_to_six_months(cohort: Cohort) -> None:
    for p in cohort.patients:
        years = (p.follow_up_end - p.follow_up_start).days / 365.25
        assert 1.9 <= years <= 5.0
        dates = [v.date for v in p.visits]
        assert dates == sorted(set(dates))
        assert dates[0] == p.follow_up_start and dates[-1] <= p.follow_up_end
        gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
        assert max(gaps) <= 181
        flare_gaps = [(b.date - a.date).days for a, b in zip(p.visits, p.visits[1:], strict=False)
                      if a.state == "flare"]
        assert all(g <= 42 for g in flare_gaps)


def test_cohort_has_flares_remissions_nephritis_and_damage(cohort: Cohort) -> None:
    patients = cohort.patients
    states = {v.state for p in patients for v in p.visits}
    assert states == {"remission", "low", "flare"}
    nephritis = sum(p.nephritis for p in patients) / len(patients)
    assert 0.2 <= nephritis <= 0.5
    renal = [f for p in patients for f in p.flares if f.kind == "renal"]
    assert renal and all(p.nephritis for p in patients for f in p.flares if f.kind == "renal")
    person_years = sum((p.follow_up_end - p.follow_up_start).days / 365.25 for p in patients)
    rate = sum(len(p.flares) for p in patients) / person_years
    assert 0.15 <= rate <= 0.8  # flares per patient-year
    with_damage = sum(bool(p.damage) for p in patients) / len(patients)
    assert 0.1 <= with_damage <= 0.7


def test_labs_move_with_activity(cohort: Cohort) -> None:
    renal_flare, remission = [], []
    c3_flare, c3_remission, dna_flare, dna_remission = [], [], [], []
    for p in cohort.patients:
        for v in p.visits:
            labs = labs_of(v)
            if v.state == "flare" and v.flare_kind == "renal":
                renal_flare.append(labs["upcr"])
            if v.state == "remission" and v.renal < 0.05:
                remission.append(labs["upcr"])
            if v.state == "flare":
                c3_flare.append(labs["c3"])
                if p.dsdna_positive:
                    dna_flare.append(labs["anti_dsdna"])
            elif v.state == "remission":
                c3_remission.append(labs["c3"])
                if p.dsdna_positive:
                    dna_remission.append(labs["anti_dsdna"])
    assert statistics.median(renal_flare) > 5 * statistics.median(remission)
    assert statistics.median(renal_flare) > 500  # mg/g: nephritis-range proteinuria
    assert statistics.median(remission) < 150
    assert statistics.mean(c3_flare) < statistics.mean(c3_remission) - 0.2
    assert statistics.median(dna_flare) > 3 * statistics.median(dna_remission)


def test_every_lab_is_within_physiological_limits_and_in_a_known_unit(cohort: Cohort) -> None:
    for p in cohort.patients:
        for v in p.visits:
            for lab in v.labs:
                lo, hi = PHYSIOLOGICAL_LIMITS[lab.test]
                assert lo <= lab.value <= hi, (p.key, v.date, lab)
                # and the product's own plausibility table accepts it as typed
                assert lab_value_error(lab.test, lab.value, lab.unit) is None, (p.key, v.date, lab)
                assert is_convertible(lab.test, lab.unit), lab
                if lab.low is not None and lab.high is not None:
                    assert lab.low < lab.high


def test_egfr_agrees_with_creatinine_by_ckd_epi_2021(cohort: Cohort) -> None:
    for p in cohort.patients[:40]:
        for v in p.visits:
            labs = labs_of(v)
            age = p.age_on(v.date)
            # creatinine is reported to 1 umol/L and eGFR to 1 unit: allow for both roundings
            high = ckd_epi_2021(convert("creatinine", labs["creatinine"] - 0.5, "umol/L", "mg/dL"), age, p.sex)
            low = ckd_epi_2021(convert("creatinine", labs["creatinine"] + 0.5, "umol/L", "mg/dL"), age, p.sex)
            assert low - 0.51 <= labs["egfr"] <= high + 0.51, (p.key, v.date, labs)
            assert 5 <= labs["egfr"] <= 150


def test_ckd_epi_2021_published_example_and_inverse() -> None:
    # kidney.org worked example style check: 55-year-old woman, creatinine 0.9 mg/dL -> about 76.
    assert ckd_epi_2021(0.9, 55, "female") == pytest.approx(76, abs=1)
    # at creatinine == kappa the equation is 142 * 0.9938**age (* 1.012 for women)
    assert ckd_epi_2021(0.9, 40, "male") == pytest.approx(142 * 0.9938**40)
    for egfr in (8.0, 35.0, 59.9, 90.0, 120.0):
        for sex in ("female", "male"):
            assert ckd_epi_2021(creatinine_for_egfr(egfr, 47, sex), 47, sex) == pytest.approx(egfr)


def test_prednisone_tapers_after_each_flare(cohort: Cohort) -> None:
    checked = 0
    for p in cohort.patients:
        meds = list(p.medications)
        for i, flare in enumerate(p.flares):
            next_onset = p.flares[i + 1].onset if i + 1 < len(p.flares) else p.follow_up_end
            early = dose_on(meds, "prednisone", flare.onset + timedelta(days=5))
            assert early >= 15, (p.key, flare)
            late_day = flare.end + timedelta(days=150)
            if late_day < next_onset and late_day <= p.follow_up_end:
                assert dose_on(meds, "prednisone", late_day) <= 7.5, (p.key, flare)
                checked += 1
    assert checked > 30


def test_hcq_within_the_safety_cap_and_nephritis_gets_induction(cohort: Cohort) -> None:
    on_hcq = 0
    for p in cohort.patients:
        for c in p.medications:
            assert c.drug in DRUGS
            if c.drug == "hydroxychloroquine":
                on_hcq += 1
                assert c.daily_dose_mg / p.weight_kg <= HCQ_MAX_MG_PER_KG_DAY
            if c.end is not None:
                assert c.end >= c.start
        for f in p.flares:
            if f.kind == "renal":
                induction = [c for c in p.medications if c.indication == "induction"
                             and abs((c.start - f.onset).days) <= 3]
                assert induction, (p.key, f)
                assert {c.drug for c in induction} <= {"mycophenolate_mofetil", "cyclophosphamide"}
    assert on_hcq / len(cohort.patients) > 0.8


def test_vocabularies_findings_and_damage_items(cohort: Cohort) -> None:
    assert set(SDI_ITEMS) >= DAMAGE_ITEMS
    for p in cohort.patients:
        for v in p.visits:
            assert set(v.findings) <= set(FINDINGS)
            assert v.state == "flare" or not {"pleurisy", "pericarditis", "seizure"} & set(v.findings)
        for d in p.damage:
            assert d.item in SDI_ITEMS and p.lupus_onset <= d.onset <= p.follow_up_end


def test_documents_score_and_sledai_is_higher_in_flares(cohort: Cohort) -> None:
    flare, remission, remission_clinical = [], [], []
    for p in cohort.patients[:60]:
        for i, v in enumerate(p.visits):
            result = score("sledai2k", p.assessment_document(i)).to_dict()
            total = result["total"]
            (flare if v.state == "flare" else remission if v.state == "remission" else []).append(total)
            if v.state == "remission":
                remission_clinical.append(result["clinical_total"])
        sdi = [score("sdi", p.assessment_document(i)).to_dict()["total"] for i in range(len(p.visits))]
        assert sdi == sorted(sdi)  # damage never decreases
    assert statistics.mean(flare) >= 6
    assert statistics.mean(remission) <= 4
    assert statistics.mean(flare) > statistics.mean(remission) + 4
    # remission means no clinical activity; serology (up to 4 points) may persist
    assert max(remission) <= 4
    assert sum(c == 0 for c in remission_clinical) / len(remission_clinical) > 0.97


def test_app_users_have_diaries_some_with_planted_effects() -> None:
    patients = generate_cohort(60, 9).patients
    users = [p for p in patients if p.uses_app]
    assert 0.15 <= len(users) / len(patients) <= 0.6
    assert all(p.diary is not None and p.diary.rows for p in users)
    assert all(p.diary is None and p.planted == () for p in patients if not p.uses_app)
    planted = [p for p in users if p.planted]
    assert planted and len(planted) < len(users)  # some carry an effect, others are null
    for p in users:
        assert p.diary.start >= p.follow_up_start and p.diary.rows[-1].date <= p.follow_up_end
        symptoms = [e.symptom for e in p.planted]
        assert len(symptoms) == len(set(symptoms)) <= 2


def test_showcase_patient_is_rich() -> None:
    p = generate_patient(1, 0)
    assert p.nephritis and p.uses_app and p.planted == SHOWCASE_PLANTED
    assert (p.follow_up_end - p.follow_up_start).days >= 5 * 360
    assert any(f.kind == "renal" for f in p.flares)
    assert len(p.diary.rows) > 300
    assert any(f.end >= p.diary.start for f in p.flares)  # the diary shows a flare


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"n_patients": -1}, "patients"), ({"seed": -2}, "seed"), ({"as_of": "2026-01-01"}, "as_of")])
def test_bad_cohort_input_names_the_field(kwargs: dict, field: str) -> None:
    args = {"n_patients": 2, "seed": 1} | kwargs
    with pytest.raises(InputError) as err:
        generate_cohort(**args)
    assert err.value.field == field


def test_default_reference_date_is_fixed() -> None:
    assert date(2026, 1, 1) == DEFAULT_AS_OF
    assert generate_patient(5, 1).follow_up_end == DEFAULT_AS_OF
