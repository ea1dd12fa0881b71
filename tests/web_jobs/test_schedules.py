"""Every schedule with a frozen clock: due today, one day late, quiet hours, a time zone across a
daylight-saving change, a reminder time that does not exist; and the ledger (run twice, send once).

The clock is "frozen" by passing the moment to ``run_due`` (the worker passes ``timezone.now()``),
so every case names the exact instant it is about.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.jobs import schedules
from lupuscare.web.jobs.models import EmailStatus, JobRun, Kind, Notification, Preference
from lupuscare.web.jobs.preferences import save_preferences
from web.factories import make_assessment, make_diary_entry
from web_celltherapy.helpers import infuse, refer, released_lot

pytestmark = pytest.mark.django_db
UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def at(y, m, d, h=12, minute=0, tz=UTC) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=tz)


def sent(kind: Kind, user=None) -> list[Notification]:
    rows = Notification.objects.filter(kind=kind)
    return list(rows.filter(recipient=user) if user is not None else rows)


# --- cell-therapy follow-up visits ----------------------------------------------------------
@pytest.fixture
def infused(with_emails):
    lot = released_lot(with_emails)
    infuse(with_emails, lot)  # day 0: 21 March 2026; week 1 window 25-31 March
    return lot.enrolment


def test_a_follow_up_visit_is_announced_the_day_its_window_opens_and_once(infused, world):
    schedules.follow_ups(at(2026, 3, 24))
    assert sent(Kind.FOLLOW_UP_DUE) == []
    schedules.run_due(at(2026, 3, 25))
    for user in (world.coordinator, world.clinician_a):
        [n] = sent(Kind.FOLLOW_UP_DUE, user)
        assert n.key == f"visit:{infused.pk}:week 1:due" and "MRN-ALPHA-0001" in n.title
        assert n.patient == world.patient_a
    assert sent(Kind.FOLLOW_UP_DUE, world.clinician_b) == []  # not their patient
    emails = len(mail.outbox)
    schedules.run_due(at(2026, 3, 25, 18))
    schedules.run_due(at(2026, 3, 26))
    assert len(sent(Kind.FOLLOW_UP_DUE, world.coordinator)) == 1
    assert len(mail.outbox) == emails


def test_an_overdue_visit_is_sent_the_day_after_the_window_closes_even_a_day_late(infused, world):
    schedules.follow_ups(at(2026, 3, 31))
    assert sent(Kind.FOLLOW_UP_OVERDUE) == []
    schedules.follow_ups(at(2026, 4, 2))  # the worker was down on 1 April: sent on the 2nd
    [n] = sent(Kind.FOLLOW_UP_OVERDUE, world.coordinator)
    assert n.key == f"visit:{infused.pk}:week 1:overdue"
    schedules.follow_ups(at(2026, 4, 3))
    assert len(sent(Kind.FOLLOW_UP_OVERDUE, world.coordinator)) == 1


def test_a_done_visit_is_neither_due_nor_overdue(infused, world):
    visit = infused.visits.get(label="week 1")
    services.record_visit(visit, make_assessment(world.patient_a, date=dt.date(2026, 3, 26)),
                          on=dt.date(2026, 3, 26))
    schedules.follow_ups(at(2026, 4, 2))
    assert not Notification.objects.filter(key__contains="week 1").exists()


# --- expedited adverse-event reports -------------------------------------------------------
def _ae(world, enrolment=None, **fields):
    values = dict(term="pneumonia", onset=dt.date(2026, 4, 1), ctcae_grade=3,
                  seriousness=["hospitalisation"], causality="possible", expected=False,
                  sponsor_first_knowledge=dt.date(2026, 4, 1))
    values.update(fields)
    return services.record_adverse_event(enrolment or refer(world), world.clinician_a, **values)


def test_a_15_day_clock_reminds_on_day_12_not_day_11(with_emails):
    ae = _ae(with_emails)  # due 16 April
    schedules.ae_clocks(at(2026, 4, 12, 23, 59))  # day 11
    assert sent(Kind.AE_REPORT_DUE) == []
    schedules.ae_clocks(at(2026, 4, 13, 0, 0))  # day 12
    [n] = sent(Kind.AE_REPORT_DUE, with_emails.coordinator)
    assert n.key == f"ae:{ae.pk}:day12" and "2026-04-16" in n.title
    assert sent(Kind.AE_REPORT_DUE, with_emails.clinician_a)
    schedules.ae_clocks(at(2026, 4, 14))
    assert len(sent(Kind.AE_REPORT_DUE, with_emails.coordinator)) == 1


def test_a_7_day_clock_reminds_on_day_5_and_a_day_late_still_once(with_emails):
    ae = _ae(with_emails, seriousness=["life_threatening"], ctcae_grade=4)  # due 8 April
    schedules.ae_clocks(at(2026, 4, 5))  # day 4
    assert sent(Kind.AE_REPORT_DUE) == []
    schedules.ae_clocks(at(2026, 4, 7))  # day 6: the run of day 5 was missed
    [n] = sent(Kind.AE_REPORT_DUE, with_emails.coordinator)
    assert n.key == f"ae:{ae.pk}:day5" and "day 6 of 7" in n.body


def test_an_unsubmitted_report_is_overdue_the_day_after_its_deadline(with_emails):
    ae = _ae(with_emails)
    schedules.ae_clocks(at(2026, 4, 16, 23, 59))
    assert sent(Kind.AE_REPORT_OVERDUE) == []
    schedules.ae_clocks(at(2026, 4, 17))
    schedules.ae_clocks(at(2026, 4, 18))
    [n] = sent(Kind.AE_REPORT_OVERDUE, with_emails.coordinator)
    assert n.key == f"ae:{ae.pk}:overdue"


def test_a_submitted_report_sends_nothing(with_emails):
    ae = _ae(with_emails)
    services.mark_report_submitted(ae, dt.date(2026, 4, 10))
    schedules.ae_clocks(at(2026, 4, 13))
    schedules.ae_clocks(at(2026, 4, 20))
    assert not Notification.objects.filter(kind__startswith="ae_").exists()


# --- quiet hours ----------------------------------------------------------------------------
def test_quiet_hours_defer_the_email_not_the_inbox(with_emails):
    coordinator = with_emails.coordinator
    save_preferences(coordinator, time_zone="Europe/Berlin", email=True, email_details=False,
                     muted_kinds=[], quiet_start=dt.time(22), quiet_end=dt.time(7))
    _ae(with_emails)
    schedules.run_due(at(2026, 4, 13, 21, 30))  # 23:30 in Berlin (CEST, UTC+2)
    [n] = sent(Kind.AE_REPORT_DUE, coordinator)
    assert n.email_status == EmailStatus.PENDING
    assert coordinator.email not in [m.to[0] for m in mail.outbox]
    schedules.run_due(at(2026, 4, 14, 4, 59))  # 06:59 in Berlin: still quiet
    assert coordinator.email not in [m.to[0] for m in mail.outbox]
    schedules.run_due(at(2026, 4, 14, 5, 0))  # 07:00: the window has ended
    schedules.run_due(at(2026, 4, 14, 5, 5))
    assert [m.to[0] for m in mail.outbox].count(coordinator.email) == 1
    n.refresh_from_db()
    assert n.email_status == EmailStatus.SENT


def test_an_email_names_no_patient_unless_the_user_chose_it(with_emails):
    _ae(with_emails)
    save_preferences(with_emails.clinician_a, time_zone="UTC", email=True, email_details=True,
                     muted_kinds=[], quiet_start=None, quiet_end=None)
    schedules.ae_clocks(at(2026, 4, 13))
    by_address = {m.to[0]: m for m in mail.outbox}
    plain = by_address[with_emails.coordinator.email]
    assert "MRN-ALPHA-0001" not in plain.body + plain.subject and "pneumonia" not in plain.body
    assert "http://127.0.0.1:8000/jobs/notifications/" in plain.body
    assert "MRN-ALPHA-0001" in by_address[with_emails.clinician_a.email].body


def test_a_muted_kind_is_not_sent_but_an_urgent_one_stays_in_the_inbox(with_emails, world):
    save_preferences(world.coordinator, time_zone="UTC", email=True, email_details=False,
                     muted_kinds=["ae_report_due", "ae_report_overdue"], quiet_start=None,
                     quiet_end=None)
    _ae(world)
    schedules.ae_clocks(at(2026, 4, 13))
    schedules.ae_clocks(at(2026, 4, 17))
    assert sent(Kind.AE_REPORT_DUE, world.coordinator) == []
    [overdue] = sent(Kind.AE_REPORT_OVERDUE, world.coordinator)
    assert overdue.email_status == EmailStatus.NONE


# --- diary reminders and nudges -------------------------------------------------------------
def _reminder(patient, when: dt.time | None, zone="Europe/Berlin", nudge=None):
    return save_preferences(patient.user, time_zone=zone, email=True, email_details=False,
                            muted_kinds=[], quiet_start=None, quiet_end=None,
                            diary_reminder_at=when, nudge_after_days=nudge,
                            today=dt.date(2026, 6, 1))  # the next change checked: 25 Oct 2026


def test_a_diary_reminder_follows_the_patients_clock_across_the_daylight_saving_change(world):
    patient = world.patient_a
    _reminder(patient, dt.time(20, 0))
    # Saturday 28 March 2026: CET (UTC+1), 20:00 in Berlin is 19:00 UTC
    schedules.diary_reminders(at(2026, 3, 28, 18, 59))
    assert sent(Kind.DIARY_REMINDER) == []
    schedules.diary_reminders(at(2026, 3, 28, 19, 0))
    assert [n.key for n in sent(Kind.DIARY_REMINDER)] == ["2026-03-28"]
    # Sunday 29 March: clocks went forward at 02:00, CEST (UTC+2): 20:00 is 18:00 UTC
    schedules.diary_reminders(at(2026, 3, 29, 17, 59))
    assert len(sent(Kind.DIARY_REMINDER)) == 1
    schedules.diary_reminders(at(2026, 3, 29, 18, 0))
    schedules.diary_reminders(at(2026, 3, 29, 21, 0))
    assert sorted(n.key for n in sent(Kind.DIARY_REMINDER)) == ["2026-03-28", "2026-03-29"]


def test_no_reminder_after_a_check_in_and_none_sent_late_for_a_missed_day(world):
    patient = world.patient_a
    _reminder(patient, dt.time(8, 0))
    make_diary_entry(patient, local_date=dt.date(2026, 5, 4))
    schedules.diary_reminders(at(2026, 5, 4, 12))  # checked in already
    assert sent(Kind.DIARY_REMINDER) == []
    schedules.diary_reminders(at(2026, 5, 6, 12))  # 5 May was missed: only 6 May is sent
    assert [n.key for n in sent(Kind.DIARY_REMINDER)] == ["2026-05-06"]


def test_a_reminder_time_that_does_not_exist_is_refused_with_a_clear_message(world):
    user = world.patient_a.user
    with pytest.raises(InputError) as caught:
        save_preferences(user, time_zone="Europe/Berlin", email=True, email_details=False,
                         muted_kinds=[], quiet_start=None, quiet_end=None,
                         diary_reminder_at=dt.time(2, 30), today=dt.date(2026, 12, 4))
    assert caught.value.field == "diary_reminder_at"
    assert "02:30 does not exist in Europe/Berlin on 2027-03-28" in caught.value.message
    assert not Preference.objects.filter(user=user).exists()  # nothing half-saved
    # the same time exists every day in UTC
    assert _reminder(world.patient_a, dt.time(2, 30), zone="UTC").diary_reminder_at


def test_a_stored_time_inside_the_gap_is_sent_after_it_with_a_note(world):
    """A preference saved before a zone's rules changed can still fall in a gap: the reminder
    then comes one hour later that day, and says why."""
    Preference.objects.create(user=world.patient_a.user, time_zone="Europe/Berlin",
                              diary_reminder_at=dt.time(2, 30))
    schedules.diary_reminders(at(2027, 3, 28, 1, 29, tz=BERLIN).astimezone(UTC))  # 03:29 CEST
    assert sent(Kind.DIARY_REMINDER) == []
    result = schedules.diary_reminders(at(2027, 3, 28, 3, 30, tz=BERLIN))
    [n] = sent(Kind.DIARY_REMINDER)
    assert "02:30 does not exist in Europe/Berlin on 2027-03-28" in n.body and "03:30" in n.body
    assert result["notes"] and "sent at 03:30" in result["notes"][0]


def test_the_check_in_nudge_is_off_by_default_and_once_per_gap(world):
    patient = world.patient_a  # last check-in: 1 March 2026 (the world's diary entry)
    schedules.checkin_nudges(at(2026, 3, 10))
    assert sent(Kind.CHECKIN_NUDGE) == []  # no preference: off
    _reminder(patient, None, zone="UTC", nudge=3)
    schedules.checkin_nudges(at(2026, 3, 3, 12))  # 2 days
    assert sent(Kind.CHECKIN_NUDGE) == []
    schedules.checkin_nudges(at(2026, 3, 4, 9, 59))  # 3 days, before 10:00 local
    assert sent(Kind.CHECKIN_NUDGE) == []
    schedules.checkin_nudges(at(2026, 3, 4, 10))
    schedules.checkin_nudges(at(2026, 3, 5, 10))
    [n] = sent(Kind.CHECKIN_NUDGE)
    assert n.key == "since:2026-03-01" and "3 days ago" in n.body
    make_diary_entry(patient, local_date=dt.date(2026, 3, 6))
    schedules.checkin_nudges(at(2026, 3, 9, 10))  # a new gap, a new nudge
    assert sorted(n.key for n in sent(Kind.CHECKIN_NUDGE)) == ["since:2026-03-01",
                                                               "since:2026-03-06"]


# --- nightly --------------------------------------------------------------------------------
def test_the_nightly_pass_scores_unscored_visits_once_a_day_from_its_hour(world, settings):
    from lupuscare.web.clinic.models import StoredScore

    settings.LUPUSCARE_NIGHTLY_HOUR = 2
    StoredScore.objects.all().delete()
    [result] = [r for r in schedules.run_due(at(2026, 4, 1, 1, 59)) if r["job"] == "nightly"]
    assert "skipped" in result and not StoredScore.objects.exists()
    [result] = [r for r in schedules.run_due(at(2026, 4, 1, 2, 0)) if r["job"] == "nightly"]
    assert result["visits_scored"] == 2 and result["patients_refreshed"] == 2
    assert StoredScore.objects.filter(assessment=world.records["assessment_a"]).exists()
    [again] = [r for r in schedules.run_due(at(2026, 4, 1, 3)) if r["job"] == "nightly"]
    assert "skipped" in again
    assert JobRun.objects.get(job="nightly", period="2026-04-01").finished_at is not None


def test_running_the_whole_pass_twice_sends_nothing_the_second_time(infused, world):
    _ae(world, infused)
    first = schedules.run_due(at(2026, 4, 13))
    assert Notification.objects.exists()
    count, emails = Notification.objects.count(), len(mail.outbox)
    second = schedules.run_due(at(2026, 4, 13))
    assert (Notification.objects.count(), len(mail.outbox)) == (count, emails)
    assert first != second


def test_the_demo_ends_with_the_nightly_work_done(settings):
    """``lupuscare demo`` scores every visit and stores the alerts as it loads
    (``records.services.bulk.consequences_of_import``): the first nightly pass finds nothing left
    to score, so the first dashboard is complete without waiting for the night."""
    from lupuscare.demo.load import load_demo

    settings.LUPUSCARE_NIGHTLY_HOUR = 0
    summary = load_demo(4, 1, as_of=dt.date(2026, 4, 1))
    assert summary.counts
    result = schedules.nightly(at(2026, 4, 1, 3))
    assert result["patients_refreshed"] >= 4 and result["visits_scored"] == 0
