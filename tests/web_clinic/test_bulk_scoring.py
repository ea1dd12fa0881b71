"""Cohort scoring in bulk gives exactly what the per-visit path stores, writes only what changed,
and reports (patient, visit, field) for a visit it cannot score.

The reference is the demo cohort as ``load_demo`` stores it: its loader scores every visit with
the per-visit path (``scoring.score_missing``: ``seam.visit_document`` then ``score_all``).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import transaction

from lupuscare.demo import load as demo_load
from lupuscare.demo.load import load_demo
from lupuscare.instruments import score_all
from lupuscare.web import seam
from lupuscare.web.clinic import bulk_alerts, bulk_scoring
from lupuscare.web.clinic.alerts import refresh_alerts
from lupuscare.web.clinic.models import ClinicAlert, StoredScore
from lupuscare.web.records import services
from lupuscare.web.records.models import Assessment, LabResult, Patient

pytestmark = pytest.mark.django_db
FIELDS = ("patient_id", "assessment_id", "instrument", "date", "version", "citation", "value",
          "met", "category", "result", "document", "computed_by_id")


@pytest.fixture
def cohort(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(demo_load, "extra_loaders", [])
    load_demo(6, 11, as_of=date(2026, 1, 1))
    assert Assessment.objects.count() > 50


def snapshot() -> dict[tuple[int, str], tuple]:
    return {(r["assessment_id"], r["instrument"]): tuple(r[f] for f in FIELDS)
            for r in StoredScore.objects.values(*FIELDS)}


def test_bulk_stores_every_field_the_per_visit_path_stores(cohort):
    per_visit = snapshot()
    instruments = {name for _, name in per_visit}
    assert {"sledai2k", "sle-das", "lldas", "doris", "pga", "sdi", "sfi"} <= instruments
    StoredScore.objects.all().delete()  # scores are derived data; the history keeps them

    history = StoredScore.history.count()
    history_max = StoredScore.history.order_by("-history_id").values_list("history_id", flat=True)[0]
    summary = bulk_scoring.rescore(chunk_patients=4)  # two chunks

    assert snapshot() == per_visit
    assert summary.visits_scored == Assessment.objects.count()
    assert (summary.unchanged, summary.failed) == (0, 0)
    assert summary.rows_created == len(per_visit)
    assert StoredScore.history.count() - history == len(per_visit)  # one "+" row per score
    added = StoredScore.history.filter(history_type="+", history_id__gt=history_max)
    assert {(h["assessment_id"], h["instrument"]): tuple(h[f] for f in FIELDS)
            for h in added.values(*FIELDS)} == per_visit  # each history row is its row
    assert all(s.computed_at is not None for s in StoredScore.objects.all())
    assert StoredScore.objects.count() == len(per_visit)


def test_documents_and_results_match_the_seam_and_score_all(cohort):
    """The chunk reader builds the same record as ``PatientRecord.load``; one parse per document
    scores as ``score_all`` does, for every visit and instrument."""
    records = bulk_scoring.load_records(Patient.objects.values_list("pk", flat=True))
    n = 0
    for patient in Patient.objects.all():
        one = seam.PatientRecord.load(patient)
        for visit, bulk_visit in zip(one.visits, records[patient.pk].visits, strict=True):
            document = seam.visit_document(visit, one)
            assert seam.visit_document(bulk_visit, records[patient.pk]) == document
            expected = {k: v.to_dict() for k, v in score_all(document).items()}
            assert {k: v.to_dict() for k, v in bulk_scoring.score_document(document).items()} \
                == expected
            n += 1
    assert n == Assessment.objects.count()


def test_a_full_rescore_of_unchanged_scores_writes_nothing(cohort):
    before, history = snapshot(), StoredScore.history.count()
    summary = bulk_scoring.rescore(everything=True)
    assert (summary.visits_scored, summary.failed) == (0, 0)
    assert summary.unchanged == Assessment.objects.count()
    assert snapshot() == before
    assert StoredScore.history.count() == history


def test_a_stale_document_is_rescored_with_history(cohort):
    row = StoredScore.objects.filter(instrument="sledai2k").order_by("pk").first()
    good = row.document
    StoredScore.objects.filter(pk=row.pk).update(document={**good, "pga": 2.9}, value=99)
    history = StoredScore.history.count()

    summary = bulk_scoring.rescore()

    row.refresh_from_db()
    assert (row.document, row.value) == (good, StoredScore.objects.get(pk=row.pk).result["total"])
    assert summary.visits_scored == 1
    assert summary.unchanged == Assessment.objects.count() - 1
    # only the changed row is rewritten: the visit's other rows were already right
    assert StoredScore.history.count() - history == 1
    assert StoredScore.history.filter(id=row.pk, history_type="~").exists()


def test_rows_of_an_older_instrument_version_are_rescored(cohort):
    current = StoredScore.objects.filter(instrument="lldas").values_list("version", flat=True).first()
    old = StoredScore.objects.filter(instrument="lldas", version=current)
    n = old.count()
    old.update(version="LLDAS (2015 draft)")  # as if stored by an earlier release

    assert ("lldas", "LLDAS (2015 draft)") in bulk_scoring.outdated_versions()
    summary = bulk_scoring.rescore()

    assert summary.rows_updated == n
    assert not StoredScore.objects.filter(version="LLDAS (2015 draft)").exists()
    assert summary.visits_scored == n


def test_a_visit_that_cannot_be_scored_is_reported_and_left_as_it_was(cohort):
    lab = LabResult.objects.filter(test="platelets").order_by("collected_at").last()
    visit = Assessment.objects.filter(patient_id=lab.patient_id, date__gte=lab.collected_at.date()
                                      ).order_by("date").first()
    # a value no door accepts, as if written by another path (the validators refuse it)
    LabResult.objects.filter(pk=lab.pk).update(value=-5)
    before = snapshot()

    summary = bulk_scoring.rescore(everything=True)

    assert summary.failed >= 1
    failure = next(f for f in summary.failures if f.visit_id == visit.pk)
    assert failure.patient_id == lab.patient_id
    assert failure.field.startswith("labs[") and failure.field.endswith("].value")
    assert snapshot() == before  # the failed visits keep their rows; nothing else changed
    assert summary.unchanged + summary.failed == Assessment.objects.count()


# --- lupuscare rescore -----------------------------------------------------------------------------
def test_rescore_command_scores_the_unscored_visit_and_prints_the_summary(cohort):
    from tests.cli.helpers import invoke

    visit = Assessment.objects.order_by("pk").last()
    StoredScore.objects.filter(assessment=visit).delete()
    r = invoke("rescore", "--json")
    assert r.code == 0, r.err
    summary = json.loads(r.out)
    assert (summary["visits_scored"], summary["failed"]) == (1, 0)
    assert summary["unchanged"] == Assessment.objects.count() - 1
    assert StoredScore.objects.filter(assessment=visit).exists()

    r = invoke("rescore", "--all")
    assert r.code == 0, r.err
    assert r.out.startswith(f"scored 0 visit(s), {Assessment.objects.count()} unchanged, 0 failed")


def test_rescore_command_names_a_visit_it_cannot_score_and_exits_2(cohort):
    from tests.cli.helpers import invoke

    lab = LabResult.objects.filter(test="c3").order_by("collected_at").last()
    LabResult.objects.filter(pk=lab.pk).update(value=-1)
    r = invoke("rescore", "--all")
    assert r.code == 2
    assert f"patient {lab.patient_id} visit " in r.err and "].value: " in r.err
    assert "(left as it was)" in r.err
    assert " failed, in " in r.out and "0 failed" not in r.out


# --- alerts in bulk --------------------------------------------------------------------------------
ALERT_FIELDS = ("patient_id", "code", "status", "severity", "severity_rank", "message", "evidence",
                "citation", "certainty", "due_date", "last_evaluated_on")


def alert_rows(**where) -> list[str]:
    return sorted(json.dumps([r[f] for f in ALERT_FIELDS], default=str)
                  for r in ClinicAlert.objects.filter(**where).values(*ALERT_FIELDS))


def alert_state() -> tuple[list[str], int]:
    return alert_rows(), ClinicAlert.history.count()


class _Undo(Exception):
    pass


def test_bulk_contexts_are_the_seams_contexts(cohort, world):
    actor = services.Actor.system("test")
    services.record_eye_exam(actor, world.patient_a, date=date(2025, 11, 1))
    services.record_contraception(actor, world.patient_a, method="copper IUD",
                                  start=date(2025, 1, 1), stop=date(2026, 3, 1))
    ids = list(Patient.objects.values_list("pk", flat=True))
    seen = []
    for today in (date(2025, 12, 20), date(2026, 3, 15), date(2027, 3, 1)):
        built, errors = bulk_alerts.contexts(ids, today)
        assert not errors
        assert set(built) == set(ids)
        for patient in Patient.objects.all():
            assert built[patient.pk] == seam.rule_context(patient, today), (patient.pk, today)
        seen += built.values()
    assert any(c.labs for c in seen) and any(c.medications for c in seen)
    assert any(c.diary_red_flags for c in seen) and any(c.eye_exams for c in seen)
    assert any(c.weight_date for c in seen)
    assert {c.contraception_recorded for c in seen} == {True, False}


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2027, 3, 1)])
def test_bulk_alert_refresh_writes_what_refresh_alerts_writes(cohort, today):
    """Per patient then rolled back, in bulk then kept: the same rows and as many history rows."""
    before = alert_state()
    try:
        with transaction.atomic():
            for patient in Patient.objects.order_by("pk"):
                refresh_alerts(patient, today)
            per_patient = alert_state()
            raise _Undo
    except _Undo:
        pass
    assert alert_state() == before

    summary = bulk_alerts.refresh(today=today, chunk_patients=4)

    bulk = alert_state()
    assert bulk[0] == per_patient[0]
    assert bulk[1] - before[1] == per_patient[1] - before[1]
    assert summary.failed == 0
    if today == date(2026, 1, 1):  # the day the loader stored them: nothing to rewrite
        assert (summary.opened, summary.changed, summary.resolved) == (0, 0, 0)
        assert bulk[1] == before[1]
    else:  # a year on: alerts open and resolve
        assert summary.opened and summary.resolved


def test_a_patient_the_rules_cannot_read_is_reported_and_left_as_it_was(cohort):
    patient = Patient.objects.order_by("pk").first()
    Patient.objects.filter(pk=patient.pk).update(weight_kg=0.5)  # below any real weight
    before = alert_rows(patient=patient)
    summary = bulk_alerts.refresh(today=date(2027, 3, 1))
    assert summary.failures == [{"patient": patient.pk, "field": "weight_kg",
                                 "message": summary.failures[0]["message"]}]
    assert alert_rows(patient=patient) == before
    assert summary.patients == Patient.objects.count() - 1


# --- the Polars frame path as a cross-check --------------------------------------------------------
def test_the_frame_path_agrees_with_the_scalar_scores_on_the_demo_cohort(cohort):
    summary = bulk_scoring.rescore(check_frame=True)
    assert summary.unchanged == Assessment.objects.count()  # checking writes nothing
    assert summary.frame_disagreements == []


def test_a_frame_disagreement_is_reported_with_the_scalar_as_reference(cohort):
    records = bulk_scoring.load_records(Patient.objects.values_list("pk", flat=True)[:2])
    scored = []
    for record in records.values():
        for visit in record.visits:
            document = seam.visit_document(visit, record)
            scored.append((visit, document, bulk_scoring.score_document(document)))
    assert bulk_scoring.frame_disagreements(scored) == []
    visit, document, results = scored[-1]
    sledai = results["sledai2k"]
    results["sledai2k"] = type(sledai)(**{**{f: getattr(sledai, f) for f in sledai.__slots__},
                                          "values": {**sledai.values, "total": 99}})
    assert bulk_scoring.frame_disagreements(scored) == [
        {"patient": visit.patient_id, "visit": visit.pk, "instrument": "sledai2k",
         "field": "total", "frame": sledai.values["total"], "scalar": 99}]


def test_score_missing_command_names_the_visits_it_cannot_score(cohort):
    import io

    from django.core.management import call_command

    lab = LabResult.objects.filter(test="platelets").order_by("collected_at").last()
    LabResult.objects.filter(pk=lab.pk).update(value=-5)
    out, err = io.StringIO(), io.StringIO()
    call_command("clinic_score_missing", "--alerts", stdout=out, stderr=err)
    assert out.getvalue().splitlines()[0] == "scored 0 visit(s)"
    assert f"patient {lab.patient_id} visit " in err.getvalue()
    assert "].value: " in err.getvalue()
