"""Product lots: identifier, release results, the status machine, hash-chained custody."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy import custody as core_custody
from lupuscare.celltherapy import lot as core_lot
from lupuscare.celltherapy.donor import donor_eligibility
from lupuscare.celltherapy.identity import make_coi
from lupuscare.celltherapy.release import ProductSource, QcResult, evaluate_release
from lupuscare.errors import InputError
from lupuscare.web.accounts.models import Role

from .. import protocols
from ..models import CarTReleaseSpec, CustodyRecord, Enrolment, Lot, LotEvent, Programme
from ..models import QcResult as StoredQc
from . import signoff
from ._common import _name
from .consent import consent_state
from .gate import _require_cleared


def _next_serial(issuer: str, year: int) -> int:
    prefix = f"{issuer}-{year:04d}-"
    taken = Lot.objects.filter(coi_identifier__startswith=prefix).values_list("coi_identifier",
                                                                               flat=True)
    return max((int(c.split("-")[2]) for c in taken), default=0) + 1


@transaction.atomic
def set_car_t_spec(programme: Programme, user, *, version: str, car_positive_min_pct: float,
                   viability_min_pct: float, vcn_max_copies_per_cell: float,
                   rcl_required: bool = True) -> CarTReleaseSpec:
    """Enter or change a CAR-T programme's release specification (a coordinator's task).

    The core validates the limits (a percentage outside 0-100 or a non-positive copy number is
    refused naming the field). Changed limits need a new version, so a lot's stored evaluation
    always names the limits it was judged against.
    """
    if getattr(user, "role", None) != Role.COORDINATOR:
        raise InputError("entered_by", "a release specification is entered by a coordinator")
    version = (version or "").strip()
    if not version:
        raise InputError("version", "is required")
    row = CarTReleaseSpec.objects.select_for_update().filter(programme=programme).first()
    limits = dict(car_positive_min_pct=car_positive_min_pct, viability_min_pct=viability_min_pct,
                  vcn_max_copies_per_cell=vcn_max_copies_per_cell, rcl_required=rcl_required)
    if row is not None and row.version == version and any(
            getattr(row, k) != v for k, v in limits.items()):
        raise InputError("version", f"changed limits need a new version (not {version})")
    row = row or CarTReleaseSpec(programme=programme)
    row.version, row.entered_by = version, user
    for k, v in limits.items():
        setattr(row, k, v)
    protocols.car_t_spec_from(row)  # refuses bad limits before anything is written
    row.save()
    return row


@transaction.atomic
def create_lot(enrolment: Enrolment, user, *, lot_number: str, collected_on: dt.date,
               collection_site: str, passage: int | None = None, donor_code: str = "",
               donor_results: Mapping[str, str] | None = None) -> Lot:
    """A lot in quarantine with a new chain-of-identity identifier and its first custody event."""
    programme = enrolment.programme
    # a CAR-T lot may be collected before its specification is entered; it cannot be released
    spec = protocols.full_spec_if_entered(programme)  # refuses unknown products
    _require_cleared(enrolment, collected_on, "collection")
    status = consent_state(enrolment, collected_on)
    if not status.valid:
        raise InputError("consent", "collection refused: " + "; ".join(status.reasons))
    if not (lot_number or "").strip():
        raise InputError("lot_number", "is required")
    if Lot.objects.filter(lot_number=lot_number.strip()).exists():
        raise InputError("lot_number", f"{lot_number} already exists")
    donor = donor_eligibility(ProductSource(programme.product_source), dict(donor_results or {}))
    coi = make_coi(programme.coi_issuer, collected_on.year,
                   _next_serial(programme.coi_issuer, collected_on.year))
    lot = Lot.objects.create(
        enrolment=enrolment, lot_number=lot_number.strip(), coi_identifier=coi,
        donor_code=donor_code, donor_results=dict(donor_results or {}),
        donor_eligible=donor.eligible,
        donor_detail={"missing": list(donor.missing), "reactive": list(donor.reactive),
                      "source": donor.source.to_dict()},
        collected_on=collected_on, collection_site=collection_site, passage=passage,
        created_by=user)
    if passage is not None and spec is not None and any(line.attribute == "passage"
                                                        for line in spec.lines):
        enter_result(lot, user, attribute="passage", value=passage)
    at = dt.datetime.combine(collected_on, dt.time(9, 0), tzinfo=dt.UTC)
    append_custody(lot, user, action="collected", from_party=f"patient {enrolment.patient_id}",
                   to_party=collection_site, location=collection_site, at=at)
    return lot


def evaluation_of(lot: Lot):
    spec = protocols.product_definition(lot.enrolment.programme).full_spec()
    results = [QcResult(r.attribute, r.value, _name(r.entered_by))
               for r in lot.qc_results.select_related("entered_by")]
    return evaluate_release(spec, lot.lot_number, results)


@transaction.atomic
def enter_result(lot: Lot, user, *, attribute: str, value: Any) -> StoredQc:
    """One release test result; the core judges it (refusing a value it cannot read)."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status not in {core_lot.S.QUARANTINE, core_lot.S.IN_TESTING}:
        raise InputError("status", f"results cannot be entered on a {lot.status} lot")
    spec = protocols.product_definition(lot.enrolment.programme).full_spec()
    line = next((x for x in spec.lines if x.attribute == attribute), None)
    if line is None:
        raise InputError("attribute", f"{attribute!r} is not in release spec {spec.version}")
    if not line.qualitative and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InputError("value", f"{attribute} needs a number, got {value!r}") from None
    if lot.qc_results.filter(attribute=attribute).exists():
        raise InputError("attribute", f"{attribute} is already entered for this lot")
    row = StoredQc.objects.create(lot=lot, attribute=attribute, value=value, entered_by=user)
    evaluation = evaluation_of(lot)  # raises on a value the core cannot judge: rolled back
    lot.evaluation = evaluation.to_dict()
    lot.save(update_fields=["evaluation"])
    return row


def _core_lot(lot: Lot) -> core_lot.Lot:
    history = tuple(core_lot.LotEvent(core_lot.LotStatus(e.from_status),
                                      core_lot.LotStatus(e.to_status), _name(e.actor), e.at)
                    for e in lot.events.select_related("actor"))
    return core_lot.Lot(lot.lot_number, lot.enrolment.programme.product_name,
                        lot.coi_identifier, core_lot.LotStatus(lot.status), history)


@transaction.atomic
def transition_lot(lot: Lot, user, to: str, *, reason: str = "",
                   release: signoff.Signature | None = None,
                   acknowledgement: signoff.Signature | None = None,
                   at: dt.datetime | None = None) -> Lot:
    """Move a lot through the core's status machine.

    A release (released, pending final sterility, exceptional) is signed by the QA releaser who
    signed in for it (``release``, a coordinator), who becomes the event's actor; the core then
    refuses a releaser who entered any result (the two-person rule). An exceptional release
    also needs a different physician's signed acknowledgement (``acknowledgement``).
    """
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    at = at or timezone.now()
    try:
        target = core_lot.LotStatus(to)
    except ValueError:
        raise InputError("status", f"unknown status {to!r}") from None
    actor = user
    if target in core_lot.RELEASE_STATES:
        actor = signoff.signer(release, signoff.Step.QA_RELEASE, "releaser")
    acknowledged_by = None
    if target is core_lot.S.EXCEPTIONAL_RELEASE and acknowledgement is not None:
        acknowledged_by = signoff.signer(acknowledgement, signoff.Step.RELEASE_ACKNOWLEDGEMENT,
                                         "acknowledged_by", first=[actor])
    evaluation = evaluation_of(lot) if target in core_lot.RELEASE_STATES else None
    moved = core_lot.transition(
        _core_lot(lot), target, actor=_name(actor), at=at, evaluation=evaluation, reason=reason,
        acknowledged_by=_name(acknowledged_by) if acknowledged_by is not None else "")
    event = moved.history[-1]
    LotEvent.objects.create(lot=lot, from_status=event.from_status.value,
                            to_status=event.to_status.value, actor=actor, at=at,
                            reason=event.reason, acknowledged_by=acknowledged_by)
    lot.status = moved.status.value
    if evaluation is not None:
        lot.evaluation = evaluation.to_dict()
    lot.save(update_fields=["status", "evaluation"])
    return lot


def chain_of(lot: Lot) -> list[dict[str, Any]]:
    return [r.as_chain_record() for r in lot.custody.order_by("sequence")]


def verify_custody(lot: Lot) -> core_custody.ChainVerification:
    """Recompute the whole chain against the head hash and length stored on the lot."""
    return core_custody.verify_chain(chain_of(lot), expected_head=lot.custody_head or None,
                                     expected_length=lot.custody_length)


def excursions(lot: Lot) -> list[core_custody.Excursion]:
    return core_custody.temperature_excursions(chain_of(lot),
                                               protocols.storage_range(lot.enrolment.programme))


@transaction.atomic
def append_custody(lot: Lot, user, *, action: str, from_party: str, to_party: str,
                   location: str, at: dt.datetime, temperature_c: float | None = None,
                   shipper_id: str = "") -> CustodyRecord:
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    check = verify_custody(lot)
    if not check.ok:
        raise InputError("chain", f"refusing to append to a broken chain: {check.problem}")
    event = core_custody.CustodyEvent(
        lot.coi_identifier, f"lot:{lot.lot_number}", action, from_party, to_party, location,
        at, _name(user), temperature_c, shipper_id)
    chain = core_custody.append_event(chain_of(lot), event)
    new = chain[-1]
    record = CustodyRecord.objects.create(lot=lot, sequence=new["event"]["sequence"],
                                          event=new["event"], prev_hash=new["prev_hash"],
                                          hash=new["hash"])
    lot.custody_head, lot.custody_length = new["hash"], len(chain)
    lot.save(update_fields=["custody_head", "custody_length"])
    return record
