"""Dose, bedside checks and infusion in one transaction; discharge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy import lot as core_lot
from lupuscare.celltherapy.dosing import endotoxin_check, plan_dose, require_as_planned
from lupuscare.celltherapy.followup import generate
from lupuscare.celltherapy.infusion import (
    IdentityCheck,
    Reaction,
    VitalSigns,
    check_infusion,
    discharge_readiness,
)
from lupuscare.celltherapy.regulatory import Modality
from lupuscare.errors import InputError

from .. import protocols
from ..models import Discharge, Enrolment, FollowUpVisit, Infusion, Lot
from ._common import _moment, _name
from .consent import consent_state
from .gate import clearance
from .product import append_custody, transition_lot


@transaction.atomic
def record_infusion(enrolment: Enrolment, user, *, lot: Lot, delivered_cells: float,
                    weight_kg: float | None, height_cm: float | None = None,
                    second_verifier=None, electronic_scan: bool = False,
                    patient_identity_confirmed: bool, patient_on_bag: str, coi_on_bag: str,
                    lot_on_bag: str, thaw_end: dt.datetime | None, started_at: dt.datetime,
                    ended_at: dt.datetime, volume_ml: float | None = None,
                    vitals: Iterable[Mapping[str, Any]] = (),
                    reactions: Iterable[Mapping[str, Any]] = ()) -> Infusion:
    """Dose, bedside identity check and infusion, refused whole if any check fails; the lot is
    dispensed, an 'infused' custody event is chained, and the follow-up schedule is generated."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.enrolment_id != enrolment.pk:
        raise InputError("lot", "belongs to another patient's order")
    programme = enrolment.programme
    started_at = _moment(started_at, "started_at")
    ended_at = _moment(ended_at, "ended_at")
    if ended_at < started_at:
        raise InputError("ended_at", "is before the start of the infusion")
    if thaw_end is not None:
        thaw_end = _moment(thaw_end, "thaw_end")
    plan = plan_dose(protocols.dose_rule(programme), weight_kg=weight_kg, height_cm=height_cm)
    dose = require_as_planned(plan, delivered_cells)
    endotoxin = _endotoxin(lot, volume_ml, plan.weight_kg or weight_kg, started_at, ended_at)
    day = timezone.localtime(started_at).date()
    gate, override = clearance(enrolment, day)
    identity = IdentityCheck(
        first_verifier=_name(user), patient_identity_confirmed=patient_identity_confirmed,
        patient_on_bag=patient_on_bag, patient_expected=enrolment.patient.identifier,
        coi_on_bag=coi_on_bag, coi_expected=lot.coi_identifier, lot_on_bag=lot_on_bag,
        lot_expected=lot.lot_number,
        second_verifier=_name(second_verifier) if second_verifier is not None else "",
        electronic_scan=electronic_scan)
    vital_rows = [VitalSigns(_moment(v["at"], f"vitals[{i}].at"), dict(v["values"]))
                  for i, v in enumerate(vitals)]
    reaction_rows = [Reaction(_moment(r["at"], f"reactions[{i}].at"), r["term"], r["ctcae_grade"])
                     for i, r in enumerate(reactions)]
    check = check_infusion(
        protocol=protocols.infusion_protocol(programme), gate=gate, override=override,
        consent=consent_state(enrolment, day), identity=identity,
        lot_status=core_lot.LotStatus(lot.status), infusion_start=started_at, thaw_end=thaw_end,
        vitals=vital_rows, reactions=reaction_rows)
    infusion = Infusion.objects.create(
        enrolment=enrolment, lot=lot, weight_kg=weight_kg, height_cm=height_cm,
        target_cells=plan.target_total, delivered_cells=dose.delivered_total,
        volume_ml=volume_ml, endotoxin=endotoxin,
        dose={"target_total": dose.target_total, "delivered_total": dose.delivered_total,
              "percent_of_target": dose.percent_of_target, "as_planned": dose.as_planned,
              "tolerance_pct": plan.rule.tolerance_pct, "basis": plan.rule.basis.value},
        first_verifier=user, second_verifier=second_verifier, electronic_scan=electronic_scan,
        identity={"patient_on_bag": patient_on_bag, "coi_on_bag": coi_on_bag,
                  "lot_on_bag": lot_on_bag,
                  "patient_identity_confirmed": patient_identity_confirmed},
        thaw_end=thaw_end, started_at=started_at, ended_at=ended_at,
        vitals=[{"at": v.at.isoformat(), "values": dict(v.values)} for v in vital_rows],
        reactions=[{"at": r.at.isoformat(), "term": r.term, "ctcae_grade": r.ctcae_grade}
                   for r in reaction_rows],
        checks={"ok": check.ok, "problems": list(check.problems),
               "vital_flags": list(check.vital_flags),
               "worst_reaction_grade": check.worst_reaction_grade},
        recorded_by=user)
    if lot.status != core_lot.S.DISPENSED:
        transition_lot(lot, user, core_lot.S.DISPENSED.value, at=max(started_at, _last_at(lot)))
    append_custody(lot, user, action="infused", from_party="infusion team",
                   to_party=f"patient {enrolment.patient_id}", location="bedside", at=started_at)
    if not enrolment.visits.exists():
        for visit in generate(protocols.schedule(programme), day):
            FollowUpVisit.objects.create(enrolment=enrolment, label=visit.label,
                                         target=visit.target, window_start=visit.window_start,
                                         window_end=visit.window_end)
    return infusion


def _endotoxin(lot: Lot, volume_ml: float | None, weight_kg: float | None,
               started_at: dt.datetime, ended_at: dt.datetime) -> dict[str, Any] | None:
    """Endotoxin delivered per kg and per kg per hour (USP <85> K, the core's check), from the
    lot's endotoxin result in EU/mL. The MSC release spec only records endotoxin, so this is
    where it is judged: refused when over K. Needs the infused volume and the weight."""
    row = lot.qc_results.filter(attribute="endotoxin").first()
    if row is None:
        return None
    if volume_ml is None:
        raise InputError("volume_ml", "the infused volume is needed to judge endotoxin per kg")
    minutes = max((ended_at - started_at).total_seconds() / 60, 1e-9)
    check = endotoxin_check(eu_per_ml=row.value, volume_ml=volume_ml, weight_kg=weight_kg,
                            infusion_minutes=minutes)
    if not check.within:
        raise InputError("endotoxin", "; ".join(check.reasons))
    return {"eu_total": check.eu_total, "eu_per_kg": check.eu_per_kg,
            "eu_per_kg_per_hour": check.eu_per_kg_per_hour,
            "limit_eu_per_kg": check.limit_eu_per_kg}


def _last_at(lot: Lot) -> dt.datetime:
    last = lot.events.order_by("-at").first()
    return last.at if last else dt.datetime.min.replace(tzinfo=dt.UTC)


@transaction.atomic
def record_discharge(infusion: Infusion, user, *, met: Mapping[str, bool],
                     now: dt.datetime | None = None) -> Discharge:
    now = now or timezone.now()
    programme = infusion.enrolment.programme
    decision = discharge_readiness(protocols.discharge_criteria(programme), met,
                                   infusion_end=infusion.ended_at, now=now,
                                   car_t=Modality(programme.modality) is Modality.CAR_T)
    if hasattr(infusion, "discharge"):
        raise InputError("discharge", "is already recorded for this infusion")
    return Discharge.objects.create(
        infusion=infusion, checklist=dict(met), decided_at=now, ready=decision.ready,
        unmet=list(decision.unmet), stay_near_centre_until=decision.stay_near_centre_until,
        decided_by=user)
