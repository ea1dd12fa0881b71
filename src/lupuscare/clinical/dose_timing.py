"""FHIR Dosage -> the record's mean daily dose in mg (contracts.md §2.3): UCUM mass and time units.

A FHIR dosage says "dose X every P units, F times"; the record keeps the scheduled mean daily
dose (weekly and alternate-day schedules averaged), so 15 mg once a week is 15/7 mg/day.
Pure arithmetic: no database. Units are UCUM mass units; a dose in another unit (a tablet,
mL) cannot become mg here and is refused by the caller naming its path.
"""

from __future__ import annotations

from fractions import Fraction

MG_PER_UNIT: dict[str, Fraction] = {
    "mg": Fraction(1), "g": Fraction(1000), "ug": Fraction(1, 1000), "mcg": Fraction(1, 1000),
}
# Days per UCUM time unit as FHIR's Timing.repeat.periodUnit writes it (s min h d wk mo a); a
# month is 30.4375 days and a year 365.25 (UCUM's mean Julian month and year).
DAYS_PER_PERIOD_UNIT: dict[str, Fraction] = {
    "s": Fraction(1, 86400), "min": Fraction(1, 1440), "h": Fraction(1, 24), "d": Fraction(1),
    "wk": Fraction(7), "mo": Fraction(1461, 48), "a": Fraction(1461, 4),
}
# HL7 v3 GTSAbbreviation timing codes (Timing.code) as (frequency, period, unit).
TIMING_CODES: dict[str, tuple[int, int, str]] = {
    "QD": (1, 1, "d"), "BID": (2, 1, "d"), "TID": (3, 1, "d"), "QID": (4, 1, "d"),
    "QOD": (1, 2, "d"), "AM": (1, 1, "d"), "PM": (1, 1, "d"), "WK": (1, 1, "wk"),
    "MO": (1, 1, "mo"),
}


def dose_in_mg(value: float, unit: str) -> float | None:
    """``value`` in ``unit`` as mg, or None when the unit is not a mass this knows."""
    factor = MG_PER_UNIT.get(unit)
    return None if factor is None else float(Fraction(repr(float(value))) * factor)


def per_day(frequency: int, period: float, period_unit: str) -> Fraction | None:
    """Administrations per day of "``frequency`` times per ``period`` ``period_unit``"."""
    days = DAYS_PER_PERIOD_UNIT.get(period_unit)
    if days is None or period <= 0 or frequency <= 0:
        return None
    return Fraction(frequency) / (Fraction(repr(float(period))) * days)


def schedule_for(frequency: int, period: float, period_unit: str) -> str:
    """The record's ``Schedule`` for a FHIR repeat (daily, alternate_day, weekly, monthly, other)."""
    days = per_day(frequency, period, period_unit)
    if days is None:
        return "other"
    if days >= 1 and period_unit in ("h", "d", "min", "s"):
        return "daily"
    return {Fraction(1, 2): "alternate_day", Fraction(1, 7): "weekly"}.get(days, (
        "monthly" if (frequency, period, period_unit) == (1, 1, "mo") else "other"))
