"""Synthetic organ damage (SLICC/ACR SDI items) that accrues with glucocorticoids, flares and time.

Item names are the SDI item names of ``lupuscare.instruments.sdi_items``. Each item happens at most
once per patient (the demo never plants a repeat episode). Yearly hazards are synthetic settings
chosen to give a plausible spread of SDI scores (most patients 0-2 after a few years), not
epidemiological estimates:

- glucocorticoid toxicity (cataract, osteoporotic fracture, avascular necrosis, diabetes) rises
  with cumulative prednisone;
- renal damage follows the kidney function the cohort generator simulates: ``gfr_below_50`` from
  the day eGFR stays below 50 mL/min/1.73 m2 for six months (the SDI's persistence rule),
  ``esrd`` below 15;
- scarring alopecia and deforming arthritis follow mucocutaneous and joint flares;
- cardiovascular, neuropsychiatric and malignancy items come at a low background rate, higher
  with age.

Damage before follow-up (long-standing disease) is drawn from the same hazards over the years
since lupus onset, assuming 1.5 g of prednisone a year before follow-up.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from lupuscare.demo.treatment import cumulative_dose_g

if TYPE_CHECKING:  # the builder is cohort-internal; imported only for types
    from lupuscare.demo.cohort import DamageEvent, _PatientBuilder

# item -> (yearly hazard at no exposure, extra yearly hazard per gram of cumulative prednisone)
_STEROID_ITEMS: dict[str, tuple[float, float]] = {
    "cataract": (0.003, 0.002),
    "osteoporosis_with_fracture": (0.002, 0.001),
    "avascular_necrosis": (0.0005, 0.001),
    "diabetes": (0.002, 0.001),
}
_BACKGROUND: dict[str, float] = {  # yearly hazard, doubled above age 50
    "cva": 0.002,
    "myocardial_infarction": 0.0015,
    "cognitive_impairment": 0.002,
    "malignancy": 0.002,
    "venous_thrombosis": 0.002,
}
_PER_FLARE: dict[str, tuple[str, float]] = {  # item -> (flare domain, chance per such flare)
    "scarring_chronic_alopecia": ("mucocutaneous", 0.03),
    "deforming_or_erosive_arthritis": ("musculoskeletal", 0.02),
}
PRIOR_PREDNISONE_G_PER_YEAR = 1.5
PERSISTENCE_DAYS = 183  # six months
DAMAGE_ITEMS: frozenset[str] = frozenset(
    {*_STEROID_ITEMS, *_BACKGROUND, *_PER_FLARE, "gfr_below_50", "esrd", "premature_gonadal_failure"})


def accrue(rng: np.random.Generator, p: _PatientBuilder) -> list[DamageEvent]:
    from lupuscare.demo.cohort import DamageEvent

    events: dict[str, date] = {}
    _yearly(rng, p, events)
    for flare in p.flares:
        for item, (domain, chance) in _PER_FLARE.items():
            if domain in flare.domains and item not in events and rng.random() < chance:
                events[item] = flare.end + timedelta(days=int(rng.integers(30, 180)))
    for course in p.courses:
        age = (course.start - p.birth).days / 365.25
        if (course.drug == "cyclophosphamide" and p.sex == "female" and age < 40
                and "premature_gonadal_failure" not in events and rng.random() < 0.05):
            events["premature_gonadal_failure"] = course.start + timedelta(days=int(rng.integers(90, 365)))
    _renal(p, events)
    return [DamageEvent(item, onset) for item, onset in sorted(events.items(), key=lambda kv: (kv[1], kv[0]))
            if onset <= p.as_of]


def _yearly(rng: np.random.Generator, p: _PatientBuilder, events: dict[str, date]) -> None:
    prior_years = max(0, (p.start - p.lupus_onset).days // 365)
    year_starts = [p.start - timedelta(days=365 * k) for k in range(prior_years, 0, -1)]
    year_starts += [p.start + timedelta(days=365 * k) for k in range((p.as_of - p.start).days // 365 + 1)]
    for begin in year_starts:
        if begin < p.start:
            grams = PRIOR_PREDNISONE_G_PER_YEAR * (begin - p.lupus_onset).days / 365.25
        else:
            grams = (PRIOR_PREDNISONE_G_PER_YEAR * prior_years
                     + cumulative_dose_g(p.courses, "prednisone", begin))
        older = (begin - p.birth).days / 365.25 > 50
        hazards = {item: base + per_g * grams for item, (base, per_g) in _STEROID_ITEMS.items()}
        hazards |= {item: rate * (2 if older else 1) for item, rate in _BACKGROUND.items()}
        for item, hazard in hazards.items():
            if item not in events and rng.random() < hazard:
                events[item] = begin + timedelta(days=int(rng.integers(0, 365)))


def _renal(p: _PatientBuilder, events: dict[str, date]) -> None:
    """Kidney damage from the simulated eGFR, sampled monthly, counted once persistent."""
    for item, below in (("gfr_below_50", 50.0), ("esrd", 15.0)):
        day, first = p.start, None
        while day <= p.as_of:
            if p.egfr_on(day) < below:
                first = first or day
                if (day - first).days >= PERSISTENCE_DAYS:
                    events.setdefault(item, first)
                    break
            else:
                first = None
            day += timedelta(days=30)
