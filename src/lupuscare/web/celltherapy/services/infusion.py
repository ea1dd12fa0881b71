"""The pre-infusion check (blocks starting), the infusion record (always saved, deviations
flagged), and discharge.

``check_before_infusion`` stores a cleared bedside check or refuses with the core's first block
(``InputError`` naming the field; nothing saved). ``record_infusion`` records what was given:
the core's ``assess_infusion`` flags every deviation (no cleared check, dose outside tolerance,
endotoxin over K, a lot that was not released, the thaw limit, vitals, reactions) and the record
is saved with them; only malformed input is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy import lot as core_lot
from lupuscare.celltherapy.dosing import (
    DoseAssessment,
    DosePlan,
    EndotoxinCheck,
    assess_delivered,
    endotoxin_check,
    plan_dose,
)
from lupuscare.celltherapy.followup import generate
from lupuscare.celltherapy.infusion import (
    Deviation,
    DeviationCode,
    IdentityCheck,
    Reaction,
    VitalSigns,
    assess_infusion,
    discharge_readiness,
    pre_infusion_check,
)
from lupuscare.celltherapy.infusion import PreInfusionCheck as CoreCheck
from lupuscare.celltherapy.regulatory import Modality
from lupuscare.errors import InputError

from .. import protocols
from ..models import Discharge, Enrolment, FollowUpVisit, Infusion, Lot, PreInfusionCheck
from . import signoff
from ._common import _moment, _name
from .consent import consent_state
from .gate import clearance
from .product import append_custody, transition_lot

# At the pre-infusion check the whole-dose figure is the binding one (the per-hour figure is
# never larger: it equals it for an infusion of an hour or less), so the check judges it as a
# one-hour infusion; the record judges the real duration.
_CHECK_MINUTES = 60.0


def _locked_lot(lot: Lot, enrolment: Enrolment) -> Lot:
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.enrolment_id != enrolment.pk:
        raise InputError("lot", "belongs to another patient's order")
    return lot


def _plan(enrolment: Enrolment, weight_kg: float | None, height_cm: float | None) -> DosePlan:
    return plan_dose(protocols.dose_rule(enrolment.programme), weight_kg=weight_kg,
                     height_cm=height_cm)


def _dose_json(plan: DosePlan, dose: DoseAssessment) -> dict[str, Any]:
    return {"target_total": dose.target_total, "delivered_total": dose.delivered_total,
            "percent_of_target": dose.percent_of_target, "as_planned": dose.as_planned,
            "reasons": list(dose.reasons), "tolerance_pct": plan.rule.tolerance_pct,
            "basis": plan.rule.basis.value}


def _endotoxin_result(lot: Lot):
    return lot.qc_results.filter(attribute="endotoxin").first()


def _endotoxin(lot: Lot, volume_ml: float | None, weight_kg: float | None,
               minutes: float) -> EndotoxinCheck | None:
    """Endotoxin delivered per kg and per kg per hour (USP <85> K, the core's check), from the
    lot's endotoxin result in EU/mL; None without a result or without the infused volume."""
    row = _endotoxin_result(lot)
    if row is None or volume_ml is None:
        return None
    return endotoxin_check(eu_per_ml=row.value, volume_ml=volume_ml, weight_kg=weight_kg,
                           infusion_minutes=max(minutes, 1e-9))


def _endotoxin_json(check: EndotoxinCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {"eu_total": check.eu_total, "eu_per_kg": check.eu_per_kg,
            "eu_per_kg_per_hour": check.eu_per_kg_per_hour,
            "limit_eu_per_kg": check.limit_eu_per_kg, "within": check.within,
            "reasons": list(check.reasons)}


@transaction.atomic
def check_before_infusion(enrolment: Enrolment, user, *, lot: Lot, planned_cells: float,
                          weight_kg: float | None, height_cm: float | None = None,
                          second: signoff.Signature | None = None,
                          electronic_scan: bool = False, patient_identity_confirmed: bool,
                          patient_on_bag: str, coi_on_bag: str, lot_on_bag: str,
                          thaw_end: dt.datetime | None, planned_start: dt.datetime,
                          volume_ml: float | None = None) -> PreInfusionCheck:
    """The bedside check before starting, by ``user`` (first verifier) and a signed-in second
    verifier (``second``, from ``signoff.authenticate_second_person``) or an electronic scan.
    Refused, naming the field, unless the core's ``pre_infusion_check`` clears it."""
    lot = _locked_lot(lot, enrolment)
    if user.role not in signoff.STEP_ROLES[signoff.Step.BEDSIDE_IDENTITY]:
        raise InputError("first_verifier", "the bedside identity check is done by clinicians")
    second_user = None
    if second is not None:
        second_user = signoff.signer(second, signoff.Step.BEDSIDE_IDENTITY, "second_verifier",
                                     first=[user])
    planned_start = _moment(planned_start, "planned_start")
    if thaw_end is not None:
        thaw_end = _moment(thaw_end, "thaw_end")
    plan = _plan(enrolment, weight_kg, height_cm)
    dose = assess_delivered(plan, planned_cells)
    weight = plan.weight_kg or weight_kg
    if _endotoxin_result(lot) is not None and volume_ml is None:
        raise InputError("volume_ml", "the volume to infuse is needed to judge endotoxin per kg")
    endotoxin = _endotoxin(lot, volume_ml, weight, _CHECK_MINUTES)
    day = timezone.localtime(planned_start).date()
    gate, override = clearance(enrolment, day)
    identity = IdentityCheck(
        first_verifier=_name(user), patient_identity_confirmed=patient_identity_confirmed,
        patient_on_bag=patient_on_bag, patient_expected=enrolment.patient.identifier,
        coi_on_bag=coi_on_bag, coi_expected=lot.coi_identifier, lot_on_bag=lot_on_bag,
        lot_expected=lot.lot_number,
        second_verifier=_name(second_user) if second_user is not None else "",
        electronic_scan=electronic_scan)
    check = pre_infusion_check(
        protocol=protocols.infusion_protocol(enrolment.programme), gate=gate, override=override,
        consent=consent_state(enrolment, day), identity=identity,
        lot_status=core_lot.LotStatus(lot.status), dose=dose, endotoxin=endotoxin,
        planned_start=planned_start, thaw_end=thaw_end)
    check.require_cleared()
    return PreInfusionCheck.objects.create(
        enrolment=enrolment, lot=lot, first_verifier=user, second_verifier=second_user,
        second_signoff=second.signoff if second_user is not None else None,
        electronic_scan=electronic_scan,
        identity={"patient_on_bag": patient_on_bag, "coi_on_bag": coi_on_bag,
                  "lot_on_bag": lot_on_bag,
                  "patient_identity_confirmed": patient_identity_confirmed},
        weight_kg=weight_kg, height_cm=height_cm, planned_cells=planned_cells,
        dose=_dose_json(plan, dose), volume_ml=volume_ml, endotoxin=_endotoxin_json(endotoxin),
        thaw_end=thaw_end, planned_start=planned_start, checked_at=timezone.now())


def _identity_of(check: PreInfusionCheck) -> IdentityCheck:
    read = check.identity
    return IdentityCheck(
        first_verifier=_name(check.first_verifier),
        patient_identity_confirmed=bool(read.get("patient_identity_confirmed")),
        patient_on_bag=read.get("patient_on_bag", ""),
        patient_expected=check.enrolment.patient.identifier,
        coi_on_bag=read.get("coi_on_bag", ""), coi_expected=check.lot.coi_identifier,
        lot_on_bag=read.get("lot_on_bag", ""), lot_expected=check.lot.lot_number,
        second_verifier=_name(check.second_verifier) if check.second_verifier else "",
        electronic_scan=check.electronic_scan)


@transaction.atomic
def record_infusion(enrolment: Enrolment, user, *, delivered_cells: float,
                    started_at: dt.datetime, ended_at: dt.datetime,
                    pre_check: PreInfusionCheck | None = None, lot: Lot | None = None,
                    weight_kg: float | None = None, height_cm: float | None = None,
                    volume_ml: float | None = None, thaw_end: dt.datetime | None = None,
                    bag: Mapping[str, Any] | None = None,
                    vitals: Iterable[Mapping[str, Any]] = (),
                    reactions: Iterable[Mapping[str, Any]] = ()) -> Infusion:
    """Record an infusion that was given, with every deviation the core finds; the lot is
    dispensed (when its state allows), an 'infused' custody event is chained, and the follow-up
    schedule is generated at the first infusion.

    With ``pre_check`` the lot, weight, height, thaw end and identity come from that cleared
    check unless given; without one the record is still saved, flagged 'no cleared pre-infusion
    check', with what was read from the bag (``bag``) kept as found.
    """
    if pre_check is not None:
        pre_check = PreInfusionCheck.objects.select_related("lot", "first_verifier",
                                                            "second_verifier").get(pk=pre_check.pk)
        if pre_check.enrolment_id != enrolment.pk:
            raise InputError("pre_check", "belongs to another order")
        if Infusion.objects.filter(pre_check=pre_check).exists():
            raise InputError("pre_check", "has already been used for an infusion")
        if lot is not None and lot.pk != pre_check.lot_id:
            raise InputError("pre_check", f"was for lot {pre_check.lot.lot_number}; record an "
                                          "infusion of another lot without it")
        lot = pre_check.lot
        weight_kg = pre_check.weight_kg if weight_kg is None else weight_kg
        height_cm = pre_check.height_cm if height_cm is None else height_cm
        thaw_end = pre_check.thaw_end if thaw_end is None else thaw_end
    if lot is None:
        raise InputError("lot", "is required")
    lot = _locked_lot(lot, enrolment)
    programme = enrolment.programme
    started_at = _moment(started_at, "started_at")
    ended_at = _moment(ended_at, "ended_at")
    if thaw_end is not None:
        thaw_end = _moment(thaw_end, "thaw_end")
    plan = _plan(enrolment, weight_kg, height_cm)
    dose = assess_delivered(plan, delivered_cells)
    minutes = (ended_at - started_at).total_seconds() / 60
    endotoxin = _endotoxin(lot, volume_ml, plan.weight_kg or weight_kg, minutes)
    day = timezone.localtime(started_at).date()
    gate, override = clearance(enrolment, day)
    vital_rows = [VitalSigns(_moment(v["at"], f"vitals[{i}].at"), dict(v["values"]))
                  for i, v in enumerate(vitals)]
    reaction_rows = [Reaction(_moment(r["at"], f"reactions[{i}].at"), r["term"], r["ctcae_grade"])
                     for i, r in enumerate(reactions)]
    identity = _identity_of(pre_check) if pre_check is not None else None
    judged = assess_infusion(
        protocol=protocols.infusion_protocol(programme),
        pre_check=CoreCheck(()) if pre_check is not None else None, gate=gate,
        override=override, consent=consent_state(enrolment, day), identity=identity,
        lot_status=core_lot.LotStatus(lot.status), dose=dose, endotoxin=endotoxin,
        endotoxin_expected=_endotoxin_result(lot) is not None, started_at=started_at,
        ended_at=ended_at, thaw_end=thaw_end, vitals=vital_rows, reactions=reaction_rows)
    deviations = list(judged.deviations)
    if core_lot.S.DISPENSED in core_lot.ALLOWED[core_lot.LotStatus(lot.status)]:
        transition_lot(lot, user, core_lot.S.DISPENSED.value, at=max(started_at, _last_at(lot)))
    try:
        with transaction.atomic():
            append_custody(lot, user, action="infused", from_party="infusion team",
                           to_party=f"patient {enrolment.patient_id}", location="bedside",
                           at=started_at)
    except InputError as exc:  # a broken chain or an out-of-order time: recorded, not refused
        deviations.append(Deviation(DeviationCode.CUSTODY, f"{exc.field}: {exc.message}"))
    infusion = Infusion.objects.create(
        enrolment=enrolment, lot=lot, pre_check=pre_check, weight_kg=weight_kg,
        height_cm=height_cm, target_cells=plan.target_total,
        delivered_cells=dose.delivered_total, volume_ml=volume_ml,
        endotoxin=_endotoxin_json(endotoxin), dose=_dose_json(plan, dose),
        first_verifier=pre_check.first_verifier if pre_check else None,
        second_verifier=pre_check.second_verifier if pre_check else None,
        electronic_scan=pre_check.electronic_scan if pre_check else False,
        identity=dict(pre_check.identity) if pre_check else dict(bag or {}),
        thaw_end=thaw_end, started_at=started_at, ended_at=ended_at,
        vitals=[{"at": v.at.isoformat(), "values": dict(v.values)} for v in vital_rows],
        reactions=[{"at": r.at.isoformat(), "term": r.term, "ctcae_grade": r.ctcae_grade}
                   for r in reaction_rows],
        deviations=[{"code": d.code.value, "detail": d.detail} for d in deviations],
        checks={"ok": not deviations,
                "problems": [d.detail for d in deviations
                             if d.code is not DeviationCode.VITAL_SIGN],
                "vital_flags": list(judged.vital_flags),
                "worst_reaction_grade": judged.worst_reaction_grade},
        recorded_by=user)
    if not enrolment.visits.exists():
        for visit in generate(protocols.schedule(programme), day):
            FollowUpVisit.objects.create(enrolment=enrolment, label=visit.label,
                                         target=visit.target, window_start=visit.window_start,
                                         window_end=visit.window_end)
    return infusion


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
