"""What every write of a clinical record shares: who writes, refused input, and the consequences.

A write is: validate (the record's ``validate_*`` in ``validation``), save, re-score the visits
whose document it changes, refresh the patient's safety alerts, audit; all in one transaction, so
a refusal at any step saves nothing (``RecordInvalid``). ``consequences`` is the part after the
save that every service calls.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from lupuscare.errors import InputError
from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, Patient

# A span of visit dates a change can reach: (first, last), last None for "every later visit".
Span = tuple[dt.date, dt.date | None]
NON_FIELD = "__all__"
log = logging.getLogger(__name__)


class RecordInvalid(Exception):
    """Refused input, ``{field: [message, ...]}`` (``__all__`` for the record as a whole).
    Raised before anything is saved, or inside the transaction, which then rolls back."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        super().__init__(str(self))

    def __str__(self) -> str:
        return "; ".join(
            m if f == NON_FIELD else f"{f}: {m}" for f, ms in self.errors.items() for m in ms)

    @classmethod
    def one(cls, field: str, message: str) -> RecordInvalid:
        return cls({field: [message]})

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> RecordInvalid:
        if hasattr(exc, "error_dict"):
            return cls({f: [m for e in errs for m in e.messages] for f, errs in exc.error_dict.items()})
        return cls({NON_FIELD: exc.messages})


class _Stand_in:  # noqa: N801 - plays an HttpRequest for the audit log
    """The parts of a request the audit log reads, for writes that come from no request
    (command line, imports, loaders)."""

    def __init__(self, user, via: str) -> None:
        self.user = user
        self.method = "CLI"
        self.META: dict[str, Any] = {}
        self._path = f"<{via}>"

    def get_full_path(self) -> str:
        return self._path


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which door (``via``: clinic page, record page, api, csv
    import, admin, demo loader, command line...). ``request`` feeds the audit log."""

    user: Any
    via: str
    request: Any

    @classmethod
    def from_request(cls, request: HttpRequest, via: str) -> Actor:
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        return cls(user, via, request)

    @classmethod
    def system(cls, via: str, user=None) -> Actor:
        return cls(user, via, _Stand_in(user, via))

    def audit(self, patient: Patient | None, action: str, obj: models.Model | None = None) -> None:
        audit.record(self.request, patient, action, obj)


def validated(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own field validators (vocabularies, ranges, types) as ``RecordInvalid``."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as exc:
        raise RecordInvalid.from_validation_error(exc) from exc


def consequences(actor: Actor, patient: Patient, spans: Iterable[Span], *,
                 today: dt.date | None = None) -> None:
    """After a save: re-score the visits whose document changed within ``spans`` and refresh the
    alerts. Call inside the write's transaction: ``RecordInvalid`` (a changed visit that cannot
    be scored) rolls it back."""
    from lupuscare.web.clinic import alerts, scoring

    spans = list(spans)
    try:
        scoring.rescore_affected(patient, spans, actor.user)
    except InputError as exc:
        raise RecordInvalid.one(NON_FIELD, f"a visit this changes cannot be scored: {exc}") from exc
    # A record the rules cannot read (a value stored before every door validated) must not
    # block this write, least of all a patient's red flag: the alerts stay as they were and the
    # clinic page says the rules could not run, naming the field.
    _rows, error = alerts.refresh_alerts_or_error(patient, today)
    if error:
        log.error("patient %s: clinic alerts not refreshed after a write via %s: %s",
                  patient.pk, actor.via, error)


def history_reason(obj: models.Model, reason: str) -> None:
    """What the row's history entry says about this change (django-simple-history)."""
    obj._change_reason = reason[:100]


def now() -> dt.datetime:
    return timezone.now()


def amend(actor: Actor, model, obj, *, reason: str, changes: dict, fields: Iterable[str],
          label: str, validate, span, prepare=lambda name, value: value):
    """Correct a record (the part every correction shares): the reason is required and kept in
    the row's history, only ``fields`` may change, the record's validator runs, and the visits
    its old and new spans reach are re-scored. Call inside the service's transaction."""
    if not (reason or "").strip():
        raise RecordInvalid.one("reason", f"say why the {label} is corrected (required)")
    obj = model.objects.select_for_update().get(pk=obj.pk)
    before = span(obj)
    allowed = set(fields)
    for name, value in changes.items():
        if name not in allowed:
            raise RecordInvalid.one(name, f"is not a {label} field that can be corrected")
        setattr(obj, name, prepare(name, value))
    validate(obj)
    history_reason(obj, f"corrected: {reason.strip()}")
    obj.save()
    actor.audit(obj.patient, AuditAction.UPDATE, obj)
    consequences(actor, obj.patient, [before, span(obj)])
    return obj


def retract(actor: Actor, model, obj, reason: str):
    """Mark ``obj`` retracted (the part every retractable record shares); the caller re-scores."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordInvalid.one("reason", "say why the record is retracted (required)")
    obj = model.all_objects.select_for_update().get(pk=obj.pk)
    if obj.retracted_at is not None:
        raise RecordInvalid.one(NON_FIELD, "this record is already retracted")
    obj.retracted_at = now()
    obj.retracted_by = actor.user
    obj.retraction_reason = reason[:300]
    history_reason(obj, f"retracted: {reason}")
    obj.save()
    actor.audit(obj.patient, AuditAction.UPDATE, obj)
    return obj


__all__ = ["NON_FIELD", "Actor", "AuditAction", "RecordInvalid", "Span", "consequences",
           "amend", "history_reason", "retract", "validated"]
