"""Patient details the instruments and rules read (weight, sex, birth date, pregnancy potential)."""

from __future__ import annotations

from django.db import transaction

from lupuscare.web.records.models import AuditAction, Patient

from .base import Actor, RecordInvalid, consequences, history_reason, validated

CLINICAL_FIELDS = ("birth_date", "sex", "weight_kg", "sle_diagnosis_date", "can_become_pregnant")
NEW_PATIENT_FIELDS = ("identifier", "given_name", "family_name", *CLINICAL_FIELDS)


@transaction.atomic
def create_patient(actor: Actor, **fields) -> Patient:
    """Register a patient (an import that brings one the record does not hold yet): validated,
    saved, audited. A new patient has no visits, so nothing is re-scored."""
    unknown = set(fields) - set(NEW_PATIENT_FIELDS)
    if unknown:
        raise RecordInvalid({f: ["is not a field of a new patient"] for f in sorted(unknown)})
    patient = Patient(**fields)
    validated(patient, exclude=("user", "care_team"))
    if Patient.objects.filter(identifier=patient.identifier).exists():
        raise RecordInvalid.one("identifier", "a patient with this identifier already exists")
    patient.save()
    actor.audit(patient, AuditAction.CREATE, patient)
    return patient


@transaction.atomic
def update_patient(actor: Actor, patient: Patient, *, reason: str = "", **changes) -> Patient:
    """Change a patient's details; every visit document embeds them (weight: HCQ mg/kg, sex and
    birth date: age and sex limits), so every scored visit is re-checked and alerts refreshed."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    for name, value in changes.items():
        if name in ("id", "pk") or name not in {f.name for f in Patient._meta.concrete_fields}:
            raise RecordInvalid.one(name, "is not a patient field")
        setattr(patient, name, value)
    validated(patient, exclude=("user", "care_team"))
    if reason:
        history_reason(patient, reason)
    patient.save()
    actor.audit(patient, AuditAction.UPDATE, patient)
    if any(name in CLINICAL_FIELDS for name in changes):
        consequences(actor, patient, [(patient.birth_date, None)])
    return patient
