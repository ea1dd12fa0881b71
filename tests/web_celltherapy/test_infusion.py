"""Dose and infusion. The pre-infusion check refuses (nothing saved) a dose outside tolerance,
a missing or failed bedside identity check, a lot that is not released, endotoxin over K or the
thaw limit; the infusion record saves what happened and flags every deviation."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import (
    CustodyRecord,
    FollowUpVisit,
    Infusion,
    Lot,
    PreInfusionCheck,
)

from .helpers import UTC, bedside_check, infuse, released_lot, second_clinician

pytestmark = pytest.mark.django_db


def _nothing_saved(lot: Lot) -> None:
    assert PreInfusionCheck.objects.count() == 0
    assert Infusion.objects.count() == 0
    assert FollowUpVisit.objects.count() == 0
    assert Lot.objects.get(pk=lot.pk).status == "released"
    assert CustodyRecord.objects.filter(lot=lot).count() == 1


@pytest.mark.parametrize("delivered", [62e6 * 1.1, 62e6 * 0.9])
def test_a_dose_at_the_tolerance_limit_is_as_planned(world, delivered):
    infusion = infuse(world, released_lot(world), delivered=delivered)
    assert infusion.dose["as_planned"] is True


@pytest.mark.parametrize("delivered", [62e6 * 1.101, 62e6 * 0.899])
def test_a_dose_just_outside_tolerance_is_refused_and_nothing_saved(world, delivered):
    lot = released_lot(world)
    with pytest.raises(InputError) as refused:
        infuse(world, lot, delivered=delivered)
    assert refused.value.field == "delivered_cells"
    assert "tolerance ±10%" in refused.value.message
    _nothing_saved(lot)


def test_without_a_second_verifier_or_scan_the_infusion_is_refused(world):
    lot = released_lot(world)
    second_clinician(world)
    with pytest.raises(InputError) as refused:
        services.check_before_infusion(
            lot.enrolment, world.clinician_a, lot=lot, planned_cells=62e6, weight_kg=62.0,
            second=None, patient_identity_confirmed=True,
            patient_on_bag=world.patient_a.identifier, coi_on_bag=lot.coi_identifier,
            lot_on_bag=lot.lot_number, thaw_end=dt.datetime(2026, 3, 21, 9, 50, tzinfo=UTC),
            planned_start=dt.datetime(2026, 3, 21, 10, tzinfo=UTC), volume_ml=100.0)
    assert refused.value.field == "identity_check.second_verifier"
    _nothing_saved(lot)


def test_the_same_person_cannot_verify_twice(world):
    lot = released_lot(world)
    with pytest.raises(InputError, match="different person"):
        infuse(world, lot, second=world.clinician_a)
    _nothing_saved(lot)


def test_a_bag_with_another_coi_identifier_is_refused(world):
    lot = released_lot(world)
    with pytest.raises(InputError) as refused:
        infuse(world, lot, coi_on_bag="LUP-2026-000099-X")
    assert refused.value.field == "identity_check.coi_on_bag"
    _nothing_saved(lot)


def test_patient_identity_not_confirmed_is_refused(world):
    lot = released_lot(world)
    with pytest.raises(InputError) as refused:
        infuse(world, lot, patient_identity_confirmed=False)
    assert refused.value.field == "identity_check.patient_identity_confirmed"
    _nothing_saved(lot)


def test_thaw_to_infusion_limit_is_inclusive(world):
    lot = released_lot(world)
    start = dt.datetime(2026, 3, 21, 10, tzinfo=UTC)
    with pytest.raises(InputError, match="61 min after thawing"):
        infuse(world, lot, start=start, thaw_end=start - dt.timedelta(minutes=61))
    _nothing_saved(lot)
    infusion = infuse(world, lot, start=start, thaw_end=start - dt.timedelta(minutes=60),
                      second=second_clinician(world))
    assert infusion.checks["ok"]


def test_a_lot_in_testing_cannot_be_infused(world):
    lot = released_lot(world)
    Lot.objects.filter(pk=lot.pk).update(status="in_testing")
    lot.refresh_from_db()
    with pytest.raises(InputError) as refused:
        infuse(world, lot)
    assert refused.value.field == "lot_status"


def test_vital_signs_and_reactions_are_flagged_and_stored(world):
    start = dt.datetime(2026, 3, 21, 10, tzinfo=UTC)
    infusion = infuse(world, released_lot(world), start=start,
                      vitals=[{"at": start, "values": {"temperature_c": 38.1,
                                                       "systolic_mmhg": 90}}],
                      reactions=[{"at": start, "term": "infusion related reaction",
                                  "ctcae_grade": 3}])
    assert infusion.checks["vital_flags"] == [
        "2026-03-21T10:00:00+00:00 temperature_c 38.1 outside [35.5, 38]"]  # 90 is inside
    assert infusion.checks["problems"] == [
        "infusion reaction grade 3: stop the infusion and report"]


def test_discharge_checklist_and_observation_time(world):
    infusion = infuse(world, released_lot(world))
    end = infusion.ended_at
    met = {"vital signs stable": True, "no infusion reaction": True}
    early = services.record_discharge(infusion, world.clinician_a, met=met,
                                      now=end + dt.timedelta(hours=1, minutes=59))
    assert early.ready is False
    assert early.unmet == ["observed 1 h 59 min of the required 2 h"]
    assert early.stay_near_centre_until is None  # MSC: no CAR-T proximity rule
    with pytest.raises(InputError, match="already recorded"):
        services.record_discharge(infusion, world.clinician_a, met=met,
                                  now=end + dt.timedelta(hours=2))


def test_discharge_at_exactly_the_observation_time_with_every_item(world):
    infusion = infuse(world, released_lot(world))
    decision = services.record_discharge(
        infusion, world.clinician_a, met={"vital signs stable": True,
                                          "no infusion reaction": False},
        now=infusion.ended_at + dt.timedelta(hours=2))
    assert decision.unmet == ["no infusion reaction"]


def test_the_infusion_page_refuses_with_the_reason(world, client):
    lot = released_lot(world)
    client.force_login(world.clinician_a)
    response = client.post(f"/celltherapy/patients/{world.patient_a.pk}/infusion/check/", {
        "enrolment": lot.enrolment_id, "lot": lot.pk, "planned_cells": "62000000",
        "weight_kg": "62", "volume_ml": "100", "patient_identity_confirmed": "on",
        "patient_on_bag": world.patient_a.identifier, "coi_on_bag": lot.coi_identifier,
        "lot_on_bag": lot.lot_number, "thaw_end": "2026-03-21T09:50",
        "planned_start": "2026-03-21T10:00"}, follow=True)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Refused: identity_check.second_verifier" in body
    assert f'value="{lot.coi_identifier}"' in body  # the input is kept
    _nothing_saved(lot)


@pytest.mark.parametrize(("eu_per_ml", "allowed"), [(5.0, True), (5.01, False)])
def test_endotoxin_at_and_just_above_k(world, eu_per_ml, allowed):
    from lupuscare.web.celltherapy.models import QcResult

    lot = released_lot(world)
    QcResult.objects.filter(lot=lot, attribute="endotoxin").update(value=eu_per_ml)
    if allowed:
        infusion = infuse(world, lot, volume_ml=62.0)
        assert infusion.endotoxin["eu_per_kg"] == 5.0
        assert infusion.endotoxin["limit_eu_per_kg"] == 5.0
    else:
        with pytest.raises(InputError) as refused:
            infuse(world, lot, volume_ml=62.0)
        assert refused.value.field == "endotoxin"
        assert "exceeds 5 EU/kg" in refused.value.message
        _nothing_saved(lot)


def test_endotoxin_needs_the_infused_volume(world):
    lot = released_lot(world)
    with pytest.raises(InputError) as refused:
        infuse(world, lot, volume_ml=None)
    assert refused.value.field == "volume_ml"
    _nothing_saved(lot)


# --- the infusion record: what happened is saved, every deviation flagged, never refused ---

def _codes(infusion) -> list[str]:
    return [d["code"] for d in infusion.deviations]


def test_a_dose_outside_tolerance_that_was_given_is_recorded_with_its_deviation(world):
    lot = released_lot(world)
    check = bedside_check(world, lot)  # cleared for 62e6 (the target)
    start = check.planned_start
    infusion = services.record_infusion(
        lot.enrolment, world.clinician_a, pre_check=check, delivered_cells=62e6 * 1.2,
        started_at=start, ended_at=start + dt.timedelta(minutes=30), volume_ml=100.0)
    infusion.refresh_from_db()
    assert _codes(infusion) == ["dose_outside_tolerance"]
    assert "+20.00% from the target" in infusion.deviations[0]["detail"]
    assert infusion.dose["as_planned"] is False and infusion.checks["ok"] is False
    assert infusion.pre_check == check and infusion.second_verifier == second_clinician(world)
    # the rest of the flow goes on: lot dispensed, custody chained, schedule generated
    assert Lot.objects.get(pk=lot.pk).status == "dispensed"
    assert CustodyRecord.objects.filter(lot=lot).count() == 2
    assert FollowUpVisit.objects.filter(enrolment=lot.enrolment).exists()


@pytest.mark.parametrize(("delivered", "deviates"), [(62e6 * 1.1, False), (62e6 * 1.101, True)])
def test_the_record_flags_the_dose_at_the_tolerance_edge(world, delivered, deviates):
    lot = released_lot(world)
    check = bedside_check(world, lot)
    infusion = services.record_infusion(
        lot.enrolment, world.clinician_a, pre_check=check, delivered_cells=delivered,
        started_at=check.planned_start,
        ended_at=check.planned_start + dt.timedelta(minutes=30), volume_ml=100.0)
    assert ("dose_outside_tolerance" in _codes(infusion)) is deviates


def test_endotoxin_over_k_in_the_volume_actually_given_is_a_deviation(world):
    from lupuscare.web.celltherapy.models import QcResult

    lot = released_lot(world)
    QcResult.objects.filter(lot=lot, attribute="endotoxin").update(value=5.0)
    check = bedside_check(world, lot, volume_ml=62.0)  # 5.0 EU/kg: at K, cleared
    assert check.endotoxin["eu_per_kg"] == 5.0
    infusion = services.record_infusion(
        lot.enrolment, world.clinician_a, pre_check=check, delivered_cells=62e6,
        started_at=check.planned_start,
        ended_at=check.planned_start + dt.timedelta(minutes=30), volume_ml=62.5)
    assert _codes(infusion) == ["endotoxin_over_limit"]
    assert infusion.endotoxin["eu_per_kg"] == pytest.approx(5.0403, abs=1e-4)


def test_an_infusion_given_without_a_check_from_a_lot_in_testing_is_still_recorded(world):
    lot = released_lot(world)
    Lot.objects.filter(pk=lot.pk).update(status="in_testing")
    start = dt.datetime(2026, 3, 21, 10, tzinfo=UTC)
    infusion = services.record_infusion(
        lot.enrolment, world.clinician_a, lot=lot, delivered_cells=62e6, weight_kg=62.0,
        started_at=start, ended_at=start + dt.timedelta(minutes=30), volume_ml=100.0,
        thaw_end=start - dt.timedelta(minutes=20),
        bag={"coi_on_bag": lot.coi_identifier})
    assert _codes(infusion) == ["no_cleared_pre_infusion_check", "identity", "lot_not_released"]
    assert infusion.first_verifier is None and infusion.identity == {
        "coi_on_bag": lot.coi_identifier}
    # the lot cannot move from in_testing to dispensed; what happened is still chained
    assert Lot.objects.get(pk=lot.pk).status == "in_testing"
    assert CustodyRecord.objects.filter(lot=lot).last().event["action"] == "infused"


def test_a_check_is_used_once_and_only_for_its_own_lot(world):
    lot = released_lot(world)
    check = bedside_check(world, lot)
    start = check.planned_start
    services.record_infusion(lot.enrolment, world.clinician_a, pre_check=check,
                             delivered_cells=62e6, started_at=start,
                             ended_at=start + dt.timedelta(minutes=30), volume_ml=100.0)
    with pytest.raises(InputError) as again:
        services.record_infusion(lot.enrolment, world.clinician_a, pre_check=check,
                                 delivered_cells=62e6, started_at=start,
                                 ended_at=start + dt.timedelta(minutes=30), volume_ml=100.0)
    assert again.value.field == "pre_check"
    assert Infusion.objects.count() == 1


def test_the_record_page_saves_a_deviation_and_shows_it(world, client):
    lot = released_lot(world)
    check = bedside_check(world, lot)
    client.force_login(world.clinician_a)
    url = f"/celltherapy/patients/{world.patient_a.pk}/"
    response = client.post(url + "infusion/", {
        "enrolment": lot.enrolment_id, "pre_check": check.pk, "delivered_cells": "80000000",
        "volume_ml": "100", "started_at": "2026-03-21T11:30", "ended_at": "2026-03-21T12:00",
        "vitals_at": "2026-03-21T11:45", "vital_temperature_c": "38.4"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "Infusion recorded. Deviations:" in body
    infusion = Infusion.objects.get()
    assert _codes(infusion) == ["dose_outside_tolerance", "thaw_to_infusion",
                                "vital_sign_out_of_range"]
    assert "Deviation (thaw_to_infusion)" in client.get(url).content.decode()
