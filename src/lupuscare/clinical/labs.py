"""Lab -> finding derivation (contracts.md section 2.1), one rule per finding.

The thresholds are those of the SLEDAI-2K glossary (Gladman 2002; clinical-instruments.md
section 1.2: proteinuria > 0.5 g/24 h, haematuria and pyuria > 5 cells/HPF, platelets
< 100 x 10^9/L, leukocytes < 3 x 10^9/L, fever > 38 degrees C [seen: medicalcriteria.com and
pediatriconcall tables; numeric cut-offs for fever and cytopenias known, not re-checked]).
The spot UPCR stand-in for 24-h protein (> 0.5 g/g) is the contract's choice (contracts.md 2.1),
common practice rather than part of the published SLEDAI-2K. Every comparison is strict, as
written, and done on exact rationals in the test's canonical unit (see ``clinical.units``).
Complement and anti-dsDNA compare against the reporting lab's own limits in the value's unit.
An attested finding counts without a lab; ``not_attributable`` always wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from lupuscare.clinical.units import (
    CANONICAL_UNIT,
    is_convertible,
    known_units,
    to_canonical_exact,
    to_canonical_float,
)

# Strict thresholds in canonical units (CANONICAL_UNIT[test]).
PROTEINURIA_UPCR_ABOVE = Fraction("0.5")  # g/g
PROTEINURIA_24H_ABOVE = Fraction("0.5")  # g/d
HAEMATURIA_RBC_ABOVE = Fraction(5)  # /[HPF]
PYURIA_WBC_ABOVE = Fraction(5)  # /[HPF]
THROMBOCYTOPENIA_BELOW = Fraction(100)  # 10*9/L
LEUKOPENIA_BELOW = Fraction(3)  # 10*9/L
FEVER_ABOVE = Fraction(38)  # Cel

# test -> (finding, comparison, threshold) for fixed-threshold rules.
FIXED_RULES: dict[str, tuple[str, str, Fraction]] = {
    "upcr": ("proteinuria", ">", PROTEINURIA_UPCR_ABOVE),
    "urine_protein_24h": ("proteinuria", ">", PROTEINURIA_24H_ABOVE),
    "urine_rbc": ("hematuria", ">", HAEMATURIA_RBC_ABOVE),
    "urine_wbc": ("pyuria", ">", PYURIA_WBC_ABOVE),
    "platelets": ("thrombocytopenia", "<", THROMBOCYTOPENIA_BELOW),
    "wbc": ("leukopenia", "<", LEUKOPENIA_BELOW),
    "temperature": ("fever", ">", FEVER_ABOVE),
}
_FLOAT_THRESHOLD: dict[str, float] = {t: float(r[2]) for t, r in FIXED_RULES.items()}
_RULE_TEXT: dict[str, str] = {t: f"{op} {float(th):g} {CANONICAL_UNIT[t]}" for t, (_, op, th) in FIXED_RULES.items()}
# test -> finding for rules against the lab's own reference limit.
BELOW_LOW_RULES: dict[str, str] = {"c3": "low_complement", "c4": "low_complement",
                                   "ch50": "low_complement"}
ABOVE_HIGH_RULES: dict[str, str] = {"anti_dsdna": "increased_dna_binding"}

DERIVABLE_FINDINGS: frozenset[str] = frozenset(
    [r[0] for r in FIXED_RULES.values()] + list(BELOW_LOW_RULES.values())
    + list(ABOVE_HIGH_RULES.values()))



def _fields(lab: Any) -> tuple[Any, ...]:
    """(test, value, unit, low, high) of a lab given as a mapping or as an object."""
    if type(lab) is dict or (not hasattr(lab, "test") and isinstance(lab, Mapping)):
        get = lab.get
        return get("test"), get("value"), get("unit"), get("low"), get("high")
    return lab.test, lab.value, lab.unit, getattr(lab, "low", None), getattr(lab, "high", None)


_CLEAR_MARGIN = 1e-9  # relative; float conversion errors are ~1e-15


def _screen_table() -> dict[tuple[str, str], tuple[str, bool, float, float, float, str]]:
    """(test, unit) -> (finding, strictly-above?, factor, offset, threshold, rule text).

    ``value * factor + offset`` is the canonical value in floating point, used to decide quickly
    when the value is clearly away from the threshold; near it the exact rational path decides.
    """
    table = {}
    for test, (finding, op, threshold) in FIXED_RULES.items():
        for unit in known_units(test):
            if not is_convertible(test, unit):
                continue
            offset = to_canonical_float(test, 0.0, unit)
            factor = to_canonical_float(test, 1.0, unit) - offset
            table[test, unit] = (finding, op == ">", factor, offset, float(threshold), _RULE_TEXT[test])
    return table


def _beyond(test: str, value: float, unit: str, op: str, threshold: Fraction) -> bool:
    """value (in unit) strictly beyond threshold (canonical unit), decided exactly."""
    v = to_canonical_exact(test, value, unit)
    return v > threshold if op == ">" else v < threshold


def _num(x: float) -> str:
    return f"{x:g}"


class LabEvidence(NamedTuple):
    """One lab result that produced a finding, and the rule it met."""

    finding: str
    test: str
    value: float
    unit: str
    rule: str

    @property
    def source(self) -> str:
        return f"lab:{self.test}={_num(self.value)} {self.unit} ({self.rule})"


def evidence_from_lab(lab: Any) -> LabEvidence | None:
    """The finding this lab result produces, or None."""
    test, value, unit, low, high = _fields(lab)
    screen = _SCREEN.get((test, unit))
    if screen is not None and type(value) in (float, int):
        finding, above, factor, offset, t, rule = screen
        x = value * factor + offset
        if abs(x - t) > _CLEAR_MARGIN * (t if t > 1.0 else 1.0):
            hit = x > t if above else x < t
        else:
            hit = _beyond(test, value, unit, ">" if above else "<", FIXED_RULES[test][2])
        return LabEvidence(finding, test, value, unit, rule) if hit else None
    if test in FIXED_RULES:  # unknown unit or unusual value type: the exact path raises or decides
        finding, op, threshold = FIXED_RULES[test]
        if _beyond(test, value, unit, op, threshold):
            return LabEvidence(finding, test, value, unit, _RULE_TEXT[test])
        return None
    if test in BELOW_LOW_RULES:
        if low is not None and float(value) < float(low):  # same unit: plain comparison
            return LabEvidence(BELOW_LOW_RULES[test], test, value, unit, f"< lab low {_num(low)}")
        return None
    if test in ABOVE_HIGH_RULES and high is not None and float(value) > float(high):
        return LabEvidence(ABOVE_HIGH_RULES[test], test, value, unit, f"> lab high {_num(high)}")
    return None


_SCREEN = _screen_table()


def lab_evidence(labs: Iterable[Any]) -> list[LabEvidence]:
    """Every finding the labs produce, in lab order (a finding may appear more than once)."""
    out = []
    for lab in labs:
        ev = evidence_from_lab(lab)
        if ev is not None:
            out.append(ev)
    return out


def active_findings(findings: Iterable[str], not_attributable: Iterable[str],
                    labs: Iterable[Any]) -> dict[str, tuple[str, ...]]:
    """Finding -> the sources behind it (``finding:x`` and/or ``lab:...``).

    Attested findings count without a lab; lab-derived findings are added; anything listed in
    ``not_attributable`` is removed, whatever produced it.
    """
    excluded = set(not_attributable)
    out: dict[str, list[str]] = {}
    for f in findings:
        if f not in excluded:
            out.setdefault(f, []).append("finding:" + f)
    for ev in lab_evidence(labs):
        if ev.finding not in excluded:
            out.setdefault(ev.finding, []).append(ev.source)
    return {k: tuple(v) for k, v in out.items()}
