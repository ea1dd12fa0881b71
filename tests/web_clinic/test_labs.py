"""Labs: single entry with plausibility limits, CSV import that saves all rows or none."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lupuscare.web.clinic import labs_import
from lupuscare.web.records.models import LabResult

pytestmark = pytest.mark.django_db

HEADER = "test,value,unit,low,high,collected_at\n"


def _post_lab(clinician, world, **fields):
    data = {"test": "c3", "value": "0.72", "unit": "g/L", "low": "0.9", "high": "1.8",
            "collected_at": "2026-03-01T10:00"}
    data.update(fields)
    return clinician.post(reverse("clinic:lab-create", args=[world.patient_a.pk]), data)


def test_a_plausible_lab_is_saved_with_its_reference_range(clinician, world):
    before = LabResult.objects.count()
    assert _post_lab(clinician, world).status_code == 302
    lab = LabResult.objects.exclude(pk=world.records["lab_a"].pk).get(patient=world.patient_a)
    assert (lab.value, lab.unit, lab.low, lab.high, lab.source) == (0.72, "g/L", 0.9, 1.8, "manual")
    assert LabResult.objects.count() == before + 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"value": "90"}, "value", "outside the plausible range for c3, 0 to 5 g/L"),
        ({"unit": "mmol/L"}, "unit", "is not known for c3"),
        ({"test": "temperature", "value": "98.6", "unit": "Cel"}, "value", "25 to 45 Cel"),
        ({"collected_at": "2999-01-01T10:00"}, "collected_at", "in the future"),
        ({"collected_at": "1970-01-01T10:00"}, "collected_at", "before the patient's birth date"),
        ({"low": "2.0", "high": "1.0"}, "high", "must not be below low"),
    ],
)
def test_bad_lab_names_the_field_and_saves_nothing(clinician, world, fields, field, words):
    before = LabResult.objects.count()
    response = _post_lab(clinician, world, **fields)
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    assert LabResult.objects.count() == before


def _import(clinician, world, text: str):
    upload = SimpleUploadedFile("labs.csv", text.encode(), content_type="text/csv")
    return clinician.post(reverse("clinic:lab-import", args=[world.patient_a.pk]), {"file": upload})


def test_csv_import_saves_every_row(clinician, world):
    text = HEADER + (
        "upcr,850,mg/g,,,2026-02-01\n"
        "c3,72,mg/dL,90,180,2026-02-01T09:30\n"
        "anti_dsdna,45,[IU]/mL,,10,2026-02-01\n"
    )
    response = _import(clinician, world, text)
    assert response.status_code == 200 and "Imported 3 results" in response.content.decode()
    rows = LabResult.objects.filter(patient=world.patient_a, source="import")
    assert rows.count() == 3
    c3 = rows.get(test="c3")
    assert (c3.value, c3.unit, c3.low, c3.high) == (72.0, "mg/dL", 90.0, 180.0)
    assert c3.history.count() == 1  # history kept for imported rows too


def test_csv_import_with_one_bad_row_saves_nothing_and_names_row_and_field(clinician, world):
    before = LabResult.objects.count()
    text = HEADER + (
        "upcr,850,mg/g,,,2026-02-01\n"
        "c3,0.7,mmol/L,,,2026-02-01\n"  # row 2: unknown unit for c3
        "platelets,abc,10*9/L,,,2026-02-01\n"  # row 3: not a number
        "temperature,98.6,Cel,,,2026-02-01\n"  # row 4: implausible
        "wbc,4,10*9/L,,,2026-13-01\n"  # row 5: impossible date
    )
    response = _import(clinician, world, text)
    assert response.status_code == 400
    errors = [str(e) for e in response.context["errors"]]
    assert any(e.startswith("row 2, unit:") for e in errors)
    assert any(e.startswith("row 3, value:") for e in errors)
    assert any(e.startswith("row 4, value:") and "25 to 45" in e for e in errors)
    assert any(e.startswith("row 5, collected_at:") for e in errors)
    assert not any(e.startswith("row 1,") for e in errors)
    assert LabResult.objects.count() == before


def test_csv_header_problems(world):
    results, errors = labs_import.parse(b"test,value,when\nc3,1,2026-01-01\n", world.patient_a)
    assert results == []
    assert {(e.field, e.row) for e in errors} >= {("unit", 0), ("collected_at", 0), ("when", 0)}
    assert labs_import.parse(b"", world.patient_a)[1]
    assert labs_import.parse(HEADER.encode(), world.patient_a)[1][0].message == "has no data rows"
    assert labs_import.parse(b"\xff\xfe", world.patient_a)[1][0].message == "is not UTF-8 text"


def test_out_of_range_values_are_marked_on_the_timeline(world):
    from lupuscare.web.clinic.timeline import lab_series

    world.records["lab_a"].low = 0.9
    world.records["lab_a"].save()
    series = lab_series(world.patient_a.pk)
    assert series["c3"]["values"] == [0.72] and series["c3"]["abnormal"] == [True]


def test_a_late_lab_rescores_the_visits_whose_window_holds_it(clinician, world):
    from lupuscare.web.clinic.models import StoredScore
    from lupuscare.web.clinic.scoring import store_scores

    visit = world.records["assessment_a"]  # 2026-03-01, 10-day window, arthritis: SLEDAI 4
    store_scores(visit)
    sledai = StoredScore.objects.get(assessment=visit, instrument="sledai2k")
    assert sledai.value == 4
    # a UPCR drawn 2026-02-25 (inside the window) arrives later: proteinuria, 4 more points
    assert _post_lab(clinician, world, test="upcr", value="900", unit="mg/g", low="", high="",
                     collected_at="2026-02-25T08:00").status_code == 302
    sledai.refresh_from_db()
    assert sledai.value == 8 and sledai.history.count() == 2
    # one drawn before the window (2026-02-18) changes nothing
    assert _post_lab(clinician, world, test="platelets", value="50", unit="10*9/L", low="",
                     high="", collected_at="2026-02-18T08:00").status_code == 302
    sledai.refresh_from_db()
    assert sledai.value == 8 and sledai.history.count() == 2
