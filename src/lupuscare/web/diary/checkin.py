"""The daily check-in: the patient's "today", pre-filling from the day before, saving one entry.

A check-in is dated by the patient's local calendar (the time zone is stored on the entry), so an
entry made at 23:30 in Auckland lands on the Auckland date, and a late entry for an earlier day
keeps that day. One entry per patient and local date: saving again edits it
(``lupuscare.web.records.services.record_diary_entry``), and django-simple-history keeps every
earlier version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from lupuscare.clinical.diary import SYMPTOMS, TRIGGERS
from lupuscare.web.records.models import DiaryEntry, Patient

DEFAULT_TIME_ZONE = "UTC"


def local_today(time_zone: str, now: dt.datetime | None = None) -> dt.date:
    """The calendar date in ``time_zone`` at ``now`` (default: this instant)."""
    return (now or timezone.now()).astimezone(ZoneInfo(time_zone)).date()


def latest_time_zone(patient: Patient) -> str:
    """The time zone of the patient's most recent entry, or the default."""
    tz = (DiaryEntry.objects.filter(patient=patient).order_by("-local_date")
          .values_list("time_zone", flat=True).first())
    return tz or DEFAULT_TIME_ZONE


def initial_for(patient: Patient, day: dt.date) -> tuple[dict[str, Any], DiaryEntry | None, str]:
    """Form initial values for ``day``: that day's entry when it exists (editing), else the
    symptoms and triggers of the latest earlier entry (pre-fill). Warning signs, notes and photos
    are never carried over: each warning sign must be an answer about that day.

    Returns (initial, the entry being edited or None, where the values came from)."""
    entry = DiaryEntry.objects.filter(patient=patient, local_date=day).first()
    source = entry or (DiaryEntry.objects.filter(patient=patient, local_date__lt=day)
                       .order_by("-local_date").first())
    initial: dict[str, Any] = {"local_date": day}
    origin = "empty"
    if source is not None:
        initial["time_zone"] = source.time_zone
        for name in SYMPTOMS:
            if name in source.symptoms:
                initial[f"symptom_{name}"] = source.symptoms[name]
        for name, trig in TRIGGERS.items():
            if name in source.triggers:
                value = source.triggers[name]
                if trig.kind == "boolean":
                    value = "yes" if value else "no"
                initial[f"trigger_{name}"] = value
        origin = "this day" if entry is not None else f"{source.local_date:%A %d %B}"
    if entry is not None:
        initial["notes"] = entry.notes
        for name in entry.warning_signs:
            initial[f"sign_{name}"] = True
    return initial, entry, origin
