"""My data: export everything as CSV in a zip; delete the account under the retention rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from lupuscare.web.clinic.models import ClinicAlert
from lupuscare.web.diary.models import AccountDeletion, DiaryPhoto, DoseLog, RedFlagNotice
from lupuscare.web.records.models import Assessment, AuditEvent, DiaryEntry, LabResult

from .helpers import checkin_post, image_bytes
from .test_photos import _upload


def _zip(client) -> zipfile.ZipFile:
    r = client.get("/diary/my-data/export.zip")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(r.content))


def _rows(z: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(z.read(name).decode())))


@pytest.mark.django_db
def test_export_holds_every_table_and_the_photos(patient_client, world):
    patient_client.post("/diary/check-in/", checkin_post(
        symptom_fatigue="6", sign_swollen_legs="on", trigger_infection="yes",
        notes="=HYPERLINK(\"http://evil\")", photo=_upload(image_bytes())))
    z = _zip(patient_client)
    names = set(z.namelist())
    assert {"diary.csv", "medicines.csv", "doses.csv", "labs.csv", "visits.csv", "scores.csv",
            "red_flags.csv", "photos.csv"} <= names
    diary = _rows(z, "diary.csv")
    assert len(diary) == 2  # the world's entry of 1 March and today's
    today = [r for r in diary if r["date"] != "2026-03-01"][0]
    assert today["fatigue"] == "6" and today["sign_swollen_legs"] == "yes" and today["infection"] == "yes"
    assert today["notes"].startswith("'=")  # a spreadsheet will not run it as a formula
    assert _rows(z, "labs.csv")[0]["test"] == "c3"
    assert _rows(z, "medicines.csv")[0]["drug"] == "hydroxychloroquine"
    photo = DiaryPhoto.objects.get(patient=world.patient_a)
    assert f"photos/{photo.stored_name}" in names
    # nothing of patient B
    assert world.patient_b.identifier.encode() not in b"".join(z.read(n) for n in names)


@pytest.mark.django_db
def test_wrong_confirmation_deletes_nothing(patient_client, world):
    r = patient_client.post("/diary/my-data/delete/", {"confirm": "delete"})
    assert r.status_code == 400 and "Confirmation: type the word DELETE" in r.content.decode()
    world.patient_a.user.refresh_from_db()
    assert world.patient_a.user.is_active and DiaryEntry.objects.filter(patient=world.patient_a).exists()


@pytest.mark.django_db
def test_deletion_removes_the_diary_keeps_clinical_records_and_closes_the_login(
        patient_client, world, settings, data_dir, django_capture_on_commit_callbacks):
    settings.LUPUSCARE_RETENTION_DAYS = 30
    patient_client.post("/diary/check-in/", checkin_post(symptom_rash="4", sign_seizure="on",
                                                         photo=_upload(image_bytes())))
    patient_client.post("/diary/medicines/", {"course": world.records["medication_a"].pk,
                                              "local_date": timezone.localdate().isoformat(),
                                              "status": "taken"})
    stored = DiaryPhoto.objects.get(patient=world.patient_a).stored_name
    page = patient_client.get("/diary/my-data/").content.decode()
    assert "kept for 30 days" in page

    with django_capture_on_commit_callbacks(execute=True):  # the photo file goes after the commit
        from web.factories import PASSWORD

        r = patient_client.post("/diary/my-data/delete/", {"confirm": "DELETE", "password": PASSWORD})
    assert r.status_code == 200 and "Your account has been deleted" in r.content.decode()
    pa = world.patient_a
    assert not DiaryEntry.objects.filter(patient=pa).exists()
    assert not DiaryEntry.history.model.objects.filter(patient_id=pa.pk).exists()
    assert not DoseLog.objects.filter(patient=pa).exists()
    assert not DoseLog.history.model.objects.filter(patient_id=pa.pk).exists()
    assert not DiaryPhoto.objects.filter(patient=pa).exists()
    assert not (data_dir / "private" / "diary-photos" / stored).exists()
    # clinical records stay, patient B is untouched
    assert Assessment.objects.filter(patient=pa).exists() and LabResult.objects.filter(patient=pa).exists()
    assert DiaryEntry.objects.filter(patient=world.patient_b).exists()
    notice = RedFlagNotice.objects.get(patient=pa)  # the red flag survives, without the entry
    assert notice.entry is None and notice.signs == ["a seizure"]
    assert ClinicAlert.objects.filter(patient=pa, code="diary_seizure").exists()
    record = AccountDeletion.objects.get(patient=pa)
    assert record.clinical_records_kept_until == timezone.localdate() + dt.timedelta(days=30)
    assert record.diary_entries_removed == 2 and record.photos_removed == 1 and record.dose_logs_removed == 1
    assert AuditEvent.objects.filter(patient=pa, action="delete", object_type="diary.accountdeletion").exists()
    user = pa.user
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert user.username == f"deleted-{user.pk}" and user.first_name == "" and user.email == ""
    assert not user.history.exclude(first_name="").exists()
    # logged out, and the old login no longer works
    assert patient_client.get("/diary/").status_code == 302
    from web.factories import PASSWORD

    r = Client().post("/accounts/login/", {"username": "patient_a", "password": PASSWORD})
    assert r.status_code == 200 and "_auth_user_id" not in r.wsgi_request.session
