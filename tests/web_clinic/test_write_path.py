"""One write path: the same lab through every door changes the stored score and the alerts
identically, and an implausible value is refused at every door with the same message.

The shared world: patient A's visit of 2026-03-01 (arthritis: SLEDAI-2K 4), scored before the
lab arrives. A UPCR of 1.0 g/g collected on 2026-02-25 (inside the 10-day window) adds the
proteinuria item (4 points: SLEDAI-2K 8) and, above 0.5 g/g, the nephritis work-up alert
(KDIGO 2024; ``lupuscare.rules.renal``). A C3 of 90 g/L is outside the plausible range.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lupuscare.clinical import limits
from lupuscare.web.clinic.models import AlertStatus, ClinicAlert, StoredScore
from lupuscare.web.clinic.scoring import store_scores
from lupuscare.web.records.models import AuditEvent, LabResult

pytestmark = pytest.mark.django_db

UPCR = {"test": "upcr", "value": "1.0", "unit": "g/g", "collected_at": "2026-02-25T09:00"}
IMPLAUSIBLE = {"test": "c3", "value": "90", "unit": "g/L", "collected_at": "2026-02-25T09:00"}
PLAUSIBILITY_MESSAGE = limits.lab_value_error("c3", 90.0, "g/L")


def _form(fields: dict) -> dict:
    return dict(fields)


def _clinic_page(client: Client, world, fields: dict):
    return client.post(reverse("clinic:lab-create", args=[world.patient_a.pk]), _form(fields))


def _record_page(client: Client, world, fields: dict):
    return client.post(reverse("lab-create", args=[world.patient_a.pk]), _form(fields))


def _api(client: Client, world, fields: dict):
    body = {**fields, "value": float(fields["value"]), "collected_at": fields["collected_at"] + ":00"}
    return client.post(f"/api/patients/{world.patient_a.pk}/labs", json.dumps(body),
                       content_type="application/json")


def _csv(client: Client, world, fields: dict):
    text = "test,value,unit,collected_at\n" + ",".join(
        fields[k] for k in ("test", "value", "unit", "collected_at")) + "\n"
    upload = SimpleUploadedFile("labs.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("clinic:lab-import", args=[world.patient_a.pk]), {"file": upload})


def _admin(client: Client, world, fields: dict):
    day, time = fields["collected_at"].split("T")
    return client.post(reverse("admin:records_labresult_add"), {
        "patient": str(world.patient_a.pk), "test": fields["test"], "loinc": "",
        "value": fields["value"], "unit": fields["unit"], "low": "", "high": "",
        "collected_at_0": day, "collected_at_1": time, "source": "manual"})


DOORS = {
    "clinic page": (_clinic_page, "clinician", {302}),
    "record page": (_record_page, "clinician", {302}),
    "api": (_api, "clinician", {201}),
    "csv import": (_csv, "clinician", {200}),
    "admin": (_admin, "admin", {302}),
}


@pytest.fixture
def scored_visit(world):
    visit = world.records["assessment_a"]
    store_scores(visit)
    assert StoredScore.objects.get(assessment=visit, instrument="sledai2k").value == 4
    return visit


def _client(world, who: str) -> Client:
    client = Client()
    client.force_login(world.clinician_a if who == "clinician" else world.admin)
    return client


@pytest.mark.parametrize("door", list(DOORS))
def test_the_same_lab_rescores_and_alerts_identically_through_every_door(world, scored_visit, door):
    post, who, ok = DOORS[door]
    audits = AuditEvent.objects.filter(patient=world.patient_a, action="create").count()
    response = post(_client(world, who), world, UPCR)
    assert response.status_code in ok, response.content.decode()[:2000]
    lab = LabResult.objects.get(patient=world.patient_a, test="upcr")
    assert (lab.value, lab.unit) == (1.0, "g/g")
    sledai = StoredScore.objects.get(assessment=scored_visit, instrument="sledai2k")
    assert sledai.value == 8
    assert sledai.result["items"]["proteinuria"] == 4
    assert sledai.history.count() == 2  # the score before the lab stays in the history
    alert = ClinicAlert.objects.get(patient=world.patient_a, code="proteinuria_nephritis_workup")
    assert alert.status == AlertStatus.OPEN
    assert AuditEvent.objects.filter(patient=world.patient_a, action="create").count() == audits + 1


@pytest.mark.parametrize("door", list(DOORS))
def test_an_implausible_value_is_refused_at_every_door_with_the_same_message(world, scored_visit,
                                                                           door):
    post, who, _ok = DOORS[door]
    before = LabResult.objects.count()
    response = post(_client(world, who), world, IMPLAUSIBLE)
    assert response.status_code in {200, 400, 422}
    body = response.content.decode()
    if door == "api":
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert {"loc": ["body", "payload", "value"], "msg": PLAUSIBILITY_MESSAGE,
                "type": "value_error"} in detail
    else:
        assert PLAUSIBILITY_MESSAGE.replace("'", "&#x27;") in body
        assert door == "admin" or response.status_code == 400
    assert LabResult.objects.count() == before
    assert StoredScore.objects.get(assessment=scored_visit, instrument="sledai2k").value == 4


def test_a_visit_dated_year_one_is_refused_by_the_api(clinician, world):
    """The API used to skip the date checks the forms make: 0001-01-01 then broke the patient's
    clinic page, summary, PDF and document with a 500."""
    response = clinician.post(f"/api/patients/{world.patient_a.pk}/assessments",
                              json.dumps({"date": "0001-01-01", "findings": []}),
                              content_type="application/json")
    assert response.status_code == 422
    assert any(d["loc"][-1] == "date" and "before the patient's birth date" in d["msg"]
               for d in response.json()["detail"])
    assert clinician.get(reverse("clinic:patient", args=[world.patient_a.pk])).status_code == 200


@pytest.mark.parametrize(("query", "status"), [
    ("limit=500", 200), ("limit=501", 422), ("offset=1000000000", 200),
    ("offset=1000000001", 422), (f"offset={2 ** 63}", 422), (f"limit={2 ** 63}", 422),
])
def test_api_paging_has_bounds(clinician, world, query, status):
    response = clinician.get(f"/api/patients/{world.patient_a.pk}/labs?{query}")
    assert response.status_code == status


def test_the_api_lab_source_is_a_fixed_vocabulary(clinician, world):
    body = {**UPCR, "value": 1.0, "collected_at": "2026-02-25T09:00:00", "source": "my script"}
    response = clinician.post(f"/api/patients/{world.patient_a.pk}/labs", json.dumps(body),
                              content_type="application/json")
    assert response.status_code == 422
    assert not LabResult.objects.filter(patient=world.patient_a, test="upcr").exists()


def test_no_get_writes_on_the_clinic_patient_page(clinician, world):
    """Opening the page with an unscored visit and a firing rule stores nothing: it says what is
    pending and offers a POST."""
    LabResult.objects.create(patient=world.patient_a, test="upcr", value=1.0, unit="g/g",
                             collected_at="2026-02-25T09:00:00Z")  # a raw row: no write path
    url = reverse("clinic:patient", args=[world.patient_a.pk])
    body = clinician.get(url).content.decode()
    assert not StoredScore.objects.filter(patient=world.patient_a).exists()
    assert not ClinicAlert.objects.filter(patient=world.patient_a).exists()
    assert 'id="unscored"' in body and 'id="alerts-pending"' in body
    assert clinician.post(reverse("clinic:refresh", args=[world.patient_a.pk])).status_code == 302
    assert StoredScore.objects.get(assessment=world.records["assessment_a"],
                                   instrument="sledai2k").value == 8
    assert ClinicAlert.objects.filter(patient=world.patient_a,
                                      code="proteinuria_nephritis_workup").exists()
    assert 'id="alerts-pending"' not in clinician.get(url).content.decode()


def test_a_correction_in_the_admin_rescores_and_the_admin_cannot_delete(world, scored_visit):
    client = _client(world, "admin")
    assert _admin(client, world, UPCR).status_code == 302
    lab = LabResult.objects.get(patient=world.patient_a, test="upcr")
    url = reverse("admin:records_labresult_change", args=[lab.pk])
    response = client.post(url, {
        "test": "upcr", "loinc": "", "value": "0.4", "unit": "g/g", "low": "", "high": "",
        "collected_at_0": "2026-02-25", "collected_at_1": "09:00", "source": "manual"})
    assert response.status_code == 302, response.content.decode()[:2000]
    lab.refresh_from_db()
    assert lab.value == 0.4 and lab.history.first().history_change_reason.startswith("corrected")
    sledai = StoredScore.objects.get(assessment=scored_visit, instrument="sledai2k")
    assert sledai.value == 4  # 0.4 g/g is below the proteinuria item's 0.5 g/g
    assert client.get(reverse("admin:records_labresult_delete", args=[lab.pk])).status_code == 403


def test_a_retracted_lab_no_longer_counts_anywhere(clinician, world, scored_visit):
    assert _clinic_page(clinician, world, UPCR).status_code == 302
    lab = LabResult.objects.get(patient=world.patient_a, test="upcr")
    url = reverse("clinic:record-retract", args=[world.patient_a.pk])
    assert clinician.post(url, {"kind": "lab", "id": lab.pk, "reason": ""}).status_code == 400
    response = clinician.post(url, {"kind": "lab", "id": lab.pk,
                                    "reason": "sample from another patient"})
    assert response.status_code == 302
    assert not LabResult.objects.filter(pk=lab.pk).exists()
    kept = LabResult.all_objects.get(pk=lab.pk)
    assert kept.retraction_reason == "sample from another patient"
    assert kept.retracted_by == world.clinician_a
    sledai = StoredScore.objects.get(assessment=scored_visit, instrument="sledai2k")
    assert sledai.value == 4 and sledai.history.count() == 3
    alert = ClinicAlert.objects.get(patient=world.patient_a, code="proteinuria_nephritis_workup")
    assert alert.status == AlertStatus.RESOLVED
    api = clinician.get(f"/api/patients/{world.patient_a.pk}/labs").json()
    assert lab.pk not in [row["id"] for row in api["items"]]
    with pytest.raises(Exception, match="retracted with a reason"):
        kept.delete()


def test_list_pages_and_the_api_list_audit_the_patients_they_show(clinician, world):
    for url in (reverse("patient-list"), reverse("clinic:dashboard"), "/api/patients"):
        before = AuditEvent.objects.count()
        assert clinician.get(url).status_code == 200
        rows = list(AuditEvent.objects.order_by("-id")[:AuditEvent.objects.count() - before])
        assert any(row.patient_ids == [world.patient_a.pk] for row in rows), url
