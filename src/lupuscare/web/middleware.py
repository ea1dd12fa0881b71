"""Small request/response adjustments of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

ADMIN_PREFIX = "/admin/"


class AdminInlineStyleMiddleware:
    """Let the Django admin's widgets set inline styles (its JavaScript does, e.g. the
    two-box member picker). Scripts stay ``'self'`` only, and our own pages keep the strict
    policy. Listed after ``csp.middleware.CSPMiddleware`` so it marks the response first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(ADMIN_PREFIX):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response
