import copy
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.celltherapy.custody import (
    GENESIS_HASH,
    CustodyEvent,
    TemperatureRange,
    append_event,
    chain_hash,
    temperature_excursions,
    verify_chain,
)
from lupuscare.celltherapy.identity import make_coi, mod37_2, validate_coi
from lupuscare.errors import InputError

COI = make_coi("NJU", 2026, 17)
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def event(i, temp=None, **changes):
    base = dict(coi_identifier=COI, item="lot:UC-26-001/bag:1", action="shipped",
                from_party="cell lab", to_party="courier", location="Nanjing",
                at=T0 + timedelta(hours=i), actor="tech Ana", temperature_c=temp)
    base.update(changes)
    return CustodyEvent(**base)


def chain_of(n):
    chain = []
    for i in range(n):
        chain = append_event(chain, event(i, temp=-160.0 + i))
    return chain


def test_hash_is_sha256_of_previous_hash_plus_canonical_json():
    chain = chain_of(2)
    import hashlib
    import json
    event = dict(chain[1]["event"])
    assert event["temperature_c"] == -159.0
    event["temperature_c"] = -159  # canonical form writes integral floats as integers
    body = json.dumps(event, sort_keys=True, separators=(",", ":"))
    assert chain[1]["hash"] == hashlib.sha256((chain[0]["hash"] + body).encode()).hexdigest()
    assert chain[0]["prev_hash"] == GENESIS_HASH
    assert chain_hash(GENESIS_HASH, chain[0]["event"]) == chain[0]["hash"]


def test_store_that_rewrites_integral_floats_still_verifies():
    import json
    chain = chain_of(3)  # temperatures -160.0, -159.0, -158.0
    as_jsonb = json.loads(json.dumps(chain).replace("-160.0", "-160"))
    assert as_jsonb[0]["event"]["temperature_c"] == -160
    assert verify_chain(as_jsonb).ok


def test_intact_chain_verifies():
    result = verify_chain(chain_of(5))
    assert result.ok and result.broken_at is None and result.length == 5


def test_edit_is_detected_at_the_edited_event():
    chain = chain_of(5)
    chain[2]["event"]["to_party"] = "someone else"
    result = verify_chain(chain)
    assert not result.ok and result.broken_at == 2 and "altered" in result.problem


def test_edit_with_rehash_of_that_record_breaks_the_next_link():
    chain = chain_of(5)
    chain[2]["event"]["temperature_c"] = -170.0
    chain[2]["hash"] = chain_hash(chain[2]["prev_hash"], chain[2]["event"])
    assert verify_chain(chain).broken_at == 3


def test_delete_is_detected():
    chain = chain_of(5)
    del chain[1]
    result = verify_chain(chain)
    assert not result.ok and result.broken_at == 1 and "deleted" in result.problem


def test_reorder_is_detected():
    chain = chain_of(5)
    chain[1], chain[2] = chain[2], chain[1]
    assert verify_chain(chain).broken_at == 1


def test_truncation_needs_the_known_head_or_length():
    chain = chain_of(5)
    head = chain[-1]["hash"]
    short = chain[:4]
    assert verify_chain(short).ok  # a prefix is a valid chain on its own
    assert verify_chain(short, expected_head=head).broken_at == 4
    assert not verify_chain(short, expected_length=5).ok
    assert verify_chain(chain, expected_head=head, expected_length=5).ok


def test_malformed_records_are_reported_not_crashing():
    chain = chain_of(2)
    broken = copy.deepcopy(chain)
    del broken[1]["hash"]
    assert verify_chain(broken).broken_at == 1
    assert verify_chain([{"event": "x", "prev_hash": GENESIS_HASH, "hash": ""}]).broken_at == 0


def test_append_refuses_broken_chain_other_coi_and_backdated_events():
    chain = chain_of(3)
    tampered = copy.deepcopy(chain)
    tampered[0]["event"]["actor"] = "x"
    with pytest.raises(InputError) as err:
        append_event(tampered, event(5))
    assert err.value.field == "chain"
    with pytest.raises(InputError) as err:
        append_event(chain, event(5, coi_identifier=make_coi("NJU", 2026, 18)))
    assert err.value.field == "coi_identifier"
    with pytest.raises(InputError) as err:
        append_event(chain, event(0))  # earlier than the last event (hour 2)
    assert err.value.field == "at"
    with pytest.raises(InputError) as err:
        append_event(chain, event(5, action="teleported"))
    assert err.value.field == "action"
    assert len(chain) == 3  # the input chain is never modified


def test_temperature_excursions_at_and_beyond_the_limits():
    allowed = TemperatureRange("LN2 vapour", -196.0, -150.0)
    chain = []
    for i, temp in enumerate([-150.0, -149.9, -196.0, -196.1, None]):
        chain = append_event(chain, event(i, temp=temp))
    found = temperature_excursions(chain, allowed)
    assert [(x.index, x.temperature_c) for x in found] == [(1, -149.9), (3, -196.1)]
    assert "above" in found[0].detail and "below" in found[1].detail


def test_coi_identifier_format_and_check_character():
    assert COI.startswith("NJU-2026-000017-")
    assert validate_coi(COI) == COI
    wrong = COI[:-1] + ("A" if COI[-1] != "A" else "B")
    with pytest.raises(InputError) as err:
        validate_coi(wrong)
    assert err.value.field == "coi_identifier"
    with pytest.raises(InputError):
        validate_coi("NJU-26-17-X")
    with pytest.raises(InputError):
        make_coi("nju", 2026, 1)


def _iso7064_holds(text: str) -> bool:
    """ISO/IEC 7064 pure system check: sum of a_i * 2^(i-1), i from the right, == 1 mod 37."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
    return sum(alphabet.index(c) * pow(2, i, 37) for i, c in enumerate(reversed(text))) % 37 == 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=20),
       st.data())
def test_mod37_2_satisfies_iso7064_and_catches_single_substitutions(body, data):
    check = mod37_2(body)
    assert _iso7064_holds(body + check)
    pos = data.draw(st.integers(0, len(body) - 1))
    new = data.draw(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ").filter(
        lambda c: c != body[pos]))
    assert mod37_2(body[:pos] + new + body[pos + 1:]) != check


FIELDS = ["item", "action", "from_party", "to_party", "location", "at", "actor",
          "temperature_c", "shipper_id", "coi_identifier", "sequence"]


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, 4), field=st.sampled_from(FIELDS), junk=st.text(min_size=1))
def test_any_single_field_edit_is_detected_at_that_record(index, field, junk):
    chain = chain_of(5)
    record = chain[index]["event"]
    if record[field] == junk:
        return
    record[field] = junk
    result = verify_chain(chain)
    assert not result.ok and result.broken_at == index
