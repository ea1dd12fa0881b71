from datetime import date, timedelta

import pytest

from lupuscare.celltherapy.followup import (
    VisitState,
    add_months,
    car_t_schedule,
    due_and_overdue,
    generate,
    misle_msc_schedule,
    visit_statuses,
    wang2014_msc_schedule,
)
from lupuscare.errors import InputError

DAY0 = date(2026, 1, 31)


def test_msc_schedule_weeks():
    visits = generate(misle_msc_schedule(), DAY0)
    assert [v.label for v in visits] == [f"week {w}" for w in (1, 2, 4, 8, 12, 16, 20, 24, 36, 52)]
    assert visits[0].target == DAY0 + timedelta(weeks=1)
    assert visits[-1].target == DAY0 + timedelta(weeks=52)
    assert (visits[0].window_start, visits[0].window_end) == (date(2026, 2, 4), date(2026, 2, 10))


def test_car_t_schedule_to_15_years_with_calendar_months():
    visits = generate(car_t_schedule(), DAY0)
    labels = [v.label for v in visits]
    assert labels[:4] == ["day 28", "month 3", "month 6", "month 12"]
    assert labels[-1] == "year 15" and len(visits) == 4 + 14
    by = {v.label: v.target for v in visits}
    assert by["day 28"] == date(2026, 2, 28)
    assert by["month 3"] == date(2026, 4, 30)  # 31 Jan + 3 months, clamped
    assert by["month 12"] == date(2027, 1, 31)
    assert by["year 15"] == date(2041, 1, 31)


def test_add_months_leap_day():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_window_edges_upcoming_due_overdue():
    schedule = misle_msc_schedule()
    week1 = generate(schedule, DAY0)[0]  # target 7 Feb, window 4-10 Feb

    def state(on):
        return visit_statuses(schedule, DAY0, on)[0].state

    assert state(week1.window_start - timedelta(days=1)) is VisitState.UPCOMING
    assert state(week1.window_start) is VisitState.DUE
    assert state(week1.window_end) is VisitState.DUE
    assert state(week1.window_end + timedelta(days=1)) is VisitState.OVERDUE


def test_done_inside_and_outside_window():
    schedule = misle_msc_schedule()
    on = date(2026, 3, 1)
    statuses = visit_statuses(schedule, DAY0, on, {"week 1": date(2026, 2, 10),
                                                   "week 2": date(2026, 2, 18)})
    assert statuses[0].state is VisitState.DONE
    assert statuses[1].state is VisitState.DONE_OUT_OF_WINDOW  # target 14 Feb, window to 17
    lists = due_and_overdue(schedule, DAY0, on, {"week 1": date(2026, 2, 10)})
    assert lists == {"due": ["week 4"], "overdue": ["week 2"]}


def test_follow_up_before_infusion_refused():
    with pytest.raises(InputError) as err:
        visit_statuses(misle_msc_schedule(), DAY0, date(2026, 3, 1), {"week 1": date(2026, 1, 30)})
    assert err.value.field == "done.week 1" and "before the infusion" in str(err.value)
    with pytest.raises(InputError):
        visit_statuses(misle_msc_schedule(), DAY0, date(2026, 3, 1), {"week 99": date(2026, 2, 1)})
    with pytest.raises(InputError):
        visit_statuses(misle_msc_schedule(), DAY0, date(2026, 2, 1), {"week 1": date(2026, 2, 5)})


def test_wang2014_schedule_months():
    visits = generate(wang2014_msc_schedule(), date(2026, 1, 15))
    assert [v.target for v in visits] == [date(2026, 2, 15), date(2026, 4, 15), date(2026, 7, 15),
                                          date(2026, 10, 15), date(2027, 1, 15)]
    assert (visits[0].window_start, visits[0].window_end) == (date(2026, 2, 8), date(2026, 2, 22))


def test_schedule_labels_unique_and_offsets_non_negative():
    from lupuscare.celltherapy.followup import Schedule, Visit
    from lupuscare.celltherapy.sources import PROJECT_DEFAULT
    with pytest.raises(InputError):
        Schedule("x", "1", (Visit("a", days=1), Visit("a", days=2)), PROJECT_DEFAULT)
    with pytest.raises(InputError):
        Schedule("x", "1", (Visit("a", days=-1),), PROJECT_DEFAULT)
