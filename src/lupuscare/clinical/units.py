"""UCUM unit conversions for every lab test of contracts.md section 2.2.

Each test has one canonical unit (``CANONICAL_UNIT``); every instrument compares against its
thresholds in that unit. Factors are exact rationals and values enter as their decimal text
(``Fraction(repr(value))``), so a value typed exactly at a threshold in any accepted unit lands
exactly on the threshold after conversion (e.g. 500 mg/g -> 0.5 g/g, 100.4 [degF] -> 38 Cel,
56.56 mg/mmol -> 0.5 g/g). That matters because the thresholds are strict ("> 0.5 g/g").

Sources and certainty:
- Creatinine molar mass 113.12 g/mol (C4H7N3O: 4 x 12.011 + 7 x 1.008 + 3 x 14.007 + 15.999;
  computed from IUPAC standard atomic weights, verified by arithmetic). Hence
  1 g/g = 113.12 mg/mmol, 1 mg/mmol = 8.840 mg/g (clinical-instruments.md section 9.3 quotes
  "1 mg/mmol = 8.84 mg/g" and "1 g/g ~ 113 mg/mmol": consistent), and
  1 mg/dL creatinine = 10 000 / 113.12 = 88.40 umol/L. Many tables print 88.4 (KDIGO) or 88.42;
  we derive the factor from the molar mass so the UPCR and creatinine factors agree.
- Haemoglobin mmol/L counts the monomer (one haem, 16 114.5 g/mol), the convention of Dutch and
  Scandinavian labs: 1 mmol/L = 1.61145 g/dL (the widely printed factor g/dL x 0.6206 -> mmol/L).
  [known: standard laboratory convention, not re-checked against a primary source]
- Counts: 10*9/L = 10*3/uL = 10*3/mm3 (1 uL = 1 mm3); /uL is 10*6/L. ``10*12/L`` is for red cell
  counts only and is deliberately not accepted for platelets or leukocytes.
- Temperature: Cel = ([degF] - 32) x 5/9 (UCUM definition).
- Anti-dsDNA: [IU]/mL (WHO reference preparation) converts only to k[IU]/L (the same quantity).
  Assay-specific units (U/mL of a given ELISA, % binding in the Farr assay) are *not* convertible
  to IU or to each other: a different assay is a different measurement. They are accepted as
  input (``ASSAY_SPECIFIC_UNITS``) because the instruments only compare a value against the
  reporting lab's own ``high`` in the same unit; ``to_canonical`` refuses them.
- CH50 is an assay-defined activity (U/mL = kU/L); no conversion to mass exists.
"""

from __future__ import annotations

from fractions import Fraction

from lupuscare.errors import InputError

CREATININE_MOLAR_MASS_G_PER_MOL = Fraction("113.12")
HAEMOGLOBIN_MONOMER_G_PER_MOL = Fraction("16114.5")

CANONICAL_UNIT: dict[str, str] = {
    "upcr": "g/g",
    "urine_protein_24h": "g/d",
    "c3": "g/L",
    "c4": "g/L",
    "ch50": "U/mL",
    "anti_dsdna": "[IU]/mL",
    "ana_titer": "{titer}",
    "platelets": "10*9/L",
    "wbc": "10*9/L",
    "lymphocytes": "10*9/L",
    "neutrophils": "10*9/L",
    "hemoglobin": "g/dL",
    "creatinine": "umol/L",
    "egfr": "mL/min/{1.73_m2}",
    "urine_rbc": "/[HPF]",
    "urine_wbc": "/[HPF]",
    "temperature": "Cel",
    "albumin": "g/L",
    "esr": "mm/h",
    "crp": "mg/L",
    "ast": "U/L",
    "alt": "U/L",
}

_ONE = Fraction(1)
_COUNTS = {"10*9/L": _ONE, "10*3/uL": _ONE, "10*3/mm3": _ONE,
           "/uL": Fraction(1, 1000), "/mm3": Fraction(1, 1000), "10*6/L": Fraction(1, 1000)}
# Enzyme activity: the clinical "unit" U is the international unit (1 umol/min); 1 ukat = 60 U.
_ENZYME = {"U/L": _ONE, "[IU]/L": _ONE, "ukat/L": Fraction(60)}
_COMPLEMENT = {"g/L": _ONE, "mg/dL": Fraction(1, 100), "mg/L": Fraction(1, 1000)}

# value_in_canonical = value * factor  (temperature is affine, handled apart)
_FACTORS: dict[str, dict[str, Fraction]] = {
    "upcr": {"g/g": _ONE, "mg/mg": _ONE, "mg/g": Fraction(1, 1000),
             "mg/mmol": 1 / CREATININE_MOLAR_MASS_G_PER_MOL,
             "g/mmol": 1000 / CREATININE_MOLAR_MASS_G_PER_MOL},
    "urine_protein_24h": {"g/d": _ONE, "g/(24.h)": _ONE, "mg/d": Fraction(1, 1000),
                          "mg/(24.h)": Fraction(1, 1000)},
    "c3": _COMPLEMENT,
    "c4": _COMPLEMENT,
    "ch50": {"U/mL": _ONE, "kU/L": _ONE},
    "anti_dsdna": {"[IU]/mL": _ONE, "k[IU]/L": _ONE},
    "ana_titer": {"{titer}": _ONE},
    "platelets": _COUNTS,
    "wbc": _COUNTS,
    "lymphocytes": _COUNTS,
    "neutrophils": _COUNTS,
    "hemoglobin": {"g/dL": _ONE, "g/L": Fraction(1, 10),
                   "mmol/L": HAEMOGLOBIN_MONOMER_G_PER_MOL / 10_000},
    "creatinine": {"umol/L": _ONE, "mmol/L": Fraction(1000),
                   "mg/dL": 10_000 / CREATININE_MOLAR_MASS_G_PER_MOL},
    "egfr": {"mL/min/{1.73_m2}": _ONE},
    "urine_rbc": {"/[HPF]": _ONE},
    "urine_wbc": {"/[HPF]": _ONE},
    "albumin": {"g/L": _ONE, "g/dL": Fraction(10)},
    "esr": {"mm/h": _ONE},
    "crp": {"mg/L": _ONE, "mg/dL": Fraction(10), "ug/mL": _ONE},
    "ast": _ENZYME,
    "alt": _ENZYME,
}
_TEMPERATURE_UNITS = ("Cel", "[degF]")

# Known units that are not convertible (different assays, different quantities).
ASSAY_SPECIFIC_UNITS: dict[str, frozenset[str]] = {
    "anti_dsdna": frozenset({"U/mL", "%"}),
}


_FLOAT_FACTORS: dict[str, dict[str, float]] = {
    t: {u: float(f) for u, f in units.items()} for t, units in _FACTORS.items()}
_KNOWN_UNITS: dict[str, tuple[str, ...]] = {
    t: (_TEMPERATURE_UNITS if t == "temperature" else tuple(_FACTORS[t]))
    + tuple(sorted(ASSAY_SPECIFIC_UNITS.get(t, ()))) for t in CANONICAL_UNIT}


def known_units(test: str) -> tuple[str, ...]:
    """Every unit accepted for ``test`` (convertible ones first)."""
    _check_test(test)
    return _KNOWN_UNITS[test]


def to_canonical_float(test: str, value: float, unit: str) -> float | None:
    """Fast float conversion (about 1e-15 relative error), or None when not convertible.

    For screening only: decisions at a threshold fall back to ``to_canonical_exact``.
    """
    if test == "temperature":
        if unit == "Cel":
            return value
        return (value - 32) * 5 / 9 if unit == "[degF]" else None
    factor = _FLOAT_FACTORS.get(test, {}).get(unit)
    return None if factor is None else value * factor


def is_convertible(test: str, unit: str) -> bool:
    _check_test(test)
    return unit in (_TEMPERATURE_UNITS if test == "temperature" else _FACTORS[test])


def _check_test(test: str) -> None:
    if test not in CANONICAL_UNIT:
        raise InputError("test", f"unknown lab test {test!r}; known: {', '.join(CANONICAL_UNIT)}")


def _exact(value: float) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise InputError("value", f"expected a number, got {value!r}")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise InputError("value", "must be a finite number")
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def to_canonical_exact(test: str, value: float, unit: str) -> Fraction:
    """Like ``to_canonical`` but exact, for comparisons against strict thresholds."""
    _check_test(test)
    v = _exact(value)
    if test == "temperature":
        if unit == "Cel":
            return v
        if unit == "[degF]":
            return (v - 32) * Fraction(5, 9)
    elif unit in _FACTORS[test]:
        return v * _FACTORS[test][unit]
    if unit in ASSAY_SPECIFIC_UNITS.get(test, ()):
        raise InputError("unit", f"{unit!r} for {test} is assay-specific and cannot be converted "
                                 "to another unit or assay; compare it only with its own lab's limits")
    raise InputError("unit", f"unknown unit {unit!r} for {test}; accepted: {', '.join(known_units(test))}")


def to_canonical(test: str, value: float, unit: str) -> float:
    """``value`` of ``test`` in ``unit`` expressed in ``CANONICAL_UNIT[test]``.

    Raises ``InputError`` naming ``unit`` (unknown or non-convertible unit) or ``test``.
    """
    return float(to_canonical_exact(test, value, unit))


def convert(test: str, value: float, from_unit: str, to_unit: str) -> float:
    """``value`` of ``test`` converted from ``from_unit`` to ``to_unit``."""
    canonical = to_canonical_exact(test, value, from_unit)
    if test == "temperature":
        if to_unit == "Cel":
            return float(canonical)
        if to_unit == "[degF]":
            return float(canonical * Fraction(9, 5) + 32)
    elif to_unit in _FACTORS[test]:
        return float(canonical / _FACTORS[test][to_unit])
    if to_unit in ASSAY_SPECIFIC_UNITS.get(test, ()):
        raise InputError("unit", f"{to_unit!r} for {test} is assay-specific and cannot be converted to")
    raise InputError("unit", f"unknown unit {to_unit!r} for {test}; accepted: {', '.join(known_units(test))}")
