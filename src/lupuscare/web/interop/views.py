"""The FHIR endpoints: ``POST /fhir/`` (a transaction Bundle), ``GET /fhir/Patient/<id>/$everything``
and ``GET /fhir/metadata``. They parse and answer; the import and export decide.

Staff sign in with their session and send the CSRF token, as for the JSON API (no token auth
yet, so nothing is CSRF-exempt). Only a clinician of the patient's care team may import for or
export a patient; an import through the web never registers a patient. Errors are
OperationOutcomes naming the FHIR path in ``expression``.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import can_record_for, get_visible_patient, role_required
from lupuscare.web.interop.fhir_export import export_patient
from lupuscare.web.interop.fhir_import import NotPermitted, import_entries
from lupuscare.web.interop.fhir_read import FhirInvalid, Problem, entries_of_bundle
from lupuscare.web.records.services import Actor

FHIR_JSON = "application/fhir+json"
VIA = "fhir api"


def _fhir(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=FHIR_JSON)


def _outcome(problems: list[Problem], status: int, code: str = "invalid") -> HttpResponse:
    outcome = OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": code, "diagnostics": p.message, "expression": [p.path]}
        for p in problems]})
    return _fhir(outcome.model_dump_json(exclude_none=True), status)


@login_required
@role_required(Role.CLINICIAN)
@require_POST
def transaction_bundle(request: HttpRequest) -> HttpResponse:
    """Import a transaction Bundle for patients of the clinician's care team; the import summary."""
    try:
        doc = json.loads(request.body)
    except (ValueError, RecursionError):
        return _outcome([Problem("Bundle", "the body is not JSON")], 400)
    try:
        entries = entries_of_bundle(doc)
        if doc.get("type") != "transaction":
            raise FhirInvalid([Problem("Bundle.type", "POST /fhir/ takes a transaction Bundle")])
        summary = import_entries(entries, actor=Actor.from_request(request, VIA),
                                 may_record=lambda p: can_record_for(request.user, p))
    except NotPermitted as exc:
        return _outcome(exc.problems, 403, "forbidden")
    except FhirInvalid as exc:
        return _outcome(exc.problems, 400)
    return HttpResponse(json.dumps(summary), content_type="application/json")


@login_required
@role_required(Role.CLINICIAN)
@require_GET
def everything(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's record as a FHIR collection Bundle (the read is audited)."""
    patient = get_visible_patient(request.user, patient_id)
    bundle = export_patient(patient, actor=Actor.from_request(request, VIA))
    return _fhir(bundle.model_dump_json(exclude_none=True))


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: what this server reads and writes (no patient data)."""
    read = ["Patient", "Observation", "MedicationStatement", "MedicationRequest", "Condition"]
    statement = CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
        "date": timezone.now().date().isoformat(), "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "software": {"name": "lupuscare"},
        "implementation": {"description": "lupuscare FHIR endpoints (docs/fhir.md)"},
        "rest": [{
            "mode": "server",
            "security": {"description": "Staff session sign-in with CSRF token; clinicians of the "
                                        "patient's care team only."},
            "interaction": [{"code": "transaction"}],
            "resource": [{"type": "Patient", "operation": [
                {"name": "everything", "definition":
                 "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]}]
            + [{"type": t} for t in read[1:]],
        }],
    })
    return _fhir(statement.model_dump_json(exclude_none=True))
