"""Scoring visits: the live preview while the clinician ticks, and the stored scores on save.

Both paths build the contracts §2 document through the records seam (``Assessment.to_document``)
and score it with ``lupuscare.instruments.score_all``, so what the clinician watched while
ticking is exactly what is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from lupuscare.errors import InputError
from lupuscare.instruments import score_all
from lupuscare.instruments.result import InstrumentResult
from lupuscare.web.records.models import Assessment, DamageItem, MedicationCourse
from lupuscare.web.records.models.clinical import WINDOW_DAYS_CHOICES

from .models import StoredScore

MAX_WINDOW_DAYS = max(days for days, _ in WINDOW_DAYS_CHOICES)

# What the visit form shows live, in this order (contracts §1 names).
LIVE_INSTRUMENTS = ("sledai2k", "sle-das", "lldas", "doris", "sfi", "sri", "pga")


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
    if name == "sri":
        return None, values.get("responder"), f"SRI-{values.get('k')}"
    if name == "sdi":
        return float(values["total"]), None, ""
    if name == "pga":
        return float(values["pga"]), None, values.get("category", "")
    for key in ("total", "score"):
        if isinstance(values.get(key), int | float):
            return float(values[key]), None, ""
    return None, None, ""


@transaction.atomic
def store_scores(assessment: Assessment, user=None, document: dict[str, Any] | None = None
                 ) -> list[StoredScore]:
    """Score a saved visit and store every result with its document, version and citation.

    Re-scoring a visit replaces its rows in place (``StoredScore.history`` keeps the old ones).
    Raises ``InputError`` when the visit's record cannot be scored (nothing is stored then).
    ``document``: the visit's document when the caller has just built it (``visit_document``).
    """
    if document is None:
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


# A span of visit dates a record can appear in: (first, last), last None for open-ended.
Span = tuple[dt.date, dt.date | None]


def record_span(record: MedicationCourse | DamageItem) -> Span:
    """The visit dates whose document holds ``record`` (``Assessment.to_document``): a course on
    the visits from its start to its stop, a damage item on every visit from its onset."""
    if isinstance(record, MedicationCourse):
        return record.start, record.stop
    if isinstance(record, DamageItem):
        return record.onset, None
    raise TypeError(f"no visit span for {type(record).__name__}")


@transaction.atomic
def rescore_for_records(patient_id: int, spans: Iterable[Span], user=None) -> int:
    """Re-score the scored visits whose document changed after medicine courses or damage items
    were recorded or changed (``spans``: the visit dates each change can reach, see
    ``record_span``). A visit's document also embeds the visit before it (``previous``), so the
    first visit after the spans is checked too. Each candidate's document is rebuilt and compared
    with the stored one: only a visit whose document differs is re-scored, so the history gains
    rows only where a score's inputs really changed (the old rows stay in
    ``StoredScore.history``). Visits never scored are left to ``score_missing``.

    Raises ``InputError`` when a changed visit cannot be scored; the caller's transaction then
    rolls back with it, so the record and the scores never disagree. Returns how many visits
    were re-scored.
    """
    spans = list(spans)
    if not spans:
        return 0
    first = min(start for start, _ in spans)
    last = None if any(stop is None for _, stop in spans) else max(stop for _, stop in spans)
    visits = (Assessment.objects.filter(patient_id=patient_id, date__gte=first)
              .select_related("patient").prefetch_related("stored_scores").order_by("date", "id"))
    if last is None:
        candidates = list(visits)
    else:
        candidates = list(visits.filter(date__lte=last))
        following = visits.filter(date__gt=last).first()
        if following is not None:
            candidates.append(following)
    n = 0
    for visit in candidates:
        stored = list(visit.stored_scores.all())
        if not stored:
            continue
        document = visit_document(visit)
        if all(row.document == document for row in stored):
            continue
        store_scores(visit, user, document)
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
