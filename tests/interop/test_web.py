"""The FHIR endpoints: POST /fhir/ (transaction Bundle), $everything, metadata."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from interop.access_rules import _transaction
from lupuscare.web.records.models import AuditEvent, LabResult, Patient

pytestmark = pytest.mark.django_db


def _post(client: Client, doc) -> object:
    return client.post("/fhir/", json.dumps(doc), content_type="application/fhir+json")


def test_a_transaction_bundle_is_imported_once(clinician, world):
    response = _post(clinician, _transaction(world))
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["resources"]["Observation"]["created"] == 1
    lab = LabResult.objects.get(patient=world.patient_a, test="c4", source="fhir")
    assert AuditEvent.objects.filter(object_id=str(lab.pk), path="/fhir/").exists()
    again = json.loads(_post(clinician, _transaction(world)).content)
    assert again["resources"]["Observation"] == {"created": 0, "updated": 0, "unchanged": 1, "ignored": 0}


def test_a_bad_bundle_gets_an_operation_outcome_naming_the_path(clinician, world):
    doc = _transaction(world)
    doc["entry"][1]["resource"]["valueQuantity"]["value"] = 90
    response = _post(clinician, doc)
    assert response.status_code == 400 and response["Content-Type"] == "application/fhir+json"
    issue = json.loads(response.content)["issue"][0]
    assert issue["expression"] == ["Bundle.entry[1].resource.valueQuantity.value"]
    assert _post(clinician, {**doc, "type": "collection"}).status_code == 400
    assert clinician.post("/fhir/", b"{", content_type="application/json").status_code == 400
    assert not LabResult.objects.filter(source="fhir").exists()


def test_the_web_door_registers_no_patient_and_writes_only_for_the_team(clinician, world):
    doc = _transaction(world)
    doc["entry"][0]["resource"]["identifier"][0]["value"] = world.patient_b.identifier
    response = _post(clinician, doc)
    assert response.status_code == 403
    doc["entry"][0]["resource"]["identifier"][0]["value"] = "NEW-PATIENT"
    response = _post(clinician, doc)
    assert response.status_code == 403
    assert b"no patient you may record for" in response.content
    assert not Patient.objects.filter(identifier="NEW-PATIENT").exists()


def test_everything_and_metadata(clinician, world, client):
    response = clinician.get(f"/fhir/Patient/{world.patient_a.pk}/$everything")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.entry[0].resource.identifier[0].value == world.patient_a.identifier
    assert clinician.get(f"/fhir/Patient/{world.patient_b.pk}/$everything").status_code == 404
    meta = client.get("/fhir/metadata")
    assert CapabilityStatement.model_validate_json(meta.content).fhirVersion == "4.0.1"
