"""Issue 12.8: the record page's tables are cached between writes, and any write shows at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from web.factories import make_assessment, make_lab

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_a_repeat_view_reads_less_and_a_new_lab_shows_at_once(world):
    clinician = _client(world.clinician_a)
    url = f"/patients/{world.patient_a.pk}/"
    first, n_first = _get(clinician, url)
    again, n_again = _get(clinician, url)
    record = '<section aria-labelledby="demographics">'
    assert again.split(record)[1] == first.split(record)[1] and n_again < n_first
    make_lab(world.patient_a, test="c4", value=0.031, unit="g/L",
             collected_at=dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC))
    after, _ = _get(clinician, url)
    assert "0.031" in after and "0.031" not in first


def test_a_changed_visit_and_a_stopped_medicine_show_at_once(world):
    clinician = _client(world.clinician_a)
    url = f"/patients/{world.patient_a.pk}/"
    course = world.records["medication_a"]
    before, _ = _get(clinician, url)
    assert course.drug in before
    course.stop = dt.date(2000, 1, 1)
    course.start = dt.date(1999, 1, 1)
    course.save()
    make_assessment(world.patient_a, date=dt.date(2026, 3, 9), findings=["alopecia"])
    after, _ = _get(clinician, url)
    assert course.drug not in after.split('id="medicines"')[1].split("</section>")[0]
    assert "alopecia" in after


def test_who_may_record_is_part_of_the_key(world):
    clinician_page, _ = _get(_client(world.clinician_a), f"/patients/{world.patient_a.pk}/")
    own_page, _ = _get(_client(world.patient_a.user), "/me/")
    assert "Record a lab result" in clinician_page and "Record a lab result" not in own_page
    assert world.patient_a.identifier in own_page


def test_a_visit_without_a_clinician_renders(world):
    """A visit from the API or an import has no clinician; the page said 500 (a filter argument
    through ``None``)."""
    make_assessment(world.patient_a, date=dt.date(2026, 3, 8), clinician=None)
    page, _ = _get(_client(world.clinician_a), f"/patients/{world.patient_a.pk}/")
    assert "2026-03-08" in page
