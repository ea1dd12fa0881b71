from datetime import UTC, datetime, timedelta

import pytest

from lupuscare.celltherapy.consent import ConsentStatus
from lupuscare.celltherapy.dosing import (
    DoseBasis,
    DoseRule,
    assess_delivered,
    endotoxin_check,
    plan_dose,
)
from lupuscare.celltherapy.identity import make_coi
from lupuscare.celltherapy.infusion import (
    DeviationCode,
    DischargeCriteria,
    IdentityCheck,
    InfusionProtocol,
    Reaction,
    VitalSigns,
    assess_infusion,
    discharge_readiness,
    pre_infusion_check,
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


PLAN = plan_dose(DoseRule(DoseBasis.PER_KG, 1e6, tolerance_pct=10.0), weight_kg=70.0)
AS_PLANNED = assess_delivered(PLAN, 70e6)


def endotoxin(eu_per_ml: float, volume_ml: float = 70.0, minutes: float = 30):
    """70 mL to a 70 kg patient: EU/kg equals the EU/mL of the product."""
    return endotoxin_check(eu_per_ml=eu_per_ml, volume_ml=volume_ml, weight_kg=70.0,
                           infusion_minutes=minutes)


def check(**changes):
    base = dict(protocol=PROTOCOL, gate=ALLOWED, override=None, consent=CONSENTED,
                identity=identity(), lot_status=LotStatus.RELEASED, dose=AS_PLANNED,
                endotoxin=endotoxin(0.5), planned_start=T0, thaw_end=T0 - timedelta(minutes=20))
    base.update(changes)
    return pre_infusion_check(**base)


def run(**changes):
    """The pre-infusion check, raising at its first block (as the shell does before starting)."""
    result = check(**changes)
    result.require_cleared()
    return result


def record(**changes):
    base = dict(protocol=PROTOCOL, pre_check=check(), gate=ALLOWED, override=None,
                consent=CONSENTED, identity=identity(), lot_status=LotStatus.RELEASED,
                dose=AS_PLANNED, endotoxin=endotoxin(0.5), endotoxin_expected=True,
                started_at=T0, ended_at=T0 + timedelta(minutes=30),
                thaw_end=T0 - timedelta(minutes=20))
    base.update(changes)
    return assess_infusion(**base)


def test_clean_infusion_passes():
    assert run().cleared
    result = record()
    assert result.ok and result.worst_reaction_grade == 0 and result.deviations == ()


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
    assert run(identity=identity(second_verifier="", electronic_scan=True)).cleared


@pytest.mark.parametrize("status", [LotStatus.QUARANTINE, LotStatus.IN_TESTING,
                                    LotStatus.REJECTED, LotStatus.DESTROYED])
def test_unreleased_lot_refused(status):
    with pytest.raises(InputError) as err:
        run(lot_status=status)
    assert err.value.field == "lot_status"


def test_thaw_limit_edges():
    assert run(thaw_end=T0 - timedelta(minutes=30)).cleared
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
    result = record(vitals=vitals)
    assert not result.ok and len(result.vital_flags) == 2
    assert "systolic_mmhg 89" in result.vital_flags[0]
    assert [d.code for d in result.deviations] == [DeviationCode.VITAL_SIGN] * 2


def test_reactions_graded_and_stop_flagged():
    assert record(reactions=[Reaction(T0, "infusion related reaction", 2)]).ok
    result = record(reactions=[Reaction(T0, "infusion related reaction", 3)])
    assert not result.ok and result.worst_reaction_grade == 3
    assert result.problems == ("infusion reaction grade 3: stop the infusion and report",)
    with pytest.raises(InputError) as err:
        record(reactions=[Reaction(T0, "x", 6)])
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
    assert run(gate=BLOCKED, override=override).cleared
    other = GateDecision(False, None, ("another reason",))
    with pytest.raises(InputError) as err:
        run(gate=other, override=override)
    assert err.value.field == "override"
    withdrawn = ConsentStatus(False, False, True, ("consent was withdrawn on 2026-04-30",))
    with pytest.raises(InputError) as err:
        run(consent=withdrawn)
    assert err.value.field == "consent" and "withdrawn" in str(err.value)


# --- the pre-infusion check at its boundaries: dose tolerance and endotoxin K ---

@pytest.mark.parametrize("cells", [70e6 * 1.1, 70e6 * 0.9])
def test_a_dose_at_the_tolerance_edge_does_not_block(cells):
    assert run(dose=assess_delivered(PLAN, cells)).cleared


@pytest.mark.parametrize("cells", [70e6 * 1.1001, 70e6 * 0.8999])
def test_a_dose_just_beyond_the_tolerance_blocks(cells):
    with pytest.raises(InputError) as err:
        run(dose=assess_delivered(PLAN, cells))
    assert err.value.field == "delivered_cells" and "tolerance ±10%" in str(err.value)


def test_endotoxin_exactly_5_eu_per_kg_does_not_block_and_just_above_does():
    at_k = endotoxin(5.0)
    assert at_k.eu_per_kg == 5.0 and run(endotoxin=at_k).cleared
    above = endotoxin(5.001)
    with pytest.raises(InputError) as err:
        run(endotoxin=above)
    assert err.value.field == "endotoxin" and "exceeds 5 EU/kg" in str(err.value)


def test_every_block_is_listed_not_only_the_first():
    result = check(lot_status=LotStatus.QUARANTINE, dose=assess_delivered(PLAN, 90e6),
                   endotoxin=endotoxin(6.0), identity=identity(second_verifier=""))
    assert [b.field for b in result.blocks] == [
        "identity_check.second_verifier", "lot_status", "delivered_cells", "endotoxin"]
    with pytest.raises(InputError) as err:
        result.require_cleared()
    assert err.value.field == "identity_check.second_verifier"
    assert "also lot_status" in str(err.value)


# --- the infusion record: what happened is always recorded, each deviation flagged ---

def test_a_record_that_deviates_everywhere_is_still_recorded_with_every_flag():
    result = record(
        pre_check=None, gate=BLOCKED, identity=identity(second_verifier="", lot_on_bag="X"),
        lot_status=LotStatus.IN_TESTING, dose=assess_delivered(PLAN, 70e6 * 1.2),
        endotoxin=endotoxin(5.5), thaw_end=T0 - timedelta(minutes=45),
        vitals=[VitalSigns(T0, {"systolic_mmhg": 85})],
        reactions=[Reaction(T0, "infusion related reaction", 3)])
    assert not result.ok
    assert [d.code for d in result.deviations] == [
        DeviationCode.NO_CLEARED_CHECK, DeviationCode.NOT_CLEARED, DeviationCode.IDENTITY,
        DeviationCode.LOT_NOT_RELEASED, DeviationCode.DOSE, DeviationCode.ENDOTOXIN,
        DeviationCode.THAW, DeviationCode.VITAL_SIGN, DeviationCode.REACTION]
    assert "+20.00% from the target" in result.deviations[4].detail
    assert "45 min after thawing" in result.deviations[6].detail


@pytest.mark.parametrize(("cells", "deviates"), [(70e6 * 1.1, False), (70e6 * 1.1001, True)])
def test_the_record_flags_the_dose_at_the_same_edge_the_check_blocks(cells, deviates):
    result = record(dose=assess_delivered(PLAN, cells))
    assert (DeviationCode.DOSE in {d.code for d in result.deviations}) is deviates


@pytest.mark.parametrize(("eu_per_ml", "deviates"), [(5.0, False), (5.001, True)])
def test_the_record_flags_endotoxin_above_k(eu_per_ml, deviates):
    result = record(endotoxin=endotoxin(eu_per_ml))
    assert (DeviationCode.ENDOTOXIN in {d.code for d in result.deviations}) is deviates


def test_endotoxin_that_could_not_be_judged_is_a_deviation_not_a_refusal():
    result = record(endotoxin=None, endotoxin_expected=True)
    assert [d.code for d in result.deviations] == [DeviationCode.ENDOTOXIN_NOT_JUDGED]
    assert record(endotoxin=None, endotoxin_expected=False).ok


def test_the_record_refuses_only_malformed_input():
    with pytest.raises(InputError) as err:
        record(ended_at=T0 - timedelta(minutes=1))
    assert err.value.field == "ended_at"
    with pytest.raises(InputError) as err:
        record(started_at=datetime(2026, 5, 1, 10, 0))
    assert err.value.field == "started_at"
