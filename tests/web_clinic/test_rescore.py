"""Medicines and damage recorded after a visit re-score exactly the visits they change.

The shared world: patient A's visit of 2026-03-01 (arthritis, PGA 1.0), hydroxychloroquine
300 mg/day since 2025-01-01, a cataract since 2020-04-01 (SDI 1).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lupuscare.web.clinic.alerts import refresh_alerts
from lupuscare.web.clinic.models import AlertStatus, ClinicAlert, StoredScore
from lupuscare.web.clinic.scoring import rescore_affected, store_scores
from lupuscare.web.records.models import Assessment, DamageItem, MedicationCourse
from lupuscare.web.records.services.medications import course_span
from web.factories import make_assessment, make_medication

pytestmark = pytest.mark.django_db


def _url(name, world):
    return reverse(f"clinic:{name}", args=[world.patient_a.pk])


def _score(visit, name) -> StoredScore:
    return StoredScore.objects.get(assessment=visit, instrument=name)


def _prednisone(clinician, world, dose, start, stop=""):
    return clinician.post(_url("medication-create", world), {
        "drug": "prednisone", "daily_dose_mg": dose, "schedule": "daily", "route": "oral",
        "start": start, "stop": stop})


@pytest.fixture
def visit(world):
    visit = world.records["assessment_a"]
    store_scores(visit)
    return visit


@pytest.mark.parametrize(("dose", "lldas_pred", "doris_pred"), [
    # LLDAS: prednisone-equivalent <= 7.5 mg/day (Franklyn 2016); DORIS: <= 5 mg/day (2021)
    ("5", True, True), ("5.1", True, False), ("7.5", True, False), ("7.6", False, False),
])
def test_a_prednisone_course_covering_the_visit_rescores_lldas_and_doris(
        clinician, world, visit, dose, lldas_pred, doris_pred):
    lldas, doris = _score(visit, "lldas"), _score(visit, "doris")
    assert lldas.result["criteria"]["prednisone_le_7_5"] is True
    assert doris.result["criteria"]["prednisolone_within_limit"] is True
    before_lldas, before_doris = lldas.result, doris.result

    assert _prednisone(clinician, world, dose, "2026-02-01").status_code == 302

    lldas.refresh_from_db()
    doris.refresh_from_db()
    assert lldas.result["prednisone_equivalent_mg"] == float(dose)
    assert lldas.result["criteria"]["prednisone_le_7_5"] is lldas_pred
    assert doris.result["criteria"]["prednisolone_within_limit"] is doris_pred
    if not lldas_pred:
        assert lldas.met is False
    if not doris_pred:
        assert doris.met is False
    # the course is in the stored document; the scores shown before stay in the history
    assert any(m["drug"] == "prednisone" for m in lldas.document["medications"])
    assert lldas.history.count() == 2 and doris.history.count() == 2
    assert lldas.history.earliest().result == before_lldas
    assert doris.history.earliest().result == before_doris


@pytest.mark.parametrize(("start", "stop"), [
    ("2026-03-02", ""),            # starts the day after the visit
    ("2026-01-01", "2026-02-28"),  # stopped the day before the visit
])
def test_a_course_not_active_on_the_visit_date_changes_nothing(clinician, world, visit, start,
                                                               stop):
    assert _prednisone(clinician, world, "40", start, stop).status_code == 302
    for name in ("lldas", "doris", "sledai2k", "sdi"):
        row = _score(visit, name)
        assert row.history.count() == 1, name
    assert _score(visit, "lldas").result["criteria"]["prednisone_le_7_5"] is True


def test_a_course_starting_on_the_visit_date_counts(clinician, world, visit):
    assert _prednisone(clinician, world, "10", "2026-03-01").status_code == 302
    assert _score(visit, "lldas").result["criteria"]["prednisone_le_7_5"] is False


@pytest.mark.parametrize(("onset", "sdi", "versions"), [
    # SDI items count once present 6 months (Gladman 1996): 2025-09-01 + 6 months = visit date
    ("2025-09-01", 2, 2),
    # in the visit's document (re-scored, history kept) but not yet persistent 6 months
    ("2025-09-02", 1, 2), ("2026-03-01", 1, 2),
    # onset after the visit: not in its document, nothing re-scored
    ("2026-03-02", 1, 1),
])
def test_damage_with_onset_on_or_before_the_visit_rescores_sdi(clinician, world, visit, onset,
                                                               sdi, versions):
    row = _score(visit, "sdi")
    assert row.value == 1  # the cataract
    response = clinician.post(_url("damage-create", world),
                              {"item": "neuropathy", "onset": onset, "count": "1"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.value == sdi and row.history.count() == versions
    in_document = any(d["item"] == "neuropathy" for d in row.document["damage"])
    assert in_document is (versions == 2)
    assert row.history.earliest().value == 1


def test_a_dose_change_rescores_only_the_visits_from_the_new_dose(clinician, world, visit):
    later = make_assessment(world.patient_a, date=dt.date(2026, 4, 1), findings=[], pga=0.0)
    assert _prednisone(clinician, world, "20", "2026-01-01").status_code == 302
    store_scores(later)
    assert _score(visit, "lldas").result["prednisone_equivalent_mg"] == 20
    assert _score(later, "lldas").result["prednisone_equivalent_mg"] == 20
    assert _score(later, "lldas").history.count() == 1
    course = MedicationCourse.objects.get(patient=world.patient_a, drug="prednisone")

    response = clinician.post(_url("dose-change", world),
                              {"course": course.pk, "daily_dose_mg": "5", "start": "2026-03-15"})

    assert response.status_code == 302
    # the 2026-03-01 visit still took 20 mg/day: unchanged, no new history row
    early = _score(visit, "lldas")
    assert early.result["prednisone_equivalent_mg"] == 20 and early.history.count() == 2
    # the 2026-04-01 visit now takes 5 mg/day: LLDAS and DORIS prednisone criteria met
    late, doris = _score(later, "lldas"), _score(later, "doris")
    assert late.result["prednisone_equivalent_mg"] == 5
    assert late.result["criteria"]["prednisone_le_7_5"] is True
    assert doris.result["criteria"]["prednisolone_within_limit"] is True
    assert late.history.count() == 2
    assert late.history.earliest().result["criteria"]["prednisone_le_7_5"] is False


def test_the_visit_after_a_changed_one_is_rescored_for_its_previous(world, visit):
    """A visit's document embeds the visit before it (``previous``): a course that covers only
    the earlier visit still changes the later visit's stored document."""
    later = make_assessment(world.patient_a, date=dt.date(2026, 4, 1), findings=[], pga=0.0)
    store_scores(later)
    course = make_medication(world.patient_a, drug="prednisone", daily_dose_mg=10.0,
                             start=dt.date(2026, 2, 1), stop=dt.date(2026, 3, 10))
    assert rescore_affected(world.patient_a, [course_span(course)]) == 2
    doc = _score(later, "sledai2k").document
    assert any(m["drug"] == "prednisone" for m in doc["previous"]["medications"])
    assert not any(m["drug"] == "prednisone" for m in doc["medications"])


def test_a_visit_recorded_late_rescores_the_visit_after_it(clinician, world, visit):
    """The 2026-03-01 visit had no previous visit; one recorded later for 2026-02-01 becomes its
    ``previous`` (SFI, LLDAS "no new features"), so its scores are re-scored."""
    sledai = _score(visit, "sledai2k")
    assert "previous" not in sledai.document
    assert not StoredScore.objects.filter(assessment=visit, instrument="sfi").exists()
    assert clinician.post(_url("visit-create", world),
                          _visit(date="2026-02-01", findings=["arthritis"])).status_code == 302
    sledai.refresh_from_db()
    assert sledai.document["previous"]["date"] == "2026-02-01"
    assert sledai.history.count() == 2
    assert StoredScore.objects.filter(assessment=visit, instrument="sfi").exists()


def test_a_visit_that_cannot_be_scored_any_more_saves_nothing(clinician, world, visit,
                                                              monkeypatch):
    """If a changed visit cannot be re-scored, the course is not saved either: the record and
    its stored scores never disagree."""
    from lupuscare.errors import InputError
    from lupuscare.web.clinic import scoring

    def refuse(document):
        raise InputError("medications", "refused for the test")

    monkeypatch.setattr(scoring, "score_all", refuse)
    response = _prednisone(clinician, world, "20", "2026-01-01")
    assert response.status_code == 400
    assert "cannot be scored" in response.content.decode()
    assert not MedicationCourse.objects.filter(patient=world.patient_a, drug="prednisone").exists()
    assert _score(visit, "lldas").history.count() == 1
    course = world.records["medication_a"]  # hydroxychloroquine, running
    response = clinician.post(_url("dose-change", world),
                              {"course": course.pk, "daily_dose_mg": "200", "start": "2026-02-01"})
    assert response.status_code == 400 and "cannot be scored" in response.content.decode()
    course.refresh_from_db()
    assert course.stop is None
    assert MedicationCourse.objects.filter(patient=world.patient_a).count() == 1


def test_unscored_visits_are_left_alone(world):
    """Visits with no stored scores are ``score_missing``'s job, not the re-scoring's."""
    visit = world.records["assessment_a"]
    course = make_medication(world.patient_a, drug="prednisone", daily_dose_mg=10.0,
                             start=dt.date(2026, 2, 1))
    assert rescore_affected(world.patient_a, [course_span(course)]) == 0
    assert not StoredScore.objects.filter(assessment=visit).exists()


def _rescore_queries(patient, visit, n_before: int) -> int:
    for i in range(n_before):
        store_scores(make_assessment(patient, date=dt.date(2025, 1, 10) + dt.timedelta(
            days=20 * i), findings=[], pga=0.0))
    store_scores(visit)
    course = make_medication(patient, drug="prednisone", daily_dose_mg=10.0,
                             start=dt.date(2026, 2, 1), stop=dt.date(2026, 3, 10))
    with CaptureQueriesContext(connection) as ctx:
        assert rescore_affected(patient, [course_span(course)]) == 1
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_visits_the_change_cannot_reach(world):
    few = _rescore_queries(world.patient_a, world.records["assessment_a"], 1)
    many = _rescore_queries(world.patient_b, world.records["assessment_b"], 15)
    assert many == few
    assert few <= 60  # one visit re-scored: a few dozen queries, not one per instrument per visit


def _alert_codes(patient) -> set[str]:
    return set(ClinicAlert.objects.filter(patient=patient).values_list("code", flat=True))


def test_a_new_medicine_refreshes_the_alerts(clinician, world):
    """The safety rules read the medicines: the alerts are refreshed when one is recorded."""
    refresh_alerts(world.patient_a)
    assert "glucocorticoid_above_5_mg_day" not in _alert_codes(world.patient_a)
    assert _prednisone(clinician, world, "20", "2026-01-01").status_code == 302
    assert "glucocorticoid_above_5_mg_day" in _alert_codes(world.patient_a)


def test_a_dose_change_refreshes_the_alerts(clinician, world):
    course = make_medication(world.patient_a, drug="prednisone", daily_dose_mg=20.0,
                             start=dt.date(2026, 1, 1))
    refresh_alerts(world.patient_a)
    assert "glucocorticoid_above_5_mg_day" in _alert_codes(world.patient_a)
    response = clinician.post(_url("dose-change", world),
                              {"course": course.pk, "daily_dose_mg": "5", "start": "2026-03-15"})
    assert response.status_code == 302
    alert = ClinicAlert.objects.get(patient=world.patient_a, code="glucocorticoid_above_5_mg_day")
    assert alert.status == AlertStatus.RESOLVED  # 5 mg/day is not above 5


# --- BILAG new A / new B on the visit form ---------------------------------------------------------
def _visit(**fields):
    data = {"date": "2026-03-15", "window_days": "10", "findings": [], "pga": "0.5"}
    data.update(fields)
    return data


def test_bilag_fields_round_trip_and_sri_is_stored(clinician, world, visit):
    body = clinician.get(_url("visit-create", world)).content.decode()
    assert 'name="bilag_new_a"' in body and 'name="bilag_new_b"' in body
    response = clinician.post(_url("visit-create", world),
                              _visit(bilag_new_a="0", bilag_new_b="1"))
    assert response.status_code == 302
    saved = Assessment.objects.get(patient=world.patient_a, date=dt.date(2026, 3, 15))
    assert (saved.bilag_new_a, saved.bilag_new_b) == (0, 1)
    sri = _score(saved, "sri")
    # baseline (previous visit) SLEDAI 4 -> 0, no new A and one new B, PGA 1.0 -> 0.5: SRI-4 met
    assert sri.result["criteria"]["no_new_bilag_a_le_1_new_b"] is True
    assert sri.result["responder"] is True and sri.met is True and sri.category == "SRI-4"
    assert sri.document["bilag"] == {"new_a": 0, "new_b": 1}
    page = clinician.get(reverse("clinic:visit", args=[world.patient_a.pk, saved.pk]))
    body = page.content.decode()
    assert "SLE Responder Index compared with the previous visit (SRI)" in body
    assert "<td>responder (SRI-4)</td>" in body


def test_sri_shows_live_as_bilag_is_entered(clinician, world, visit):
    url = reverse("clinic:visit-score", args=[world.patient_a.pk])
    body = clinician.post(url, _visit(bilag_new_a="0", bilag_new_b="1"),
                          HTTP_HX_REQUEST="true").content.decode()
    assert 'data-score="sri">responder<' in body
    body = clinician.post(url, _visit(bilag_new_a="1", bilag_new_b="0"),
                          HTTP_HX_REQUEST="true").content.decode()
    assert 'data-score="sri">not a responder<' in body
    # without BILAG input the SRI cannot be scored: the fragment says it is missing
    body = clinician.post(url, _visit(), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-score="sri"' not in body and "sri" in body.split("Not scored yet")[1]


def test_two_new_bilag_b_fail_the_sri_criterion(clinician, world, visit):
    clinician.post(_url("visit-create", world), _visit(bilag_new_a="0", bilag_new_b="2"))
    saved = Assessment.objects.get(patient=world.patient_a, date=dt.date(2026, 3, 15))
    sri = _score(saved, "sri")
    assert sri.result["criteria"]["no_new_bilag_a_le_1_new_b"] is False
    assert sri.result["responder"] is False and sri.met is False


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("bilag_new_a", "9", True), ("bilag_new_a", "10", False), ("bilag_new_b", "-1", False),
    ("bilag_new_b", "0", True), ("bilag_new_b", "1.5", False),
])
def test_bilag_counts_are_0_to_9(clinician, world, field, value, ok):
    response = clinician.post(_url("visit-create", world), _visit(**{field: value}))
    assert (response.status_code == 302) is ok
    if not ok:
        assert field in response.context["form"].errors
        assert not Assessment.objects.filter(patient=world.patient_a,
                                             date=dt.date(2026, 3, 15)).exists()


def test_bilag_left_empty_means_no_sri_bilag_input(clinician, world, visit):
    assert clinician.post(_url("visit-create", world), _visit()).status_code == 302
    saved = Assessment.objects.get(patient=world.patient_a, date=dt.date(2026, 3, 15))
    assert saved.bilag_new_a is None and saved.bilag_new_b is None
    assert "bilag" not in _score(saved, "sledai2k").document


def test_damage_rescoring_keeps_the_damage_in_the_document(clinician, world, visit):
    clinician.post(_url("damage-create", world),
                   {"item": "neuropathy", "onset": "2026-01-01", "count": "1"})
    items = {d["item"] for d in _score(visit, "sdi").document["damage"]}
    assert items == {"cataract", "neuropathy"}
    assert DamageItem.objects.filter(patient=world.patient_a).count() == 2
