"""The demo cohort includes the trial programme with a patient at every stage, and the demo
coordinator sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lupuscare.demo.load import DEMO_LOGINS, load_demo, wipe_demo
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.board import build_board, stage
from lupuscare.web.celltherapy.demo import DEMO_PROGRAMME
from lupuscare.web.celltherapy.models import AdverseEvent, Enrolment, Lot

pytestmark = pytest.mark.django_db(transaction=False)
ON = dt.date(2026, 11, 25)


@pytest.fixture
def demo(db, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: ON)
    load_demo(12, seed=3)
    return Enrolment.objects.select_related("programme", "patient")


def test_every_stage_is_present(demo):
    stages = {stage(e, ON) for e in demo.filter(programme__name=DEMO_PROGRAMME)}
    assert {"referred", "eligible", "consented", "lot_released", "infused", "in_follow_up",
            "endpoint"} <= stages
    assert stage(demo.exclude(programme__name=DEMO_PROGRAMME).get(), ON) == "blocked"
    assert AdverseEvent.objects.filter(report_required=True).count() == 1
    for lot in Lot.objects.all():
        assert services.verify_custody(lot).ok
    board = build_board(Enrolment.objects.all(), ON)
    assert [label for _, label, _ in board.overdue] == ["week 4"]


def test_the_demo_coordinator_sees_the_programme(demo):
    from django.contrib.auth import get_user_model

    coordinator = get_user_model().objects.get(username=DEMO_LOGINS["coordinator"])
    client = Client()
    client.force_login(coordinator)
    body = client.get("/celltherapy/").content.decode()
    assert DEMO_PROGRAMME in body
    enrolment = demo.filter(programme__name=DEMO_PROGRAMME).first()
    assert client.get(f"/celltherapy/patients/{enrolment.patient_id}/").status_code == 200


def test_reset_removes_the_programme_data(demo):
    wipe_demo()
    assert Enrolment.objects.count() == 0 and Lot.objects.count() == 0
