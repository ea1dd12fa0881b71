"""The inbox (read/unread, one's own only, POST to mark read) and the preferences page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from lupuscare.web.jobs.models import Kind, Notification, Preference

pytestmark = pytest.mark.django_db
INBOX, PREFS = "/jobs/notifications/", "/jobs/notifications/preferences/"


def _note(user, key="k1", title="Urgent alert for patient MRN-ALPHA-0001", patient=None):
    return Notification.objects.create(recipient=user, kind=Kind.URGENT_ALERT, key=key,
                                       patient=patient,
                                       title=title, body="Proteinuria doubled",
                                       link="/patients/1/", created_at=timezone.now())


def test_the_inbox_lists_only_ones_own_and_get_writes_nothing(world, clinician):
    mine = _note(world.clinician_a)
    _note(world.clinician_b, title="Urgent alert for patient MRN-BRAVO-0002")
    body = clinician.get(INBOX).content.decode()
    assert "MRN-ALPHA-0001" in body and "MRN-BRAVO-0002" not in body and "1 unread" in body
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_inbox_audits_the_patients_its_messages_name(world, clinician):
    from lupuscare.web.records.models import AuditEvent

    _note(world.clinician_a, patient=world.patient_a)
    _note(world.clinician_a, "k2", title="Your account")
    clinician.get(INBOX)
    event = AuditEvent.objects.filter(path=INBOX).latest("id")
    assert (event.action, event.patient_ids, event.user) == ("read", [world.patient_a.pk],
                                                             world.clinician_a)


def test_post_marks_one_read_and_another_users_notification_is_404(world, clinician):
    mine, theirs = _note(world.clinician_a), _note(world.clinician_b)
    assert clinician.post(INBOX, {"notification": theirs.pk}).status_code == 404
    assert clinician.post(INBOX, {"notification": "x"}).status_code == 404
    assert clinician.post(INBOX, {"notification": mine.pk}).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert "0 unread" in clinician.get(INBOX).content.decode()


def test_mark_all_read(world, clinician):
    _note(world.clinician_a, "a"), _note(world.clinician_a, "b")
    clinician.post(INBOX, {"all": "1"})
    assert not Notification.objects.filter(recipient=world.clinician_a, read_at=None).exists()


def test_preferences_refuse_a_bad_zone_and_a_missing_time_by_name(world, patient_client):
    r = patient_client.post(PREFS, {"time_zone": "Mars/Olympus", "email": "on"})
    assert r.status_code == 400 and "time_zone: &#x27;Mars/Olympus&#x27; is not an IANA" in \
        r.content.decode()
    r = patient_client.post(PREFS, {"time_zone": "Europe/Berlin", "diary_reminder_at": "02:30"})
    assert r.status_code == 400 and "02:30 does not exist in Europe/Berlin" in r.content.decode()
    r = patient_client.post(PREFS, {"time_zone": "UTC", "quiet_start": "22:00"})
    assert r.status_code == 400 and "give both the start and the end" in r.content.decode()
    assert not Preference.objects.exists()


def test_a_patient_sets_a_reminder_and_a_nudge(world, patient_client):
    r = patient_client.post(PREFS, {"time_zone": "Europe/Berlin", "email": "on",
                                    "diary_reminder_at": "20:00", "nudge_after_days": "4"})
    assert r.status_code == 302
    pref = Preference.objects.get(user=world.patient_a.user)
    assert (str(pref.diary_reminder_at), pref.nudge_after_days, pref.email) == ("20:00:00", 4, True)


def test_staff_have_no_reminder_fields(world, clinician):
    body = clinician.get(PREFS).content.decode()
    assert "diary_reminder_at" not in body and "Urgent safety alert" in body


def test_anonymous_is_sent_to_sign_in():
    assert Client().get(INBOX).status_code == 302


def test_every_role_has_the_inbox_in_its_menu():
    from lupuscare.web.navigation import MENU, links_for

    for role in MENU:
        assert ("Notifications", INBOX) in links_for(role), role
