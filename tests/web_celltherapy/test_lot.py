"""Product lots: chain-of-identity identifier, release results judged by the core, the status
machine with two-person QA release and exceptional release, and refusals that save nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.celltherapy.identity import validate_coi
from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import Lot, LotEvent, QcResult
from web.factories import PASSWORD, make_coordinator

from .helpers import NEGATIVE_DONOR, UTC, Step, consent, lot_with_results, refer, release, sign

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 20, 9, tzinfo=UTC)


@pytest.fixture
def ready(world):
    enrolment = refer(world)
    consent(enrolment, world.clinician_a)
    return enrolment, make_coordinator(username="qc_analyst")


def test_a_new_lot_has_a_valid_coi_identifier_and_donor_screening(world, ready):
    enrolment, qc = ready
    lot = services.create_lot(enrolment, qc, lot_number="UC-1", collected_on=dt.date(2026, 3, 11),
                              collection_site="GMP", passage=3,
                              donor_results={**NEGATIVE_DONOR, "nat_hcv": "reactive"})
    assert validate_coi(lot.coi_identifier) == lot.coi_identifier
    assert lot.coi_identifier.startswith("LUP-2026-000001-")
    assert lot.status == "quarantine"
    assert lot.donor_eligible is False and lot.donor_detail["reactive"] == ["nat_hcv"]
    second = services.create_lot(enrolment, qc, lot_number="UC-2",
                                 collected_on=dt.date(2026, 3, 11), collection_site="GMP",
                                 donor_results=NEGATIVE_DONOR)
    assert second.coi_identifier.startswith("LUP-2026-000002-")
    # the passage is entered as a release result against the product's maximum passage
    assert QcResult.objects.get(lot=lot, attribute="passage").value == 3


def test_release_is_refused_without_every_required_result_and_nothing_changes(world, ready):
    enrolment, qc = ready
    lot = lot_with_results(enrolment, qc, qc, skip=("mycoplasma",))
    events_before = LotEvent.objects.count()
    with pytest.raises(InputError) as refused:
        release(lot, world.coordinator, at=AT)
    assert refused.value.field == "evaluation"
    assert "missing mycoplasma" in refused.value.message
    lot.refresh_from_db()
    assert lot.status == "in_testing"
    assert LotEvent.objects.count() == events_before


def test_the_person_who_entered_results_cannot_release(world, ready):
    enrolment, qc = ready
    lot = lot_with_results(enrolment, qc, qc)
    with pytest.raises(InputError) as refused:
        release(lot, qc, at=AT)
    assert "two-person rule" in refused.value.message
    release(lot, world.coordinator, at=AT)
    lot.refresh_from_db()
    assert lot.status == "released"
    assert lot.evaluation["releasable"] is True


def test_a_failed_result_blocks_release_at_the_isct_boundary(world, ready):
    enrolment, qc = ready
    at_limit = lot_with_results(enrolment, qc, qc, CD73=95.0, lot_number="A")
    release(at_limit, world.coordinator, at=AT)  # >= 95 passes
    below = lot_with_results(enrolment, qc, qc, CD73=94.9, lot_number="B")
    with pytest.raises(InputError, match="failed CD73"):
        release(below, world.coordinator, at=AT)


def test_exceptional_release_needs_justification_and_a_different_physician(world, ready):
    enrolment, qc = ready
    lot = lot_with_results(enrolment, qc, qc, viability=65.0)
    def ack(user):
        return sign(user, Step.RELEASE_ACKNOWLEDGEMENT, first=[world.coordinator])

    with pytest.raises(InputError) as refused:
        release(lot, world.coordinator, "exceptional_release", at=AT,
                acknowledgement=ack(world.clinician_a))
    assert refused.value.field == "reason"
    with pytest.raises(InputError) as not_physician:  # refused at sign-in: not a physician
        release(lot, world.coordinator, "exceptional_release", at=AT, reason="only lot",
                acknowledgement=ack(qc))
    assert not_physician.value.field == "second_username"
    assert "is not a clinician" in not_physician.value.message
    with pytest.raises(InputError) as unsigned:
        release(lot, world.coordinator, "exceptional_release", at=AT, reason="only lot")
    assert unsigned.value.field == "acknowledged_by"
    release(lot, world.coordinator, "exceptional_release", at=AT,
            reason="no alternative; viability 65% reviewed",
            acknowledgement=ack(world.clinician_a))
    event = LotEvent.objects.filter(lot=lot).last()
    assert (event.to_status, event.acknowledged_by) == ("exceptional_release", world.clinician_a)


def test_a_conforming_lot_is_not_released_exceptionally(world, ready):
    enrolment, qc = ready
    lot = lot_with_results(enrolment, qc, qc)
    with pytest.raises(InputError, match="conforms"):
        release(lot, world.coordinator, "exceptional_release", at=AT, reason="x",
                acknowledgement=sign(world.clinician_a, Step.RELEASE_ACKNOWLEDGEMENT,
                                     first=[world.coordinator]))


def test_disallowed_transitions_name_the_allowed_ones(world, ready):
    enrolment, qc = ready
    lot = services.create_lot(enrolment, qc, lot_number="Q", collected_on=dt.date(2026, 3, 11),
                              collection_site="GMP", donor_results=NEGATIVE_DONOR)
    with pytest.raises(InputError, match="allowed from quarantine: destroyed, in_testing, "
                                         "rejected"):
        release(lot, world.coordinator, at=AT)
    with pytest.raises(InputError, match="reason is required"):
        services.transition_lot(lot, world.coordinator, "rejected", at=AT)


def test_a_result_the_core_cannot_judge_is_refused_and_not_saved(world, ready):
    enrolment, qc = ready
    lot = services.create_lot(enrolment, qc, lot_number="V", collected_on=dt.date(2026, 3, 11),
                              collection_site="GMP", donor_results=NEGATIVE_DONOR)
    count = QcResult.objects.count()
    with pytest.raises(InputError):
        services.enter_result(lot, qc, attribute="viability", value="101")  # % above 100
    with pytest.raises(InputError):
        services.enter_result(lot, qc, attribute="viability", value="high")
    with pytest.raises(InputError):
        services.enter_result(lot, qc, attribute="colour", value="red")
    assert QcResult.objects.count() == count
    assert Lot.objects.get(pk=lot.pk).evaluation is None


def test_release_through_the_page_refuses_with_the_reason(world, ready, client):
    enrolment, qc = ready
    lot = lot_with_results(enrolment, qc, qc, skip=("sterility",))
    client.force_login(world.coordinator)
    url = f"/celltherapy/patients/{world.patient_a.pk}/lots/status/"
    response = client.post(url, {"enrolment": enrolment.pk, "lot": lot.pk, "status": "released",
                                 "releaser_username": world.coordinator.username,
                                 "releaser_password": PASSWORD}, follow=True)
    assert "Refused: evaluation: not releasable: missing sterility" in response.content.decode()
    assert Lot.objects.get(pk=lot.pk).status == "in_testing"
