"""Bedside checks for an infusion, and discharge readiness.

Nothing is infused without a bedside identity check by two different people (or one person with
an electronic scan), matching the patient, the chain-of-identity identifier and the lot
(FACT-JACIE [R]; cell-therapy.md §6.2 step 9), from a lot in a released state, within the
product's thaw-to-infusion limit. Vital-sign ranges, the thaw limit and discharge criteria are
protocol data: this module holds no clinical numbers of its own for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.adverse_events import validate_ctcae_grade
from lupuscare.celltherapy.consent import ConsentStatus
from lupuscare.celltherapy.identity import validate_coi
from lupuscare.celltherapy.lot import RELEASE_STATES, LotStatus
from lupuscare.celltherapy.regulatory import GateDecision, GateOverride
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError

CAR_T_PROXIMITY_DAYS = 14
CAR_T_PROXIMITY_SOURCE = Source(
    "FDA safety communication, 26 June 2025 (REMS removal): monitor for at least 2 weeks and stay "
    "near the treatment centre (cell-therapy.md §6.2 step 10)", Certainty.VERIFIED)
INFUSION_REACTION_SOURCE = Source("CTCAE v5.0 'Infusion related reaction' grades 1-5 "
                                  "(cell-therapy.md §4.1)", Certainty.VERIFIED)


@dataclass(frozen=True)
class IdentityCheck:
    """The bedside check: patient, CoI identifier and lot on the bag against the order."""

    first_verifier: str
    patient_identity_confirmed: bool
    patient_on_bag: str
    patient_expected: str
    coi_on_bag: str
    coi_expected: str
    lot_on_bag: str
    lot_expected: str
    second_verifier: str = ""
    electronic_scan: bool = False


def verify_identity(check: IdentityCheck | None) -> None:
    """Raise InputError naming the field unless the identity check is complete and matching."""
    if check is None:
        raise InputError("identity_check", "no bedside identity check is recorded")
    first = _check.text("identity_check.first_verifier", check.first_verifier)
    if not check.electronic_scan:
        second = check.second_verifier.strip()
        if not second:
            raise InputError("identity_check.second_verifier",
                             "a second person must verify identity (or record an electronic scan)")
        if second.casefold() == first.casefold():
            raise InputError("identity_check.second_verifier",
                             "must be a different person from the first verifier")
    if check.patient_identity_confirmed is not True:
        raise InputError("identity_check.patient_identity_confirmed",
                         "the patient's identity was not confirmed")
    expected_patient = _check.text("identity_check.patient_expected", check.patient_expected)
    if check.patient_on_bag.strip() != expected_patient:
        raise InputError("identity_check.patient_on_bag",
                         f"{check.patient_on_bag!r} does not match the order's patient "
                         f"{expected_patient}")
    validate_coi(check.coi_expected)
    if check.coi_on_bag.strip() != check.coi_expected:
        raise InputError("identity_check.coi_on_bag",
                         f"{check.coi_on_bag!r} does not match the order's {check.coi_expected}")
    if check.lot_on_bag.strip() != check.lot_expected.strip():
        raise InputError("identity_check.lot_on_bag",
                         f"{check.lot_on_bag!r} does not match the order's {check.lot_expected}")


@dataclass(frozen=True)
class VitalSigns:
    at: datetime
    values: Mapping[str, float]  # e.g. {"temperature_c": 37.1, "systolic_mmhg": 118, ...}


@dataclass(frozen=True)
class InfusionProtocol:
    """Per-product, per-protocol limits. Ranges are inclusive: (low, high), None = open."""

    thaw_to_infusion_max_minutes: float | None
    vital_ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    stop_reaction_grade: int = 3  # a reaction at or above this grade is flagged "stop"


@dataclass(frozen=True)
class Reaction:
    at: datetime
    term: str
    ctcae_grade: int


@dataclass(frozen=True)
class InfusionCheck:
    ok: bool
    problems: tuple[str, ...]
    vital_flags: tuple[str, ...]
    worst_reaction_grade: int


def require_clearance(gate: GateDecision, override: GateOverride | None,
                      consent: ConsentStatus) -> None:
    """The programme gate passed (or this very decision was overridden) and consent is valid."""
    if not gate.allowed:
        if override is None:
            raise InputError("gate", "the order is blocked: " + "; ".join(gate.reasons))
        if override.decision != gate:
            raise InputError("override", "does not belong to this gate decision")
    if not consent.valid:
        raise InputError("consent", "; ".join(consent.reasons))


def check_infusion(*, protocol: InfusionProtocol, gate: GateDecision,
                   override: GateOverride | None, consent: ConsentStatus,
                   identity: IdentityCheck | None, lot_status: LotStatus,
                   infusion_start: datetime, thaw_end: datetime | None = None,
                   vitals: Sequence[VitalSigns] = (),
                   reactions: Sequence[Reaction] = ()) -> InfusionCheck:
    """Refuse (InputError) an infusion that must not start; flag vitals and reactions."""
    require_clearance(gate, override, consent)
    verify_identity(identity)
    if lot_status not in RELEASE_STATES:
        raise InputError("lot_status", f"lot is {lot_status.value}; only a released lot "
                                       "may be infused")
    start = _check.moment("infusion_start", infusion_start)
    problems: list[str] = []
    if protocol.thaw_to_infusion_max_minutes is not None:
        thawed = _check.moment("thaw_end", thaw_end)
        if start < thawed:
            raise InputError("infusion_start", "is before the end of thawing")
        limit = timedelta(minutes=protocol.thaw_to_infusion_max_minutes)
        if start - thawed > limit:
            raise InputError("infusion_start",
                             f"{(start - thawed).total_seconds() / 60:g} min after thawing; the "
                             f"product's limit is {protocol.thaw_to_infusion_max_minutes:g} min")
    flags: list[str] = []
    for i, reading in enumerate(vitals):
        _check.moment(f"vitals[{i}].at", reading.at)
        for name, value in reading.values.items():
            value = _check.number(f"vitals[{i}].{name}", value)
            if name not in protocol.vital_ranges:
                continue
            low, high = protocol.vital_ranges[name]
            if (low is not None and value < low) or (high is not None and value > high):
                flags.append(f"{reading.at.isoformat()} {name} {value:g} outside "
                             f"[{'' if low is None else f'{low:g}'}, "
                             f"{'' if high is None else f'{high:g}'}]")
    worst = 0
    for i, reaction in enumerate(reactions):
        grade = validate_ctcae_grade(reaction.ctcae_grade, f"reactions[{i}].ctcae_grade")
        worst = max(worst, grade)
    if worst >= protocol.stop_reaction_grade:
        problems.append(f"infusion reaction grade {worst}: stop the infusion and report")
    return InfusionCheck(not problems and not flags, tuple(problems), tuple(flags), worst)


@dataclass(frozen=True)
class DischargeCriteria:
    """A protocol's discharge checklist and minimum observation after the infusion ends."""

    version: str
    items: tuple[str, ...]
    min_observation_hours: float = 0.0


@dataclass(frozen=True)
class DischargeDecision:
    ready: bool
    unmet: tuple[str, ...]
    stay_near_centre_until: datetime | None


def discharge_readiness(criteria: DischargeCriteria, met: Mapping[str, bool], *,
                        infusion_end: datetime, now: datetime,
                        car_t: bool = False) -> DischargeDecision:
    """Every checklist item met and the observation time passed; CAR-T adds a proximity date."""
    end = _check.moment("infusion_end", infusion_end)
    now = _check.moment("now", now)
    if now < end:
        raise InputError("now", "is before the end of the infusion")
    unmet = [item for item in criteria.items if met.get(item) is not True]
    unknown = set(met) - set(criteria.items)
    if unknown:
        raise InputError("met", f"items not in checklist {criteria.version}: {sorted(unknown)}")
    observed = (now - end).total_seconds() / 3600
    if observed < criteria.min_observation_hours:
        # Whole minutes, rounded down: "2.0 h" for 1 h 59 min would read as met when it is not.
        minutes = int((now - end).total_seconds() // 60)
        unmet.append(f"observed {minutes // 60} h {minutes % 60:02d} min of the required "
                     f"{criteria.min_observation_hours:g} h")
    proximity = end + timedelta(days=CAR_T_PROXIMITY_DAYS) if car_t else None
    return DischargeDecision(not unmet, tuple(unmet), proximity)
