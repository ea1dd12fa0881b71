"""Issue 12 hardening of the web shell: audit rows for the reads that had none and for refusals,
no traceback for a 403, ``Cache-Control: no-store`` on signed-in pages, SQLite's
``synchronous=FULL``, and upload limits checked before the body is read."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from lupuscare.web import uploads
from lupuscare.web.records import audit_chain
from lupuscare.web.records.models import AuditEvent
from web.factories import make_lab

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _last() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence").first()


# --- reads that were not audited ---------------------------------------------------------------
def test_admin_list_pages_record_the_patients_on_the_page(world):
    admin = _client(world.admin)
    r = admin.get("/admin/records/patient/")
    assert r.status_code == 200
    row = _last()
    assert row.path == "/admin/records/patient/" and row.username == "admin"
    assert row.patient_ids == sorted([world.patient_a.pk, world.patient_b.pk])
    make_lab(world.patient_a, test="c4", value=0.1, unit="g/L")
    r = admin.get(f"/admin/records/labresult/?patient__id__exact={world.patient_a.pk}")
    assert r.status_code == 200 and _last().patient_ids == [world.patient_a.pk]
    # a search that shows nobody still leaves a row, naming no one
    admin.get("/admin/records/patient/?q=nobody-is-called-this")
    assert _last().patient_ids == []
    assert audit_chain.verify().ok


def test_admin_change_view_is_still_audited_for_its_patient(world):
    _client(world.admin).get(f"/admin/records/patient/{world.patient_b.pk}/change/")
    assert _last().patient_id == world.patient_b.pk


def test_cell_therapy_board_records_the_patients_it_shows(world):
    from web_celltherapy.helpers import refer

    refer(world)
    r = _client(world.coordinator).get("/celltherapy/")
    assert r.status_code == 200
    row = _last()
    assert row.path == "/celltherapy/" and row.action == "read"
    assert row.patient_ids == [world.patient_a.pk]
    _client(world.clinician_b).get("/celltherapy/")  # outside the team: sees no one
    assert _last().patient_ids == []


def test_my_data_page_is_audited(world):
    r = _client(world.patient_a.user).get("/diary/my-data/")
    assert r.status_code == 200
    row = _last()
    assert (row.path, row.patient_id, row.action) == ("/diary/my-data/", world.patient_a.pk, "read")


# --- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/patients/{b}/", "/clinic/patients/{b}/", "/diary/patients/{b}/"])
def test_a_patient_outside_the_team_is_refused_and_the_attempt_recorded(world, path):
    url = path.format(b=world.patient_b.pk)
    r = _client(world.clinician_a).get(url)
    assert r.status_code == 404
    row = _last()
    assert (row.action, row.status, row.username, row.path) == ("denied", 404, "dr_in_team", url)
    assert (row.object_type, row.object_id) == ("records.patient", str(world.patient_b.pk))
    assert row.patient_id is None  # nothing of patient B was read


def test_a_role_refusal_is_recorded_with_its_403(world):
    r = _client(world.patient_a.user).get("/clinic/")
    assert r.status_code == 403
    row = _last()
    assert (row.action, row.status, row.path) == ("denied", 403, "/clinic/")


def test_a_page_shown_is_not_recorded_as_refused(world):
    _client(world.clinician_a).get(f"/patients/{world.patient_a.pk}/")
    assert not AuditEvent.objects.filter(action="denied").exists()


def test_a_403_is_logged_without_a_traceback(world, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        r = _client(world.patient_a.user).get("/clinic/")
    assert r.status_code == 403
    records = [rec for rec in caplog.records if rec.name == "django.request"]
    assert records and "Forbidden" in records[0].getMessage()
    assert all(rec.exc_info is None and not rec.exc_text for rec in records)


# --- no-store ----------------------------------------------------------------------------------
@pytest.mark.parametrize("who, path", [
    ("clinician_a", "/patients/{a}/"), ("clinician_a", "/clinic/patients/{a}/"),
    ("clinician_a", "/clinic/"), ("patient", "/diary/"), ("patient", "/me/"),
    ("patient", "/diary/check-in/"),
])
def test_signed_in_pages_are_not_stored_by_any_cache(world, who, path):
    user = world.patient_a.user if who == "patient" else world.clinician_a
    r = _client(user).get(path.format(a=world.patient_a.pk))
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]


def test_public_pages_for_anonymous_visitors_are_left_cacheable(world):
    r = Client().get("/evidence/")
    assert r.status_code == 200 and "no-store" not in r.get("Cache-Control", "")


# --- SQLite durability -------------------------------------------------------------------------
def test_sqlite_runs_with_synchronous_full():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL


# --- upload limits -----------------------------------------------------------------------------
class _Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def _declared(client: Client, path: str, size: int):
    return client.generic("POST", path, b"", content_type="multipart/form-data; boundary=x",
                          CONTENT_LENGTH=str(size), **{"wsgi.input": _Unreadable()})


def test_a_240_mb_photo_is_refused_from_its_declared_size(world):
    r = _declared(_client(world.patient_a.user), "/diary/check-in/", 240 * 1024 * 1024)
    assert r.status_code == 413
    body = r.content.decode()
    assert "photo: the upload is 240.0 MB; the limit is 5.0 MB" in body
    assert not AuditEvent.objects.filter(action__in=["create", "update"]).exists()


def test_a_huge_lab_csv_is_refused_from_its_declared_size(world):
    url = f"/clinic/patients/{world.patient_a.pk}/labs/import/"
    r = _declared(_client(world.clinician_a), url, 240 * 1024 * 1024)
    assert r.status_code == 413 and "file: the upload is 240.0 MB" in r.content.decode()


def test_other_pages_refuse_a_body_over_the_form_limit(world, settings):
    r = _declared(_client(world.clinician_a), f"/patients/{world.patient_a.pk}/labs/new/",
                  settings.DATA_UPLOAD_MAX_MEMORY_SIZE + uploads.FORM_OVERHEAD_BYTES + 1)
    assert r.status_code == 413 and "request: the upload is" in r.content.decode()


def test_the_limit_boundary():
    limit = uploads.LIMITS["diary:checkin"]
    at = {"CONTENT_LENGTH": str(limit.max_request_bytes)}
    over = {"CONTENT_LENGTH": str(limit.max_request_bytes + 1)}
    assert uploads.refusal("diary:checkin", at) is None
    assert uploads.refusal("diary:checkin", over) == (limit, limit.max_request_bytes + 1)
    assert uploads.refusal("diary:checkin", {"CONTENT_LENGTH": "lots"})[1] is None
    assert uploads.refusal("diary:checkin", {}) is None  # no body


def test_a_normal_photo_upload_still_goes_through(world, settings, tmp_path):
    from web_diary.helpers import checkin_post, image_bytes
    from web_diary.test_photos import _upload

    settings.DATA_DIR = tmp_path
    r = _client(world.patient_a.user).post(
        "/diary/check-in/", checkin_post(symptom_rash="3", photo=_upload(image_bytes("JPEG"), "a.jpg")))
    assert r.status_code == 302
