"""The custom user: one account model with a role, from the first migration on.

Roles decide what a user may see (``permissions.py``): a patient their own records, a clinician the
patients of their care teams, a coordinator cell-therapy data of enrolled patients, an admin the
Django admin. A patient user is linked to exactly one ``records.Patient`` (``Patient.user``).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    CLINICIAN = "clinician", "Clinician"
    COORDINATOR = "coordinator", "Cell-therapy coordinator"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    # Who changed a role or an account, and when; password hashes never enter the history.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        db_table = "accounts_user"

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    def save(self, *args, **kwargs) -> None:
        # The Django admin is for administrators only: staff status follows the role, and a
        # superuser (``createsuperuser``) is an administrator.
        if self.is_superuser:
            self.role = Role.ADMIN
        if self.role == Role.ADMIN:
            self.is_staff = True
        elif not self.is_superuser:
            self.is_staff = False
        super().save(*args, **kwargs)


class Invitation(models.Model):
    """A one-time link that brings a person in: a patient (linked to their existing record) or a
    staff member (with a role and, for a clinician, a care team). Only the SHA-256 of the token is
    kept, so the table cannot be used to sign in; ``accepted_at`` makes the link single-use."""

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    care_team = models.ForeignKey(
        "records.CareTeam", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    patient = models.ForeignKey(
        "records.Patient", on_delete=models.PROTECT, null=True, blank=True,
        related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="invitation",
        help_text="The account created when the invitation was accepted.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="patient") | models.Q(patient__isnull=False),
                name="patient_invitation_names_a_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"
