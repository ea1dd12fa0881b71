"""Deliver a notification once: in the inbox at once, by email unless the user chose otherwise.

The row's unique (kind, recipient, key) is the "sent" ledger: ``deliver`` called twice for the same
thing creates one row and sends one email. The email is claimed by a conditional update before it
goes out, so two workers never both send it; quiet hours defer it (``deliver_pending`` sends it
after). An email carries no patient data unless the user chose ``email_details``: it names the
kind of message and links to the inbox, where the user signs in to read it.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from .clock import in_window
from .models import ALWAYS_IN_INBOX, EmailStatus, Kind, Notification, Preference

log = logging.getLogger(__name__)


def preference_of(user) -> Preference:
    """The user's preferences (the defaults, unsaved, for a user who never changed them)."""
    try:
        return user.notification_preference
    except Preference.DoesNotExist:
        return Preference(user=user)


def deliver(user, kind: Kind, key: str, title: str, body: str, link: str,
            now: dt.datetime, patient=None) -> Notification | None:
    """The new notification, or None when it was already sent (or the user muted its kind)."""
    if not user.is_active:
        return None
    pref = preference_of(user)
    muted = kind in pref.muted_kinds
    if muted and kind not in ALWAYS_IN_INBOX:
        return None
    wants_email = pref.email and bool(user.email) and not muted
    try:
        with transaction.atomic():
            n, created = Notification.objects.get_or_create(
                kind=kind, recipient=user, key=key,
                defaults={"title": title[:200], "body": body, "link": link, "created_at": now,
                          "patient": patient,
                          "email_status": EmailStatus.PENDING if wants_email
                          else EmailStatus.NONE})
    except IntegrityError:  # another worker created it between our read and write
        return None
    if not created:
        return None
    if wants_email:
        send_email(n, now, pref)
    return n


def quiet_now(pref: Preference, now: dt.datetime) -> bool:
    local = now.astimezone(ZoneInfo(pref.time_zone)).time()
    return in_window(local, pref.quiet_start, pref.quiet_end)


def email_text(n: Notification, pref: Preference) -> tuple[str, str]:
    """Subject and body: the kind and a link; the notification's own text only if chosen."""
    inbox = settings.SITE_URL + reverse("jobs:inbox")
    prefs = settings.SITE_URL + reverse("jobs:preferences")
    subject = f"lupuscare: {Kind(n.kind).label}"
    lines = ["You have a new message in lupuscare."]
    if pref.email_details:
        lines += ["", n.title, n.body]
    lines += ["", f"Read it here (you will be asked to sign in): {inbox}", "",
              f"Choose what you receive, and how: {prefs}"]
    return subject, "\n".join(lines) + "\n"


def send_email(n: Notification, now: dt.datetime, pref: Preference | None = None) -> str:
    """Send ``n``'s email unless quiet hours say later; 'sent', 'deferred' or 'taken'."""
    pref = pref or preference_of(n.recipient)
    if quiet_now(pref, now):
        return "deferred"
    claimed = Notification.objects.filter(pk=n.pk, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENT, emailed_at=now, email_attempts=F("email_attempts") + 1)
    if not claimed:
        return "taken"
    subject, body = email_text(n, pref)
    try:
        send_mail(subject, body, None, [n.recipient.email])
    except Exception:
        # Give it back to the queue: the task is retried, and the next pass tries again.
        Notification.objects.filter(pk=n.pk).update(email_status=EmailStatus.PENDING,
                                                     emailed_at=None)
        raise
    return "sent"


def deliver_pending(now: dt.datetime) -> dict[str, int]:
    """Send every email still pending (deferred by quiet hours, or a failed attempt)."""
    out = {"sent": 0, "deferred": 0, "failed": 0}
    for n in Notification.objects.filter(email_status=EmailStatus.PENDING).select_related(
            "recipient", "recipient__notification_preference"):
        try:
            result = send_email(n, now)
        except Exception as exc:  # noqa: BLE001 - one bad address must not stop the others
            log.warning("email for notification %s failed: %s", n.pk, exc)
            out["failed"] += 1
            continue
        if result in out:
            out[result] += 1
    return out
