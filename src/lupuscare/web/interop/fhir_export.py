"""FHIR R4 export: one patient's record as a ``collection`` Bundle built from fhir.resources models.

What goes in (docs/fhir.md): the Patient (identifier in lupuscare's identifier system, name,
gender, birth date), body weight as a vital-sign Observation, SLE as a Condition when the
diagnosis date is known, every current lab as an Observation (LOINC and UCUM), every current
course as a MedicationStatement (RxNorm where the code map has it, else lupuscare's drug
CodeSystem; the mean daily dose with its schedule), every visit as an Encounter, every stored
score as an Observation coded in lupuscare's instrument CodeSystem (no LOINC code for these
instruments was verified), and every live alert as a DetectedIssue. Retracted rows are not
exported (their default managers hide them). The read is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from lupuscare.clinical import codes
from lupuscare.clinical.dose_timing import DAYS_PER_PERIOD_UNIT
from lupuscare.web.records.models import AuditAction, Patient

PATIENT_ID_SYSTEM = "https://lupuscare.org/fhir/sid/patient-identifier"
_NAMESPACE = uuid.UUID("6f1c7a52-3d7e-4b0a-9a51-1d1b2f0c9e11")
_ROUTE_SNOMED = {"oral": ("26643006", "Oral route"), "iv": ("47625008", "Intravenous route"),
                 "sc": ("34206005", "Subcutaneous route"), "im": ("78421000", "Intramuscular route"),
                 "topical": ("6064005", "Topical route")}
# The record's schedule as a FHIR Timing.repeat: (frequency, period, periodUnit).
SCHEDULE_REPEAT = {"daily": (1, 1, "d"), "alternate_day": (1, 2, "d"), "weekly": (1, 1, "wk"),
                   "monthly": (1, 1, "mo")}
_SEVERITY = {"urgent": "high", "warning": "moderate", "info": "low"}
_OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _urn(kind: str, key: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{key}')}"


def _instant(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": _OBS_CATEGORY, "code": code}]}]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def _patient(p: Patient) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": str(p.pk),
            "identifier": [{"system": PATIENT_ID_SYSTEM, "value": p.identifier}],
            "name": [{"family": p.family_name, "given": p.given_name.split()}],
            "gender": p.sex, "birthDate": p.birth_date.isoformat()}


def _lab(lab, subject: dict[str, str]) -> dict[str, Any]:
    coding = [{"system": codes.LUPUSCARE_LAB_SYSTEM, "code": lab.test}]
    loinc = lab.loinc or codes.TEST_TO_LOINC.get(lab.test)
    if loinc:
        coding.insert(0, {"system": codes.LOINC, "code": loinc})
    res: dict[str, Any] = {
        "resourceType": "Observation", "id": f"lab-{lab.pk}", "status": "final",
        "category": _category("laboratory"), "code": {"coding": coding, "text": lab.test},
        "subject": subject, "effectiveDateTime": _instant(lab.collected_at),
        "valueQuantity": _quantity(lab.value, lab.unit)}
    if lab.low is not None or lab.high is not None:
        rr = {}
        if lab.low is not None:
            rr["low"] = _quantity(lab.low, lab.unit)
        if lab.high is not None:
            rr["high"] = _quantity(lab.high, lab.unit)
        res["referenceRange"] = [rr]
    return res


def _course(c, subject: dict[str, str], today: dt.date) -> dict[str, Any]:
    coding = [{"system": codes.LUPUSCARE_DRUG_SYSTEM, "code": c.drug}]
    if rx := codes.rxnorm_for_drug(c.drug):
        coding.insert(0, {"system": codes.RXNORM, "code": rx})
    period = {"start": c.start.isoformat()} | ({"end": c.stop.isoformat()} if c.stop else {})
    dosage: dict[str, Any] = {
        "timing": {"code": {"coding": [{"system": codes.LUPUSCARE_SCHEDULE_SYSTEM, "code": c.schedule}]}}}
    if c.route in _ROUTE_SNOMED:
        code, display = _ROUTE_SNOMED[c.route]
        dosage["route"] = {"coding": [{"system": codes.SNOMED, "code": code, "display": display}],
                           "text": c.route}
    if c.daily_dose_mg is not None and not c.pulse:
        freq, period_len, unit = SCHEDULE_REPEAT.get(c.schedule, (1, 1, "d"))
        per_admin = c.daily_dose_mg * float(period_len * DAYS_PER_PERIOD_UNIT[unit]) / freq
        dosage["timing"]["repeat"] = {"frequency": freq, "period": period_len, "periodUnit": unit}
        dosage["doseAndRate"] = [{"doseQuantity": _quantity(round(per_admin, 6), "mg")}]
        dosage["text"] = f"mean daily dose {c.daily_dose_mg:g} mg"
    status = "completed" if c.stop is not None and c.stop < today else "active"
    return {"resourceType": "MedicationStatement", "id": f"course-{c.pk}", "status": status,
            "medicationCodeableConcept": {"coding": coding, "text": c.drug}, "subject": subject,
            "effectivePeriod": period, "dosage": [dosage]}


def _score(s, subject: dict[str, str], encounter: str) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation", "id": f"score-{s.pk}", "status": "final",
        "category": _category("survey"),
        "code": {"coding": [{"system": codes.LUPUSCARE_INSTRUMENT_SYSTEM, "code": s.instrument}],
                 "text": s.instrument},
        "subject": subject, "encounter": {"reference": encounter},
        "effectiveDateTime": s.date.isoformat(), "method": {"text": s.version[:300]}}
    if s.value is not None:
        res["valueQuantity"] = {"value": s.value}
    elif s.met is not None:
        res["valueBoolean"] = s.met
    elif s.category:
        res["valueString"] = s.category
    return res


def _alert(a, subject: dict[str, str]) -> dict[str, Any]:
    return {"resourceType": "DetectedIssue", "id": f"alert-{a.pk}", "status": "final",
            "code": {"coding": [{"system": codes.LUPUSCARE_ALERT_SYSTEM, "code": a.code}]},
            "severity": _SEVERITY.get(a.severity, "low"), "patient": subject,
            "identifiedDateTime": a.last_evaluated_on.isoformat(), "detail": a.message}


def export_patient(patient: Patient, *, actor=None, today: dt.date | None = None) -> Bundle:
    """The patient's record as a validated R4 ``collection`` Bundle; the read is audited."""
    from lupuscare.web.clinic.models import ClinicAlert, StoredScore
    from lupuscare.web.records.services import Actor

    today = today or timezone.localdate()
    purl = _urn("patient", patient.identifier)
    subject = {"reference": purl}
    items: list[tuple[str, dict[str, Any]]] = [(purl, _patient(patient))]
    if patient.weight_kg is not None:
        items.append((_urn("weight", patient.pk), {
            "resourceType": "Observation", "id": f"weight-{patient.pk}", "status": "final",
            "category": _category("vital-signs"),
            "code": {"coding": [{"system": codes.LOINC, "code": codes.BODY_WEIGHT_LOINC,
                                 "display": "Body weight"}]},
            "subject": subject, "valueQuantity": _quantity(patient.weight_kg, "kg")}))
    if patient.sle_diagnosis_date is not None:
        sle = [c for c in codes.CONDITION_CODES if c.condition == "sle" and c.code in ("55464009", "M32.9")]
        items.append((_urn("condition", patient.pk), {
            "resourceType": "Condition", "id": f"sle-{patient.pk}", "subject": subject,
            "code": {"coding": [{"system": c.system, "code": c.code, "display": c.display} for c in sle]},
            "onsetDateTime": patient.sle_diagnosis_date.isoformat()}))
    for lab in patient.lab_results.order_by("collected_at", "id"):
        items.append((_urn("lab", lab.pk), _lab(lab, subject)))
    for c in patient.medications.order_by("start", "id"):
        items.append((_urn("course", c.pk), _course(c, subject, today)))
    encounters = {}
    for v in patient.assessments.order_by("date", "id"):
        encounters[v.pk] = _urn("visit", v.pk)
        items.append((encounters[v.pk], {
            "resourceType": "Encounter", "id": f"visit-{v.pk}", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": subject, "period": {"start": v.date.isoformat(), "end": v.date.isoformat()}}))
    for s in StoredScore.objects.filter(patient=patient).order_by("date", "instrument"):
        items.append((_urn("score", s.pk), _score(s, subject, encounters[s.assessment_id])))
    for a in ClinicAlert.objects.filter(patient=patient).exclude(status="resolved"):
        items.append((_urn("alert", a.pk), _alert(a, subject)))
    entries = [{"fullUrl": url, "resource": get_fhir_model_class(r["resourceType"]).model_validate(r)}
               for url, r in items]
    bundle = Bundle.model_validate({"resourceType": "Bundle", "type": "collection",
                                    "timestamp": timezone.now().isoformat(), "entry": entries})
    (actor or Actor.system("fhir export")).audit(patient, AuditAction.READ, patient)
    return bundle
