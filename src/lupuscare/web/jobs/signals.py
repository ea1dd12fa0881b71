"""The care team hears at once: an urgent alert or a red-flag notice, once its write commits,
puts a task on the queue (a rolled-back write enqueues nothing)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from lupuscare.web.clinic.models import AlertStatus, ClinicAlert
from lupuscare.web.diary.models import RedFlagNotice


@receiver(post_save, sender=ClinicAlert, dispatch_uid="jobs-urgent-alert")
def urgent_alert_saved(sender, instance: ClinicAlert, **kwargs) -> None:
    if instance.severity == "urgent" and instance.status == AlertStatus.OPEN:
        from .tasks import urgent_alert_task

        pk = instance.pk
        transaction.on_commit(lambda: urgent_alert_task(pk))


@receiver(post_save, sender=RedFlagNotice, dispatch_uid="jobs-red-flag")
def red_flag_saved(sender, instance: RedFlagNotice, created: bool, **kwargs) -> None:
    if created:
        from .tasks import red_flag_task

        pk = instance.pk
        transaction.on_commit(lambda: red_flag_task(pk))
