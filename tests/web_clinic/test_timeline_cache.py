"""Issue 12.8: the timeline is cached between writes. Any add, change or removal of a record it
reads shows on the next view; nothing is served from the cache once the patient's records change."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.web.clinic import timeline
from lupuscare.web.clinic.models import StoredScore
from lupuscare.web.clinic.scoring import store_scores
from lupuscare.web.records.services import Actor, retract_damage
from web.factories import make_assessment, make_damage_item, make_diary_entry, make_lab

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def builds(monkeypatch):
    """Counts the real builds (cache misses)."""
    calls = []
    real = timeline._build

    def counting(patient, today):
        calls.append(patient.pk)
        return real(patient, today)

    monkeypatch.setattr(timeline, "_build", counting)
    return calls


def test_a_second_view_without_writes_is_served_from_the_cache(world, builds):
    first = timeline.build(world.patient_a, TODAY)
    assert timeline.build(world.patient_a, TODAY) == first
    assert builds == [world.patient_a.pk]
    timeline.build(world.patient_b, TODAY)  # another patient is another entry
    assert builds == [world.patient_a.pk, world.patient_b.pk]


def test_the_next_day_is_built_again(world, builds):
    timeline.build(world.patient_a, TODAY)
    timeline.build(world.patient_a, TODAY + dt.timedelta(days=1))
    assert len(builds) == 2


def test_a_new_lab_shows_at_once(world, builds):
    before = timeline.build(world.patient_a, TODAY)
    make_lab(world.patient_a, test="c4", value=0.05, unit="g/L",
             collected_at=dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC))
    after = timeline.build(world.patient_a, TODAY)
    assert len(builds) == 2
    assert after["labs"]["c4"]["values"][-1] == pytest.approx(0.05)
    assert before != after


def test_a_changed_score_shows_at_once(world, builds):
    visit = world.records["assessment_a"]
    store_scores(visit)
    shown = timeline.build(world.patient_a, TODAY)["scores"]["sledai2k"][-1]
    row = StoredScore.objects.get(assessment=visit, instrument="sledai2k")
    row.value = shown + 8
    row.save()  # as a re-score does: the same row, changed
    assert timeline.build(world.patient_a, TODAY)["scores"]["sledai2k"][-1] == shown + 8


def test_a_removed_record_shows_at_once(world, builds):
    item = make_damage_item(world.patient_a, item="cataract", onset=dt.date(2020, 1, 1))
    with_item = timeline.build(world.patient_a, TODAY)["sdi"]["values"]
    retract_damage(Actor.system("test"), item, reason="entered for the wrong patient")
    without = timeline.build(world.patient_a, TODAY)["sdi"]["values"]
    assert with_item != without and len(builds) == 2


def test_a_diary_entry_and_a_new_visit_show_at_once(world, builds):
    timeline.build(world.patient_a, TODAY)
    make_diary_entry(world.patient_a, local_date=dt.date(2026, 3, 8), symptoms={"fatigue": 9})
    assert timeline.build(world.patient_a, TODAY)["diary"]["symptoms"].get("fatigue") is not None
    store_scores(make_assessment(world.patient_a, date=dt.date(2026, 3, 9)))
    assert timeline.build(world.patient_a, TODAY)["scores"]["dates"][-1] == "2026-03-09"
    assert len(builds) == 3


def test_a_write_for_another_patient_keeps_the_entry(world, builds):
    timeline.build(world.patient_a, TODAY)
    make_lab(world.patient_b, test="c3", value=0.4, unit="g/L")
    timeline.build(world.patient_a, TODAY)
    assert builds == [world.patient_a.pk]
