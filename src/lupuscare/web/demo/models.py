"""What ``lupuscare demo`` loaded: the cohort's parameters, which patients and accounts are
synthetic (so ``--reset`` removes exactly those), and the truth behind each patient's data (disease
course and planted diary trigger effects), so analyses run on the demo can be checked against it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DemoCohort(models.Model):
    """One loaded demo cohort (there is at most one at a time)."""

    seed = models.PositiveBigIntegerField()
    patients = models.PositiveIntegerField()
    as_of = models.DateField(help_text="Follow-up ends on this date.")
    generator_version = models.CharField(max_length=32)
    loaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Demo cohort seed {self.seed}, {self.patients} patients"


class DemoAccount(models.Model):
    """A user account the demo created."""

    cohort = models.ForeignKey(DemoCohort, on_delete=models.CASCADE, related_name="accounts")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+")

    def __str__(self) -> str:
        return f"Demo account {self.user_id}"


class DemoCareTeam(models.Model):
    """A care team the demo created."""

    cohort = models.ForeignKey(DemoCohort, on_delete=models.CASCADE, related_name="care_teams")
    care_team = models.OneToOneField("records.CareTeam", on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"Demo care team {self.care_team_id}"


class DemoPatient(models.Model):
    """A synthetic patient and the hidden course behind their records."""

    cohort = models.ForeignKey(DemoCohort, on_delete=models.CASCADE, related_name="demo_patients")
    patient = models.OneToOneField("records.Patient", on_delete=models.CASCADE,
                                   related_name="demo_truth")
    index = models.PositiveIntegerField(help_text="Position in the cohort (0 is the showcase).")
    nephritis = models.BooleanField()
    nephritis_class = models.CharField(max_length=8, blank=True)
    dsdna_positive = models.BooleanField()
    uses_app = models.BooleanField()
    diary_completeness = models.FloatField(null=True, blank=True,
                                           help_text="Requested share of days logged.")
    flares = models.JSONField(default=list, help_text="[{onset, end, kind, severe, domains}]")

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["cohort", "index"], name="demo_patient_index")]

    def __str__(self) -> str:
        return f"Demo patient {self.index} (patient {self.patient_id})"


class DemoPlantedEffect(models.Model):
    """A trigger effect planted in a demo patient's diary: exposure to ``trigger`` (by
    ``exposed_rule``) on day t raises ``symptom`` by ``effect`` points on day t + ``lag_days``."""

    demo_patient = models.ForeignKey(DemoPatient, on_delete=models.CASCADE, related_name="planted")
    trigger = models.CharField(max_length=32)
    symptom = models.CharField(max_length=32)
    lag_days = models.PositiveSmallIntegerField()
    effect = models.FloatField(help_text="Rating points on the 0-10 symptom scale.")
    exposed_rule = models.CharField(max_length=32)
    exposed_days = models.PositiveIntegerField()
    realised_effect = models.FloatField(null=True, blank=True,
                                        help_text="Mean shift in the logged ratings it applied to.")

    def __str__(self) -> str:
        return f"{self.trigger} -> {self.symptom} at lag {self.lag_days}: {self.effect:+g}"
