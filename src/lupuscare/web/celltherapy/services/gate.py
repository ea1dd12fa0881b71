"""Orders and the regulatory gate: referral, blocked decisions, the two-signature override."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy.regulatory import (
    GateDecision,
    GateOverride,
    evaluate_gate,
    override_gate,
)
from lupuscare.errors import InputError
from lupuscare.web.records.models import Patient

from .. import protocols
from ..models import Enrolment, Programme
from ..models import GateOverride as StoredOverride
from . import signoff
from ._common import _name, _require_clinician, _today


def gate_decision(programme: Programme, on: dt.date, indication: str = "SLE") -> GateDecision:
    return evaluate_gate(protocols.core_programme(programme), on, indication)


@transaction.atomic
def refer(programme: Programme, patient: Patient, user, *, reason: str,
          on: dt.date | None = None) -> Enrolment:
    """Create the order (referral). A blocked gate still records the order, marked blocked."""
    on = on or _today()
    if not (reason or "").strip():
        raise InputError("referral_reason", "is required")
    if Enrolment.objects.filter(programme=programme, patient=patient).exists():
        raise InputError("patient", "is already referred to this programme")
    decision = gate_decision(programme, on)
    return Enrolment.objects.create(
        programme=programme, patient=patient, referred_by=user, referred_on=on,
        referral_reason=reason.strip(), gate_allowed=decision.allowed,
        gate_decision=decision.to_dict())


@transaction.atomic
def request_override(enrolment: Enrolment, physician, *, reason: str,
                     on: dt.date | None = None) -> StoredOverride:
    """First signature of an override of the gate's decision *as it stands* on ``on``: a named
    physician with a reason. An order allowed at referral and blocked since (an ethics approval
    expired) can be overridden too; an allowed order cannot."""
    _require_clinician(physician, "physician")
    on = on or _today()
    decision, override = clearance(enrolment, on)
    if decision.allowed:
        raise InputError("decision", "the order is not blocked: there is nothing to override")
    if override is not None:
        raise InputError("override", "an override already covers this block")
    if not (reason or "").strip():
        raise InputError("reason", "an override needs the physician's reason")
    if enrolment.overrides.filter(second_signer=None).exists():
        raise InputError("override", "an override is already waiting for its second signature")
    return StoredOverride.objects.create(
        enrolment=enrolment, decision=decision.to_dict(), physician=physician,
        reason=reason.strip(), requested_at=timezone.now())


def pending_override(enrolment: Enrolment) -> StoredOverride | None:
    return enrolment.overrides.filter(second_signer=None).first()


@transaction.atomic
def countersign_override(override: StoredOverride,
                         signature: signoff.Signature) -> StoredOverride:
    """Second signature, by a different physician who signed in for it
    (``signoff.authenticate_second_person``); the core checks the two signers differ."""
    if override.effective:
        raise InputError("override", "is already countersigned")
    signer = signoff.signer(signature, signoff.Step.OVERRIDE_COUNTERSIGNATURE, "second_signer",
                            first=[override.physician])
    now = timezone.now()
    _core_override(override, _blocked_decision(override.decision), signer=_name(signer), at=now)
    override.second_signer = signer
    override.signed_at = now
    override.save()
    return override


def _blocked_decision(stored: Mapping[str, Any]) -> GateDecision:
    return GateDecision(False, None, tuple(stored.get("reasons", ())))


def _core_override(override: StoredOverride, decision: GateDecision, *, signer: str,
                   at: dt.datetime) -> GateOverride:
    return override_gate(decision, physician=_name(override.physician), reason=override.reason,
                         second_signer=signer, signed_at=at)


def clearance(enrolment: Enrolment, on: dt.date) -> tuple[GateDecision, GateOverride | None]:
    """The gate as it stands on ``on``, and the override if it covers exactly these reasons.

    An override covers the decision it was signed for: if the reasons changed since (say the
    ethics approval has since expired), it does not carry over and the order is blocked again.
    """
    decision = gate_decision(enrolment.programme, on, enrolment.indication)
    if decision.allowed:
        return decision, None
    for stored in enrolment.overrides.exclude(second_signer=None):
        if tuple(stored.decision.get("reasons", ())) == decision.reasons:
            return decision, _core_override(stored, decision, signer=_name(stored.second_signer),
                                            at=stored.signed_at)
    return decision, None


def covering_override(enrolment: Enrolment, on: dt.date) -> StoredOverride | None:
    """The stored, countersigned override that clears the order on ``on``, if any."""
    decision, override = clearance(enrolment, on)
    if override is None:
        return None
    return next(o for o in enrolment.overrides.exclude(second_signer=None)
                if tuple(o.decision.get("reasons", ())) == decision.reasons)


def cleared(enrolment: Enrolment, on: dt.date) -> bool:
    decision, override = clearance(enrolment, on)
    return decision.allowed or override is not None


def _require_cleared(enrolment: Enrolment, on: dt.date, step: str) -> None:
    decision, override = clearance(enrolment, on)
    if not decision.allowed and override is None:
        raise InputError("gate", f"{step} refused: the order is blocked: "
                                 + "; ".join(decision.reasons))
