"""Deleting a patient's account within the clinic's retention rules.

What a deletion request does (the page says the same, from ``WHAT_HAPPENS``):

1. The login is closed at once: the account is deactivated, its password made unusable, and its
   name, e-mail and username replaced by a pseudonym (``deleted-<id>``).
2. The personal diary is removed at once: every diary entry, photo (and its file), dose log and
   side-effect report, *with their edit history*.
3. Clinical records the care team made (visits, labs, medicines prescribed, damage, scores,
   safety alerts, red-flag notices, the audit log) are kept for the clinic's retention period,
   ``settings.LUPUSCARE_RETENTION_DAYS`` (default ``DEFAULT_RETENTION_DAYS``), counted from the
   request; the date is recorded in ``AccountDeletion``. Removing them after that date is the
   clinic's records process, not this app.
4. The request itself is audited (``delete``) and recorded in ``AccountDeletion``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, DiaryEntry, Patient

from . import photos
from .models import AccountDeletion, DiaryPhoto, DoseLog

# Project default, not a legal figure: ten years. Medical-record retention law differs by country
# and by record type; each clinic must set LUPUSCARE_RETENTION_DAYS in settings to its own rule.
DEFAULT_RETENTION_DAYS = 3650


def retention_days() -> int:
    days = getattr(settings, "LUPUSCARE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError("LUPUSCARE_RETENTION_DAYS must be a whole number of days, 0 or more")
    return days


def what_happens(days: int) -> list[str]:
    return [
        "Your login is closed at once. Your name and e-mail are removed from the account.",
        "Your diary is deleted at once: every check-in, photo, medicine tick and side-effect "
        "report, including earlier versions of them.",
        f"Records your care team made (visits, lab results, prescriptions, scores, safety alerts "
        f"and the access log) are kept for {days} days ({days // 365} years) as the clinic's "
        "retention rules require, then removed by the clinic.",
        "Download your data first if you want a copy: it cannot be recovered afterwards.",
    ]


@transaction.atomic
def delete_account(request: HttpRequest, patient: Patient) -> AccountDeletion:
    days = retention_days()
    user = patient.user
    files = list(DiaryPhoto.objects.filter(patient=patient).values_list("stored_name", flat=True))
    n_photos = DiaryPhoto.objects.filter(patient=patient).delete()[0]
    n_doses = DoseLog.objects.filter(patient=patient).count()
    DoseLog.objects.filter(patient=patient).delete()
    DoseLog.history.model.objects.filter(patient_id=patient.pk).delete()
    n_entries = DiaryEntry.objects.filter(patient=patient).count()
    DiaryEntry.objects.filter(patient=patient).delete()
    DiaryEntry.history.model.objects.filter(patient_id=patient.pk).delete()
    record = AccountDeletion.objects.create(
        patient=patient, username=user.get_username() if user else "", retention_days=days,
        clinical_records_kept_until=timezone.localdate() + dt.timedelta(days=days),
        diary_entries_removed=n_entries, photos_removed=n_photos, dose_logs_removed=n_doses,
    )
    audit.record(request, patient, AuditAction.DELETE, record)
    if user is not None:
        user.is_active = False
        user.set_unusable_password()
        user.username = f"deleted-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.save()
        user.history.all().update(username=user.username, first_name="", last_name="", email="")
    transaction.on_commit(lambda: [photos.remove(name) for name in files])
    return record
