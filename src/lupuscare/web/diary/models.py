"""What the patient companion stores beside the clinical record (``lupuscare.web.records``).

- ``DiaryPhoto``: a photo of a rash or a joint attached to a diary entry. The file lives under
  ``settings.DATA_DIR`` (never under static or media URLs) and is served only through an
  authenticated view to the patient and their care team.
- ``DoseLog``: the patient's "taken" or "skipped" for one medication course on one local day,
  with side effects they noticed. Edits keep history.
- ``RedFlagNotice``: a diary entry that showed the patient the urgent-care message; the clinic
  reads these (the clinician alert itself is the clinic's ``ClinicAlert``).
- ``AccountDeletion``: what a deletion request removed and how long clinical records are kept.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from lupuscare.web.records.models import DiaryEntry, MedicationCourse, Patient


class DiaryPhoto(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diary_photos")
    entry = models.ForeignKey(DiaryEntry, on_delete=models.PROTECT, related_name="photos")
    stored_name = models.CharField(max_length=128, unique=True,
                                   help_text="File name inside the private photo directory.")
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of diary {self.entry_id}"


class DoseStatus(models.TextChoices):
    TAKEN = "taken", "Taken"
    SKIPPED = "skipped", "Skipped"


class DoseLog(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dose_logs")
    course = models.ForeignKey(MedicationCourse, on_delete=models.PROTECT, related_name="dose_logs")
    local_date = models.DateField()
    status = models.CharField(max_length=8, choices=DoseStatus.choices)
    side_effects = models.JSONField(default=list, blank=True,
                                    help_text="Names from diary.medicines.SIDE_EFFECTS.")
    other_side_effect = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-local_date", "course_id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "local_date"], name="diary_one_dose_log_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.course.drug} {self.local_date}: {self.status}"


class RedFlagNotice(models.Model):
    """Kept when the patient's diary is deleted: the warning signs are copied here (``signs``)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="red_flag_notices")
    entry = models.ForeignKey(DiaryEntry, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="red_flag_notices")
    local_date = models.DateField()
    codes = models.JSONField(help_text="Rule codes from lupuscare.rules.red_flags that fired.")
    signs = models.JSONField(help_text="What the patient reported, in plain words.")
    clinic_alert_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"red flag {self.local_date}: {', '.join(self.codes)}"


class AccountDeletion(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="account_deletions")
    username = models.CharField(max_length=150, help_text="Snapshot, before pseudonymisation.")
    requested_at = models.DateTimeField(auto_now_add=True)
    retention_days = models.PositiveIntegerField()
    clinical_records_kept_until = models.DateField()
    diary_entries_removed = models.PositiveIntegerField(default=0)
    photos_removed = models.PositiveIntegerField(default=0)
    dose_logs_removed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"deletion of patient {self.patient_id} ({self.requested_at:%Y-%m-%d})"
