"""CSV import of lab results: every row valid, or nothing is saved.

Columns (header row required, any order): ``test, value, unit, low, high, collected_at``
(``low``/``high`` may be empty; ``collected_at`` is ISO 8601, a date or a date and time in the
clinic's time zone). Each row is checked by the same validator as a single result
(``services.new_lab``: test vocabulary, unit known for the test, plausibility limits after unit
conversion, dates within the patient's life, low <= high); errors name the row (1 = the first
data row) and the field. The rows are then saved by ``services.record_labs`` in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass

from django.utils import timezone

from lupuscare.web.records.models import LabResult, Patient
from lupuscare.web.records.services import RecordInvalid, new_lab

COLUMNS = ("test", "value", "unit", "low", "high", "collected_at")
REQUIRED = ("test", "value", "unit", "collected_at")
MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
MAX_FIELD_CHARS = 1000  # no lab field is longer; Python's csv module would stop at 128 KiB


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
    try:
        return _parse_rows(text, patient)
    except csv.Error as exc:
        return [], [RowError(0, "file", f"is not a readable CSV file ({exc})")]


def _parse_rows(text: str, patient: Patient) -> tuple[list[LabResult], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        errors = [RowError(0, c, "column is missing") for c in missing]
        errors += [RowError(0, c, f"unknown column; expected {', '.join(COLUMNS)}") for c in unknown]
        return [], errors
    reader.fieldnames = header
    results: list[LabResult] = []
    errors: list[RowError] = []
    for i, raw in enumerate(reader, start=1):
        if i > MAX_ROWS:
            return [], [RowError(0, "file", f"more than {MAX_ROWS} rows")]
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        row_errors: list[RowError] = [RowError(i, k, f"longer than {MAX_FIELD_CHARS} characters")
                                      for k, v in row.items() if len(v) > MAX_FIELD_CHARS]
        if row_errors:
            errors.extend(row_errors)
            continue
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
            try:
                results.append(new_lab(patient, source="import", **fields))
            except RecordInvalid as exc:
                row_errors += [RowError(i, f, m) for f, ms in exc.errors.items() for m in ms]
        errors.extend(row_errors)
    if not errors and not results:
        errors.append(RowError(0, "file", "has no data rows"))
    return ([], errors) if errors else (results, [])
