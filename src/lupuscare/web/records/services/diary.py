"""The patient's daily check-in: one entry per local date, saved again to edit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from lupuscare.web.records.models import AuditAction, DiaryEntry, Patient

from .base import Actor, consequences
from .validation import validate_diary_entry


@transaction.atomic
def record_diary_entry(actor: Actor, patient: Patient, day: dt.date, *, time_zone: str,
                       symptoms: dict[str, int], warning_signs: list[str],
                       triggers: dict[str, Any], notes: str) -> tuple[DiaryEntry, bool]:
    """Create or update the entry of ``day`` (history keeps every earlier version), then refresh
    the patient's alerts as of the later of the clinic's date and ``day`` (a patient whose time
    zone is already on tomorrow is not "in the future"): a red flag reaches the clinic's
    work-list at once. Returns (entry, created)."""
    from django.utils import timezone

    entry = (DiaryEntry.objects.select_for_update().filter(patient=patient, local_date=day).first()
             or DiaryEntry(patient=patient, local_date=day))
    created = entry.pk is None
    entry.time_zone = time_zone
    entry.symptoms = symptoms
    entry.warning_signs = warning_signs
    entry.triggers = triggers
    entry.notes = notes
    validate_diary_entry(entry)
    entry.save()
    actor.audit(patient, AuditAction.CREATE if created else AuditAction.UPDATE, entry)
    consequences(actor, patient, [], today=max(timezone.localdate(), day))
    return entry, created
