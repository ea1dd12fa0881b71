"""Physician Global Assessment (PGA): the SELENA 0-3 visual analogue scale.

Recorded as a number from 0.0 to 3.0 to one decimal (clinical-instruments.md section 3).
Categories follow PISCOS (Piga et al., Lancet Rheumatol 2022;4:e441-9, [seen] abstract):
none < 0.5, mild 0.5-1, moderate > 1 to 2, severe > 2 to 3. PISCOS asks raters to exclude damage,
serology and non-activity symptoms and to rate the preceding month.
"""

from __future__ import annotations

import math
from typing import Any

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

PGA_MIN, PGA_MAX = 0.0, 3.0
# The anchors the SELENA 0-3 visual analogue scale is drawn with (clinical-instruments.md
# section 3): the visit form's slider labels.
PGA_ANCHORS = ((0, "none"), (1, "mild"), (2, "moderate"), (3, "severe"))
CITATION = ("Petri M et al. N Engl J Med 2005;353:2550 (SELENA PGA, 0-3 VAS); Piga M et al. "
            "Lancet Rheumatol 2022;4:e441-e449 (PISCOS standardisation and categories)")


def check_pga(value: Any, field: str = "pga") -> float:
    """The PGA as a float, or ``InputError``: outside 0-3, not a number, or more than one decimal."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(field, "must be a number from 0 to 3")
    if not PGA_MIN <= value <= PGA_MAX:
        raise InputError(field, f"must be between 0 and 3 (got {value:g})")
    if abs(value * 10 - round(value * 10)) > 1e-9:
        raise InputError(field, f"is recorded to one decimal place (got {value!r})")
    return round(float(value), 1)


def tenths(value: float) -> int:
    """PGA in integer tenths, so changes compare exactly (1.3 - 0.3 is not 1.0 in floats)."""
    return round(value * 10)


def category(value: float) -> str:
    """PISCOS category: none, mild, moderate or severe."""
    t = tenths(value)
    if t < 5:
        return "none"
    if t <= 10:
        return "mild"
    if t <= 20:
        return "moderate"
    return "severe"


def score(document: dict, **options: Any) -> InstrumentResult:
    from lupuscare.instruments.assessment import Assessment

    _reject_options(options)
    a = Assessment.from_document(document)
    if a.pga is None:
        raise MissingInputError("pga", "no PGA given")
    cat = category(a.pga)
    return InstrumentResult(
        instrument="pga", version="SELENA PGA 0-3 VAS; PISCOS 2022 categories", citation=CITATION,
        values={"pga": a.pga, "category": cat},
        explanation=(ExplanationItem("pga", a.pga, "input:pga", f"PISCOS category {cat}"),),
    )


def _reject_options(options: dict[str, Any]) -> None:
    if options:
        raise InputError(next(iter(options)), "unknown option for this instrument")


score.accepts_assessment = True  # type: ignore[attr-defined]
