"""Access rules of the FHIR endpoints for the URL walk (``tests/web/access.py``): import and
export for the clinician of the patient's care team only; the CapabilityStatement for anyone."""

from __future__ import annotations

from typing import Any

from lupuscare.web.records.models import LabResult
from web.access import CLIN_IN, CLIN_OUT, EVERYONE, Rule
from web.factories import World

TEAM = frozenset({CLIN_IN})


def _transaction(world: World) -> dict[str, Any]:
    p = world.patient_a
    url = "urn:uuid:4a1f0c52-0000-4000-8000-000000000001"
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": url, "request": {"method": "PUT", "url": "Patient"}, "resource": {
            "resourceType": "Patient", "identifier": [{"system": "urn:example:mrn", "value": p.identifier}],
            "name": [{"family": p.family_name, "given": [p.given_name]}], "gender": p.sex,
            "birthDate": p.birth_date.isoformat()}},
        {"request": {"method": "POST", "url": "Observation"}, "resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4498-2"}]},
            "subject": {"reference": url}, "effectiveDateTime": "2026-03-01T10:00:00Z",
            "valueQuantity": {"value": 0.08, "unit": "g/L", "system": "http://unitsofmeasure.org",
                              "code": "g/L"}}},
    ]}


RULES = {
    "fhir:metadata": Rule(EVERYONE),
    "fhir:everything": Rule(TEAM, shows_patient_a=True),
    "fhir:transaction": Rule(frozenset({CLIN_IN, CLIN_OUT}), ok=frozenset({405})),  # GET: POST only
    "fhir:transaction POST": Rule(TEAM, method="post", payload=_transaction, json=True,
                                  creates=LabResult),
}
