"""The audit log is a hash chain: an edit, a deletion or an insertion by raw SQL (around the
model's append-only guard) is found by ``audit_verify``, which names the first broken row."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import RequestFactory

from lupuscare.celltherapy.custody import GENESIS_HASH, chain_hash
from lupuscare.web.records import audit, audit_chain
from lupuscare.web.records.models import AuditChainHead, AuditEvent
from lupuscare.web.records.models.audit import AuditLogIsAppendOnly

pytestmark = pytest.mark.django_db


def _rows(world, n: int = 4) -> list[AuditEvent]:
    request = RequestFactory().get("/patients/1/", REMOTE_ADDR="10.0.0.7")
    request.user = world.clinician_a
    return [audit.record(request, world.patient_a, obj=world.patient_a) for _ in range(n)]


def _raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _broken_at() -> int | None:
    result = audit_chain.verify()
    assert not result.ok
    return result.broken_id


def test_rows_link_to_each_other_as_the_custody_chain_does(world):
    rows = _rows(world)
    stored = list(AuditEvent.objects.order_by("sequence"))
    assert [r.sequence for r in stored] == list(range(len(stored)))
    assert stored[0].prev_hash == GENESIS_HASH
    for before, row in zip(stored, stored[1:], strict=False):
        assert row.prev_hash == before.hash
        assert row.hash == chain_hash(before.hash, audit_chain.content_of(row))
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (stored[-1].sequence, stored[-1].hash)
    assert audit_chain.verify().ok and audit_chain.verify().rows == len(stored) >= len(rows)


def test_the_model_still_refuses_changes():
    row = AuditEvent.objects.create(username="x", action="read")
    row.path = "/elsewhere/"
    with pytest.raises(AuditLogIsAppendOnly):
        row.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.bulk_create([AuditEvent(username="y", action="read")])


@pytest.mark.parametrize("column, value", [
    ("path", "/patients/2/"), ("username", "someone-else"), ("action", "update"),
    ("patient_id", 99), ("ip", "10.0.0.8"), ("patient_ids", "[1, 2]"),
])
def test_an_update_by_raw_sql_is_detected_at_that_row(world, column, value):
    rows = _rows(world)
    target = rows[2]
    _raw(f"UPDATE records_auditevent SET {column} = %s WHERE id = %s", value, target.pk)  # noqa: S608
    assert _broken_at() == target.pk
    with pytest.raises(CommandError, match=f"row {target.pk} .*altered"):
        call_command("audit_verify")


def test_rehashing_an_edited_row_breaks_the_link_of_the_next(world):
    rows = _rows(world)
    target = rows[1]
    _raw("UPDATE records_auditevent SET path = %s, hash = %s WHERE id = %s",
         "/x/", "f" * 64, target.pk)
    # its own hash no longer matches what it says
    assert _broken_at() == target.pk


def test_a_deleted_row_is_detected_at_the_row_after_it(world):
    rows = _rows(world)
    _raw("DELETE FROM records_auditevent WHERE id = %s", rows[1].pk)
    assert _broken_at() == rows[2].pk
    with pytest.raises(CommandError, match="deleted, inserted or renumbered"):
        call_command("audit_verify")


def test_rows_removed_from_the_end_are_detected_by_the_head(world):
    rows = _rows(world)
    _raw("DELETE FROM records_auditevent WHERE id = %s", rows[-1].pk)
    result = audit_chain.verify()
    assert not result.ok and "removed from the end" in result.problem


def test_a_row_inserted_around_the_chain_is_detected(world):
    _rows(world)
    _raw("INSERT INTO records_auditevent (at, username, action, method, path, object_type, "
         "object_id, patient_ids, prev_hash, hash) VALUES (CURRENT_TIMESTAMP, 'intruder', 'read', "
         "'GET', '/', '', '', '[]', '', '')")
    result = audit_chain.verify()
    assert not result.ok and "not in the chain" in result.problem


def test_the_command_reports_an_intact_chain(world, capsys):
    rows = _rows(world, 3)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert out.startswith("audit chain intact:") and int(out.split()[3]) >= len(rows)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_take_turns_on_the_chain_head():
    """Four threads, each on its own connection, append 15 rows each: one unbroken chain."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a database file or server that several connections share")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                AuditEvent.objects.create(username=f"writer-{n}", action="read", path=f"/{i}/")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit_chain.verify()
    assert result.ok and result.rows == 60
