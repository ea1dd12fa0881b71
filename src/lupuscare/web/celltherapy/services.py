"""Every write of the cell-therapy programme: one transaction per step, decisions by the core.

Each function checks with ``lupuscare.celltherapy`` first and writes only when the core agrees;
a refusal raises ``InputError(field, reason)`` before anything is saved, and the surrounding
``transaction.atomic`` rolls back anything written before a late refusal. Views call these and
never re-implement a rule; tests call them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy import custody as core_custody
from lupuscare.celltherapy import lot as core_lot
from lupuscare.celltherapy.adverse_events import (
    AdverseEvent as CoreAE,
)
from lupuscare.celltherapy.adverse_events import (
    Causality,
    Consciousness,
    Oxygen,
    Seriousness,
    grade_crs,
    grade_icans,
    ice_score,
    reporting_clock,
    validate_ctcae_grade,
)
from lupuscare.celltherapy.consent import ConsentRecord, Scope, consent_status
from lupuscare.celltherapy.donor import donor_eligibility
from lupuscare.celltherapy.dosing import endotoxin_check, plan_dose, require_as_planned
from lupuscare.celltherapy.eligibility import (
    EligibilityInputs,
    Lab,
    LabExclusion,
    RefractoryCriterion,
    evaluate_eligibility,
)
from lupuscare.celltherapy.eligibility import MedicationCourse as CoreCourse
from lupuscare.celltherapy.endpoints import GENERIC_RELAPSE, evaluate_endpoint, evaluate_relapse
from lupuscare.celltherapy.followup import generate, visit_statuses
from lupuscare.celltherapy.identity import make_coi
from lupuscare.celltherapy.infusion import (
    IdentityCheck,
    Reaction,
    VitalSigns,
    check_infusion,
    discharge_readiness,
)
from lupuscare.celltherapy.regulatory import (
    GateDecision,
    GateOverride,
    Modality,
    evaluate_gate,
    override_gate,
)
from lupuscare.celltherapy.release import ProductSource, QcResult, evaluate_release
from lupuscare.clinical.glucocorticoids import daily_prednisone_equivalent
from lupuscare.clinical.units import convert
from lupuscare.errors import InputError
from lupuscare.instruments import score as score_instrument
from lupuscare.web.accounts.models import Role
from lupuscare.web.records.models import Assessment, LabResult, MedicationCourse, Patient

from . import protocols
from .models import (
    AdverseEvent,
    Consent,
    CustodyRecord,
    Discharge,
    EligibilityAssessment,
    EndpointResult,
    Enrolment,
    FollowUpVisit,
    Infusion,
    Lot,
    LotEvent,
    Programme,
)
from .models import (
    GateOverride as StoredOverride,
)
from .models import (
    QcResult as StoredQc,
)

# Screening labs are read from this many days before the screening date (a lupuscare
# convention, no published source: protocols name their own screening window).
SCREENING_LAB_DAYS = 30


def _today() -> dt.date:
    return timezone.localdate()


def _name(user) -> str:
    """How a person is named to the core (the two-person rules compare these)."""
    return user.get_username()


def _require_clinician(user, field: str) -> None:
    if getattr(user, "role", None) != Role.CLINICIAN:
        raise InputError(field, "must be a physician (a user with the clinician role)")


def find_user(username: str, field: str):
    """An active user named in a form (a second signer, a second verifier)."""
    username = (username or "").strip()
    if not username:
        raise InputError(field, "is required")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InputError(field, f"no active user {username!r}")
    return user


# --- programme gate and orders ------------------------------------------------------------------

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
def countersign_override(override: StoredOverride, signer) -> StoredOverride:
    """Second signature, by a different user; the core checks the two signers differ."""
    if override.effective:
        raise InputError("override", "is already countersigned")
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


# --- eligibility ------------------------------------------------------------------------------

def screening_inputs(enrolment: Enrolment, assessment: Assessment | None, *,
                     bilag: Mapping[str, str] | None, failed_course_ids: Iterable[int],
                     on: dt.date) -> tuple[EligibilityInputs, dict[str, Any]]:
    """Eligibility inputs computed from the record, plus a JSON snapshot of where each came from.

    SLEDAI-2K comes from the instruments engine on the visit's document; labs are the latest in
    the screening window, converted to each criterion's unit; medication courses come from the
    record, and whether each one failed is the clinician's attestation (``failed_course_ids``).
    """
    patient = enrolment.patient
    criteria = protocols.criteria(enrolment.programme)
    scores: dict[str, float] = {}
    snapshot: dict[str, Any] = {"on": on.isoformat()}
    if assessment is not None:
        if assessment.patient_id != patient.pk:
            raise InputError("assessment", "belongs to another patient")
        result = score_instrument("sledai2k", assessment.to_document(with_previous=False))
        scores["sledai2k_total"] = result.values["total"]
        snapshot["sledai2k"] = {"assessment_id": assessment.pk,
                                "date": assessment.date.isoformat(),
                                "total": result.values["total"], "version": result.version}
    labs: dict[str, Lab] = {}
    lab_snapshot = {}
    start = on - dt.timedelta(days=SCREENING_LAB_DAYS)
    for criterion in criteria.criteria:
        if not isinstance(criterion, LabExclusion) or criterion.lab in labs:
            continue
        row = (LabResult.objects.filter(patient=patient, test=criterion.lab,
                                        collected_at__date__gte=start,
                                        collected_at__date__lte=on)
               .order_by("-collected_at").first())
        if row is None:
            continue
        value = row.value if row.unit == criterion.unit else convert(
            criterion.lab, row.value, row.unit, criterion.unit)
        uln = row.high
        if uln is not None and row.unit != criterion.unit:
            uln = convert(criterion.lab, uln, row.unit, criterion.unit)
        labs[criterion.lab] = Lab(value, criterion.unit, uln)
        lab_snapshot[criterion.lab] = {"lab_id": row.pk, "value": row.value, "unit": row.unit,
                                       "as": value, "as_unit": criterion.unit,
                                       "collected_at": row.collected_at.isoformat()}
    snapshot["labs"] = lab_snapshot
    failed = set(failed_course_ids)
    courses = []
    course_snapshot = []
    wanted_units = {req.drug: req.dose_unit for c in criteria.criteria
                    if isinstance(c, RefractoryCriterion) for req in (*c.all_of, *c.any_of)}
    for course in MedicationCourse.objects.filter(patient=patient, start__lte=on):
        unit = wanted_units.get(course.drug)
        if unit not in {"mg/d", "g/d"} or course.daily_dose_mg is None or course.pulse:
            continue  # pulses (e.g. cyclophosphamide g/m² every 2 weeks) need the dose record
        dose = course.daily_dose_mg if unit == "mg/d" else course.daily_dose_mg / 1000
        days = ((course.stop or on) - course.start).days
        courses.append(CoreCourse(course.drug, dose, unit, days, course.pk in failed))
        course_snapshot.append({"course_id": course.pk, "drug": course.drug, "dose": dose,
                                "unit": unit, "days": days, "failed": course.pk in failed})
    snapshot["courses"] = course_snapshot
    snapshot["bilag"] = dict(bilag) if bilag else None
    return EligibilityInputs(scores, dict(bilag) if bilag else None, courses, labs), snapshot


@transaction.atomic
def assess_eligibility(enrolment: Enrolment, user, *, assessment: Assessment | None,
                       bilag: Mapping[str, str] | None = None,
                       failed_course_ids: Iterable[int] = (),
                       on: dt.date | None = None) -> EligibilityAssessment:
    _require_clinician(user, "assessed_by")
    on = on or _today()
    inputs, snapshot = screening_inputs(enrolment, assessment, bilag=bilag,
                                        failed_course_ids=failed_course_ids, on=on)
    result = evaluate_eligibility(protocols.criteria(enrolment.programme), inputs)
    return EligibilityAssessment.objects.create(
        enrolment=enrolment, protocol=result.protocol, version=result.version,
        eligible=result.eligible, inputs=snapshot, result=result.to_dict(),
        assessment=assessment, assessed_by=user, assessed_at=timezone.now())


# --- consent ------------------------------------------------------------------------------------

def _core_consent(c: Consent) -> ConsentRecord:
    return ConsentRecord(str(c.consent_id), c.form_version, c.signed_on, c.signer,
                         frozenset(c.scopes), c.witness, c.withdrawn_on)


def current_consent(enrolment: Enrolment) -> Consent | None:
    return enrolment.consents.order_by("-signed_on", "-id").first()


def consent_state(enrolment: Enrolment, on: dt.date):
    consent = current_consent(enrolment)
    programme = enrolment.programme
    return consent_status(_core_consent(consent) if consent else None,
                          protocols.consent_form(programme), Modality(programme.modality), on)


@transaction.atomic
def record_consent(enrolment: Enrolment, user, *, consent_id: str, form_version: str,
                   signed_on: dt.date, signer: str, scopes: Iterable[str],
                   witness: str = "") -> Consent:
    """Store a signed consent; refused (nothing saved) unless it is valid on its signing date."""
    _require_cleared(enrolment, signed_on, "consent")
    try:
        scopes = sorted({Scope(s).value for s in scopes})
    except ValueError:
        raise InputError("scopes", f"must be among {[s.value for s in Scope]}") from None
    consent = Consent(enrolment=enrolment, consent_id=consent_id, form_version=form_version,
                      signed_on=signed_on, signer=signer, witness=witness, scopes=scopes,
                      recorded_by=user)
    programme = enrolment.programme
    status = consent_status(_core_consent(consent), protocols.consent_form(programme),
                            Modality(programme.modality), signed_on)
    if not status.valid:
        raise InputError("consent", "; ".join(status.reasons))
    consent.save()
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, on: dt.date) -> Consent:
    if consent.withdrawn_on is not None:
        raise InputError("withdrawn_on", f"consent was already withdrawn on {consent.withdrawn_on}")
    if on < consent.signed_on:
        raise InputError("withdrawn_on", "is before the consent was signed")
    consent.withdrawn_on = on
    consent.save()
    return consent


# --- product lots -------------------------------------------------------------------------------

def _next_serial(issuer: str, year: int) -> int:
    prefix = f"{issuer}-{year:04d}-"
    taken = Lot.objects.filter(coi_identifier__startswith=prefix).values_list("coi_identifier",
                                                                               flat=True)
    return max((int(c.split("-")[2]) for c in taken), default=0) + 1


@transaction.atomic
def create_lot(enrolment: Enrolment, user, *, lot_number: str, collected_on: dt.date,
               collection_site: str, passage: int | None = None, donor_code: str = "",
               donor_results: Mapping[str, str] | None = None) -> Lot:
    """A lot in quarantine with a new chain-of-identity identifier and its first custody event."""
    programme = enrolment.programme
    spec = protocols.product_definition(programme).full_spec()  # refuses unknown products
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
    if passage is not None and any(line.attribute == "passage" for line in spec.lines):
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
                   acknowledged_by=None, at: dt.datetime | None = None) -> Lot:
    """Move a lot through the core's status machine (two-person release, exceptional release)."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    at = at or timezone.now()
    try:
        target = core_lot.LotStatus(to)
    except ValueError:
        raise InputError("status", f"unknown status {to!r}") from None
    if target is core_lot.S.EXCEPTIONAL_RELEASE and acknowledged_by is not None:
        _require_clinician(acknowledged_by, "acknowledged_by")
    evaluation = evaluation_of(lot) if target in core_lot.RELEASE_STATES else None
    moved = core_lot.transition(
        _core_lot(lot), target, actor=_name(user), at=at, evaluation=evaluation, reason=reason,
        acknowledged_by=_name(acknowledged_by) if acknowledged_by is not None else "")
    event = moved.history[-1]
    LotEvent.objects.create(lot=lot, from_status=event.from_status.value,
                            to_status=event.to_status.value, actor=user, at=at,
                            reason=event.reason, acknowledged_by=acknowledged_by)
    lot.status = moved.status.value
    if evaluation is not None:
        lot.evaluation = evaluation.to_dict()
    lot.save(update_fields=["status", "evaluation"])
    return lot


# --- custody ----------------------------------------------------------------------------------

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


# --- dose, infusion, discharge ----------------------------------------------------------------

def _moment(value: Any, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value
    raise InputError(field, "must be a date and time")


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


# --- follow-up ----------------------------------------------------------------------------------

def first_infusion(enrolment: Enrolment) -> Infusion | None:
    return enrolment.infusions.order_by("started_at").first()


def visit_states(enrolment: Enrolment, on: dt.date | None = None):
    """The core's state of every planned visit on ``on`` (upcoming, due, overdue, done...)."""
    infusion = first_infusion(enrolment)
    if infusion is None:
        return []
    on = on or _today()
    done = {v.label: v.done_on for v in enrolment.visits.all() if v.done_on and v.done_on <= on}
    return visit_statuses(protocols.schedule(enrolment.programme), infusion.day0, on, done)


@transaction.atomic
def record_visit(visit: FollowUpVisit, assessment: Assessment,
                 on: dt.date | None = None) -> FollowUpVisit:
    """Link a clinic visit (``records.Assessment``) to a planned follow-up visit."""
    enrolment = visit.enrolment
    if assessment.patient_id != enrolment.patient_id:
        raise InputError("assessment", "belongs to another patient")
    if visit.assessment_id is not None:
        raise InputError("visit", f"{visit.label} is already recorded")
    infusion = first_infusion(enrolment)
    if infusion is None:
        raise InputError("visit", "no infusion is recorded: follow-up starts at day 0")
    on = on or _today()
    done = {v.label: v.done_on for v in enrolment.visits.exclude(pk=visit.pk) if v.done_on}
    done[visit.label] = assessment.date
    # the core refuses a date before the infusion or after today, naming the visit
    visit_statuses(protocols.schedule(enrolment.programme), infusion.day0, on, done)
    visit.assessment = assessment
    visit.done_on = assessment.date
    visit.save()
    return visit


# --- endpoints ----------------------------------------------------------------------------------

def baseline_assessment(enrolment: Enrolment) -> Assessment | None:
    """The screening visit of the latest eligibility assessment, else the last visit on or
    before day 0."""
    screening = enrolment.eligibility.exclude(assessment=None).first()
    if screening is not None:
        return screening.assessment
    infusion = first_infusion(enrolment)
    limit = infusion.day0 if infusion else _today()
    return (Assessment.objects.filter(patient=enrolment.patient, date__lte=limit)
            .order_by("-date", "-id").first())


def _renal_values(doc: Mapping[str, Any]) -> dict[str, float]:
    """Latest UPCR (g/g) and creatinine (µmol/L) in the visit's lab window."""
    out: dict[str, float] = {}
    for lab in doc.get("labs", []):
        if lab["test"] == "upcr":
            out["upcr_g_g"] = convert("upcr", lab["value"], lab["unit"], "g/g")
        elif lab["test"] == "creatinine":
            out["creatinine"] = convert("creatinine", lab["value"], lab["unit"], "umol/L")
    return out


def _scored(instruments: dict[str, Any], key: str, name: str, document: dict[str, Any],
            **options: Any):
    """Score with the instruments engine; an input it lacks is recorded, not fatal: the ruleset
    then names the value as missing and the endpoint is 'not evaluable'."""
    try:
        result = score_instrument(name, document, **options)
    except InputError as exc:
        instruments[key] = {"instrument": name, "missing": f"{exc.field}: {exc.message}"}
        return None
    instruments[key] = result.to_dict()
    return result


def endpoint_inputs(enrolment: Enrolment, visit: FollowUpVisit) -> tuple[dict, dict, dict]:
    """(visit values, baseline values, instrument results) for the programme's ruleset; each
    value comes from ``lupuscare.instruments`` or straight from the record."""
    if visit.assessment is None:
        raise InputError("visit", f"{visit.label} has no recorded clinic visit")
    baseline = baseline_assessment(enrolment)
    visit_doc = visit.assessment.to_document(with_previous=False)
    instruments: dict[str, Any] = {}
    values: dict[str, float] = {}
    base: dict[str, float] = {}
    s = _scored(instruments, "sledai2k", "sledai2k", visit_doc)
    if s is not None:
        values["sledai2k_total"] = s.values["total"]
        sediment_items = {"urinary_casts", "hematuria", "pyuria"}
        values["active_sediment"] = int(any(s.values["items"].get(i) for i in sediment_items))
    values |= _renal_values(visit_doc)
    if visit_doc.get("bilag"):
        values["bilag_new_a"] = visit_doc["bilag"].get("new_a")
        values["bilag_new_b"] = visit_doc["bilag"].get("new_b")
    if baseline is not None:
        base_doc = baseline.to_document(with_previous=False)
        instruments["baseline"] = {"assessment_id": baseline.pk,
                                   "date": baseline.date.isoformat()}
        b = _scored(instruments, "baseline_sledai2k", "sledai2k", base_doc)
        if b is not None:
            base["sledai2k_total"] = b.values["total"]
        base |= _renal_values(base_doc)
        sri = _scored(instruments, "sri", "sri", {**visit_doc, "previous": base_doc}, k=4)
        if sri is not None:
            values["sri4_responder"] = int(bool(sri.values["responder"]))
    infusion = first_infusion(enrolment)
    if infusion is not None:
        week20 = infusion.day0 + dt.timedelta(weeks=20)
        if visit.assessment.date >= week20:
            meds = (MedicationCourse.objects.filter(patient=enrolment.patient, start__lte=week20)
                    .exclude(stop__lt=week20))
            values["prednisone_mg_day_week20"] = daily_prednisone_equivalent(
                [m.to_document() for m in meds])
        grades = enrolment.adverse_events.filter(
            onset__gte=infusion.day0, onset__lte=visit.assessment.date
        ).values_list("ctcae_grade", flat=True)
        values["max_ctcae_grade"] = max(grades, default=0)
    return values, base, instruments


@transaction.atomic
def compute_endpoint(enrolment: Enrolment, visit: FollowUpVisit, user) -> list[EndpointResult]:
    """The programme's endpoint (and BILAG relapse after a prior response) at a visit."""
    values, base, instruments = endpoint_inputs(enrolment, visit)
    ruleset = protocols.ruleset(enrolment.programme)
    first_level = ruleset.levels[0].name if ruleset.levels else None
    prior = enrolment.endpoints.filter(ruleset=ruleset.name, result=first_level,
                                       visit__target__lt=visit.target).exists()
    now = timezone.now()
    stored = []
    for result in (evaluate_endpoint(ruleset, values, base),
                   evaluate_relapse(GENERIC_RELAPSE, prior_response=prior, visit=values,
                                    baseline=base)):
        stored.append(EndpointResult.objects.create(
            enrolment=enrolment, visit=visit, ruleset=result.ruleset, version=result.version,
            result=result.result or "", certainty=result.certainty.value,
            inputs={"visit": values, "baseline": base}, instruments=instruments,
            detail=list(result.detail), missing=list(result.missing), computed_by=user,
            computed_at=now))
    return stored


# --- adverse events -------------------------------------------------------------------------------

@transaction.atomic
def record_adverse_event(enrolment: Enrolment, user, *, term: str, onset: dt.date,
                         ctcae_grade: int, seriousness: Iterable[str], causality: str,
                         expected: bool, sponsor_first_knowledge: dt.date | None = None,
                         crs: Mapping[str, Any] | None = None,
                         icans: Mapping[str, Any] | None = None) -> AdverseEvent:
    """Grade (CTCAE; ASTCT CRS and ICANS when given) and start the expedited-reporting clock."""
    validate_ctcae_grade(ctcae_grade)
    try:
        serious = frozenset(Seriousness(s) for s in seriousness)
    except ValueError:
        raise InputError("seriousness", f"must be among {[s.value for s in Seriousness]}") from None
    try:
        cause = Causality(causality)
    except ValueError:
        raise InputError("causality", f"must be one of {[c.value for c in Causality]}") from None
    clock = reporting_clock(CoreAE(term, onset, serious, cause, expected,
                                   sponsor_first_knowledge, ctcae_grade))
    ae = AdverseEvent(enrolment=enrolment, term=term.strip(), onset=onset,
                      ctcae_grade=ctcae_grade, seriousness=sorted(s.value for s in serious),
                      causality=cause.value, expected=expected,
                      sponsor_first_knowledge=sponsor_first_knowledge,
                      report_required=clock.required, report_due=clock.due,
                      follow_up_due=clock.follow_up_due, reporting_reason=clock.reason,
                      recorded_by=user)
    if crs:
        try:
            oxygen = Oxygen(crs.get("oxygen", "none"))
        except ValueError:
            raise InputError("crs.oxygen", f"must be one of {[o.value for o in Oxygen]}") from None
        g = grade_crs(max_temperature_c=crs.get("max_temperature_c"),
                      hypotension=bool(crs.get("hypotension")),
                      vasopressors=crs.get("vasopressors", ()),
                      oxygen=oxygen,
                      nasal_cannula_l_min=crs.get("nasal_cannula_l_min"),
                      antipyretic_or_anticytokine_given=bool(crs.get("treated")))
        ae.crs_grade, ae.crs_detail = g.grade, {"inputs": dict(crs), "explanation": g.explanation}
    if icans:
        ice = ice_score(**{k: icans[k] for k in ("orientation", "naming", "commands", "writing",
                                                  "attention")})
        try:
            consciousness = Consciousness(icans.get("consciousness", "normal"))
        except ValueError:
            raise InputError("icans.consciousness",
                             f"must be one of {[c.value for c in Consciousness]}") from None
        g = grade_icans(ice=ice, consciousness=consciousness)
        ae.icans_grade, ae.ice_score = g.grade, ice
        ae.icans_detail = {"inputs": dict(icans), "domains": g.domains}
    ae.save()
    return ae


@transaction.atomic
def mark_report_submitted(ae: AdverseEvent, on: dt.date) -> AdverseEvent:
    if not ae.report_required:
        raise InputError("submitted_on", "this event needs no expedited report")
    if ae.submitted_on is not None:
        raise InputError("submitted_on", f"already submitted on {ae.submitted_on}")
    if ae.sponsor_first_knowledge and on < ae.sponsor_first_knowledge:
        raise InputError("submitted_on", "is before the sponsor knew of the event")
    ae.submitted_on = on
    ae.save()
    return ae


@transaction.atomic
def resolve_adverse_event(ae: AdverseEvent, on: dt.date) -> AdverseEvent:
    if ae.resolved_on is not None:
        raise InputError("resolved_on", f"already resolved on {ae.resolved_on}")
    if on < ae.onset:
        raise InputError("resolved_on", f"{on} is before the onset on {ae.onset}")
    ae.resolved_on = on
    ae.save()
    return ae
