"""Writing the audit log: one call per read or change of a patient's data.

Rows join the log's hash chain as they are saved (``audit_chain``). A list page passes the ids of
the patients it showed (``patient_ids``); a refused request is recorded by
``lupuscare.web.middleware.AuditRefusalMiddleware`` with its status.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.http import HttpRequest

from .models import AuditAction, AuditEvent, Patient


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. ``X-Forwarded-For`` is not trusted: a proxy that sets it must also
    rewrite ``REMOTE_ADDR`` (gunicorn's ``--forwarded-allow-ips``)."""
    return request.META.get("REMOTE_ADDR") or None


def record(
    request: HttpRequest,
    patient: Patient | None,
    action: str = AuditAction.READ,
    obj: models.Model | None = None,
    *,
    patient_ids: Iterable[int] = (),
    status: int | None = None,
    asked_for: tuple[str, str] | None = None,
) -> AuditEvent:
    """One audit row. ``patient_ids``: every patient a list page showed. ``asked_for``: the
    (object type, id) a refused request named; the row's ``patient`` stays empty, because
    nothing of that patient was read."""
    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user else "",
        patient=patient,
        patient_ids=list(patient_ids),
        action=action,
        method=request.method or "",
        path=request.get_full_path()[:500],
        object_type=obj._meta.label_lower if obj is not None else (asked_for or ("", ""))[0],
        object_id=str(obj.pk) if obj is not None else (asked_for or ("", ""))[1][:64],
        ip=client_ip(request),
        status=status,
    )
