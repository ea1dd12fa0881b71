"""Scoring a whole cohort at once: the registry-scale twin of ``clinic.scoring``.

The per-visit path (``scoring.store_scores`` / ``score_missing``) loads one patient at a time and
parses each visit's document once per instrument. Here a chunk of patients is read in five
set-based queries (patients, labs, courses, damage, visits) plus one for their stored scores;
each visit's document is built by the seam from those rows (``seam.visit_document`` on a
``seam.PatientRecord`` assembled in memory, so it is the very document the per-visit path
stores), parsed once, and handed to every instrument that accepts a parsed document (the others
get the dict, as ``score_all`` gives them). Only rows whose stored fields would change are
written, in bulk, each with its history row; an unchanged row is not touched.

Why not the Polars frame path (``lupuscare.instruments.cohort.score_frame``) for the stored
results: it computes SLEDAI-2K and clinical SLEDAI totals and LLDAS/DORIS met with their
criteria, but a stored result is the instrument's full ``to_dict()`` (contracts §3: per-item
points, explanation with sources, warnings, version), which only the scalar instruments produce.
So the scalar instruments are the reference and the writers; ``frame_disagreements`` scores the
same visits through the frame path and reports every number that disagrees with the scalar one
(``rescore(check_frame=True)``); it never changes what is written.

A visit that cannot be scored (``InputError``) is reported (patient, visit, field) and left as it
was; the run goes on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Min, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.assessment import Assessment as ParsedAssessment
from lupuscare.instruments.registry import INSTRUMENTS, get_scorer
from lupuscare.instruments.result import InstrumentResult
from lupuscare.web import seam
from lupuscare.web.records.models import (
    Assessment,
    DamageItem,
    LabResult,
    MedicationCourse,
    Patient,
)

from .models import StoredScore
from .scoring import _row

CHUNK_PATIENTS = 500
LAB_FIELDS = ("patient_id", "test", "value", "unit", "low", "high", "collected_at")
BATCH_SIZE = 1000
# The stored fields a re-score may change (``scoring._row`` fills them); a row is rewritten only
# when one of COMPARED changes (who re-ran an unchanged score is not a change).
COMPARED = ("value", "met", "category", "date", "version", "citation", "result", "document")
WRITTEN_FIELDS = (*COMPARED, "computed_by")


@dataclass(frozen=True)
class Failure:
    """A visit left as it was because its record cannot be scored."""

    patient_id: int
    visit_id: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"patient": self.patient_id, "visit": self.visit_id, "field": self.field,
                "message": self.message}


@dataclass
class Summary:
    """What a bulk run did: visits scored (some row written), unchanged, failed; rows written."""

    visits_scored: int = 0
    unchanged: int = 0
    failed: int = 0
    rows_created: int = 0
    rows_updated: int = 0
    rows_removed: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    frame_disagreements: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"visits_scored": self.visits_scored, "unchanged": self.unchanged,
                "failed": self.failed, "rows_created": self.rows_created,
                "rows_updated": self.rows_updated, "rows_removed": self.rows_removed,
                "seconds": round(self.seconds, 3),
                "failures": [f.to_dict() for f in self.failures],
                "frame_disagreements": self.frame_disagreements}


# --- reading a chunk of patients ------------------------------------------------------------------
def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row.patient_id, []).append(row)
    return out


def load_records(patient_ids: Iterable[int]) -> dict[int, seam.PatientRecord]:
    """The ``seam.PatientRecord`` of each patient, in five queries for the whole chunk, with the
    same rows in the same order as ``PatientRecord.load`` reads them one patient at a time."""
    ids = list(patient_ids)
    patients = Patient.objects.in_bulk(ids)
    # Labs are most of the rows: read as named tuples holding exactly what ``seam.lab_input`` and
    # ``PatientRecord.labs_in_window`` read (building model instances was a third of the time).
    labs = _grouped(LabResult.objects.filter(patient_id__in=ids)
                    .order_by("patient_id", "collected_at", "id")
                    .values_list(*LAB_FIELDS, named=True))
    courses = _grouped(MedicationCourse.objects.filter(patient_id__in=ids)
                       .order_by("patient_id", "start", "id"))
    damage = _grouped(DamageItem.objects.filter(patient_id__in=ids)
                      .order_by("patient_id", "onset", "id"))
    visits = _grouped(Assessment.objects.filter(patient_id__in=ids).order_by("patient_id", "date", "id"))
    out = {}
    for pid in ids:
        patient = patients.get(pid)
        if patient is None:
            continue
        own_visits = visits.get(pid, [])
        for visit in own_visits:
            visit.patient = patient
        own_labs = labs.get(pid, [])
        out[pid] = seam.PatientRecord(patient, own_labs, courses.get(pid, []), damage.get(pid, []),
                                      own_visits, [lab.collected_at for lab in own_labs])
    return out


# --- scoring one document, parsed once ------------------------------------------------------------
def _scorers() -> tuple[list[tuple[str, Any]], tuple[str, ...]]:
    """(name, scorer) in registry order, and the names whose scorer wants the plain dict."""
    out, plain = [], []
    for name, target in INSTRUMENTS.items():
        try:
            scorer = get_scorer(name)
        except ModuleNotFoundError as e:  # registered but not written yet (as ``score_all``)
            if e.name == target.partition(":")[0]:
                continue
            raise
        out.append((name, scorer))
        if not getattr(scorer, "accepts_assessment", False):
            plain.append(name)
    return out, tuple(plain)


def score_document(document: dict[str, Any], scorers: list[tuple[str, Any]] | None = None
                   ) -> dict[str, InstrumentResult]:
    """``instruments.score_all(document)``, parsing the document once for every instrument that
    accepts a parsed document. Raises ``InputError`` naming the field, as ``score_all`` does."""
    if scorers is None:
        scorers = _scorers()[0]
    parsed = ParsedAssessment.from_document(document)
    out: dict[str, InstrumentResult] = {}
    for name, scorer in scorers:
        try:
            out[name] = scorer(parsed if getattr(scorer, "accepts_assessment", False) else document)
        except MissingInputError:
            continue
    return out


def _same(stored: Any, new: Any) -> bool:
    """Equal as stored: a new value is compared after the JSON round trip the database gives it
    (a tuple comes back as a list)."""
    return stored == new or (isinstance(new, dict | list | tuple)
                             and stored == json.loads(json.dumps(new)))


@dataclass
class _Stored:
    """A stored score as read for comparison: JSON kept as text until needed (most rows are
    unchanged, and a visit's rows share one document)."""

    pk: int
    instrument: str
    version: str
    citation: str
    value: float | None
    met: bool | None
    category: str
    date: Any
    result_text: str
    document_text: str

    def document(self, cache: dict[str, Any]) -> Any:
        if self.document_text not in cache:
            cache[self.document_text] = json.loads(self.document_text)
        return cache[self.document_text]


def _stored(chunk: list[int]) -> dict[int, dict[str, _Stored]]:
    """Visit -> instrument -> stored score, for the patients of ``chunk`` (one query)."""
    rows = (StoredScore.objects.filter(patient_id__in=chunk).order_by()
            .annotate(result_text=Cast("result", TextField()),
                      document_text=Cast("document", TextField()))
            .values_list("assessment_id", "pk", "instrument", "version", "citation", "value", "met",
                         "category", "date", "result_text", "document_text"))
    out: dict[int, dict[str, _Stored]] = {}
    for visit_id, *fields in rows:
        row = _Stored(*fields)
        out.setdefault(visit_id, {})[row.instrument] = row
    return out


def _unchanged(row: _Stored, new: StoredScore, documents: dict[str, Any]) -> bool:
    if (row.version, row.citation, row.value, row.met, row.category, row.date) != (
            new.version, new.citation, new.value, new.met, new.category, new.date):
        return False
    if not _same(row.document(documents), new.document):
        return False
    if connection.vendor == "sqlite":  # the text as written (json.dumps): compare as text
        text = json.dumps(new.result)
        if text == row.result_text:
            return True
    return _same(json.loads(row.result_text), new.result)  # PostgreSQL's jsonb reorders keys


# --- inserting new rows with their history rows -------------------------------------------------
_HISTORY_COLUMNS = ("history_id", "history_date", "history_change_reason", "history_type",
                    "history_user_id")


def _fast_insert_supported() -> bool:
    """SQLite or PostgreSQL, and the history table is the model's columns plus simple-history's."""
    mine = {f.attname for f in StoredScore._meta.concrete_fields}
    theirs = {f.attname for f in StoredScore.history.model._meta.concrete_fields}
    return connection.vendor in ("sqlite", "postgresql") and theirs == mine | set(_HISTORY_COLUMNS)


def _reserve_ids(model, n: int) -> list[int]:
    """``n`` primary keys no row has had. PostgreSQL: taken from the id sequence (safe beside
    concurrent writers). SQLite: past the largest id and AUTOINCREMENT's counter, under the write
    lock the chunk's transaction holds (``transaction_mode`` IMMEDIATE)."""
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk, n])
            return [i for (i,) in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
        (current,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(current or 0, row[0] if row else 0) + 1
        return list(range(first, first + n))


def _insert(rows: list[StoredScore], user) -> None:
    """The rows and their "+" history rows, as ``bulk_create_with_history`` writes them, with
    each JSON value serialised once (a visit's rows share one document) and ``executemany``
    instead of the ORM's per-value preparation (two thirds of the time of a first scoring)."""
    if not _fast_insert_supported():
        bulk_create_with_history(rows, StoredScore, batch_size=BATCH_SIZE, default_user=user)
        return
    now = timezone.now()
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    ids = _reserve_ids(StoredScore, len(rows))
    history_ids = _reserve_ids(StoredScore.history.model, len(rows))
    fields = [f for f in StoredScore._meta.concrete_fields]
    texts: dict[int, str] = {}  # id(document) -> its JSON, once per visit
    values = []
    for i, row in enumerate(rows):
        row.pk, row.computed_at = ids[i], now
        doc = texts.get(id(row.document))
        if doc is None:
            doc = texts[id(row.document)] = json.dumps(row.document)
        by_field = {"id": row.pk, "result": json.dumps(row.result), "document": doc,
                    "computed_at": stamp, "date": ops.adapt_datefield_value(row.date)}
        values.append([by_field[f.attname] if f.attname in by_field else getattr(row, f.attname)
                       for f in fields])
    history_rows = [[*v, history_ids[i], stamp, None, "+", user.pk if user else None]
                    for i, v in enumerate(values)]
    cast = {f.column: "::jsonb" for f in fields if f.get_internal_type() == "JSONField"} \
        if connection.vendor == "postgresql" else {}
    _executemany(StoredScore._meta.db_table, [f.column for f in fields], values, cast)
    history = StoredScore.history.model
    _executemany(history._meta.db_table,
                 [*(f.column for f in fields), "history_id", "history_date",
                  "history_change_reason", "history_type",
                  history._meta.get_field("history_user").column], history_rows, cast)


def _executemany(table: str, columns: list[str], rows: list[list], cast: dict[str, str]) -> None:
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
           f"VALUES ({', '.join('%s' + cast.get(c, '') for c in columns)})")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[i:i + BATCH_SIZE])


# --- the bulk run ---------------------------------------------------------------------------------
def patient_chunks(patient_ids: list[int], size: int = CHUNK_PATIENTS) -> Iterator[list[int]]:
    for i in range(0, len(patient_ids), size):
        yield patient_ids[i:i + size]


def rescore(patient_ids: Iterable[int] | None = None, *, everything: bool = False, user=None,
            chunk_patients: int = CHUNK_PATIENTS, check_frame: bool = False) -> Summary:
    """Score the visits of ``patient_ids`` (default: every patient) in chunks, writing only what
    changed.

    ``everything``: re-score every visit (after an instrument changes). Otherwise: visits with no
    stored scores, visits whose stored document no longer matches the record, and visits with a
    row stored by an instrument version the instrument no longer gives (``outdated_versions``).
    ``check_frame``: also score each chunk through the Polars frame path and report where its
    numbers disagree with the scalar results (``frame_disagreements``); it implies
    ``everything``, since the frame reads each visit's previous one from the rows before it.
    """
    started = time.perf_counter()
    everything = everything or check_frame  # the frame's "previous visit" is the row before
    scorers, _ = _scorers()
    summary = Summary()
    ids = sorted(patient_ids) if patient_ids is not None else list(
        Patient.objects.order_by("pk").values_list("pk", flat=True))
    outdated = set() if everything else outdated_versions(scorers)
    for chunk in patient_chunks(ids, chunk_patients):
        _rescore_chunk(chunk, scorers, summary, everything=everything, outdated=outdated,
                       user=user, check_frame=check_frame)
    summary.seconds = time.perf_counter() - started
    return summary


def outdated_versions(scorers: list[tuple[str, Any]] | None = None) -> set[tuple[str, str]]:
    """(instrument, version) pairs stored but no longer given by the instrument.

    One stored row per distinct pair is re-scored from its own stored document: if the
    instrument now gives another version for that document, every row with that pair is outdated.
    (A version string names the instrument's options, e.g. the scoring window, not the patient.)
    """
    scorers = dict(scorers if scorers is not None else _scorers()[0])
    out = set()
    first = (StoredScore.objects.order_by().values("instrument", "version")
             .annotate(first=Min("id")).values_list("first", flat=True))
    probes = StoredScore.objects.filter(pk__in=list(first)).values_list("instrument", "version",
                                                                         "document")
    for instrument, version, probe in probes:
        scorer = scorers.get(instrument)
        if scorer is None:  # an instrument no longer registered: its rows are outdated
            out.add((instrument, version))
            continue
        try:
            now = scorer(probe).version
        except InputError:
            now = None
        if now != version:
            out.add((instrument, version))
    return out


@transaction.atomic
def _rescore_chunk(chunk: list[int], scorers, summary: Summary, *, everything: bool,
                   outdated: set[tuple[str, str]], user, check_frame: bool) -> None:
    records = load_records(chunk)
    stored = _stored(chunk)
    created: list[StoredScore] = []
    updated: list[StoredScore] = []
    removed: list[int] = []
    scored_docs: list[tuple[Assessment, dict[str, Any], dict[str, InstrumentResult]]] = []
    for record in records.values():
        for visit in record.visits:
            rows = stored.get(visit.pk, {})
            document = seam.visit_document(visit, record)
            documents: dict[str, Any] = {}
            if rows and not everything and not any(
                    (r.instrument, r.version) in outdated for r in rows.values()) \
                    and all(_same(r.document(documents), document) for r in rows.values()):
                summary.unchanged += 1
                continue
            try:
                results = score_document(document, scorers)
            except InputError as exc:
                summary.failed += 1
                summary.failures.append(Failure(visit.patient_id, visit.pk, exc.field, exc.message))
                continue
            changed = False
            for name, result in results.items():
                row = rows.get(name)
                new = _row(StoredScore(patient_id=visit.patient_id, assessment=visit, instrument=name),
                           visit, result, document, user)
                if row is None:
                    created.append(new)
                    changed = True
                elif not _unchanged(row, new, documents):
                    new.pk = row.pk
                    updated.append(new)
                    changed = True
            stale = [r.pk for name, r in rows.items() if name not in results]
            if stale:
                removed += stale
                changed = True
            if changed:
                summary.visits_scored += 1
            else:
                summary.unchanged += 1
            if check_frame:
                scored_docs.append((visit, document, results))
    if created:
        _insert(created, user)
    if updated:
        # The history rows copy every field: take the rows as stored, then the new values.
        current = StoredScore.objects.in_bulk([n.pk for n in updated])
        rows = []
        for new in updated:
            row = current[new.pk]
            for f in WRITTEN_FIELDS:
                setattr(row, f, getattr(new, f))
            rows.append(row)
        bulk_update_with_history(rows, StoredScore, list(WRITTEN_FIELDS), batch_size=BATCH_SIZE,
                                 default_user=user)
    if removed:  # an instrument that lost its inputs: the old rows stay in the history
        StoredScore.objects.filter(pk__in=removed).delete()
    summary.rows_created += len(created)
    summary.rows_updated += len(updated)
    summary.rows_removed += len(removed)
    if check_frame and scored_docs:
        summary.frame_disagreements += frame_disagreements(scored_docs)


# --- the Polars frame path, as a cross-check --------------------------------------------------------
def _frame_row(visit: Assessment, a: ParsedAssessment) -> dict[str, Any]:
    """One visit as ``instruments.cohort.score_frame`` reads it (its module docstring): attested
    findings, not-attributable flags, one value per lab test in canonical units (the worst in the
    window; for a test judged against the lab's own limit, a result beyond its limit if any, with
    that limit), PGA, prednisone-equivalent and maintenance (the scalar LLDAS's own reading)."""
    from lupuscare.clinical import labs as lab_rules
    from lupuscare.clinical import units
    from lupuscare.clinical.vocabulary import FINDINGS
    from lupuscare.instruments import lldas

    row: dict[str, Any] = {"patient_id": visit.patient_id, "date": visit.date}
    for f in a.findings or ():
        row[f] = True
    for f in a.not_attributable:
        if f in FINDINGS:
            row[f"not_attributable_{f}"] = True
    for lab in a.labs or ():
        test = lab["test"]
        if test in lab_rules.FIXED_RULES:
            value = units.to_canonical(test, lab["value"], lab["unit"])
            above = lab_rules.FIXED_RULES[test][1] == ">"
            key = f"lab_{test}"
            if key not in row or (value > row[key] if above else value < row[key]):
                row[key] = value
        elif test in lab_rules.BELOW_LOW_RULES or test in lab_rules.ABOVE_HIGH_RULES:
            limit = "low" if test in lab_rules.BELOW_LOW_RULES else "high"
            bound = lab.get(limit)
            beyond = bound is not None and (lab["value"] < bound if limit == "low"
                                            else lab["value"] > bound)
            if f"_hit_{test}" not in row or (beyond and not row[f"_hit_{test}"]):
                row[f"lab_{test}"], row[f"lab_{test}_{limit}"] = lab["value"], bound
                row[f"_hit_{test}"] = beyond
    row = {k: v for k, v in row.items() if not k.startswith("_hit_")}
    row["pga"] = a.pga
    row["prednisone_eq_mg"] = a.prednisone_equivalent_mg
    row["maintenance_ok"] = lldas.maintenance_ok(a)[0]
    return row


def frame_disagreements(scored: list[tuple[Assessment, dict[str, Any], dict[str, InstrumentResult]]]
                        ) -> list[dict[str, Any]]:
    """Score the visits through ``score_frame`` and list every number that differs from the
    scalar result (patient, visit, instrument, field, frame, scalar). The scalar result is the
    reference: it is what is stored."""
    import polars as pl

    from lupuscare.instruments.cohort import DORIS_CRITERIA, LLDAS_CRITERIA, score_frame

    rows = [_frame_row(visit, ParsedAssessment.from_document(doc)) for visit, doc, _ in scored]
    frame = score_frame(pl.DataFrame(rows, infer_schema_length=None))
    checks = [("sledai2k", "sledai2k", ("total",)), ("sledai2k", "clinical_sledai", ("clinical_total",)),
              ("lldas", "lldas", ("met",)), ("doris", "doris", ("met",))]
    checks += [("lldas", f"lldas_{c}", ("criteria", c)) for c in LLDAS_CRITERIA]
    checks += [("doris", f"doris_{c}", ("criteria", c)) for c in DORIS_CRITERIA]
    out = []
    for (visit, _, results), got in zip(scored, frame.iter_rows(named=True), strict=True):
        for instrument, column, path in checks:
            if instrument not in results:
                continue
            want: Any = results[instrument].values
            for key in path:
                want = want[key]
            if got[column] != want:
                out.append({"patient": visit.patient_id, "visit": visit.pk, "instrument": instrument,
                            "field": ".".join(path), "frame": got[column], "scalar": want})
    return out
