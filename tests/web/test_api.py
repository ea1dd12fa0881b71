"""The JSON API: session-authenticated, CSRF-checked, 422 naming each bad field, nothing half-saved,
every read of patient data audited."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lupuscare.web.records.models import Assessment, AuditEvent, LabResult

from .factories import World

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json")


def _bad_fields(response) -> set[str]:
    return {item["loc"][-1] for item in response.json()["detail"]}


def test_anonymous_gets_no_data_and_no_schema(world: World):
    client = Client()
    assert client.get("/api/patients").status_code == 401
    assert client.get(f"/api/patients/{world.patient_a.pk}").status_code == 401
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 401 and b"paths" not in schema.content


def test_schema_for_signed_in_users(world: World):
    response = _client(world.clinician_a).get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/patients/{patient_id}/assessments" in paths
    assert "/api/patients/{patient_id}/labs" in paths


def test_clinician_lists_only_their_teams_patients(world: World):
    body = _client(world.clinician_a).get("/api/patients").json()
    assert [p["identifier"] for p in body["items"]] == [world.patient_a.identifier]
    assert body["count"] == 1


def test_patient_reads_own_record_and_not_another(world: World):
    client = _client(world.patient_a.user)
    assert client.get(f"/api/patients/{world.patient_a.pk}").json()["family_name"] == (
        world.patient_a.family_name
    )
    assert client.get(f"/api/patients/{world.patient_b.pk}").status_code == 404
    assert client.get(f"/api/patients/{world.patient_b.pk}/labs").status_code == 404


def test_reads_are_audited_with_who_what_and_where(world: World):
    client = _client(world.clinician_a)
    before = AuditEvent.objects.count()
    client.get(f"/api/patients/{world.patient_a.pk}/labs", REMOTE_ADDR="203.0.113.7")
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.user == world.clinician_a and event.username == "dr_in_team"
    assert event.patient_id == world.patient_a.pk and event.action == "read"
    assert event.path == f"/api/patients/{world.patient_a.pk}/labs" and event.ip == "203.0.113.7"


def test_refused_reads_write_no_audit_event_about_the_patient(world: World):
    _client(world.clinician_b).get(f"/api/patients/{world.patient_a.pk}")
    assert not AuditEvent.objects.filter(patient=world.patient_a).exists()


def test_create_assessment(world: World):
    client = _client(world.clinician_a)
    url = f"/api/patients/{world.patient_a.pk}/assessments"
    response = _post(client, url, {"date": "2026-04-01", "findings": ["arthritis"], "pga": 1.5,
                                   "swollen_28": 3, "tender_28": 4, "window_days": 30})
    assert response.status_code == 201, response.content
    created = Assessment.objects.get(pk=response.json()["id"])
    assert created.clinician == world.clinician_a and created.window_days == 30
    assert created.history.first().history_user == world.clinician_a
    assert AuditEvent.objects.filter(action="create", object_id=str(created.pk)).exists()


def test_bad_assessment_answers_422_naming_each_field_and_saves_nothing(world: World):
    client = _client(world.clinician_a)
    url = f"/api/patients/{world.patient_a.pk}/assessments"
    before = Assessment.objects.count()
    response = _post(client, url, {"date": "2026-04-01", "findings": ["arthritis", "wobbly"],
                                   "pga": 3.5, "swollen_28": 29, "window_days": 14})
    assert response.status_code == 422
    assert _bad_fields(response) == {"findings", "pga", "swollen_28", "window_days"}
    assert Assessment.objects.count() == before


def test_wrong_types_answer_422_naming_the_field(world: World):
    client = _client(world.clinician_a)
    url = f"/api/patients/{world.patient_a.pk}/assessments"
    response = _post(client, url, {"date": "not-a-date", "pga": "high"})
    assert response.status_code == 422
    assert {"date", "pga"} <= _bad_fields(response)


def test_create_lab_and_refuse_an_unknown_unit(world: World):
    client = _client(world.clinician_a)
    url = f"/api/patients/{world.patient_a.pk}/labs"
    good = {"test": "c3", "value": 0.7, "unit": "g/L", "low": 0.9, "high": 1.8,
            "collected_at": "2026-04-01T08:30:00Z"}
    assert _post(client, url, good).status_code == 201
    before = LabResult.objects.count()
    response = _post(client, url, {**good, "unit": "furlongs", "high": 0.1})
    assert response.status_code == 422
    assert _bad_fields(response) == {"unit", "high"}
    assert LabResult.objects.count() == before


def test_patients_and_other_clinicians_cannot_record(world: World):
    url = f"/api/patients/{world.patient_a.pk}/assessments"
    assert _post(_client(world.patient_a.user), url, {"date": "2026-04-01"}).status_code == 403
    assert _post(_client(world.clinician_b), url, {"date": "2026-04-01"}).status_code == 404
    assert not Assessment.objects.filter(date="2026-04-01").exists()


def test_posts_need_the_csrf_token(world: World):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.clinician_a)
    url = f"/api/patients/{world.patient_a.pk}/assessments"
    response = _post(client, url, {"date": "2026-04-01"})
    assert response.status_code == 403
    assert not Assessment.objects.filter(date="2026-04-01").exists()


def test_assessment_document_is_the_seam(world: World):
    a = world.records["assessment_a"]
    body = _client(world.clinician_a).get(
        f"/api/patients/{world.patient_a.pk}/assessments/{a.pk}/document"
    ).json()
    assert body == json.loads(json.dumps(a.to_document()))
    # another patient's visit through patient A's URL is not found
    b = world.records["assessment_b"]
    response = _client(world.clinician_a).get(
        f"/api/patients/{world.patient_a.pk}/assessments/{b.pk}/document"
    )
    assert response.status_code == 404


def test_api_docs_use_local_assets(world: World):
    body = _client(world.clinician_a).get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "https://" not in body and "http://" not in body
