"""Eligibility at screening: inputs computed from the record, evaluated by the core."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from lupuscare.celltherapy.eligibility import (
    evaluate_eligibility,
)
from lupuscare.web.records.models import Assessment
from lupuscare.web.seam.celltherapy import SCREENING_LAB_DAYS, screening_inputs  # noqa: F401

from .. import protocols
from ..models import EligibilityAssessment, Enrolment
from ._common import _require_clinician, _today


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
