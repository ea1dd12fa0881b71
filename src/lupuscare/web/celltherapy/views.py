"""Pages of the cell-therapy programme. Every patient page starts from
``enrolled_patients_visible_to`` (coordinator: enrolled patients only; clinicians: their care
teams). Each action is one Django form (``forms.py``) and one call into ``services`` inside a
transaction, audited. A refused form (bad input, or a refusal from the core) is shown again on
the patient page with its field errors and the input kept, status 400, and nothing is saved.
Two-person steps sign the second person in (``services.authenticate_second_person``) before the
step's transaction, so a refused sign-in stays in the log. GET never writes (except the audit
row of the read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lupuscare.celltherapy.lot import ALLOWED, RELEASE_STATES, LotStatus
from lupuscare.celltherapy.regulatory import FDA_CONSUMER_WARNING, FDA_CONSUMER_WARNING_SOURCE
from lupuscare.errors import InputError
from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import enrolled_patients_visible_to, role_required
from lupuscare.web.records import audit
from lupuscare.web.records.models import Assessment, AuditAction, MedicationCourse, Patient

from . import board as board_mod
from . import forms, protocols, services
from .models import (
    AdverseEvent,
    Enrolment,
    FollowUpVisit,
    Infusion,
    Lot,
    PreInfusionCheck,
    Programme,
)
from .outcomes import programme_outcomes

STAFF = (Role.CLINICIAN, Role.COORDINATOR)
Key = tuple[str, object]


def _patient(request: HttpRequest, patient_id: int) -> Patient:
    return get_object_or_404(enrolled_patients_visible_to(request.user), pk=patient_id)


def _visible_enrolments(request: HttpRequest):
    return Enrolment.objects.filter(patient__in=enrolled_patients_visible_to(request.user))


def _int(post, name: str) -> int:
    value = (post.get(name) or "").strip()
    try:
        return int(value)
    except ValueError:
        raise InputError(name, f"must be a whole number, got {value!r}") from None


def _enrolment(post, patient: Patient) -> Enrolment:
    enrolment = Enrolment.objects.filter(pk=_int(post, "enrolment"), patient=patient).first()
    if enrolment is None:
        raise InputError("enrolment", "no such order for this patient")
    return enrolment


@dataclass
class Ctx:
    """What a form is about: the request, the patient, the order and the lot, infusion or
    adverse event it acts on (``obj``)."""

    request: HttpRequest
    patient: Patient
    enrolment: Enrolment | None = None
    obj: Any = None

    @property
    def today(self) -> dt.date:
        return timezone.localdate()

    @property
    def key(self) -> object:
        return (self.obj or self.enrolment).pk if (self.obj or self.enrolment) else "new"


# --- forms, built the same way for the page and for a POST ------------------------------------

def _assessments(patient: Patient):
    """The 30 latest clinic visits (a form's choices must be a queryset it can filter)."""
    latest = Assessment.objects.filter(patient=patient).order_by("-date", "-id")
    return Assessment.objects.filter(pk__in=list(latest.values_list("pk", flat=True)[:30])
                                     ).order_by("-date", "-id")


def _released(enrolment: Enrolment):
    return enrolment.lots.filter(status__in=[s.value for s in RELEASE_STATES])


def _open_checks(enrolment: Enrolment):
    return (PreInfusionCheck.objects.filter(enrolment=enrolment, infusion__isnull=True)
            .select_related("lot"))


def _done_labels(enrolment: Enrolment, done: bool) -> list[str]:
    return [v.label for v in enrolment.visits.order_by("target") if bool(v.done_on) is done]


def _spec_attributes(lot: Lot) -> list[str]:
    spec = protocols.full_spec_if_entered(lot.enrolment.programme)
    entered = set(lot.qc_results.values_list("attribute", flat=True))
    return [line.attribute for line in (spec.lines if spec else ()) if line.attribute not in entered]


def _courses(ctx: Ctx):
    # the medication list is clinical record: shown to the treating clinicians only
    if ctx.request.user.role != Role.CLINICIAN:
        return MedicationCourse.objects.none()
    return MedicationCourse.objects.filter(patient=ctx.patient).order_by("-start")


BUILDERS: dict[str, Callable[[Any, Ctx], forms.ActionForm]] = {
    "override": lambda data, c: forms.OverrideRequestForm(data, key=c.key),
    "countersign": lambda data, c: forms.CountersignForm(data, key=c.key),
    "eligibility": lambda data, c: forms.EligibilityForm(
        data, key=c.key, assessments=_assessments(c.patient), courses=_courses(c),
        criteria=protocols.criteria(c.enrolment.programme)),
    "consent": lambda data, c: forms.ConsentForm(data, key=c.key, initial={
        "form_version": c.enrolment.programme.consent_form_version, "signed_on": c.today,
        "signer": c.patient.full_name}),
    "withdraw": lambda data, c: forms.WithdrawConsentForm(data, key=c.key),
    "lot": lambda data, c: forms.LotForm(data, key=c.key, initial={"collected_on": c.today}),
    "result": lambda data, c: forms.ResultForm(data, key=c.key,
                                               attributes=_spec_attributes(c.obj)),
    "status": lambda data, c: forms.LotStatusForm(
        data, key=c.key, statuses=sorted(s.value for s in ALLOWED[LotStatus(c.obj.status)]),
        initial={"releaser_username": c.request.user.get_username()}),
    "custody": lambda data, c: forms.CustodyForm(data, key=c.key),
    "precheck": lambda data, c: forms.PreInfusionCheckForm(
        data, key=c.key, lots=_released(c.enrolment),
        initial={"weight_kg": c.patient.weight_kg}),
    "infusion": lambda data, c: forms.InfusionForm(
        data, key=c.key, pre_checks=_open_checks(c.enrolment), lots=c.enrolment.lots.all(),
        vital_names=list(c.enrolment.programme.vital_ranges or {}),
        initial={"pre_check": _open_checks(c.enrolment).first()}),
    "discharge": lambda data, c: forms.DischargeForm(
        data, key=c.key, items=c.enrolment.programme.discharge_items or []),
    "visit": lambda data, c: forms.VisitLinkForm(
        data, key=c.key, labels=_done_labels(c.enrolment, False),
        assessments=_assessments(c.patient)),
    "endpoint": lambda data, c: forms.EndpointForm(data, key=c.key,
                                                   labels=_done_labels(c.enrolment, True)),
    "ae": lambda data, c: forms.AdverseEventForm(data, key=c.key),
    "submitted": lambda data, c: forms.ReportSubmittedForm(data, key=c.key),
    "resolve": lambda data, c: forms.ResolveForm(data, key=c.key),
}


def _form(name: str, ctx: Ctx, bound: dict[Key, forms.ActionForm]) -> forms.ActionForm:
    return bound.get((name, ctx.key)) or BUILDERS[name](None, ctx)


# --- pages ------------------------------------------------------------------------------------

@require_GET
@role_required(*STAFF)
def board_view(request: HttpRequest) -> HttpResponse:
    enrolments = _visible_enrolments(request)
    context = {"board": board_mod.build_board(enrolments), "stages": board_mod.STAGES,
               "today": timezone.localdate()}
    audit.record(request, None, patient_ids=enrolments.values_list("patient_id", flat=True))
    return render(request, "celltherapy/board.html", context)


def _programmes_page(request: HttpRequest, bound: dict[int, forms.CarTSpecForm] | None = None,
                     status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    enrolments = _visible_enrolments(request)
    rows = []
    for programme in Programme.objects.all():
        try:
            decision = services.gate_decision(programme, today)
        except InputError as exc:
            decision = None
            messages.error(request, f"{programme}: {exc.field}: {exc.message}")
        spec = protocols.car_t_spec_row(programme)
        initial = ({"version": spec.version, "car_positive_min_pct": spec.car_positive_min_pct,
                    "viability_min_pct": spec.viability_min_pct,
                    "vcn_max_copies_per_cell": spec.vcn_max_copies_per_cell,
                    "rcl_required": spec.rcl_required} if spec else {"rcl_required": True})
        rows.append({"programme": programme, "gate": decision, "car_t_spec": spec,
                     "outcomes": programme_outcomes(programme, enrolments, today),
                     "spec_form": (bound or {}).get(programme.pk)
                     or forms.CarTSpecForm(key=programme.pk, initial=initial)})
    return render(request, "celltherapy/programmes.html",
                  {"rows": rows, "is_coordinator": request.user.role == Role.COORDINATOR},
                  status=status)


@require_GET
@role_required(*STAFF)
def programmes_view(request: HttpRequest) -> HttpResponse:
    return _programmes_page(request)


@role_required(Role.COORDINATOR)
def release_spec_view(request: HttpRequest) -> HttpResponse:
    """A coordinator enters or changes a CAR-T programme's release specification (POST only);
    a refusal from the core is shown on the form with its field and nothing is saved."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        programme = Programme.objects.filter(pk=_int(request.POST, "programme")).first()
        if programme is None:
            raise InputError("programme", "no such programme")
    except InputError as exc:
        messages.error(request, f"Refused: {exc.field}: {exc.message}")
        return _programmes_page(request, status=400)
    form = forms.CarTSpecForm(request.POST, key=programme.pk)
    if form.is_valid():
        try:
            with transaction.atomic():
                row = services.set_car_t_spec(programme, request.user, **form.cleaned_data)
        except InputError as exc:
            form.refuse(exc.field, exc.message)
            messages.error(request, f"Refused: {exc.field}: {exc.message}")
        else:
            messages.success(request, f"{row} saved.")
            return redirect("celltherapy:programmes")
    return _programmes_page(request, {programme.pk: form}, status=400)


def _page(request: HttpRequest, patient: Patient, *,
          bound: dict[Key, forms.ActionForm] | None = None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    today = timezone.localdate()
    referable = Programme.objects.exclude(enrolments__patient=patient)
    is_clinician = request.user.role == Role.CLINICIAN
    referral = bound.get(("refer", "new")) or forms.ReferralForm(programmes=referable)
    context = {
        "patient": patient, "today": today, "referable": referable, "referral_form": referral,
        "enrolments": [_enrolment_context(Ctx(request, patient, e), today, bound)
                       for e in patient.celltherapy_enrolments.select_related("programme")],
        "fda_warning": FDA_CONSUMER_WARNING, "fda_source": FDA_CONSUMER_WARNING_SOURCE,
        "is_clinician": is_clinician,
    }
    return render(request, "celltherapy/patient.html", context, status=status)


@require_GET
@role_required(*STAFF)
def patient_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    audit.record(request, patient)
    return _page(request, patient)


def _enrolment_context(ctx: Ctx, today: dt.date, bound: dict[Key, forms.ActionForm]
                       ) -> dict[str, Any]:
    enrolment = ctx.enrolment
    programme = enrolment.programme
    decision, override = services.clearance(enrolment, today)
    lots = []
    spec = protocols.full_spec_if_entered(programme)  # None: a CAR-T spec not entered yet
    for lot in enrolment.lots.all():
        lot_ctx = Ctx(ctx.request, ctx.patient, enrolment, lot)
        evaluation = services.evaluation_of(lot) if spec is not None else None
        entered = {r.attribute: r for r in lot.qc_results.select_related("entered_by")}
        lots.append({
            "lot": lot, "evaluation": evaluation,
            "spec": [(line, entered.get(line.attribute))
                     for line in (spec.lines if spec is not None else ())],
            "next": bool(ALLOWED[LotStatus(lot.status)]),
            "custody": lot.custody.order_by("sequence"),
            "verification": services.verify_custody(lot),
            "excursions": services.excursions(lot),
            "events": lot.events.select_related("actor", "acknowledged_by"),
            "result_form": _form("result", lot_ctx, bound),
            "status_form": _form("status", lot_ctx, bound),
            "custody_form": _form("custody", lot_ctx, bound),
        })
    infusions = [{"infusion": inf, "discharge_form": _form(
        "discharge", Ctx(ctx.request, ctx.patient, enrolment, inf), bound)}
        for inf in enrolment.infusions.select_related("lot", "first_verifier", "second_verifier",
                                                      "pre_check")]
    ae_rows = []
    for ae in enrolment.adverse_events.all():
        ae_ctx = Ctx(ctx.request, ctx.patient, enrolment, ae)
        ae_rows.append({"ae": ae, "state": board_mod.report_state(ae, today),
                        "submitted_form": _form("submitted", ae_ctx, bound),
                        "resolve_form": _form("resolve", ae_ctx, bound)})
    form_names = ("override", "countersign", "eligibility", "consent", "withdraw", "lot",
                  "precheck", "infusion", "visit", "endpoint", "ae")
    return {
        "enrolment": enrolment, "programme": programme,
        "stage": board_mod.stage(enrolment, today), "gate": decision, "override": override,
        "covering_override": services.covering_override(enrolment, today),
        "pending_override": services.pending_override(enrolment),
        "eligibility": enrolment.eligibility.select_related("assessed_by").first(),
        "consent": services.current_consent(enrolment),
        "consent_status": services.consent_state(enrolment, today),
        "lots": lots, "infusions": infusions, "released_lots": list(_released(enrolment)),
        "open_checks": list(_open_checks(enrolment)),
        "pre_checks": enrolment.pre_checks.select_related("lot", "first_verifier",
                                                          "second_verifier"),
        "visit_states": services.visit_states(enrolment, today),
        "endpoints": enrolment.endpoints.select_related("visit"),
        "adverse_events": ae_rows,
        "forms": {name: _form(name, ctx, bound) for name in form_names},
    }


# --- actions ----------------------------------------------------------------------------------

Run = Callable[[Ctx, Any], tuple[Any, str]]
Sign = Callable[[Ctx, Any], dict[str, Any]]


def _refused_summary(form: forms.ActionForm) -> str:
    return "; ".join(f"{'form' if name == '__all__' else name}: {' '.join(errors)}"
                     for name, errors in form.errors.items())


def _perform(request: HttpRequest, ctx: Ctx, name: str, run: Run,
             sign: Sign | None = None) -> HttpResponse:
    """Validate the form, sign the second person in (if the step needs one), then run the
    service in one transaction with its audit row; on any refusal show the form again."""
    form = BUILDERS[name](request.POST, ctx)
    if form.is_valid():
        try:
            signatures = sign(ctx, form) if sign else {}
            with transaction.atomic():
                saved, message = run(ctx, form, **signatures)
                audit.record(request, ctx.patient, AuditAction.CREATE, saved)
        except InputError as exc:
            form.refuse(exc.field, exc.message)
            messages.error(request, f"Refused: {exc.field}: {exc.message}")
        else:
            messages.success(request, message)
            return redirect("celltherapy:patient", patient_id=ctx.patient.pk)
    else:
        messages.error(request, f"Refused: {_refused_summary(form)}")
    return _page(request, ctx.patient, bound={(name, ctx.key): form}, status=400)


def patient_action(choose: Callable[[HttpRequest, Ctx], tuple[str, Run, Sign | None]]):
    """A POST that changes a patient's cell-therapy record: permission first (404 for a patient
    the user may not see), then POST only, then the order (and lot, infusion or event) named in
    the form, then ``choose`` names the form and the service call."""

    @role_required(*STAFF)
    def wrapped(request: HttpRequest, patient_id: int) -> HttpResponse:
        patient = _patient(request, patient_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            ctx = Ctx(request, patient, _enrolment(request.POST, patient))
            name, run, sign = choose(request, ctx)
        except InputError as exc:
            messages.error(request, f"Refused: {exc.field}: {exc.message}")
            return _page(request, patient, status=400)
        return _perform(request, ctx, name, run, sign)

    wrapped.__name__ = choose.__name__
    wrapped.__doc__ = choose.__doc__
    return wrapped


def _one(queryset, field: str, value: str, what: str):
    obj = queryset.filter(pk=_int({field: value}, field)).first()
    if obj is None:
        raise InputError(field, f"no such {what} for this order")
    return obj


@role_required(*STAFF)
def refer_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A clinician of the patient's care team refers them to a programme."""
    patient = _patient(request, patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    referable = Programme.objects.exclude(enrolments__patient=patient)
    form = forms.ReferralForm(request.POST, programmes=referable)
    if form.is_valid():
        try:
            if request.user.role != Role.CLINICIAN:
                raise InputError("referred_by", "a referral is made by the patient's clinician")
            with transaction.atomic():
                enrolment = services.refer(form.cleaned_data["programme"], patient, request.user,
                                           reason=form.cleaned_data["referral_reason"])
                audit.record(request, patient, AuditAction.CREATE, enrolment)
        except InputError as exc:
            form.refuse(exc.field, exc.message)
            messages.error(request, f"Refused: {exc.field}: {exc.message}")
        else:
            messages.success(request, "Referred." if enrolment.gate_allowed
                             else "Order recorded and BLOCKED by the programme gate.")
            return redirect("celltherapy:patient", patient_id=patient.pk)
    else:
        messages.error(request, f"Refused: {_refused_summary(form)}")
    return _page(request, patient, bound={("refer", "new"): form}, status=400)


@patient_action
def override_view(request, ctx):
    """Request an override (a physician, with a reason), or countersign the one waiting: the
    countersigning physician signs in for it."""
    if request.POST.get("action") == "countersign":
        override = services.pending_override(ctx.enrolment)
        if override is None:
            raise InputError("override", "no override is waiting for a second signature")

        def sign(c, form):
            return {"signature": services.authenticate_second_person(
                c.request, services.Step.OVERRIDE_COUNTERSIGNATURE,
                username=form.cleaned_data["second_signer_username"],
                password=form.cleaned_data["second_signer_password"],
                first=[override.physician], patient=c.patient, field_prefix="second_signer")}

        return ("countersign", lambda c, form, signature: (
            services.countersign_override(override, signature), "Override countersigned."), sign)
    return ("override", lambda c, form: (services.request_override(
        c.enrolment, c.request.user, reason=form.cleaned_data["reason"]),
        "Override requested: a second, different physician must countersign."), None)


@patient_action
def eligibility_view(request, ctx):
    def run(c, form):
        result = services.assess_eligibility(
            c.enrolment, c.request.user, assessment=form.cleaned_data["assessment"],
            bilag=form.bilag(), failed_course_ids=[x.pk for x in
                                                   form.cleaned_data["failed_courses"]],
            answers=form.answers())
        return result, ("Eligible." if result.eligible
                        else "Not eligible: see the criteria below.")
    return "eligibility", run, None


@patient_action
def consent_view(request, ctx):
    if request.POST.get("action") == "withdraw":
        consent = services.current_consent(ctx.enrolment)
        if consent is None:
            raise InputError("consent", "no consent is recorded")
        return ("withdraw", lambda c, form: (services.withdraw_consent(
            consent, form.cleaned_data["withdrawn_on"]), "Consent withdrawn."), None)

    def run(c, form):
        return services.record_consent(c.enrolment, c.request.user, **form.cleaned_data), \
            "Consent recorded."
    return "consent", run, None


@patient_action
def lot_create_view(request, ctx):
    def run(c, form):
        d = form.cleaned_data
        lot = services.create_lot(c.enrolment, c.request.user, lot_number=d["lot_number"],
                                  collected_on=d["collected_on"],
                                  collection_site=d["collection_site"], passage=d["passage"],
                                  donor_code=d["donor_code"], donor_results=form.donor_results())
        return lot, f"Lot {lot.lot_number} created with identifier {lot.coi_identifier}."
    return "lot", run, None


def _lot_ctx(request, ctx: Ctx) -> Ctx:
    ctx.obj = _one(ctx.enrolment.lots, "lot", request.POST.get("lot"), "lot")
    return ctx


@patient_action
def lot_result_view(request, ctx):
    _lot_ctx(request, ctx)

    def run(c, form):
        row = services.enter_result(c.obj, c.request.user, **form.cleaned_data)
        return row, f"{row.attribute} entered."
    return "result", run, None


@patient_action
def lot_status_view(request, ctx):
    """A lot status change; a release needs the QA releaser's sign-in, an exceptional release
    also the acknowledging physician's."""
    _lot_ctx(request, ctx)

    def sign(c, form):
        d = form.cleaned_data
        target = d["status"]
        if target not in {s.value for s in RELEASE_STATES}:
            return {}
        entrants = [r.entered_by for r in c.obj.qc_results.select_related("entered_by")]
        release = services.authenticate_second_person(
            c.request, services.Step.QA_RELEASE, username=d["releaser_username"],
            password=d["releaser_password"], first=[], patient=c.patient,
            field_prefix="releaser")
        signatures = {"release": release}
        if target == LotStatus.EXCEPTIONAL_RELEASE and d["acknowledged_by_username"]:
            signatures["acknowledgement"] = services.authenticate_second_person(
                c.request, services.Step.RELEASE_ACKNOWLEDGEMENT,
                username=d["acknowledged_by_username"], password=d["acknowledged_by_password"],
                first=[release.user, *entrants], patient=c.patient,
                field_prefix="acknowledged_by")
        return signatures

    def run(c, form, **signatures):
        lot = services.transition_lot(c.obj, c.request.user, form.cleaned_data["status"],
                                      reason=form.cleaned_data["reason"], **signatures)
        return lot, f"Lot {lot.lot_number} is now {lot.status}."
    return "status", run, sign


@patient_action
def custody_view(request, ctx):
    _lot_ctx(request, ctx)

    def run(c, form):
        d = form.cleaned_data
        record = services.append_custody(
            c.obj, c.request.user, action=d["action"], from_party=d["from_party"],
            to_party=d["to_party"], location=d["location"], at=d["at"],
            temperature_c=d["temperature_c"], shipper_id=d["shipper_id"])
        return record, f"Custody event {record.sequence} chained."
    return "custody", run, None


@patient_action
def pre_check_view(request, ctx):
    """The bedside check before starting: the logged-in clinician verifies first, the second
    verifier signs in here (unless an electronic scan is recorded)."""
    def sign(c, form):
        d = form.cleaned_data
        if d["electronic_scan"] and not d["second_verifier_username"]:
            return {"second": None}
        if not d["second_verifier_username"] and not d["second_verifier_password"]:
            return {"second": None}  # the core refuses: a second person must verify
        return {"second": services.authenticate_second_person(
            c.request, services.Step.BEDSIDE_IDENTITY, username=d["second_verifier_username"],
            password=d["second_verifier_password"], first=[c.request.user], patient=c.patient,
            field_prefix="second_verifier")}

    def run(c, form, second):
        d = form.cleaned_data
        check = services.check_before_infusion(
            c.enrolment, c.request.user, lot=d["lot"], planned_cells=d["planned_cells"],
            weight_kg=d["weight_kg"], height_cm=d["height_cm"], second=second,
            electronic_scan=d["electronic_scan"],
            patient_identity_confirmed=d["patient_identity_confirmed"],
            patient_on_bag=d["patient_on_bag"], coi_on_bag=d["coi_on_bag"],
            lot_on_bag=d["lot_on_bag"], thaw_end=d["thaw_end"],
            planned_start=d["planned_start"], volume_ml=d["volume_ml"])
        return check, f"Cleared to start: lot {check.lot.lot_number}."
    return "precheck", run, sign


@patient_action
def infusion_view(request, ctx):
    """Record what was given: always saved, every deviation flagged."""
    def run(c, form):
        d = form.cleaned_data
        infusion = services.record_infusion(
            c.enrolment, c.request.user, pre_check=d["pre_check"], lot=d["lot"],
            delivered_cells=d["delivered_cells"], weight_kg=d["weight_kg"],
            height_cm=d["height_cm"], volume_ml=d["volume_ml"], thaw_end=d["thaw_end"],
            started_at=d["started_at"], ended_at=d["ended_at"], vitals=form.vitals(),
            reactions=form.reactions())
        flags = [x["detail"] for x in infusion.deviations]
        return infusion, "Infusion recorded." + (
            " Deviations: " + "; ".join(flags) if flags else "")
    return "infusion", run, None


@patient_action
def discharge_view(request, ctx):
    ctx.obj = _one(Infusion.objects.filter(enrolment=ctx.enrolment), "infusion",
                   request.POST.get("infusion"), "infusion")

    def run(c, form):
        discharge = services.record_discharge(c.obj, c.request.user, met=form.met())
        return discharge, ("Ready for discharge." if discharge.ready
                           else "Not ready: " + "; ".join(discharge.unmet))
    return "discharge", run, None


def _visit(enrolment: Enrolment, label: str) -> FollowUpVisit:
    visit = FollowUpVisit.objects.filter(enrolment=enrolment, label=label).first()
    if visit is None:
        raise InputError("label", "no such planned visit")
    return visit


@patient_action
def visit_view(request, ctx):
    def run(c, form):
        visit = _visit(c.enrolment, form.cleaned_data["label"])
        return services.record_visit(visit, form.cleaned_data["assessment"]), \
            f"{visit.label} recorded."
    return "visit", run, None


@patient_action
def endpoint_view(request, ctx):
    def run(c, form):
        visit = _visit(c.enrolment, form.cleaned_data["label"])
        results = services.compute_endpoint(c.enrolment, visit, c.request.user)
        return results[0], f"{results[0].ruleset}: {results[0].result or 'not evaluable'}."
    return "endpoint", run, None


@patient_action
def adverse_event_view(request, ctx):
    def run(c, form):
        d = form.cleaned_data
        ae = services.record_adverse_event(
            c.enrolment, c.request.user, term=d["term"], onset=d["onset"],
            ctcae_grade=d["ctcae_grade"], seriousness=d["seriousness"],
            causality=d["causality"], expected=d["expected"],
            sponsor_first_knowledge=d["sponsor_first_knowledge"], crs=form.crs(),
            icans=form.icans())
        return ae, f"Adverse event recorded: {ae.reporting_reason}."
    return "ae", run, None


@patient_action
def report_submitted_view(request, ctx):
    ctx.obj = _one(AdverseEvent.objects.filter(enrolment=ctx.enrolment), "adverse_event",
                   request.POST.get("adverse_event"), "adverse event")
    if request.POST.get("action") == "resolve":
        return ("resolve", lambda c, form: (services.resolve_adverse_event(
            c.obj, form.cleaned_data["resolved_on"]), "Adverse event marked resolved."), None)
    return ("submitted", lambda c, form: (services.mark_report_submitted(
        c.obj, form.cleaned_data["submitted_on"]), "Report marked submitted."), None)


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
