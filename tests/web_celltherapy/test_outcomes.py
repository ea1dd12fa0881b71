"""Programme outcomes: response rate with its exact interval and Kaplan-Meier relapse-free
survival from stored endpoints, and the chart on the programmes page."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import Enrolment, FollowUpVisit
from lupuscare.web.celltherapy.outcomes import programme_outcomes
from web.factories import make_patient

from .helpers import infuse, make_programme, released_lot, visit

pytestmark = pytest.mark.django_db


def _patient_through_week(world, programme, patient, n: int, *, grade: int | None,
                          week2_new_a: int | None = None):
    enrolment = services.refer(programme, patient, world.clinician_a, reason="refractory",
                               on=dt.date(2026, 3, 10))
    infuse(world, released_lot(world, enrolment, lot_number=f"UC-{n}"))
    if grade is not None:
        services.record_adverse_event(enrolment, world.clinician_a, term="fever",
                                      onset=dt.date(2026, 3, 22), ctcae_grade=grade,
                                      seriousness=[], causality="possible", expected=True)
    week1 = FollowUpVisit.objects.get(enrolment=enrolment, label="week 1")
    services.record_visit(week1, visit(patient, week1.target), on=dt.date(2026, 5, 1))
    services.compute_endpoint(enrolment, week1, world.clinician_a)
    if week2_new_a is not None:
        week2 = FollowUpVisit.objects.get(enrolment=enrolment, label="week 2")
        services.record_visit(week2, visit(patient, week2.target, bilag_new_a=week2_new_a,
                                           bilag_new_b=0), on=dt.date(2026, 5, 1))
        services.compute_endpoint(enrolment, week2, world.clinician_a)
    return enrolment


def test_response_rate_interval_and_relapse_free_survival(world, client):
    programme = make_programme()
    second = make_patient(world.team_a, identifier="MRN-C-3")
    _patient_through_week(world, programme, world.patient_a, 1, grade=None, week2_new_a=1)
    _patient_through_week(world, programme, second, 2, grade=3)
    out = programme_outcomes(programme, Enrolment.objects.all(), dt.date(2026, 5, 1))
    # tolerated 1 of 2; Clopper-Pearson 95%: 0.0126-0.9874 (beta quantiles, exact)
    assert (out.response.events, out.response.n) == (1, 2)
    assert out.response.lower == pytest.approx(0.012579, abs=1e-6)
    assert out.response.upper == pytest.approx(0.987421, abs=1e-6)
    # patient A relapsed (new BILAG A) at week 2 = day 14 after a prior response at week 1;
    # the other was censored at week 1 (day 7): S(14) = 1 - 1/1 = 0
    assert sorted(zip(out.durations, out.events, strict=True)) == [(7.0, 0), (14.0, 1)]
    assert list(out.km.times) == [14.0] and list(out.km.survival) == [0.0]
    client.force_login(world.coordinator)
    body = client.get("/celltherapy/programmes/").content.decode()
    assert "1/2" in body and "0.013" in body and "0.987" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body
    assert "style=" not in body.split("<svg", 1)[1].split("</svg>")[0]  # CSP: no inline style


def test_no_relapse_is_judged_without_a_prior_response(world):
    programme = make_programme()
    enrolment = _patient_through_week(world, programme, world.patient_a, 1, grade=3,
                                      week2_new_a=1)
    relapse = enrolment.endpoints.filter(visit__label="week 2",
                                         ruleset__startswith="BILAG relapse").get()
    assert relapse.result == "not_applicable"
