"""Adverse events: grades, seriousness and the expedited-reporting clocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from lupuscare.celltherapy.adverse_events import AdverseEvent as CoreAE
from lupuscare.celltherapy.adverse_events import (
    Causality,
    Consciousness,
    Oxygen,
    Seriousness,
    grade_crs,
    grade_icans,
    ice_score,
    reporting_clock,
    validate_ctcae_grade,
)
from lupuscare.errors import InputError

from ..models import AdverseEvent, Enrolment


@transaction.atomic
def record_adverse_event(enrolment: Enrolment, user, *, term: str, onset: dt.date,
                         ctcae_grade: int, seriousness: Iterable[str], causality: str,
                         expected: bool, sponsor_first_knowledge: dt.date | None = None,
                         crs: Mapping[str, Any] | None = None,
                         icans: Mapping[str, Any] | None = None) -> AdverseEvent:
    """Grade (CTCAE; ASTCT CRS and ICANS when given) and start the expedited-reporting clock."""
    validate_ctcae_grade(ctcae_grade)
    try:
        serious = frozenset(Seriousness(s) for s in seriousness)
    except ValueError:
        raise InputError("seriousness", f"must be among {[s.value for s in Seriousness]}") from None
    try:
        cause = Causality(causality)
    except ValueError:
        raise InputError("causality", f"must be one of {[c.value for c in Causality]}") from None
    core = CoreAE(term, onset, serious, cause, expected, sponsor_first_knowledge, ctcae_grade)
    clock = reporting_clock(core)
    # stored with the criteria the grade implies (grade 5 death, grade 4 life-threatening: ICH
    # E2A), so the record says why the clock started, not only what was ticked
    ae = AdverseEvent(enrolment=enrolment, term=term.strip(), onset=onset,
                      ctcae_grade=ctcae_grade, seriousness=sorted(s.value for s in core.criteria),
                      causality=cause.value, expected=expected,
                      sponsor_first_knowledge=sponsor_first_knowledge,
                      report_required=clock.required, report_due=clock.due,
                      follow_up_due=clock.follow_up_due, reporting_reason=clock.reason,
                      recorded_by=user)
    if crs:
        try:
            oxygen = Oxygen(crs.get("oxygen", "none"))
        except ValueError:
            raise InputError("crs.oxygen", f"must be one of {[o.value for o in Oxygen]}") from None
        g = grade_crs(max_temperature_c=crs.get("max_temperature_c"),
                      hypotension=bool(crs.get("hypotension")),
                      vasopressors=crs.get("vasopressors", ()),
                      oxygen=oxygen,
                      nasal_cannula_l_min=crs.get("nasal_cannula_l_min"),
                      antipyretic_or_anticytokine_given=bool(crs.get("treated")))
        ae.crs_grade, ae.crs_detail = g.grade, {"inputs": dict(crs), "explanation": g.explanation}
    if icans:
        ice = ice_score(**{k: icans[k] for k in ("orientation", "naming", "commands", "writing",
                                                  "attention")})
        try:
            consciousness = Consciousness(icans.get("consciousness", "normal"))
        except ValueError:
            raise InputError("icans.consciousness",
                             f"must be one of {[c.value for c in Consciousness]}") from None
        g = grade_icans(ice=ice, consciousness=consciousness)
        ae.icans_grade, ae.ice_score = g.grade, ice
        ae.icans_detail = {"inputs": dict(icans), "domains": g.domains}
    ae.save()
    return ae


@transaction.atomic
def mark_report_submitted(ae: AdverseEvent, on: dt.date) -> AdverseEvent:
    if not ae.report_required:
        raise InputError("submitted_on", "this event needs no expedited report")
    if ae.submitted_on is not None:
        raise InputError("submitted_on", f"already submitted on {ae.submitted_on}")
    if ae.sponsor_first_knowledge and on < ae.sponsor_first_knowledge:
        raise InputError("submitted_on", "is before the sponsor knew of the event")
    ae.submitted_on = on
    ae.save()
    return ae


@transaction.atomic
def resolve_adverse_event(ae: AdverseEvent, on: dt.date) -> AdverseEvent:
    if ae.resolved_on is not None:
        raise InputError("resolved_on", f"already resolved on {ae.resolved_on}")
    if on < ae.onset:
        raise InputError("resolved_on", f"{on} is before the onset on {ae.onset}")
    ae.resolved_on = on
    ae.save()
    return ae
