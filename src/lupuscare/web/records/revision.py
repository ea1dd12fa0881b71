"""A patient's write marker: a short string that changes whenever any of their records in the
given tables is added, changed or removed, so a cache of what does not change between writes
(the clinic timeline, the record page's tables) can be keyed on it.

Per table: the newest history row (simple-history writes one on every ORM save and delete), its
time, and the patient's row count (a purge that removes history as well still shows). One query.
A write that bypasses the ORM and its history would not show: callers also let entries expire.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models

from .models import Patient

CACHE_SECONDS = 300


def write_marker(patient_id: int, sources: Iterable[type[models.Model]]) -> str:
    """The marker over ``sources`` (models with ``history`` and a ``patient`` key) and the
    patient's own row."""
    tables = [(m.history.model._meta.db_table, m._meta.db_table, "patient_id") for m in sources]
    tables.append((Patient.history.model._meta.db_table, Patient._meta.db_table, "id"))
    parts: list[str] = []
    params: list[int] = []
    for history, table, column in tables:
        parts += [f"(SELECT MAX(history_id) FROM {history} WHERE {column} = %s)",
                  f"(SELECT MAX(history_date) FROM {history} WHERE {column} = %s)",
                  f"(SELECT COUNT(*) FROM {table} WHERE {column} = %s)"]
        params += [patient_id] * 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return "|".join(str(v) for v in row)
