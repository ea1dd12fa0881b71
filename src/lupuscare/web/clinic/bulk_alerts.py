"""The safety rules over a whole cohort: ``alerts.refresh_alerts`` for many patients at once.

``contexts(patient_ids, today)`` builds each patient's ``lupuscare.rules.PatientContext`` from a
handful of set-based queries for the whole chunk, with the same rows, conversions and order as
``seam.rule_context`` reads one patient at a time (the seam's converters ``_rule_lab``,
``rule_course`` and ``diary_red_flags`` do the converting; a test compares both on the demo
cohort). ``refresh(patient_ids, today)`` evaluates the rules and writes with
``refresh_alerts``'s semantics: one live row per patient and code; a new alert opens a row; an
alert whose severity or message changed is rewritten (with its history row); an unchanged one only
gets its evaluation date; a live alert no longer firing is resolved. A patient whose record the
rules cannot read is reported (patient, field) and their alerts are left as they were.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from lupuscare.errors import InputError
from lupuscare.rules import PatientContext, evaluate
from lupuscare.rules.context import CellTherapyInfusion
from lupuscare.web import seam
from lupuscare.web.records.models import DiaryEntry, LabResult, MedicationCourse, Patient

from .alerts import LIVE, _fill
from .models import AlertStatus, ClinicAlert, Contraception, EyeExam

CHUNK_PATIENTS = 500
BATCH_SIZE = 1000
# seam.weight_date reads at most this many history rows of a patient, newest first.
WEIGHT_HISTORY_ROWS = 200
FILLED = ("severity", "severity_rank", "message", "evidence", "citation", "certainty", "due_date",
          "last_evaluated_on")


@dataclass
class AlertSummary:
    patients: int = 0
    opened: int = 0
    changed: int = 0
    unchanged: int = 0
    resolved: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"patients": self.patients, "opened": self.opened, "changed": self.changed,
                "unchanged": self.unchanged, "resolved": self.resolved, "failed": self.failed,
                "seconds": round(self.seconds, 3), "failures": self.failures}


def _by_patient(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for pid, *rest in rows:
        out.setdefault(pid, []).append(tuple(rest))
    return out


def _weight_dates(patients: dict[int, Patient]) -> dict[int, dt.date | None]:
    """``seam.weight_date`` for every patient, from one query over their history."""
    tz = timezone.get_default_timezone()
    rows = _by_patient(Patient.history.filter(id__in=list(patients))
                       .order_by("id", "-history_date", "-history_id")
                       .values_list("id", "weight_kg", "history_date"))
    out: dict[int, dt.date | None] = {}
    for pid, patient in patients.items():
        if patient.weight_kg is None:
            out[pid] = None
            continue
        since = None
        for weight, at in rows.get(pid, [])[:WEIGHT_HISTORY_ROWS]:
            if weight != patient.weight_kg:
                break
            since = at
        out[pid] = since.astimezone(tz).date() if since is not None else None
    return out


def contexts(patient_ids: Iterable[int], today: dt.date
             ) -> tuple[dict[int, PatientContext], dict[int, InputError]]:
    """Each patient's rule context as of ``today`` (as ``seam.rule_context``), in nine queries
    for the chunk; and the patients whose record gives no valid context, with the error."""
    from lupuscare.web.celltherapy.models import Infusion

    ids = list(patient_ids)
    tz = timezone.get_default_timezone()
    patients = Patient.objects.in_bulk(ids)
    labs = _by_patient(LabResult.objects.filter(patient_id__in=ids, test__in=seam.RULE_LAB_TESTS)
                       .order_by("patient_id", "-collected_at", "-id")
                       .values_list("patient_id", "test", "value", "unit", "collected_at"))
    courses: dict[int, list[MedicationCourse]] = {}
    for row in (MedicationCourse.objects.filter(patient_id__in=ids, start__lte=today)
                .filter(Q(stop__isnull=True)
                        | Q(stop__gte=today - dt.timedelta(days=seam.COURSE_LOOKBACK_DAYS)))
                .order_by("patient_id", "-start", "-id")):
        courses.setdefault(row.patient_id, []).append(row)
    diary: dict[int, list[DiaryEntry]] = {}
    for entry in (DiaryEntry.objects.filter(
            patient_id__in=ids, local_date__gte=today - dt.timedelta(days=seam.DIARY_LOOKBACK_DAYS),
            local_date__lte=today).order_by("patient_id", "-local_date")
            .only("patient_id", "local_date", "warning_signs", "symptoms")):
        diary.setdefault(entry.patient_id, []).append(entry)
    eyes = _by_patient(EyeExam.objects.filter(patient_id__in=ids, date__lte=today)
                       .order_by("patient_id", "-date", "-id").values_list("patient_id", "date"))
    contracepting = set(Contraception.objects.filter(patient_id__in=ids, start__lte=today)
                        .filter(Q(stop__isnull=True) | Q(stop__gte=today))
                        .values_list("patient_id", flat=True))
    infusions = _by_patient(Infusion.objects.filter(enrolment__patient_id__in=ids)
                            .values_list("enrolment__patient_id", "enrolment__programme__modality",
                                         "started_at"))
    weights = _weight_dates(patients)
    out: dict[int, PatientContext] = {}
    errors: dict[int, InputError] = {}
    for pid in ids:
        patient = patients.get(pid)
        if patient is None:
            continue
        try:
            out[pid] = PatientContext(
                today=today,
                birth_date=patient.birth_date,
                sex=patient.sex,
                weight_kg=patient.weight_kg,
                weight_date=weights[pid],
                can_become_pregnant=patient.can_become_pregnant,
                contraception_recorded=pid in contracepting,
                eye_exams=tuple(d for (d,) in eyes.get(pid, [])),
                medications=tuple(seam.rule_course(c) for c in courses.get(pid, [])),
                labs=tuple(lab for row in labs.get(pid, [])
                           if (lab := seam._rule_lab(*row, tz)) is not None),
                diary_red_flags=tuple(seam.diary_red_flags(diary.get(pid, []))),
                cell_therapy=tuple(sorted(
                    (CellTherapyInfusion(product=m, date=s.astimezone(tz).date())
                     for m, s in infusions.get(pid, []) if s.astimezone(tz).date() <= today),
                    key=lambda i: i.date)),
            )
        except InputError as exc:
            errors[pid] = exc
    return out, errors


def refresh(patient_ids: Iterable[int] | None = None, today: dt.date | None = None, *,
            chunk_patients: int = CHUNK_PATIENTS) -> AlertSummary:
    """Evaluate every rule for each patient (default: all) and store what changed."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    ids = sorted(patient_ids) if patient_ids is not None else list(
        Patient.objects.order_by("pk").values_list("pk", flat=True))
    summary = AlertSummary()
    for i in range(0, len(ids), chunk_patients):
        _refresh_chunk(ids[i:i + chunk_patients], today, summary)
    summary.seconds = time.perf_counter() - started
    return summary


@transaction.atomic
def _refresh_chunk(chunk: list[int], today: dt.date, summary: AlertSummary) -> None:
    ctxs, errors = contexts(chunk, today)
    fired: dict[int, dict[str, Any]] = {}
    for pid, ctx in ctxs.items():
        try:
            fired[pid] = {a.code: a for a in evaluate(ctx)}
        except InputError as exc:
            errors[pid] = exc
    for pid, exc in errors.items():
        summary.failures.append({"patient": pid, "field": exc.field, "message": exc.message})
    summary.failed += len(errors)
    summary.patients += len(fired)
    live: dict[int, dict[str, ClinicAlert]] = {}
    for row in ClinicAlert.objects.select_for_update().filter(patient_id__in=list(fired),
                                                              status__in=LIVE):
        live.setdefault(row.patient_id, {})[row.code] = row
    resolved, opened, changed, unchanged = [], [], [], []
    for pid, alerts in fired.items():
        rows = live.get(pid, {})
        for code, row in rows.items():
            if code not in alerts:
                row.status = AlertStatus.RESOLVED
                row.last_evaluated_on = today
                resolved.append(row)
        for code, alert in alerts.items():
            row = rows.get(code)
            if row is None:
                row = ClinicAlert(patient_id=pid, code=code)
                _fill(row, alert, today)
                opened.append(row)
            elif (row.severity, row.message) != (alert.severity, alert.message):
                _fill(row, alert, today)
                changed.append(row)
            else:  # unchanged: no new history row for a mere re-evaluation
                unchanged.append(row.pk)
    if resolved:
        bulk_update_with_history(resolved, ClinicAlert, ["status", "last_evaluated_on"],
                                 batch_size=BATCH_SIZE)
    if changed:
        bulk_update_with_history(changed, ClinicAlert, list(FILLED), batch_size=BATCH_SIZE)
    if opened:
        bulk_create_with_history(opened, ClinicAlert, batch_size=BATCH_SIZE)
    if unchanged:
        for i in range(0, len(unchanged), BATCH_SIZE):
            ClinicAlert.objects.filter(pk__in=unchanged[i:i + BATCH_SIZE]).update(
                last_evaluated_on=today)
    summary.opened += len(opened)
    summary.changed += len(changed)
    summary.unchanged += len(unchanged)
    summary.resolved += len(resolved)
