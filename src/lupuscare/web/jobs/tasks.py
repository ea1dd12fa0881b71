"""The queue's tasks (Huey, through ``huey.contrib.djhuey``): the periodic pass and the
notifications sent the moment an urgent alert or a red flag is committed. Each is retried; each
is idempotent (the ledger in ``notify``), so a retry never sends twice."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import schedules

RETRIES, RETRY_DELAY = 3, 60  # seconds between attempts


@db_periodic_task(crontab(minute="*/5"), retries=RETRIES, retry_delay=RETRY_DELAY,
                  name="jobs.run_due")
def run_due_task() -> list[dict]:
    """Every five minutes: whatever is due now (the nightly pass once its hour has come)."""
    return schedules.run_due(timezone.now())


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, name="jobs.urgent_alert")
def urgent_alert_task(alert_id: int) -> int:
    from lupuscare.web.clinic.models import ClinicAlert

    alert = ClinicAlert.objects.filter(pk=alert_id).select_related("patient__care_team").first()
    return 0 if alert is None else schedules.notify_urgent_alert(alert, timezone.now())


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, name="jobs.red_flag")
def red_flag_task(notice_id: int) -> int:
    from lupuscare.web.diary.models import RedFlagNotice

    notice = RedFlagNotice.objects.filter(pk=notice_id).select_related(
        "patient__care_team").first()
    return 0 if notice is None else schedules.notify_red_flag(notice, timezone.now())
