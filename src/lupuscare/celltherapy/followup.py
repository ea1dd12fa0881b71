"""Follow-up schedules from the protocol, with visit windows and due/overdue lists.

Visits are offsets from the (first) infusion date, day 0. Months and years are calendar months
(the day is clamped to the month's end). Windows are per visit; the defaults below are a
lupuscare convention with no published source, to be replaced by the protocol's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.sources import PROJECT_DEFAULT, Certainty, Source
from lupuscare.dates import add_months
from lupuscare.errors import InputError

MISLE_SOURCE = Source("MiSLE (NCT02633163) visits at weeks 1, 2, 4, 8, 12, 16, 20, 24, 36, 52 "
                      "(UNC Kidney Center MiSLE page; cell-therapy.md §3.1)", Certainty.VERIFIED,
                      "https://unckidneycenter.org/misle-lupus/")
CAR_T_SOURCE = Source(
    "Day 28, months 3, 6, 12, then yearly: MB-CART19.1 (NCT06189157) pattern (cell-therapy.md "
    "§6.1, §6.2 step 12) [V]. Up to 15 years for integrating vectors: FDA guidance 'Long Term "
    "Follow-up After Administration of Human Gene Therapy Products' (January 2020, docket "
    "FDA-2018-D-2173; the guidance page was found, the 15-year figure only in secondary "
    "sources: trade press and a St Jude LTFU study page)",
    Certainty.SECONDARY,
    "https://www.fda.gov/regulatory-information/search-fda-guidance-documents/"
    "long-term-follow-after-administration-human-gene-therapy-products",
)
WANG2014_SOURCE = Source("Wang D et al. Arthritis Res Ther 2014;16:R79: UC-MSC on days 0 and 7, "
                         "follow-up at 1, 3, 6, 9 and 12 months (cell-therapy.md §3.1)",
                         Certainty.VERIFIED, "https://doi.org/10.1186/ar4520")
CAR_T_LTFU_YEARS = 15


@dataclass(frozen=True)
class Visit:
    """One planned visit: offset from day 0 and its window (days before / after the target)."""

    label: str
    days: int = 0
    weeks: int = 0
    months: int = 0
    before: int = 0
    after: int = 0

    def target(self, day0: date) -> date:
        return add_months(day0, self.months) + timedelta(days=self.days, weeks=self.weeks)


@dataclass(frozen=True)
class Schedule:
    name: str
    version: str
    visits: tuple[Visit, ...]
    source: Source
    window_source: Source = PROJECT_DEFAULT

    def __post_init__(self) -> None:
        labels = [v.label for v in self.visits]
        if len(set(labels)) != len(labels):
            raise InputError("schedule.visits", "visit labels must be unique")
        for v in self.visits:
            if min(v.days, v.weeks, v.months, v.before, v.after) < 0:
                raise InputError(f"schedule.visits.{v.label}", "offsets and windows must be >= 0")


def default_window(approx_days: int) -> tuple[int, int]:
    """lupuscare convention: ±3 d to day 28, ±7 d to 6 months, ±14 d to 1 year, then ±30 d."""
    if approx_days <= 28:
        return 3, 3
    if approx_days <= 183:
        return 7, 7
    if approx_days <= 366:
        return 14, 14
    return 30, 30


def _visit(label: str, *, days: int = 0, weeks: int = 0, months: int = 0) -> Visit:
    before, after = default_window(days + 7 * weeks + round(30.44 * months))
    return Visit(label, days, weeks, months, before, after)


def misle_msc_schedule() -> Schedule:
    weeks = (1, 2, 4, 8, 12, 16, 20, 24, 36, 52)
    return Schedule("MSC (MiSLE pattern)", "1",
                    tuple(_visit(f"week {w}", weeks=w) for w in weeks), MISLE_SOURCE)


def wang2014_msc_schedule() -> Schedule:
    visits = tuple(_visit(f"month {m}", months=m) for m in (1, 3, 6, 9, 12))
    return Schedule("MSC (Wang 2014 pattern)", "1", visits, WANG2014_SOURCE)


def car_t_schedule(years: int = CAR_T_LTFU_YEARS) -> Schedule:
    visits = [_visit("day 28", days=28), _visit("month 3", months=3),
              _visit("month 6", months=6), _visit("month 12", months=12)]
    visits += [_visit(f"year {y}", months=12 * y) for y in range(2, years + 1)]
    return Schedule(f"CAR-T to {years} years", "1", tuple(visits), CAR_T_SOURCE)


@dataclass(frozen=True)
class ScheduledVisit:
    label: str
    target: date
    window_start: date
    window_end: date


def generate(schedule: Schedule, infusion_date: date) -> list[ScheduledVisit]:
    day0 = _check.day("infusion_date", infusion_date)
    out = []
    for visit in schedule.visits:
        target = visit.target(day0)
        out.append(ScheduledVisit(visit.label, target, target - timedelta(days=visit.before),
                                  target + timedelta(days=visit.after)))
    return out


class VisitState(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"  # inside the window, not yet done
    OVERDUE = "overdue"  # window closed, not done
    DONE = "done"
    DONE_OUT_OF_WINDOW = "done_out_of_window"


@dataclass(frozen=True)
class VisitStatus:
    visit: ScheduledVisit
    state: VisitState
    done_on: date | None = None


def visit_statuses(schedule: Schedule, infusion_date: date, on: date,
                   done: Mapping[str, date] | None = None) -> list[VisitStatus]:
    """Each visit's state on ``on``; ``done`` maps a visit label to the date it happened."""
    day0 = _check.day("infusion_date", infusion_date)
    on = _check.day("on", on)
    done = dict(done or {})
    planned = generate(schedule, day0)
    labels = {v.label for v in planned}
    out = []
    for label, when in done.items():
        if label not in labels:
            raise InputError(f"done.{label}", "is not a visit of this schedule")
        when = _check.day(f"done.{label}", when)
        if when < day0:
            raise InputError(f"done.{label}", f"{when} is before the infusion on {day0}")
        if when > on:
            raise InputError(f"done.{label}", f"{when} is after the reference date {on}")
        done[label] = when
    for visit in planned:
        if visit.label in done:
            when = done[visit.label]
            inside = visit.window_start <= when <= visit.window_end
            out.append(VisitStatus(visit, VisitState.DONE if inside
                                   else VisitState.DONE_OUT_OF_WINDOW, when))
        elif on < visit.window_start:
            out.append(VisitStatus(visit, VisitState.UPCOMING))
        elif on <= visit.window_end:
            out.append(VisitStatus(visit, VisitState.DUE))
        else:
            out.append(VisitStatus(visit, VisitState.OVERDUE))
    return out


def due_and_overdue(schedule: Schedule, infusion_date: date, on: date,
                    done: Mapping[str, date] | None = None) -> dict[str, list[str]]:
    statuses = visit_statuses(schedule, infusion_date, on, done)
    return {"due": [s.visit.label for s in statuses if s.state is VisitState.DUE],
            "overdue": [s.visit.label for s in statuses if s.state is VisitState.OVERDUE]}
