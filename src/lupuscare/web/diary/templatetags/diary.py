"""``{% load diary %}{% diary_panel patient %}``: the patient home's link to the diary, with the
medicines due today (in-app reminders; there are no push notifications)."""

from __future__ import annotations

from django import template

from lupuscare.web.diary import checkin

register = template.Library()


@register.inclusion_tag("diary/_panel.html")
def diary_panel(patient) -> dict:
    from lupuscare.web.diary.views import due_today

    today = checkin.local_today(checkin.latest_time_zone(patient))
    return {"due": due_today(patient, today), "today": today,
            "checked_in": patient.diary_entries.filter(local_date=today).exists()}
