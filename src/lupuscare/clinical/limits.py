"""Plausibility limits for typed lab values and clinical dates: one table, one place (pure).

These are not reference ranges (those come from the reporting laboratory with each value) and not
clinical thresholds (those live in ``lupuscare.clinical``). They are the bounds outside which a
number cannot be a measurement from a living patient, so it is a typing or unit error (e.g. a C3
of 90 typed as g/L when the lab reports mg/dL). Limits are in the canonical unit of
``lupuscare.clinical.units.CANONICAL_UNIT``; a value is converted before the check, so the limit
holds whatever unit was typed. Assay-specific units (anti-dsDNA U/mL, CH50) that do not convert
are checked against their own generous bound.

Rationale and certainty: project decision, set wide (several times the most extreme values
reported in clinical practice) so that no real value is ever refused:
- counts (platelets, leukocytes, lymphocytes, neutrophils): 0-2000 x 10^9/L; extreme thrombocytosis and
  hyperleukocytosis stay below ~1500 (recalled, wide margin);
- haemoglobin 1-25 g/dL: survival below 2 and polycythaemia above 23 are case-report territory;
- body temperature 25-45 °C: a clinic measurement; outside it is almost always °F typed as °C;
- ESR 0-200 mm/h: the Westergren tube is 200 mm long (physical limit);
- UPCR 0-50 g/g and 24-h protein 0-50 g/d: massive nephrotic proteinuria stays well below;
- C3 0-5 g/L, C4 0-2 g/L: a few times the upper reference limits (~1.8 and ~0.4 g/L);
- creatinine 10-3000 umol/L; eGFR 0-200 mL/min/1.73 m2; albumin 5-70 g/L; CRP 0-1000 mg/L;
- urine sediment cells 0-1000 /HPF ("too numerous to count" is recorded as a high number);
- AST and ALT 0-50 000 U/L: fulminant hepatitis and ischaemic liver injury reach the low
  tens of thousands (recalled, wide margin).
"""

from __future__ import annotations

import datetime as dt

from lupuscare.clinical import units

# test -> (lowest, highest) plausible value in the canonical unit (inclusive).
PLAUSIBLE_RANGE: dict[str, tuple[float, float]] = {
    "upcr": (0.0, 50.0),
    "urine_protein_24h": (0.0, 50.0),
    "c3": (0.0, 5.0),
    "c4": (0.0, 2.0),
    "ch50": (0.0, 1000.0),
    "anti_dsdna": (0.0, 100_000.0),
    "ana_titer": (0.0, 100_000.0),
    "platelets": (0.0, 2000.0),
    "wbc": (0.0, 2000.0),
    "lymphocytes": (0.0, 2000.0),
    "neutrophils": (0.0, 2000.0),
    "hemoglobin": (1.0, 25.0),
    "creatinine": (10.0, 3000.0),
    "egfr": (0.0, 200.0),
    "urine_rbc": (0.0, 1000.0),
    "urine_wbc": (0.0, 1000.0),
    "temperature": (25.0, 45.0),
    "albumin": (5.0, 70.0),
    "esr": (0.0, 200.0),
    "crp": (0.0, 1000.0),
    "ast": (0.0, 50_000.0),
    "alt": (0.0, 50_000.0),
}
# Assay-specific units do not convert; their values are only checked to be >= 0 and below this.
ASSAY_SPECIFIC_MAX = 100_000.0

# A person's records start at birth; nobody is older than this (oldest documented: 122 years).
MAX_AGE_YEARS = 125


def lab_value_error(test: str, value: float, unit: str) -> str | None:
    """Why ``value`` (in ``unit``) is implausible for ``test``, or None when it is plausible."""
    if test not in PLAUSIBLE_RANGE:
        return None
    canonical = units.to_canonical_float(test, value, unit)
    if canonical is None:  # an assay-specific unit: only the generic bound applies
        if not 0.0 <= value <= ASSAY_SPECIFIC_MAX:
            return f"must be between 0 and {ASSAY_SPECIFIC_MAX:g} {unit}"
        return None
    low, high = PLAUSIBLE_RANGE[test]
    if not low <= canonical <= high:
        canonical_unit = units.CANONICAL_UNIT[test]
        shown = "" if unit == canonical_unit else f" ({canonical:g} {canonical_unit})"
        return (f"{value:g} {unit}{shown} is outside the plausible range for {test}, "
                f"{low:g} to {high:g} {canonical_unit}; check the value and its unit")
    return None


def clinical_date_error(day: dt.date, birth_date: dt.date, today: dt.date) -> str | None:
    """Why ``day`` cannot be the date of a clinical event, or None."""
    if day > today:
        return f"{day.isoformat()} is in the future (today is {today.isoformat()})"
    if day < birth_date:
        return f"{day.isoformat()} is before the patient's birth date ({birth_date.isoformat()})"
    return None
