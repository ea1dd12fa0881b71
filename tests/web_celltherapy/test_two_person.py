"""Two-person steps sign the second person in: their own password, now (Django's
``authenticate()``, so django-axes counts failures), the step's role, and not the first person
nor the patient. Every attempt is recorded; a refused one saves nothing of the step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import (
    GateOverride,
    Infusion,
    Lot,
    LotEvent,
    PreInfusionCheck,
    SignOff,
    SignOffIsAppendOnly,
)
from lupuscare.web.celltherapy.services.signoff import SECOND_FACTORS, Signature
from lupuscare.web.records.models import AuditEvent
from web.factories import PASSWORD

from .helpers import (
    UTC,
    Step,
    consent,
    lot_with_results,
    make_programme,
    qc_analyst,
    refer,
    released_lot,
    second_clinician,
    sign,
)

pytestmark = pytest.mark.django_db


def _bedside_attempts():
    return SignOff.objects.filter(step=Step.BEDSIDE_IDENTITY)


START = dt.datetime(2026, 3, 21, 10, tzinfo=UTC)


def _check_fields(world, lot):
    return dict(lot=lot, planned_cells=62e6, weight_kg=62.0, patient_identity_confirmed=True,
                patient_on_bag=world.patient_a.identifier, coi_on_bag=lot.coi_identifier,
                lot_on_bag=lot.lot_number, thaw_end=START - dt.timedelta(minutes=20),
                planned_start=START, volume_ml=100.0)


def _bedside(world, user, password=PASSWORD):
    return sign(user, Step.BEDSIDE_IDENTITY, first=[world.clinician_a],
                patient=world.patient_a, password=password)


# --- the bedside identity check -----------------------------------------------------------

def test_the_right_second_verifier_is_accepted_and_recorded(world):
    lot = released_lot(world)
    nurse = second_clinician(world)
    signature = _bedside(world, nurse)
    check = services.check_before_infusion(lot.enrolment, world.clinician_a, second=signature,
                                           **_check_fields(world, lot))
    assert (check.first_verifier, check.second_verifier) == (world.clinician_a, nurse)
    attempt = _bedside_attempts().get()
    assert attempt.accepted and attempt.signer == nurse and attempt.step == "bedside_identity"
    assert attempt.first_users == [world.clinician_a.username]
    assert attempt.patient_id == world.patient_a.pk and check.second_signoff == attempt


@pytest.mark.parametrize(("who", "password", "field", "reason"), [
    ("nurse", "not-the-password", "second_password", "wrong username or password"),
    ("first", PASSWORD, "second_username", "must be a different person"),
    ("patient", PASSWORD, "second_username", "cannot sign a step of their own treatment"),
    ("coordinator", PASSWORD, "second_username", "is not a clinician"),
])
def test_a_wrong_second_verifier_is_refused_recorded_and_nothing_saved(world, who, password,
                                                                      field, reason):
    lot = released_lot(world)
    user = {"nurse": second_clinician(world), "first": world.clinician_a,
            "patient": world.patient_a.user, "coordinator": world.coordinator}[who]
    assert user is not None
    with pytest.raises(InputError) as refused:
        _bedside(world, user, password)
    assert refused.value.field == field and reason in refused.value.message
    attempt = _bedside_attempts().get()
    assert attempt.accepted is False and reason in attempt.reason
    assert attempt.username == user.username and attempt.step == "bedside_identity"
    assert AuditEvent.objects.filter(object_type="celltherapy.signoff",
                                     object_id=str(attempt.pk)).exists()
    assert PreInfusionCheck.objects.count() == 0 and Infusion.objects.count() == 0
    assert Lot.objects.get(pk=lot.pk).status == "released"


def test_another_patient_account_is_refused_by_role(world):
    lot = released_lot(world)
    with pytest.raises(InputError, match="is not a clinician"):
        _bedside(world, world.patient_b.user)
    assert PreInfusionCheck.objects.count() == 0
    assert lot.status == "released"


def test_a_signature_cannot_be_forged_or_reused_for_another_step(world):
    lot = released_lot(world)
    with pytest.raises(TypeError):
        Signature(second_clinician(world), Step.BEDSIDE_IDENTITY, START, SignOff())
    countersignature = sign(second_clinician(world), Step.OVERRIDE_COUNTERSIGNATURE)
    with pytest.raises(InputError) as refused:
        services.check_before_infusion(lot.enrolment, world.clinician_a,
                                       second=countersignature, **_check_fields(world, lot))
    assert refused.value.field == "second_verifier"
    assert PreInfusionCheck.objects.count() == 0


def test_a_second_factor_hook_is_consulted(world, monkeypatch):
    monkeypatch.setattr("lupuscare.web.celltherapy.services.signoff.SECOND_FACTORS",
                        [lambda request, user, answers: "a one-time code is required"])
    with pytest.raises(InputError, match="one-time code"):
        _bedside(world, second_clinician(world))
    assert _bedside_attempts().get().accepted is False
    assert SECOND_FACTORS == []  # none registered by default


def test_repeated_wrong_passwords_lock_the_account_through_axes(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    nurse = second_clinician(world)
    for _ in range(2):
        with pytest.raises(InputError, match="wrong username or password"):
            _bedside(world, nurse, "wrong")
    with pytest.raises(InputError, match="locked"):  # the third failure reaches the limit
        _bedside(world, nurse, "wrong")
    with pytest.raises(InputError, match="locked"):  # and the right password is refused now
        _bedside(world, nurse)
    assert _bedside_attempts().filter(accepted=True).count() == 0


def test_sign_off_attempts_are_append_only(world):
    _bedside(world, second_clinician(world))
    attempt = _bedside_attempts().get()
    attempt.reason = "edited"
    with pytest.raises(SignOffIsAppendOnly):
        attempt.save()
    with pytest.raises(SignOffIsAppendOnly):
        attempt.delete()
    from lupuscare.web.records.models.audit import AuditLogIsAppendOnly

    with pytest.raises(AuditLogIsAppendOnly):
        SignOff.objects.all().delete()


def test_the_bedside_page_signs_the_second_verifier_in(world, client):
    lot = released_lot(world)
    nurse = second_clinician(world)
    client.force_login(world.clinician_a)
    url = f"/celltherapy/patients/{world.patient_a.pk}/infusion/check/"
    data = {"enrolment": lot.enrolment_id, "lot": lot.pk, "planned_cells": "62000000",
            "weight_kg": "62", "volume_ml": "100", "patient_identity_confirmed": "on",
            "patient_on_bag": world.patient_a.identifier, "coi_on_bag": lot.coi_identifier,
            "lot_on_bag": lot.lot_number, "thaw_end": "2026-03-21T09:50",
            "planned_start": "2026-03-21T10:00", "second_verifier_username": nurse.username,
            "second_verifier_password": "wrong"}
    refused = client.post(url, data)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Refused: second_verifier_password: wrong username or password" in body
    assert "wrong" not in body.split('name="second_verifier_password"')[1][:80]  # not echoed
    assert PreInfusionCheck.objects.count() == 0
    accepted = client.post(url, {**data, "second_verifier_password": PASSWORD})
    assert accepted.status_code == 302
    assert PreInfusionCheck.objects.get().second_verifier == nurse
    assert list(_bedside_attempts().order_by("id").values_list("accepted", flat=True)) == [
        False, True]


# --- QA lot release -----------------------------------------------------------------------

def _tested_lot(world):
    enrolment = refer(world)
    consent(enrolment, world.clinician_a)
    qc = qc_analyst()
    return lot_with_results(enrolment, qc, qc), qc


@pytest.mark.parametrize(("who", "password", "reason"), [
    ("coordinator", "wrong", "wrong username or password"),
    ("clinician", PASSWORD, "is not a cell-therapy coordinator"),
    ("patient", PASSWORD, "cannot sign a step of their own treatment"),
])
def test_qa_release_refuses_a_wrong_releaser_and_nothing_changes(world, who, password, reason):
    lot, _ = _tested_lot(world)
    user = {"coordinator": world.coordinator, "clinician": world.clinician_a,
            "patient": world.patient_a.user}[who]
    events = LotEvent.objects.count()
    with pytest.raises(InputError) as refused:
        sign(user, Step.QA_RELEASE, patient=world.patient_a, password=password)
    assert reason in refused.value.message
    assert Lot.objects.get(pk=lot.pk).status == "in_testing"
    assert LotEvent.objects.count() == events
    assert SignOff.objects.filter(step=Step.QA_RELEASE).get().accepted is False


def test_qa_release_needs_a_signature_and_the_signer_is_the_actor(world):
    lot, qc = _tested_lot(world)
    with pytest.raises(InputError) as unsigned:
        services.transition_lot(lot, world.coordinator, "released")
    assert unsigned.value.field == "releaser"
    with pytest.raises(InputError, match="two-person rule"):  # the analyst who entered results
        services.transition_lot(lot, world.coordinator, "released",
                                release=sign(qc, Step.QA_RELEASE))
    lot = services.transition_lot(lot, world.coordinator, "released",
                                  release=sign(world.coordinator, Step.QA_RELEASE))
    assert lot.status == "released" and lot.events.last().actor == world.coordinator


def test_the_release_page_signs_the_releaser_in(world, client):
    lot, _ = _tested_lot(world)
    client.force_login(world.coordinator)
    url = f"/celltherapy/patients/{world.patient_a.pk}/lots/status/"
    data = {"enrolment": lot.enrolment_id, "lot": lot.pk, "status": "released",
            "releaser_username": world.coordinator.username, "releaser_password": "nope"}
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Refused: releaser_password: wrong username or password" in refused.content.decode()
    assert Lot.objects.get(pk=lot.pk).status == "in_testing"
    assert client.post(url, {**data, "releaser_password": PASSWORD}).status_code == 302
    assert Lot.objects.get(pk=lot.pk).status == "released"


# --- gate override countersignature -------------------------------------------------------

@pytest.mark.parametrize(("who", "password", "reason"), [
    ("nurse", "wrong", "wrong username or password"),
    ("physician", PASSWORD, "must be a different person"),
    ("coordinator", PASSWORD, "is not a clinician"),
    ("patient", PASSWORD, "cannot sign a step of their own treatment"),
])
def test_an_override_countersignature_refuses_the_wrong_person(world, who, password, reason):
    enrolment = refer(world, make_programme(regulatory_status="unknown_or_unapproved"))
    override = services.request_override(enrolment, world.clinician_a, reason="IRB waiver")
    user = {"nurse": second_clinician(world), "physician": world.clinician_a,
            "coordinator": world.coordinator, "patient": world.patient_a.user}[who]
    with pytest.raises(InputError) as refused:
        sign(user, Step.OVERRIDE_COUNTERSIGNATURE, first=[override.physician],
             patient=world.patient_a, password=password)
    assert reason in refused.value.message
    assert GateOverride.objects.get().second_signer is None
    assert not services.cleared(enrolment, dt.date(2026, 3, 10))


def test_the_override_page_refuses_a_wrong_password_and_accepts_the_physician(world):
    enrolment = refer(world, make_programme(regulatory_status="unknown_or_unapproved"))
    services.request_override(enrolment, world.clinician_a, reason="IRB waiver")
    nurse = second_clinician(world)
    client = Client()
    client.force_login(world.clinician_a)  # the first physician's session, the second signs in
    url = f"/celltherapy/patients/{world.patient_a.pk}/override/"
    data = {"enrolment": enrolment.pk, "action": "countersign",
            "second_signer_username": nurse.username, "second_signer_password": "wrong"}
    assert client.post(url, data).status_code == 400
    assert GateOverride.objects.get().second_signer is None
    assert client.post(url, {**data, "second_signer_username": world.clinician_a.username,
                             "second_signer_password": PASSWORD}).status_code == 400
    assert client.post(url, {**data, "second_signer_password": PASSWORD}).status_code == 302
    override = GateOverride.objects.get()
    assert (override.physician, override.second_signer) == (world.clinician_a, nurse)
    assert [a.accepted for a in SignOff.objects.order_by("id")] == [False, False, True]


def test_the_exceptional_release_page_signs_in_the_releaser_and_the_physician(world, client):
    enrolment = refer(world)
    consent(enrolment, world.clinician_a)
    qc = qc_analyst()
    lot = lot_with_results(enrolment, qc, qc, viability=65.0)  # non-conforming
    client.force_login(world.coordinator)
    url = f"/celltherapy/patients/{world.patient_a.pk}/lots/status/"
    data = {"enrolment": enrolment.pk, "lot": lot.pk, "status": "exceptional_release",
            "reason": "only lot; viability 65% reviewed by the medical director",
            "releaser_username": world.coordinator.username, "releaser_password": PASSWORD,
            "acknowledged_by_username": world.coordinator.username,
            "acknowledged_by_password": PASSWORD}
    refused = client.post(url, data)  # the releaser cannot acknowledge their own release
    assert refused.status_code == 400
    assert "acknowledged_by_username: must be a different person" in refused.content.decode()
    refused = client.post(url, {**data, "acknowledged_by_username": world.clinician_a.username,
                                "acknowledged_by_password": "wrong"})
    assert refused.status_code == 400 and Lot.objects.get(pk=lot.pk).status == "in_testing"
    accepted = client.post(url, {**data, "acknowledged_by_username": world.clinician_a.username})
    assert accepted.status_code == 302
    event = LotEvent.objects.filter(lot=lot).last()
    assert (event.to_status, event.actor, event.acknowledged_by) == (
        "exceptional_release", world.coordinator, world.clinician_a)
    steps = list(SignOff.objects.filter(step=Step.RELEASE_ACKNOWLEDGEMENT)
                 .order_by("id").values_list("accepted", flat=True))
    assert steps == [False, False, True]
