"""Adverse events: CTCAE grade, ASTCT CRS and ICANS (with ICE), seriousness, causality,
expectedness, and the 7- and 15-day expedited-reporting clocks with their due alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.board import build_board, report_state
from lupuscare.web.celltherapy.models import AdverseEvent, Enrolment

from .helpers import refer

pytestmark = pytest.mark.django_db
ONSET = dt.date(2026, 4, 1)


def _ae(enrolment, user, **fields):
    values = dict(term="pneumonia", onset=ONSET, ctcae_grade=3, seriousness=["hospitalisation"],
                  causality="possible", expected=False, sponsor_first_knowledge=ONSET)
    values.update(fields)
    return services.record_adverse_event(enrolment, user, **values)


def test_a_susar_gets_a_15_day_clock_and_a_fatal_one_7_days(world):
    enrolment = refer(world)
    susar = _ae(enrolment, world.clinician_a)
    assert (susar.report_required, susar.report_due) == (True, dt.date(2026, 4, 16))
    assert susar.follow_up_due is None
    fatal = _ae(enrolment, world.clinician_a, seriousness=["life_threatening"], ctcae_grade=4)
    assert fatal.report_due == dt.date(2026, 4, 8)
    assert fatal.follow_up_due == dt.date(2026, 4, 16)


@pytest.mark.parametrize(("fields", "why"), [
    ({"seriousness": []}, "not serious"),
    ({"causality": "unlikely"}, "causality not suspected"),
    ({"expected": True}, "expected"),
])
def test_non_susars_need_no_expedited_report(world, fields, why):
    ae = _ae(refer(world), world.clinician_a, **fields)
    assert ae.report_required is False and ae.report_due is None
    assert ae.reporting_reason == f"no expedited report: {why} (periodic reporting applies)"


def test_report_is_due_on_the_due_day_and_overdue_the_day_after(world):
    ae = _ae(refer(world), world.clinician_a)
    assert report_state(ae, dt.date(2026, 4, 16)) == "due"
    assert report_state(ae, dt.date(2026, 4, 17)) == "overdue"
    board = build_board(Enrolment.objects.all(), dt.date(2026, 4, 17))
    assert board.open_events == [(ae, "overdue")]
    services.mark_report_submitted(ae, dt.date(2026, 4, 16))
    assert report_state(ae, dt.date(2026, 4, 17)) == "submitted"


def test_crs_and_icans_grades_are_computed_from_their_inputs(world):
    enrolment = refer(world)
    ae = _ae(enrolment, world.clinician_a, term="cytokine release syndrome",
             crs={"max_temperature_c": 38.0, "hypotension": True, "vasopressors": ["norepinephrine"],
                  "oxygen": "nasal_cannula", "nasal_cannula_l_min": 6.0},
             icans={"orientation": 4, "naming": 3, "commands": 1, "writing": 0, "attention": 1,
                    "consciousness": "normal"})
    assert ae.crs_grade == 3  # one vasopressor: grade 3; 6 L/min is low-flow (grade 2)
    assert ae.ice_score == 9 and ae.icans_grade == 1  # ICE 7-9: grade 1
    no_fever = _ae(enrolment, world.clinician_a, crs={"max_temperature_c": 37.9,
                                                      "hypotension": True})
    assert no_fever.crs_grade == 0  # no CRS without fever (and no antipyretic given)


@pytest.mark.parametrize("grade", [0, 6])
def test_ctcae_grade_outside_1_to_5_is_refused(world, grade):
    with pytest.raises(InputError) as refused:
        _ae(refer(world), world.clinician_a, ctcae_grade=grade)
    assert refused.value.field == "ctcae_grade"
    assert AdverseEvent.objects.count() == 0


def test_sponsor_knowledge_before_onset_is_refused(world):
    with pytest.raises(InputError) as refused:
        _ae(refer(world), world.clinician_a, sponsor_first_knowledge=ONSET - dt.timedelta(days=1))
    assert refused.value.field == "sponsor_first_knowledge"
    assert AdverseEvent.objects.count() == 0


def test_the_page_records_an_event_with_its_clock(world, client):
    enrolment = refer(world)
    client.force_login(world.clinician_a)
    response = client.post(f"/celltherapy/patients/{world.patient_a.pk}/adverse-events/", {
        "enrolment": enrolment.pk, "term": "sepsis", "onset": "2026-04-01", "ctcae_grade": "4",
        "seriousness": ["life_threatening"], "causality": "probable",
        "sponsor_first_knowledge": "2026-04-02"}, follow=True)
    body = response.content.decode()
    assert "fatal or life-threatening SUSAR: report within 7 calendar days of 2026-04-02" in body
    assert AdverseEvent.objects.get().report_due == dt.date(2026, 4, 9)


def test_a_resolved_event_leaves_the_board_once_its_report_is_in(world, client):
    enrolment = refer(world)
    ae = _ae(enrolment, world.clinician_a)
    client.force_login(world.coordinator)
    url = f"/celltherapy/patients/{world.patient_a.pk}/adverse-events/submitted/"
    refused = client.post(url, {"enrolment": enrolment.pk, "adverse_event": ae.pk,
                                "action": "resolve", "resolved_on": "2026-03-31"}, follow=True)
    assert "Refused: resolved_on: 2026-03-31 is before the onset" in refused.content.decode()
    client.post(url, {"enrolment": enrolment.pk, "adverse_event": ae.pk, "action": "resolve",
                      "resolved_on": "2026-04-10"})
    ae.refresh_from_db()
    assert ae.resolved_on == dt.date(2026, 4, 10)
    on = dt.date(2026, 4, 12)
    assert build_board(Enrolment.objects.all(), on).open_events == [(ae, "due")]  # report due
    services.mark_report_submitted(ae, on)
    assert build_board(Enrolment.objects.all(), on).open_events == []


def test_a_death_is_stored_as_serious_even_when_not_ticked(world):
    """ICH E2A: a CTCAE grade 5 event is a death, so serious whatever was ticked; the stored row
    carries the implied criterion, and the 7-day clock runs for a suspected unexpected event."""
    enrolment = refer(world)
    death = _ae(enrolment, world.clinician_a, seriousness=[], ctcae_grade=5)
    assert "death" in death.seriousness
    assert (death.report_required, death.report_due) == (True, dt.date(2026, 4, 8))
    grade3 = _ae(enrolment, world.clinician_a, seriousness=[], ctcae_grade=3)
    assert grade3.seriousness == [] and grade3.report_required is False
