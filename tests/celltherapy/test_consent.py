from datetime import date

import pytest

from lupuscare.celltherapy.consent import (
    ConsentError,
    ConsentForm,
    ConsentRecord,
    Scope,
    consent_status,
    require_consent,
)
from lupuscare.celltherapy.regulatory import Modality

FORM = ConsentForm("v2.0", date(2026, 1, 1), witness_required=True)
CAR_T_SCOPES = frozenset({Scope.TREATMENT, Scope.GENETIC_MODIFICATION, Scope.LONG_TERM_FOLLOW_UP})


def record(**changes):
    base = dict(consent_id="C-001", form_version="v2.0", signed_on=date(2026, 2, 1),
                signer="Patient P", scopes=CAR_T_SCOPES, witness="Nurse W")
    base.update(changes)
    return ConsentRecord(**base)


def test_complete_consent_is_valid():
    status = consent_status(record(), FORM, Modality.CAR_T, date(2026, 3, 1))
    assert status.valid and status.reasons == ()


def test_new_form_version_needs_reconsent():
    status = consent_status(record(form_version="v1.3"), FORM, Modality.CAR_T, date(2026, 3, 1))
    assert not status.valid and status.reconsent_needed


def test_car_t_needs_genetic_modification_and_ltfu_scopes_msc_does_not():
    only_treatment = record(scopes=frozenset({Scope.TREATMENT}))
    status = consent_status(only_treatment, FORM, Modality.CAR_T, date(2026, 3, 1))
    assert "genetic_modification" in status.reasons[0] and "long_term_follow_up" in status.reasons[0]
    assert consent_status(only_treatment, FORM, Modality.MSC, date(2026, 3, 1)).valid


def test_witness_required_and_must_differ_from_signer():
    assert not consent_status(record(witness=""), FORM, Modality.CAR_T, date(2026, 3, 1)).valid
    same = consent_status(record(witness="patient p"), FORM, Modality.CAR_T, date(2026, 3, 1))
    assert "different person" in same.reasons[0]
    no_witness_form = ConsentForm("v2.0", date(2026, 1, 1))
    assert consent_status(record(witness=""), no_witness_form, Modality.CAR_T,
                          date(2026, 3, 1)).valid


def test_withdrawal_stops_steps_from_its_date():
    withdrawn = record(withdrawn_on=date(2026, 3, 10))
    assert consent_status(withdrawn, FORM, Modality.CAR_T, date(2026, 3, 9)).valid
    status = consent_status(withdrawn, FORM, Modality.CAR_T, date(2026, 3, 10))
    assert status.withdrawn and not status.valid
    with pytest.raises(ConsentError) as err:
        require_consent(withdrawn, FORM, Modality.CAR_T, date(2026, 3, 10), "infusion")
    assert err.value.field == "consent" and "infusion refused" in str(err.value)


def test_no_consent_and_future_dated_consent_refused():
    with pytest.raises(ConsentError):
        require_consent(None, FORM, Modality.MSC, date(2026, 3, 1), "scheduling")
    status = consent_status(record(signed_on=date(2026, 4, 1)), FORM, Modality.CAR_T,
                            date(2026, 3, 1))
    assert not status.valid


def test_iso_strings_and_bad_values():
    status = consent_status(record(withdrawn_on="2026-03-10"), FORM, Modality.CAR_T,
                            date(2026, 3, 10))
    assert status.withdrawn
    assert consent_status(record(scopes=frozenset({"treatment", "genetic_modification",
                                                   "long_term_follow_up"})),
                          FORM, "car_t", date(2026, 3, 1)).valid
    from lupuscare.errors import InputError
    with pytest.raises(InputError) as err:
        consent_status(record(), FORM, "stem_cells", date(2026, 3, 1))
    assert err.value.field == "modality"
    with pytest.raises(InputError) as err:
        consent_status(record(scopes=frozenset({"everything"})), FORM, Modality.MSC,
                       date(2026, 3, 1))
    assert err.value.field == "consent.scopes"
