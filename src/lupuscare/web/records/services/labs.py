"""Lab results: record (one or a whole import), amend, retract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from lupuscare.web.records.models import AuditAction, LabResult, Patient

from .base import Actor, RecordInvalid, Span, amend, consequences, retract
from .validation import validate_lab

# Where a result came from (the API and imports take only these).
SOURCES = ("manual", "import", "api", "demo", "fhir")
# What a caller of the JSON API may name (the demo loader's mark is not theirs to set).
API_SOURCES = tuple(s for s in SOURCES if s != "demo")
_LAB_FIELDS = ("test", "loinc", "value", "unit", "low", "high", "collected_at")


def lab_span(lab: LabResult) -> Span:
    """The visit dates whose window can hold ``lab``: from its day, for the longest window."""
    from lupuscare.web.clinic.scoring import MAX_WINDOW_DAYS

    day = timezone.localtime(lab.collected_at).date()
    return day, day + dt.timedelta(days=MAX_WINDOW_DAYS)


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise RecordInvalid.one("source", f"{source!r} is not a known source; one of {', '.join(SOURCES)}")


def _aware(value):
    """A collection time without a zone is the clinic's local time (settings.TIME_ZONE)."""
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def new_lab(patient: Patient, *, source: str = "manual", **fields) -> LabResult:
    """An unsaved, validated lab result (``RecordInvalid`` names each bad field)."""
    _check_source(source)
    unknown = set(fields) - set(_LAB_FIELDS)
    if unknown:
        raise RecordInvalid({f: ["is not a lab result field"] for f in sorted(unknown)})
    if "collected_at" in fields:
        fields["collected_at"] = _aware(fields["collected_at"])
    lab = LabResult(patient=patient, source=source, **fields)
    validate_lab(lab)
    return lab


@transaction.atomic
def record_lab(actor: Actor, patient: Patient, *, source: str = "manual", **fields) -> LabResult:
    """Record one result: validated, saved, the visits whose window holds it re-scored, alerts
    refreshed, audited."""
    lab = new_lab(patient, source=source, **fields)
    lab.save()
    actor.audit(patient, AuditAction.CREATE, lab)
    consequences(actor, patient, [lab_span(lab)])
    return lab


@transaction.atomic
def record_labs(actor: Actor, patient: Patient, labs: Sequence[LabResult]) -> list[LabResult]:
    """Record many results at once (an import): each validated as ``record_lab`` validates (the
    caller collects the per-row errors with ``new_lab`` first), saved with its history row, the
    affected visits re-scored once, alerts refreshed once, one audit row per result."""
    for lab in labs:
        if lab.patient_id != patient.pk:
            raise RecordInvalid.one("patient", "every result must belong to the same patient")
        _check_source(lab.source)
        validate_lab(lab)
    saved = bulk_create_with_history(list(labs), LabResult)
    for lab in saved:
        actor.audit(patient, AuditAction.CREATE, lab)
    consequences(actor, patient, [lab_span(lab) for lab in saved])
    return saved


@transaction.atomic
def amend_lab(actor: Actor, lab: LabResult, *, reason: str, **changes) -> LabResult:
    """Correct a result (e.g. a unit typed wrongly); the value before stays in its history."""
    return amend(actor, LabResult, lab, reason=reason, changes=changes, fields=_LAB_FIELDS,
                 label="lab result", validate=validate_lab, span=lab_span,
                 prepare=lambda name, value: _aware(value) if name == "collected_at" else value)


@transaction.atomic
def retract_lab(actor: Actor, lab: LabResult, *, reason: str) -> LabResult:
    """Withdraw a result entered in error: the row stays (with who, when, why) but no score,
    rule or page reads it any more."""
    lab = retract(actor, LabResult, lab, reason)
    consequences(actor, lab.patient, [lab_span(lab)])
    return lab
