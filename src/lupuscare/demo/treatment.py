"""Synthetic treatment: the medication courses a lupus patient plausibly receives.

Patterns (for a realistic demo, not treatment advice):
- hydroxychloroquine for nearly everyone, at the largest of 200/300/400 mg/day that stays within
  the safety rules' cap (``lupuscare.rules.hydroxychloroquine.HCQ_MAX_MG_PER_KG_DAY``, mg/kg actual
  body weight), so the demo does not trip the HCQ dose alert except where it means to;
- prednisone: a low maintenance dose (0-7.5 mg/day) between flares; at a flare a starting dose
  by severity, held for 2-4 weeks and while the flare lasts, then tapered in steps (10 mg per
  2 weeks above 20 mg, 5 mg per 2 weeks down to 10 mg, 2.5 mg per 4 weeks down to maintenance);
- methylprednisolone IV pulses (500 mg x 3) for severe and renal flares;
- immunosuppressants (azathioprine, methotrexate, mycophenolate) added after a flare;
  belimumab or anifrolumab after repeated flares; for nephritis, induction with mycophenolate
  3 g/day or low-dose IV cyclophosphamide (500 mg every 2 weeks x 6), then maintenance.

Courses are periods of constant dose. ``daily_dose_mg`` is the scheduled mean daily dose
(weekly and four-weekly schedules averaged, contracts.md section 2.3); IV pulses carry
``pulse=True`` and their per-administration ``dose_mg``, and are not folded into a daily dose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from lupuscare.clinical.hydroxychloroquine import mg_per_kg_day
from lupuscare.rules.hydroxychloroquine import HCQ_MAX_MG_PER_KG_DAY


@dataclass(frozen=True, slots=True)
class MedicationCourse:
    drug: str
    start: date
    end: date | None  # last day taken; None = ongoing at the end of follow-up
    daily_dose_mg: float | None
    route: str = "oral"
    pulse: bool = False
    dose_mg: float | None = None  # per administration, for pulses and infusions
    administrations: int | None = None  # number of pulses in the course (pulses only)
    schedule: str = "daily"
    indication: str = "maintenance"

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


HCQ_DOSES_MG = (200.0, 300.0, 400.0)  # 300 = 200 and 400 on alternate days, averaged


def hcq_dose(weight_kg: float) -> float:
    """Largest usual daily dose within the HCQ mg/kg cap (200 mg at minimum)."""
    allowed = [d for d in HCQ_DOSES_MG if mg_per_kg_day(d, weight_kg) <= HCQ_MAX_MG_PER_KG_DAY]
    return max(allowed) if allowed else HCQ_DOSES_MG[0]


def round_to(value: float, step: float) -> float:
    return float(step * round(value / step))


@dataclass(frozen=True, slots=True)
class FlareTreatment:
    """What the course generator needs to know about one flare."""

    onset: date
    end: date
    renal: bool
    severe: bool


def prednisone_steps(flares: list[FlareTreatment], start: date, end: date, maintenance: float,
                     weight_kg: float, rng: np.random.Generator) -> list[tuple[date, float]]:
    """(from date, dose mg/day) steps of prednisone over follow-up, in date order."""
    steps: list[tuple[date, float]] = [(start, maintenance)]
    for i, flare in enumerate(flares):
        if flare.renal or flare.severe:
            dose = min(60.0, round_to(rng.uniform(0.5, 0.8) * weight_kg, 5.0))
        else:
            dose = float(rng.choice([15.0, 20.0, 20.0, 30.0]))
        day = flare.onset + timedelta(days=int(rng.integers(0, 4)))
        hold_until = max(day + timedelta(days=int(rng.integers(14, 29))),
                         flare.onset + (flare.end - flare.onset) // 2)
        stop_at = flares[i + 1].onset if i + 1 < len(flares) else end + timedelta(days=1)
        _truncate(steps, day)
        steps.append((day, dose))
        day = hold_until
        while dose > maintenance and day < stop_at:
            if dose > 20:
                dose, wait = max(dose - 10.0, 20.0), 14
            elif dose > 10:
                dose, wait = max(dose - 5.0, 10.0), 14
            else:
                dose, wait = max(dose - 2.5, maintenance), 28
            steps.append((day, dose))
            day += timedelta(days=wait)
    return [s for s in steps if s[0] <= end]


def _truncate(steps: list[tuple[date, float]], day: date) -> None:
    while steps and steps[-1][0] >= day:
        steps.pop()


def steps_to_courses(drug: str, steps: list[tuple[date, float]], end: date,
                     indication: str = "flare") -> list[MedicationCourse]:
    """Merge (date, dose) steps into courses of constant dose; dose 0 means off the drug."""
    courses: list[MedicationCourse] = []
    merged: list[tuple[date, float]] = []
    for day, dose in steps:
        if merged and merged[-1][1] == dose:
            continue
        merged.append((day, dose))
    for i, (day, dose) in enumerate(merged):
        last = merged[i + 1][0] - timedelta(days=1) if i + 1 < len(merged) else None
        if dose > 0:
            courses.append(MedicationCourse(drug, day, last, dose, indication=indication))
    return courses


def dose_on(courses: list[MedicationCourse], drug: str, day: date) -> float:
    """Scheduled daily dose of ``drug`` on ``day`` (pulses excluded), 0 if not taking it."""
    return sum(c.daily_dose_mg or 0.0 for c in courses
               if c.drug == drug and not c.pulse and c.active_on(day))


def cumulative_dose_g(courses: list[MedicationCourse], drug: str, until: date) -> float:
    """Total grams of ``drug`` from daily courses and pulses up to ``until``."""
    total = 0.0
    for c in courses:
        if c.drug != drug or c.start > until:
            continue
        last = min(c.end or until, until)
        days = (last - c.start).days + 1
        if c.pulse:
            total += (c.dose_mg or 0.0) * (c.administrations or 1)
        else:
            total += (c.daily_dose_mg or 0.0) * days
    return total / 1000.0
