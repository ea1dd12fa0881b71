"""Shared steps for the account tests: read the one-time link from the sent email, compute a TOTP
code from a secret the way an authenticator app does (django-otp's RFC 6238 implementation)."""

from __future__ import annotations

import re
import time

from django.core import mail
from django_otp.oath import TOTP

from lupuscare.web.records.models import AuditEvent


def link_in_last_email() -> str:
    body = mail.outbox[-1].body
    return re.search(r"http://testserver(/accounts/invitation/[^/\s]+/)", body).group(1)


def totp_code(key_hex: str, *, at: float | None = None) -> str:
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def audit_kinds(**filters) -> list[tuple[str, str]]:
    """(action, object_type) of the audit rows matching ``filters``, oldest first."""
    return [(e.action, e.object_type)
            for e in AuditEvent.objects.filter(**filters).order_by("sequence")]
