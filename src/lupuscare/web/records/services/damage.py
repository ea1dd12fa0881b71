"""SDI damage items: record, amend, retract (the SDI of every later visit reads them)."""

from __future__ import annotations

from django.db import transaction

from lupuscare.web.records.models import AuditAction, DamageItem, Patient

from .base import Actor, RecordInvalid, Span, consequences, history_reason, retract
from .validation import validate_damage

DAMAGE_FIELDS = ("item", "onset", "count", "notes")


def damage_span(item: DamageItem) -> Span:
    """Every visit from the onset on holds the item."""
    return item.onset, None


def new_damage(patient: Patient, **fields) -> DamageItem:
    unknown = set(fields) - set(DAMAGE_FIELDS)
    if unknown:
        raise RecordInvalid({f: ["is not a damage item field"] for f in sorted(unknown)})
    item = DamageItem(patient=patient, **fields)
    validate_damage(item)
    return item


@transaction.atomic
def record_damage(actor: Actor, patient: Patient, **fields) -> DamageItem:
    item = new_damage(patient, **fields)
    item.save()
    actor.audit(patient, AuditAction.CREATE, item)
    consequences(actor, patient, [damage_span(item)])
    return item


@transaction.atomic
def amend_damage(actor: Actor, item: DamageItem, *, reason: str, **changes) -> DamageItem:
    if not (reason or "").strip():
        raise RecordInvalid.one("reason", "say why the damage item is corrected (required)")
    item = DamageItem.objects.select_for_update().get(pk=item.pk)
    before = damage_span(item)
    for name, value in changes.items():
        if name not in DAMAGE_FIELDS:
            raise RecordInvalid.one(name, "is not a damage item field that can be corrected")
        setattr(item, name, value)
    validate_damage(item)
    history_reason(item, f"corrected: {reason.strip()}")
    item.save()
    actor.audit(item.patient, AuditAction.UPDATE, item)
    consequences(actor, item.patient, [before, damage_span(item)])
    return item


@transaction.atomic
def retract_damage(actor: Actor, item: DamageItem, *, reason: str) -> DamageItem:
    item = retract(actor, DamageItem, item, reason)
    consequences(actor, item.patient, [damage_span(item)])
    return item
