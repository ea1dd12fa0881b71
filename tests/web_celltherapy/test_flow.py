"""The whole programme through the services, as the views drive it: referral to endpoint."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.celltherapy.custody import verify_chain
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.board import stage
from lupuscare.web.celltherapy.models import FollowUpVisit

from .helpers import TODAY, infuse, refer, released_lot, visit

pytestmark = pytest.mark.django_db


def test_referral_to_endpoint(world):
    enrolment = refer(world)
    assert enrolment.gate_allowed and stage(enrolment, TODAY) == "referred"
    lot = released_lot(world, enrolment)
    assert lot.status == "released"
    assert stage(enrolment, TODAY) == "lot_released"
    infusion = infuse(world, lot)
    lot.refresh_from_db()
    assert lot.status == "dispensed"
    assert infusion.checks["ok"] is True
    # the MiSLE schedule: 10 visits, week 1 is day 0 + 7 with a ±3-day window
    visits = list(FollowUpVisit.objects.filter(enrolment=enrolment))
    assert len(visits) == 10
    week1 = next(v for v in visits if v.label == "week 1")
    assert week1.target == dt.date(2026, 3, 28)
    assert (week1.window_start, week1.window_end) == (dt.date(2026, 3, 25), dt.date(2026, 3, 31))
    # custody: collected, infused; verifies against the stored head
    chain = services.chain_of(lot)
    assert [r["event"]["action"] for r in chain] == ["collected", "infused"]
    assert verify_chain(chain, expected_head=lot.custody_head).ok
    follow = visit(world.patient_a, dt.date(2026, 3, 28))
    services.record_visit(week1, follow, on=dt.date(2026, 4, 1))
    results = services.compute_endpoint(enrolment, week1, world.clinician_a)
    tolerance = results[0]
    assert tolerance.ruleset.startswith("Immediate tolerance")
    assert tolerance.result == "tolerated"
    assert tolerance.inputs["visit"]["max_ctcae_grade"] == 0
    assert tolerance.certainty == "verified"
    assert stage(enrolment, dt.date(2026, 4, 1)) == "endpoint"
