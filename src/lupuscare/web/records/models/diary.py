"""The patient's daily check-in (vocabulary in ``lupuscare.clinical.diary``)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from ..validators import (
    validate_symptoms,
    validate_time_zone,
    validate_triggers,
    validate_warning_signs,
)
from .patients import Patient


class DiaryEntry(models.Model):
    """One day of one patient. The local date and the time zone are stored explicitly, so a
    check-in made late at night never lands on the wrong day (patient-tracking.md)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diary_entries")
    local_date = models.DateField()
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    symptoms = models.JSONField(default=dict, blank=True, validators=[validate_symptoms])
    warning_signs = models.JSONField(default=list, blank=True, validators=[validate_warning_signs])
    triggers = models.JSONField(default=dict, blank=True, validators=[validate_triggers])
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-local_date"]
        verbose_name_plural = "diary entries"
        constraints = [
            models.UniqueConstraint(fields=["patient", "local_date"], name="diary_one_entry_per_day")
        ]

    def __str__(self) -> str:
        return f"Diary {self.patient_id} {self.local_date}"
