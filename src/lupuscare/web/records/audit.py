"""Writing the audit log: one call per read or change of a patient's data."""

from __future__ import annotations

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
) -> AuditEvent:
    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user else "",
        patient=patient,
        action=action,
        method=request.method or "",
        path=request.get_full_path()[:500],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=client_ip(request),
    )
