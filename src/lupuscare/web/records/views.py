"""Pages of the clinical record: the clinician's patient list, a patient's page, the patient's own
home. Every query starts from ``patients_visible_to``; every read of a patient is audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import (
    can_record_for,
    get_visible_patient,
    patients_visible_to,
    role_required,
)

from . import audit, services
from .forms import LabResultForm, add_errors
from .models import AuditAction, Patient
from .services import Actor, RecordInvalid

RECENT_ASSESSMENTS = 10
RECENT_LABS = 50


@login_required
@role_required(Role.CLINICIAN)
def patient_list(request: HttpRequest) -> HttpResponse:
    """The clinician's patients (their care teams'), paginated, in one query per page."""
    patients = (
        patients_visible_to(request.user)
        .select_related("care_team")
        .annotate(last_visit=Max("assessments__date"))
        .order_by("family_name", "given_name", "id")
    )
    query = request.GET.get("q", "").strip()
    if query:
        patients = patients.filter(
            Q(family_name__icontains=query)
            | Q(given_name__icontains=query)
            | Q(identifier__icontains=query)
        )
    page = Paginator(patients, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(request, None, AuditAction.READ, patient_ids=[p.pk for p in page.object_list])
    # htmx (the search box) swaps in just the table; a plain request gets the whole page
    template = "records/_patient_table.html" if request.htmx else "records/patient_list.html"
    response = render(request, template, {"page": page, "query": query})
    patch_vary_headers(response, ("HX-Request",))  # never serve the fragment for a full page
    return response


def _patient_page(request: HttpRequest, patient: Patient, template: str) -> HttpResponse:
    audit.record(request, patient, AuditAction.READ, patient)
    today = timezone.localdate()
    context = {
        "patient": patient,
        "assessments": patient.assessments.select_related("clinician")[:RECENT_ASSESSMENTS],
        "labs": patient.lab_results.all()[:RECENT_LABS],
        "medications": patient.medications.active_on(today).order_by("drug"),
        "can_record": can_record_for(request.user, patient),
    }
    return render(request, template, context)


@login_required
@role_required(Role.CLINICIAN)
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_patient(request.user, patient_id)
    return _patient_page(request, patient, "records/patient_detail.html")


@login_required
@role_required(Role.PATIENT)
def me(request: HttpRequest) -> HttpResponse:
    """The patient's own home: their record, read-only."""
    patient = patients_visible_to(request.user).select_related("care_team").first()
    if patient is None:
        raise PermissionDenied("This account is not linked to a patient record.")
    return _patient_page(request, patient, "records/me.html")


@login_required
@role_required(Role.CLINICIAN)
def lab_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Record one lab result through ``services.record_lab`` (the clinic's form and every other
    door call the same service). Bad input re-renders the form with status 400, naming each
    field; nothing is saved."""
    patient = get_visible_patient(request.user, patient_id)
    if not can_record_for(request.user, patient):
        raise PermissionDenied
    form = LabResultForm(request.POST or None, instance=None)
    if request.method == "POST":
        form.instance.patient = patient
        if form.is_valid():
            try:
                services.record_lab(Actor.from_request(request, "record page"), patient,
                                    **{f: form.cleaned_data[f] for f in LabResultForm.Meta.fields})
            except RecordInvalid as exc:
                add_errors(form, exc)
            else:
                return redirect("patient-detail", patient_id=patient.pk)
        return render(
            request, "records/lab_form.html", {"form": form, "patient": patient}, status=400
        )
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "records/lab_form.html", {"form": form, "patient": patient})
