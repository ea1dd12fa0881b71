"""API endpoints: patients, their visits, labs and medicines; recording a visit or a lab result.

Reads go through ``patients_visible_to`` (404 for a patient the caller may not see) and write an
audit event. Writes are clinicians' only and go through the record services
(``lupuscare.web.records.services``: validate, save, re-score, refresh alerts, audit, in one
transaction), exactly as the pages do; a refusal answers 422 naming each bad field, with nothing
saved.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import django_auth

from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import (
    can_record_for,
    get_visible_patient,
    patients_visible_to,
)
from lupuscare.web.records import audit, services
from lupuscare.web.records.models import (
    AuditAction,
    DamageItem,
    LabResult,
    MedicationCourse,
    Patient,
)
from lupuscare.web.records.services import Actor, RecordInvalid

try:  # django-ninja 1.6+ (tuples are deprecated there); older versions take (status, body)
    from ninja import Status
except ImportError:  # pragma: no cover - the constraints pin a version that has it

    def Status(status_code: int, value):  # noqa: N802 - stands in for the class
        return status_code, value


from .schemas import (
    AssessmentIn,
    AssessmentOut,
    DamageIn,
    DamageOut,
    ErrorOut,
    LabIn,
    LabOut,
    MedicationIn,
    MedicationOut,
    PatientOut,
    RetractIn,
    ValidationErrorOut,
)

# Every answer an endpoint can give is in the schema (schemathesis checks it in make test).
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

# Paging bounds: a page of at most MAX_LIMIT rows, an offset a database can take.
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


class BoundedPagination(LimitOffsetPagination):
    """``limit``/``offset`` paging with upper bounds: out of range is a 422 naming the field,
    never an integer the database cannot hold."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        if queryset.model is Patient:  # a list of patients: the audit row names who was shown
            page["items"] = list(page["items"])
            audit.record(request, None, AuditAction.READ,
                         patient_ids=[p.pk for p in page["items"]])
        return page


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


@api.exception_handler(RecordInvalid)
def _invalid_record(request: HttpRequest, exc: RecordInvalid):
    detail = [
        {"loc": ["body", "payload", field], "msg": msg, "type": "value_error"}
        for field, messages in exc.errors.items()
        for msg in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


patients = Router(tags=["patients"])


@patients.get("", response={200: list[PatientOut], **ERRORS}, url_name="patient_list")
@paginate(BoundedPagination)
def list_patients(request: HttpRequest):
    if request.user.role not in (Role.PATIENT, Role.CLINICIAN):
        raise HttpError(403, "Your role has no access to patient records.")
    return patients_visible_to(request.user).select_related("care_team").order_by("id")


@patients.get("/{int:patient_id}", response={200: PatientOut, **ERRORS}, url_name="patient_detail")
def get_patient(request: HttpRequest, patient_id: int):
    patient = get_visible_patient(request.user, patient_id)
    audit.record(request, patient, AuditAction.READ, patient)
    return patient


def _read(request: HttpRequest, patient_id: int) -> Patient:
    patient = get_visible_patient(request.user, patient_id)
    audit.record(request, patient, AuditAction.READ)
    return patient


@patients.get(
    "/{int:patient_id}/assessments", response={200: list[AssessmentOut], **ERRORS},
    url_name="assessment_list"
)
@paginate(BoundedPagination)
def list_assessments(request: HttpRequest, patient_id: int):
    return _read(request, patient_id).assessments.order_by("-date", "-id")


@patients.get(
    "/{int:patient_id}/assessments/{int:assessment_id}/document",
    response={200: dict, **ERRORS},
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


@patients.get("/{int:patient_id}/labs", response={200: list[LabOut], **ERRORS},
              url_name="lab_list")
@paginate(BoundedPagination)
def list_labs(request: HttpRequest, patient_id: int):
    return _read(request, patient_id).lab_results.order_by("-collected_at", "-id")


@patients.get(
    "/{int:patient_id}/medications", response={200: list[MedicationOut], **ERRORS},
    url_name="medication_list"
)
@paginate(BoundedPagination)
def list_medications(request: HttpRequest, patient_id: int):
    return _read(request, patient_id).medications.order_by("-start", "-id")


def _writable_patient(request: HttpRequest, patient_id: int) -> Patient:
    patient = get_visible_patient(request.user, patient_id)
    if not can_record_for(request.user, patient):
        raise HttpError(403, "Only the patient's clinicians can record clinical data.")
    return patient


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, "api")


@patients.post(
    "/{int:patient_id}/assessments",
    response={201: AssessmentOut, **ERRORS},
    url_name="assessment_create",
)
def create_assessment(request: HttpRequest, patient_id: int, payload: AssessmentIn):
    patient = _writable_patient(request, patient_id)
    return Status(201, services.record_visit(_actor(request), patient, **payload.dict()))


@patients.post("/{int:patient_id}/labs", response={201: LabOut, **ERRORS},
               url_name="lab_create")
def create_lab(request: HttpRequest, patient_id: int, payload: LabIn):
    patient = _writable_patient(request, patient_id)
    return Status(201, services.record_lab(_actor(request), patient, **payload.dict()))


@patients.post("/{int:patient_id}/medications", response={201: MedicationOut, **ERRORS},
               url_name="medication_create")
def create_medication(request: HttpRequest, patient_id: int, payload: MedicationIn):
    patient = _writable_patient(request, patient_id)
    return Status(201, services.start_medication(_actor(request), patient, **payload.dict()))


@patients.get("/{int:patient_id}/damage", response={200: list[DamageOut], **ERRORS},
              url_name="damage_list")
@paginate(BoundedPagination)
def list_damage(request: HttpRequest, patient_id: int):
    return _read(request, patient_id).damage_items.order_by("onset", "id")


@patients.post("/{int:patient_id}/damage", response={201: DamageOut, **ERRORS},
               url_name="damage_create")
def create_damage(request: HttpRequest, patient_id: int, payload: DamageIn):
    patient = _writable_patient(request, patient_id)
    return Status(201, services.record_damage(_actor(request), patient, **payload.dict()))


RETRACTABLE = {
    "labs": (LabResult, services.retract_lab),
    "medications": (MedicationCourse, services.retract_medication),
    "damage": (DamageItem, services.retract_damage),
}


@patients.post("/{int:patient_id}/{kind}/{int:record_id}/retract", response={200: dict, **ERRORS},
               url_name="record_retract")
def retract_record(request: HttpRequest, patient_id: int, kind: str, record_id: int,
                   payload: RetractIn):
    """Withdraw a lab result, medicine course or damage item entered in error (``kind``: labs,
    medications, damage). The row stays with who, when and why; nothing reads it any more."""
    patient = _writable_patient(request, patient_id)
    if kind not in RETRACTABLE:
        raise HttpError(404, "Not Found")
    model, retract = RETRACTABLE[kind]
    obj = get_object_or_404(model, pk=record_id, patient=patient)
    retract(_actor(request), obj, reason=payload.reason)
    return {"retracted": True, "id": record_id, "kind": kind}


api.add_router("/patients", patients)
