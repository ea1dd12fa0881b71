"""The records the clinic keeps beside visits and labs: kidney biopsies (read by the ``biopsy``
instrument), retinal screening exams and contraception (the safety rules read both), and
classification worksheets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from lupuscare.errors import InputError
from lupuscare.instruments.registry import score as score_instrument
from lupuscare.web.records.models import AuditAction, Patient

from .base import NON_FIELD, Actor, RecordInvalid, consequences
from .validation import validate_dated

CLASSIFICATION_INSTRUMENTS = ("eular-acr-2019", "slicc-2012")


@transaction.atomic
def record_biopsy(actor: Actor, patient: Patient, *, date: dt.date, isn_rps_class: str,
                  revision: str, activity: dict[str, int], chronicity: dict[str, int],
                  notes: str = ""):
    """A kidney biopsy, validated and indexed by the ``biopsy`` instrument before it is saved."""
    from lupuscare.web.clinic.models import Biopsy

    biopsy = Biopsy(patient=patient, date=date, isn_rps_class=isn_rps_class, revision=revision,
                    activity=activity, chronicity=chronicity, notes=notes)
    document = {"biopsy": {"date": date.isoformat(), "class": isn_rps_class, "revision": revision,
                           "activity": activity, "chronicity": chronicity}}
    try:
        result = score_instrument("biopsy", document).to_dict()
    except InputError as exc:
        field = "isn_rps_class" if "class" in exc.field else NON_FIELD
        raise RecordInvalid.one(field, str(exc)) from exc
    biopsy.result = result
    biopsy.activity_index = result["activity_index"]
    biopsy.chronicity_index = result["chronicity_index"]
    validate_dated(biopsy, "date")
    biopsy.save()
    actor.audit(patient, AuditAction.CREATE, biopsy)
    return biopsy


@transaction.atomic
def record_eye_exam(actor: Actor, patient: Patient, *, date: dt.date, notes: str = ""):
    """A retinal screening exam (the hydroxychloroquine screening rule reads its date)."""
    from lupuscare.web.clinic.models import EyeExam

    exam = EyeExam(patient=patient, date=date, notes=notes)
    validate_dated(exam, "date")
    exam.save()
    actor.audit(patient, AuditAction.CREATE, exam)
    consequences(actor, patient, [])
    return exam


@transaction.atomic
def record_contraception(actor: Actor, patient: Patient, *, method: str, start: dt.date,
                         stop: dt.date | None = None):
    """Contraception in use (the teratogen rule reads whether any is current)."""
    from lupuscare.web.clinic.models import Contraception

    row = Contraception(patient=patient, method=method, start=start, stop=stop)
    validate_dated(row, "start", stop_field="stop")
    row.save()
    actor.audit(patient, AuditAction.CREATE, row)
    consequences(actor, patient, [])
    return row


def classify(date: dt.date, criteria: list[str], not_attributable: list[str],
             ana_titer: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, results) of the classification instruments; ``RecordInvalid`` on bad input."""
    document: dict[str, Any] = {"date": date.isoformat(), "criteria": list(criteria),
                                "not_attributable": list(not_attributable)}
    if ana_titer is not None:
        document["ana_titer"] = ana_titer
    try:
        results = {name: score_instrument(name, document).to_dict()
                   for name in CLASSIFICATION_INSTRUMENTS}
    except InputError as exc:
        raise RecordInvalid.one(NON_FIELD, str(exc)) from exc
    return document, results


@transaction.atomic
def record_classification(actor: Actor, patient: Patient, *, date: dt.date, criteria: list[str],
                          not_attributable: list[str], ana_titer: int | None = None):
    """A classification worksheet (EULAR/ACR 2019 and SLICC 2012: classification, not
    diagnosis), stored with its document and results."""
    from lupuscare.web.clinic.models import ClassificationWorksheet

    document, results = classify(date, criteria, not_attributable, ana_titer)
    sheet = ClassificationWorksheet(
        patient=patient, date=date, ana_titer=ana_titer, criteria=document["criteria"],
        not_attributable=document["not_attributable"], results=results, document=document,
        created_by=actor.user)
    validate_dated(sheet, "date")
    sheet.save()
    actor.audit(patient, AuditAction.CREATE, sheet)
    return sheet
