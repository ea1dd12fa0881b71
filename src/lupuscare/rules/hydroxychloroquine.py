"""Antimalarial rules: hydroxychloroquine and chloroquine dose caps (from a current weight),
retinal screening, "no HCQ and no reason", too early to judge.

Sources (clinical-instruments.md section 10.1):
- AAO 2016: Marmor MF, Kellner U, Lai TYY, Melles RB, Mieler WF. Recommendations on screening for
  chloroquine and hydroxychloroquine retinopathy (2016 revision). Ophthalmology 2016;123:1386-94.
- EULAR 2023: Fanouriakis A et al. EULAR recommendations for the management of SLE: 2023 update.
  Ann Rheum Dis 2024;83:15-29.
"""

from __future__ import annotations

from datetime import date

from lupuscare.clinical.hydroxychloroquine import mg_per_kg_day
from lupuscare.dates import add_months, add_years
from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import PatientContext

HCQ = "hydroxychloroquine"
CQ = "chloroquine"
ANTIMALARIALS = (HCQ, CQ)

# Dose cap: at most 5.0 mg/kg *actual* body weight per day; above it the rule fires (5.0 is fine).
# AAO 2016 abstract ("daily HCQ use of ≤5.0 mg/kg real weight"), verified via its abstract
# (clinical-instruments.md 10.1 [seen]); EULAR 2023 abstract, verified: "target dose 5 mg/kg real
# body weight/day".
HCQ_MAX_MG_PER_KG_DAY = 5.0
# Chloroquine: at most 2.3 mg/kg *actual* body weight per day; above it the rule fires (2.3 is
# fine). AAO 2016 abstract, verified (indexed abstract of Marmor et al. 2016, and linkoph.com):
# "There are no similar demographic data for CQ, but dose comparisons in older literature suggest
# using ≤2.3 mg/kg real weight." The same retinal screening schedule applies (the AAO
# recommendations cover both drugs).
CQ_MAX_MG_PER_KG_DAY = 2.3
CQ_DOSE_CITATION = (
    "Marmor MF et al. AAO recommendations on screening for chloroquine and hydroxychloroquine "
    "retinopathy (2016 revision). Ophthalmology 2016;123:1386-94 (chloroquine ≤2.3 mg/kg real "
    "weight/day)"
)
MAX_MG_PER_KG_DAY = {HCQ: HCQ_MAX_MG_PER_KG_DAY, CQ: CQ_MAX_MG_PER_KG_DAY}
HCQ_DOSE_CITATION = (
    "Marmor MF et al. AAO recommendations on screening for chloroquine and hydroxychloroquine "
    "retinopathy (2016 revision). Ophthalmology 2016;123:1386-94 (max 5.0 mg/kg real weight/day); "
    "Fanouriakis A et al. EULAR SLE 2023 update. Ann Rheum Dis 2024;83:15-29"
)

# Retinal screening schedule (AAO 2016): a baseline exam within the first year of use; annual
# screening from 5 years of use; annual from the start when a major risk factor is present.
# Certainty: single-source. The spec tags it recalled; a secondary table (Cleveland Clinic J Med,
# "Recommended screening for retinopathy in patients on hydroxychloroquine", based on AAO) states
# exactly this schedule: initial within the first year; low risk repeat after 5 years then
# annually; with risk factors annually. The AAO full text was not checked.
BASELINE_WITHIN_YEARS = 1
ANNUAL_FROM_YEARS_OF_USE = 5
SCREENING_INTERVAL_YEARS = 1
# An exam up to this long before the first dose counts as the baseline exam (project decision).
BASELINE_EXAM_LOOKBACK_YEARS = 1
# Reduced kidney function as a major risk factor: AAO 2016 names "renal disease"/reduced GFR
# (recalled); eGFR below 60 mL/min/1.73 m2 (CKD G3a onwards, KDIGO 2012) is the brief's cut-off.
RISK_EGFR_BELOW = 60.0
SCREENING_CITATION = (
    "Marmor MF et al. Ophthalmology 2016;123:1386-94 (baseline within the first year; annual "
    "screening after 5 years, or from the start with major risk factors)"
)

# Hydroxychloroquine works slowly: do not judge it as failing before about 3 months.
# Certainty: single-source (secondary patient information: ACR patient sheet "1-2 months ... up to
# 6 months", NHS-style "6 to 12 weeks"; clinical-instruments.md 10.1), not a guideline statement.
HCQ_TOO_EARLY_MONTHS = 3
HCQ_ONSET_CITATION = (
    "Hydroxychloroquine onset of action 6-12 weeks, full effect up to 6 months (ACR and NHS patient "
    "information; secondary, not checked first-hand)"
)

HCQ_FOR_ALL_CITATION = (
    "Fanouriakis A et al. EULAR SLE 2023 update. Ann Rheum Dis 2024;83:15-29: hydroxychloroquine "
    "is recommended for all patients with lupus (unless contraindicated)"
)


def _daily_dose(ctx: PatientContext, drug: str) -> float | None:
    """Today's scheduled daily dose of an antimalarial (pulses are not a way to give it)."""
    courses = [m for m in ctx.active([drug]) if not m.pulse]
    if not courses:
        return None
    return float(sum(m.daily_dose_mg or 0.0 for m in courses))


def _hcq_daily_dose(ctx: PatientContext) -> float | None:
    return _daily_dose(ctx, HCQ)


def weight_status(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> str:
    """'missing', 'stale' (measured more than ``weight_max_age_months`` ago), 'current' or
    'undated' (no weight date recorded: used, and said so in the alert's evidence)."""
    if ctx.weight_kg is None or (ctx.weight_date is not None and ctx.weight_date > ctx.today):
        return "missing"
    if ctx.weight_date is None:
        return "undated"
    if ctx.today > add_months(ctx.weight_date, config.weight_max_age_months):
        return "stale"
    return "current"


def _dose_weight(ctx: PatientContext, config: RuleConfig) -> float | None:
    """The weight a dose check may use: a current (or undated) one, never a stale one."""
    return ctx.weight_kg if weight_status(ctx, config) in ("current", "undated") else None


def mg_per_kg_today(ctx: PatientContext, drug: str, config: RuleConfig = DEFAULT_CONFIG) -> float | None:
    """Today's dose of ``drug`` per kg of actual body weight, if on it with a usable weight."""
    dose = _daily_dose(ctx, drug)
    weight = _dose_weight(ctx, config)
    if dose is None or weight is None:
        return None
    return mg_per_kg_day(dose, weight)


def hcq_mg_per_kg_today(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> float | None:
    """Today's hydroxychloroquine dose per kg of actual body weight, if on HCQ with a weight."""
    return mg_per_kg_today(ctx, HCQ, config)


def _weight_note(ctx: PatientContext, config: RuleConfig) -> str:
    if weight_status(ctx, config) == "undated":
        return f"{ctx.weight_kg:g} kg, date of the weight not recorded"
    return f"{ctx.weight_kg:g} kg on {ctx.weight_date.isoformat()}"


def _dose_alert(ctx: PatientContext, config: RuleConfig, drug: str, code: str, citation: str,
                certainty) -> Alert | None:
    mg_kg = mg_per_kg_today(ctx, drug, config)
    cap = MAX_MG_PER_KG_DAY[drug]
    if mg_kg is None or not mg_kg > cap:
        return None
    dose = _daily_dose(ctx, drug)
    limit_mg = cap * ctx.weight_kg
    return Alert(
        code=code,
        severity="warning",
        message=(f"{drug.capitalize()} {dose:g} mg/day is {mg_kg:.2f} mg/kg/day of actual body weight "
                 f"({_weight_note(ctx, config)}), above {cap:g} mg/kg/day "
                 f"(at most {limit_mg:.0f} mg/day at this weight); review the dose."),
        evidence={"daily_dose_mg": dose, "weight_kg": ctx.weight_kg, "weight_date": ctx.weight_date,
                  "weight_status": weight_status(ctx, config),
                  "mg_per_kg_day": round(mg_kg, 3), "limit_mg_per_kg_day": cap},
        citation=citation,
        certainty=certainty,
    )


def rule_hcq_dose_above_cap(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _dose_alert(ctx, config, HCQ, "hcq_dose_above_5_mg_kg", HCQ_DOSE_CITATION, "verified")


def rule_chloroquine_dose_above_cap(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _dose_alert(ctx, config, CQ, "chloroquine_dose_above_cap", CQ_DOSE_CITATION, "verified")


def _on_antimalarial(ctx: PatientContext) -> dict[str, float]:
    return {d: dose for d in ANTIMALARIALS if (dose := _daily_dose(ctx, d)) is not None}


def rule_hcq_weight_missing(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    """Without a weight the dose cap cannot be checked: say so rather than stay silent."""
    on = _on_antimalarial(ctx)
    if not on or weight_status(ctx, config) != "missing":
        return None
    names = " and ".join(on)
    return Alert(
        code="hcq_weight_missing",
        severity="info",
        message=(f"On {names} but no body weight is recorded: the mg/kg/day dose check "
                 "(hydroxychloroquine 5, chloroquine 2.3) cannot run."),
        evidence={"daily_dose_mg": on.get(HCQ), "daily_doses_mg": on},
        citation=HCQ_DOSE_CITATION if HCQ in on else CQ_DOSE_CITATION,
        certainty="verified",
    )


def rule_antimalarial_weight_stale(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    """A weight older than ``weight_max_age_months`` is not used for the dose check: ask for a
    current one, and say what the old weight would give (a warning when that is above the cap)."""
    on = _on_antimalarial(ctx)
    if not on or weight_status(ctx, config) != "stale":
        return None
    at_old = {d: round(mg_per_kg_day(dose, ctx.weight_kg), 3) for d, dose in on.items()}
    above = [d for d, v in at_old.items() if v > MAX_MG_PER_KG_DAY[d]]
    detail = "; ".join(f"{d} {on[d]:g} mg/day = {at_old[d]:.2f} mg/kg/day at that weight "
                       f"(cap {MAX_MG_PER_KG_DAY[d]:g})" for d in on)
    return Alert(
        code="antimalarial_weight_stale",
        severity="warning" if above else "info",
        message=(f"The last weight ({ctx.weight_kg:g} kg on {ctx.weight_date.isoformat()}) is more than "
                 f"{config.weight_max_age_months} months old, so the dose check does not use it: "
                 f"record a current weight. {detail}."),
        evidence={"weight_kg": ctx.weight_kg, "weight_date": ctx.weight_date,
                  "max_age_months": config.weight_max_age_months, "daily_doses_mg": on,
                  "mg_per_kg_day_at_stale_weight": at_old, "above_cap_at_stale_weight": above},
        citation=HCQ_DOSE_CITATION if HCQ in on else CQ_DOSE_CITATION,
        certainty="project-decision",
    )


def hcq_risk_factors(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> list[str]:
    """Major retinopathy risk factors present today (AAO 2016), by name."""
    found: list[str] = []
    rf = ctx.hcq_risk_factors
    egfr = ctx.lab_history("egfr")
    if rf.egfr_below_60 or (egfr and egfr[-1].value < RISK_EGFR_BELOW):
        found.append("egfr_below_60")
    if rf.tamoxifen or ctx.active(["tamoxifen"]):
        found.append("tamoxifen")
    if rf.retinal_or_macular_disease:
        found.append("retinal_or_macular_disease")
    mg_kg = hcq_mg_per_kg_today(ctx, config)
    if mg_kg is not None and mg_kg > HCQ_MAX_MG_PER_KG_DAY:
        found.append("dose_above_5_mg_kg")
    cq_mg_kg = mg_per_kg_today(ctx, CQ, config)
    if cq_mg_kg is not None and cq_mg_kg > CQ_MAX_MG_PER_KG_DAY:
        found.append("chloroquine_dose_above_2_3_mg_kg")
    return found


def retinal_screening_due(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> tuple[date, str] | None:
    """The next retinal screening due date and which part of the schedule it is, if on
    hydroxychloroquine or chloroquine (AAO 2016 covers both with one schedule).

    Years of use count from the first recorded course of either drug (cumulative exposure is what
    raises the risk; gaps are not subtracted, which errs towards screening earlier).
    """
    if not _on_antimalarial(ctx):
        return None
    starts = [m.start for m in ctx.medications
              if m.drug in ANTIMALARIALS and m.reason_not_prescribed is None and not m.pulse
              and m.start <= ctx.today]
    first = min(starts)
    lookback = add_years(first, -BASELINE_EXAM_LOOKBACK_YEARS)
    exams = sorted(d for d in ctx.eye_exams if lookback <= d <= ctx.today)
    if not exams:
        return add_years(first, BASELINE_WITHIN_YEARS), "baseline"
    after_last = add_years(exams[-1], SCREENING_INTERVAL_YEARS)
    if hcq_risk_factors(ctx, config):
        return after_last, "annual (major risk factor present)"
    return max(add_years(first, ANNUAL_FROM_YEARS_OF_USE), after_last), "annual from 5 years of use"


def rule_hcq_retinal_screening_due(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    due = retinal_screening_due(ctx, config)
    if due is None:
        return None
    due_date, kind = due
    if ctx.today < due_date:
        return None
    when = "today" if ctx.today == due_date else f"since {due_date.isoformat()}"
    exams = sorted(d for d in ctx.eye_exams if d <= ctx.today)
    return Alert(
        code="hcq_retinal_screening_due",
        severity="warning",
        message=(f"Retinal screening for {' and '.join(_on_antimalarial(ctx))} is due {when} ({kind}): "
                 "automated visual fields and spectral-domain OCT."),
        evidence={"schedule": kind, "last_eye_exam": exams[-1] if exams else None,
                  "drugs": sorted(_on_antimalarial(ctx)),
                  "risk_factors": hcq_risk_factors(ctx, config)},
        citation=SCREENING_CITATION,
        certainty="single-source",
        due_date=due_date,
    )


def rule_hcq_not_prescribed(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    if ctx.active([HCQ]) or ctx.active([CQ]):
        return None  # on an antimalarial: chloroquine is the alternative, not a reason to add HCQ
    reasons = [m for m in ctx.medications
               if m.drug == HCQ and m.reason_not_prescribed is not None and m.start <= ctx.today]
    if reasons:
        return None
    return Alert(
        code="hcq_not_prescribed_no_reason",
        severity="warning",
        message="Not on hydroxychloroquine and no reason is recorded; EULAR recommends it for all "
                "patients with lupus unless contraindicated. Prescribe it or record why not.",
        evidence={"hydroxychloroquine_active": False, "reason_recorded": False},
        citation=HCQ_FOR_ALL_CITATION,
        certainty="verified",
    )


def hcq_too_early_to_judge(ctx: PatientContext) -> bool:
    """True while the current hydroxychloroquine course is under 3 months old."""
    courses = [m for m in ctx.active([HCQ]) if not m.pulse]
    return bool(courses) and ctx.today < add_months(max(m.start for m in courses), HCQ_TOO_EARLY_MONTHS)


def rule_hcq_recently_started(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    if not hcq_too_early_to_judge(ctx):
        return None
    start = max(m.start for m in ctx.active([HCQ]) if not m.pulse)
    judge_from = add_months(start, HCQ_TOO_EARLY_MONTHS)
    return Alert(
        code="hcq_started_under_3_months",
        severity="info",
        message=(f"Hydroxychloroquine started on {start.isoformat()}, under {HCQ_TOO_EARLY_MONTHS} months "
                 f"ago: too early to judge it as failing (from {judge_from.isoformat()})."),
        evidence={"start": start, "judge_from": judge_from},
        citation=HCQ_ONSET_CITATION,
        certainty="single-source",
        due_date=judge_from,
        suppresses=("treatment_failure",),
    )
