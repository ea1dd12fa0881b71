"""Diary series: missing days stay missing, bad values name their field."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.insights import DiarySeries

from .insights_helpers import START


def test_absent_days_and_skipped_items_are_nan_not_zero():
    rows = [{"date": START, "symptoms": {"fatigue": 3, "rash": None}, "triggers": {"overwork": True}},
            {"date": START + timedelta(days=2), "symptoms": {"fatigue": 0}, "triggers": {"overwork": False}}]
    s = DiarySeries.from_rows(rows, start=START, days=4)
    assert np.array_equal(s.symptoms["fatigue"], [3, np.nan, 0, np.nan], equal_nan=True)
    assert np.isnan(s.symptoms["rash"]).all()
    assert np.array_equal(s.triggers["overwork"], [1, np.nan, 0, np.nan], equal_nan=True)


@pytest.mark.parametrize(("row", "field"), [
    ({"date": START, "symptoms": {"fatigue": 11}}, "rows[0].symptoms.fatigue"),
    ({"date": START, "symptoms": {"fatigue": float("nan")}}, "rows[0].symptoms.fatigue"),
    ({"date": START, "symptoms": {"itch": 2}}, "rows[0].symptoms.itch"),
    ({"date": START, "triggers": {"sleep_hours": 25}}, "rows[0].triggers.sleep_hours"),
    ({"date": START - timedelta(days=1)}, "rows[0].date"),
    ({"date": "2025-01-06"}, "rows[0].date"),
])
def test_bad_rows_name_the_field(row, field):
    with pytest.raises(InputError) as e:
        DiarySeries.from_rows([row], start=START, days=10)
    assert e.value.field == field


def test_a_day_logged_twice_is_refused():
    rows = [{"date": START}, {"date": START}]
    with pytest.raises(InputError) as e:
        DiarySeries.from_rows(rows, start=START, days=3)
    assert e.value.field == "rows[1].date"
