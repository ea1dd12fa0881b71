"""Scoring visits: the live preview while the clinician ticks, and the stored scores on save.

Both paths build the contracts §2 document through the seam (``lupuscare.web.seam``) and score it
with ``lupuscare.instruments.score_all``, so what the clinician watched while ticking is exactly
what is stored. Writes reach ``rescore_affected`` through the record services
(``lupuscare.web.records.services``), never from a view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from simple_history.utils import bulk_create_with_history

from lupuscare.errors import InputError
from lupuscare.instruments import score_all
from lupuscare.instruments.display import headline
from lupuscare.instruments.result import InstrumentResult
from lupuscare.web import seam
from lupuscare.web.records.models import Assessment, Patient
from lupuscare.web.records.models.clinical import WINDOW_DAYS_CHOICES
from lupuscare.web.records.services.base import Span
from lupuscare.web.seam import PatientRecord

from .models import StoredScore

MAX_WINDOW_DAYS = max(days for days, _ in WINDOW_DAYS_CHOICES)

# What the visit form shows live, in this order (contracts §1 names).
LIVE_INSTRUMENTS = ("sledai2k", "sle-das", "lldas", "doris", "sfi", "sri", "pga")


def visit_document(assessment: Assessment, record: PatientRecord | None = None) -> dict[str, Any]:
    """The assessment document of a saved visit or of a draft, with its previous visit
    (``lupuscare.web.seam.visit_document``)."""
    return seam.visit_document(assessment, record)


def score_document(document: dict[str, Any]) -> tuple[dict[str, InstrumentResult], str | None]:
    """Every instrument the document has inputs for; bad input comes back as a message."""
    try:
        return score_all(document), None
    except InputError as exc:
        return {}, str(exc)


def _row(row: StoredScore, visit: Assessment, result: InstrumentResult, document: dict[str, Any],
         user) -> StoredScore:
    data = result.to_dict()
    row.value, row.met, row.category = headline(row.instrument, data)
    row.date = visit.date
    row.version, row.citation = result.version, result.citation
    row.result, row.document, row.computed_by = data, document, user
    return row


@transaction.atomic
def store_scores(assessment: Assessment, user=None, document: dict[str, Any] | None = None, *,
                 existing: list[StoredScore] | None = None) -> list[StoredScore]:
    """Score a saved visit and store every result with its document, version and citation.

    Re-scoring a visit replaces its rows in place (``StoredScore.history`` keeps the old ones).
    Raises ``InputError`` when the visit's record cannot be scored (nothing is stored then).
    ``document``: the visit's document when the caller has just built it (``visit_document``).
    """
    if document is None:
        document = visit_document(assessment)
    results = score_all(document)
    existing = {s.instrument: s for s in (
        assessment.stored_scores.all() if existing is None else existing)}
    stored = []
    for name, result in results.items():
        row = existing.get(name) or StoredScore(
            patient_id=assessment.patient_id, assessment=assessment, instrument=name
        )
        _row(row, assessment, result, document, user).save()
        stored.append(row)
    stale = set(existing) - set(results)
    if stale:  # an instrument that no longer has its inputs: its old rows stay in the history
        StoredScore.objects.filter(assessment=assessment, instrument__in=stale).delete()
    return stored




@transaction.atomic
def rescore_affected(patient: Patient, spans: Iterable[Span], user=None) -> int:
    """Re-score exactly the visits whose document a change altered.

    ``spans``: the visit dates each change can reach (a lab: its day to the longest window after
    it; a course: its start to its stop; a damage item or a visit: from its date on). A visit's
    document embeds the visit before it (``previous``), so the first visit after each span is a
    candidate too. Each candidate's document is rebuilt from the record as it now stands and
    compared with the stored one: only a visit whose document differs is re-scored (the old rows
    stay in ``StoredScore.history``). Visits never scored are left to ``score_missing`` (a new
    visit is scored by its own service, ``services.record_visit``).

    Raises ``InputError`` when a changed visit cannot be scored: the caller's transaction rolls
    back with it, so the record and the scores never disagree. Returns how many were re-scored.
    """
    spans = list(spans)
    if not spans:
        return 0
    record = seam.PatientRecord.load(patient)
    candidates = _candidates(record.visits, spans)
    if not candidates:
        return 0
    stored: dict[int, list[StoredScore]] = {}
    for row in StoredScore.objects.filter(assessment_id__in=[v.pk for v in candidates]):
        stored.setdefault(row.assessment_id, []).append(row)
    n = 0
    for visit in candidates:
        rows = stored.get(visit.pk)
        if not rows:  # never scored: ``score_missing``'s job (the page lists such visits)
            continue
        document = seam.visit_document(visit, record)
        if all(row.document == document for row in rows):
            continue
        store_scores(visit, user, document, existing=rows)
        n += 1
    return n


def _candidates(visits: list[Assessment], spans: list[Span]) -> list[Assessment]:
    """The visits inside any span, and the first visit after each span's end."""
    chosen: dict[int, Assessment] = {}
    for first, last in spans:
        following = None
        for visit in visits:  # in date order
            if visit.date < first:
                continue
            if last is None or visit.date <= last:
                chosen[visit.pk] = visit
            elif following is None:
                following = visit
                break
        if following is not None:
            chosen[following.pk] = following
    return sorted(chosen.values(), key=lambda v: (v.date, v.pk))


def unscored_visits(patient_id: int) -> models.QuerySet[Assessment]:
    return Assessment.objects.filter(patient_id=patient_id).exclude(
        id__in=StoredScore.objects.filter(patient_id=patient_id).values("assessment_id")
    )


def score_missing(patient_id: int, user=None) -> int:
    """Store scores for a patient's visits that have none (imported or demo visits, or visits
    recorded before an instrument existed), in bulk: the record is loaded once and the new rows
    inserted together with their history. Visits whose record cannot be scored are left
    unscored (the page says so). Returns how many visits were scored."""
    patient = Patient.objects.get(pk=patient_id)
    record = seam.PatientRecord.load(patient)
    scored = set(StoredScore.objects.filter(patient_id=patient_id)
                 .values_list("assessment_id", flat=True))
    rows: list[StoredScore] = []
    n = 0
    for visit in record.visits:
        if visit.pk in scored:
            continue
        document = seam.visit_document(visit, record)
        try:
            results = score_all(document)
        except InputError:
            continue
        rows += [_row(StoredScore(patient_id=patient_id, assessment=visit, instrument=name),
                      visit, result, document, user) for name, result in results.items()]
        n += 1
    bulk_create_with_history(rows, StoredScore, batch_size=500)
    return n
