"""One validator per record type: the model's field validators, then the clinical checks of the
pure core (plausibility after unit conversion, dates within the patient's life). Every door
(pages, API, CSV import, admin, loaders) reaches these through the services, so a value refused
at one door is refused at every door with the same message.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lupuscare.clinical import limits
from lupuscare.web.records.models import (
    Assessment,
    DamageItem,
    DiaryEntry,
    LabResult,
    MedicationCourse,
)

from .base import RecordInvalid, validated


def _merge(errors: dict[str, list[str]], more: RecordInvalid | None) -> None:
    if more is not None:
        for field, messages in more.errors.items():
            errors.setdefault(field, []).extend(messages)


def _model_errors(obj, exclude=("patient",)) -> RecordInvalid | None:
    try:
        validated(obj, exclude=exclude)
    except RecordInvalid as exc:
        return exc
    return None


def _day_error(errors: dict[str, list[str]], field: str, day: dt.date | None, birth_date: dt.date,
               today: dt.date | None = None) -> None:
    if day is None:
        return
    problem = limits.clinical_date_error(day, birth_date, today or timezone.localdate())
    if problem:
        errors.setdefault(field, []).append(problem)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise RecordInvalid(errors)


def validate_lab(lab: LabResult, *, today: dt.date | None = None) -> None:
    """Vocabulary, unit, reference limits, plausibility (``lupuscare.clinical.limits``, after
    conversion to the canonical unit) and the collection date."""
    errors: dict[str, list[str]] = {}
    _merge(errors, _model_errors(lab))
    if (lab.test and lab.unit and isinstance(lab.value, int | float) and not errors.get("value")
            and not errors.get("unit") and not errors.get("test")):
        problem = limits.lab_value_error(lab.test, lab.value, lab.unit)
        if problem:
            errors.setdefault("value", []).append(problem)
    if isinstance(lab.collected_at, dt.datetime):
        _day_error(errors, "collected_at", timezone.localtime(lab.collected_at).date()
                   if timezone.is_aware(lab.collected_at) else lab.collected_at.date(),
                   lab.patient.birth_date, today)
    _raise(errors)


def validate_visit(visit: Assessment, *, today: dt.date | None = None) -> None:
    errors: dict[str, list[str]] = {}
    _merge(errors, _model_errors(visit, exclude=("patient", "clinician")))
    if isinstance(visit.date, dt.date):
        _day_error(errors, "date", visit.date, visit.patient.birth_date, today)
    _raise(errors)


def validate_course(course: MedicationCourse, *, today: dt.date | None = None) -> None:
    """A course starts within the patient's life; it may be planned to stop in the future."""
    errors: dict[str, list[str]] = {}
    _merge(errors, _model_errors(course))
    if isinstance(course.start, dt.date):
        _day_error(errors, "start", course.start, course.patient.birth_date, today)
    if isinstance(course.stop, dt.date) and course.stop < course.patient.birth_date:
        errors.setdefault("stop", []).append("is before the patient's birth date")
    _raise(errors)


def validate_damage(item: DamageItem, *, today: dt.date | None = None) -> None:
    errors: dict[str, list[str]] = {}
    _merge(errors, _model_errors(item))
    if isinstance(item.onset, dt.date):
        _day_error(errors, "onset", item.onset, item.patient.birth_date, today)
    _raise(errors)


def validate_dated(obj, field: str, *, today: dt.date | None = None, stop_field: str | None = None
                   ) -> None:
    """Records with one event date (biopsy, eye exam, contraception): model validators, the date
    within the patient's life, and a stop not before the start."""
    errors: dict[str, list[str]] = {}
    _merge(errors, _model_errors(obj))
    day = getattr(obj, field)
    if isinstance(day, dt.date):
        _day_error(errors, field, day, obj.patient.birth_date, today)
    if stop_field:
        stop = getattr(obj, stop_field)
        if isinstance(stop, dt.date) and isinstance(day, dt.date) and stop < day:
            errors.setdefault(stop_field, []).append("cannot be before start")
    _raise(errors)


def validate_diary_entry(entry: DiaryEntry, *, today: dt.date | None = None) -> None:
    """The diary vocabulary and scales (model validators); a day not before birth. Days ahead of
    the clinic's date are allowed by one: the patient's time zone may already be on tomorrow."""
    errors: dict[str, list[str]] = {}
    _merge(errors, _model_errors(entry))
    if isinstance(entry.local_date, dt.date):
        limit = (today or timezone.localdate()) + dt.timedelta(days=1)
        _day_error(errors, "local_date", entry.local_date, entry.patient.birth_date, limit)
    _raise(errors)
