"""Dates for the pure core: parsing with field names, and calendar months.

Clinical rules are stated in calendar months and years (the SDI six-month rule, renal-response
time points, "HCQ started under 3 months ago", yearly eye screening, follow-up visits), so
"six months after 31 August" must be a definite day: the target month's last day (28 or 29
February), never a later one, so a due date is never late and a persistence rule never early.
One implementation serves the instruments, the safety rules and the cell-therapy schedules.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from lupuscare.errors import InputError, MissingInputError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object, field: str, *, required: bool = True) -> date | None:
    """An ISO date (``YYYY-MM-DD``) or a ``date``; ``InputError`` naming ``field`` otherwise."""
    if value is None:
        if required:
            raise MissingInputError(field, "a date (YYYY-MM-DD) is required")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(field, f"not a date (expected YYYY-MM-DD): {value!r}")


def add_months(d: date, months: int) -> date:
    """``d`` plus whole calendar months, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def add_years(d: date, years: int) -> date:
    """``d`` plus whole years (29 February + 1 year = 28 February)."""
    return add_months(d, 12 * years)


def months_between(start: date, end: date) -> float:
    """Elapsed calendar months from ``start`` to ``end`` (whole months plus a fraction of the next)."""
    if end < start:
        return -months_between(end, start)
    whole = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, whole) > end:
        whole -= 1
    anchor = add_months(start, whole)
    following = add_months(start, whole + 1)
    return whole + (end - anchor).days / (following - anchor).days
