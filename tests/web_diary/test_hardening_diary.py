"""Issue 12: deleting the account asks for the password; a JPEG's comment goes with the rest of
its metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from lupuscare.web.diary import photos
from lupuscare.web.records.models import DiaryEntry

from .helpers import checkin_post
from .test_photos import _upload


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["", "not-the-password", "lupus-test-password-7 "])
def test_account_deletion_with_a_wrong_or_missing_password_deletes_nothing(
        patient_client, world, password):
    r = patient_client.post("/diary/my-data/delete/", {"confirm": "DELETE", "password": password})
    assert r.status_code == 400
    body = r.content.decode()
    assert "Password:" in body or "This field is required" in body
    user = world.patient_a.user
    user.refresh_from_db()
    assert user.is_active and user.has_usable_password()
    assert DiaryEntry.objects.filter(patient=world.patient_a).exists()


@pytest.mark.django_db
def test_the_delete_form_asks_for_the_password(patient_client):
    page = patient_client.get("/diary/my-data/").content.decode()
    assert 'type="password"' in page and 'autocomplete="current-password"' in page


def _jpeg_with_comment_and_exif() -> bytes:
    img = Image.new("RGB", (16, 12), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010E] = "ImageDescription: home of the patient"
    exif[0x0112] = 1  # orientation: upright
    out = io.BytesIO()
    img.save(out, "JPEG", comment=b"GPS 52.52N 13.40E secret comment", exif=exif.tobytes())
    return out.getvalue()


def test_a_jpeg_comment_and_exif_are_not_stored():
    raw = _jpeg_with_comment_and_exif()
    assert b"secret comment" in raw and b"\xff\xfe" in raw and b"home of the patient" in raw
    stored = photos.check_photo(raw).data
    assert b"secret comment" not in stored and b"home of the patient" not in stored
    assert b"\xff\xfe" not in stored  # no COM segment at all
    with Image.open(io.BytesIO(stored)) as img:
        assert "comment" not in img.info and "exif" not in img.info
        assert img.size == (16, 12)


@pytest.mark.django_db
def test_an_uploaded_jpeg_is_stored_without_its_comment(patient_client, world, data_dir):
    from lupuscare.web.diary.models import DiaryPhoto

    r = patient_client.post("/diary/check-in/", checkin_post(
        symptom_rash="4", photo=_upload(_jpeg_with_comment_and_exif(), "rash.jpg")))
    assert r.status_code == 302
    photo = DiaryPhoto.objects.get(patient=world.patient_a)
    data = (data_dir / "private" / "diary-photos" / photo.stored_name).read_bytes()
    assert b"secret comment" not in data and b"\xff\xfe" not in data
