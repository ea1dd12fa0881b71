"""Audit rows for sign-in, sign-out and failed sign-in (Django's auth signals); at sign-in the
session also learns whether the user has a second factor and when it was last used, so the
per-request policy (``middleware``) needs no query."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from lupuscare.web.records.models import AuditAction

from .services import LAST_SEEN, event, has_mfa, remember_mfa


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    if request is not None:
        event(request, AuditAction.SIGN_IN, "auth.signin", user.pk)
        remember_mfa(request, has_mfa(user))
        request.session[LAST_SEEN] = time.time()


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs) -> None:
    if request is not None and user is not None:
        event(request, AuditAction.SIGN_OUT, "auth.signin", user.pk)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username tried (never the password: Django has already masked it).
    if request is not None:
        event(request, AuditAction.DENIED, "auth.signin", credentials.get("username", ""),
              status=401)
