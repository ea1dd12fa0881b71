"""Pages of the cell-therapy programme. Every patient page starts from
``enrolled_patients_visible_to`` (coordinator: enrolled patients only; clinicians: their care
teams); every write is one call into ``services`` inside a transaction, audited, and a refusal
from the core is shown with its reason while nothing is saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lupuscare.celltherapy.adverse_events import Causality, Seriousness
from lupuscare.celltherapy.consent import Scope
from lupuscare.celltherapy.lot import ALLOWED, LotStatus
from lupuscare.celltherapy.regulatory import FDA_CONSUMER_WARNING, FDA_CONSUMER_WARNING_SOURCE
from lupuscare.errors import InputError
from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import enrolled_patients_visible_to, role_required
from lupuscare.web.records import audit
from lupuscare.web.records.models import Assessment, AuditAction, MedicationCourse, Patient

from . import board as board_mod
from . import protocols, services
from .models import AdverseEvent, Enrolment, FollowUpVisit, Infusion, Lot, Programme
from .outcomes import programme_outcomes

STAFF = (Role.CLINICIAN, Role.COORDINATOR)
BILAG_DOMAINS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
                 "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological")
CUSTODY_ACTIONS = ("labelled", "packed", "shipped", "received", "stored", "retrieved", "thawed",
                   "bedside_received", "returned", "destroyed")


def _patient(request: HttpRequest, patient_id: int) -> Patient:
    return get_object_or_404(enrolled_patients_visible_to(request.user), pk=patient_id)


def _visible_enrolments(request: HttpRequest):
    return Enrolment.objects.filter(patient__in=enrolled_patients_visible_to(request.user))


# --- small form readers: each raises InputError naming the field --------------------------------

def _text(post, name: str, required: bool = True) -> str:
    value = (post.get(name) or "").strip()
    if required and not value:
        raise InputError(name, "is required")
    return value


def _date(post, name: str, required: bool = True) -> dt.date | None:
    value = _text(post, name, required)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(name, f"must be a date (YYYY-MM-DD), got {value!r}") from None


def _moment(post, name: str, required: bool = True) -> dt.datetime | None:
    value = _text(post, name, required)
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(name, f"must be a date and time, got {value!r}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _number(post, name: str, required: bool = True) -> float | None:
    value = _text(post, name, required)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError(name, f"must be a number, got {value!r}") from None


def _int(post, name: str, required: bool = True) -> int | None:
    value = _text(post, name, required)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(name, f"must be a whole number, got {value!r}") from None


def _enrolment(post, patient: Patient) -> Enrolment:
    enrolment_id = _int(post, "enrolment")
    enrolment = Enrolment.objects.filter(pk=enrolment_id, patient=patient).first()
    if enrolment is None:
        raise InputError("enrolment", "no such order for this patient")
    return enrolment


def _lot(post, enrolment: Enrolment) -> Lot:
    lot = enrolment.lots.filter(pk=_int(post, "lot")).first()
    if lot is None:
        raise InputError("lot", "no such lot for this order")
    return lot


def patient_action(view: Callable[[HttpRequest, Patient], Any]) -> Callable:
    """A POST that changes a patient's cell-therapy record: permission first (404 for a patient
    the user may not see), then POST only, then one transaction; a refusal rolls back and is
    shown with the field and reason."""

    @role_required(*STAFF)
    @wraps(view)
    def wrapped(request: HttpRequest, patient_id: int) -> HttpResponse:
        patient = _patient(request, patient_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            with transaction.atomic():
                obj, message = view(request, patient)
                audit.record(request, patient, AuditAction.CREATE, obj)
        except InputError as exc:
            messages.error(request, f"Refused: {exc.field}: {exc.message}")
        else:
            messages.success(request, message)
        return redirect("celltherapy:patient", patient_id=patient.pk)

    return wrapped


# --- pages ------------------------------------------------------------------------------------

@require_GET
@role_required(*STAFF)
def board_view(request: HttpRequest) -> HttpResponse:
    enrolments = _visible_enrolments(request)
    context = {"board": board_mod.build_board(enrolments), "stages": board_mod.STAGES,
               "today": timezone.localdate()}
    audit.record(request, None, patient_ids=enrolments.values_list("patient_id", flat=True))
    return render(request, "celltherapy/board.html", context)


@require_GET
@role_required(*STAFF)
def programmes_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    enrolments = _visible_enrolments(request)
    rows = []
    for programme in Programme.objects.all():
        try:
            decision = services.gate_decision(programme, today)
        except InputError as exc:
            decision = None
            messages.error(request, f"{programme}: {exc.field}: {exc.message}")
        rows.append({"programme": programme, "gate": decision,
                     "outcomes": programme_outcomes(programme, enrolments, today)})
        rows[-1]["car_t_spec"] = protocols.car_t_spec_row(programme)
    return render(request, "celltherapy/programmes.html",
                  {"rows": rows, "is_coordinator": request.user.role == Role.COORDINATOR})


@role_required(Role.COORDINATOR)
def release_spec_view(request: HttpRequest) -> HttpResponse:
    """A coordinator enters or changes a CAR-T programme's release specification (POST only);
    a refusal from the core is shown with its field and nothing is saved."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    post = request.POST
    try:
        with transaction.atomic():
            programme = Programme.objects.filter(pk=_int(post, "programme")).first()
            if programme is None:
                raise InputError("programme", "no such programme")
            row = services.set_car_t_spec(
                programme, request.user, version=_text(post, "version"),
                car_positive_min_pct=_number(post, "car_positive_min_pct"),
                viability_min_pct=_number(post, "viability_min_pct"),
                vcn_max_copies_per_cell=_number(post, "vcn_max_copies_per_cell"),
                rcl_required=post.get("rcl_required") == "on")
    except InputError as exc:
        messages.error(request, f"Refused: {exc.field}: {exc.message}")
    else:
        messages.success(request, f"{row} saved.")
    return redirect("celltherapy:programmes")


@require_GET
@role_required(*STAFF)
def patient_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    audit.record(request, patient)
    today = timezone.localdate()
    enrolments = [_enrolment_context(e, today) for e in
                  patient.celltherapy_enrolments.select_related("programme")]
    referable = Programme.objects.exclude(enrolments__patient=patient)
    context = {
        "patient": patient, "enrolments": enrolments, "referable": referable, "today": today,
        "assessments": Assessment.objects.filter(patient=patient).order_by("-date")[:30],
        # the medication list is clinical record: shown to the treating clinicians only
        "courses": MedicationCourse.objects.filter(patient=patient).order_by("-start")
        if request.user.role == Role.CLINICIAN else MedicationCourse.objects.none(),
        "bilag_domains": BILAG_DOMAINS, "bilag_grades": ("A", "B", "C", "D", "E"),
        "scopes": [s.value for s in Scope], "seriousness": [s.value for s in Seriousness],
        "causalities": [c.value for c in Causality], "custody_actions": CUSTODY_ACTIONS,
        "fda_warning": FDA_CONSUMER_WARNING, "fda_source": FDA_CONSUMER_WARNING_SOURCE,
        "is_clinician": request.user.role == Role.CLINICIAN,
    }
    return render(request, "celltherapy/patient.html", context)


def _enrolment_context(enrolment: Enrolment, today: dt.date) -> dict[str, Any]:
    programme = enrolment.programme
    decision, override = services.clearance(enrolment, today)
    lots = []
    spec = protocols.full_spec_if_entered(programme)  # None: a CAR-T spec not entered yet
    for lot in enrolment.lots.all():
        evaluation = services.evaluation_of(lot) if spec is not None else None
        entered = {r.attribute: r for r in lot.qc_results.select_related("entered_by")}
        lots.append({
            "lot": lot, "evaluation": evaluation,
            "spec": [(line, entered.get(line.attribute))
                     for line in (spec.lines if spec is not None else ())],
            "next": sorted(s.value for s in ALLOWED[LotStatus(lot.status)]),
            "custody": lot.custody.order_by("sequence"),
            "verification": services.verify_custody(lot),
            "excursions": services.excursions(lot),
            "events": lot.events.select_related("actor", "acknowledged_by"),
        })
    infusions = list(enrolment.infusions.select_related("lot", "first_verifier",
                                                        "second_verifier"))
    ae_rows = [(ae, board_mod.report_state(ae, today)) for ae in enrolment.adverse_events.all()]
    return {
        "enrolment": enrolment, "programme": programme,
        "stage": board_mod.stage(enrolment, today), "gate": decision, "override": override,
        "covering_override": services.covering_override(enrolment, today),
        "pending_override": services.pending_override(enrolment),
        "eligibility": enrolment.eligibility.select_related("assessed_by").first(),
        "consent": services.current_consent(enrolment),
        "consent_status": services.consent_state(enrolment, today),
        "lots": lots, "infusions": infusions,
        "released_lots": [x["lot"] for x in lots if x["lot"].status in board_mod.RELEASED],
        "visit_states": services.visit_states(enrolment, today),
        "visits": {v.label: v for v in enrolment.visits.select_related("assessment")},
        "endpoints": enrolment.endpoints.select_related("visit"),
        "adverse_events": ae_rows,
    }


# --- actions ----------------------------------------------------------------------------------

@patient_action
def refer_view(request, patient):
    programme = Programme.objects.filter(pk=_int(request.POST, "programme")).first()
    if programme is None:
        raise InputError("programme", "no such programme")
    if request.user.role != Role.CLINICIAN:
        raise InputError("referred_by", "a referral is made by the patient's clinician")
    enrolment = services.refer(programme, patient, request.user,
                               reason=_text(request.POST, "referral_reason"))
    return enrolment, ("Referred." if enrolment.gate_allowed
                       else "Order recorded and BLOCKED by the programme gate.")


@patient_action
def override_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    if request.POST.get("action") == "countersign":
        override = services.pending_override(enrolment)
        if override is None:
            raise InputError("override", "no override is waiting for a second signature")
        return services.countersign_override(override, request.user), "Override countersigned."
    override = services.request_override(enrolment, request.user,
                                         reason=_text(request.POST, "reason"))
    return override, "Override requested: a second, different user must countersign."


@patient_action
def eligibility_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    assessment_id = _int(request.POST, "assessment", required=False)
    assessment = None
    if assessment_id is not None:
        assessment = Assessment.objects.filter(pk=assessment_id, patient=patient).first()
        if assessment is None:
            raise InputError("assessment", "no such visit for this patient")
    bilag = {d: request.POST[f"bilag_{d}"] for d in BILAG_DOMAINS
             if request.POST.get(f"bilag_{d}")}
    failed = [int(x) for x in request.POST.getlist("failed_courses") if x.isdigit()]
    result = services.assess_eligibility(enrolment, request.user, assessment=assessment,
                                         bilag=bilag or None, failed_course_ids=failed)
    return result, "Eligible." if result.eligible else "Not eligible: see the criteria below."


@patient_action
def consent_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    if request.POST.get("action") == "withdraw":
        consent = services.current_consent(enrolment)
        if consent is None:
            raise InputError("consent", "no consent is recorded")
        return services.withdraw_consent(consent, _date(request.POST, "withdrawn_on")), \
            "Consent withdrawn."
    consent = services.record_consent(
        enrolment, request.user, consent_id=_text(request.POST, "consent_id"),
        form_version=_text(request.POST, "form_version"),
        signed_on=_date(request.POST, "signed_on"), signer=_text(request.POST, "signer"),
        witness=_text(request.POST, "witness", required=False),
        scopes=request.POST.getlist("scopes"))
    return consent, "Consent recorded."


@patient_action
def lot_create_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    donor = {k.removeprefix("donor_"): v for k, v in request.POST.items()
             if k.startswith("donor_") and k != "donor_code" and v.strip()}
    lot = services.create_lot(
        enrolment, request.user, lot_number=_text(request.POST, "lot_number"),
        collected_on=_date(request.POST, "collected_on"),
        collection_site=_text(request.POST, "collection_site"),
        passage=_int(request.POST, "passage", required=False),
        donor_code=_text(request.POST, "donor_code", required=False), donor_results=donor)
    return lot, f"Lot {lot.lot_number} created with identifier {lot.coi_identifier}."


@patient_action
def lot_result_view(request, patient):
    lot = _lot(request.POST, _enrolment(request.POST, patient))
    row = services.enter_result(lot, request.user, attribute=_text(request.POST, "attribute"),
                                value=_text(request.POST, "value"))
    return row, f"{row.attribute} entered."


@patient_action
def lot_status_view(request, patient):
    lot = _lot(request.POST, _enrolment(request.POST, patient))
    ack_name = _text(request.POST, "acknowledged_by", required=False)
    ack = services.find_user(ack_name, "acknowledged_by") if ack_name else None
    lot = services.transition_lot(lot, request.user, _text(request.POST, "status"),
                                  reason=_text(request.POST, "reason", required=False),
                                  acknowledged_by=ack)
    return lot, f"Lot {lot.lot_number} is now {lot.status}."


@patient_action
def custody_view(request, patient):
    lot = _lot(request.POST, _enrolment(request.POST, patient))
    record = services.append_custody(
        lot, request.user, action=_text(request.POST, "action"),
        from_party=_text(request.POST, "from_party"), to_party=_text(request.POST, "to_party"),
        location=_text(request.POST, "location"), at=_moment(request.POST, "at"),
        temperature_c=_number(request.POST, "temperature_c", required=False),
        shipper_id=_text(request.POST, "shipper_id", required=False))
    return record, f"Custody event {record.sequence} chained."


@patient_action
def infusion_view(request, patient):
    post = request.POST
    enrolment = _enrolment(post, patient)
    second_name = _text(post, "second_verifier", required=False)
    vitals = []
    if _text(post, "vitals_at", required=False):
        values = {name: _number(post, f"vital_{name}") for name in
                  (enrolment.programme.vital_ranges or {}) if post.get(f"vital_{name}")}
        vitals.append({"at": _moment(post, "vitals_at"), "values": values})
    reactions = []
    if _text(post, "reaction_term", required=False):
        reactions.append({"at": _moment(post, "reaction_at"), "term": post["reaction_term"],
                          "ctcae_grade": _int(post, "reaction_grade")})
    infusion = services.record_infusion(
        enrolment, request.user, lot=_lot(post, enrolment),
        delivered_cells=_number(post, "delivered_cells"),
        weight_kg=_number(post, "weight_kg", required=False),
        height_cm=_number(post, "height_cm", required=False),
        second_verifier=services.find_user(second_name, "second_verifier") if second_name
        else None,
        electronic_scan=post.get("electronic_scan") == "on",
        patient_identity_confirmed=post.get("patient_identity_confirmed") == "on",
        patient_on_bag=_text(post, "patient_on_bag", required=False),
        coi_on_bag=_text(post, "coi_on_bag", required=False),
        lot_on_bag=_text(post, "lot_on_bag", required=False),
        thaw_end=_moment(post, "thaw_end", required=False),
        started_at=_moment(post, "started_at"), ended_at=_moment(post, "ended_at"),
        volume_ml=_number(post, "volume_ml", required=False), vitals=vitals,
        reactions=reactions)
    flags = infusion.checks["problems"] + infusion.checks["vital_flags"]
    return infusion, "Infusion recorded." + (" Flags: " + "; ".join(flags) if flags else "")


@patient_action
def discharge_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    infusion = Infusion.objects.filter(pk=_int(request.POST, "infusion"),
                                       enrolment=enrolment).first()
    if infusion is None:
        raise InputError("infusion", "no such infusion for this order")
    met = {item: request.POST.get(f"item_{i}") == "on"
           for i, item in enumerate(enrolment.programme.discharge_items or [])}
    discharge = services.record_discharge(infusion, request.user, met=met)
    return discharge, "Ready for discharge." if discharge.ready else \
        "Not ready: " + "; ".join(discharge.unmet)


@patient_action
def visit_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    visit = FollowUpVisit.objects.filter(enrolment=enrolment,
                                         label=_text(request.POST, "label")).first()
    if visit is None:
        raise InputError("label", "no such planned visit")
    assessment = Assessment.objects.filter(pk=_int(request.POST, "assessment"),
                                           patient=patient).first()
    if assessment is None:
        raise InputError("assessment", "no such visit for this patient")
    return services.record_visit(visit, assessment), f"{visit.label} recorded."


@patient_action
def endpoint_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    visit = FollowUpVisit.objects.filter(enrolment=enrolment,
                                         label=_text(request.POST, "label")).first()
    if visit is None:
        raise InputError("label", "no such planned visit")
    results = services.compute_endpoint(enrolment, visit, request.user)
    return results[0], f"{results[0].ruleset}: {results[0].result or 'not evaluable'}."


@patient_action
def adverse_event_view(request, patient):
    post = request.POST
    enrolment = _enrolment(post, patient)
    crs = None
    if _text(post, "crs_max_temperature_c", required=False) or post.get("crs_hypotension"):
        crs = {"max_temperature_c": _number(post, "crs_max_temperature_c", required=False),
               "hypotension": post.get("crs_hypotension") == "on",
               "vasopressors": [v for v in _text(post, "crs_vasopressors",
                                                 required=False).split(",") if v.strip()],
               "oxygen": _text(post, "crs_oxygen", required=False) or "none",
               "nasal_cannula_l_min": _number(post, "crs_nasal_cannula_l_min", required=False),
               "treated": post.get("crs_treated") == "on"}
    icans = None
    if _text(post, "ice_orientation", required=False):
        icans = {k: _int(post, f"ice_{k}") for k in
                 ("orientation", "naming", "commands", "writing", "attention")}
        icans["consciousness"] = _text(post, "icans_consciousness", required=False) or "normal"
    ae = services.record_adverse_event(
        enrolment, request.user, term=_text(post, "term"), onset=_date(post, "onset"),
        ctcae_grade=_int(post, "ctcae_grade"), seriousness=post.getlist("seriousness"),
        causality=_text(post, "causality"), expected=post.get("expected") == "on",
        sponsor_first_knowledge=_date(post, "sponsor_first_knowledge", required=False),
        crs=crs, icans=icans)
    return ae, f"Adverse event recorded: {ae.reporting_reason}."


@patient_action
def report_submitted_view(request, patient):
    enrolment = _enrolment(request.POST, patient)
    ae = AdverseEvent.objects.filter(pk=_int(request.POST, "adverse_event"),
                                     enrolment=enrolment).first()
    if ae is None:
        raise InputError("adverse_event", "no such adverse event for this order")
    if request.POST.get("action") == "resolve":
        return services.resolve_adverse_event(ae, _date(request.POST, "resolved_on")), \
            "Adverse event marked resolved."
    return services.mark_report_submitted(ae, _date(request.POST, "submitted_on")), \
        "Report marked submitted."


@require_GET
@role_required(*STAFF)
def custody_verify_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Recompute every custody chain of the patient's lots against the stored head and length."""
    patient = _patient(request, patient_id)
    audit.record(request, patient)
    lots = [{"lot": lot, "records": lot.custody.order_by("sequence"),
             "verification": services.verify_custody(lot), "excursions": services.excursions(lot)}
            for lot in Lot.objects.filter(enrolment__patient=patient).select_related(
                "enrolment__programme")]
    return render(request, "celltherapy/custody.html", {"patient": patient, "lots": lots})
