"""Medicines: what is due on a day, taken/skipped with side effects, expectations with sources."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.rules.hydroxychloroquine import HCQ_TOO_EARLY_MONTHS
from lupuscare.web.diary.checkin import local_today
from lupuscare.web.diary.medicines import EXPECTATIONS, SIDE_EFFECTS, is_due
from lupuscare.web.diary.models import DoseLog
from lupuscare.web.records.models import MedicationCourse

START = dt.date(2026, 1, 5)


@pytest.mark.parametrize(("schedule", "offset", "due"), [
    ("daily", -1, False), ("daily", 0, True), ("daily", 400, True),
    ("alternate_day", 1, False), ("alternate_day", 2, True),
    ("weekly", 6, False), ("weekly", 7, True), ("weekly", 8, False),
    ("once", 0, True), ("once", 1, False),
    ("other", 3, None),
])
def test_is_due_boundaries(schedule, offset, due):
    assert is_due(schedule, START, None, START + dt.timedelta(days=offset)) is due


def test_is_due_respects_the_stop_day_inclusive():
    stop = START + dt.timedelta(days=10)
    assert is_due("daily", START, stop, stop) is True
    assert is_due("daily", START, stop, stop + dt.timedelta(days=1)) is False


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months():
    """One calendar-month arithmetic (``lupuscare.dates.add_months``): a monthly dose started on
    the 31st is due on 28 February and 30 April, never skipped (it used to skip short months)."""
    start = dt.date(2026, 1, 31)
    assert is_due("monthly", start, None, dt.date(2026, 3, 31)) is True
    assert [d for d in range(1, 29) if is_due("monthly", start, None, dt.date(2026, 2, d))] == [28]
    assert is_due("monthly", start, None, dt.date(2026, 4, 30)) is True
    assert is_due("monthly", start, None, dt.date(2026, 4, 29)) is False
    assert is_due("monthly", start, None, dt.date(2026, 3, 30)) is False
    assert is_due("monthly", start, None, dt.date(2028, 2, 29)) is True  # leap year


def test_hydroxychloroquine_side_effects_and_expectation_are_sourced():
    names = {s.name for s in SIDE_EFFECTS["hydroxychloroquine"]}
    assert names == {"stomach_upset", "skin_darkening", "vision_changes"}
    exp = EXPECTATIONS["hydroxychloroquine"]
    assert f"{HCQ_TOO_EARLY_MONTHS} months" in exp.text and "6 months" in exp.text
    assert exp.sources and all(s.url.startswith("https://") for s in exp.sources)


@pytest.mark.django_db
def test_due_today_on_the_patient_home_and_diary_home(patient_client, world):
    MedicationCourse.objects.create(patient=world.patient_a, drug="rituximab", route="iv",
                                    start=dt.date(2025, 1, 1), schedule="other")
    for url in ("/me/", "/diary/"):
        body = patient_client.get(url).content.decode()
        assert "Medicines due today" in body and "Hydroxychloroquine" in body
        assert "Rituximab" not in body  # given at the clinic, not a home dose
        assert "not logged yet" in body


@pytest.mark.django_db
def test_taken_with_side_effects_then_changed_to_skipped_keeps_history(patient_client, world):
    course = world.records["medication_a"]
    today = local_today("UTC")
    data = {"course": course.pk, "local_date": today.isoformat(), "status": "taken",
            "side_effects": ["stomach_upset", "vision_changes"]}
    assert patient_client.post("/diary/medicines/", data).status_code == 302
    row = DoseLog.objects.get(course=course, local_date=today)
    assert row.status == "taken" and row.side_effects == ["stomach_upset", "vision_changes"]
    data |= {"status": "skipped", "side_effects": []}
    patient_client.post("/diary/medicines/", data)
    row.refresh_from_db()
    assert row.status == "skipped" and row.history.count() == 2
    body = patient_client.get("/diary/").content.decode()
    assert "tag-skipped" in body


@pytest.mark.django_db
def test_bad_dose_input_is_refused_and_saves_nothing(patient_client, world):
    course = world.records["medication_a"]
    today = local_today("UTC")
    bad = [
        {"status": "maybe"},
        {"status": "taken", "side_effects": ["hair_turns_green"]},
        {"status": "taken", "local_date": (today + dt.timedelta(days=1)).isoformat()},
    ]
    for extra in bad:
        data = {"course": course.pk, "local_date": today.isoformat()} | extra
        r = patient_client.post("/diary/medicines/", data)
        assert r.status_code == 400, extra
        assert "Not saved" in r.content.decode()
    assert not DoseLog.objects.exists()
    other = world.records["medication_b"]  # patient B's course
    r = patient_client.post("/diary/medicines/", {"course": other.pk, "local_date": today.isoformat(),
                                                  "status": "taken"})
    assert r.status_code == 404 and not DoseLog.objects.exists()


@pytest.mark.django_db
def test_medicines_page_shows_expectation_with_sources(patient_client):
    body = patient_client.get("/diary/medicines/").content.decode()
    assert "What to expect" in body and "works slowly" in body
    assert "rheumatology.org" in body and "Changes in your vision" in body


@pytest.mark.django_db
def test_schedule_lists_every_current_course_with_a_mean_dose_said_as_such(patient_client, world):
    MedicationCourse.objects.create(patient=world.patient_a, drug="methotrexate", daily_dose_mg=2.14,
                                    schedule="weekly", start=local_today("UTC") - dt.timedelta(days=1))
    MedicationCourse.objects.create(patient=world.patient_a, drug="prednisone", daily_dose_mg=5,
                                    start=dt.date(2020, 1, 1), stop=dt.date(2021, 1, 1))  # stopped
    body = patient_client.get("/diary/medicines/").content.decode()
    schedule = body.split('id="schedule-title"')[1].split("</section>")[0]
    assert "Methotrexate" in schedule and "2.1 mg a day on average" in schedule and "Weekly" in schedule
    assert "Hydroxychloroquine" in schedule and "300 mg a day</td>" in schedule
    assert "Prednisone" not in schedule
    # methotrexate is not due today (weekly, started yesterday): no taken/skipped form for it
    assert 'id="med-' in body and body.count('class="card med"') == 1
