"""Audit rows for sign-in, sign-out and failed sign-in (Django's auth signals)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from lupuscare.web.records.models import AuditAction

from .services import event


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    if request is not None:
        event(request, AuditAction.CREATE, "auth.signin", user.pk)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs) -> None:
    if request is not None and user is not None:
        event(request, AuditAction.DELETE, "auth.signin", user.pk)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username tried (never the password: Django has already masked it).
    if request is not None:
        event(request, AuditAction.DENIED, "auth.signin", credentials.get("username", ""),
              status=401)
