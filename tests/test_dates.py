"""The one calendar-month arithmetic the instruments, rules and cell-therapy schedules share."""

from datetime import date

import pytest

from lupuscare.dates import add_months, add_years, months_between, parse_date
from lupuscare.errors import InputError


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2025, 8, 31), 6, date(2026, 2, 28)),   # clamped to the short month's last day
    (date(2023, 8, 31), 6, date(2024, 2, 29)),   # leap year
    (date(2026, 1, 15), 1, date(2026, 2, 15)),
    (date(2026, 1, 31), -2, date(2025, 11, 30)),
    (date(2026, 12, 1), 1, date(2027, 1, 1)),    # year boundary
])
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_add_years_from_29_february():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_months_between_inverts_add_months():
    assert months_between(date(2025, 8, 31), date(2026, 2, 28)) == 6
    assert months_between(date(2026, 1, 1), date(2026, 1, 1)) == 0


def test_parse_date_names_the_field():
    assert parse_date("2026-03-01", "date") == date(2026, 3, 1)
    with pytest.raises(InputError) as err:
        parse_date("01/03/2026", "followup.date")
    assert err.value.field == "followup.date"
