"""Cell dose and endotoxin per dose.

A dose is cells per kg, a flat total, or per m² of body surface area (Mosteller). A delivered
dose outside the protocol's tolerance, or outside its minimum/maximum total, is not "as planned"
and ``require_as_planned`` refuses it with the reason (cell-therapy.md §1.2 dose tolerance [R]:
the tolerance is a protocol parameter). Endotoxin delivered per kg, and per kg per hour, is
checked against the pharmacopoeial K (USP <85>).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.sources import PROJECT_DEFAULT, Certainty, Source
from lupuscare.errors import InputError

MOSTELLER_SOURCE = Source(
    "Mosteller RD. Simplified calculation of body-surface area. N Engl J Med "
    "1987;317(17):1098: BSA (m²) = sqrt(height cm x weight kg / 3600); formula checked "
    "against a secondary copy (GlobalRPh BSA reference list), not the letter itself",
    Certainty.SECONDARY, "http://globalrph.com/bsa2.htm",
)
ENDOTOXIN_SOURCE = Source(
    "USP <85> Bacterial Endotoxins Test: limit K/M, K = 5 EU/kg for any parenteral route except "
    "intrathecal (0.2 EU/kg); M = maximum dose per kg (per kg per hour for continuous infusion); "
    "Ph. Eur. 5.1.10 IV K = 5.0 IU/kg (cell-therapy.md §1.2)",
    Certainty.VERIFIED,
    "https://www.drugfuture.com/Pharmacopoeia/USP35/data/v35300/usp35nf30s0_ec85.html",
)
ENDOTOXIN_K_EU_PER_KG = {"intravenous": 5.0, "intra_arterial": 5.0, "subcutaneous": 5.0,
                         "intrathecal": 0.2}
DEFAULT_TOLERANCE_PCT = 10.0  # example in the ±10-20% range (§1.2 [R]); set per protocol
TOLERANCE_SOURCE = Source("cell-therapy.md §1.2: protocols state an allowed deviation, "
                          "e.g. ±10-20%; lupuscare default 10%, set per protocol",
                          Certainty.RECALLED)
# Float guard: 77e6 / 70e6 - 1 is not exactly 0.1 in binary; compare percentages to 1e-9 points.
_EPS_PCT = 1e-9


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m² by Mosteller's formula."""
    height_cm = _check.number("height_cm", height_cm, minimum=30, maximum=260)
    weight_kg = _check.number("weight_kg", weight_kg, minimum=1, maximum=400)
    return math.sqrt(height_cm * weight_kg / 3600.0)


class DoseBasis(StrEnum):
    PER_KG = "per_kg"
    FLAT = "flat"
    PER_M2 = "per_m2"


@dataclass(frozen=True)
class DoseRule:
    """A protocol's dose: ``target`` cells per kg, per m², or flat; tolerance in percent."""

    basis: DoseBasis
    target: float
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT
    min_total: float | None = None
    max_total: float | None = None
    unit: str = "cells"
    source: Source = PROJECT_DEFAULT

    def __post_init__(self) -> None:
        if not isinstance(self.basis, DoseBasis):
            raise InputError("dose_rule.basis", f"must be one of {[b.value for b in DoseBasis]}")
        _check.number("dose_rule.target", self.target, positive=True)
        _check.number("dose_rule.tolerance_pct", self.tolerance_pct, minimum=0, maximum=100)


@dataclass(frozen=True)
class DosePlan:
    rule: DoseRule
    target_total: float
    weight_kg: float | None
    bsa_m2: float | None


def plan_dose(rule: DoseRule, *, weight_kg: float | None = None,
              height_cm: float | None = None) -> DosePlan:
    """The total target for this patient (weight measured on the day, per protocol)."""
    if rule.basis is DoseBasis.FLAT:
        return DosePlan(rule, rule.target, weight_kg, None)
    weight = _check.number("weight_kg", weight_kg, minimum=1, maximum=400)
    if rule.basis is DoseBasis.PER_KG:
        return DosePlan(rule, rule.target * weight, weight, None)
    bsa = bsa_mosteller(_check.number("height_cm", height_cm), weight)
    return DosePlan(rule, rule.target * bsa, weight, bsa)


@dataclass(frozen=True)
class DoseAssessment:
    target_total: float
    delivered_total: float
    percent_of_target: float
    deviation_pct: float
    as_planned: bool
    reasons: tuple[str, ...]


def assess_delivered(plan: DosePlan, delivered_total: float) -> DoseAssessment:
    """Compare the delivered (viable) cells with the plan: tolerance and min/max totals."""
    delivered = _check.number("delivered_cells", delivered_total, positive=True)
    rule = plan.rule
    deviation = (delivered - plan.target_total) / plan.target_total * 100.0
    reasons = []
    if abs(deviation) > rule.tolerance_pct + _EPS_PCT:
        reasons.append(f"delivered {delivered:.4g} {rule.unit} is {deviation:+.2f}% from the "
                       f"target {plan.target_total:.4g}; tolerance ±{rule.tolerance_pct:g}%")
    if rule.min_total is not None and delivered < rule.min_total:
        reasons.append(f"delivered {delivered:.4g} is below the minimum {rule.min_total:.4g}")
    if rule.max_total is not None and delivered > rule.max_total:
        reasons.append(f"delivered {delivered:.4g} is above the maximum {rule.max_total:.4g}")
    return DoseAssessment(plan.target_total, delivered, 100.0 + deviation, deviation,
                          not reasons, tuple(reasons))


def require_as_planned(plan: DosePlan, delivered_total: float) -> DoseAssessment:
    """Like ``assess_delivered`` but raise InputError('delivered_cells') when outside."""
    result = assess_delivered(plan, delivered_total)
    if not result.as_planned:
        raise InputError("delivered_cells", "; ".join(result.reasons))
    return result


@dataclass(frozen=True)
class EndotoxinCheck:
    eu_total: float
    eu_per_kg: float
    eu_per_kg_per_hour: float
    limit_eu_per_kg: float
    within: bool
    reasons: tuple[str, ...]


def endotoxin_check(*, eu_per_ml: float, volume_ml: float, weight_kg: float,
                    infusion_minutes: float, route: str = "intravenous",
                    limit_eu_per_kg: float | None = None) -> EndotoxinCheck:
    """Endotoxin delivered per kg (whole dose) and per kg per hour, each against K.

    The published cell-therapy specs state "<= 5 EU/kg" for the whole dose; USP <85> states K per
    kg per hour for infusions. An infusion of an hour or less delivers its whole dose within one
    hour, so the hourly figure is then the whole-dose figure; a longer infusion at a constant
    rate delivers dose x 60 / minutes per hour.
    """
    eu_per_ml = _check.number("eu_per_ml", eu_per_ml, minimum=0)
    volume_ml = _check.number("volume_ml", volume_ml, positive=True)
    weight_kg = _check.number("weight_kg", weight_kg, minimum=1, maximum=400)
    minutes = _check.number("infusion_minutes", infusion_minutes, positive=True)
    if limit_eu_per_kg is None:
        if route not in ENDOTOXIN_K_EU_PER_KG:
            raise InputError("route", f"must be one of {sorted(ENDOTOXIN_K_EU_PER_KG)}")
        limit = ENDOTOXIN_K_EU_PER_KG[route]
    else:
        limit = _check.number("limit_eu_per_kg", limit_eu_per_kg, positive=True)
    total = eu_per_ml * volume_ml
    per_kg = total / weight_kg
    per_hour = per_kg if minutes <= 60 else per_kg * 60.0 / minutes
    reasons = []
    if per_kg > limit:
        reasons.append(f"{per_kg:.3g} EU/kg delivered exceeds {limit:g} EU/kg")
    if per_hour > limit:
        reasons.append(f"{per_hour:.3g} EU/kg/h exceeds {limit:g} EU/kg/h")
    return EndotoxinCheck(total, per_kg, per_hour, limit, not reasons, tuple(reasons))
