"""Chain of custody: append-only, hash-chained events, with tamper detection.

Each record holds the event (canonical JSON: sorted keys, no spaces, UTF-8), the previous
record's hash and its own hash = SHA-256(previous hash + canonical JSON of the event). The event
carries its sequence number, so an edit, a deletion or a reordering breaks the chain at a
definite record, which ``verify_chain`` names. Deleting the newest records leaves a valid shorter
chain: pass the last known head hash or length (kept elsewhere, e.g. in the lot record) to catch
that. Temperature readings are flagged against the product's storage range.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.identity import validate_coi
from lupuscare.errors import InputError

GENESIS_HASH = "0" * 64
ACTIONS = frozenset({
    "collected", "labelled", "packed", "shipped", "received", "stored", "retrieved",
    "thawed", "dispensed", "bedside_received", "infused", "returned", "destroyed",
})


@dataclass(frozen=True)
class CustodyEvent:
    """Who handed what to whom, where, when, and at what temperature."""

    coi_identifier: str
    item: str  # e.g. "lot:UC-24-017/bag:2"
    action: str
    from_party: str
    to_party: str
    location: str
    at: datetime
    actor: str
    temperature_c: float | None = None
    shipper_id: str = ""

    def to_canonical(self, sequence: int) -> dict[str, Any]:
        validate_coi(self.coi_identifier)
        for name in ("item", "from_party", "to_party", "location", "actor"):
            _check.text(name, getattr(self, name))
        if self.action not in ACTIONS:
            raise InputError("action", f"must be one of {sorted(ACTIONS)}")
        at = _check.moment("at", self.at)
        temp = None if self.temperature_c is None else _check.number(
            "temperature_c", self.temperature_c, minimum=-273.15)
        return {"sequence": sequence, "coi_identifier": self.coi_identifier, "item": self.item,
                "action": self.action, "from_party": self.from_party, "to_party": self.to_party,
                "location": self.location, "at": at.isoformat(), "actor": self.actor,
                "temperature_c": temp, "shipper_id": self.shipper_id}


def _normalise(value: Any) -> Any:
    """Integral floats become ints, so a store that rewrites -160.0 as -160 (PostgreSQL JSONB
    numerics do) still verifies."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def canonical_json(event: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8, integral floats as ints, NaN refused."""
    return json.dumps(_normalise(event), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


def chain_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


def append_event(chain: Sequence[Mapping[str, Any]], event: CustodyEvent) -> list[dict[str, Any]]:
    """Return a new chain with ``event`` appended. The existing chain must verify first, and
    the event must not predate the last one or change the chain's CoI identifier."""
    check = verify_chain(chain)
    if not check.ok:
        raise InputError("chain", f"refusing to append to a broken chain: {check.problem}")
    body = event.to_canonical(len(chain))
    if chain:
        last = chain[-1]["event"]
        if body["coi_identifier"] != last["coi_identifier"]:
            raise InputError("coi_identifier", "differs from the chain's chain-of-identity "
                                               f"identifier {last['coi_identifier']}")
        if datetime.fromisoformat(body["at"]) < datetime.fromisoformat(last["at"]):
            raise InputError("at", f"is before the previous custody event ({last['at']})")
    prev = chain[-1]["hash"] if chain else GENESIS_HASH
    record = {"event": body, "prev_hash": prev, "hash": chain_hash(prev, body)}
    return [copy.deepcopy(dict(r)) for r in chain] + [record]


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    broken_at: int | None  # index of the first record that does not verify
    problem: str
    length: int


def verify_chain(chain: Sequence[Mapping[str, Any]], *, expected_head: str | None = None,
                 expected_length: int | None = None) -> ChainVerification:
    """Recompute every link; report the first record that breaks and why."""
    prev = GENESIS_HASH
    for i, record in enumerate(chain):
        try:
            event, stored_prev, stored_hash = record["event"], record["prev_hash"], record["hash"]
        except (KeyError, TypeError):
            return ChainVerification(False, i, f"record {i} is malformed", len(chain))
        if not isinstance(event, Mapping):
            return ChainVerification(False, i, f"record {i} has no event object", len(chain))
        if event.get("sequence") != i:
            return ChainVerification(
                False, i, f"record {i} carries sequence {event.get('sequence')!r}: a record was "
                          "deleted, inserted or moved", len(chain))
        if stored_prev != prev:
            return ChainVerification(False, i, f"record {i} does not link to record {i - 1}",
                                     len(chain))
        try:
            recomputed = chain_hash(prev, event)
        except (TypeError, ValueError):
            return ChainVerification(False, i, f"record {i} is not canonical JSON", len(chain))
        if recomputed != stored_hash:
            return ChainVerification(False, i, f"record {i} was altered after it was written",
                                     len(chain))
        prev = stored_hash
    if expected_length is not None and len(chain) != expected_length:
        return ChainVerification(False, min(len(chain), expected_length),
                                 f"chain has {len(chain)} records, expected {expected_length}",
                                 len(chain))
    if expected_head is not None and prev != expected_head:
        return ChainVerification(False, len(chain),
                                 "the newest record is not the expected head: records were "
                                 "removed from the end or replaced", len(chain))
    return ChainVerification(True, None, "", len(chain))


@dataclass(frozen=True)
class TemperatureRange:
    """A storage or transport range in °C, both ends allowed (set per product and step)."""

    label: str
    min_c: float
    max_c: float

    def __post_init__(self) -> None:
        _check.number("min_c", self.min_c)
        _check.number("max_c", self.max_c)
        if self.min_c > self.max_c:
            raise InputError("min_c", "is above max_c")


@dataclass(frozen=True)
class Excursion:
    index: int
    temperature_c: float
    detail: str


def temperature_excursions(chain: Sequence[Mapping[str, Any]],
                           allowed: TemperatureRange) -> list[Excursion]:
    """Every reading outside ``allowed`` (readings exactly at a limit are inside)."""
    found = []
    for i, record in enumerate(chain):
        temp = record["event"].get("temperature_c")
        if temp is None:
            continue
        if temp < allowed.min_c:
            found.append(Excursion(i, temp, f"{temp:g} °C below {allowed.label} minimum "
                                            f"{allowed.min_c:g} °C"))
        elif temp > allowed.max_c:
            found.append(Excursion(i, temp, f"{temp:g} °C above {allowed.label} maximum "
                                            f"{allowed.max_c:g} °C"))
    return found
