"""Saving a user's notification preferences: every field checked, a clear message naming the
field, nothing saved when any is wrong."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from lupuscare.errors import InputError

from . import clock
from .models import ALWAYS_IN_INBOX, Kind, Preference

MAX_NUDGE_DAYS = 60


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError("time_zone", f"{name!r} is not an IANA time zone (e.g. Europe/Berlin)") \
            from None


@transaction.atomic
def save_preferences(user, *, time_zone: str, email: bool, email_details: bool,
                     muted_kinds: list[str], quiet_start: dt.time | None,
                     quiet_end: dt.time | None, diary_reminder_at: dt.time | None = None,
                     nudge_after_days: int | None = None,
                     today: dt.date | None = None) -> Preference:
    """Check and store; ``InputError`` names the first wrong field, and nothing is saved."""
    zone = _zone(time_zone)
    unknown = sorted(set(muted_kinds) - set(Kind.values))
    if unknown:
        raise InputError("muted_kinds", f"unknown kinds {unknown}")
    if (quiet_start is None) != (quiet_end is None):
        raise InputError("quiet_end" if quiet_end is None else "quiet_start",
                         "give both the start and the end of quiet hours, or neither")
    if quiet_start is not None and quiet_start == quiet_end:
        raise InputError("quiet_end", "quiet hours must not start and end at the same time")
    if not user.is_patient and (diary_reminder_at is not None or nudge_after_days is not None):
        raise InputError("diary_reminder_at", "check-in reminders are for patients")
    if diary_reminder_at is not None:
        gaps = clock.gaps_in_year(diary_reminder_at, zone, today or timezone.localdate())
        if gaps:
            raise InputError(
                "diary_reminder_at",
                f"{diary_reminder_at:%H:%M} does not exist in {time_zone} on {gaps[0]} (the "
                "clocks go forward past it); choose a time outside the change, e.g. "
                f"{(dt.datetime.combine(gaps[0], diary_reminder_at) + dt.timedelta(hours=1)):%H:%M}")
    if nudge_after_days is not None and not 1 <= nudge_after_days <= MAX_NUDGE_DAYS:
        raise InputError("nudge_after_days", f"must be from 1 to {MAX_NUDGE_DAYS} days, or empty")
    pref, _ = Preference.objects.get_or_create(user=user)
    pref.time_zone = time_zone
    pref.email, pref.email_details = email, email_details
    pref.muted_kinds = sorted(set(muted_kinds))
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    pref.diary_reminder_at, pref.nudge_after_days = diary_reminder_at, nudge_after_days
    pref.save()
    return pref


def kinds_for(user) -> list[tuple[str, str, bool]]:
    """(kind, label, always in inbox) for the kinds this user's role can receive."""
    if user.is_patient:
        names = [Kind.DIARY_REMINDER, Kind.CHECKIN_NUDGE]
    elif user.is_coordinator:
        names = [Kind.FOLLOW_UP_DUE, Kind.FOLLOW_UP_OVERDUE, Kind.AE_REPORT_DUE,
                 Kind.AE_REPORT_OVERDUE]
    elif user.is_clinician:
        names = [Kind.URGENT_ALERT, Kind.RED_FLAG, Kind.FOLLOW_UP_DUE, Kind.FOLLOW_UP_OVERDUE,
                 Kind.AE_REPORT_DUE, Kind.AE_REPORT_OVERDUE]
    else:
        names = []
    return [(k.value, k.label, k in ALWAYS_IN_INBOX) for k in names]
