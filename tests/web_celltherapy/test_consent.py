"""Consent records: scopes, witness, re-consent when the form changes, withdrawal."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import Consent, Lot

from .helpers import NEGATIVE_DONOR, TODAY, consent, make_programme, refer

pytestmark = pytest.mark.django_db


def test_a_valid_consent_is_stored_with_its_scopes(world):
    enrolment = refer(world)
    record = consent(enrolment, world.clinician_a, scopes=["treatment", "data_sharing"])
    assert record.scopes == ["data_sharing", "treatment"]
    assert services.consent_state(enrolment, TODAY).valid


def test_car_t_needs_genetic_modification_and_long_term_follow_up_scopes(world):
    programme = make_programme(name="CAR-T", modality="car_t", schedule="car_t",
                               product_source="autologous_t_cell_car")
    enrolment = refer(world, programme)
    with pytest.raises(InputError) as refused:
        consent(enrolment, world.clinician_a, scopes=["treatment"])
    assert "genetic_modification" in refused.value.message
    assert "long_term_follow_up" in refused.value.message
    assert Consent.objects.count() == 0
    consent(enrolment, world.clinician_a,
            scopes=["treatment", "genetic_modification", "long_term_follow_up"])
    assert Consent.objects.count() == 1


def test_witness_required_and_must_differ_from_signer(world):
    enrolment = refer(world, make_programme(consent_witness_required=True))
    with pytest.raises(InputError, match="witness signature is required"):
        consent(enrolment, world.clinician_a)
    with pytest.raises(InputError, match="different person"):
        consent(enrolment, world.clinician_a, witness=world.patient_a.full_name)
    consent(enrolment, world.clinician_a, witness="Nurse Witness")
    assert Consent.objects.count() == 1


def test_a_new_form_version_needs_re_consent(world):
    enrolment = refer(world)
    consent(enrolment, world.clinician_a)
    programme = enrolment.programme
    programme.consent_form_version = "3"
    programme.save()
    enrolment.refresh_from_db()
    status = services.consent_state(enrolment, TODAY)
    assert not status.valid and status.reconsent_needed
    with pytest.raises(InputError, match="re-consent"):
        consent(enrolment, world.clinician_a, consent_id="CF-2", form_version="2")
    consent(enrolment, world.clinician_a, consent_id="CF-2", form_version="3")
    assert services.consent_state(enrolment, TODAY).valid


def test_withdrawal_stops_further_steps_from_its_date(world):
    enrolment = refer(world)
    record = consent(enrolment, world.clinician_a)
    with pytest.raises(InputError):
        services.withdraw_consent(record, TODAY - dt.timedelta(days=1))  # before signing
    services.withdraw_consent(record, dt.date(2026, 3, 11))
    assert services.consent_state(enrolment, dt.date(2026, 3, 10)).valid
    assert not services.consent_state(enrolment, dt.date(2026, 3, 11)).valid
    with pytest.raises(InputError) as refused:
        services.create_lot(enrolment, world.coordinator, lot_number="L1",
                            collected_on=dt.date(2026, 3, 12), collection_site="GMP",
                            donor_results=NEGATIVE_DONOR)
    assert refused.value.field == "consent"
    assert Lot.objects.count() == 0
