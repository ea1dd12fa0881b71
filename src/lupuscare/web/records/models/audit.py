"""The audit log: who read or changed which patient's data, when, from where. Append-only.

Rows keep plain references (no database constraint) to the user and the patient, plus a snapshot
of the username, so the log outlives the rows it speaks of and never blocks anything else.

Tamper-evident: every row carries its place in one chain (``sequence``), the previous row's hash
and its own hash over its content, built as the cell-therapy custody chain is
(``lupuscare.celltherapy.custody.chain_hash``); ``AuditChainHead`` holds the newest link, so
removing rows from the end is caught too. ``records.audit_chain`` writes and verifies the chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    DENIED = "denied", "Refused (403/404)"
    # an account's sign-in steps (password, second factor) and its end (docs/accounts.md)
    SIGN_IN = "signin", "Signed in"
    SIGN_OUT = "signout", "Signed out"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("audit events cannot be changed")

    def delete(self):
        raise AuditLogIsAppendOnly("audit events cannot be deleted")

    def bulk_update(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit events cannot be changed")

    def bulk_create(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit events are appended one at a time, to the hash chain")


class AuditEvent(models.Model):
    # Set before the row is hashed (``auto_now_add`` would overwrite it after).
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    patient = models.ForeignKey(
        "records.Patient",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=500, blank=True)
    object_type = models.CharField(max_length=64, blank=True, help_text="e.g. records.labresult")
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # A list page names every patient it showed; a refusal keeps the status it answered.
    patient_ids = models.JSONField(default=list, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.BigIntegerField(unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "at"]),
            models.Index(fields=["user", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.path}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise AuditLogIsAppendOnly("audit events cannot be changed")
        from lupuscare.web.records.audit_chain import appending

        with appending(self):
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit events cannot be deleted")


class AuditChainHead(models.Model):
    """The newest link of the audit chain (one row, ``pk=1``): locked while a row is appended,
    so concurrent writers take turns, and compared by the verifier to catch truncation."""

    sequence = models.BigIntegerField(default=-1)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head #{self.sequence} {self.hash[:12]}"
