"""SLICC/ACR Damage Index (SDI) on a date, from dated damage item events.

Input (contracts.md section 2.4): ``date``, ``damage`` (a list of events ``{"item", "onset",
"count"?, "resolved"?}`` with names from :mod:`lupuscare.instruments.sdi_items`) and an optional
``lupus_onset``. Each event counts from the day its persistence rule is met; ESRD replaces the
other renal items; a second episode (or site) scores 2. Every rule is monotone in the assessment
date, so the score of one record never decreases as the date moves on (:func:`score_series`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lupuscare.dates import add_months, parse_date
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.result import ExplanationItem, InstrumentResult
from lupuscare.instruments.sdi_items import (
    ALIASES,
    CITATION,
    DOMAINS,
    ESRD_POINTS,
    ITEMS,
    PERSISTENCE_MONTHS,
    RENAL_ITEMS_REPLACED_BY_ESRD,
    REPEAT_INTERVAL_MONTHS,
    Persistence,
)

INSTRUMENT = "sdi"
VERSION = (
    "SLICC/ACR Damage Index (Gladman 1996); items present >= 6 months unless marked 'ever'; "
    "damage since lupus onset when lupus_onset is given"
)


@dataclass(frozen=True, slots=True)
class DamageEvent:
    """One recorded damage event, validated."""

    index: int
    name: str  # as recorded (an item or an alias)
    item: str
    onset: date
    count: int
    resolved: date | None
    persistence: Persistence

    @property
    def source(self) -> str:
        extra = f", count {self.count}" if self.count > 1 else ""
        return f"damage[{self.index}]:{self.name} onset {self.onset.isoformat()}{extra}"

    def counts_from(self) -> date | None:
        """The first day the event satisfies its persistence rule; None if it never does."""
        if self.persistence == "ever":
            return self.onset
        day = add_months(self.onset, PERSISTENCE_MONTHS)
        if self.persistence == "more_than_six_months":
            day += timedelta(days=1)
        if self.resolved is not None and self.resolved < day:
            return None
        return day


def parse_events(damage: object) -> list[DamageEvent]:
    """Validate the ``damage`` list; ``InputError`` names the offending ``damage[i].field``."""
    if not isinstance(damage, list):
        raise InputError("damage", "must be a list of {item, onset} objects")
    events: list[DamageEvent] = []
    for i, raw in enumerate(damage):
        if not isinstance(raw, Mapping):
            raise InputError(f"damage[{i}]", "must be an object with 'item' and 'onset'")
        name = raw.get("item")
        if not isinstance(name, str) or not name:
            raise MissingInputError(f"damage[{i}].item", "an SDI item name is required")
        if name in ITEMS:
            item, persistence = name, ITEMS[name].persistence
        elif name in ALIASES:
            item, persistence = ALIASES[name]
        else:
            raise InputError(f"damage[{i}].item",
                             f"unknown SDI item {name!r} (see docs/instruments/sdi-items.md)")
        onset = parse_date(raw.get("onset"), f"damage[{i}].onset")
        count = raw.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InputError(f"damage[{i}].count", f"must be a whole number >= 1, got {count!r}")
        resolved = parse_date(raw.get("resolved"), f"damage[{i}].resolved", required=False)
        if resolved is not None and onset is not None and resolved < onset:
            raise InputError(f"damage[{i}].resolved", "is before the onset")
        assert onset is not None
        events.append(DamageEvent(i, name, item, onset, count, resolved, persistence))
    return events


def _item_points(item: str, events: list[DamageEvent]) -> tuple[int, str]:
    """Points for one item from its qualifying events, and why."""
    repeat = ITEMS[item].repeat
    if repeat is None:
        repeated = len(events) > 1 or events[0].count > 1
        return 1, "counted once: this item scores at most 1" if repeated else ""
    if repeat == "site":
        sites = sum(e.count for e in events)
        return (2, f"{sites} sites") if sites > 1 else (1, "")
    if any(e.count > 1 for e in events):
        return 2, "more than one episode, as recorded in 'count'"
    onsets = sorted(e.onset for e in events)
    if len(onsets) > 1:
        if onsets[-1] >= add_months(onsets[0], REPEAT_INTERVAL_MONTHS):
            return 2, f"episodes >= {REPEAT_INTERVAL_MONTHS} months apart"
        return 1, f"repeat episode < {REPEAT_INTERVAL_MONTHS} months after the first: scored once"
    return 1, ""


def score(document: dict[str, Any], **options: Any) -> InstrumentResult:
    """SDI on ``document['date']``: ``total`` and ``domains`` (domain -> points), explained."""
    on = parse_date(document.get("date"), "date")
    assert on is not None
    if "damage" not in document:
        raise MissingInputError("damage", "the SDI needs the list of damage item events")
    events = parse_events(document["damage"])
    lupus_onset = parse_date(document.get("lupus_onset"), "lupus_onset", required=False)

    explanation: list[ExplanationItem] = []
    qualifying: dict[str, list[DamageEvent]] = {}
    for event in events:
        why_not = ""
        start = event.counts_from()
        if lupus_onset is not None and event.onset < lupus_onset:
            why_not = f"before lupus onset ({lupus_onset.isoformat()}): not SLE damage"
        elif event.onset > on:
            why_not = "onset after the assessment date"
        elif start is None:
            why_not = (f"resolved {event.resolved.isoformat() if event.resolved else ''} before "
                       f"it had persisted the required {PERSISTENCE_MONTHS} months")
        elif start > on:
            why_not = (f"not yet persistent {PERSISTENCE_MONTHS} months: counts from "
                       f"{start.isoformat()}")
        if why_not:
            explanation.append(ExplanationItem(event.item, 0, event.source, why_not))
        else:
            qualifying.setdefault(event.item, []).append(event)

    points: dict[str, int] = {}
    notes: dict[str, str] = {}
    for item, item_events in qualifying.items():
        points[item], notes[item] = _item_points(item, item_events)
    if "esrd" in points:
        points["esrd"] = ESRD_POINTS
        for replaced in RENAL_ITEMS_REPLACED_BY_ESRD & points.keys():
            points[replaced] = 0
            notes[replaced] = "replaced by end-stage renal disease (3 points)"

    for item, item_events in qualifying.items():
        sources = "; ".join(e.source for e in item_events)
        explanation.append(ExplanationItem(item, points[item], sources, notes[item]))

    domains = dict.fromkeys(DOMAINS, 0)
    for item, p in points.items():
        domains[ITEMS[item].domain] += p
    total = sum(domains.values())
    return InstrumentResult(
        instrument=INSTRUMENT,
        version=VERSION,
        citation=CITATION,
        values={"total": total, "domains": domains},
        explanation=tuple(sorted(explanation, key=lambda e: (-(e.points or 0), e.item))),
    )


def score_series(document: dict[str, Any], dates: Iterable[date | str]) -> list[tuple[date, int]]:
    """The SDI total of one record at each date, in date order (the damage trajectory)."""
    parsed = sorted(parse_date(d, "dates") for d in dates)  # type: ignore[type-var]
    return [(d, score({**document, "date": d.isoformat()})["total"]) for d in parsed if d]


def never_decreases(series: Sequence[tuple[date, int]]) -> bool:
    """True when the totals of a date-ordered series never go down (the SDI's defining property)."""
    return all(a[1] <= b[1] for a, b in zip(series, series[1:], strict=False))


def change_points(onsets: list[date], until: date) -> list[date]:
    """The days on which an SDI total built from items with these onsets can change, up to
    ``until`` (included): an item starts to count at its onset ("ever" items), at the end of the
    persistence period, or the day after it ("present for at least 6 months" items, counted in
    calendar months, ``lupuscare.dates.add_months``)."""
    persisted = {add_months(d, PERSISTENCE_MONTHS) for d in onsets}
    points = set(onsets) | persisted | {p + timedelta(days=1) for p in persisted} | {until}
    return sorted(p for p in points if p <= until)
