"""A patient's diary as daily columns, with missing days kept missing (NaN), never zero.

Every analysis here runs on one ``DiarySeries``: a calendar of ``days`` consecutive days from
``start``, one float array per symptom and per trigger. A day the patient did not log, or an item
they skipped, is NaN; the statistics drop it, and completeness is reported next to every result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from lupuscare.clinical.diary import SYMPTOM_SCALE, SYMPTOMS, TRIGGERS
from lupuscare.errors import InputError

MAX_DAYS = 20 * 366


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


@dataclass(frozen=True)
class DiarySeries:
    start: date
    days: int
    symptoms: Mapping[str, np.ndarray]
    triggers: Mapping[str, np.ndarray]

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def last(self, days: int) -> DiarySeries:
        """The most recent ``days`` days (the whole series when it is shorter)."""
        if days >= self.days:
            return self
        cut = self.days - days
        return DiarySeries(start=self.start + timedelta(days=cut), days=days,
                           symptoms={k: v[cut:] for k, v in self.symptoms.items()},
                           triggers={k: v[cut:] for k, v in self.triggers.items()})

    def weekday(self) -> np.ndarray:
        first = self.start.weekday()
        return (first + np.arange(self.days)) % 7

    @classmethod
    def from_rows(cls, rows: Iterable[Any], *, start: date, days: int) -> DiarySeries:
        """Build from logged days: each row has ``date``, ``symptoms`` and ``triggers`` mappings
        (objects or dicts; e.g. ``lupuscare.demo.diary.DiaryDay``). Absent days stay missing."""
        if not isinstance(start, date):
            raise InputError("start", "must be a date")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise InputError("days", f"must be a whole number of days from 1 to {MAX_DAYS}")
        sym = {n: np.full(days, np.nan) for n in SYMPTOMS}
        trg = {n: np.full(days, np.nan) for n in TRIGGERS}
        seen: set[int] = set()
        lo, hi = SYMPTOM_SCALE
        for i, row in enumerate(rows):
            day = _get(row, "date")
            if not isinstance(day, date):
                raise InputError(f"rows[{i}].date", "must be a date")
            k = (day - start).days
            if not 0 <= k < days:
                raise InputError(f"rows[{i}].date", f"{day.isoformat()} is outside the series")
            if k in seen:
                raise InputError(f"rows[{i}].date", f"{day.isoformat()} is logged twice")
            seen.add(k)
            for name, value in (_get(row, "symptoms") or {}).items():
                if name not in SYMPTOMS:
                    raise InputError(f"rows[{i}].symptoms.{name}", "unknown symptom")
                sym[name][k] = _value(value, lo, hi, f"rows[{i}].symptoms.{name}")
            for name, value in (_get(row, "triggers") or {}).items():
                if name not in TRIGGERS:
                    raise InputError(f"rows[{i}].triggers.{name}", "unknown trigger")
                t = TRIGGERS[name]
                trg[name][k] = _value(value, t.low, t.high, f"rows[{i}].triggers.{name}")
        return cls(start=start, days=days, symptoms=sym, triggers=trg)


def _value(value: Any, low: float, high: float, fieldname: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, int | float | np.integer | np.floating) or not math.isfinite(value):
        raise InputError(fieldname, "must be a finite number or empty")
    if not low <= value <= high:
        raise InputError(fieldname, f"must be between {low:g} and {high:g}")
    return float(value)
