"""Every cell-therapy action is a Django form: a refused post (a malformed field, or a refusal
from the core) is shown again with the field's error and the user's input kept, status 400,
and nothing is saved; GET never writes."""

from __future__ import annotations

import pytest
from django.test import Client

from lupuscare.web.celltherapy.models import (
    AdverseEvent,
    Consent,
    CustodyRecord,
    EligibilityAssessment,
    Enrolment,
)
from lupuscare.web.records.models import AuditEvent

from .helpers import TODAY, make_programme, refer, released_lot

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(world, action: str) -> str:
    return f"/celltherapy/patients/{world.patient_a.pk}/{action}"


def test_a_malformed_consent_is_shown_again_with_the_field_error_and_the_input(world):
    enrolment = refer(world)
    response = _client(world.clinician_a).post(_url(world, "consent/"), {
        "enrolment": enrolment.pk, "consent_id": "CF-77", "form_version": "2",
        "signed_on": "10/03/2026", "signer": "A. Patient", "scopes": ["treatment"]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid date." in body
    assert 'value="CF-77"' in body and 'value="10/03/2026"' in body
    assert Consent.objects.count() == 0


def test_a_consent_the_core_refuses_is_shown_on_the_form(world):
    enrolment = refer(world)
    response = _client(world.clinician_a).post(_url(world, "consent/"), {
        "enrolment": enrolment.pk, "consent_id": "CF-78", "form_version": "1",
        "signed_on": TODAY.isoformat(), "signer": "A. Patient", "scopes": ["treatment"]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Refused: consent:" in body and 'value="CF-78"' in body
    assert Consent.objects.count() == 0


def test_an_adverse_event_with_an_impossible_grade_is_refused_naming_the_field(world):
    enrolment = refer(world)
    response = _client(world.clinician_a).post(_url(world, "adverse-events/"), {
        "enrolment": enrolment.pk, "term": "pneumonia", "onset": TODAY.isoformat(),
        "ctcae_grade": "7", "causality": "possible"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Refused: ctcae_grade:" in body and 'value="pneumonia"' in body
    assert AdverseEvent.objects.count() == 0


def test_an_incomplete_ice_score_is_refused_before_any_service_runs(world):
    enrolment = refer(world)
    response = _client(world.clinician_a).post(_url(world, "adverse-events/"), {
        "enrolment": enrolment.pk, "term": "ICANS", "onset": TODAY.isoformat(),
        "ctcae_grade": "2", "causality": "probable", "ice_orientation": "4"})
    assert response.status_code == 400
    assert "every ICE item is needed" in response.content.decode()
    assert AdverseEvent.objects.count() == 0


def test_a_custody_event_at_a_malformed_time_is_refused_and_not_chained(world):
    lot = released_lot(world)
    response = _client(world.coordinator).post(_url(world, "custody/"), {
        "enrolment": lot.enrolment_id, "lot": lot.pk, "action": "shipped",
        "from_party": "GMP", "to_party": "courier", "location": "dock", "at": "tomorrow"})
    assert response.status_code == 400
    assert 'value="courier"' in response.content.decode()
    assert CustodyRecord.objects.filter(lot=lot).count() == 1


def test_eligibility_answers_are_posted_and_an_unanswered_question_is_not_assessed(world):
    enrolment = refer(world)
    client = _client(world.clinician_a)
    response = client.post(_url(world, "eligibility/"), {
        "enrolment": enrolment.pk, "answer_pregnancy": "yes", "answer_dialysis": "no"})
    assert response.status_code == 302
    result = EligibilityAssessment.objects.get()
    assert result.inputs["answers"] == {"pregnancy": True, "dialysis": False}
    rows = {c["name"]: c for c in result.result["criteria"]}
    assert rows["pregnancy"]["status"] == "failed"
    assert rows["lupus nephritis on dialysis"]["status"] == "passed"
    assert rows["active CNS lupus"]["status"] == "not_assessable"
    bad = client.post(_url(world, "eligibility/"), {"enrolment": enrolment.pk,
                                                    "answer_pregnancy": "maybe"})
    assert bad.status_code == 400 and EligibilityAssessment.objects.count() == 1


def test_an_order_of_another_patient_is_refused(world):
    other = refer(world, make_programme(name="Other"))
    Enrolment.objects.filter(pk=other.pk).update(patient=world.patient_b)
    response = _client(world.clinician_a).post(_url(world, "consent/"), {
        "enrolment": other.pk, "consent_id": "X"})
    assert response.status_code == 400
    assert "Refused: enrolment: no such order for this patient" in response.content.decode()


def test_get_on_an_action_writes_nothing(world):
    refer(world)
    client = _client(world.clinician_a)  # signing in is audited: count after it
    before = AuditEvent.objects.count()
    response = client.get(_url(world, "consent/"))
    assert response.status_code == 405
    assert AuditEvent.objects.count() == before and Consent.objects.count() == 0
