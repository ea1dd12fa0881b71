"""Follow-up visits from the schedule, and endpoints computed by the instruments engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy.endpoints import (
    GENERIC_RELAPSE,
    active_sediment,
    evaluate_endpoint,
    evaluate_relapse,
    taper_day,
)
from lupuscare.celltherapy.followup import visit_statuses
from lupuscare.clinical.glucocorticoids import daily_prednisone_equivalent
from lupuscare.clinical.units import convert
from lupuscare.errors import InputError
from lupuscare.instruments import score as score_instrument
from lupuscare.web.records.models import Assessment, MedicationCourse

from .. import protocols
from ..models import EndpointResult, Enrolment, FollowUpVisit, Infusion
from ._common import _today


def first_infusion(enrolment: Enrolment) -> Infusion | None:
    return enrolment.infusions.order_by("started_at").first()


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


def baseline_assessment(enrolment: Enrolment) -> Assessment | None:
    """The screening visit of the latest eligibility assessment, else the last visit on or
    before day 0."""
    screening = enrolment.eligibility.exclude(assessment=None).first()
    if screening is not None:
        return screening.assessment
    infusion = first_infusion(enrolment)
    limit = infusion.day0 if infusion else _today()
    return (Assessment.objects.filter(patient=enrolment.patient, date__lte=limit)
            .order_by("-date", "-id").first())


def _renal_values(doc: Mapping[str, Any]) -> dict[str, float]:
    """Latest UPCR (g/g) and creatinine (µmol/L) in the visit's lab window."""
    out: dict[str, float] = {}
    for lab in doc.get("labs", []):
        if lab["test"] == "upcr":
            out["upcr_g_g"] = convert("upcr", lab["value"], lab["unit"], "g/g")
        elif lab["test"] == "creatinine":
            out["creatinine"] = convert("creatinine", lab["value"], lab["unit"], "umol/L")
    return out


def _scored(instruments: dict[str, Any], key: str, name: str, document: dict[str, Any],
            **options: Any):
    """Score with the instruments engine; an input it lacks is recorded, not fatal: the ruleset
    then names the value as missing and the endpoint is 'not evaluable'."""
    try:
        result = score_instrument(name, document, **options)
    except InputError as exc:
        instruments[key] = {"instrument": name, "missing": f"{exc.field}: {exc.message}"}
        return None
    instruments[key] = result.to_dict()
    return result


def endpoint_inputs(enrolment: Enrolment, visit: FollowUpVisit) -> tuple[dict, dict, dict]:
    """(visit values, baseline values, instrument results) for the programme's ruleset; each
    value comes from ``lupuscare.instruments`` or straight from the record."""
    if visit.assessment is None:
        raise InputError("visit", f"{visit.label} has no recorded clinic visit")
    baseline = baseline_assessment(enrolment)
    visit_doc = visit.assessment.to_document(with_previous=False)
    instruments: dict[str, Any] = {}
    values: dict[str, float] = {}
    base: dict[str, float] = {}
    s = _scored(instruments, "sledai2k", "sledai2k", visit_doc)
    if s is not None:
        values["sledai2k_total"] = s.values["total"]
        values["active_sediment"] = active_sediment(s.values["items"])
    values |= _renal_values(visit_doc)
    if visit_doc.get("bilag"):
        values["bilag_new_a"] = visit_doc["bilag"].get("new_a")
        values["bilag_new_b"] = visit_doc["bilag"].get("new_b")
    if baseline is not None:
        base_doc = baseline.to_document(with_previous=False)
        instruments["baseline"] = {"assessment_id": baseline.pk,
                                   "date": baseline.date.isoformat()}
        b = _scored(instruments, "baseline_sledai2k", "sledai2k", base_doc)
        if b is not None:
            base["sledai2k_total"] = b.values["total"]
        base |= _renal_values(base_doc)
        sri = _scored(instruments, "sri", "sri", {**visit_doc, "previous": base_doc}, k=4)
        if sri is not None:
            values["sri4_responder"] = int(bool(sri.values["responder"]))
    infusion = first_infusion(enrolment)
    if infusion is not None:
        week20 = taper_day(infusion.day0)
        if visit.assessment.date >= week20:
            meds = MedicationCourse.objects.filter(patient=enrolment.patient).active_on(week20)
            values["prednisone_mg_day_week20"] = daily_prednisone_equivalent(
                [m.to_document() for m in meds])
        grades = enrolment.adverse_events.filter(
            onset__gte=infusion.day0, onset__lte=visit.assessment.date
        ).values_list("ctcae_grade", flat=True)
        values["max_ctcae_grade"] = max(grades, default=0)
    return values, base, instruments


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
