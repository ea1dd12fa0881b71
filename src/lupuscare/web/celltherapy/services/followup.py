"""Follow-up visits from the schedule, and endpoints computed by the instruments engine."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy.endpoints import (
    GENERIC_RELAPSE,
    evaluate_endpoint,
    evaluate_relapse,
)
from lupuscare.celltherapy.followup import visit_statuses
from lupuscare.errors import InputError
from lupuscare.web.records.models import Assessment
from lupuscare.web.seam.celltherapy import (  # noqa: F401  (the seam's builders, re-exported)
    baseline_assessment,
    endpoint_inputs,
    first_infusion,
)

from .. import protocols
from ..models import EndpointResult, Enrolment, FollowUpVisit
from ._common import _today


def visit_states(enrolment: Enrolment, on: dt.date | None = None):
    """The core's state of every planned visit on ``on`` (upcoming, due, overdue, done...)."""
    infusion = first_infusion(enrolment)
    if infusion is None:
        return []
    on = on or _today()
    done = {v.label: v.done_on for v in enrolment.visits.all() if v.done_on and v.done_on <= on}
    return visit_statuses(protocols.schedule(enrolment.programme), infusion.day0, on, done)


@transaction.atomic
def record_visit(visit: FollowUpVisit, assessment: Assessment,
                 on: dt.date | None = None) -> FollowUpVisit:
    """Link a clinic visit (``records.Assessment``) to a planned follow-up visit."""
    enrolment = visit.enrolment
    if assessment.patient_id != enrolment.patient_id:
        raise InputError("assessment", "belongs to another patient")
    if visit.assessment_id is not None:
        raise InputError("visit", f"{visit.label} is already recorded")
    infusion = first_infusion(enrolment)
    if infusion is None:
        raise InputError("visit", "no infusion is recorded: follow-up starts at day 0")
    on = on or _today()
    done = {v.label: v.done_on for v in enrolment.visits.exclude(pk=visit.pk) if v.done_on}
    done[visit.label] = assessment.date
    # the core refuses a date before the infusion or after today, naming the visit
    visit_statuses(protocols.schedule(enrolment.programme), infusion.day0, on, done)
    visit.assessment = assessment
    visit.done_on = assessment.date
    visit.save()
    return visit






@transaction.atomic
def compute_endpoint(enrolment: Enrolment, visit: FollowUpVisit, user) -> list[EndpointResult]:
    """The programme's endpoint (and BILAG relapse after a prior response) at a visit."""
    values, base, instruments = endpoint_inputs(enrolment, visit)
    ruleset = protocols.ruleset(enrolment.programme)
    first_level = ruleset.levels[0].name if ruleset.levels else None
    prior = enrolment.endpoints.filter(ruleset=ruleset.name, result=first_level,
                                       visit__target__lt=visit.target).exists()
    now = timezone.now()
    stored = []
    for result in (evaluate_endpoint(ruleset, values, base),
                   evaluate_relapse(GENERIC_RELAPSE, prior_response=prior, visit=values,
                                    baseline=base)):
        stored.append(EndpointResult.objects.create(
            enrolment=enrolment, visit=visit, ruleset=result.ruleset, version=result.version,
            result=result.result or "", certainty=result.certainty.value,
            inputs={"visit": values, "baseline": base}, instruments=instruments,
            detail=list(result.detail), missing=list(result.missing), computed_by=user,
            computed_at=now))
    return stored
