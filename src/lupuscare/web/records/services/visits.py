"""Visits: record and amend (with the 28-joint map)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from lupuscare.errors import InputError
from lupuscare.web.records.models import Assessment, AuditAction, Patient

from .base import NON_FIELD, Actor, RecordInvalid, consequences, history_reason
from .validation import validate_visit

VISIT_FIELDS = ("date", "window_days", "findings", "not_attributable", "swollen_28", "tender_28",
                "pga", "bilag_new_a", "bilag_new_b", "notes")


def _joint_counts(visit: Assessment, swollen: Sequence[str] | None, tender: Sequence[str] | None
                  ) -> None:
    """The counts follow the joint map when one is given (``clinic.joints``)."""
    from lupuscare.clinical import joints

    for name, chosen in (("swollen", swollen), ("tender", tender)):
        if chosen is None:
            continue
        unknown = [j for j in chosen if j not in joints.JOINT_NAMES]
        if unknown:
            raise RecordInvalid.one(name, f"unknown joints: {', '.join(map(repr, unknown))}")
        setattr(visit, f"{name}_28", joints.count(chosen))


def new_visit(patient: Patient, *, clinician=None, swollen: Sequence[str] | None = None,
              tender: Sequence[str] | None = None, **fields) -> Assessment:
    """An unsaved, validated visit."""
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise RecordInvalid({f: ["is not a visit field"] for f in sorted(unknown)})
    visit = Assessment(patient=patient, clinician=clinician, **fields)
    _joint_counts(visit, swollen, tender)
    validate_visit(visit)
    return visit


def _save_joints(visit: Assessment, swollen, tender) -> None:
    from lupuscare.web.clinic.models import JointExam

    if swollen is None and tender is None:
        return
    exam = JointExam.objects.filter(assessment=visit).first() or JointExam(assessment=visit)
    exam.swollen = list(swollen or [])
    exam.tender = list(tender or [])
    exam.save()


@transaction.atomic
def record_visit(actor: Actor, patient: Patient, *, swollen: Sequence[str] | None = None,
                 tender: Sequence[str] | None = None, **fields) -> Assessment:
    """Record a visit: validated, saved with its joint map, scored, the visit after it (whose
    ``previous`` it becomes) re-scored, alerts refreshed, audited."""
    clinician = fields.pop("clinician", None) or actor.user
    visit = new_visit(patient, clinician=clinician, swollen=swollen, tender=tender, **fields)
    visit.save()
    _save_joints(visit, swollen, tender)
    actor.audit(patient, AuditAction.CREATE, visit)
    _score(visit, actor)
    consequences(actor, patient, [(visit.date, None)])
    return visit


def _score(visit: Assessment, actor: Actor) -> None:
    from lupuscare.web.clinic import scoring

    try:
        scoring.store_scores(visit, actor.user)
    except InputError as exc:
        raise RecordInvalid.one(NON_FIELD, f"the visit cannot be scored: {exc}") from exc


@transaction.atomic
def amend_visit(actor: Actor, visit: Assessment, *, reason: str,
                swollen: Sequence[str] | None = None, tender: Sequence[str] | None = None,
                **changes) -> Assessment:
    """Correct a visit; its stored scores (and the next visit's) are re-scored."""
    if not (reason or "").strip():
        raise RecordInvalid.one("reason", "say why the visit is corrected (required)")
    visit = Assessment.objects.select_for_update().get(pk=visit.pk)
    before = visit.date
    for name, value in changes.items():
        if name not in VISIT_FIELDS:
            raise RecordInvalid.one(name, "is not a visit field that can be corrected")
        setattr(visit, name, value)
    _joint_counts(visit, swollen, tender)
    validate_visit(visit)
    history_reason(visit, f"corrected: {reason.strip()}")
    visit.save()
    _save_joints(visit, swollen, tender)
    actor.audit(visit.patient, AuditAction.UPDATE, visit)
    _score(visit, actor)
    consequences(actor, visit.patient, [(min(before, visit.date), None)])
    return visit
