"""Eligibility at screening: inputs computed from the record, evaluated by the core."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy.eligibility import (
    EligibilityInputs,
    Lab,
    LabExclusion,
    RefractoryCriterion,
    evaluate_eligibility,
)
from lupuscare.celltherapy.eligibility import MedicationCourse as CoreCourse
from lupuscare.clinical.units import convert
from lupuscare.errors import InputError
from lupuscare.instruments import score as score_instrument
from lupuscare.web.records.models import Assessment, LabResult, MedicationCourse

from .. import protocols
from ..models import EligibilityAssessment, Enrolment
from ._common import _require_clinician, _today

# Screening labs are read from this many days before the screening date (a lupuscare
# convention, no published source: protocols name their own screening window).
SCREENING_LAB_DAYS = 30


def screening_inputs(enrolment: Enrolment, assessment: Assessment | None, *,
                     bilag: Mapping[str, str] | None, failed_course_ids: Iterable[int],
                     on: dt.date) -> tuple[EligibilityInputs, dict[str, Any]]:
    """Eligibility inputs computed from the record, plus a JSON snapshot of where each came from.

    SLEDAI-2K comes from the instruments engine on the visit's document; labs are the latest in
    the screening window, converted to each criterion's unit; medication courses come from the
    record, and whether each one failed is the clinician's attestation (``failed_course_ids``).
    """
    patient = enrolment.patient
    criteria = protocols.criteria(enrolment.programme)
    scores: dict[str, float] = {}
    snapshot: dict[str, Any] = {"on": on.isoformat()}
    if assessment is not None:
        if assessment.patient_id != patient.pk:
            raise InputError("assessment", "belongs to another patient")
        result = score_instrument("sledai2k", assessment.to_document(with_previous=False))
        scores["sledai2k_total"] = result.values["total"]
        snapshot["sledai2k"] = {"assessment_id": assessment.pk,
                                "date": assessment.date.isoformat(),
                                "total": result.values["total"], "version": result.version}
    labs: dict[str, Lab] = {}
    lab_snapshot = {}
    start = on - dt.timedelta(days=SCREENING_LAB_DAYS)
    for criterion in criteria.criteria:
        if not isinstance(criterion, LabExclusion) or criterion.lab in labs:
            continue
        row = (LabResult.objects.filter(patient=patient, test=criterion.lab,
                                        collected_at__date__gte=start,
                                        collected_at__date__lte=on)
               .order_by("-collected_at").first())
        if row is None:
            continue
        value = row.value if row.unit == criterion.unit else convert(
            criterion.lab, row.value, row.unit, criterion.unit)
        uln = row.high
        if uln is not None and row.unit != criterion.unit:
            uln = convert(criterion.lab, uln, row.unit, criterion.unit)
        labs[criterion.lab] = Lab(value, criterion.unit, uln)
        lab_snapshot[criterion.lab] = {"lab_id": row.pk, "value": row.value, "unit": row.unit,
                                       "as": value, "as_unit": criterion.unit,
                                       "collected_at": row.collected_at.isoformat()}
    snapshot["labs"] = lab_snapshot
    failed = set(failed_course_ids)
    courses = []
    course_snapshot = []
    wanted_units = {req.drug: req.dose_unit for c in criteria.criteria
                    if isinstance(c, RefractoryCriterion) for req in (*c.all_of, *c.any_of)}
    for course in MedicationCourse.objects.filter(patient=patient, start__lte=on):
        unit = wanted_units.get(course.drug)
        if unit not in {"mg/d", "g/d"} or course.daily_dose_mg is None or course.pulse:
            continue  # pulses (e.g. cyclophosphamide g/m² every 2 weeks) need the dose record
        dose = course.daily_dose_mg if unit == "mg/d" else course.daily_dose_mg / 1000
        days = ((course.stop or on) - course.start).days
        courses.append(CoreCourse(course.drug, dose, unit, days, course.pk in failed))
        course_snapshot.append({"course_id": course.pk, "drug": course.drug, "dose": dose,
                                "unit": unit, "days": days, "failed": course.pk in failed})
    snapshot["courses"] = course_snapshot
    snapshot["bilag"] = dict(bilag) if bilag else None
    return EligibilityInputs(scores, dict(bilag) if bilag else None, courses, labs), snapshot


@transaction.atomic
def assess_eligibility(enrolment: Enrolment, user, *, assessment: Assessment | None,
                       bilag: Mapping[str, str] | None = None,
                       failed_course_ids: Iterable[int] = (),
                       answers: Mapping[str, bool] | None = None,
                       on: dt.date | None = None) -> EligibilityAssessment:
    """The physician's screening: inputs from the record plus their answers to the protocol's
    non-lab questions (``answers``: key -> present); an unanswered question is "not assessed"
    and the patient is not eligible."""
    _require_clinician(user, "assessed_by")
    on = on or _today()
    inputs, snapshot = screening_inputs(enrolment, assessment, bilag=bilag,
                                        failed_course_ids=failed_course_ids, on=on)
    answers = dict(answers or {})
    inputs = dataclasses.replace(inputs, answers=answers)
    snapshot["answers"] = answers
    result = evaluate_eligibility(protocols.criteria(enrolment.programme), inputs)
    return EligibilityAssessment.objects.create(
        enrolment=enrolment, protocol=result.protocol, version=result.version,
        eligible=result.eligible, inputs=snapshot, result=result.to_dict(),
        assessment=assessment, assessed_by=user, assessed_at=timezone.now())
