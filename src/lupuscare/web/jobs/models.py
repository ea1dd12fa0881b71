"""Notifications (the inbox and the "sent" ledger in one row), preferences, and job runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lupuscare.web.records.validators import validate_time_zone


class Kind(models.TextChoices):
    """What a notification is about; a user may turn each off (urgent ones stay in the inbox)."""

    URGENT_ALERT = "urgent_alert", "Urgent safety alert for a patient of your care team"
    RED_FLAG = "red_flag", "Diary red flag reported by a patient of your care team"
    FOLLOW_UP_DUE = "follow_up_due", "Cell-therapy follow-up visit due"
    FOLLOW_UP_OVERDUE = "follow_up_overdue", "Cell-therapy follow-up visit overdue"
    AE_REPORT_DUE = "ae_report_due", "Expedited adverse-event report due soon"
    AE_REPORT_OVERDUE = "ae_report_overdue", "Expedited adverse-event report overdue"
    DIARY_REMINDER = "diary_reminder", "Daily check-in reminder"
    CHECKIN_NUDGE = "checkin_nudge", "No check-in for a while"


# Kinds about patient safety: always in the inbox, whatever the preferences say.
ALWAYS_IN_INBOX = frozenset({Kind.URGENT_ALERT, Kind.RED_FLAG, Kind.AE_REPORT_OVERDUE})


class EmailStatus(models.TextChoices):
    NONE = "none", "not emailed (the user chose the inbox only)"
    PENDING = "pending", "to be emailed (deferred by quiet hours, or the mail server failed)"
    SENT = "sent", "emailed"


class Notification(models.Model):
    """One message to one user. The unique (kind, recipient, key) makes it the "sent" ledger:
    a schedule that runs twice finds the row and sends nothing the second time."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    patient = models.ForeignKey("records.Patient", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="+",
                                help_text="the patient it is about (the inbox audits its reads)")
    key = models.CharField(max_length=200, help_text="what and when, e.g. ae:12:day5")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="what the inbox shows (signed-in users only)")
    link = models.CharField(max_length=300, blank=True, help_text="the page it is about")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=8, choices=EmailStatus.choices,
                                    default=EmailStatus.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "recipient", "key"],
                                               name="jobs_notification_sent_once")]
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   models.Index(fields=["email_status"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.key})"


class Preference(models.Model):
    """A user's choices: which kinds, by email or not, quiet hours, and (patients) reminders.

    Times are wall-clock times in ``time_zone``; quiet hours may wrap midnight (22:00-07:00)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    email = models.BooleanField(default=True, help_text="also send each notification by email")
    email_details = models.BooleanField(
        default=False, help_text="put the notification's text in the email (else only a link)")
    muted_kinds = models.JSONField(default=list, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    diary_reminder_at = models.TimeField(null=True, blank=True,
                                         help_text="daily check-in reminder; empty: none")
    nudge_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="remind after this many days without a check-in; "
                                         "empty: never (the default)")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class JobRun(models.Model):
    """A once-per-period job (the nightly pass) done for one period: run-due skips it after."""

    job = models.CharField(max_length=64)
    period = models.CharField(max_length=32, help_text="e.g. the date of a nightly run")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="jobs_run_once")]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
