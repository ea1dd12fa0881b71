""""My data": everything the record holds about the patient, as one zip of CSV files.

One CSV per table (diary, medicines, doses, labs, visits, scores the clinic stored, red-flag
notices), plus the photo files. A cell that starts with ``=``, ``+``, ``-`` or ``@`` is prefixed
with ``'`` so a spreadsheet never runs it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps

from lupuscare.clinical.diary import SYMPTOMS, TRIGGERS, WARNING_SIGNS
from lupuscare.web.records.models import Patient

from . import photos
from .models import DiaryPhoto, DoseLog, RedFlagNotice

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")


def tables(patient: Patient) -> dict[str, bytes]:
    """File name -> CSV bytes."""
    out: dict[str, bytes] = {}
    entries = patient.diary_entries.order_by("local_date")
    out["diary.csv"] = _csv(
        ["date", "time_zone", *SYMPTOMS, *(f"sign_{s}" for s in WARNING_SIGNS), *TRIGGERS, "notes"],
        ([e.local_date, e.time_zone, *(e.symptoms.get(s) for s in SYMPTOMS),
          *((s in e.warning_signs) for s in WARNING_SIGNS), *(e.triggers.get(t) for t in TRIGGERS),
          e.notes] for e in entries))
    out["medicines.csv"] = _csv(
        ["drug", "daily_dose_mg", "schedule", "route", "start", "stop", "reason"],
        ([m.drug, m.daily_dose_mg, m.schedule, m.route, m.start, m.stop, m.reason]
         for m in patient.medications.order_by("start", "drug")))
    out["doses.csv"] = _csv(
        ["date", "drug", "status", "side_effects", "other_side_effect"],
        ([d.local_date, d.course.drug, d.status, d.side_effects, d.other_side_effect]
         for d in DoseLog.objects.filter(patient=patient).select_related("course").order_by("local_date")))
    out["labs.csv"] = _csv(
        ["collected_at", "test", "value", "unit", "low", "high"],
        ([x.collected_at.isoformat(), x.test, x.value, x.unit, x.low, x.high]
         for x in patient.lab_results.order_by("collected_at")))
    out["visits.csv"] = _csv(
        ["date", "findings", "swollen_28", "tender_28", "pga"],
        ([a.date, a.findings, a.swollen_28, a.tender_28, a.pga] for a in patient.assessments.order_by("date")))
    if apps.is_installed("lupuscare.web.clinic"):
        StoredScore = apps.get_model("clinic", "StoredScore")
        out["scores.csv"] = _csv(
            ["date", "instrument", "value", "met", "category"],
            ([s.date, s.instrument, s.value, s.met, s.category]
             for s in StoredScore.objects.filter(patient=patient).order_by("date", "instrument")))
    out["red_flags.csv"] = _csv(
        ["date", "codes", "what_you_reported"],
        ([n.local_date, n.codes, n.signs] for n in RedFlagNotice.objects.filter(patient=patient)))
    out["photos.csv"] = _csv(
        ["file", "diary_date", "caption", "uploaded_at"],
        ([f"photos/{p.stored_name}", p.entry.local_date, p.caption, p.uploaded_at.isoformat()]
         for p in DiaryPhoto.objects.filter(patient=patient).select_related("entry")))
    return out


def export_zip(patient: Patient) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in tables(patient).items():
            z.writestr(name, data)
        for p in DiaryPhoto.objects.filter(patient=patient):
            path = photos.path_of(p.stored_name)
            if path.exists():
                z.write(path, f"photos/{p.stored_name}")
    return buf.getvalue()
