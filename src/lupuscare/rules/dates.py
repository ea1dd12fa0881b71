"""Calendar arithmetic for schedules stated in months and years ("yearly", "after 3 months").

A schedule anniversary that falls on a day the target month lacks (29 February, 31st) moves to
the last day of that month: never later than the calendar says, so a due date is never late.
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)
