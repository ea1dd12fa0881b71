"""CSV import of lab results: every row valid, or nothing is saved.

Columns (header row required, any order): ``test, value, unit, low, high, collected_at``
(``low``/``high`` may be empty; ``collected_at`` is ISO 8601, a date or a date and time in the
clinic's time zone). Each row is checked exactly as the single-result form checks it (test
vocabulary, unit known for the test, plausibility limits, dates within the patient's life,
low <= high); errors name the row (1 = the first data row) and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from lupuscare.clinical import limits
from lupuscare.web.records.models import LabResult, Patient

COLUMNS = ("test", "value", "unit", "low", "high", "collected_at")
REQUIRED = ("test", "value", "unit", "collected_at")
MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based data row; 0 for the header or the file itself
    field: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        return f"{where}, {self.field}: {self.message}"


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError
    return value


def _when(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def parse(data: bytes, patient: Patient) -> tuple[list[LabResult], list[RowError]]:
    """Unsaved results, or the errors (then the list of results is empty)."""
    if len(data) > MAX_BYTES:
        return [], [RowError(0, "file", f"larger than {MAX_BYTES // (1024 * 1024)} MB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "file", "is not UTF-8 text")]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        errors = [RowError(0, c, "column is missing") for c in missing]
        errors += [RowError(0, c, f"unknown column; expected {', '.join(COLUMNS)}") for c in unknown]
        return [], errors
    reader.fieldnames = header
    today = timezone.localdate()
    results: list[LabResult] = []
    errors: list[RowError] = []
    for i, raw in enumerate(reader, start=1):
        if i > MAX_ROWS:
            return [], [RowError(0, "file", f"more than {MAX_ROWS} rows")]
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        row_errors: list[RowError] = []
        for c in REQUIRED:
            if not row.get(c):
                row_errors.append(RowError(i, c, "is required"))
        fields: dict = {"test": row.get("test", ""), "unit": row.get("unit", "")}
        for c in ("value", "low", "high"):
            if row.get(c):
                try:
                    fields[c] = _number(row[c])
                except ValueError:
                    row_errors.append(RowError(i, c, f"{row[c]!r} is not a finite number"))
        if row.get("collected_at"):
            try:
                fields["collected_at"] = _when(row["collected_at"])
            except ValueError:
                row_errors.append(RowError(i, "collected_at", f"{row['collected_at']!r} is not an "
                                                              "ISO date or date-time"))
        if not row_errors:
            lab = LabResult(patient=patient, source="import", **fields)
            try:
                lab.full_clean(exclude=["patient"])
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    row_errors.extend(RowError(i, field, m) for m in messages)
            else:
                problem = limits.lab_value_error(lab.test, lab.value, lab.unit)
                if problem:
                    row_errors.append(RowError(i, "value", problem))
                day = timezone.localtime(lab.collected_at).date()
                if problem := limits.clinical_date_error(day, patient.birth_date, today):
                    row_errors.append(RowError(i, "collected_at", problem))
                results.append(lab)
        errors.extend(row_errors)
    if not errors and not results:
        errors.append(RowError(0, "file", "has no data rows"))
    return ([], errors) if errors else (results, [])


@transaction.atomic
def save(results: list[LabResult]) -> list[LabResult]:
    """Save all parsed results in one transaction (each with its history row)."""
    return bulk_create_with_history(results, LabResult)
