"""Custody: append-only, hash-chained records stored with their hashes; the verify page shows
integrity and names the first broken record; temperature excursions are flagged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.models import ProtectedError

from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import (
    AdverseEvent,
    CustodyIsAppendOnly,
    CustodyRecord,
    Enrolment,
    Infusion,
    Lot,
)
from lupuscare.web.records.models.audit import AuditLogIsAppendOnly

from .helpers import UTC, infuse, make_programme, released_lot

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


def _sql(statement: str, params: list) -> None:
    """Tamper as an attacker with database access would: behind the ORM's back."""
    table = connection.ops.quote_name(CustodyRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), params)


def test_a_custody_record_cannot_be_deleted_or_changed_through_querysets(world):
    lot = released_lot(world)
    record = CustodyRecord.objects.get(lot=lot)
    with pytest.raises(CustodyIsAppendOnly):
        record.delete()
    rows = CustodyRecord.objects.filter(lot=lot)
    with pytest.raises(AuditLogIsAppendOnly):
        rows.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        rows.update(event={})
    with pytest.raises(AuditLogIsAppendOnly):
        CustodyRecord.objects.bulk_update([record], ["event"])
    assert CustodyRecord.objects.filter(lot=lot).count() == 1
    assert CustodyRecord.objects.get(pk=record.pk).event == record.event


def test_a_lot_or_an_order_with_custody_cannot_be_deleted(world):
    lot = released_lot(world)
    with pytest.raises(ProtectedError):
        Lot.objects.get(pk=lot.pk).delete()
    with pytest.raises(ProtectedError):
        Enrolment.objects.get(pk=lot.enrolment_id).delete()
    assert CustodyRecord.objects.filter(lot=lot).count() == 1


def test_an_order_with_an_infusion_or_an_adverse_event_cannot_be_deleted(world):
    infusion = infuse(world, released_lot(world))
    with pytest.raises(ProtectedError):
        Enrolment.objects.filter(pk=infusion.enrolment_id).delete()
    with pytest.raises(ProtectedError) as refused:
        Lot.objects.filter(pk=infusion.lot_id).delete()
    assert Infusion in {type(o) for o in refused.value.protected_objects}
    assert Infusion.objects.count() == 1
    # an order whose only child is an adverse event
    other = services.refer(make_programme(name="Second trial"), world.patient_a,
                           world.clinician_a, reason="x")
    services.record_adverse_event(other, world.clinician_a, term="fever",
                                  onset=dt.date(2026, 3, 22), ctcae_grade=1, seriousness=[],
                                  causality="possible", expected=True)
    with pytest.raises(ProtectedError) as refused:
        Enrolment.objects.get(pk=other.pk).delete()
    assert {type(o) for o in refused.value.protected_objects} == {AdverseEvent}
    assert AdverseEvent.objects.count() == 1


def test_tampering_is_detected_and_blocks_appending(world, client):
    lot = released_lot(world)
    _ship(lot, world.coordinator, -160.0, 12)
    first = CustodyRecord.objects.get(lot=lot, sequence=0)
    _sql("UPDATE {table} SET event = %s WHERE id = %s",
         [json.dumps({**first.event, "actor": "mallory"}), first.pk])
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
    _sql("DELETE FROM {table} WHERE lot_id = %s AND sequence = 1", [lot.pk])
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
