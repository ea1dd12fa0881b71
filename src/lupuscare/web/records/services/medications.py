"""Medicine courses: start, change the dose, stop, amend, retract."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lupuscare.web.records.models import AuditAction, MedicationCourse, Patient

from .base import (
    NON_FIELD,
    Actor,
    RecordInvalid,
    Span,
    amend,
    consequences,
    history_reason,
    retract,
)
from .validation import validate_course

COURSE_FIELDS = ("drug", "daily_dose_mg", "schedule", "route", "pulse", "start", "stop", "reason",
                 "tolerated", "investigational", "washout_completed")


def course_span(course: MedicationCourse) -> Span:
    """The visit dates whose document holds ``course``: from its start to its stop."""
    return course.start, course.stop


def new_course(patient: Patient, **fields) -> MedicationCourse:
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise RecordInvalid({f: ["is not a medicine course field"] for f in sorted(unknown)})
    course = MedicationCourse(patient=patient, **fields)
    validate_course(course)
    return course


@transaction.atomic
def start_medication(actor: Actor, patient: Patient, **fields) -> MedicationCourse:
    """Record a course (LLDAS/DORIS and the safety rules read the medicines on each date)."""
    course = new_course(patient, **fields)
    course.save()
    actor.audit(patient, AuditAction.CREATE, course)
    consequences(actor, patient, [course_span(course)])
    return course


@transaction.atomic
def change_dose(actor: Actor, course: MedicationCourse, *, daily_dose_mg: float, start: dt.date
                ) -> MedicationCourse:
    """A new dose from ``start``: the running course stops the day before and a new course
    carries the new dose, so the history reads as given. Returns the new course."""
    course = MedicationCourse.objects.select_for_update().get(pk=course.pk)
    if course.stop is not None:
        raise RecordInvalid.one(NON_FIELD, "this course has stopped; record a new course instead")
    if start <= course.start:
        raise RecordInvalid.one("start", f"must be after the course start ({course.start.isoformat()})")
    new = new_course(
        course.patient, drug=course.drug, daily_dose_mg=daily_dose_mg, schedule=course.schedule,
        route=course.route, pulse=course.pulse, start=start,
        reason=(f"dose change from {course.daily_dose_mg:g} mg/day"
                if course.daily_dose_mg is not None else "dose change"),
        tolerated=course.tolerated, investigational=course.investigational)
    course.stop = start - dt.timedelta(days=1)
    validate_course(course)
    history_reason(course, f"dose change from {start.isoformat()}")
    course.save()
    new.save()
    actor.audit(course.patient, AuditAction.UPDATE, course)
    actor.audit(course.patient, AuditAction.CREATE, new)
    consequences(actor, course.patient, [(start - dt.timedelta(days=1), None)])
    return new


@transaction.atomic
def stop_medication(actor: Actor, course: MedicationCourse, *, stop: dt.date, reason: str = ""
                    ) -> MedicationCourse:
    """Stop a running course on ``stop`` (its last day taken)."""
    course = MedicationCourse.objects.select_for_update().get(pk=course.pk)
    if course.stop is not None:
        raise RecordInvalid.one(NON_FIELD, f"this course already stopped on {course.stop.isoformat()}")
    course.stop = stop
    if reason.strip():
        course.reason = (f"{course.reason}; stopped: {reason.strip()}" if course.reason
                         else f"stopped: {reason.strip()}")[:200]
    validate_course(course)
    history_reason(course, f"stopped on {stop.isoformat()}")
    course.save()
    actor.audit(course.patient, AuditAction.UPDATE, course)
    consequences(actor, course.patient, [(stop, None)])
    return course


@transaction.atomic
def amend_medication(actor: Actor, course: MedicationCourse, *, reason: str, **changes
                     ) -> MedicationCourse:
    """Correct a course as recorded (a wrong start date, dose or drug)."""
    return amend(actor, MedicationCourse, course, reason=reason, changes=changes,
                 fields=COURSE_FIELDS, label="medicine course", validate=validate_course,
                 span=course_span)


@transaction.atomic
def retract_medication(actor: Actor, course: MedicationCourse, *, reason: str) -> MedicationCourse:
    """Withdraw a course recorded in error (never a row removed)."""
    course = retract(actor, MedicationCourse, course, reason)
    consequences(actor, course.patient, [course_span(course)])
    return course
