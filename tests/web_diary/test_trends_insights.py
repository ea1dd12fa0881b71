"""My trends (chart data with gaps kept) and the trigger insights page (gated, "went together")."""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest

from lupuscare.web.diary.checkin import local_today
from lupuscare.web.diary.trends import chart_data
from lupuscare.web.records.models import DiaryEntry

from .helpers import stress_diary


def test_chart_data_keeps_missing_days_missing_and_booleans_as_0_1():
    end = dt.date(2026, 3, 10)
    entries = [
        SimpleNamespace(local_date=dt.date(2026, 3, 8), symptoms={"fatigue": 0}, triggers={"infection": False}),
        SimpleNamespace(local_date=dt.date(2026, 3, 10), symptoms={"fatigue": 7}, triggers={"infection": True}),
        SimpleNamespace(local_date=dt.date(2026, 3, 1), symptoms={"fatigue": 9}, triggers={}),  # outside
    ]
    data = chart_data(entries, end, days=3)
    assert data["dates"] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert data["days_logged"] == 2
    fatigue = next(s for s in data["symptoms"] if s["name"] == "fatigue")
    assert fatigue["values"] == [0, None, 7]  # a zero stays a zero; a gap stays a gap
    infection = next(t for t in data["triggers"] if t["name"] == "infection")
    assert infection["values"] == [0, None, 1]
    assert [s["name"] for s in data["symptoms"]] == ["fatigue"]  # never-logged series are left out


@pytest.mark.django_db
def test_trends_page_embeds_json_and_loads_local_plotly(patient_client, world):
    today = local_today("UTC")
    DiaryEntry.objects.create(patient=world.patient_a, local_date=today, symptoms={"rash": 3},
                              triggers={"sun_hours": 4})
    body = patient_client.get("/diary/trends/").content.decode()
    assert "/static/vendor/plotly/plotly.min.js" in body and "/static/diary/trends.js" in body
    assert "cdn" not in body.lower()
    raw = re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', body, re.S).group(1)
    data = json.loads(raw)
    assert data["dates"][-1] == today.isoformat()
    assert next(s for s in data["symptoms"] if s["name"] == "rash")["values"][-1] == 3
    assert "Your clinic has not shared any scores yet." in body


def _load_stress_diary(patient, days: int = 90) -> dt.date:
    end = local_today("UTC")
    start = end - dt.timedelta(days=days - 1)
    DiaryEntry.objects.filter(patient=patient).delete()
    DiaryEntry.objects.bulk_create([
        DiaryEntry(patient=patient, local_date=start + dt.timedelta(days=i), time_zone="UTC", **row)
        for i, row in enumerate(stress_diary(days))
    ])
    return start


@pytest.mark.django_db
def test_insights_without_check_ins_say_what_is_needed(patient_client, world):
    body = patient_client.get("/diary/insights/").content.decode()
    assert "Not enough information yet" in body
    assert "at least 8 days with" in body and "8 days without" in body and "60%" in body


@pytest.mark.django_db
def test_insights_with_little_data_say_not_enough_information_and_what_is_missing(patient_client, world):
    today = local_today("UTC")
    for i in range(5):
        DiaryEntry.objects.create(patient=world.patient_a, local_date=today - dt.timedelta(days=i),
                                  symptoms={"fatigue": 4, "rash": 1}, triggers={"sun_hours": 3, "stress": 8})
    body = patient_client.get("/diary/insights/").content.decode()
    assert "Not enough information yet" in body
    assert "at least 8 needed" in body or "at least 60% needed" in body
    assert "Went together</h2>" not in body


@pytest.mark.django_db
def test_insights_show_only_what_passes_the_gates_in_went_together_words(patient_client, world):
    _load_stress_diary(world.patient_a)
    body = patient_client.get("/diary/insights/").content.decode()
    went = body.split("<h2>Went together</h2>")[1].split("<h2>")[0]
    assert "Joint pain was on average" in went and "high-stress days" in went
    assert "went together, not why" in went
    assert "Tiredness" not in went  # fatigue did not move with stress: not shown as an insight
    assert "No clear pattern yet between stress and tiredness" in body
    assert "cause" not in body.lower()
