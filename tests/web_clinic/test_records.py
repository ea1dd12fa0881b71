"""Medicines and dose changes, damage, biopsies, eye exams, classification, visit summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lupuscare.web.clinic.models import Biopsy, ClassificationWorksheet, EyeExam
from lupuscare.web.clinic.scoring import store_scores
from lupuscare.web.records.models import DamageItem, MedicationCourse
from web.factories import make_assessment, make_lab, make_medication

pytestmark = pytest.mark.django_db


def _url(name, world, *args):
    return reverse(f"clinic:{name}", args=[world.patient_a.pk, *args])


def test_start_a_medicine_and_change_its_dose(clinician, world):
    response = clinician.post(_url("medication-create", world), {
        "drug": "prednisone", "daily_dose_mg": "20", "schedule": "daily", "route": "oral",
        "start": "2026-01-01"})
    assert response.status_code == 302
    course = MedicationCourse.objects.get(patient=world.patient_a, drug="prednisone")
    response = clinician.post(_url("dose-change", world),
                              {"course": course.pk, "daily_dose_mg": "7.5", "start": "2026-02-15"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.stop == dt.date(2026, 2, 14)
    new = MedicationCourse.objects.get(patient=world.patient_a, drug="prednisone", stop=None)
    assert (new.daily_dose_mg, new.start) == (7.5, dt.date(2026, 2, 15))
    assert "20" in new.reason


def test_dose_change_must_start_after_the_course(clinician, world):
    course = world.records["medication_a"]
    response = clinician.post(_url("dose-change", world),
                              {"course": course.pk, "daily_dose_mg": "200", "start": "2025-01-01"})
    assert response.status_code == 400 and "start" in response.context["form"].errors
    course.refresh_from_db()
    assert course.stop is None


def test_medicine_start_in_the_future_is_refused(clinician, world):
    response = clinician.post(_url("medication-create", world), {
        "drug": "prednisone", "daily_dose_mg": "5", "schedule": "daily", "route": "oral",
        "start": "2999-01-01"})
    assert response.status_code == 400 and "in the future" in str(response.context["form"].errors)


def test_damage_item_from_the_sdi_list(clinician, world):
    response = clinician.post(_url("damage-create", world),
                              {"item": "cataract", "onset": "2024-02-01", "count": "1"})
    assert response.status_code == 302
    assert DamageItem.objects.filter(patient=world.patient_a, onset=dt.date(2024, 2, 1)).exists()
    response = clinician.post(_url("damage-create", world),
                              {"item": "broken_heart", "onset": "2024-02-01", "count": "1"})
    assert response.status_code == 400 and "item" in response.context["form"].errors


def _biopsy(**fields):
    data = {"date": "2025-11-01", "isn_rps_class": "IV-G (A)", "revision": "2003", "notes": ""}
    for f in ("endocapillary_hypercellularity", "neutrophils_karyorrhexis", "fibrinoid_necrosis",
              "hyaline_deposits", "cellular_or_fibrocellular_crescents", "interstitial_inflammation"):
        data[f"activity__{f}"] = "0"
    for f in ("total_glomerulosclerosis", "fibrous_crescents", "tubular_atrophy",
              "interstitial_fibrosis"):
        data[f"chronicity__{f}"] = "0"
    data.update(fields)
    return data


def test_biopsy_indices_by_the_instrument(clinician, world):
    # necrosis and crescents count twice (modified NIH): 2x2 + 3x2 + 1 = 11
    response = clinician.post(_url("biopsy-create", world), _biopsy(**{
        "activity__fibrinoid_necrosis": "2", "activity__cellular_or_fibrocellular_crescents": "3",
        "activity__endocapillary_hypercellularity": "1", "chronicity__tubular_atrophy": "2"}))
    assert response.status_code == 302
    biopsy = Biopsy.objects.get(patient=world.patient_a)
    assert (biopsy.activity_index, biopsy.chronicity_index) == (11, 2)
    assert biopsy.result["class"].startswith("IV")


def test_bad_biopsy_class_names_the_field(clinician, world):
    response = clinician.post(_url("biopsy-create", world), _biopsy(isn_rps_class="VII"))
    assert response.status_code == 400 and "isn_rps_class" in response.context["form"].errors
    response = clinician.post(_url("biopsy-create", world),
                              _biopsy(**{"activity__fibrinoid_necrosis": "4"}))
    assert response.status_code == 400
    assert not Biopsy.objects.exists()


def test_eye_exam(clinician, world):
    assert clinician.post(_url("eye-exam-create", world), {"date": "2026-01-05"}).status_code == 302
    assert EyeExam.objects.filter(patient=world.patient_a).count() == 1


@pytest.mark.parametrize(
    ("criteria", "eular", "slicc"),
    [
        (["acute_pericarditis", "anti_dsdna"], (True, 12), False),  # 6 + 6; SLICC 1 clinical
        (["acute_pericarditis", "anti_dsdna", "joint_involvement"], (True, 18), True),
        (["joint_involvement"], (False, 6), False),
    ],
)
def test_classification_worksheet(clinician, world, criteria, eular, slicc):
    response = clinician.post(_url("classification", world),
                              {"date": "2026-03-01", "ana_titer": "160", "criteria": criteria})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Classification, not diagnosis" in body
    sheet = ClassificationWorksheet.objects.get(patient=world.patient_a)
    e, s = sheet.results["eular-acr-2019"], sheet.results["slicc-2012"]
    assert (e["classified"], e["total"]) == eular and s["classified"] is slicc
    assert sheet.document["criteria"] == criteria


def test_visit_summary_page_and_pdf(clinician, world):
    make_medication(world.patient_a, drug="methylprednisolone", daily_dose_mg=8.0,
                    start=dt.date(2026, 2, 1))
    make_lab(world.patient_a, test="anti_dsdna", value=45, unit="[IU]/mL", high=10)
    visit = make_assessment(world.patient_a, date=dt.date(2026, 3, 2), findings=["arthritis"],
                            pga=1.0, swollen_28=3, tender_28=3)
    store_scores(visit)
    response = clinician.get(_url("visit", world, visit.pk))
    body = response.content.decode()
    assert "clinic/print.css" in body and 'media="print"' in body
    assert "10.0 mg/day" in body  # methylprednisolone 8 mg = prednisone 10 mg
    assert "anti_dsdna 45 [IU]/mL (outside the reference range)" in body
    assert "SLEDAI-2K" in body and "Gladman" in body
    pdf = clinician.get(_url("visit-pdf", world, visit.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
