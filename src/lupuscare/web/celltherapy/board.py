"""What the coordinator board shows: each order's stage, lots by status, overdue follow-ups,
open adverse events and reports coming due. Read-only; derived from the stored records every
time (the stage is never stored, so it cannot disagree with the records)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from lupuscare.celltherapy.adverse_events import ReportingClock, report_status
from lupuscare.celltherapy.followup import VisitState
from lupuscare.celltherapy.lot import RELEASE_STATES

from . import services
from .models import AdverseEvent, Enrolment, Lot

STAGES = ("blocked", "referred", "not_eligible", "eligible", "consented", "lot_released",
          "infused", "in_follow_up", "endpoint", "withdrawn")
RELEASED = {s.value for s in RELEASE_STATES}


def stage(enrolment: Enrolment, on: dt.date | None = None) -> str:
    """The furthest step this order has reached (withdrawal and a block stop everything)."""
    on = on or timezone.localdate()
    consent = services.current_consent(enrolment)
    if enrolment.withdrawn_on or (consent and consent.withdrawn_on and consent.withdrawn_on <= on):
        return "withdrawn"
    if enrolment.endpoints.exists():
        return "endpoint"
    if enrolment.visits.exclude(done_on=None).exists():
        return "in_follow_up"
    if enrolment.infusions.exists():
        return "infused"
    if any(lot.status in RELEASED for lot in enrolment.lots.all()):
        return "lot_released"
    if consent is not None:
        return "consented"
    latest = enrolment.eligibility.first()
    if latest is not None:
        return "eligible" if latest.eligible else "not_eligible"
    if not services.cleared(enrolment, on):
        return "blocked"
    return "referred"


def report_state(ae: AdverseEvent, on: dt.date) -> str:
    clock = ReportingClock(ae.report_required, None, ae.sponsor_first_knowledge, ae.report_due,
                           ae.follow_up_due, ae.reporting_reason)
    return report_status(clock, on, ae.submitted_on)


@dataclass
class Board:
    by_stage: dict[str, list[Enrolment]] = field(default_factory=dict)
    lots_by_status: dict[str, list[Lot]] = field(default_factory=dict)
    overdue: list[tuple[Enrolment, str, dt.date]] = field(default_factory=list)
    due: list[tuple[Enrolment, str, dt.date]] = field(default_factory=list)
    open_events: list[tuple[AdverseEvent, str]] = field(default_factory=list)


def build_board(enrolments: QuerySet[Enrolment], on: dt.date | None = None) -> Board:
    on = on or timezone.localdate()
    board = Board(by_stage={s: [] for s in STAGES})
    enrolments = enrolments.select_related("programme", "patient")
    for enrolment in enrolments:
        board.by_stage[stage(enrolment, on)].append(enrolment)
        for status in services.visit_states(enrolment, on):
            row = (enrolment, status.visit.label, status.visit.window_end)
            if status.state is VisitState.OVERDUE:
                board.overdue.append(row)
            elif status.state is VisitState.DUE:
                board.due.append(row)
    for lot in Lot.objects.filter(enrolment__in=enrolments).select_related("enrolment__patient"):
        board.lots_by_status.setdefault(lot.status, []).append(lot)
    events = AdverseEvent.objects.filter(enrolment__in=enrolments).select_related(
        "enrolment__patient")
    for ae in events:
        state = report_state(ae, on)
        if ae.resolved_on is None or state in {"due", "overdue"}:
            board.open_events.append((ae, state))
    return board
