"""The diary's fever warning runs the core rule with the patient's exposure windows (issue 11):
an IV pulse counts for 28 days, rituximab for 12 months after the last dose; a stopped daily
drug does not count."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.dates import add_months
from lupuscare.web.clinic.models import ClinicAlert
from lupuscare.web.diary.checkin import local_today
from lupuscare.web.records.models import MedicationCourse

from .helpers import checkin_post

URL = "/diary/check-in/"
URGENT = "Please get medical help"


def _fever(client) -> str:
    r = client.post(URL, checkin_post(symptom_fever="5"), follow=True)
    assert r.status_code == 200
    return r.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("days_ago", "urgent"), [(28, True), (29, False)])
def test_fever_after_an_iv_cyclophosphamide_pulse(patient_client, world, days_ago, urgent):
    day = local_today("Europe/Berlin") - dt.timedelta(days=days_ago)
    MedicationCourse.objects.create(patient=world.patient_a, drug="cyclophosphamide", daily_dose_mg=None,
                                    route="iv", pulse=True, start=day, stop=day)
    assert (URGENT in _fever(patient_client)) is urgent
    if urgent:
        alert = ClinicAlert.objects.get(patient=world.patient_a, code="diary_fever_on_immunosuppressants")
        assert "cyclophosphamide" in alert.message


@pytest.mark.django_db
@pytest.mark.parametrize(("months_ago", "extra_days", "urgent"), [(12, 0, True), (12, 1, False)])
def test_fever_after_rituximab_counts_for_12_months(patient_client, world, months_ago, extra_days, urgent):
    stop = add_months(local_today("Europe/Berlin"), -months_ago) - dt.timedelta(days=extra_days)
    # add_months clamps month ends; make sure "12 months after stop" is exactly today when urgent
    if urgent and add_months(stop, 12) != local_today("Europe/Berlin"):
        pytest.skip("today is a clamped month end")
    MedicationCourse.objects.create(patient=world.patient_a, drug="rituximab", daily_dose_mg=None,
                                    route="iv", pulse=True, start=stop, stop=stop)
    assert (URGENT in _fever(patient_client)) is urgent


@pytest.mark.django_db
def test_a_stopped_daily_immunosuppressant_does_not_count(patient_client, world):
    MedicationCourse.objects.create(patient=world.patient_a, drug="azathioprine", daily_dose_mg=100,
                                    start=dt.date(2024, 1, 1), stop=local_today("Europe/Berlin") - dt.timedelta(days=1))
    assert URGENT not in _fever(patient_client)
