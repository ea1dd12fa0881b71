"""FHIR R4 inputs the tests import, built in code so each test can break one element.

A new patient (identifier ``urn:example:mrn|FHIR-0001``) with C3, C4 and a temperature, a body
weight, prednisone 10 mg daily, methylprednisolone 500 mg IV (a pulse), methotrexate 15 mg
weekly, SLE and lupus nephritis conditions and an allergy (ignored).
"""

from __future__ import annotations

import copy
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
MRN = "urn:example:mrn"
PATIENT_URL = "urn:uuid:0f0e6a7e-6b9a-4f5b-9d7e-000000000001"


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def lab(loinc: str, value: float, unit: str, when: str, subject: str = PATIENT_URL) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": loinc}]},
            "subject": {"reference": subject}, "effectiveDateTime": when,
            "valueQuantity": quantity(value, unit)}


def patient(identifier: str = "FHIR-0001", **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": MRN, "value": identifier}],
            "name": [{"family": "Okonkwo", "given": ["Ada"]}], "gender": "female",
            "birthDate": "1985-04-12", **extra}


def statement(drug_text: str, dose: dict | None, start: str, *, route: str | None = None,
              repeat: dict | None = None, end: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"timing": {"repeat": repeat or {"frequency": 1, "period": 1, "periodUnit": "d"}}}
    if dose is not None:
        d["doseAndRate"] = [{"doseQuantity": dose}]
    if route:
        d["route"] = {"coding": [{"system": SNOMED, "code": route}]}
    period = {"start": start} | ({"end": end} if end else {})
    return {"resourceType": "MedicationStatement", "status": "active",
            "medicationCodeableConcept": {"text": drug_text},
            "subject": {"reference": PATIENT_URL}, "effectivePeriod": period, "dosage": [d]}


def bundle(*resources: dict[str, Any], kind: str = "transaction", with_patient: bool = True
           ) -> dict[str, Any]:
    entries = []
    if with_patient:
        entries.append({"fullUrl": PATIENT_URL, "resource": patient(),
                        "request": {"method": "POST", "url": "Patient"}})
    for k, r in enumerate(resources):
        entries.append({"fullUrl": f"urn:uuid:0f0e6a7e-6b9a-4f5b-9d7e-1000000000{k:02d}",
                        "resource": copy.deepcopy(r),
                        "request": {"method": "POST", "url": r["resourceType"]}})
    if kind != "transaction":
        for e in entries:
            e.pop("request")
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def full_bundle() -> dict[str, Any]:
    return bundle(
        lab("4485-9", 0.62, "g/L", "2026-02-20T09:00:00+00:00"),          # entry[1]: C3
        lab("4498-2", 8, "mg/dL", "2026-02-20T09:00:00+00:00"),           # entry[2]: C4
        lab("8310-5", 100.4, "[degF]", "2026-02-20T09:05:00+00:00"),      # entry[3]: temperature
        {"resourceType": "Observation", "status": "final",                 # entry[4]: weight
         "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
         "subject": {"reference": PATIENT_URL}, "effectiveDateTime": "2026-02-20",
         "valueQuantity": quantity(64.5, "kg")},
        statement("Prednisone 5 mg tablet", quantity(10, "mg"), "2026-01-10"),   # entry[5]
        statement("methylprednisolone", quantity(0.5, "g"), "2026-01-05",        # entry[6]: pulse
                  route="47625008", end="2026-01-07"),
        statement("Methotrexate", quantity(15, "mg"), "2025-06-01",              # entry[7]: weekly
                  repeat={"frequency": 1, "period": 1, "periodUnit": "wk"}),
        {"resourceType": "Condition", "subject": {"reference": PATIENT_URL},     # entry[8]: SLE
         "code": {"coding": [{"system": SNOMED, "code": "55464009"}]}, "onsetDateTime": "2019-03-01"},
        {"resourceType": "Condition", "subject": {"reference": PATIENT_URL},     # entry[9]: LN
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M32.14"}]}},
        {"resourceType": "AllergyIntolerance", "patient": {"reference": PATIENT_URL},  # entry[10]
         "code": {"text": "penicillin"}},
    )
