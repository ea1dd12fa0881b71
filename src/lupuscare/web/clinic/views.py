"""Pages of the clinician workspace. Every view starts from the permission layer
(``get_visible_patient`` / ``patients_visible_to``): a clinician of the patient's care team may
read and record; everyone else gets 403 (wrong role) or 404 (not their patient)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from lupuscare.clinical.glucocorticoids import daily_prednisone_equivalent
from lupuscare.instruments import biopsy
from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import can_record_for, get_visible_patient, role_required
from lupuscare.web.records import audit, services
from lupuscare.web.records.forms import add_errors
from lupuscare.web.records.models import (
    Assessment,
    AuditAction,
    DamageItem,
    LabResult,
    MedicationCourse,
    Patient,
)
from lupuscare.web.records.services import Actor, RecordInvalid

from . import alerts as alert_service
from . import dashboard, labs_import, scoring, summary, timeline
from .forms import (
    PGA_ANCHORS,
    AcknowledgeForm,
    BiopsyForm,
    ClassificationForm,
    ClinicLabForm,
    ContraceptionForm,
    CorrectionForm,
    CsvImportForm,
    DamageForm,
    DoseChangeForm,
    EyeExamForm,
    MedicationForm,
    RetractForm,
    StopCourseForm,
    VisitForm,
)
from .models import ClinicAlert

DASHBOARD_PAGE_SIZE = 50
RECENT_SCORES = 12
RECENT_LABS = 50


def clinician_view(view: Callable) -> Callable:
    """Logged in, clinician role; the patient (if the URL names one) visible to them."""

    @login_required
    @role_required(Role.CLINICIAN)
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


def _recording_patient(request: HttpRequest, patient_id: int) -> Patient:
    patient = get_visible_patient(request.user, patient_id)
    if not can_record_for(request.user, patient):
        raise PermissionDenied
    return patient


# --- dashboard and work-list ---------------------------------------------------------------------
@clinician_view
def dashboard_view(request: HttpRequest) -> HttpResponse:
    rows = dashboard.patients_with_status(request.user)
    page = Paginator(rows, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.target = dashboard.target_status(row)
    alerts = list(dashboard.worklist(request.user, limit=10))
    audit.record(request, None, AuditAction.READ, patient_ids=sorted(
        {row.pk for row in page.object_list} | {alert.patient_id for alert in alerts}))
    return render(request, "clinic/dashboard.html", {
        "page": page,
        "counts": dashboard.cohort_counts(request.user),
        "alerts": alerts,
    })


@clinician_view
def worklist_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(dashboard.worklist(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page"))
    audit.record(request, None, AuditAction.READ,
                 patient_ids=sorted({alert.patient_id for alert in page.object_list}))
    return render(request, "clinic/worklist.html", {"page": page})


# --- the patient page ----------------------------------------------------------------------------
@clinician_view
def patient_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Reads only: the stored alerts and scores, and what has changed since they were stored
    (unscored visits, alerts the rules would raise or resolve today), with a POST to update."""
    patient = get_visible_patient(request.user, patient_id)
    today = timezone.localdate()
    audit.record(request, patient, AuditAction.READ, patient)
    live_alerts, alerts_error, pending = alert_service.alerts_for_page(patient, today)
    chart = timeline.build(patient)
    visits = list(patient.assessments.order_by("-date", "-id")[:RECENT_SCORES])
    return render(request, "clinic/patient.html", {
        "patient": patient,
        "alerts": live_alerts,
        "alerts_error": alerts_error,
        "alerts_pending": pending,
        "unscored": scoring.unscored_visits(patient.pk).count(),
        "prednisone_today": daily_prednisone_equivalent(patient.medications.active_on(today)),
        "chart": chart,
        "visits": visits,
        "biopsies": patient.biopsies.all()[:5],
        "biopsy_max": {"activity": biopsy.ACTIVITY_INDEX_MAX,
                       "chronicity": biopsy.CHRONICITY_INDEX_MAX},
        "worksheets": patient.classification_worksheets.all()[:3],
        "damage": patient.damage_items.all(),
        "labs": patient.lab_results.order_by("-collected_at", "-id")[:RECENT_LABS],
        "courses": patient.medications.order_by("-start", "-id")[:RECENT_LABS],
        "ack_form": AcknowledgeForm(),
        "can_record": can_record_for(request.user, patient),
    })


@clinician_view
def refresh_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """POST: score the visits that have no scores yet and store today's alerts."""
    patient = _recording_patient(request, patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with transaction.atomic():
        scoring.score_missing(patient.pk, request.user)
        alert_service.refresh_alerts_or_error(patient)
        audit.record(request, patient, AuditAction.UPDATE, patient)
    return redirect("clinic:patient", patient_id=patient.pk)


@clinician_view
def acknowledge_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_patient(request.user, patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_record_for(request.user, patient):
        raise PermissionDenied
    alert = get_object_or_404(ClinicAlert, pk=_int(request.POST.get("alert")), patient=patient)
    form = AcknowledgeForm(request.POST)
    error = None
    if form.is_valid():
        try:
            alert_service.acknowledge(alert, request, form.cleaned_data["reason"])
        except alert_service.AcknowledgementError as exc:
            error = str(exc)
    else:
        error = "reason: " + "; ".join(form.errors.get("reason", ["is required"]))
    if error is None:
        return redirect("clinic:patient", patient_id=patient.pk)
    return render(request, "clinic/acknowledge_error.html",
                  {"patient": patient, "alert": alert, "error": error, "form": form}, status=400)


def _int(value) -> int | None:
    return int(value) if value is not None and str(value).isdigit() else None


# --- visits --------------------------------------------------------------------------------------
@clinician_view
def visit_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _recording_patient(request, patient_id)
    if request.method == "POST":
        form = VisitForm(request.POST, patient=patient)
        if form.is_valid():
            try:
                visit = services.record_visit(Actor.from_request(request, "clinic page"), patient,
                                              **form.visit_fields())
            except RecordInvalid as exc:
                add_errors(form, exc)
            else:
                return redirect("clinic:visit", patient_id=patient.pk, assessment_id=visit.pk)
        status = 400
    else:
        form = VisitForm(patient=patient, initial={"date": timezone.localdate(), "window_days": 10})
        status = 200
        audit.record(request, patient, AuditAction.READ, patient)
    context = {"form": form, "patient": patient, "pga_anchors": PGA_ANCHORS,
               **_live_scores(form, patient)}
    return render(request, "clinic/visit_form.html", context, status=status)


def _live_scores(form: VisitForm, patient: Patient) -> dict:
    """Scores of the form as it stands (for the fragment); errors instead when it is invalid.
    The draft is checked by the same validator as a saved visit (``services.new_visit``)."""
    if not form.is_bound:
        return {"scores": None, "score_error": None}
    if not form.is_valid():
        return {"scores": None, "score_error": "; ".join(
            f"{k}: {' '.join(v)}" for k, v in form.errors.items())}
    try:
        draft = services.new_visit(patient, **form.visit_fields())
    except RecordInvalid as exc:
        return {"scores": None, "score_error": str(exc)}
    results, error = scoring.score_document(scoring.visit_document(draft))
    shown = [(name, results[name].to_dict()) for name in scoring.LIVE_INSTRUMENTS if name in results]
    missing = [name for name in scoring.LIVE_INSTRUMENTS if name not in results]
    return {"scores": shown, "score_error": error, "missing": missing,
            "swollen_28": draft.swollen_28, "tender_28": draft.tender_28}


@clinician_view
def visit_score(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The htmx endpoint: the live score fragment for the visit form as posted."""
    patient = _recording_patient(request, patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = VisitForm(request.POST, patient=patient)
    return render(request, "clinic/_scores.html", _live_scores(form, patient))


@clinician_view
def visit_view(request: HttpRequest, patient_id: int, assessment_id: int) -> HttpResponse:
    """The visit summary: printable (print CSS), and the clinician's view of the stored scores."""
    patient = get_visible_patient(request.user, patient_id)
    visit = get_object_or_404(Assessment.objects.select_related("clinician", "patient"),
                              pk=assessment_id, patient=patient)
    audit.record(request, patient, AuditAction.READ, visit)
    return render(request, "clinic/visit_summary.html", {
        "patient": patient, "visit": visit, "summary": summary.build(visit),
        "stored": visit.stored_scores.all(),
    })


@clinician_view
def visit_pdf(request: HttpRequest, patient_id: int, assessment_id: int) -> HttpResponse:
    patient = get_visible_patient(request.user, patient_id)
    visit = get_object_or_404(Assessment.objects.select_related("clinician", "patient"),
                              pk=assessment_id, patient=patient)
    audit.record(request, patient, AuditAction.READ, visit)
    response = HttpResponse(summary.to_pdf(summary.build(visit)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="visit-{visit.date.isoformat()}.pdf"'
    return response


# --- labs, medicines, damage, biopsies, eye exams ------------------------------------------------
def _record_page(request: HttpRequest, patient_id: int, form_class, title: str,
                 write: Callable[[Actor, Patient, dict], object],
                 template: str = "clinic/record_form.html", **form_kwargs) -> HttpResponse:
    """GET shows the form; POST parses it and hands the values to the record's service, which
    validates, saves, re-scores, refreshes alerts and audits (400 naming each field otherwise)."""
    patient = _recording_patient(request, patient_id)
    form = form_class(request.POST or None, patient=patient, **form_kwargs)
    context = {"form": form, "patient": patient, "title": title, **form_kwargs}
    if "course" in form_kwargs:
        context["hidden"] = {"course": form_kwargs["course"].pk}
    if request.method == "POST":
        if form.is_valid():
            try:
                write(Actor.from_request(request, "clinic page"), patient, form.cleaned_data)
            except RecordInvalid as exc:
                add_errors(form, exc)
            else:
                return redirect("clinic:patient", patient_id=patient.pk)
        return render(request, template, context, status=400)
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, template, context)


def _fields(form, data: dict) -> dict:
    return {name: data[name] for name in form.Meta.fields if name in data}


@clinician_view
def lab_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _record_page(request, patient_id, ClinicLabForm, "Record a lab result",
                        lambda actor, patient, data: services.record_lab(
                            actor, patient, **_fields(ClinicLabForm, data)))


@clinician_view
def lab_import(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _recording_patient(request, patient_id)
    form = CsvImportForm(request.POST or None, request.FILES or None)
    errors: list = []
    if request.method == "POST":
        if form.is_valid():
            results, errors = labs_import.parse(form.cleaned_data["file"].read(), patient)
            if not errors:
                try:
                    saved = services.record_labs(Actor.from_request(request, "csv import"),
                                                 patient, results)
                except RecordInvalid as exc:
                    errors = [labs_import.RowError(0, f, m) for f, ms in exc.errors.items()
                              for m in ms]
                else:
                    return render(request, "clinic/lab_import.html",
                                  {"form": CsvImportForm(), "patient": patient, "saved": saved})
        return render(request, "clinic/lab_import.html",
                      {"form": form, "patient": patient, "errors": errors}, status=400)
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "clinic/lab_import.html", {"form": form, "patient": patient})


@clinician_view
def medication_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _record_page(request, patient_id, MedicationForm, "Start a medicine",
                        lambda actor, patient, data: services.start_medication(
                            actor, patient, **_fields(MedicationForm, data)))


def _running_course(request: HttpRequest, patient: Patient) -> MedicationCourse | None:
    course_id = _int(request.POST.get("course") or request.GET.get("course"))
    if course_id is None:
        return None
    return get_object_or_404(MedicationCourse, pk=course_id, patient=patient)


@clinician_view
def dose_change(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Change the dose of a running course (``?course=<id>``): the course stops the day before
    the new dose starts, and a new course carries the new dose, so the history reads as given."""
    patient = _recording_patient(request, patient_id)
    course = _running_course(request, patient)
    if course is None:
        audit.record(request, patient, AuditAction.READ, patient)
        return render(request, "clinic/dose_choose.html", {
            "patient": patient, "courses": patient.medications.filter(stop__isnull=True)
            .order_by("drug"), "action": "dose"})
    return _record_page(request, patient_id, DoseChangeForm, "Change a dose",
                        lambda actor, patient, data: services.change_dose(
                            actor, course, daily_dose_mg=data["daily_dose_mg"], start=data["start"]),
                        template="clinic/dose_form.html", course=course)


@clinician_view
def medication_stop(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Stop a running course (``?course=<id>``) on a given day, with an optional reason."""
    patient = _recording_patient(request, patient_id)
    course = _running_course(request, patient)
    if course is None:
        audit.record(request, patient, AuditAction.READ, patient)
        return render(request, "clinic/dose_choose.html", {
            "patient": patient, "courses": patient.medications.filter(stop__isnull=True)
            .order_by("drug"), "action": "stop"})
    return _record_page(request, patient_id, StopCourseForm, f"Stop {course.drug}",
                        lambda actor, patient, data: services.stop_medication(
                            actor, course, stop=data["stop"], reason=data.get("reason") or ""),
                        course=course)


@clinician_view
def damage_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _record_page(request, patient_id, DamageForm, "Record organ damage (SDI item)",
                        lambda actor, patient, data: services.record_damage(
                            actor, patient, **_fields(DamageForm, data)))


@clinician_view
def eye_exam_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _record_page(request, patient_id, EyeExamForm, "Record a retinal screening exam",
                        lambda actor, patient, data: services.record_eye_exam(
                            actor, patient, **_fields(EyeExamForm, data)))


@clinician_view
def contraception_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _record_page(request, patient_id, ContraceptionForm, "Record contraception",
                        lambda actor, patient, data: services.record_contraception(
                            actor, patient, **_fields(ContraceptionForm, data)))


@clinician_view
def biopsy_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A kidney biopsy, validated and indexed by the ``biopsy`` instrument before it is saved."""
    def write(actor, patient, data):
        form_data = BiopsyForm.split(data)
        return services.record_biopsy(actor, patient, **form_data)
    return _record_page(request, patient_id, BiopsyForm, "Record a kidney biopsy", write)


# --- corrections and retractions (labs, medicine courses, damage items) ---------------------------
CORRECTABLE = {
    "lab": (LabResult, ClinicLabForm, services.amend_lab, services.retract_lab, "lab result"),
    "course": (MedicationCourse, MedicationForm, services.amend_medication,
               services.retract_medication, "medicine course"),
    "damage": (DamageItem, DamageForm, services.amend_damage, services.retract_damage,
               "damage item"),
}


def _correctable(request: HttpRequest, patient: Patient):
    kind = request.POST.get("kind") or request.GET.get("kind")
    if kind is None:
        return None
    if kind not in CORRECTABLE:
        raise Http404("Nothing to correct.")
    model, form_class, amend, retract, label = CORRECTABLE[kind]
    obj = get_object_or_404(model, pk=_int(request.POST.get("id") or request.GET.get("id")),
                            patient=patient)
    return kind, obj, form_class, amend, retract, label


def _choose_record(request: HttpRequest, patient: Patient, action: str, title: str) -> HttpResponse:
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "clinic/records_choose.html", {
        "patient": patient, "action": f"clinic:{action}", "title": title,
        "groups": [("lab", "Lab results", patient.lab_results.order_by("-collected_at", "-id")[:RECENT_LABS]),
                   ("course", "Medicine courses", patient.medications.order_by("-start", "-id")),
                   ("damage", "Damage items", patient.damage_items.all())]})


@clinician_view
def record_correct(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Correct a lab result, course or damage item (``?kind=lab|course|damage&id=N``); the value
    before stays in the record's history, and the visits it changes are re-scored."""
    patient = _recording_patient(request, patient_id)
    found = _correctable(request, patient)
    if found is None:
        return _choose_record(request, patient, "record-correct", "Correct a record")
    kind, obj, form_class, amend, _retract, label = found
    form = CorrectionForm.for_(form_class)(request.POST or None, patient=patient, instance=obj)
    context = {"form": form, "patient": patient, "title": f"Correct a {label}",
               "hidden": {"kind": kind, "id": obj.pk}}
    if request.method == "POST":
        if form.is_valid():
            changes = {k: form.cleaned_data[k] for k in form.changed_data if k in form_class.Meta.fields}
            try:
                amend(Actor.from_request(request, "clinic page"), obj,
                      reason=form.cleaned_data["correction_reason"], **changes)
            except RecordInvalid as exc:
                add_errors(form, exc)
            else:
                return redirect("clinic:patient", patient_id=patient.pk)
        return render(request, "clinic/record_form.html", context, status=400)
    audit.record(request, patient, AuditAction.READ, obj)
    return render(request, "clinic/record_form.html", context)


@clinician_view
def record_retract(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Retract a lab result, course or damage item entered in error (``?kind=&id=``): never a
    row removed; the record keeps who, when and why, and no score or rule reads it any more."""
    patient = _recording_patient(request, patient_id)
    found = _correctable(request, patient)
    if found is None:
        return _choose_record(request, patient, "record-retract", "Retract a record")
    kind, obj, _form_class, _amend, retract, label = found
    form = RetractForm(request.POST or None)
    context = {"form": form, "patient": patient, "title": f"Retract a {label}: {obj}",
               "hidden": {"kind": kind, "id": obj.pk}}
    if request.method == "POST":
        if form.is_valid():
            try:
                retract(Actor.from_request(request, "clinic page"), obj,
                        reason=form.cleaned_data["reason"])
            except RecordInvalid as exc:
                add_errors(form, exc)
            else:
                return redirect("clinic:patient", patient_id=patient.pk)
        return render(request, "clinic/record_form.html", context, status=400)
    audit.record(request, patient, AuditAction.READ, obj)
    return render(request, "clinic/record_form.html", context)


@clinician_view
def classification_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The classification worksheet: EULAR/ACR 2019 and SLICC 2012, labelled classification."""
    patient = _recording_patient(request, patient_id)
    form = ClassificationForm(request.POST or None, patient=patient,
                              initial={"date": timezone.localdate()})
    results: dict = {}
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sheet = services.record_classification(
                Actor.from_request(request, "clinic page"), patient, date=d["date"],
                criteria=list(d["criteria"]), not_attributable=list(d["not_attributable"]),
                ana_titer=d.get("ana_titer"))
        except RecordInvalid as exc:
            error = str(exc)
        else:
            results = sheet.results
    elif request.method == "GET":
        audit.record(request, patient, AuditAction.READ, patient)
    status = 400 if request.method == "POST" and (form.errors or error) else 200
    return render(request, "clinic/classification.html",
                  {"form": form, "patient": patient, "results": results, "error": error},
                  status=status)

