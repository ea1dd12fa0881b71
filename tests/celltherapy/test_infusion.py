from datetime import UTC, datetime, timedelta

import pytest

from lupuscare.celltherapy.consent import ConsentStatus
from lupuscare.celltherapy.identity import make_coi
from lupuscare.celltherapy.infusion import (
    DischargeCriteria,
    IdentityCheck,
    InfusionProtocol,
    Reaction,
    VitalSigns,
    check_infusion,
    discharge_readiness,
)
from lupuscare.celltherapy.lot import LotStatus
from lupuscare.celltherapy.regulatory import GateDecision, Route, override_gate
from lupuscare.errors import InputError

COI = make_coi("ERL", 2026, 3)
T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
PROTOCOL = InfusionProtocol(thaw_to_infusion_max_minutes=30,
                            vital_ranges={"systolic_mmhg": (90, 180), "spo2_pct": (92, None)})


def identity(**changes):
    base = dict(first_verifier="RN Kim", second_verifier="RN Lee",
                patient_identity_confirmed=True, patient_on_bag="MRN 0042",
                patient_expected="MRN 0042", coi_on_bag=COI, coi_expected=COI,
                lot_on_bag="CAR-001", lot_expected="CAR-001")
    base.update(changes)
    return IdentityCheck(**base)


ALLOWED = GateDecision(True, Route.INVESTIGATIONAL_TRIAL, ())
BLOCKED = GateDecision(False, None, ("no ethics committee / IRB approval is recorded",))
CONSENTED = ConsentStatus(True, False, False, ())


def run(**changes):
    base = dict(protocol=PROTOCOL, gate=ALLOWED, override=None, consent=CONSENTED,
                identity=identity(), lot_status=LotStatus.RELEASED,
                infusion_start=T0, thaw_end=T0 - timedelta(minutes=20))
    base.update(changes)
    return check_infusion(**base)


def test_clean_infusion_passes():
    result = run()
    assert result.ok and result.worst_reaction_grade == 0


def test_infusion_without_identity_check_is_refused():
    with pytest.raises(InputError) as err:
        run(identity=None)
    assert err.value.field == "identity_check"


@pytest.mark.parametrize("changes,field", [
    (dict(second_verifier=""), "identity_check.second_verifier"),
    (dict(second_verifier="rn kim"), "identity_check.second_verifier"),
    (dict(patient_identity_confirmed=False), "identity_check.patient_identity_confirmed"),
    (dict(patient_on_bag="MRN 0043"), "identity_check.patient_on_bag"),
    (dict(coi_on_bag=make_coi("ERL", 2026, 4)), "identity_check.coi_on_bag"),
    (dict(lot_on_bag="CAR-002"), "identity_check.lot_on_bag"),
])
def test_identity_check_failures(changes, field):
    with pytest.raises(InputError) as err:
        run(identity=identity(**changes))
    assert err.value.field == field


def test_electronic_scan_replaces_the_second_person():
    assert run(identity=identity(second_verifier="", electronic_scan=True)).ok


@pytest.mark.parametrize("status", [LotStatus.QUARANTINE, LotStatus.IN_TESTING,
                                    LotStatus.REJECTED, LotStatus.DESTROYED])
def test_unreleased_lot_refused(status):
    with pytest.raises(InputError) as err:
        run(lot_status=status)
    assert err.value.field == "lot_status"


def test_thaw_limit_edges():
    assert run(thaw_end=T0 - timedelta(minutes=30)).ok
    with pytest.raises(InputError) as err:
        run(thaw_end=T0 - timedelta(minutes=30, seconds=1))
    assert err.value.field == "infusion_start" and "limit is 30 min" in str(err.value)
    with pytest.raises(InputError):
        run(thaw_end=None)
    with pytest.raises(InputError):
        run(thaw_end=T0 + timedelta(minutes=1))


def test_vitals_flagged_outside_inclusive_ranges():
    vitals = [VitalSigns(T0, {"systolic_mmhg": 90, "spo2_pct": 92}),
              VitalSigns(T0 + timedelta(minutes=15), {"systolic_mmhg": 89, "spo2_pct": 91})]
    result = run(vitals=vitals)
    assert not result.ok and len(result.vital_flags) == 2
    assert "systolic_mmhg 89" in result.vital_flags[0]


def test_reactions_graded_and_stop_flagged():
    assert run(reactions=[Reaction(T0, "infusion related reaction", 2)]).ok
    result = run(reactions=[Reaction(T0, "infusion related reaction", 3)])
    assert not result.ok and result.worst_reaction_grade == 3
    with pytest.raises(InputError) as err:
        run(reactions=[Reaction(T0, "x", 6)])
    assert err.value.field == "reactions[0].ctcae_grade"


def test_discharge_readiness():
    criteria = DischargeCriteria("d1", ("afebrile 24 h", "caregiver present"), 24)
    end = T0
    ready = discharge_readiness(criteria, {"afebrile 24 h": True, "caregiver present": True},
                                infusion_end=end, now=end + timedelta(hours=24), car_t=True)
    assert ready.ready and ready.stay_near_centre_until == end + timedelta(days=14)
    early = discharge_readiness(criteria, {"afebrile 24 h": True, "caregiver present": False},
                                infusion_end=end, now=end + timedelta(hours=23))
    assert not early.ready and early.unmet[0] == "caregiver present"
    assert "23 h 00 min of the required 24 h" in early.unmet[1]
    # One minute short is not met, and must not read as if it were ("24.0 h of 24 h").
    short = discharge_readiness(criteria, {"afebrile 24 h": True, "caregiver present": True},
                                infusion_end=end, now=end + timedelta(hours=23, minutes=59))
    assert not short.ready and short.unmet == ("observed 23 h 59 min of the required 24 h",)
    with pytest.raises(InputError):
        discharge_readiness(criteria, {"unknown": True}, infusion_end=end,
                            now=end + timedelta(hours=30))


def test_blocked_gate_withdrawn_consent_refuse_the_infusion():
    with pytest.raises(InputError) as err:
        run(gate=BLOCKED)
    assert err.value.field == "gate" and "IRB" in str(err.value)
    override = override_gate(BLOCKED, physician="Dr A", reason="r", second_signer="Dr B",
                             signed_at=T0)
    assert run(gate=BLOCKED, override=override).ok
    other = GateDecision(False, None, ("another reason",))
    with pytest.raises(InputError) as err:
        run(gate=other, override=override)
    assert err.value.field == "override"
    withdrawn = ConsentStatus(False, False, True, ("consent was withdrawn on 2026-04-30",))
    with pytest.raises(InputError) as err:
        run(consent=withdrawn)
    assert err.value.field == "consent" and "withdrawn" in str(err.value)
