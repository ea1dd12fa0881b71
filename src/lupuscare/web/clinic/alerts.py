"""Safety alerts in the clinic: evaluate the rules, keep one row per live alert, acknowledge.

``refresh_alerts`` is idempotent: an alert still firing refreshes its row (message, evidence),
a new one opens a row, and an open or acknowledged alert whose rule no longer fires is resolved.
An acknowledged alert stays acknowledged while the rule keeps firing (the clinician has seen it);
if it stops and fires again later, it opens a new row.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lupuscare.errors import InputError
from lupuscare.rules import Alert, evaluate
from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, Patient
from lupuscare.web.seam import rule_context

from .models import SEVERITY_RANK, AlertStatus, ClinicAlert

LIVE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AcknowledgementError(ValueError):
    """Acknowledging failed (no reason, or the alert is not open); says which field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _fill(row: ClinicAlert, alert: Alert, today: dt.date) -> None:
    data = alert.to_dict()
    row.severity = alert.severity
    row.severity_rank = SEVERITY_RANK[alert.severity]
    row.message = alert.message
    row.evidence = data["evidence"]
    row.citation = alert.citation
    row.certainty = alert.certainty
    row.due_date = alert.due_date
    row.last_evaluated_on = today


@transaction.atomic
def refresh_alerts(patient: Patient, today: dt.date | None = None) -> list[ClinicAlert]:
    """Evaluate every rule for ``patient`` today and store the result; the live alerts."""
    today = today or timezone.localdate()
    fired = {a.code: a for a in evaluate(rule_context(patient, today))}
    live = {row.code: row for row in ClinicAlert.objects.select_for_update()
            .filter(patient=patient, status__in=LIVE)}
    for code, row in live.items():
        if code not in fired:
            row.status = AlertStatus.RESOLVED
            row.last_evaluated_on = today
            row.save()
    out = []
    for code, alert in fired.items():
        row = live.get(code) or ClinicAlert(patient=patient, code=code)
        before = (row.severity, row.message) if row.pk else None
        _fill(row, alert, today)
        if before != (row.severity, row.message) or row.pk is None:
            row.save()
        else:  # unchanged: no new history row for a mere re-evaluation
            ClinicAlert.objects.filter(pk=row.pk).update(last_evaluated_on=today)
        out.append(row)
    return sorted(out, key=lambda r: (r.severity_rank, r.code))


def refresh_alerts_or_error(patient: Patient, today: dt.date | None = None
                            ) -> tuple[list[ClinicAlert], str | None]:
    """``refresh_alerts``, but a record the rules cannot read (e.g. a negative lab value entered
    through another path) gives a message naming the field instead of a failed page: the page
    then says plainly that the alerts could not be evaluated, rather than showing none."""
    try:
        return refresh_alerts(patient, today), None
    except InputError as exc:
        live = list(ClinicAlert.objects.filter(patient=patient, status__in=LIVE)
                    .select_related("acknowledged_by"))
        return live, f"Safety rules could not run on this record ({exc}); the alerts below may be out of date."


def alerts_for_page(patient: Patient, today: dt.date | None = None
                    ) -> tuple[list[ClinicAlert], str | None, list[dict]]:
    """What a page shows, without writing: the stored live alerts, an error when the rules
    cannot read the record, and what today's evaluation would change (``pending``: alerts that
    would open, change or resolve), so a page can say so and offer a POST to update."""
    today = today or timezone.localdate()
    live = list(ClinicAlert.objects.filter(patient=patient, status__in=LIVE)
                .select_related("acknowledged_by").order_by("severity_rank", "code"))
    try:
        fired = {a.code: a for a in evaluate(rule_context(patient, today))}
    except InputError as exc:
        return live, f"Safety rules could not run on this record ({exc}); the alerts below may be out of date.", []
    stored = {row.code: row for row in live}
    pending = [{"code": code, "change": "new", "severity": a.severity, "message": a.message}
               for code, a in fired.items()
               if code not in stored or (stored[code].severity, stored[code].message)
               != (a.severity, a.message)]
    pending += [{"code": code, "change": "resolved", "severity": row.severity,
                 "message": row.message} for code, row in stored.items() if code not in fired]
    return live, None, sorted(pending, key=lambda p: (SEVERITY_RANK[p["severity"]], p["code"]))


@transaction.atomic
def acknowledge(alert: ClinicAlert, request: HttpRequest, reason: str) -> ClinicAlert:
    """Mark ``alert`` as seen, with the clinician's reason; audited and kept in history."""
    reason = (reason or "").strip()
    if not reason:
        raise AcknowledgementError("reason", "say why this alert can be set aside (required)")
    alert = ClinicAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise AcknowledgementError("status", f"this alert is {alert.get_status_display().lower()}")
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by = request.user
    alert.acknowledged_at = timezone.now()
    alert.acknowledgement_reason = reason
    alert._change_reason = f"acknowledged: {reason}"[:100]
    alert.save()
    audit.record(request, alert.patient, AuditAction.UPDATE, alert)
    return alert
