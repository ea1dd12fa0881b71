"""Who sees and changes cell-therapy data: the coordinator sees enrolled patients only (and no
clinical record pages), the patient's care-team clinicians see and act, everyone else is refused
and sees nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from lupuscare.web.accounts.permissions import enrolled_patients_visible_to
from lupuscare.web.celltherapy.models import Consent

from .helpers import TODAY, refer

pytestmark = pytest.mark.django_db


def _get(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_coordinator_sees_only_enrolled_patients(world):
    assert list(enrolled_patients_visible_to(world.coordinator)) == []
    refer(world)
    assert list(enrolled_patients_visible_to(world.coordinator)) == [world.patient_a]
    page = _get(world.coordinator, f"/celltherapy/patients/{world.patient_a.pk}/")
    assert page.status_code == 200
    assert world.patient_a.identifier in page.content.decode()
    # not the clinical record, and not a patient who is not enrolled
    assert _get(world.coordinator, f"/patients/{world.patient_a.pk}/").status_code in (403, 404)
    assert _get(world.coordinator, f"/celltherapy/patients/{world.patient_b.pk}/").status_code \
        == 404
    board = _get(world.coordinator, "/celltherapy/").content.decode()
    assert world.patient_a.identifier in board
    assert world.patient_b.identifier not in board


@pytest.mark.parametrize("who", ["patient_a", "patient_b", "clinician_outside_team", "admin",
                                 "anonymous"])
def test_everyone_else_is_refused_an_enrolled_patients_page(world, who):
    refer(world)
    user = world.users()[who]
    response = _get(user, f"/celltherapy/patients/{world.patient_a.pk}/")
    assert response.status_code in (302, 403, 404)
    assert world.patient_a.identifier not in response.content.decode()


def test_a_refused_post_saves_nothing(world):
    enrolment = refer(world)
    data = {"enrolment": enrolment.pk, "consent_id": "CF-1", "form_version": "2",
            "signed_on": TODAY.isoformat(), "signer": "A", "scopes": ["treatment"]}
    for who in ("patient_a", "clinician_outside_team", "admin"):
        client = Client()
        client.force_login(world.users()[who])
        response = client.post(f"/celltherapy/patients/{world.patient_a.pk}/consent/", data)
        assert response.status_code in (403, 404)
    assert Consent.objects.count() == 0
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    response = coordinator.post(f"/celltherapy/patients/{world.patient_a.pk}/consent/", data)
    assert response.status_code == 302
    assert Consent.objects.count() == 1


def test_only_the_care_team_clinician_refers(world):
    from lupuscare.web.celltherapy.models import Enrolment

    from .helpers import make_programme

    programme = make_programme()
    for user in (world.clinician_b, world.coordinator):
        client = Client()
        client.force_login(user)
        client.post(f"/celltherapy/patients/{world.patient_a.pk}/refer/",
                    {"programme": programme.pk, "referral_reason": "x"})
    assert Enrolment.objects.count() == 0
    client = Client()
    client.force_login(world.clinician_a)
    client.post(f"/celltherapy/patients/{world.patient_a.pk}/refer/",
                {"programme": programme.pk, "referral_reason": "refractory"})
    assert Enrolment.objects.get().referred_by == world.clinician_a


def test_eligibility_is_a_physicians_assessment_and_the_coordinator_sees_no_medication_list(
        world):
    from lupuscare.errors import InputError
    from lupuscare.web.celltherapy import services
    from web.factories import make_medication

    enrolment = refer(world)
    make_medication(world.patient_a, drug="belimumab", daily_dose_mg=None)
    with pytest.raises(InputError) as refused:
        services.assess_eligibility(enrolment, world.coordinator, assessment=None, on=TODAY)
    assert refused.value.field == "assessed_by"
    coordinator_page = _get(world.coordinator, f"/celltherapy/patients/{world.patient_a.pk}/")
    assert "belimumab" not in coordinator_page.content.decode()
    clinician_page = _get(world.clinician_a, f"/celltherapy/patients/{world.patient_a.pk}/")
    assert "belimumab" in clinician_page.content.decode()
