"""Hydroxychloroquine dose per kg of actual body weight.

AAO 2016 (Marmor et al., Ophthalmology 2016;123:1386-94, [seen] abstract) states the maximum as
mg per kg of *real* (actual) body weight per day, not ideal weight. Only the arithmetic lives
here; the 5.0 mg/kg/day cap belongs to the safety rules module.
"""

from __future__ import annotations

import math

from lupuscare.errors import InputError


def mg_per_kg_day(daily_dose_mg: float, weight_kg: float) -> float:
    """Mean daily dose divided by actual body weight (average weekly schedules first)."""
    for name, v in (("daily_dose_mg", daily_dose_mg), ("weight_kg", weight_kg)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(name, "must be a finite number")
    if daily_dose_mg < 0:
        raise InputError("daily_dose_mg", "must be >= 0")
    if weight_kg <= 0:
        raise InputError("weight_kg", "must be > 0")
    return daily_dose_mg / weight_kg
