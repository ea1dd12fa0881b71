"""``lupuscare jobs run-due``: what it prints, as text and JSON, and its refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cli.helpers import invoke
from lupuscare.cli.jobs import parse_as_of
from lupuscare.web.celltherapy import services
from lupuscare.web.jobs.models import Kind, Notification
from web_celltherapy.helpers import refer


@pytest.fixture
def susar(with_emails):
    return services.record_adverse_event(
        refer(with_emails), with_emails.clinician_a, term="pneumonia", onset=dt.date(2026, 4, 1),
        ctcae_grade=3, seriousness=["hospitalisation"], causality="possible", expected=False,
        sponsor_first_knowledge=dt.date(2026, 4, 1))


@pytest.mark.django_db
def test_run_due_prints_what_it_did_and_a_second_run_does_nothing(susar, settings):
    settings.LUPUSCARE_NIGHTLY_HOUR = 2
    first = invoke("jobs", "run-due", "--as-of", "2026-04-13", "--json")
    assert first.code == 0, first.err
    doc = json.loads(first.out)
    assert doc["as_of"] == "2026-04-13T23:59:59+00:00"
    jobs = {j["job"]: j for j in doc["jobs"]}
    assert jobs["nightly"]["patients_refreshed"] == 2
    assert jobs["ae_clocks"]["reminders"] == Notification.objects.filter(
        kind=Kind.AE_REPORT_DUE).count() >= 2
    second = json.loads(invoke("jobs", "run-due", "--as-of", "2026-04-13", "--json").out)
    again = {j["job"]: j for j in second["jobs"]}
    assert again["ae_clocks"]["reminders"] == 0 and "skipped" in again["nightly"]
    text = invoke("jobs", "run-due", "--as-of", "2026-04-13T08:00")
    assert text.code == 0
    assert text.out.splitlines()[0] == "Jobs due at 2026-04-13T08:00:00+00:00:"
    assert "  ae_clocks: reminders 0; overdue notifications 0" in text.out


def test_a_bad_as_of_is_refused_naming_the_option():
    ran = invoke("jobs", "run-due", "--as-of", "13/04/2026")
    assert ran.code == 2
    assert ran.err.startswith("error: --as-of: '13/04/2026' is not a date (YYYY-MM-DD)")


def test_as_of_a_date_is_the_end_of_that_day_and_an_offset_is_kept():
    assert parse_as_of("2026-04-13") == dt.datetime(2026, 4, 13, 23, 59, 59, tzinfo=dt.UTC)
    assert parse_as_of("2026-04-13T08:00+02:00").utcoffset() == dt.timedelta(hours=2)
    assert parse_as_of(None) is None


def test_the_worker_refuses_a_bad_setting_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "LUPUSCARE_DATA_DIR": str(tmp_path), "LUPUSCARE_NIGHTLY_HOUR": "25"}
    r = subprocess.run([sys.executable, "-m", "lupuscare.cli", "worker"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr == "error: LUPUSCARE_NIGHTLY_HOUR must be an hour from 0 to 23\n"
