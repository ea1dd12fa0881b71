"""Lupus nephritis response: complete, partial or none, by KDIGO 2024 (default) or EULAR/ERA-EDTA 2019.

Input (contracts.md section 2.4): ``baseline`` and ``followup``, each ``{"date", "upcr_g_g" or a
``labs`` list (``upcr`` or ``urine_protein_24h``), "egfr" (or a ``labs`` entry ``egfr``)}``, and
an optional ``guideline``. Comparisons are exact (rationals from the decimal text), so a value
typed exactly at a cut-off lands on it: UPCR 0.5 g/g is not "< 0.5", a 50.0% fall is ">= 50%".

KDIGO 2024 (Kidney Int 2024;105(1S):S1-S69; definitions [single] droracle.ai summary of the
guideline, agreeing with the recalled content, spec section 9.2; guideline figure not re-read):
- complete: proteinuria < 0.5 g/g AND kidney function stable or improved (within 10-15% of
  baseline), usually within 6-12 months (may take longer);
- partial: proteinuria reduced >= 50% AND < 3 g/g, kidney function stable, within 6-12 months;
- none: neither, within 6-12 months.

EULAR/ERA-EDTA 2019 (Fanouriakis A et al. Ann Rheum Dis 2020;79:713-23; [seen] abstract and the
informing systematic review, Kostopoulou 2020 RMD Open e001263):
- complete: proteinuria < 0.5-0.7 g/24 h with (near-)normal GFR by 12 months (extendable with
  nephrotic-range baseline proteinuria); we apply the stricter 0.5;
- partial [known, recalled]: >= 50% reduction to sub-nephrotic levels with (near-)normal GFR;
- milestones: >= 25% reduction by 3 months, >= 50% by 6 months.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from lupuscare.clinical.units import to_canonical_exact
from lupuscare.dates import months_between, parse_date
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

INSTRUMENT = "renal-response"
GUIDELINES = ("kdigo-2024", "eular-2019")
DEFAULT_GUIDELINE = "kdigo-2024"

CITATIONS = {
    "kdigo-2024": (
        "KDIGO 2024 Clinical Practice Guideline for the Management of Lupus Nephritis. Kidney Int "
        "2024;105(1S):S1-S69. Response definitions single-source (secondary summary of the "
        "guideline), not re-read in the guideline figure."
    ),
    "eular-2019": (
        "Fanouriakis A, Kostopoulou M, Cheema K, et al. 2019 update of the joint EULAR/ERA-EDTA "
        "recommendations for the management of lupus nephritis. Ann Rheum Dis 2020;79:713-23. "
        "Targets seen in the abstract; partial-response wording recalled."
    ),
}

# --- thresholds: the one place they live --------------------------------------------------
# KDIGO 2024: complete < 0.5 g/g; partial >= 50% fall and < 3 g/g; eGFR within 10-15% of baseline.
KDIGO_COMPLETE_BELOW = Fraction("0.5")  # g/g
KDIGO_PARTIAL_BELOW = Fraction(3)  # g/g
PARTIAL_REDUCTION = Fraction(1, 2)  # >= 50% fall (KDIGO 2024 and EULAR 2019)
KDIGO_EGFR_MARGIN_DEFAULT = Fraction(1, 10)  # guideline says 10-15%; the stricter end by default
KDIGO_EGFR_MARGIN_RANGE = (Fraction(1, 10), Fraction(15, 100))
# EULAR 2019: complete < 0.5-0.7 g/24 h (the stricter 0.5 applied); sub-nephrotic below the
# nephrotic range (>= 3.5 g/24 h, about UPCR >= 3 g/g: spec section 9.3 [known]).
EULAR_COMPLETE_BELOW = Fraction("0.5")
EULAR_SUBNEPHROTIC_BELOW = {"urine_protein_24h": Fraction("3.5"), "upcr": Fraction(3)}
# "(near-)normal GFR": within 10% of baseline, or normal (>= 90 mL/min/1.73 m2) [known].
EULAR_EGFR_MARGIN = Fraction(1, 10)
EULAR_NORMAL_EGFR = Fraction(90)
EULAR_MILESTONES = ((3, Fraction(1, 4)), (6, Fraction(1, 2)))  # (by month, minimum fall)
COMPLETE_BY_MONTHS = 12
RESPONSE_WINDOW_MONTHS = (6, 12)


@dataclass(frozen=True, slots=True)
class TimePoint:
    day: date
    protein: Fraction  # g/g (upcr) or g/d (urine_protein_24h)
    measure: str  # "upcr" or "urine_protein_24h"
    protein_source: str
    egfr: Fraction
    egfr_source: str


def _number(value: object, field: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(field, f"must be a number, got {value!r}")
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        raise InputError(field, f"must be a finite number >= 0, got {value!r}")
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _from_labs(labs: object, prefix: str, test: str) -> tuple[Fraction, str] | None:
    """The one ``labs`` entry for ``test`` in its canonical unit, or None if there is none."""
    if labs is None:
        return None
    if not isinstance(labs, list):
        raise InputError(f"{prefix}.labs", "must be a list of {test, value, unit}")
    found = [(i, lab) for i, lab in enumerate(labs) if isinstance(lab, Mapping)
             and lab.get("test") == test]
    if not found:
        return None
    if len(found) > 1:
        raise InputError(f"{prefix}.labs", f"more than one {test!r} result at one time point")
    i, lab = found[0]
    field = f"{prefix}.labs[{i}]"
    _number(lab.get("value"), f"{field}.value")
    unit = lab.get("unit")
    if not isinstance(unit, str):
        raise MissingInputError(f"{field}.unit", "a UCUM unit is required")
    try:
        canonical = to_canonical_exact(test, lab["value"], unit)
    except InputError as err:
        raise InputError(f"{field}.{err.field}", err.message) from None
    return canonical, f"{field}:{test}={lab.get('value')} {unit}"


def read_timepoint(document: Mapping[str, Any], name: str) -> TimePoint:
    raw = document.get(name)
    if raw is None:
        raise MissingInputError(name, "{date, upcr_g_g or labs, egfr} is required")
    if not isinstance(raw, Mapping):
        raise InputError(name, "must be an object {date, upcr_g_g or labs, egfr}")
    day = parse_date(raw.get("date"), f"{name}.date")
    assert day is not None
    labs = raw.get("labs")
    if raw.get("upcr_g_g") is not None:
        protein = _number(raw["upcr_g_g"], f"{name}.upcr_g_g")
        measure, p_source = "upcr", f"{name}.upcr_g_g={raw['upcr_g_g']}"
    elif (found := _from_labs(labs, name, "upcr")) is not None:
        (protein, p_source), measure = found, "upcr"
    elif (found := _from_labs(labs, name, "urine_protein_24h")) is not None:
        (protein, p_source), measure = found, "urine_protein_24h"
    else:
        raise MissingInputError(f"{name}.upcr_g_g",
                                "proteinuria is required (upcr_g_g, or a labs entry 'upcr' or "
                                "'urine_protein_24h')")
    if raw.get("egfr") is not None:
        egfr = _number(raw["egfr"], f"{name}.egfr")
        e_source = f"{name}.egfr={raw['egfr']}"
    elif (found := _from_labs(labs, name, "egfr")) is not None:
        egfr, e_source = found
    else:
        raise MissingInputError(f"{name}.egfr", "eGFR (mL/min/1.73 m2) is required")
    if egfr <= 0:
        raise InputError(f"{name}.egfr", "must be > 0")
    return TimePoint(day, protein, measure, p_source, egfr, e_source)


def _percent(x: Fraction) -> float:
    return round(float(x * 100), 1)


def _g(x: Fraction) -> str:
    return f"{float(x):g}"


def score(document: dict[str, Any], **options: Any) -> InstrumentResult:
    """``response`` (complete / partial / none) and ``guideline``, with the figures behind them."""
    guideline = options.get("guideline") or document.get("guideline") or DEFAULT_GUIDELINE
    if guideline not in GUIDELINES:
        raise InputError("guideline", f"must be one of {', '.join(GUIDELINES)}, got {guideline!r}")
    base = read_timepoint(document, "baseline")
    follow = read_timepoint(document, "followup")
    if follow.day <= base.day:
        raise InputError("followup.date", "the follow-up must be after the baseline "
                         f"({base.day.isoformat()})")
    if base.protein <= 0:
        raise InputError("baseline.upcr_g_g", "baseline proteinuria must be > 0 to measure a fall")
    warnings: list[str] = []
    if base.measure != follow.measure:
        warnings.append(f"baseline measured as {base.measure}, follow-up as {follow.measure}: "
                        "the fall compares different measurements")

    months = months_between(base.day, follow.day)
    reduction = (base.protein - follow.protein) / base.protein  # > 0 is a fall
    egfr_change = (follow.egfr - base.egfr) / base.egfr

    if guideline == "kdigo-2024":
        margin = (_number(options["egfr_margin"], "egfr_margin") if "egfr_margin" in options
                  else KDIGO_EGFR_MARGIN_DEFAULT)
        lo, hi = KDIGO_EGFR_MARGIN_RANGE
        if not lo <= margin <= hi:
            raise InputError("egfr_margin", "KDIGO 2024 allows 0.10 to 0.15 (10-15% of baseline)")
        egfr_ok = egfr_change >= -margin
        egfr_rule = f"eGFR stable or improved: fall <= {_percent(margin)}% of baseline"
        complete_below, partial_below = KDIGO_COMPLETE_BELOW, KDIGO_PARTIAL_BELOW
        unit = "g/g" if follow.measure == "upcr" else "g/d"
    else:
        margin = EULAR_EGFR_MARGIN
        egfr_ok = egfr_change >= -margin or follow.egfr >= EULAR_NORMAL_EGFR
        egfr_rule = (f"(near-)normal GFR: fall <= {_percent(margin)}% of baseline or eGFR >= "
                     f"{_g(EULAR_NORMAL_EGFR)}")
        complete_below = EULAR_COMPLETE_BELOW
        partial_below = EULAR_SUBNEPHROTIC_BELOW[follow.measure]
        unit = "g/g" if follow.measure == "upcr" else "g/24 h"

    complete = follow.protein < complete_below and egfr_ok
    partial = (not complete and reduction >= PARTIAL_REDUCTION and follow.protein < partial_below
               and egfr_ok)
    response = "complete" if complete else "partial" if partial else "none"

    explanation = [
        ExplanationItem("proteinuria_baseline", float(base.protein), base.protein_source),
        ExplanationItem("proteinuria_followup", float(follow.protein), follow.protein_source,
                        f"complete needs < {_g(complete_below)} {unit}"),
        ExplanationItem("proteinuria_reduction_percent", _percent(reduction),
                        f"{base.day.isoformat()} -> {follow.day.isoformat()}",
                        f"partial needs >= {_percent(PARTIAL_REDUCTION):g}% and < {_g(partial_below)} "
                        f"{unit}"),
        ExplanationItem("egfr_stable", egfr_ok, f"{base.egfr_source}; {follow.egfr_source}",
                        f"change {_percent(egfr_change)}%; {egfr_rule}"),
        ExplanationItem("response", response, guideline, f"at {months:.1f} months"),
    ]

    window_lo, window_hi = RESPONSE_WINDOW_MONTHS
    window = ("before_6_months" if months < window_lo else
              "6_to_12_months" if months <= window_hi else "after_12_months")
    values: dict[str, Any] = {
        "response": response, "guideline": guideline, "months": round(months, 2),
        "window": window, "proteinuria_reduction_percent": _percent(reduction),
        "egfr_change_percent": _percent(egfr_change), "egfr_stable": egfr_ok,
    }
    if months < window_lo and response != "complete":
        warnings.append(f"follow-up at {months:.1f} months, before the {window_lo}-month point: "
                        f"'{response}' is provisional")
    if guideline == "kdigo-2024" and months > window_hi and response == "partial":
        warnings.append("KDIGO 2024 expects partial response within 6-12 months; this one is later")
    if guideline == "eular-2019":
        milestones: dict[str, bool | None] = {}
        for by, fall in EULAR_MILESTONES:
            key = f"reduction_{_percent(fall):g}_percent_by_{by}_months"
            milestones[key] = (reduction >= fall) if months <= by else None
        milestones[f"complete_by_{COMPLETE_BY_MONTHS}_months"] = (
            complete if months <= COMPLETE_BY_MONTHS else None)
        values["milestones"] = milestones
        if complete and months > COMPLETE_BY_MONTHS:
            nephrotic = base.protein >= EULAR_SUBNEPHROTIC_BELOW[base.measure]
            warnings.append("complete response after the 12-month target" + (
                " (the target may be extended: nephrotic-range proteinuria at baseline)"
                if nephrotic else ""))
    return InstrumentResult(
        instrument=INSTRUMENT,
        version=f"Lupus nephritis response, {guideline} definitions",
        citation=CITATIONS[guideline],
        values=values,
        explanation=tuple(explanation),
        warnings=tuple(warnings),
    )
