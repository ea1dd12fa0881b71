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

from lupuscare.clinical.units import CANONICAL_UNIT, to_canonical_exact, to_canonical_float

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
    if isinstance(lab, dict) or (not hasattr(lab, "test") and isinstance(lab, Mapping)):
        return lab.get("test"), lab.get("value"), lab.get("unit"), lab.get("low"), lab.get("high")
    return lab.test, lab.value, lab.unit, getattr(lab, "low", None), getattr(lab, "high", None)


_CLEAR_MARGIN = 1e-9  # relative; float conversion errors are ~1e-15


def _beyond(test: str, value: float, unit: str, op: str, threshold: Fraction) -> bool:
    """value (in unit) strictly beyond threshold (canonical unit): exact at the boundary."""
    t = _FLOAT_THRESHOLD[test]
    approx = to_canonical_float(test, value, unit) if type(value) in (float, int) else None
    if approx is not None and abs(approx - t) > _CLEAR_MARGIN * max(1.0, abs(t)):
        return approx > t if op == ">" else approx < t
    v = to_canonical_exact(test, value, unit)  # exact decision near the threshold (and errors)
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
    if test in FIXED_RULES:
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
            out.setdefault(f, []).append(f"finding:{f}")
    for ev in lab_evidence(labs):
        if ev.finding not in excluded:
            out.setdefault(ev.finding, []).append(ev.source)
    return {k: tuple(v) for k, v in out.items()}
