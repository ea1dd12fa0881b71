"""The sign-in policy on every request: staff sessions end after inactivity, and a second factor
is asked for when the user has one (always for staff when ``LUPUSCARE_MFA_REQUIRED``).

After the password, a user with an authenticator is sent to ``mfa-verify``; a staff member who
must have one and has none is sent to ``mfa-setup``. Until then only those pages, logout,
password reset and static files answer.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from lupuscare.web.records.models import AuditAction

from . import services
from .services import LAST_SEEN

OPEN_PREFIXES = ("/static/", "/healthz", "/favicon.ico")
OPEN_NAMES = ("mfa-verify", "mfa-setup", "logout", "login")


class SignInPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refusal = self._policy(request, user)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _policy(self, request: HttpRequest, user) -> HttpResponse | None:
        if user.role in services.STAFF_ROLES:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            idle = settings.LUPUSCARE_STAFF_IDLE_MINUTES * 60
            if last is not None and now - last > idle:
                services.event(request, AuditAction.SIGN_OUT, "auth.session_expired", user.pk)
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(f"{reverse('login')}?next={quote(request.path)}")
            if last is None or now - last > 60:  # write the session at most once a minute
                request.session[LAST_SEEN] = now
        if request.path.startswith(OPEN_PREFIXES) or request.path in {
                reverse(name) for name in OPEN_NAMES}:
            return None
        if user.is_verified():
            return None
        if services.session_has_mfa(request):
            return redirect(f"{reverse('mfa-verify')}?next={quote(request.get_full_path())}")
        if services.mfa_required(user):
            return redirect("mfa-setup")
        return None
