"""The patient timeline: chart data built server-side as plain JSON, drawn by
``static/clinic/timeline.js`` with the locally served Plotly.

A handful of queries whatever the length of the record (stored scores, labs, medicines, damage,
diary), then plain Python over the rows. The clinical facts are the core's: time in LLDAS /
remission (``lupuscare.instruments.time_in_target``), the SDI's change points
(``lupuscare.instruments.sdi.change_points``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from statistics import mean
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from lupuscare.clinical import units
from lupuscare.clinical.glucocorticoids import (
    MG_EQUIVALENT_TO_5MG_PREDNISONE,
    counts_as_daily,
    daily_prednisone_equivalent,
)
from lupuscare.clinical.vocabulary import DRUGS
from lupuscare.instruments import sdi, sfi
from lupuscare.instruments.time_in_target import bands_and_time
from lupuscare.web.records import revision
from lupuscare.web.records.models import (
    DamageItem,
    DiaryEntry,
    LabResult,
    MedicationCourse,
    Patient,
)

from .models import StoredScore

CHART_LABS = ("c3", "c4", "anti_dsdna", "upcr", "egfr")
# A long lab series is summarised, so the page stays the same size however long the record: the
# most recent RECENT_LAB_POINTS results are drawn as they are; older ones are reduced to each
# calendar month's lowest and highest result (every peak and trough still shows, dated as
# collected). Project choice for drawing only: no rule or score reads this series.
MAX_LAB_POINTS = 240
RECENT_LAB_POINTS = 120
TREATMENT_CLASSES = ("antimalarial", "immunosuppressant", "biologic")
FLARES = tuple(c for c in sfi.FLARE_CATEGORIES if c != "none")


def _iso(day: dt.date) -> str:
    return day.isoformat()


def score_series(patient_id: int) -> dict[str, list]:
    """Per visit: date, SLEDAI-2K, SLE-DAS, LLDAS met, DORIS met, SFI flare, SDI."""
    rows = StoredScore.objects.filter(
        patient_id=patient_id, instrument__in=("sledai2k", "sle-das", "lldas", "doris", "sfi", "sdi")
    ).values_list("assessment_id", "date", "instrument", "value", "met", "category")
    visits: dict[int, dict[str, Any]] = {}
    for aid, day, instrument, value, met, category in rows:
        v = visits.setdefault(aid, {"date": day})
        v[instrument] = category if instrument == "sfi" else (met if instrument in ("lldas", "doris") else value)
    ordered = sorted(visits.values(), key=lambda v: v["date"])
    return {
        "dates": [_iso(v["date"]) for v in ordered],
        "sledai2k": [v.get("sledai2k") for v in ordered],
        "sle_das": [v.get("sle-das") for v in ordered],
        "lldas": [v.get("lldas") for v in ordered],
        "doris": [v.get("doris") for v in ordered],
        "flare": [v.get("sfi") for v in ordered],
        "sdi": [v.get("sdi") for v in ordered],
    }


def lab_series(patient_id: int) -> dict[str, dict[str, Any]]:
    """Test -> {dates, values, unit}, in the canonical unit where the unit converts."""
    out: dict[str, dict[str, Any]] = {}
    tz = timezone.get_default_timezone()
    rows = LabResult.objects.filter(patient_id=patient_id, test__in=CHART_LABS).order_by(
        "collected_at", "id").values_list("test", "value", "unit", "collected_at", "low", "high")
    for test, value, unit, at, low, high in rows:
        shown_unit = units.CANONICAL_UNIT[test]
        # For drawing only (no threshold decision here), so the fast float conversion serves.
        shown = units.to_canonical_float(test, value, unit)
        if shown is None:  # assay-specific unit (e.g. anti-dsDNA U/mL): shown as reported
            shown, shown_unit = value, unit
        s = out.setdefault(test, {"dates": [], "values": [], "unit": shown_unit, "abnormal": []})
        if s["unit"] != shown_unit:  # a different assay: a separate series
            s = out.setdefault(f"{test} ({unit})", {"dates": [], "values": [], "unit": shown_unit,
                                                     "abnormal": []})
        s["dates"].append(_iso(at.astimezone(tz).date()))
        s["values"].append(shown)
        s["abnormal"].append(bool((low is not None and value < low) or (high is not None and value > high)))
    for series in out.values():
        summarise_lab_series(series)
    return out


def summarise_lab_series(series: dict[str, Any], max_points: int = MAX_LAB_POINTS,
                         recent: int = RECENT_LAB_POINTS) -> None:
    """Reduce a series longer than ``max_points`` in place (see ``MAX_LAB_POINTS``); records
    what was done under ``summarised`` so the page can say so."""
    n = len(series["dates"])
    if n <= max_points:
        return
    older = n - recent
    months: dict[str, tuple[int, int]] = {}  # "YYYY-MM" -> (index of lowest, index of highest)
    for i in range(older):
        month = series["dates"][i][:7]
        lo, hi = months.get(month, (i, i))
        if series["values"][i] < series["values"][lo]:
            lo = i
        if series["values"][i] > series["values"][hi]:
            hi = i
        months[month] = (lo, hi)
    keep = sorted({i for pair in months.values() for i in pair}) + list(range(older, n))
    for key in ("dates", "values", "abnormal"):
        series[key] = [series[key][i] for i in keep]
    series["summarised"] = {"before": series["dates"][len(keep) - recent], "results": older,
                            "points": len(keep) - recent}


def prednisone_series(courses: list[MedicationCourse], until: dt.date) -> dict[str, list]:
    """Scheduled daily prednisone-equivalent (mg) as a step series over the record."""
    gc = [c for c in courses if counts_as_daily(c)]
    changes = sorted({c.start for c in gc} | {c.stop + dt.timedelta(days=1) for c in gc if c.stop}
                     | ({until} if gc else set()))
    dates, values = [], []
    for day in changes:
        active = [c for c in gc if c.start <= day and (c.stop is None or c.stop >= day)]
        dates.append(_iso(day))
        values.append(daily_prednisone_equivalent(active))
    return {"dates": dates, "values": values}


def treatment_starts(courses: list[MedicationCourse]) -> list[dict[str, str]]:
    """First start of each non-glucocorticoid lupus treatment (dose changes are not new starts)."""
    first: dict[str, dt.date] = {}
    for c in sorted(courses, key=lambda c: c.start):
        drug = DRUGS.get(c.drug)
        if drug is not None and drug.drug_class in TREATMENT_CLASSES and c.drug not in first:
            first[c.drug] = c.start
    return [{"date": _iso(d), "drug": name.replace("_", " ")} for name, d in sorted(first.items(), key=lambda x: x[1])]


def sdi_accrual(damage: list[DamageItem], until: dt.date) -> dict[str, list]:
    """SDI total over time from the dated damage items (the instrument's own score_series)."""
    if not damage:
        return {"dates": [], "values": []}
    doc = {"damage": [d.to_document() for d in damage]}
    series = sdi.score_series(doc, sdi.change_points([d.onset for d in damage], until))
    return {"dates": [_iso(d) for d, _ in series], "values": [v for _, v in series]}


def diary_summary(patient_id: int, since: dt.date | None, today: dt.date) -> dict[str, Any]:
    """The patient's own diary since the last visit: days entered, mean symptom ratings,
    warning signs by day count."""
    entries = DiaryEntry.objects.filter(patient_id=patient_id, local_date__lte=today)
    if since is not None:
        entries = entries.filter(local_date__gt=since)
    ratings: dict[str, list[int]] = defaultdict(list)
    signs: dict[str, int] = defaultdict(int)
    n = 0
    for symptoms, warning_signs in entries.values_list("symptoms", "warning_signs"):
        n += 1
        for name, value in (symptoms or {}).items():
            ratings[name].append(value)
        for s in warning_signs or []:
            signs[s] += 1
    return {
        "since": _iso(since) if since else None,
        "days": n,
        "symptoms": {k: round(mean(v), 1) for k, v in sorted(ratings.items())},
        "warning_signs": dict(sorted(signs.items())),
    }


# What the timeline reads: its cache entry is keyed on these tables' state for the patient.
TIMELINE_SOURCES = (StoredScore, LabResult, MedicationCourse, DamageItem, DiaryEntry)
TIMELINE_CACHE_SECONDS = revision.CACHE_SECONDS


def build(patient: Patient, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the timeline draws, as JSON-ready data; from the cache while nothing the
    timeline reads has changed (``records.revision.write_marker``) on the same day."""
    today = today or timezone.localdate()
    marker = revision.write_marker(patient.pk, TIMELINE_SOURCES)
    key = "lupuscare:timeline:" + hashlib.sha256(
        f"{patient.pk}|{today.isoformat()}|{marker}".encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = _build(patient, today)
        cache.set(key, data, TIMELINE_CACHE_SECONDS)
    return data


def _build(patient: Patient, today: dt.date) -> dict[str, Any]:
    scores = score_series(patient.pk)
    courses = list(MedicationCourse.objects.filter(patient=patient, start__lte=today)
                   .filter(Q(stop__isnull=True) | Q(stop__gte=patient.birth_date)))
    damage = list(DamageItem.objects.filter(patient=patient, onset__lte=today))
    lldas_bands, lldas_pct = bands_and_time(scores["dates"], scores["lldas"])
    doris_bands, doris_pct = bands_and_time(scores["dates"], scores["doris"])
    flares = [{"date": d, "severity": f} for d, f in zip(scores["dates"], scores["flare"], strict=True)
              if f in FLARES]
    last_visit = dt.date.fromisoformat(scores["dates"][-1]) if scores["dates"] else None
    return {
        "scores": scores,
        "labs": lab_series(patient.pk),
        "prednisone": prednisone_series(courses, today),
        "treatment_starts": treatment_starts(courses),
        "flares": flares,
        "lldas_bands": lldas_bands,
        "doris_bands": doris_bands,
        "time_in_lldas_percent": lldas_pct,
        "time_in_remission_percent": doris_pct,
        "sdi": sdi_accrual(damage, today),
        "diary": diary_summary(patient.pk, last_visit, today),
        "glucocorticoids": sorted(MG_EQUIVALENT_TO_5MG_PREDNISONE),
    }
