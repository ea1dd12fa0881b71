"""Every companion page works under the strict CSP (no inline script or style), labels every
form field, and keeps photos out of public URLs; schedule and chart properties."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.web.diary.medicines import is_due
from lupuscare.web.diary.trends import chart_data

PAGES = ["/diary/", "/diary/check-in/", "/diary/medicines/", "/diary/trends/", "/diary/insights/",
         "/diary/learn/", "/diary/learn/kidneys/", "/diary/my-data/", "/me/"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style_and_every_input_has_a_label(patient_client):
    for url in PAGES:
        r = patient_client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert ' style="' not in body and " onclick=" not in body, url
        assert "Content-Security-Policy" in r.headers, url
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', body)
        labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', body))
        assert set(ids) <= labelled, (url, set(ids) - labelled)


@pytest.mark.django_db
def test_photos_are_not_under_static_or_media(client, settings):
    assert "private" not in str(settings.STATIC_ROOT)
    assert client.get("/static/private/diary-photos/x.png").status_code == 404
    assert client.get("/media/x.png").status_code == 404


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
       st.integers(min_value=0, max_value=3000))
def test_weekly_and_alternate_day_due_exactly_on_their_rhythm(start, offset):
    day = start + dt.timedelta(days=offset)
    assert is_due("weekly", start, None, day) is (offset % 7 == 0)
    assert is_due("alternate_day", start, None, day) is (offset % 2 == 0)
    assert is_due("daily", start, day, day) is True  # the stop day itself is still a dose day
    if offset >= 1:
        assert is_due("daily", start, day - dt.timedelta(days=1), day) is False  # the day after stop
    last = calendar.monthrange(day.year, day.month)[1]
    assert is_due("monthly", start, None, day) is (day.day == min(start.day, last))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(min_value=0, max_value=29), st.integers(min_value=0, max_value=10),
                       max_size=30))
def test_chart_data_puts_each_rating_on_its_day_and_nothing_elsewhere(ratings):
    end = dt.date(2026, 3, 30)
    entries = [SimpleNamespace(local_date=end - dt.timedelta(days=k), symptoms={"fatigue": v}, triggers={})
               for k, v in ratings.items()]
    data = chart_data(entries, end, days=30)
    values = data["symptoms"][0]["values"] if ratings else [None] * 30
    for i, d in enumerate(data["dates"]):
        k = (end - dt.date.fromisoformat(d)).days
        assert values[i] == ratings.get(k)
    assert data["days_logged"] == len(ratings)
