"""The care team hears at once: an urgent alert or a diary red flag enqueues a task once its
write commits (the queue runs inline here), and the task sends each once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lupuscare.web.clinic.models import ClinicAlert
from lupuscare.web.jobs import schedules
from lupuscare.web.jobs.models import Kind, Notification
from web_diary.helpers import checkin_post

pytestmark = pytest.mark.django_db


def _alert(patient, severity="urgent", code="lupus_nephritis_flare"):
    return ClinicAlert.objects.create(
        patient=patient, code=code, severity=severity, severity_rank=0 if severity == "urgent"
        else 1, message="Proteinuria doubled", citation="test", certainty="established",
        last_evaluated_on=dt.date(2026, 4, 1))


def test_an_urgent_alert_reaches_the_care_team_after_commit(with_emails,
                                                              django_capture_on_commit_callbacks,
                                                              mailoutbox):
    world = with_emails
    with django_capture_on_commit_callbacks(execute=False) as pending:
        alert = _alert(world.patient_a)
        assert not Notification.objects.exists()  # nothing before the write commits
    assert len(pending) == 1
    pending[0]()
    [n] = Notification.objects.filter(kind=Kind.URGENT_ALERT)
    assert (n.recipient, n.key) == (world.clinician_a, f"alert:{alert.pk}")
    assert [m.to for m in mailoutbox] == [[world.clinician_a.email]]
    assert "MRN-ALPHA-0001" not in mailoutbox[0].body  # the email only links to the inbox
    # the sweep and a retried task find it sent
    schedules.sweep_urgent(timezone.now())
    pending[0]()
    assert Notification.objects.filter(kind=Kind.URGENT_ALERT).count() == 1
    assert len(mailoutbox) == 1


def test_a_warning_alert_waits_for_the_pages(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as pending:
        _alert(world.patient_a, severity="warning")
    assert pending == [] and not Notification.objects.exists()


def test_a_diary_red_flag_reaches_the_care_team_once(patient_client, world,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = patient_client.post("/diary/check-in/", checkin_post(sign_seizure="on"))
    assert r.status_code == 302
    [n] = Notification.objects.filter(kind=Kind.RED_FLAG)
    assert n.recipient == world.clinician_a and "a seizure" in n.body
    # the clinic alert the entry opened is told as this notice, not a second time
    assert not Notification.objects.filter(kind=Kind.URGENT_ALERT).exists()
    schedules.sweep_urgent(timezone.now())
    assert Notification.objects.count() == 1
