"""SDI damage items: record, amend, retract (the SDI of every later visit reads them)."""

from __future__ import annotations

from django.db import transaction

from lupuscare.web.records.models import AuditAction, DamageItem, Patient

from .base import Actor, RecordInvalid, Span, amend, consequences, retract
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
    return amend(actor, DamageItem, item, reason=reason, changes=changes, fields=DAMAGE_FIELDS,
                 label="damage item", validate=validate_damage, span=damage_span)


@transaction.atomic
def retract_damage(actor: Actor, item: DamageItem, *, reason: str) -> DamageItem:
    item = retract(actor, DamageItem, item, reason)
    consequences(actor, item.patient, [damage_span(item)])
    return item
