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
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from lupuscare.clinical.glucocorticoids import daily_prednisone_equivalent
from lupuscare.errors import InputError
from lupuscare.instruments.registry import score as score_instrument
from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import can_record_for, get_visible_patient, role_required
from lupuscare.web.records import audit
from lupuscare.web.records.models import Assessment, AuditAction, MedicationCourse, Patient

from . import alerts as alert_service
from . import dashboard, labs_import, scoring, summary, timeline
from .forms import (
    PGA_ANCHORS,
    AcknowledgeForm,
    BiopsyForm,
    ClassificationForm,
    ClinicLabForm,
    ContraceptionForm,
    CsvImportForm,
    DamageForm,
    DoseChangeForm,
    EyeExamForm,
    MedicationForm,
    VisitForm,
)
from .models import ClassificationWorksheet, ClinicAlert, JointExam

DASHBOARD_PAGE_SIZE = 50
RECENT_SCORES = 12


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
    audit.record(request, None, AuditAction.READ)
    return render(request, "clinic/dashboard.html", {
        "page": page,
        "counts": dashboard.cohort_counts(request.user),
        "alerts": dashboard.worklist(request.user, limit=10),
    })


@clinician_view
def worklist_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(dashboard.worklist(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page"))
    audit.record(request, None, AuditAction.READ)
    return render(request, "clinic/worklist.html", {"page": page})


# --- the patient page ----------------------------------------------------------------------------
@clinician_view
def patient_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_patient(request.user, patient_id)
    today = timezone.localdate()
    audit.record(request, patient, AuditAction.READ, patient)
    if scoring.unscored_visits(patient.pk).exists():
        scoring.score_missing(patient.pk)
    live_alerts, alerts_error = alert_service.refresh_alerts_or_error(patient)
    chart = timeline.build(patient)
    visits = list(patient.assessments.order_by("-date", "-id")[:RECENT_SCORES])
    return render(request, "clinic/patient.html", {
        "patient": patient,
        "alerts": live_alerts,
        "alerts_error": alerts_error,
        "prednisone_today": daily_prednisone_equivalent(
            patient.medications.filter(start__lte=today).filter(
                Q(stop__isnull=True) | Q(stop__gte=today))),
        "chart": chart,
        "visits": visits,
        "biopsies": patient.biopsies.all()[:5],
        "worksheets": patient.classification_worksheets.all()[:3],
        "damage": patient.damage_items.all(),
        "ack_form": AcknowledgeForm(),
        "can_record": can_record_for(request.user, patient),
    })


@clinician_view
def acknowledge_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_patient(request.user, patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_record_for(request.user, patient):
        raise PermissionDenied
    alert = get_object_or_404(ClinicAlert, pk=request.POST.get("alert"), patient=patient)
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


# --- visits --------------------------------------------------------------------------------------
@clinician_view
def visit_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _recording_patient(request, patient_id)
    if request.method == "POST":
        form = VisitForm(request.POST, patient=patient)
        if form.is_valid():
            try:
                with transaction.atomic():
                    visit = form.to_assessment(clinician=request.user)
                    visit.full_clean()
                    visit.save()
                    JointExam.objects.create(assessment=visit, swollen=form.cleaned_data["swollen"],
                                             tender=form.cleaned_data["tender"])
                    scoring.store_scores(visit, request.user)
                    # a visit recorded late is the ``previous`` of the visit after it
                    scoring.rescore_for_records(patient.pk, [(visit.date, visit.date)], request.user)
                    audit.record(request, patient, AuditAction.CREATE, visit)
            except InputError as exc:
                form.add_error(None, f"The visit cannot be scored: {exc}. Nothing was saved.")
            else:
                alert_service.refresh_alerts_or_error(patient)
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
    """Scores of the form as it stands (for the fragment); errors instead when it is invalid."""
    if not form.is_bound:
        return {"scores": None, "score_error": None}
    if not form.is_valid():
        return {"scores": None, "score_error": "; ".join(
            f"{k}: {' '.join(v)}" for k, v in form.errors.items())}
    draft = form.to_assessment()
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
def _simple_create(request: HttpRequest, patient_id: int, form_class, title: str,
                   on_save: Callable | None = None) -> HttpResponse:
    """GET shows the form; POST validates and saves in one transaction (400 naming each field)."""
    patient = _recording_patient(request, patient_id)
    form = form_class(request.POST or None, patient=patient)
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    obj = on_save(form) if on_save else form.save()
                    audit.record(request, patient, AuditAction.CREATE, obj)
            except InputError as exc:
                form.add_error(None, f"A visit this changes cannot be scored: {exc}. "
                                     "Nothing was saved.")
            else:
                return redirect("clinic:patient", patient_id=patient.pk)
        return render(request, "clinic/record_form.html",
                      {"form": form, "patient": patient, "title": title}, status=400)
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "clinic/record_form.html", {"form": form, "patient": patient, "title": title})


@clinician_view
def lab_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(form):
        form.instance.source = "manual"
        lab = form.save()
        day = timezone.localtime(lab.collected_at).date()
        scoring.rescore_for_labs(lab.patient_id, [day], request.user)
        return lab
    return _simple_create(request, patient_id, ClinicLabForm, "Record a lab result", save)


@clinician_view
def lab_import(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _recording_patient(request, patient_id)
    form = CsvImportForm(request.POST or None, request.FILES or None)
    errors: list = []
    if request.method == "POST":
        if form.is_valid():
            results, errors = labs_import.parse(form.cleaned_data["file"].read(), patient)
            if not errors:
                with transaction.atomic():
                    saved = labs_import.save(results)
                    audit.record(request, patient, AuditAction.CREATE)
                    scoring.rescore_for_labs(
                        patient.pk, sorted({timezone.localtime(r.collected_at).date() for r in saved}),
                        request.user)
                return render(request, "clinic/lab_import.html",
                              {"form": CsvImportForm(), "patient": patient, "saved": saved})
        return render(request, "clinic/lab_import.html",
                      {"form": form, "patient": patient, "errors": errors}, status=400)
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "clinic/lab_import.html", {"form": form, "patient": patient})


def _save_and_rescore(request: HttpRequest) -> Callable:
    """``on_save`` for a medicine course or damage item: save it, then re-score the stored visit
    scores it changes (LLDAS/DORIS read the medicines on the visit date, SDI the damage)."""
    def save(form):
        record = form.save()
        scoring.rescore_for_records(record.patient_id, [scoring.record_span(record)], request.user)
        return record
    return save


@clinician_view
def medication_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    response = _simple_create(request, patient_id, MedicationForm, "Start a medicine",
                              _save_and_rescore(request))
    if request.method == "POST" and response.status_code == 302:
        # the safety rules read the medicines (lupuscare.rules via context.to_rule_context)
        alert_service.refresh_alerts_or_error(_recording_patient(request, patient_id))
    return response


@clinician_view
def dose_change(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Change the dose of a running course (``?course=<id>``): the course stops the day before
    the new dose starts, and a new course carries the new dose, so the history reads as given."""
    patient = _recording_patient(request, patient_id)
    course_id = request.POST.get("course") or request.GET.get("course")
    if course_id is None or not str(course_id).isdigit():
        courses = patient.medications.filter(stop__isnull=True).order_by("drug")
        audit.record(request, patient, AuditAction.READ, patient)
        return render(request, "clinic/dose_choose.html", {"patient": patient, "courses": courses})
    course = get_object_or_404(MedicationCourse, pk=course_id, patient=patient)
    form = DoseChangeForm(request.POST or None, patient=patient, course=course)
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    start = form.cleaned_data["start"]
                    course.stop = start - timezone.timedelta(days=1)
                    course.full_clean()
                    course.save()
                    new = MedicationCourse(
                        patient=patient, drug=course.drug, daily_dose_mg=form.cleaned_data["daily_dose_mg"],
                        schedule=course.schedule, route=course.route, pulse=course.pulse, start=start,
                        reason=f"dose change from {course.daily_dose_mg:g} mg/day"
                        if course.daily_dose_mg is not None else "dose change",
                        tolerated=course.tolerated, investigational=course.investigational,
                    )
                    new.full_clean()
                    new.save()
                    # Visits before ``start`` see the course as before; from ``start`` on they see the
                    # stopped course gone and the new dose instead.
                    scoring.rescore_for_records(patient.pk, [(start, None)], request.user)
                    audit.record(request, patient, AuditAction.UPDATE, course)
                    audit.record(request, patient, AuditAction.CREATE, new)
            except InputError as exc:
                course.refresh_from_db()  # the stop set above was rolled back
                form.add_error(None, f"A visit this changes cannot be scored: {exc}. "
                                     "Nothing was saved.")
            else:
                alert_service.refresh_alerts_or_error(patient)
                return redirect("clinic:patient", patient_id=patient.pk)
        return render(request, "clinic/dose_form.html",
                      {"form": form, "patient": patient, "course": course}, status=400)
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "clinic/dose_form.html", {"form": form, "patient": patient, "course": course})


@clinician_view
def damage_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _simple_create(request, patient_id, DamageForm, "Record organ damage (SDI item)",
                          _save_and_rescore(request))


@clinician_view
def eye_exam_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _simple_create(request, patient_id, EyeExamForm, "Record a retinal screening exam")


@clinician_view
def contraception_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _simple_create(request, patient_id, ContraceptionForm, "Record contraception")


@clinician_view
def biopsy_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A kidney biopsy, validated and indexed by the ``biopsy`` instrument before it is saved."""
    patient = _recording_patient(request, patient_id)
    form = BiopsyForm(request.POST or None, patient=patient)
    context = {"form": form, "patient": patient, "title": "Record a kidney biopsy"}
    if request.method != "POST":
        audit.record(request, patient, AuditAction.READ, patient)
        return render(request, "clinic/record_form.html", context)
    if form.is_valid():
        biopsy = form.instance
        biopsy.activity, biopsy.chronicity = form.grades("activity"), form.grades("chronicity")
        document = {"biopsy": {"date": biopsy.date.isoformat(), "class": biopsy.isn_rps_class,
                               "revision": biopsy.revision, "activity": biopsy.activity,
                               "chronicity": biopsy.chronicity}}
        try:
            result = score_instrument("biopsy", document).to_dict()
        except InputError as exc:
            form.add_error("isn_rps_class" if "class" in exc.field else None, str(exc))
        else:
            biopsy.result = result
            biopsy.activity_index = result["activity_index"]
            biopsy.chronicity_index = result["chronicity_index"]
            with transaction.atomic():
                biopsy.save()
                audit.record(request, patient, AuditAction.CREATE, biopsy)
            return redirect("clinic:patient", patient_id=patient.pk)
    return render(request, "clinic/record_form.html", context, status=400)


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
        document = {"date": d["date"].isoformat(), "criteria": list(d["criteria"]),
                    "not_attributable": list(d["not_attributable"])}
        if d.get("ana_titer") is not None:
            document["ana_titer"] = d["ana_titer"]
        try:
            for name in ("eular-acr-2019", "slicc-2012"):
                results[name] = score_instrument(name, document).to_dict()
        except InputError as exc:
            error, results = str(exc), {}
        if not error:
            with transaction.atomic():
                sheet = ClassificationWorksheet.objects.create(
                    patient=patient, date=d["date"], ana_titer=d.get("ana_titer"),
                    criteria=document["criteria"], not_attributable=document["not_attributable"],
                    results=results, document=document, created_by=request.user,
                )
                audit.record(request, patient, AuditAction.CREATE, sheet)
    elif request.method == "GET":
        audit.record(request, patient, AuditAction.READ, patient)
    status = 400 if request.method == "POST" and (form.errors or error) else 200
    return render(request, "clinic/classification.html",
                  {"form": form, "patient": patient, "results": results, "error": error},
                  status=status)

