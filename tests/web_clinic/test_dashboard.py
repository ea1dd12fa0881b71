"""The clinic dashboard: status per patient, cohort counts, and no query per row."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse

from lupuscare.web.clinic.models import ClinicAlert, StoredScore
from lupuscare.web.clinic.scoring import store_scores
from web.factories import make_assessment, make_patient

pytestmark = pytest.mark.django_db


def _scored_patient(world, *, findings=(), pga=0.0, previous_findings=None):
    patient = make_patient(world.team_a)
    if previous_findings is not None:
        store_scores(make_assessment(patient, date=dt.date(2026, 1, 1),
                                     findings=list(previous_findings), pga=0.0,
                                     swollen_28=0, tender_28=0))
    visit = make_assessment(patient, date=dt.date(2026, 3, 1), findings=list(findings), pga=pga,
                            swollen_28=0, tender_28=0)
    store_scores(visit)
    return patient



def test_status_and_counts(clinician, world):
    remission = _scored_patient(world, pga=0.2)  # clinical SLEDAI 0, PGA < 0.5, no prednisone
    lldas_only = _scored_patient(world, findings=["alopecia"], pga=0.8,  # SLEDAI 2, PGA <= 1
                                 previous_findings=["alopecia"])
    first_visit = _scored_patient(world, findings=["alopecia"], pga=0.8)  # no visit before
    flaring = _scored_patient(world, findings=["arthritis", "pleurisy"], pga=2.0,
                              previous_findings=[])
    ClinicAlert.objects.create(patient=flaring, code="x", severity="warning", severity_rank=1,
                               message="m", citation="c", certainty="recalled",
                               last_evaluated_on=dt.date(2026, 3, 1))
    response = clinician.get(reverse("clinic:dashboard"))
    rows = {p.pk: p for p in response.context["page"].object_list}
    assert rows[remission.pk].target == "remission"
    assert rows[lldas_only.pk].target == "lldas"
    assert rows[flaring.pk].target == "not at target"
    assert rows[first_visit.pk].target == "not assessable"
    assert rows[flaring.pk].flare in ("mild_moderate", "severe") and rows[flaring.pk].sledai2k == 6
    assert rows[flaring.pk].open_alerts == 1 and rows[remission.pk].open_alerts == 0
    assert rows[world.patient_a.pk].target == "not scored"  # the world's visit was never scored
    assert world.patient_b.pk not in rows  # another team's patient
    counts = response.context["counts"]
    # LLDAS needs the visit before ("no new features"): only lldas_only has one and meets it
    assert counts == {"patients": 5, "in_lldas": 1, "in_remission": 1, "flaring": 1,
                      "with_open_alerts": 1, "with_unscored_visits": 1}  # the world's patient A
    assert "1 patient has visits not scored yet" in response.content.decode()


def test_score_missing_command_scores_every_unscored_visit(world):
    from django.core.management import call_command

    assert not StoredScore.objects.exists()
    call_command("clinic_score_missing", "--alerts", stdout=io.StringIO())
    assert set(StoredScore.objects.values_list("patient_id", flat=True)) == {
        world.patient_a.pk, world.patient_b.pk}
    call_command("clinic_score_missing", stdout=(out := io.StringIO()))
    assert out.getvalue().strip() == "scored 0 visit(s)"


def test_latest_visit_decides(world):
    patient = _scored_patient(world, findings=["arthritis", "pleurisy"], pga=2.0)
    store_scores(make_assessment(patient, date=dt.date(2026, 5, 1), pga=0.1,
                                 swollen_28=0, tender_28=0))
    from lupuscare.web.clinic.dashboard import patients_with_status

    row = patients_with_status(world.clinician_a).get(pk=patient.pk)
    assert row.sledai2k == 0 and row.doris is True and row.last_visit == dt.date(2026, 5, 1)


@pytest.mark.parametrize("n", [3, 30])
def test_no_query_per_row(clinician, world, django_assert_max_num_queries, n):
    for i in range(n):
        _scored_patient(world, findings=["arthritis"] if i % 2 else [], pga=0.2)
    assert StoredScore.objects.count() >= n
    # session + user, audit write, page count, page rows, cohort counts, work-list: fixed
    with django_assert_max_num_queries(9):
        response = clinician.get(reverse("clinic:dashboard"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == n + 1


def test_worklist_query_count_is_fixed(clinician, world, django_assert_max_num_queries):
    for i in range(20):
        patient = make_patient(world.team_a)
        ClinicAlert.objects.create(patient=patient, code="c", severity="info", severity_rank=2,
                                   message=f"m{i}", citation="c", certainty="recalled",
                                   last_evaluated_on=dt.date(2026, 3, 1))
    with django_assert_max_num_queries(7):
        assert clinician.get(reverse("clinic:worklist")).status_code == 200
