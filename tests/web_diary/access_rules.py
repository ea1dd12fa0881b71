"""Access rules for the patient companion's URLs (read by ``tests/web/access.py``).

A patient reaches only their own diary pages (no id in the URL); a photo is readable by its
patient and the clinicians of their care team; the care team's diary page by those clinicians;
the education pages by anyone logged in. Everyone else is refused and sees nothing.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from lupuscare.web.diary import photos
from lupuscare.web.diary.models import DiaryPhoto, DoseLog
from lupuscare.web.records.models import DiaryEntry
from web.access import AUTHENTICATED, CLIN_IN, OWN_PATIENT_DATA, PATIENT_A, PATIENT_B, Rule
from web.factories import World

PATIENTS = frozenset({PATIENT_A, PATIENT_B})


def png_bytes(size: tuple[int, int] = (8, 6), color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def extend_world(world: World) -> None:
    for key, patient in (("a", world.patient_a), ("b", world.patient_b)):
        checked = photos.check_photo(png_bytes())
        world.records[f"photo_{key}"] = DiaryPhoto.objects.create(
            patient=patient, entry=world.records[f"diary_{key}"], stored_name=photos.store(checked),
            content_type=checked.content_type, size_bytes=len(checked.data), width=checked.width,
            height=checked.height, sha256=checked.sha256)


def _checkin(world: World) -> dict[str, Any]:
    return {"local_date": "2026-03-02", "time_zone": "Europe/Berlin", "symptom_fatigue": "3"}


def _dose(world: World) -> dict[str, Any]:
    return {"course": str(world.records["medication_a"].pk), "local_date": "2026-03-02",
            "status": "taken"}


RULES: dict[str, Rule] = {
    "diary:home": Rule(PATIENTS),
    "diary:checkin": Rule(PATIENTS),
    "diary:checkin POST": Rule(PATIENTS, ok=frozenset({302}), method="post", payload=_checkin,
                               creates=DiaryEntry),
    "diary:saved": Rule(PATIENTS, ok=frozenset({200, 302})),
    "diary:medicines": Rule(PATIENTS),
    # only patient A owns the course in the payload; patient B is refused (404) like everyone else
    "diary:medicines POST": Rule(frozenset({PATIENT_A}), ok=frozenset({302}), method="post",
                                 payload=_dose, creates=DoseLog),
    "diary:trends": Rule(PATIENTS),
    "diary:insights": Rule(PATIENTS),
    "diary:learn": Rule(AUTHENTICATED),
    "diary:learn-page": Rule(AUTHENTICATED, params=lambda w: {"slug": "myths"}),
    "diary:photo": Rule(OWN_PATIENT_DATA,
                        params=lambda w: {"photo_id": str(w.records["photo_a"].pk)}),
    "diary:my-data": Rule(PATIENTS),
    "diary:export": Rule(PATIENTS),
    # a wrong confirmation: the form is refused (400) and nothing is deleted during the walk
    "diary:delete-account": Rule(PATIENTS, ok=frozenset({400}), method="post",
                                 payload=lambda w: {"confirm": "no"}),
    "diary:patient-diary": Rule(frozenset({CLIN_IN}), shows_patient_a=True),
}
