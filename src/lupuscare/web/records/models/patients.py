"""Patients and the care teams that look after them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ..validators import validate_finite


class CareTeam(models.Model):
    """A group of clinicians; a clinician sees the patients of every team they belong to."""

    name = models.CharField(max_length=200, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="care_teams",
        blank=True,
        limit_choices_to={"role": "clinician"},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sex(models.TextChoices):
    """Sex as clinical formulas use it (eGFR, reference ranges); the contracts' ``patient.sex``."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"


class Patient(models.Model):
    identifier = models.CharField(
        max_length=64, unique=True, help_text="Hospital or registry number, unique in this system."
    )
    given_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    birth_date = models.DateField()
    sex = models.CharField(max_length=8, choices=Sex.choices)
    weight_kg = models.FloatField(
        null=True,
        blank=True,
        validators=[validate_finite, MinValueValidator(1.0), MaxValueValidator(400.0)],
        help_text="Current body weight in kilograms (dosing per kg reads it).",
    )
    sle_diagnosis_date = models.DateField(null=True, blank=True)
    can_become_pregnant = models.BooleanField(
        null=True, blank=True, help_text="Unknown when empty; pregnancy-related alerts read it."
    )
    care_team = models.ForeignKey(
        CareTeam, on_delete=models.PROTECT, related_name="patients", null=True, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patient",
        null=True,
        blank=True,
        limit_choices_to={"role": "patient"},
        help_text="The patient's own login, if they have one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["care_team", "family_name", "given_name"]),
            models.Index(fields=["family_name", "given_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.identifier})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def clean(self) -> None:
        errors = {}
        if self.user_id is not None and self.user.role != "patient":
            errors["user"] = "only a user with the patient role can be linked to a patient"
        if self.birth_date and self.sle_diagnosis_date and self.sle_diagnosis_date < self.birth_date:
            errors["sle_diagnosis_date"] = "cannot be before the birth date"
        if errors:
            raise ValidationError(errors)
