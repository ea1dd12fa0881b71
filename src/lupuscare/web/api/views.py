"""API endpoints: patients, their visits, labs and medicines; recording a visit or a lab result.

Reads go through ``patients_visible_to`` (404 for a patient the caller may not see) and write an
audit event. Writes are clinicians' only, run ``full_clean()`` inside one transaction, and answer
422 naming each bad field, with nothing saved.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Router
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import django_auth

from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import (
    can_record_for,
    get_visible_patient,
    patients_visible_to,
)
from lupuscare.web.records import audit
from lupuscare.web.records.models import Assessment, AuditAction, LabResult, Patient

try:  # django-ninja 1.6+ (tuples are deprecated there); older versions take (status, body)
    from ninja import Status
except ImportError:  # pragma: no cover - the constraints pin a version that has it

    def Status(status_code: int, value):  # noqa: N802 - stands in for the class
        return status_code, value


from .schemas import (
    AssessmentIn,
    AssessmentOut,
    LabIn,
    LabOut,
    MedicationOut,
    PatientOut,
)


def _login_required_json(view):
    """The OpenAPI schema is for signed-in users too: 401 JSON, never the schema, otherwise."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_active):
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        return view(request, *args, **kwargs)

    return wrapped


api = NinjaAPI(
    title="lupuscare API",
    version="1",
    urls_namespace="api",
    auth=django_auth,  # the session cookie, with CSRF checked on unsafe methods
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs_decorator=_login_required_json,
)


class InvalidRecord(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors


@api.exception_handler(InvalidRecord)
def _invalid_record(request: HttpRequest, exc: InvalidRecord):
    detail = [
        {"loc": ["body", "payload", field], "msg": msg, "type": "value_error"}
        for field, messages in exc.errors.items()
        for msg in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


def _save(obj: Any) -> None:
    """Validate every field with the model's own validators, then save; raise InvalidRecord."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise InvalidRecord(exc.message_dict) from exc
    obj.save()


patients = Router(tags=["patients"])


@patients.get("", response=list[PatientOut], url_name="patient_list")
@paginate
def list_patients(request: HttpRequest):
    if request.user.role not in (Role.PATIENT, Role.CLINICIAN):
        raise HttpError(403, "Your role has no access to patient records.")
    audit.record(request, None, AuditAction.READ)
    return patients_visible_to(request.user).select_related("care_team").order_by("id")


@patients.get("/{int:patient_id}", response=PatientOut, url_name="patient_detail")
def get_patient(request: HttpRequest, patient_id: int):
    patient = get_visible_patient(request.user, patient_id)
    audit.record(request, patient, AuditAction.READ, patient)
    return patient


def _read(request: HttpRequest, patient_id: int) -> Patient:
    patient = get_visible_patient(request.user, patient_id)
    audit.record(request, patient, AuditAction.READ)
    return patient


@patients.get(
    "/{int:patient_id}/assessments", response=list[AssessmentOut], url_name="assessment_list"
)
@paginate
def list_assessments(request: HttpRequest, patient_id: int):
    return _read(request, patient_id).assessments.order_by("-date", "-id")


@patients.get(
    "/{int:patient_id}/assessments/{int:assessment_id}/document",
    response=dict,
    url_name="assessment_document",
)
def assessment_document(request: HttpRequest, patient_id: int, assessment_id: int):
    """The contracts.md §2 document of one visit, as the instruments score it."""
    patient = get_visible_patient(request.user, patient_id)
    assessment = patient.assessments.filter(pk=assessment_id).first()
    if assessment is None:
        raise HttpError(404, "Not Found")
    audit.record(request, patient, AuditAction.READ, assessment)
    return assessment.to_document()


@patients.get("/{int:patient_id}/labs", response=list[LabOut], url_name="lab_list")
@paginate
def list_labs(request: HttpRequest, patient_id: int):
    return _read(request, patient_id).lab_results.order_by("-collected_at", "-id")


@patients.get(
    "/{int:patient_id}/medications", response=list[MedicationOut], url_name="medication_list"
)
@paginate
def list_medications(request: HttpRequest, patient_id: int):
    return _read(request, patient_id).medications.order_by("-start", "-id")


def _writable_patient(request: HttpRequest, patient_id: int) -> Patient:
    patient = get_visible_patient(request.user, patient_id)
    if not can_record_for(request.user, patient):
        raise HttpError(403, "Only the patient's clinicians can record clinical data.")
    return patient


@patients.post(
    "/{int:patient_id}/assessments",
    response={201: AssessmentOut},
    url_name="assessment_create",
)
def create_assessment(request: HttpRequest, patient_id: int, payload: AssessmentIn):
    patient = _writable_patient(request, patient_id)
    with transaction.atomic():
        assessment = Assessment(patient=patient, clinician=request.user, **payload.dict())
        _save(assessment)
        audit.record(request, patient, AuditAction.CREATE, assessment)
    return Status(201, assessment)


@patients.post("/{int:patient_id}/labs", response={201: LabOut}, url_name="lab_create")
def create_lab(request: HttpRequest, patient_id: int, payload: LabIn):
    patient = _writable_patient(request, patient_id)
    with transaction.atomic():
        lab = LabResult(patient=patient, **payload.dict())
        _save(lab)
        audit.record(request, patient, AuditAction.CREATE, lab)
    return Status(201, lab)


api.add_router("/patients", patients)
