"""Issue 12.8: the clinic patient page's lab chart has a bounded size however long the record;
older results are summarised as each month's lowest and highest, recent ones drawn as they are."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from lupuscare.web.clinic import timeline
from lupuscare.web.records.models import LabResult
from web.factories import make_lab


def _series(n: int, start: dt.date = dt.date(2020, 1, 1)) -> dict:
    days = [start + dt.timedelta(days=i) for i in range(n)]
    return {"dates": [d.isoformat() for d in days], "values": [float(i % 17) for i in range(n)],
            "abnormal": [i % 17 == 16 for i in range(n)], "unit": "g/L"}


def test_a_series_at_the_limit_is_drawn_as_it_is():
    s = _series(timeline.MAX_LAB_POINTS)
    before = json.dumps(s)
    timeline.summarise_lab_series(s)
    assert json.dumps(s) == before and "summarised" not in s


def test_one_point_over_the_limit_is_summarised():
    n = timeline.MAX_LAB_POINTS + 1
    s = _series(n)
    full = _series(n)
    timeline.summarise_lab_series(s)
    recent = timeline.RECENT_LAB_POINTS
    # the recent results are untouched
    assert s["dates"][-recent:] == full["dates"][-recent:]
    assert s["values"][-recent:] == full["values"][-recent:]
    older = n - recent
    assert s["summarised"] == {"before": full["dates"][older], "results": older,
                               "points": len(s["dates"]) - recent}
    # every older month keeps its lowest and highest result, with its own date and flag
    by_month: dict[str, list[int]] = {}
    for i in range(older):
        by_month.setdefault(full["dates"][i][:7], []).append(i)
    kept = list(zip(s["dates"][:-recent], s["values"][:-recent], s["abnormal"][:-recent],
                    strict=True))
    for month, idx in by_month.items():
        values = [full["values"][i] for i in idx]
        shown = [v for d, v, _ in kept if d[:7] == month]
        assert min(values) in shown and max(values) in shown and len(shown) <= 2
    for d, v, flag in kept:
        i = full["dates"].index(d)
        assert (full["values"][i], full["abnormal"][i]) == (v, flag)
    assert s["dates"] == sorted(s["dates"])


@pytest.mark.django_db
def test_the_patient_page_chart_stays_bounded_on_a_long_record(clinician, world):
    start = dt.datetime(2020, 1, 1, 9, tzinfo=dt.UTC)
    n = timeline.MAX_LAB_POINTS + 60
    for i in range(n):  # a C3 every fourth day for over three years
        make_lab(world.patient_a, test="c3", value=0.5 + (i % 10) / 10, unit="g/L",
                 low=0.9, high=1.8, collected_at=start + dt.timedelta(days=4 * i))
    page = clinician.get(f"/clinic/patients/{world.patient_a.pk}/").content.decode()
    data = json.loads(re.search(r'id="timeline-data" type="application/json">(.*?)</script>',
                                page, re.S).group(1))
    c3 = data["labs"]["c3"]
    months = 4 * (n - timeline.RECENT_LAB_POINTS) // 28 + 2
    assert len(c3["dates"]) <= timeline.RECENT_LAB_POINTS + 2 * months < n
    assert min(c3["values"]) == pytest.approx(0.5) and max(c3["values"]) == pytest.approx(1.4)
    total = LabResult.objects.filter(patient=world.patient_a, test="c3").count()  # the world's too
    assert c3["summarised"]["results"] == total - timeline.RECENT_LAB_POINTS
    assert "are drawn as each month's lowest and highest" in page
