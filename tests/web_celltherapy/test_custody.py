"""Custody: append-only, hash-chained records stored with their hashes; the verify page shows
integrity and names the first broken record; temperature excursions are flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import CustodyIsAppendOnly, CustodyRecord

from .helpers import UTC, released_lot

pytestmark = pytest.mark.django_db


def _ship(lot, user, temp: float, hour: int):
    return services.append_custody(lot, user, action="shipped", from_party="GMP",
                                   to_party="courier", location="dock",
                                   at=dt.datetime(2026, 3, 20, hour, tzinfo=UTC),
                                   temperature_c=temp)


def test_records_chain_and_verify(world):
    lot = released_lot(world)
    _ship(lot, world.coordinator, -160.0, 12)
    lot.refresh_from_db()
    records = list(CustodyRecord.objects.filter(lot=lot))
    assert [r.sequence for r in records] == [0, 1]
    assert records[1].prev_hash == records[0].hash
    assert lot.custody_head == records[1].hash and lot.custody_length == 2
    assert services.verify_custody(lot).ok


def test_a_custody_record_cannot_be_changed_through_the_model(world):
    lot = released_lot(world)
    record = CustodyRecord.objects.get(lot=lot)
    record.event = {**record.event, "location": "elsewhere"}
    with pytest.raises(CustodyIsAppendOnly):
        record.save()


def test_tampering_is_detected_and_blocks_appending(world, client):
    lot = released_lot(world)
    _ship(lot, world.coordinator, -160.0, 12)
    first = CustodyRecord.objects.get(lot=lot, sequence=0)
    CustodyRecord.objects.filter(pk=first.pk).update(event={**first.event, "actor": "mallory"})
    lot.refresh_from_db()
    check = services.verify_custody(lot)
    assert not check.ok and check.broken_at == 0
    with pytest.raises(InputError) as refused:
        _ship(lot, world.coordinator, -160.0, 13)
    assert refused.value.field == "chain"
    assert CustodyRecord.objects.filter(lot=lot).count() == 2
    client.force_login(world.clinician_a)
    body = client.get(f"/celltherapy/patients/{world.patient_a.pk}/custody/verify/").content
    assert b"Chain BROKEN at record 0" in body


def test_deleting_the_newest_record_is_caught_by_the_stored_length(world):
    lot = released_lot(world)
    _ship(lot, world.coordinator, -160.0, 12)
    CustodyRecord.objects.filter(lot=lot, sequence=1).delete()
    lot.refresh_from_db()
    check = services.verify_custody(lot)
    assert not check.ok and "expected 2" in check.problem


def test_an_event_before_the_previous_one_is_refused(world):
    lot = released_lot(world)
    _ship(lot, world.coordinator, -160.0, 12)
    with pytest.raises(InputError) as refused:
        services.append_custody(lot, world.coordinator, action="received", from_party="courier",
                                to_party="ward", location="ward",
                                at=dt.datetime(2026, 3, 1, tzinfo=UTC))
    assert refused.value.field == "at"


def test_temperature_excursions_at_and_beyond_the_storage_limits(world, client):
    lot = released_lot(world)  # storage -196 to -150 °C
    _ship(lot, world.coordinator, -150.0, 12)  # at the limit: inside
    _ship(lot, world.coordinator, -149.0, 13)  # above
    lot.refresh_from_db()
    found = services.excursions(lot)
    assert [x.index for x in found] == [2]
    assert "above" in found[0].detail
    client.force_login(world.clinician_a)
    body = client.get(f"/celltherapy/patients/{world.patient_a.pk}/custody/verify/").content
    assert b"Temperature excursion at record 2" in body
    assert b"Chain intact: 3 records" in body
