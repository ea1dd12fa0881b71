"""Follow-up visits from the protocol's schedule (due and overdue), visits linked to clinic
assessments, and endpoints computed by the instruments engine and stored with their inputs."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.celltherapy.followup import VisitState
from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.board import build_board
from lupuscare.web.celltherapy.models import EndpointResult, Enrolment, FollowUpVisit

from .helpers import infuse, make_programme, refer, released_lot, visit

pytestmark = pytest.mark.django_db
DAY0 = dt.date(2026, 3, 21)


@pytest.fixture
def infused(world):
    lot = released_lot(world)
    infuse(world, lot)
    return lot.enrolment


def _state(enrolment, label, on):
    return next(s.state for s in services.visit_states(enrolment, on) if s.visit.label == label)


def test_due_and_overdue_at_the_window_edges(infused):
    # week 1: target 28 March, window 25-31 March (±3 days, the labelled lupuscare convention)
    assert _state(infused, "week 1", dt.date(2026, 3, 24)) is VisitState.UPCOMING
    assert _state(infused, "week 1", dt.date(2026, 3, 25)) is VisitState.DUE
    assert _state(infused, "week 1", dt.date(2026, 3, 31)) is VisitState.DUE
    assert _state(infused, "week 1", dt.date(2026, 4, 1)) is VisitState.OVERDUE


def test_the_board_lists_overdue_visits(infused):
    board = build_board(Enrolment.objects.all(), dt.date(2026, 4, 1))
    assert [(e.pk, label) for e, label, _ in board.overdue] == [(infused.pk, "week 1")]
    assert board.by_stage["infused"] == [infused]


def test_a_follow_up_dated_before_the_infusion_is_refused_and_not_saved(world, infused):
    week1 = FollowUpVisit.objects.get(enrolment=infused, label="week 1")
    early = visit(world.patient_a, DAY0 - dt.timedelta(days=1))
    with pytest.raises(InputError) as refused:
        services.record_visit(week1, early, on=dt.date(2026, 4, 1))
    assert refused.value.field == "done.week 1"
    assert "before the infusion" in refused.value.message
    week1.refresh_from_db()
    assert week1.assessment_id is None and week1.done_on is None


def test_a_visit_of_another_patient_is_refused(world, infused):
    week1 = FollowUpVisit.objects.get(enrolment=infused, label="week 1")
    other = visit(world.patient_b, dt.date(2026, 3, 28))
    with pytest.raises(InputError, match="another patient"):
        services.record_visit(week1, other, on=dt.date(2026, 4, 1))


def test_out_of_window_visit_is_done_out_of_window(world, infused):
    week1 = FollowUpVisit.objects.get(enrolment=infused, label="week 1")
    services.record_visit(week1, visit(world.patient_a, dt.date(2026, 4, 1)),
                          on=dt.date(2026, 4, 2))
    assert _state(infused, "week 1", dt.date(2026, 4, 2)) is VisitState.DONE_OUT_OF_WINDOW


def test_tolerance_endpoint_counts_adverse_events_since_the_infusion(world, infused):
    week1 = FollowUpVisit.objects.get(enrolment=infused, label="week 1")
    services.record_visit(week1, visit(world.patient_a, dt.date(2026, 3, 28)),
                          on=dt.date(2026, 4, 1))
    services.record_adverse_event(infused, world.clinician_a, term="fever", onset=DAY0,
                                  ctcae_grade=2, seriousness=[], causality="possible",
                                  expected=True)
    tolerated = services.compute_endpoint(infused, week1, world.clinician_a)[0]
    assert (tolerated.result, tolerated.inputs["visit"]["max_ctcae_grade"]) == ("tolerated", 2)
    services.record_adverse_event(infused, world.clinician_a, term="infusion related reaction",
                                  onset=DAY0, ctcae_grade=3, seriousness=[],
                                  causality="probable", expected=True)
    not_tolerated = services.compute_endpoint(infused, week1, world.clinician_a)[0]
    assert not_tolerated.result == "not_tolerated"
    assert not_tolerated.version == "1" and not_tolerated.certainty == "verified"
    assert "sledai2k" in not_tolerated.instruments  # instrument results stored with versions
    assert not_tolerated.instruments["sledai2k"]["version"]


def test_sri4_endpoint_uses_the_instruments_engine_against_the_screening_visit(world):
    programme = make_programme(name="MUSC-style", endpoint_ruleset="kamen2022_sri4")
    enrolment = refer(world, programme)
    screening = visit(world.patient_a, dt.date(2026, 3, 5),
                      findings=["arthritis", "rash_generalized", "alopecia"], pga=2.0,
                      bilag_new_a=0, bilag_new_b=0)
    services.assess_eligibility(enrolment, world.clinician_a, assessment=screening,
                                on=dt.date(2026, 3, 10))
    lot = released_lot(world, enrolment)
    infuse(world, lot)
    week24 = FollowUpVisit.objects.get(enrolment=enrolment, label="week 24")
    follow = visit(world.patient_a, week24.target, findings=[], pga=1.0, bilag_new_a=0,
                   bilag_new_b=0)
    services.record_visit(week24, follow, on=week24.target)
    result = services.compute_endpoint(enrolment, week24, world.clinician_a)[0]
    # SLEDAI-2K 8 -> 0 (a fall of >= 4), no new BILAG A or >= 2 B, PGA not worse: SRI-4 responder
    assert result.inputs["baseline"]["sledai2k_total"] == 8
    assert result.inputs["visit"]["sledai2k_total"] == 0
    assert result.inputs["visit"]["sri4_responder"] == 1
    assert result.inputs["visit"]["prednisone_mg_day_week20"] == 0.0
    assert result.result == "responder"


def test_an_endpoint_missing_an_input_is_not_evaluable_and_says_which(world):
    programme = make_programme(name="Renal", endpoint_ruleset="lunar_style_renal")
    enrolment = refer(world, programme)
    infuse(world, released_lot(world, enrolment))
    week4 = FollowUpVisit.objects.get(enrolment=enrolment, label="week 4")
    services.record_visit(week4, visit(world.patient_a, week4.target), on=week4.target)
    result = services.compute_endpoint(enrolment, week4, world.clinician_a)[0]
    assert result.result == ""
    assert "visit.upcr_g_g" in result.missing
    assert EndpointResult.objects.filter(enrolment=enrolment).count() == 2  # and relapse


def test_an_endpoint_needs_a_recorded_visit(world, infused):
    week1 = FollowUpVisit.objects.get(enrolment=infused, label="week 1")
    with pytest.raises(InputError, match="no recorded clinic visit"):
        services.compute_endpoint(infused, week1, world.clinician_a)
    assert EndpointResult.objects.count() == 0


def test_a_recipient_with_a_fever_is_alerted_in_the_clinic_and_the_diary(infused, world):
    """The seam passes the infusion (product kind and day 0) to the rules: a reported fever after
    an MSC infusion raises the fever-on-immunosuppression alert in the clinic's context and the
    patient's own diary warning, with no immunosuppressant course recorded."""
    from lupuscare.rules import evaluate
    from lupuscare.web import seam
    from lupuscare.web.diary.red_flags import red_flags_of
    from lupuscare.web.records.models import DiaryEntry

    patient = infused.patient
    assert [c.drug for c in patient.medications.all()] == ["hydroxychloroquine"]  # not one
    day = DAY0 + dt.timedelta(days=10)
    infusions = seam.cell_therapy_infusions(patient, day)
    assert [(i.product, i.date) for i in infusions] == [(infused.programme.modality, DAY0)]
    assert seam.cell_therapy_infusions(patient, DAY0 - dt.timedelta(days=1)) == ()
    entry = DiaryEntry.objects.create(patient=patient, local_date=day, symptoms={"fever": 6})
    assert "diary_fever_on_immunosuppressants" in {f.code for f in red_flags_of(entry)}
    codes = {a.code for a in evaluate(seam.rule_context(patient, day))}
    assert "diary_fever_on_immunosuppressants" in codes
