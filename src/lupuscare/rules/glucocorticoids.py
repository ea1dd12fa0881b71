"""Glucocorticoids above the EULAR 2023 maintenance target for longer than a set period."""

from __future__ import annotations

from datetime import date, timedelta

from lupuscare.clinical.glucocorticoids import counts_as_daily, daily_prednisone_equivalent
from lupuscare.dates import add_months
from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import MedicationCourse, PatientContext

# Maintenance target: at most 5 mg/day prednisone-equivalent; the rule fires above it (5.0 is fine).
# EULAR 2023 abstract, verified (m2.mtmt.hu record and ard.bmj.com/content/83/1/15): "for
# maintenance treatment, they should be minimised to equal or less than 5 mg/day (prednisone
# equivalent) and, when possible, withdrawn". The period is RuleConfig.gc_period_months.
GC_MAINTENANCE_MAX_MG_DAY = 5.0
GC_CITATION = (
    "Fanouriakis A et al. EULAR recommendations for the management of SLE: 2023 update. "
    "Ann Rheum Dis 2024;83:15-29 (maintenance glucocorticoids ≤5 mg/day prednisone-equivalent)"
)


def _gc_courses(ctx: PatientContext) -> list[MedicationCourse]:
    """Scheduled systemic glucocorticoid courses (pulses and topical/inhaled routes excluded)."""
    return [m for m in ctx.medications if m.reason_not_prescribed is None and counts_as_daily(m)]


def prednisone_equivalent_on(ctx: PatientContext, day: date) -> float:
    """Scheduled daily prednisone-equivalent (mg) on ``day``, by ``lupuscare.clinical``."""
    return daily_prednisone_equivalent(m for m in _gc_courses(ctx) if m.active_on(day))


def above_target_since(ctx: PatientContext) -> date | None:
    """First day of the unbroken run of days, ending today, above the maintenance target."""
    if not prednisone_equivalent_on(ctx, ctx.today) > GC_MAINTENANCE_MAX_MG_DAY:
        return None
    # The daily dose changes only where a course starts or the day after one stops.
    changes = {m.start for m in _gc_courses(ctx)}
    changes |= {m.stop + timedelta(days=1) for m in _gc_courses(ctx) if m.stop is not None}
    for day in sorted((d for d in changes if d <= ctx.today), reverse=True):
        if not prednisone_equivalent_on(ctx, day - timedelta(days=1)) > GC_MAINTENANCE_MAX_MG_DAY:
            return day
    raise AssertionError("unreachable: before the first course the dose is zero")


def rule_glucocorticoid_above_target(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    since = above_target_since(ctx)
    if since is None:
        return None
    allowed_until = add_months(since, config.gc_period_months)
    if not ctx.today > allowed_until:
        return None
    dose = prednisone_equivalent_on(ctx, ctx.today)
    return Alert(
        code="glucocorticoid_above_5_mg_day",
        severity="warning",
        message=(f"Prednisone-equivalent {dose:g} mg/day, above {GC_MAINTENANCE_MAX_MG_DAY:g} mg/day "
                 f"since {since.isoformat()} (more than {config.gc_period_months} months): review "
                 "tapering and a glucocorticoid-sparing agent."),
        evidence={"prednisone_equivalent_mg_day": dose, "above_since": since,
                  "period_months": config.gc_period_months, "target_mg_day": GC_MAINTENANCE_MAX_MG_DAY},
        citation=GC_CITATION,
        certainty="verified",
    )
