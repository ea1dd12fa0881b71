"""Visits, lab results, medication courses and organ damage, each with its history.

Records convert to the pure core's inputs in one module, ``lupuscare.web.seam``; the
``to_document`` methods here only delegate to it. Labs, courses and damage items are retracted
(with who, when and why), never deleted: their default managers hide retracted rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from lupuscare.instruments.assessment import BILAG_DOMAINS as BILAG_DOMAIN_NAMES
from lupuscare.instruments.assessment import JOINTS_28, WINDOW_DAYS
from lupuscare.instruments.pga import PGA_MAX  # noqa: F401  (re-exported for forms)
from lupuscare.instruments.sledai2k import DEFAULT_WINDOW_DAYS

from ..validators import (
    lab_unit_error,
    validate_drug,
    validate_findings,
    validate_finite,
    validate_lab_test,
    validate_pga,
    validate_sdi_item,
)
from .patients import Patient

# The scoring window, the 28-joint count and the PGA scale are the instruments' own definitions
# (lupuscare.instruments: one source of truth, with their citations there).
WINDOW_DAYS_CHOICES = [(w, f"{w} days") for w in WINDOW_DAYS]

BILAG_DOMAINS = len(BILAG_DOMAIN_NAMES)  # BILAG-2004's nine domains: at most nine new A or B


class RecordQuerySet(models.QuerySet):
    """Queries over a clinical record type."""

    def retracted(self) -> RecordQuerySet:
        return self.filter(retracted_at__isnull=False)

    def delete(self):
        raise models.ProtectedError(
            "clinical records are retracted with a reason, never deleted "
            "(lupuscare.web.records.services)", set(self))


class CourseQuerySet(RecordQuerySet):
    def active_on(self, day: dt.date) -> CourseQuerySet:
        """Courses running on ``day``: started on or before it and not stopped before it (the
        stop date is the last day taken)."""
        return self.filter(start__lte=day).filter(models.Q(stop__isnull=True) | models.Q(stop__gte=day))


class CurrentManager(models.Manager):
    """The default manager of a retractable record: retracted rows are invisible to every reader
    (documents, rules, pages, API), so a retraction takes effect at every door at once.
    ``all_objects`` sees them (admin, history, audits)."""

    def get_queryset(self):
        return super().get_queryset().filter(retracted_at__isnull=True)


class Retractable(models.Model):
    """Clinical data is never deleted: it is retracted, with who, when and why (the row and its
    history stay)."""

    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        editable=False, related_name="+",
    )
    retraction_reason = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(
            "clinical records are retracted with a reason, never deleted "
            "(lupuscare.web.records.services)", {self})


class Assessment(models.Model):
    """A visit: what the clinician attested, inside the window before ``date``."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    date = models.DateField()
    window_days = models.PositiveSmallIntegerField(
        choices=WINDOW_DAYS_CHOICES, default=DEFAULT_WINDOW_DAYS
    )
    findings = models.JSONField(default=list, blank=True, validators=[validate_findings])
    not_attributable = models.JSONField(default=list, blank=True, validators=[validate_findings])
    swollen_28 = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(JOINTS_28)]
    )
    tender_28 = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(JOINTS_28)]
    )
    pga = models.FloatField(
        null=True,
        blank=True,
        validators=[validate_pga],
        help_text="Physician Global Assessment, 0-3.",
    )
    bilag_new_a = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(BILAG_DOMAINS)]
    )
    bilag_new_b = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(BILAG_DOMAINS)]
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
        null=True,
        blank=True,
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["patient", "date"])]

    def __str__(self) -> str:
        return f"Assessment {self.patient_id} {self.date}"

    def clean(self) -> None:
        both = set(self.findings or []) & set(self.not_attributable or [])
        if both and isinstance(self.findings, list) and isinstance(self.not_attributable, list):
            raise ValidationError(
                {"not_attributable": f"also listed as findings: {', '.join(sorted(both))}"}
            )

    @property
    def window_start(self) -> dt.date:
        return self.date - dt.timedelta(days=self.window_days)

    def previous(self) -> Assessment | None:
        """The patient's visit just before this one (earlier date, or same date and created first)."""
        return (
            Assessment.objects.filter(patient_id=self.patient_id)
            .filter(models.Q(date__lt=self.date) | models.Q(date=self.date, id__lt=self.id))
            .order_by("-date", "-id")
            .first()
        )

    def to_document(self, *, with_previous: bool = True) -> dict[str, Any]:
        """The contracts.md §2 assessment document of this visit (``lupuscare.web.seam``)."""
        from lupuscare.web.seam import visit_document

        return visit_document(self, with_previous=with_previous)


class LabResult(Retractable):
    """One laboratory value in its reporting unit (UCUM) with the laboratory's reference limits."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="lab_results")
    test = models.CharField(
        max_length=64, validators=[validate_lab_test], help_text="contracts.md §2.2 name, e.g. c3."
    )
    loinc = models.CharField(
        "LOINC code",
        max_length=16,
        blank=True,
        validators=[RegexValidator(r"^\d{1,7}-\d$", "a LOINC code looks like 4485-3")],
    )
    # Every test the core knows is a non-negative quantity (counts, concentrations, ratios, °C).
    value = models.FloatField(validators=[validate_finite, MinValueValidator(0.0)])
    unit = models.CharField(max_length=32, help_text="UCUM, e.g. g/L, mg/g, 10*9/L.")
    low = models.FloatField(
        null=True, blank=True, validators=[validate_finite, MinValueValidator(0.0)]
    )
    high = models.FloatField(
        null=True, blank=True, validators=[validate_finite, MinValueValidator(0.0)]
    )
    collected_at = models.DateTimeField()
    source = models.CharField(max_length=64, default="manual", help_text="manual, import, demo...")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CurrentManager.from_queryset(RecordQuerySet)()
    all_objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-collected_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "collected_at"]),
            models.Index(fields=["patient", "test", "collected_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.test} {self.value:g} {self.unit}"

    def clean(self) -> None:
        errors = {}
        if self.low is not None and self.high is not None and self.low > self.high:
            errors["high"] = "must not be below low"
        if self.test and self.unit and (problem := lab_unit_error(self.test, self.unit)):
            errors["unit"] = problem
        if errors:
            raise ValidationError(errors)

    def to_document(self) -> dict[str, Any]:
        from lupuscare.web.seam import lab_input

        return lab_input(self)


class Schedule(models.TextChoices):
    DAILY = "daily", "Daily"
    ALTERNATE_DAY = "alternate_day", "Every other day"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    ONCE = "once", "Once"
    OTHER = "other", "Other"


class Route(models.TextChoices):
    ORAL = "oral", "Oral"
    IV = "iv", "Intravenous"
    SC = "sc", "Subcutaneous"
    IM = "im", "Intramuscular"
    TOPICAL = "topical", "Topical"
    OTHER = "other", "Other"


class MedicationCourse(Retractable):
    """A drug taken from ``start`` to ``stop`` (open-ended while ``stop`` is empty).

    ``daily_dose_mg`` is the scheduled mean daily dose (alternate-day and weekly schedules
    averaged, contracts.md §2.3); IV pulses are marked ``pulse`` and not folded into it.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    drug = models.CharField(max_length=64, validators=[validate_drug])
    daily_dose_mg = models.FloatField(
        null=True, blank=True, validators=[validate_finite, MinValueValidator(0.0)]
    )
    schedule = models.CharField(max_length=16, choices=Schedule.choices, default=Schedule.DAILY)
    route = models.CharField(max_length=16, choices=Route.choices, default=Route.ORAL)
    pulse = models.BooleanField(default=False)
    start = models.DateField()
    stop = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    tolerated = models.BooleanField(null=True, blank=True)
    investigational = models.BooleanField(default=False)
    washout_completed = models.DateField(
        null=True, blank=True,
        help_text="The day a drug-elimination procedure was documented complete (leflunomide: "
                  "cholestyramine washout with two teriflunomide levels below 0.02 mg/L); the "
                  "teratogen alert ends then.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CurrentManager.from_queryset(CourseQuerySet)()
    all_objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["patient", "start"])]

    def __str__(self) -> str:
        return f"{self.drug} from {self.start}"

    def clean(self) -> None:
        if self.stop is not None and self.start is not None and self.stop < self.start:
            raise ValidationError({"stop": "cannot be before start"})
        if self.washout_completed is not None:
            if self.stop is None:
                raise ValidationError({"washout_completed": "a washout needs the course's stop date"})
            if self.washout_completed < self.stop:
                raise ValidationError({"washout_completed": "is before the stop date"})

    def to_document(self) -> dict[str, Any]:
        from lupuscare.web.seam import course_input

        return course_input(self)


class DamageItem(Retractable):
    """One SLICC/ACR Damage Index item (snake_case item name) with its onset."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="damage_items")
    item = models.CharField(max_length=64, validators=[validate_sdi_item])
    onset = models.DateField()
    count = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CurrentManager.from_queryset(RecordQuerySet)()
    all_objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["onset", "id"]
        indexes = [models.Index(fields=["patient", "onset"])]

    def __str__(self) -> str:
        return f"{self.item} since {self.onset}"

    def to_document(self) -> dict[str, Any]:
        from lupuscare.web.seam import damage_input

        return damage_input(self)
