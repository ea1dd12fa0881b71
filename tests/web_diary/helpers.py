"""Small builders shared by the companion's tests."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from PIL import Image

from lupuscare.web.diary.checkin import local_today


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, "red")
    if exif is not None:
        img.save(buf, fmt, exif=exif)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def checkin_post(day: dt.date | None = None, tz: str = "Europe/Berlin", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"local_date": (day or local_today(tz)).isoformat(), "time_zone": tz}
    data.update(extra)
    return data


def stress_diary(days: int = 90, seed: int = 7) -> list[dict[str, Any]]:
    """A diary in which joint pain is 5 points higher on high-stress days and the day after."""
    rng = random.Random(seed)
    stress = [8 if rng.random() < 0.4 else 2 for _ in range(days)]
    rows = []
    for i in range(days):
        high = stress[i] >= 7 or (i > 0 and stress[i - 1] >= 7)
        rows.append({"symptoms": {"joint_pain": 2 + (5 if high else 0) + rng.choice([0, 1]),
                                  "fatigue": rng.choice([3, 4, 5])},
                     "triggers": {"stress": stress[i]}})
    return rows
