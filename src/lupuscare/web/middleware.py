"""Small request/response adjustments of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers

ADMIN_PREFIX = "/admin/"
# URLs under which a page shows or changes patient data (a refusal there is audited).
PATIENT_PREFIXES = ("/patients/", "/me/", "/clinic/", "/diary/", "/celltherapy/", "/api/",
                    "/admin/records/")
REFUSED = (403, 404)
BODY_METHODS = ("POST", "PUT", "PATCH")


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


class UploadLimitMiddleware:
    """Refuse a request body over its page's limit from its declared size, before anything reads
    it (``lupuscare.web.uploads``): 413 with a message naming the field. Runs in ``__call__``, so
    before CSRF's ``process_view`` parses the form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in BODY_METHODS:
            from lupuscare.web import uploads

            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = None
            broken = uploads.refusal(name, request.META)
            if broken is not None:
                text = uploads.message(*broken)
                if request.path.startswith("/api/"):
                    return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
                response = render(request, "413.html", {"message": text}, status=413)
                response["Connection"] = "close"  # the unread body is not worth keeping alive
                return response
        return self.get_response(request)


# URL keyword -> the object it names
_URL_OBJECTS = {"patient_id": "records.patient", "photo_id": "diary.diaryphoto",
                "assessment_id": "records.assessment", "object_id": "admin.object"}


def _asked_for(request: HttpRequest) -> tuple[str, str] | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    for key, label in _URL_OBJECTS.items():
        if key in match.kwargs:
            return label, str(match.kwargs[key])
    return None


class AuditRefusalMiddleware:
    """A refused request for a patient page (403, or 404: the permission layer answers 404 for a
    patient the user may not see) gets an audit row with the status and what the URL asked for
    (``object_type``/``object_id``, e.g. ``records.patient``/``17``), so probing shows in the log.
    The row's ``patient`` stays empty: nothing of that patient was read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in REFUSED and request.path.startswith(PATIENT_PREFIXES):
            from lupuscare.web.records import audit
            from lupuscare.web.records.models import AuditAction

            audit.record(request, None, AuditAction.DENIED, status=response.status_code,
                         asked_for=_asked_for(request))
        return response


class NoStoreMiddleware:
    """Every page answered to a signed-in user may show patient data: no cache (the browser's
    back button, a shared proxy) keeps a copy (``Cache-Control: no-store``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated  # before the view: signing out still counts
        response = self.get_response(request)
        if signed_in:
            add_never_cache_headers(response)
        return response
