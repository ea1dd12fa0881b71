"""Prednisone-equivalent glucocorticoid doses.

Anti-inflammatory equivalence from the US prescribing information for prednisolone (quoted via a
secondary page; clinical-instruments.md section 10.2, tag [seen]): 15 mg prednisolone = 15 mg
prednisone = 12 mg methylprednisolone = 12 mg triamcinolone = 60 mg hydrocortisone = 75 mg
cortisone = 2.25 mg dexamethasone = 2.25 mg betamethasone. Deflazacort 6 mg = 5 mg prednisone is
[known], not re-checked. Betamethasone is 0.75 mg (label) or 0.6 mg (many tables) per 5 mg
prednisone: the label value is the default; pass ``betamethasone_mg_per_5mg_prednisone=0.6`` to
use the other. Budesonide, inhaled, topical and intra-articular steroids are not converted
(recorded apart), and IV pulses are never folded into the daily dose (section 14.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from lupuscare.errors import InputError

# mg of drug equivalent to 5 mg prednisone.
MG_EQUIVALENT_TO_5MG_PREDNISONE: dict[str, Fraction] = {
    "prednisone": Fraction(5),
    "prednisolone": Fraction(5),
    "methylprednisolone": Fraction(4),
    "triamcinolone": Fraction(4),
    "hydrocortisone": Fraction(20),
    "cortisone": Fraction(25),
    "dexamethasone": Fraction("0.75"),
    "betamethasone": Fraction("0.75"),
    "deflazacort": Fraction(6),
}
BETAMETHASONE_ALTERNATIVES = (Fraction("0.75"), Fraction("0.6"))

# Routes whose dose is not systemic and is never converted.
NON_SYSTEMIC_ROUTES = frozenset({"inhaled", "topical", "intra_articular", "intra-articular",
                                 "ophthalmic", "nasal", "rectal", "cutaneous"})


def _factor(drug: str, betamethasone_mg_per_5mg_prednisone: float | None) -> Fraction:
    if drug not in MG_EQUIVALENT_TO_5MG_PREDNISONE:
        raise InputError("drug", f"{drug!r} has no prednisone equivalent here; convertible: "
                                 f"{', '.join(MG_EQUIVALENT_TO_5MG_PREDNISONE)}")
    mg = MG_EQUIVALENT_TO_5MG_PREDNISONE[drug]
    if drug == "betamethasone" and betamethasone_mg_per_5mg_prednisone is not None:
        mg = Fraction(repr(float(betamethasone_mg_per_5mg_prednisone)))
        if mg not in BETAMETHASONE_ALTERNATIVES:
            raise InputError("betamethasone_mg_per_5mg_prednisone", "must be 0.75 or 0.6")
    return Fraction(5) / mg


def prednisone_equivalent_mg(drug: str, daily_dose_mg: float, *,
                             betamethasone_mg_per_5mg_prednisone: float | None = None) -> float:
    """The prednisone dose (mg/day) equivalent to ``daily_dose_mg`` of ``drug``."""
    if isinstance(daily_dose_mg, bool) or not isinstance(daily_dose_mg, int | float):
        raise InputError("daily_dose_mg", "must be a number")
    if not daily_dose_mg >= 0 or daily_dose_mg == float("inf"):
        raise InputError("daily_dose_mg", "must be a finite number >= 0")
    exact = Fraction(repr(float(daily_dose_mg))) * _factor(drug, betamethasone_mg_per_5mg_prednisone)
    return float(exact)


def _get(med: Any, key: str) -> Any:
    return med.get(key) if isinstance(med, Mapping) else getattr(med, key, None)


def counts_as_daily(med: Any) -> bool:
    """True for a scheduled systemic glucocorticoid dose (not a pulse, not topical/inhaled)."""
    return (_get(med, "drug") in MG_EQUIVALENT_TO_5MG_PREDNISONE
            and not _get(med, "pulse")
            and (_get(med, "route") or "oral") not in NON_SYSTEMIC_ROUTES
            and _get(med, "daily_dose_mg") is not None)


def daily_prednisone_equivalent(medications: Iterable[Any], *,
                                betamethasone_mg_per_5mg_prednisone: float | None = None) -> float:
    """Total scheduled daily prednisone-equivalent (mg/day); pulses and non-systemic routes excluded."""
    total = Fraction(0)
    for i, med in enumerate(medications):
        if counts_as_daily(med):
            try:
                total += Fraction(repr(prednisone_equivalent_mg(
                    _get(med, "drug"), _get(med, "daily_dose_mg"),
                    betamethasone_mg_per_5mg_prednisone=betamethasone_mg_per_5mg_prednisone)))
            except InputError as e:
                raise InputError(f"medications[{i}].{e.field}", e.message) from None
    return float(total)


def pulses(medications: Iterable[Any]) -> list[Any]:
    """Glucocorticoid IV pulses, kept apart from the daily dose."""
    return [m for m in medications
            if _get(m, "drug") in MG_EQUIVALENT_TO_5MG_PREDNISONE and _get(m, "pulse")]
