"""The programme gate in the web layer: blocked orders, the FDA warning, and the two-signature
override (a named physician with a reason, countersigned by a different user, both audited)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lupuscare.celltherapy.regulatory import FDA_CONSUMER_WARNING
from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import Consent, Enrolment, GateOverride
from lupuscare.web.records.models import AuditEvent
from web.factories import PASSWORD

from .helpers import TODAY, Step, consent, make_programme, refer, second_clinician, sign

pytestmark = pytest.mark.django_db


def countersign(override, user):
    """``user`` signs in and countersigns."""
    return services.countersign_override(override, sign(user, Step.OVERRIDE_COUNTERSIGNATURE))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_unapproved_programme_blocks_the_order_and_shows_the_fda_warning(world):
    programme = make_programme(name="Clinic offer", regulatory_status="unknown_or_unapproved")
    enrolment = refer(world, programme)
    assert enrolment.gate_allowed is False
    assert enrolment.gate_decision["reasons"] == ["the regulatory status is unknown or unapproved"]
    page = _client(world.clinician_a).get(f"/celltherapy/patients/{world.patient_a.pk}/")
    body = page.content.decode()
    assert "BLOCKED" in body
    assert "you are likely being deceived" in body  # the FDA's words, quoted by the core
    assert FDA_CONSUMER_WARNING[:60] in body.replace("&#x27;", "'")


def test_ethics_approval_expiring_the_day_before_blocks_and_on_the_last_day_allows(world):
    on_last_day = make_programme(ethics_valid_to=TODAY)
    assert refer(world, on_last_day).gate_allowed is True
    expired = make_programme(name="Expired", ethics_valid_to=TODAY - dt.timedelta(days=1))
    enrolment = services.refer(expired, world.patient_b, world.clinician_b, reason="x", on=TODAY)
    assert enrolment.gate_allowed is False
    assert "expired on 2026-03-09" in enrolment.gate_decision["reasons"][0]


def test_a_trial_registration_alone_is_not_enough(world):
    programme = make_programme(ind_or_cta_number="", ethics_reference="", ethics_valid_from=None,
                               ethics_valid_to=None)
    enrolment = refer(world, programme)
    assert not enrolment.gate_allowed
    reasons = " ".join(enrolment.gate_decision["reasons"])
    assert "IND / CTA" in reasons and "ethics" in reasons


def test_a_blocked_order_refuses_consent_until_overridden_by_two_people(world):
    enrolment = refer(world, make_programme(regulatory_status="hctp_361"))
    with pytest.raises(InputError) as refused:
        consent(enrolment, world.clinician_a)
    assert refused.value.field == "gate"
    assert Consent.objects.count() == 0
    # only a physician may sign first; a coordinator is refused
    with pytest.raises(InputError):
        services.request_override(enrolment, world.coordinator, reason="compassionate")
    with pytest.raises(InputError) as no_reason:
        services.request_override(enrolment, world.clinician_a, reason="  ")
    assert no_reason.value.field == "reason"
    override = services.request_override(enrolment, world.clinician_a,
                                         reason="compassionate use approved by the IRB chair")
    assert not services.cleared(enrolment, TODAY)
    with pytest.raises(InputError) as same:
        countersign(override, world.clinician_a)
    assert same.value.field == "second_signer"
    countersign(override, second_clinician(world))
    enrolment.refresh_from_db()
    assert services.cleared(enrolment, TODAY)
    consent(enrolment, world.clinician_a)
    assert Consent.objects.count() == 1


def test_override_signatures_through_the_pages_are_audited(world):
    enrolment = refer(world, make_programme(regulatory_status="unknown_or_unapproved"))
    url = f"/celltherapy/patients/{world.patient_a.pk}/override/"
    before = AuditEvent.objects.filter(object_type="celltherapy.gateoverride").count()
    _client(world.clinician_a).post(url, {"enrolment": enrolment.pk, "reason": "IRB waiver"})
    nurse = second_clinician(world)
    response = _client(nurse).post(url, {"enrolment": enrolment.pk, "action": "countersign",
                                         "second_signer_username": nurse.username,
                                         "second_signer_password": PASSWORD})
    assert response.status_code == 302
    override = GateOverride.objects.get()
    assert (override.physician, override.second_signer) == (world.clinician_a, nurse)
    events = AuditEvent.objects.filter(object_type="celltherapy.gateoverride")
    assert events.count() - before == 2
    assert {e.username for e in events} == {world.clinician_a.username, nurse.username}


def test_an_override_does_not_cover_a_block_with_new_reasons(world):
    programme = make_programme(regulatory_status="hospital_exemption", authority_document="")
    enrolment = refer(world, programme)
    override = services.request_override(enrolment, world.clinician_a, reason="HE pending")
    countersign(override, second_clinician(world))
    assert services.cleared(enrolment, TODAY)
    # later the ethics approval expires: a new reason the override was not signed for
    after = dt.date(2028, 1, 1)
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    assert not services.cleared(enrolment, after)
    # a new override, for the block as it now stands, clears it again
    again = services.request_override(enrolment, world.clinician_a, reason="renewal filed",
                                      on=after)
    assert "expired on 2027-12-31" in " ".join(again.decision["reasons"])
    countersign(again, second_clinician(world))
    assert services.cleared(enrolment, after)
    assert services.covering_override(enrolment, after) == again
    assert services.covering_override(enrolment, TODAY) != again


def test_an_order_allowed_at_referral_and_blocked_since_can_be_overridden(world):
    enrolment = refer(world, make_programme(ethics_valid_to=dt.date(2026, 6, 30)))
    assert enrolment.gate_allowed
    later = dt.date(2026, 7, 1)
    assert not services.cleared(enrolment, later)
    override = services.request_override(enrolment, world.clinician_a, reason="IRB renewal",
                                         on=later)
    with pytest.raises(InputError, match="waiting for its second signature"):
        services.request_override(enrolment, world.clinician_a, reason="again", on=later)
    countersign(override, second_clinician(world))
    assert services.cleared(enrolment, later)


def test_an_allowed_order_cannot_be_overridden(world):
    enrolment = refer(world)
    with pytest.raises(InputError) as refused:
        services.request_override(enrolment, world.clinician_a, reason="x")
    assert refused.value.field == "decision"


@pytest.mark.parametrize(("fields", "field"), [
    ({"trial_registrations": ["NCT123"]}, "trial_registrations"),
    ({"ethics_valid_to": dt.date(2024, 12, 31)}, "ethics_valid_to"),
    ({"product_source": "autologous_t_cell_car"}, "product_source"),
    ({"dose_tolerance_pct": 150.0}, "dose_tolerance_pct"),
])
def test_a_programme_the_core_would_refuse_is_not_saved(world, fields, field):
    from django.core.exceptions import ValidationError

    from lupuscare.web.celltherapy.models import Programme

    with pytest.raises(ValidationError) as refused:
        make_programme(**fields)
    assert field in refused.value.message_dict
    assert Programme.objects.count() == 0
