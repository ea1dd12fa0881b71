"""Scoring visits: the live preview while the clinician ticks, and the stored scores on save.

Both paths build the contracts §2 document through the records seam (``Assessment.to_document``)
and score it with ``lupuscare.instruments.score_all``, so what the clinician watched while
ticking is exactly what is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction

from lupuscare.errors import InputError
from lupuscare.instruments import score_all
from lupuscare.instruments.result import InstrumentResult
from lupuscare.web.records.models import Assessment
from lupuscare.web.records.models.clinical import WINDOW_DAYS_CHOICES

from .models import StoredScore

MAX_WINDOW_DAYS = max(days for days, _ in WINDOW_DAYS_CHOICES)

# What the visit form shows live, in this order (contracts §1 names).
LIVE_INSTRUMENTS = ("sledai2k", "sle-das", "lldas", "doris", "sfi", "pga")


def previous_visit(assessment: Assessment) -> Assessment | None:
    """The visit before ``assessment`` (saved or a draft that has no id yet)."""
    if assessment.pk is not None:
        return assessment.previous()
    return (
        Assessment.objects.filter(patient_id=assessment.patient_id, date__lte=assessment.date)
        .order_by("-date", "-id")
        .first()
    )


def visit_document(assessment: Assessment) -> dict[str, Any]:
    """The assessment document of a saved visit or of a draft (with its previous visit)."""
    doc = assessment.to_document(with_previous=False)
    previous = previous_visit(assessment)
    if previous is not None:
        doc["previous"] = previous.to_document(with_previous=False)
    return doc


def score_document(document: dict[str, Any]) -> tuple[dict[str, InstrumentResult], str | None]:
    """Every instrument the document has inputs for; bad input comes back as a message."""
    try:
        return score_all(document), None
    except InputError as exc:
        return {}, str(exc)


def _headline(name: str, values: dict[str, Any]) -> tuple[float | None, bool | None, str]:
    if name == "sledai2k":
        return float(values["total"]), None, ""
    if name == "sle-das":
        return float(values["score"]), None, values.get("category", "")
    if name in ("lldas", "doris"):
        return None, values.get("met"), ""
    if name == "sfi":
        return None, None, values.get("flare", "")
    if name == "sdi":
        return float(values["total"]), None, ""
    if name == "pga":
        return float(values["pga"]), None, values.get("category", "")
    for key in ("total", "score"):
        if isinstance(values.get(key), int | float):
            return float(values[key]), None, ""
    return None, None, ""


@transaction.atomic
def store_scores(assessment: Assessment, user=None) -> list[StoredScore]:
    """Score a saved visit and store every result with its document, version and citation.

    Re-scoring a visit replaces its rows in place (``StoredScore.history`` keeps the old ones).
    Raises ``InputError`` when the visit's record cannot be scored (nothing is stored then).
    """
    document = visit_document(assessment)
    results = score_all(document)
    existing = {s.instrument: s for s in assessment.stored_scores.all()}
    stored = []
    for name, result in results.items():
        data = result.to_dict()
        value, met, category = _headline(name, data)
        row = existing.get(name) or StoredScore(
            patient_id=assessment.patient_id, assessment=assessment, instrument=name
        )
        row.date = assessment.date
        row.version, row.citation = result.version, result.citation
        row.value, row.met, row.category = value, met, category
        row.result, row.document, row.computed_by = data, document, user
        row.save()
        stored.append(row)
    stale = set(existing) - set(results)
    if stale:
        assessment.stored_scores.filter(instrument__in=stale).delete()
    return stored


def rescore_for_labs(patient_id: int, days: list, user=None) -> int:
    """Re-score the visits whose window holds any of ``days`` (dates of newly recorded labs): a
    result that arrives after the visit belongs in that visit's scores. The scores shown before
    stay in ``StoredScore.history``. Returns how many visits were re-scored."""
    if not days:
        return 0
    first, last = min(days), max(days)
    candidates = Assessment.objects.filter(
        patient_id=patient_id, date__gte=first, date__lte=last + dt.timedelta(days=MAX_WINDOW_DAYS))
    n = 0
    for visit in candidates.select_related("patient"):
        if any(visit.window_start <= d <= visit.date for d in days):
            store_scores(visit, user)
            n += 1
    return n


def unscored_visits(patient_id: int) -> models.QuerySet[Assessment]:
    return Assessment.objects.filter(patient_id=patient_id).exclude(
        id__in=StoredScore.objects.filter(patient_id=patient_id).values("assessment_id")
    )


def score_missing(patient_id: int) -> int:
    """Store scores for a patient's visits that have none (e.g. imported or demo visits).
    Visits whose record cannot be scored are left unscored (the page says so)."""
    n = 0
    for assessment in unscored_visits(patient_id).select_related("patient").order_by("date", "id"):
        try:
            store_scores(assessment)
            n += 1
        except InputError:
            continue
    return n
