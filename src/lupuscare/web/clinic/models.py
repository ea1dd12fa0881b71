"""What the clinician workspace stores beside the clinical record (``lupuscare.web.records``).

- ``StoredScore``: one instrument result of one visit, with the inputs snapshot (the contracts §2
  document), the instrument version and citation, so a past number can be explained and
  reproduced by re-running the instrument on ``document``.
- ``JointExam``: which of the 28 joints were swollen or tender (the visit keeps only the counts).
- ``Biopsy``: a kidney biopsy read by the ``biopsy`` instrument (ISN/RPS class, NIH indices).
- ``EyeExam``: retinal screening examinations (the hydroxychloroquine rules read their dates).
- ``Contraception``: contraception in use (the teratogen rule reads it).
- ``ClinicAlert``: one row per open safety alert per patient and code; acknowledging needs a
  reason, is audited, and the change is kept in the row's history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from lupuscare.web.records.models import Assessment, Patient


class StoredScore(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="stored_scores")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="stored_scores"
    )
    date = models.DateField(help_text="The visit date (copied, so the timeline needs no join).")
    instrument = models.CharField(max_length=32)
    version = models.CharField(max_length=300)
    citation = models.TextField()
    value = models.FloatField(null=True, blank=True, help_text="The headline number, if any.")
    met = models.BooleanField(null=True, blank=True, help_text="For LLDAS and DORIS.")
    category = models.CharField(max_length=32, blank=True, help_text="e.g. SLE-DAS, SFI flare.")
    result = models.JSONField(help_text="The instrument's full to_dict() (contracts §3).")
    document = models.JSONField(help_text="The inputs snapshot: the assessment document scored.")
    computed_at = models.DateTimeField(auto_now_add=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "instrument"], name="clinic_one_score_per_visit_instrument"
            )
        ]
        indexes = [models.Index(fields=["patient", "instrument", "date"])]

    def __str__(self) -> str:
        return f"{self.instrument} {self.value} ({self.date})"


class JointExam(models.Model):
    """The 28-joint map of one visit (joint names from ``lupuscare.clinical.joints.JOINTS``)."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.PROTECT, related_name="joint_exam"
    )
    swollen = models.JSONField(default=list, blank=True)
    tender = models.JSONField(default=list, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"joints of visit {self.assessment_id}: {len(self.swollen)} swollen, {len(self.tender)} tender"


class Biopsy(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="biopsies")
    date = models.DateField()
    isn_rps_class = models.CharField("ISN/RPS class", max_length=32, help_text="e.g. IV-G (A), III+V")
    revision = models.CharField(max_length=4, default="2018")
    activity = models.JSONField(default=dict, blank=True, help_text="feature -> grade 0-3")
    chronicity = models.JSONField(default=dict, blank=True, help_text="feature -> grade 0-3")
    activity_index = models.PositiveSmallIntegerField(null=True, blank=True)
    chronicity_index = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, help_text="The biopsy instrument's to_dict().")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"biopsy {self.date}: class {self.isn_rps_class}"


class EyeExam(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="eye_exams")
    date = models.DateField()
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"eye exam {self.date}"


class Contraception(models.Model):
    """Contraception in use (the teratogen rule reads whether any is current)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="contraception")
    method = models.CharField(max_length=100, help_text="e.g. levonorgestrel IUD, copper IUD")
    start = models.DateField()
    stop = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return f"{self.method} from {self.start}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved (no longer applies)"


SEVERITY_RANK = {"urgent": 0, "warning": 1, "info": 2}


class ClinicAlert(models.Model):
    """A safety alert from ``lupuscare.rules``. At most one open or acknowledged row per patient
    and code: re-evaluation refreshes it, and a rule that stops firing resolves it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="clinic_alerts")
    code = models.CharField(max_length=64)
    severity = models.CharField(max_length=8)
    severity_rank = models.PositiveSmallIntegerField(help_text="0 urgent, 1 warning, 2 info")
    message = models.TextField()
    evidence = models.JSONField(default=dict)
    citation = models.TextField()
    certainty = models.CharField(max_length=20)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    first_raised_at = models.DateTimeField(auto_now_add=True)
    last_evaluated_on = models.DateField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["severity_rank", "-first_raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=~models.Q(status="resolved"),
                name="clinic_one_live_alert_per_patient_code",
            )
        ]
        indexes = [models.Index(fields=["status", "severity_rank"])]

    def __str__(self) -> str:
        return f"{self.severity} {self.code} ({self.status})"


class ClassificationWorksheet(models.Model):
    """Classification criteria ever present, scored by EULAR/ACR 2019 and SLICC 2012.

    Classification criteria identify homogeneous groups for research; they are not diagnostic
    criteria, and the page says so.
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="classification_worksheets"
    )
    date = models.DateField()
    ana_titer = models.PositiveIntegerField(null=True, blank=True, help_text="e.g. 160 for 1:160")
    criteria = models.JSONField(default=list, blank=True)
    not_attributable = models.JSONField(default=list, blank=True)
    results = models.JSONField(default=dict, help_text="instrument -> to_dict()")
    document = models.JSONField(default=dict, help_text="The inputs snapshot.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"classification worksheet {self.date}"
