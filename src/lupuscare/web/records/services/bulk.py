"""Bulk writes (the demo loader, large imports): the same validators and the same consequences
as one record at a time, applied to many rows.

``validate_rows`` checks every unsaved row with its record type's validator (the one the single
write services call) and raises ``RecordInvalid`` naming the first bad row; nothing is saved
then. After the rows are inserted, ``consequences_of_import`` scores every visit, stores each
patient's alerts and writes one audit row per patient, as the single services do per record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from lupuscare.web.records.models import AuditAction, Patient

from .base import Actor, RecordInvalid
from .validation import (
    validate_course,
    validate_damage,
    validate_diary_entry,
    validate_lab,
    validate_visit,
)

_VALIDATORS = (validate_visit, validate_lab, validate_course, validate_damage, validate_diary_entry)


def validate_rows(*groups: Sequence, today: dt.date | None = None) -> None:
    """``groups``: visits, labs, courses, damage items, diary entries (unsaved rows, in that
    order). ``today``: the day the rows are checked against (a loader's "as of")."""
    for validate, rows in zip(_VALIDATORS, groups, strict=True):
        for n, row in enumerate(rows, start=1):
            try:
                validate(row, today=today)
            except RecordInvalid as exc:
                kind = type(row).__name__
                raise RecordInvalid({f"{kind}[{n}].{field}": messages
                                     for field, messages in exc.errors.items()}) from exc


def consequences_of_import(patient_ids: Iterable[int], via: str, today: dt.date | None = None,
                           user=None) -> dict[str, int]:
    """Score every unscored visit and store the alerts of each patient just imported; one
    audit row per patient. Returns counts."""
    from lupuscare.web.clinic import alerts, scoring

    actor = Actor.system(via, user)
    counts = {"patients": 0, "visits_scored": 0, "alerts": 0}
    for patient in Patient.objects.filter(pk__in=list(patient_ids)).order_by("pk"):
        counts["visits_scored"] += scoring.score_missing(patient.pk, user)
        rows, _error = alerts.refresh_alerts_or_error(patient, today)
        counts["alerts"] += len(rows)
        actor.audit(patient, AuditAction.CREATE, patient)
        counts["patients"] += 1
    return counts
