"""Small input guards shared by the modules: each raises InputError naming the field."""

from __future__ import annotations

import math
from datetime import date, datetime

from lupuscare.errors import InputError, MissingInputError


def number(field: str, value: object, *, minimum: float | None = None,
           maximum: float | None = None, positive: bool = False) -> float:
    """A finite real number (bools refused), optionally bounded."""
    if value is None:
        raise MissingInputError(field, "is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(field, f"must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise InputError(field, "must be a finite number")
    if positive and result <= 0:
        raise InputError(field, f"must be greater than 0, got {value}")
    if minimum is not None and result < minimum:
        raise InputError(field, f"must be at least {minimum}, got {value}")
    if maximum is not None and result > maximum:
        raise InputError(field, f"must be at most {maximum}, got {value}")
    return result


def text(field: str, value: object) -> str:
    """A non-blank string, stripped."""
    if value is None:
        raise MissingInputError(field, "is required")
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "must be a non-empty text")
    return value.strip()


def day(field: str, value: object) -> date:
    """A calendar date (a ``date`` or an ISO ``YYYY-MM-DD`` string); datetimes are refused."""
    if value is None:
        raise MissingInputError(field, "is required")
    if isinstance(value, datetime):
        raise InputError(field, "must be a date, not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InputError(field, f"must be an ISO date (YYYY-MM-DD), got {value!r}") from None
    raise InputError(field, f"must be a date, got {value!r}")


def moment(field: str, value: object) -> datetime:
    """A timezone-aware date-time (a ``datetime`` or an ISO string with offset)."""
    if value is None:
        raise MissingInputError(field, "is required")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InputError(field, f"must be an ISO date-time, got {value!r}") from None
    if not isinstance(value, datetime):
        raise InputError(field, f"must be a date-time, got {value!r}")
    if value.tzinfo is None:
        raise InputError(field, "must carry a time zone (e.g. +00:00)")
    return value
