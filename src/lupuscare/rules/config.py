"""Settings a clinic may change, with the defaults the rules ship with (and why)."""

from __future__ import annotations

from dataclasses import dataclass

from lupuscare.errors import InputError

# How long a prednisone-equivalent dose above the EULAR 2023 maintenance target (5 mg/day) may
# last before the rule fires. EULAR 2023 (Fanouriakis et al. Ann Rheum Dis 2024;83:15, abstract,
# verified) says maintenance glucocorticoids "should be minimised to ≤5 mg/day ... and, when
# possible, withdrawn" but states no time frame in the abstract. The 6 months is a project
# decision: the outer end of the 3-6-month taper in the EULAR/ERA-EDTA 2019 lupus nephritis
# recommendations (Fanouriakis et al. Ann Rheum Dis 2020;79:713; recalled, not re-checked).
DEFAULT_GC_PERIOD_MONTHS = 6

# Diary red flags reported within this many days (today included) raise an urgent alert.
# Project decision: one week, so a flag is seen at least once on a weekly work-list review.
DEFAULT_RED_FLAG_WINDOW_DAYS = 7

# The antimalarial dose checks (mg/kg/day of actual body weight) use a weight measured at most
# this many calendar months before today; an older one is "stale" and the rules say so instead
# of dosing from it. Project decision: weight changes over a year are large enough (glucocorticoid
# gain and loss) to move a dose across the cap, and a yearly weight is a modest ask.
DEFAULT_WEIGHT_MAX_AGE_MONTHS = 12


@dataclass(frozen=True, slots=True)
class RuleConfig:
    gc_period_months: int = DEFAULT_GC_PERIOD_MONTHS
    red_flag_window_days: int = DEFAULT_RED_FLAG_WINDOW_DAYS
    weight_max_age_months: int = DEFAULT_WEIGHT_MAX_AGE_MONTHS

    def __post_init__(self) -> None:
        if isinstance(self.gc_period_months, bool) or not isinstance(self.gc_period_months, int) \
                or not 0 <= self.gc_period_months <= 120:
            raise InputError("gc_period_months", "must be a whole number of months from 0 to 120")
        if isinstance(self.red_flag_window_days, bool) or not isinstance(self.red_flag_window_days, int) \
                or not 1 <= self.red_flag_window_days <= 365:
            raise InputError("red_flag_window_days", "must be a whole number of days from 1 to 365")
        if isinstance(self.weight_max_age_months, bool) or not isinstance(self.weight_max_age_months, int) \
                or not 1 <= self.weight_max_age_months <= 120:
            raise InputError("weight_max_age_months", "must be a whole number of months from 1 to 120")


DEFAULT_CONFIG = RuleConfig()
