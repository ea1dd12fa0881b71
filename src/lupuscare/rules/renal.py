"""Kidney rules: new or rising proteinuria, and a fall in eGFR from baseline."""

from __future__ import annotations

from datetime import timedelta

from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import PatientContext

# Proteinuria that warrants a lupus nephritis work-up: UPCR ≥ 0.5 g/g (fires at 0.50).
# KDIGO 2024 LN guideline (Kidney Int 2024;105(1S):S1-S69): investigate SLE patients with
# proteinuria and consider kidney biopsy from 0.5 g/day. Certainty: single-source. Checked against
# secondary text only: Wang S et al. CJASN 2022;17:1150 ("current guidelines recommend performing
# a kidney biopsy at UPCR of ≥0.5 g/g") and a 2024 Rheumatologist article on KDIGO (">0.5 g/day");
# the two differ on ≥ vs >, and the guideline figure itself was not checked.
UPCR_WORKUP_G_PER_G = 0.5
UPCR_CITATION = (
    "KDIGO 2024 Clinical Practice Guideline for the Management of Lupus Nephritis. Kidney Int "
    "2024;105(1S):S1-S69 (work-up and biopsy for proteinuria ≥0.5 g/g UPCR or ≥0.5 g/day)"
)

# A fall in eGFR of 25% or more from baseline (fires at 25.0%).
# KDIGO 2012 CKD guideline (Kidney Int Suppl 2013;3:1-150), recommendation 2.1.3: a "certain drop"
# in eGFR is a fall in GFR category with a ≥25% decrease from baseline (recalled). Seen only in a
# secondary NICE-based page (nursing-notebook.com, "deteriorating eGFR in CKD": accelerated
# progression is "a sustained decrease in GFR of 25% or more and a change in GFR category within
# 12 months"; "if a large decline in eGFR is seen (25% or more) ... repeat eGFR within 2 weeks to
# exclude acute kidney injury"). Certainty: single-source. This rule is deliberately more
# sensitive than those definitions: one result, no "sustained" and no change of category needed.
# Baseline (project decision, as KDIGO's AKI definition does for creatinine): the highest eGFR
# measured in the 365 days before the latest result, the latest itself excluded.
EGFR_FALL_PERCENT = 25.0
EGFR_BASELINE_DAYS = 365
EGFR_CITATION = (
    "KDIGO 2012 Clinical Practice Guideline for the Evaluation and Management of CKD. Kidney Int "
    "Suppl 2013;3:1-150 (a ≥25% fall in eGFR from baseline is a certain drop)"
)


# The 24-hour urine protein counts the same way: ≥ 0.5 g/day. KDIGO 2024 (seen in a secondary
# report, The Rheumatologist 2024: "proceed with biopsy if quantified proteinuria is greater than
# 0.5 g/day"; EULAR/ERA-EDTA 2019 table seen: "proteinuria ≥0.5 g/24 h"). Certainty: single-source.
URINE_PROTEIN_24H_WORKUP_G_PER_DAY = 0.5
_UNITS = {"upcr": "g/g", "urine_protein_24h": "g/day"}
_NAMES = {"upcr": "UPCR", "urine_protein_24h": "24-hour urine protein"}
_THRESHOLD = {"upcr": UPCR_WORKUP_G_PER_G, "urine_protein_24h": URINE_PROTEIN_24H_WORKUP_G_PER_DAY}


def rule_proteinuria_workup(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    """New or rising proteinuria by either measure, read as one timeline (UPCR in g/g and the
    24-hour protein in g/day are compared on the same 0.5 threshold, as KDIGO does)."""
    history = sorted(ctx.lab_history("upcr") + ctx.lab_history("urine_protein_24h"),
                     key=lambda x: (x.date, x.test))
    if not history or not history[-1].value >= _THRESHOLD[history[-1].test]:
        return None
    latest = history[-1]
    previous = history[-2] if len(history) > 1 else None
    if previous is None or previous.value < _THRESHOLD[previous.test]:
        change = "new"
    elif latest.value > previous.value:
        change = "rising"
    else:
        return None  # already known and not rising
    since = ("" if previous is None else
             f" (previous {_NAMES[previous.test]} {previous.value:g} {_UNITS[previous.test]} on "
             f"{previous.date.isoformat()})")
    evidence = {"test": latest.test, "value": latest.value, "unit": _UNITS[latest.test],
                "date": latest.date, "change": change,
                "previous_test": previous.test if previous else None,
                "previous_value": previous.value if previous else None,
                "previous_date": previous.date if previous else None,
                "threshold": _THRESHOLD[latest.test]}
    if latest.test == "upcr":  # the keys this alert has always carried
        evidence |= {"upcr_g_per_g": latest.value, "threshold_g_per_g": UPCR_WORKUP_G_PER_G,
                     "previous_upcr_g_per_g": previous.value if previous and previous.test == "upcr" else None}
    return Alert(
        code="proteinuria_nephritis_workup",
        severity="warning",
        message=(f"{change.capitalize()} proteinuria: {_NAMES[latest.test]} {latest.value:g} "
                 f"{_UNITS[latest.test]} on {latest.date.isoformat()}{since}. Work up for lupus "
                 "nephritis (urine sediment, repeat UPCR, kidney function, consider kidney biopsy)."),
        evidence=evidence,
        citation=UPCR_CITATION,
        certainty="single-source",
    )


def egfr_fall_percent(ctx: PatientContext) -> tuple[float, float, float] | None:
    """(baseline, latest, fall %) when a baseline exists; fall is positive when eGFR dropped."""
    history = ctx.lab_history("egfr")
    if len(history) < 2:
        return None
    latest = history[-1]
    window = [x.value for x in history[:-1] if x.date >= latest.date - timedelta(days=EGFR_BASELINE_DAYS)]
    if not window:
        return None
    baseline = max(window)
    if baseline <= 0:
        return None
    # Rounded to 9 decimals so that 100 -> 75 counts as exactly 25.0%, not 24.999999999999996.
    return baseline, latest.value, round((baseline - latest.value) / baseline * 100.0, 9)


def rule_egfr_fall(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    result = egfr_fall_percent(ctx)
    if result is None:
        return None
    baseline, latest, fall = result
    if not fall >= EGFR_FALL_PERCENT:
        return None
    date_latest = ctx.lab_history("egfr")[-1].date
    return Alert(
        code="egfr_fall_25_percent",
        severity="warning",
        message=(f"eGFR fell {fall:.1f}% from a baseline of {baseline:g} to {latest:g} mL/min/1.73 m² "
                 f"({date_latest.isoformat()}). Check for lupus nephritis, drugs and volume status."),
        evidence={"baseline_egfr": baseline, "latest_egfr": latest, "latest_date": date_latest,
                  "fall_percent": fall, "baseline_rule": "highest eGFR in the 365 days before the latest",
                  "threshold_percent": EGFR_FALL_PERCENT},
        citation=EGFR_CITATION,
        certainty="single-source",
    )
