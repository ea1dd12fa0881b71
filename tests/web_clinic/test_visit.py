"""The visit form: live scoring, saving with stored scores, and bad input saving nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lupuscare.instruments.registry import score
from lupuscare.web.clinic.models import JointExam, StoredScore
from lupuscare.web.records.models import Assessment, AuditEvent
from web.factories import make_medication

pytestmark = pytest.mark.django_db


def _visit(**fields):
    data = {"date": "2026-03-15", "window_days": "10", "findings": [], "pga": "0.0"}
    data.update(fields)
    return data


def _score_url(world):
    return reverse("clinic:visit-score", args=[world.patient_a.pk])


def _fragment(clinician, world, **fields) -> str:
    response = clinician.post(_score_url(world), _visit(**fields), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_form_groups_findings_by_organ_with_definitions_and_28_joints(clinician, world):
    body = clinician.get(reverse("clinic:visit-create", args=[world.patient_a.pk])).content.decode()
    for domain in ("Neuropsychiatric", "Renal", "Mucocutaneous", "Musculoskeletal"):
        assert f"<legend>{domain}" in body
    assert "More than 2 joints with pain and signs of inflammation" in body  # arthritis definition
    assert body.count('name="swollen"') == 28 and body.count('name="tender"') == 28
    assert 'hx-post="' + _score_url(world) in body
    for anchor in ("0 none", "1 mild", "2 moderate", "3 severe"):
        assert anchor in body
    assert "<script>" not in body and "onclick" not in body  # CSP: no inline scripts or handlers


def test_scores_change_as_findings_are_ticked(clinician, world):
    assert 'data-score="sledai2k">0<' in _fragment(clinician, world)
    # arthritis: 4 points; plus pleurisy: 2 more (SLEDAI-2K weights, Gladman 2002)
    assert 'data-score="sledai2k">4<' in _fragment(clinician, world, findings=["arthritis"])
    body = _fragment(clinician, world, findings=["arthritis", "pleurisy"])
    assert 'data-score="sledai2k">6<' in body
    # not attributable to SLE: does not count
    body = _fragment(clinician, world, findings=["arthritis"], not_attributable=["pleurisy"])
    assert 'data-score="sledai2k">4<' in body


def test_joint_ticks_become_counts_and_feed_sle_das(clinician, world):
    body = _fragment(clinician, world, swollen=["r_wrist", "l_mcp2"], tender=["r_knee"])
    assert "2 swollen, 1 tender" in body
    assert 'data-score="sle-das"' in body  # SLE-DAS needs the swollen count: now scored


@pytest.mark.parametrize(("pga", "met"), [("1.0", True), ("1.1", False)])
def test_lldas_pga_criterion_at_its_threshold(clinician, world, pga, met):
    """LLDAS requires PGA <= 1 (Franklyn 2016): 1.0 meets it, 1.1 does not."""
    clinician.post(reverse("clinic:visit-create", args=[world.patient_a.pk]),
                   _visit(pga=pga, swollen=[], tender=[]))
    visit = Assessment.objects.filter(patient=world.patient_a, date=dt.date(2026, 3, 15)).get()
    lldas = StoredScore.objects.get(assessment=visit, instrument="lldas")
    assert lldas.result["criteria"]["pga_le_1"] is met


def test_save_stores_scores_with_document_version_and_citation(clinician, world):
    make_medication(world.patient_a, drug="prednisone", daily_dose_mg=10.0,
                    start=dt.date(2026, 1, 1))
    response = clinician.post(
        reverse("clinic:visit-create", args=[world.patient_a.pk]),
        _visit(findings=["arthritis", "pleurisy"], swollen=["r_wrist", "l_wrist", "r_knee"],
               tender=["r_wrist"], pga="1.5", notes="doing ok"),
    )
    assert response.status_code == 302
    visit = Assessment.objects.get(patient=world.patient_a, date=dt.date(2026, 3, 15))
    assert (visit.swollen_28, visit.tender_28, visit.pga) == (3, 1, 1.5)
    assert visit.clinician == world.clinician_a
    assert JointExam.objects.get(assessment=visit).swollen == ["r_wrist", "l_wrist", "r_knee"]
    stored = {s.instrument: s for s in StoredScore.objects.filter(assessment=visit)}
    assert {"sledai2k", "sle-das", "lldas", "doris", "sfi"} <= set(stored)
    sledai = stored["sledai2k"]
    assert sledai.value == 6 and "Gladman" in sledai.citation and sledai.version
    assert sledai.document["findings"] == ["arthritis", "pleurisy"]
    assert sledai.document["previous"]["date"] == "2026-03-01"  # the world's earlier visit
    # reproducible: the stored inputs give the stored result again
    for s in stored.values():
        assert score(s.instrument, s.document).to_dict() == s.result
    assert stored["sfi"].category in ("mild_moderate", "severe")  # new pleurisy vs previous visit
    assert AuditEvent.objects.filter(object_type="records.assessment",
                                     object_id=str(visit.pk), action="create").exists()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"date": "2999-01-01"}, "date", "in the future"),
        ({"date": "1980-01-01"}, "date", "before the patient's birth date"),
        ({"date": "2026-02-30"}, "date", "valid date"),
        ({"pga": "3.1"}, "pga", "less than or equal to 3"),
        ({"pga": "-0.1"}, "pga", "greater than or equal to 0"),
        ({"findings": ["fever"], "not_attributable": ["fever"]}, "not_attributable", "also ticked"),
        ({"findings": ["not_a_finding"]}, "findings", "not one of the available choices"),
        ({"swollen": ["r_ankle"]}, "swollen", "not one of the available choices"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(clinician, world, fields, field, words):
    before = (Assessment.objects.count(), StoredScore.objects.count())
    response = clinician.post(reverse("clinic:visit-create", args=[world.patient_a.pk]),
                              _visit(**fields))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors and words in " ".join(form.errors[field])
    assert (Assessment.objects.count(), StoredScore.objects.count()) == before
    # the live fragment says the same
    assert words.split()[0] in _fragment(clinician, world, **fields)


def test_the_scoring_endpoint_refuses_get_and_other_teams(client, world):
    client.force_login(world.clinician_a)
    assert client.get(_score_url(world)).status_code == 405
    client.force_login(world.clinician_b)
    assert client.post(_score_url(world), _visit()).status_code == 404
