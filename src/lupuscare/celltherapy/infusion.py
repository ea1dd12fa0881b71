"""The pre-infusion check, the infusion record, and discharge readiness.

Two different questions, two functions. ``pre_infusion_check`` answers "may we start?": it blocks
unless the bedside identity check was done by two different people (or one person with an
electronic scan) and matches the patient, the chain-of-identity identifier and the lot
(FACT-JACIE [R]; cell-therapy.md §6.2 step 9), the lot is released, the dose is within the
protocol's tolerance, endotoxin is within K (USP <85>, 5 EU/kg IV) and the thaw-to-infusion
limit holds. ``assess_infusion`` answers "what happened?": an infusion that has been given is
always recordable, and every way it departs from those rules, plus vital signs out of range and
a reaction at the stop grade, is flagged as a deviation, never refused. Vital-sign ranges, the
thaw limit and discharge criteria are protocol data: this module holds no clinical numbers of
its own for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.adverse_events import validate_ctcae_grade
from lupuscare.celltherapy.consent import ConsentStatus
from lupuscare.celltherapy.dosing import DoseAssessment, EndotoxinCheck
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


@dataclass(frozen=True)
class Block:
    """One reason an infusion must not start, with the field it concerns."""

    field: str
    reason: str


@dataclass(frozen=True)
class PreInfusionCheck:
    """The bedside check before starting: cleared only when nothing blocks."""

    blocks: tuple[Block, ...]

    @property
    def cleared(self) -> bool:
        return not self.blocks

    def require_cleared(self) -> None:
        """Raise InputError naming the first blocking field (the message lists every block)."""
        if self.blocks:
            first = self.blocks[0]
            others = "; ".join(f"{b.field}: {b.reason}" for b in self.blocks[1:])
            raise InputError(first.field, first.reason + (f" (also {others})" if others else ""))


def _thaw_problem(protocol: InfusionProtocol, start: datetime,
                  thaw_end: datetime | None) -> Block | None:
    """Thaw-to-infusion within the product's limit (inclusive); None when within."""
    if protocol.thaw_to_infusion_max_minutes is None:
        return None
    if thaw_end is None:
        return Block("thaw_end", "is required: the product has a thaw-to-infusion limit")
    thawed = _check.moment("thaw_end", thaw_end)
    if start < thawed:
        return Block("infusion_start", "is before the end of thawing")
    if start - thawed > timedelta(minutes=protocol.thaw_to_infusion_max_minutes):
        return Block("infusion_start",
                     f"{(start - thawed).total_seconds() / 60:g} min after thawing; the "
                     f"product's limit is {protocol.thaw_to_infusion_max_minutes:g} min")
    return None


def pre_infusion_check(*, protocol: InfusionProtocol, gate: GateDecision,
                       override: GateOverride | None, consent: ConsentStatus,
                       identity: IdentityCheck | None, lot_status: LotStatus,
                       dose: DoseAssessment, endotoxin: EndotoxinCheck | None,
                       planned_start: datetime,
                       thaw_end: datetime | None = None) -> PreInfusionCheck:
    """Everything that must hold before an infusion starts; each failure is a block.

    Gate clearance and valid consent; the bedside identity check (two different people or an
    electronic scan; patient, CoI identifier and lot matching the bag); a lot in a released
    state; the dose within the protocol's tolerance (``dosing.assess_delivered``); endotoxin
    within K (``dosing.endotoxin_check``; None when the product records no endotoxin result);
    the thaw-to-infusion limit at the planned start. Malformed input still raises InputError.
    """
    start = _check.moment("planned_start", planned_start)
    blocks: list[Block] = []
    for step in (lambda: require_clearance(gate, override, consent),
                 lambda: verify_identity(identity)):
        try:
            step()
        except InputError as exc:
            blocks.append(Block(exc.field, exc.message))
    if lot_status not in RELEASE_STATES:
        blocks.append(Block("lot_status", f"lot is {lot_status.value}; only a released lot "
                                          "may be infused"))
    if not dose.as_planned:
        blocks.append(Block("delivered_cells", "; ".join(dose.reasons)))
    if endotoxin is not None and not endotoxin.within:
        blocks.append(Block("endotoxin", "; ".join(endotoxin.reasons)))
    thaw = _thaw_problem(protocol, start, thaw_end)
    if thaw is not None:
        blocks.append(thaw)
    return PreInfusionCheck(tuple(blocks))


class DeviationCode(StrEnum):
    """What an infusion record can deviate in (stable codes, stored with the record)."""

    NO_CLEARED_CHECK = "no_cleared_pre_infusion_check"
    NOT_CLEARED = "gate_or_consent"
    IDENTITY = "identity"
    LOT_NOT_RELEASED = "lot_not_released"
    DOSE = "dose_outside_tolerance"
    ENDOTOXIN = "endotoxin_over_limit"
    ENDOTOXIN_NOT_JUDGED = "endotoxin_not_judged"
    THAW = "thaw_to_infusion"
    VITAL_SIGN = "vital_sign_out_of_range"
    REACTION = "infusion_reaction"
    CUSTODY = "custody_not_chained"  # set by the shell: its custody chain refused the event


@dataclass(frozen=True)
class Deviation:
    code: DeviationCode
    detail: str


@dataclass(frozen=True)
class InfusionRecord:
    """What happened, judged: every deviation flagged, nothing refused."""

    deviations: tuple[Deviation, ...]
    vital_flags: tuple[str, ...]
    worst_reaction_grade: int

    @property
    def ok(self) -> bool:
        return not self.deviations

    @property
    def problems(self) -> tuple[str, ...]:
        """Deviations other than vital signs (which ``vital_flags`` lists)."""
        return tuple(d.detail for d in self.deviations if d.code is not DeviationCode.VITAL_SIGN)


def assess_infusion(*, protocol: InfusionProtocol, pre_check: PreInfusionCheck | None,
                    gate: GateDecision, override: GateOverride | None, consent: ConsentStatus,
                    identity: IdentityCheck | None, lot_status: LotStatus,
                    dose: DoseAssessment, endotoxin: EndotoxinCheck | None,
                    endotoxin_expected: bool, started_at: datetime, ended_at: datetime,
                    thaw_end: datetime | None = None, vitals: Sequence[VitalSigns] = (),
                    reactions: Sequence[Reaction] = ()) -> InfusionRecord:
    """Judge an infusion that has happened. It is recorded whatever it shows: each rule the
    pre-infusion check enforces becomes a deviation here, and so do vital signs outside the
    protocol's ranges and a reaction at or above the stop grade. Only malformed input (a time
    without a zone, an end before the start, a grade outside CTCAE) raises InputError.

    ``endotoxin_expected``: the lot has an endotoxin result, so ``endotoxin`` None means it could
    not be judged (no infused volume), which is a deviation too.
    """
    start = _check.moment("started_at", started_at)
    end = _check.moment("ended_at", ended_at)
    if end < start:
        raise InputError("ended_at", "is before the start of the infusion")
    found: list[Deviation] = []
    if pre_check is None or not pre_check.cleared:
        found.append(Deviation(DeviationCode.NO_CLEARED_CHECK,
                               "started without a cleared pre-infusion check"))
    for code, step in ((DeviationCode.NOT_CLEARED,
                        lambda: require_clearance(gate, override, consent)),
                       (DeviationCode.IDENTITY, lambda: verify_identity(identity))):
        try:
            step()
        except InputError as exc:
            found.append(Deviation(code, f"{exc.field}: {exc.message}"))
    if lot_status not in RELEASE_STATES:
        found.append(Deviation(DeviationCode.LOT_NOT_RELEASED,
                               f"lot was {lot_status.value}, not released, when infused"))
    if not dose.as_planned:
        found.append(Deviation(DeviationCode.DOSE, "; ".join(dose.reasons)))
    if endotoxin is not None and not endotoxin.within:
        found.append(Deviation(DeviationCode.ENDOTOXIN, "; ".join(endotoxin.reasons)))
    if endotoxin is None and endotoxin_expected:
        found.append(Deviation(DeviationCode.ENDOTOXIN_NOT_JUDGED,
                               "endotoxin per kg not judged: the infused volume is not recorded"))
    thaw = _thaw_problem(protocol, start, thaw_end)
    if thaw is not None:
        found.append(Deviation(DeviationCode.THAW, f"{thaw.field}: {thaw.reason}"))
    flags = _vital_flags(protocol, vitals)
    found += [Deviation(DeviationCode.VITAL_SIGN, f) for f in flags]
    worst = 0
    for i, reaction in enumerate(reactions):
        _check.moment(f"reactions[{i}].at", reaction.at)
        grade = validate_ctcae_grade(reaction.ctcae_grade, f"reactions[{i}].ctcae_grade")
        worst = max(worst, grade)
    if worst >= protocol.stop_reaction_grade:
        found.append(Deviation(DeviationCode.REACTION,
                               f"infusion reaction grade {worst}: stop the infusion and report"))
    return InfusionRecord(tuple(found), tuple(flags), worst)


def _vital_flags(protocol: InfusionProtocol, vitals: Sequence[VitalSigns]) -> list[str]:
    """Readings outside the protocol's inclusive ranges."""
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
    return flags


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
