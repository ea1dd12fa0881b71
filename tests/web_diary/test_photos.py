"""Photos: checked by their bytes, limited in size, re-encoded without metadata, stored under the
private data directory and served only to the patient and their care team."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from lupuscare.web.diary import photos
from lupuscare.web.diary.models import DiaryPhoto
from lupuscare.web.records.models import DiaryEntry

from .helpers import checkin_post, image_bytes

URL = "/diary/check-in/"


def _upload(data: bytes, name: str = "rash.png"):
    f = io.BytesIO(data)
    f.name = name
    return f


def test_check_photo_accepts_png_jpeg_webp_and_refuses_other_bytes():
    for fmt in ("PNG", "JPEG", "WEBP"):
        assert photos.check_photo(image_bytes(fmt)).width == 8
    for bad in (b"", b"not an image at all", b"%PDF-1.4 fake", image_bytes("GIF")):
        with pytest.raises(photos.PhotoError):
            photos.check_photo(bad)


def test_size_limit_boundary():
    limit = photos.MAX_PHOTO_BYTES
    # a real PNG padded to exactly the limit (trailing bytes after IEND) is still accepted ...
    png = image_bytes()
    assert photos.check_photo(png + b"\0" * (limit - len(png))).content_type == "image/png"
    # ... one byte more is refused with the limit in the message
    with pytest.raises(photos.PhotoError, match="limit is 5 MB"):
        photos.check_photo(png + b"\0" * (limit - len(png) + 1))


def test_gps_metadata_is_dropped_by_re_encoding():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 0.0)}  # GPS IFD
    raw = image_bytes("JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(raw)).getexif()  # the upload carries EXIF
    stored = photos.check_photo(raw)
    assert not Image.open(io.BytesIO(stored.data)).getexif()


def test_stored_names_cannot_leave_the_photo_directory(data_dir):
    with pytest.raises(photos.PhotoError):
        photos.path_of("../../etc/passwd")


@pytest.mark.django_db
def test_upload_with_check_in_is_stored_privately_and_served_to_patient_and_team(patient_client, world, data_dir):
    r = patient_client.post(URL, checkin_post(symptom_rash="5", photo=_upload(image_bytes()),
                                              photo_caption="left cheek"))
    assert r.status_code == 302
    photo = DiaryPhoto.objects.get(patient=world.patient_a)
    path = data_dir / "private" / "diary-photos" / photo.stored_name
    assert path.exists() and photo.caption == "left cheek" and photo.content_type == "image/png"
    assert "static" not in str(path)
    url = reverse("diary:photo", args=[photo.pk])
    r = patient_client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r.content == path.read_bytes()
    assert "no-store" in r["Cache-Control"]
    for user, status in ((world.clinician_a, 200), (world.clinician_b, 404), (world.patient_b.user, 404),
                         (world.coordinator, 404)):
        c = Client()
        c.force_login(user)
        assert c.get(url).status_code == status, user
    assert Client().get(url).status_code == 302  # anonymous: to the login page


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [b"GIF89a not really", b"x" * 100])
def test_a_file_that_is_not_an_image_saves_nothing(patient_client, world, data_dir, payload):
    before = DiaryEntry.objects.count()
    r = patient_client.post(URL, checkin_post(symptom_rash="5", photo=_upload(payload, "rash.jpg")))
    assert r.status_code == 400
    assert "Photo of a rash or a joint (optional): Photo: this file is not an image" in r.content.decode()
    assert DiaryEntry.objects.count() == before and DiaryPhoto.objects.count() == 0
    assert not list(data_dir.glob("private/diary-photos/*"))  # no file left behind


@pytest.mark.django_db
def test_a_too_large_photo_saves_nothing(patient_client, world, data_dir):
    big = image_bytes() + b"\0" * photos.MAX_PHOTO_BYTES
    r = patient_client.post(URL, checkin_post(symptom_rash="5", photo=_upload(big)))
    assert r.status_code == 400 and "the limit is 5 MB" in r.content.decode()
    assert DiaryEntry.objects.count() == 2 and DiaryPhoto.objects.count() == 0  # the world's two
