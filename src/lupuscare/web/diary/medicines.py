"""What is due today in the diary: the patient's courses (model rows) through the core's
schedules (``lupuscare.clinical.medicines``), with what was logged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lupuscare.clinical.medicines import (  # noqa: F401  (re-exported for the diary's pages)
    EXPECTATIONS,
    SELF_ROUTES,
    SIDE_EFFECT_SOURCES,
    SIDE_EFFECTS,
    Expectation,
    SideEffect,
    Source,
    drug_label,
    is_due,
    side_effects_for,
)


@dataclass(frozen=True, slots=True)
class DueItem:
    course_id: int
    drug: str
    label: str
    dose: str
    schedule: str
    due: bool | None
    status: str | None  # "taken", "skipped" or None (not logged yet)


def due_items(courses, logs_by_course: dict[int, str], day: dt.date) -> list[DueItem]:
    """The self-taken courses active on ``day`` and whether each is due, with what was logged.
    Courses not due that day are left out; "other" schedules are listed (``due`` None)."""
    items = []
    for c in courses:
        if c.route not in SELF_ROUTES:
            continue
        due = is_due(c.schedule, c.start, c.stop, day)
        if due is False:
            continue
        dose = ""
        if c.daily_dose_mg is not None:  # a mean daily dose: say so for non-daily schedules
            dose = f"{c.daily_dose_mg:g} mg a day" + ("" if c.schedule == "daily" else " on average")
        items.append(DueItem(c.pk, c.drug, drug_label(c.drug), dose, c.get_schedule_display(),
                             due, logs_by_course.get(c.pk)))
    return sorted(items, key=lambda i: i.drug)
