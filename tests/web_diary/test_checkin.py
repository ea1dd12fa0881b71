"""The daily check-in: the patient's local date, pre-fill, one entry per day with history, and
bad input refused with the field named and nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lupuscare.web.diary.checkin import local_today
from lupuscare.web.records.models import AuditEvent, DiaryEntry

from .helpers import checkin_post

URL = "/diary/check-in/"


def test_local_today_is_the_patients_calendar_date():
    # 11:30 UTC on 1 March is already 2 March in Auckland (UTC+13 in summer) ...
    now = dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.UTC)
    assert local_today("Pacific/Auckland", now) == dt.date(2026, 3, 2)
    # ... still 1 March in London and in Honolulu (UTC-10, 01:30)
    assert local_today("Europe/London", now) == dt.date(2026, 3, 1)
    assert local_today("Pacific/Honolulu", now) == dt.date(2026, 3, 1)
    # the boundary: 10:59:59 UTC is 23:59:59 in Auckland, the day before
    assert local_today("Pacific/Auckland", dt.datetime(2026, 3, 1, 10, 59, 59, tzinfo=dt.UTC)) \
        == dt.date(2026, 3, 1)


@pytest.mark.django_db
def test_check_in_prefills_symptoms_and_triggers_from_the_day_before_not_warning_signs(patient_client, world):
    today = local_today("Europe/Berlin")
    DiaryEntry.objects.create(
        patient=world.patient_a, local_date=today - dt.timedelta(days=1), time_zone="Europe/Berlin",
        symptoms={"fatigue": 6, "joint_pain": 3}, warning_signs=["swollen_legs"],
        triggers={"sun_hours": 2.5, "infection": True, "stress": 7}, notes="yesterday")
    form = patient_client.get(URL).context["form"]
    assert form.initial["symptom_fatigue"] == 6 and form.initial["symptom_joint_pain"] == 3
    assert form.initial["trigger_sun_hours"] == 2.5 and form.initial["trigger_infection"] == "yes"
    assert form.initial["time_zone"] == "Europe/Berlin"
    assert "sign_swollen_legs" not in form.initial and "notes" not in form.initial
    assert form.initial["local_date"] == today


@pytest.mark.django_db
def test_saving_twice_edits_the_one_entry_of_the_day_and_keeps_history(patient_client, world):
    today = local_today("Europe/Berlin")
    r = patient_client.post(URL, checkin_post(today, symptom_fatigue="4", trigger_infection="no"))
    assert r.status_code == 302 and r["Location"].endswith(f"?date={today.isoformat()}")
    r = patient_client.post(URL, checkin_post(today, symptom_fatigue="7", notes="worse"))
    assert r.status_code == 302
    entries = DiaryEntry.objects.filter(patient=world.patient_a, local_date=today)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.symptoms == {"fatigue": 7} and entry.notes == "worse" and entry.triggers == {}
    assert [h.symptoms for h in entry.history.order_by("history_id")] == [{"fatigue": 4}, {"fatigue": 7}]
    actions = list(AuditEvent.objects.filter(patient=world.patient_a, object_type="records.diaryentry")
                   .values_list("action", flat=True))
    assert "create" in actions and "update" in actions


@pytest.mark.django_db
def test_a_late_entry_keeps_its_own_date(patient_client, world):
    day = local_today("Europe/Berlin") - dt.timedelta(days=3)
    patient_client.post(URL, checkin_post(day, symptom_rash="2", trigger_fluorescent_light="yes"))
    entry = DiaryEntry.objects.get(patient=world.patient_a, local_date=day)
    assert entry.triggers == {"fluorescent_light": True} and entry.time_zone == "Europe/Berlin"


@pytest.mark.django_db
@pytest.mark.parametrize(("rating", "ok"), [("-1", False), ("0", True), ("10", True), ("11", False)])
def test_symptom_rating_scale_boundaries(patient_client, world, rating, ok):
    before = DiaryEntry.objects.count()
    r = patient_client.post(URL, checkin_post(symptom_fatigue=rating))
    if ok:
        assert r.status_code == 302 and DiaryEntry.objects.count() == before + 1
    else:
        assert r.status_code == 400 and DiaryEntry.objects.count() == before
        body = r.content.decode()
        assert "Nothing was saved" in body and "Tiredness or exhaustion:" in body


@pytest.mark.django_db
def test_trigger_out_of_bounds_is_refused_naming_it(patient_client, world):
    r = patient_client.post(URL, checkin_post(trigger_sleep_hours="24.5"))
    assert r.status_code == 400 and "Hours of sleep:" in r.content.decode()
    r = patient_client.post(URL, checkin_post(trigger_sleep_hours="24"))
    assert r.status_code == 302


@pytest.mark.django_db
def test_a_future_date_is_refused_in_the_patients_own_time_zone(patient_client, world):
    tz = "Pacific/Kiritimati"  # UTC+14: its "today" is the latest on Earth
    today = local_today(tz)
    r = patient_client.post(URL, checkin_post(today + dt.timedelta(days=1), tz=tz, symptom_fatigue="2"))
    assert r.status_code == 400
    assert "Day:" in r.content.decode() and "is in the future" in r.content.decode()
    assert not DiaryEntry.objects.filter(patient=world.patient_a, local_date=today + dt.timedelta(days=1)).exists()
    # the same calendar day is accepted with the time zone it is already "today" in
    assert patient_client.post(URL, checkin_post(today, tz=tz)).status_code == 302
    # ... and refused from a time zone where that day has not begun yet (UTC-11)
    behind = local_today("Pacific/Pago_Pago")
    if today > behind:
        r = patient_client.post(URL, checkin_post(today, tz="Pacific/Pago_Pago"))
        assert r.status_code == 400


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused(patient_client, world):
    r = patient_client.post(URL, checkin_post(dt.date(2026, 3, 1)) | {"time_zone": "Mars/Olympus"})
    assert r.status_code == 400 and "Your time zone:" in r.content.decode()
    assert not DiaryEntry.objects.filter(patient=world.patient_a, local_date=dt.date(2026, 3, 1),
                                         symptoms={}).exists()


@pytest.mark.django_db
def test_other_day_form_opens_that_days_entry_for_editing(patient_client, world):
    r = patient_client.get(URL + "?date=2026-03-01")  # the world's diary entry of patient A
    assert r.context["editing"] == world.records["diary_a"]
    assert r.context["form"].initial["symptom_fatigue"] == 4
    assert patient_client.get(URL + "?date=not-a-date").status_code == 404


@pytest.mark.django_db
def test_saved_page_without_an_entry_sends_back_to_the_check_in(patient_client):
    r = patient_client.get(reverse("diary:saved") + "?date=2020-01-01")
    assert r.status_code == 302 and r["Location"] == reverse("diary:checkin")


@pytest.mark.django_db
def test_home_lists_the_week_with_missing_days_open_for_a_late_entry(patient_client, world):
    today = local_today("Europe/Berlin")
    DiaryEntry.objects.create(patient=world.patient_a, local_date=today - dt.timedelta(days=2),
                              time_zone="Europe/Berlin", symptoms={"fatigue": 2})
    week = patient_client.get("/diary/").context["week"]
    assert [d for d, _ in week] == [today - dt.timedelta(days=i) for i in range(7)]
    assert [done for _, done in week] == [False, False, True, False, False, False, False]
