"""The audit log's hash chain: each row is linked to the one before, as the custody chain is.

A row's hash is ``custody.chain_hash(previous hash, content)`` (SHA-256 over the previous hash and
the canonical JSON of the row's content, sequence number included). Rows are appended one at a
time while the chain head (``AuditChainHead``, one row) is locked: ``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite every transaction starts ``IMMEDIATE`` (settings), which already holds the
database's write lock. An ``AFTER INSERT`` trigger moves the head to each new row, so an audit
write is two statements (the locked read, the insert). The unique ``sequence`` makes a fork
impossible even if a lock were missed.

``verify()`` recomputes the chain from the first row and names the first row that breaks: an
edit (by raw SQL, bypassing the model's append-only guard), a deletion, an insertion, or rows
removed from the end (the head no longer matches). ``lupuscare manage audit_verify`` runs it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

from lupuscare.celltherapy.custody import GENESIS_HASH, chain_hash

HEAD_PK = 1


def _moment(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise_ip(ip: str | None) -> str | None:
    """The address as PostgreSQL's ``inet`` gives it back (compressed), so hashes still verify."""
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def content_of(event: Any) -> dict[str, Any]:
    """What a row's hash covers: everything it says, and its place in the chain."""
    return {
        "sequence": event.sequence,
        "at": _moment(event.at),
        "user_id": event.user_id,
        "username": event.username,
        "patient_id": event.patient_id,
        "patient_ids": [int(i) for i in (event.patient_ids or [])],
        "action": event.action,
        "method": event.method,
        "path": event.path,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip,
        "status": event.status,
    }


def _locked_head(using: str):
    from lupuscare.web.records.models import AuditChainHead, AuditEvent

    head = AuditChainHead.objects.using(using).select_for_update().filter(pk=HEAD_PK).first()
    if head is None:
        # First row ever (or the head was removed: carry on from the newest row, and let
        # ``verify`` report what is missing).
        last = (AuditEvent.objects.using(using).filter(sequence__isnull=False)
                .order_by("-sequence").first())
        AuditChainHead.objects.using(using).get_or_create(
            pk=HEAD_PK, defaults={"sequence": last.sequence if last else -1,
                                  "hash": last.hash if last else GENESIS_HASH})
        head = AuditChainHead.objects.using(using).select_for_update().get(pk=HEAD_PK)
    return head


@contextmanager
def appending(event: Any) -> Iterator[None]:
    """Link ``event`` to the chain head under the head's lock and let the caller insert it.

    Two statements: the locked read of the head, and the insert; a database trigger
    (migration ``records.0005``) moves the head to the new row in that same insert. Inside a
    transaction already (a write view), no savepoint is needed: the lock is held to its end.
    """
    using = event._state.db or "default"
    in_transaction = connections[using].in_atomic_block
    with nullcontext() if in_transaction else transaction.atomic(using=using):
        head = _locked_head(using)
        event.ip = normalise_ip(event.ip)
        event.patient_ids = sorted({int(i) for i in (event.patient_ids or [])})
        event.sequence = head.sequence + 1
        event.prev_hash = head.hash
        event.hash = chain_hash(head.hash, content_of(event))
        yield


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    rows: int
    broken_id: int | None  # the id of the first row that does not verify
    problem: str

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.rows} rows"
        return f"audit chain broken: {self.problem}"


def verify(using: str = "default") -> AuditVerification:
    """Recompute every link in sequence order; report the first row that breaks, and why."""
    from lupuscare.web.records.models import AuditChainHead, AuditEvent

    rows = AuditEvent.objects.using(using)
    total = rows.count()
    outside = rows.filter(sequence__isnull=True).order_by("id").first()
    if outside is not None:
        return AuditVerification(False, total, outside.pk,
                                 f"row {outside.pk} is not in the chain (no sequence number): "
                                 "it was written around the audit log")
    prev, expected = GENESIS_HASH, 0
    for event in rows.order_by("sequence").iterator(chunk_size=2000):
        where = f"row {event.pk} (sequence {event.sequence})"
        if event.sequence != expected:
            return AuditVerification(False, total, event.pk,
                                     f"{where}: expected sequence {expected}; a row was deleted, "
                                     "inserted or renumbered before it")
        if event.prev_hash != prev:
            return AuditVerification(False, total, event.pk,
                                     f"{where} does not link to the row before it")
        if chain_hash(prev, content_of(event)) != event.hash:
            return AuditVerification(False, total, event.pk,
                                     f"{where} was altered after it was written")
        prev, expected = event.hash, expected + 1
    head = AuditChainHead.objects.using(using).filter(pk=HEAD_PK).first()
    if total and head is None:
        return AuditVerification(False, total, None, "the chain head is missing")
    if head is not None and (head.sequence != expected - 1 or head.hash != prev):
        return AuditVerification(False, total, None,
                                 f"the newest row is sequence {expected - 1} but the head says "
                                 f"{head.sequence}: rows were removed from the end or replaced")
    return AuditVerification(True, total, None, "")


# The head follows every insert (migration records.0005 installs these; ``HEAD_TRIGGER_DROP``
# removes them).
HEAD_TRIGGER_SQL = {
    "sqlite": [
        """CREATE TRIGGER records_auditevent_chain_head AFTER INSERT ON records_auditevent
        WHEN NEW.sequence IS NOT NULL BEGIN
            UPDATE records_auditchainhead SET sequence = NEW.sequence, hash = NEW.hash
            WHERE id = 1;
        END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION records_auditevent_chain_head() RETURNS trigger AS $$
        BEGIN
            IF NEW.sequence IS NOT NULL THEN
                UPDATE records_auditchainhead SET sequence = NEW.sequence, hash = NEW.hash
                WHERE id = 1;
            END IF;
            RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER records_auditevent_chain_head AFTER INSERT ON records_auditevent
        FOR EACH ROW EXECUTE FUNCTION records_auditevent_chain_head()""",
    ],
}
HEAD_TRIGGER_DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS records_auditevent_chain_head"],
    "postgresql": ["DROP TRIGGER IF EXISTS records_auditevent_chain_head ON records_auditevent",
                   "DROP FUNCTION IF EXISTS records_auditevent_chain_head()"],
}


def ensure_head(using: str = "default") -> None:
    """Create the chain head if it is missing (a database flushed after migrating, as a test
    run's transactional tests do), continuing from the newest row."""
    with transaction.atomic(using=using):
        _locked_head(using)
