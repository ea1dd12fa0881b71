"""`lupuscare fhir export`: a collection Bundle valid against the R4(B) models, and the round trip
export -> import into an empty patient -> export gives the same clinical content."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle

from cli.helpers import invoke
from interop import bundles
from lupuscare.clinical import codes
from lupuscare.web.clinic.alerts import refresh_alerts_or_error
from lupuscare.web.clinic.scoring import store_scores
from lupuscare.web.interop.fhir_export import PATIENT_ID_SYSTEM, export_patient
from lupuscare.web.interop.fhir_import import import_entries
from lupuscare.web.interop.fhir_read import entries_of_bundle
from lupuscare.web.records.models import AuditEvent, Patient

pytestmark = pytest.mark.django_db


def _export(identifier: str) -> dict:
    bundle = export_patient(Patient.objects.get(identifier=identifier))
    doc = json.loads(bundle.model_dump_json(exclude_none=True))
    Bundle.model_validate(doc)  # what was written parses back as a valid Bundle
    return doc


def _resources(doc: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == kind]


def _clinical(doc: dict) -> dict:
    """The clinical content of an export: no ids, no references, no timestamps of the export."""
    (p,) = _resources(doc, "Patient")
    obs = _resources(doc, "Observation")
    return {
        "patient": (p["gender"], p["birthDate"], p["name"]),
        "labs": sorted((json.dumps(o["code"]["coding"]), o.get("effectiveDateTime"),
                        json.dumps(o["valueQuantity"]), json.dumps(o.get("referenceRange")))
                       for o in obs if o["category"][0]["coding"][0]["code"] != "survey"),
        "medicines": sorted((json.dumps(m["medicationCodeableConcept"]), json.dumps(m["effectivePeriod"]),
                             json.dumps(m["dosage"]), m["status"]) for m in _resources(doc, "MedicationStatement")),
        "conditions": [(json.dumps(c["code"]), c["onsetDateTime"]) for c in _resources(doc, "Condition")],
    }


def test_the_export_holds_the_record():
    import_entries(entries_of_bundle(bundles.full_bundle()))
    doc = _export("FHIR-0001")
    assert doc["type"] == "collection"
    (p,) = _resources(doc, "Patient")
    assert p["identifier"] == [{"system": PATIENT_ID_SYSTEM, "value": "FHIR-0001"}]
    labs = {o["code"]["text"]: o for o in _resources(doc, "Observation") if "text" in o["code"]}
    assert labs["c4"]["code"]["coding"][0] == {"system": codes.LOINC, "code": "4498-2"}
    assert labs["c4"]["valueQuantity"] == {"value": 8.0, "unit": "mg/dL", "system": codes.UCUM,
                                           "code": "mg/dL"}
    meds = {m["medicationCodeableConcept"]["text"]: m for m in _resources(doc, "MedicationStatement")}
    mtx = meds["methotrexate"]
    assert mtx["medicationCodeableConcept"]["coding"][0] == {"system": codes.RXNORM, "code": "6851"}
    assert mtx["dosage"][0]["timing"]["repeat"] == {"frequency": 1, "period": 1.0, "periodUnit": "wk"}
    assert mtx["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 15
    assert AuditEvent.objects.filter(action="read", path="<fhir export>").count() == 1


def test_round_trip_export_import_export_keeps_the_clinical_content():
    import_entries(entries_of_bundle(bundles.full_bundle()))
    first = _export("FHIR-0001")
    again = import_entries(entries_of_bundle(first))  # its own export changes nothing
    assert all(c["created"] == c["updated"] == 0 for c in again["resources"].values()), again
    moved = json.loads(json.dumps(first))
    _resources(moved, "Patient")[0]["identifier"][0]["value"] = "FHIR-0002"  # an empty record
    summary = import_entries(entries_of_bundle(moved))
    assert summary["resources"]["Patient"]["created"] == 1
    second = _export("FHIR-0002")
    assert _clinical(second) == _clinical(first)
    assert len(_clinical(first)["labs"]) == 4 and len(_clinical(first)["medicines"]) == 3


def test_visits_scores_and_alerts_are_exported(world):
    visit = world.records["assessment_a"]
    store_scores(visit)
    refresh_alerts_or_error(world.patient_a, None)
    doc = _export(world.patient_a.identifier)
    (encounter,) = _resources(doc, "Encounter")
    assert encounter["period"]["start"] == visit.date.isoformat()
    scores = [o for o in _resources(doc, "Observation")
              if o["code"]["coding"][0]["system"] == codes.LUPUSCARE_INSTRUMENT_SYSTEM]
    sledai = next(o for o in scores if o["code"]["coding"][0]["code"] == "sledai2k")
    assert sledai["valueQuantity"]["value"] == 4
    url = next(e["fullUrl"] for e in doc["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert sledai["encounter"]["reference"] == url


def test_the_command(tmp_path, world):
    out = tmp_path / "a.json"
    ran = invoke("fhir", "export", "--patient", world.patient_a.identifier, "--out", str(out))
    assert ran.code == 0, ran.err
    assert json.loads(out.read_text())["resourceType"] == "Bundle"
    ran = invoke("fhir", "export", "--patient", "NOBODY")
    assert ran.code == 2 and "no patient with identifier 'NOBODY'" in ran.err
