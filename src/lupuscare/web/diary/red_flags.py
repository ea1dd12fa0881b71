"""Diary entries that need urgent care: tell the patient at once, alert the clinician.

Which reports are red flags is decided in one place, ``lupuscare.rules.red_flags`` (chest pain on
breathing, shortness of breath, a seizure, fever while on an immunosuppressant, foamy urine with
swollen legs). The patient's entry is run through exactly those rules, on the record as the
clinic's safety seam builds it (``lupuscare.web.clinic.context.to_rule_context``, which also
decides what counts as a reported fever), with a one-day window so only this day's reports count.

The clinician alert is the clinic's own ``ClinicAlert``, opened through its public
``refresh_alerts``; this module also keeps a ``RedFlagNotice`` (what the patient was told, kept if
the diary is later deleted) and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from lupuscare.rules import RuleConfig
from lupuscare.rules.red_flags import (
    rule_red_flag_chest_pain,
    rule_red_flag_fever_on_immunosuppressants,
    rule_red_flag_foamy_urine_swollen_legs,
    rule_red_flag_seizure,
    rule_red_flag_shortness_of_breath,
)
from lupuscare.web.clinic.alerts import refresh_alerts
from lupuscare.web.clinic.context import to_rule_context
from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, DiaryEntry

from .models import RedFlagNotice

RED_FLAG_RULES = (
    rule_red_flag_chest_pain,
    rule_red_flag_shortness_of_breath,
    rule_red_flag_seizure,
    rule_red_flag_fever_on_immunosuppressants,
    rule_red_flag_foamy_urine_swollen_legs,
)
SAME_DAY = RuleConfig(red_flag_window_days=1)

# What the patient reads for each rule code (plain words; the clinician reads the rule's message).
PATIENT_WORDS: dict[str, str] = {
    "diary_chest_pain_breathing": "chest pain when breathing in",
    "diary_shortness_of_breath": "shortness of breath",
    "diary_seizure": "a seizure",
    "diary_fever_on_immunosuppressants": "a fever while taking a medicine that lowers your "
                                         "defences against infection",
    "diary_foamy_urine_swollen_legs": "foamy urine together with swelling",
}
URGENT_ADVICE = (
    "Contact your care team today. If it is severe or getting worse, or you have chest pain, "
    "trouble breathing or a seizure now, call your local emergency number (112 in Europe, 911 in "
    "the US) or go to the nearest emergency department. Do not wait for a reply in this app."
)


@dataclass(frozen=True, slots=True)
class RedFlag:
    code: str
    words: str


def red_flags_of(entry: DiaryEntry) -> list[RedFlag]:
    """The red-flag rules that this entry's own reports fire (the entry's date is "today")."""
    ctx = to_rule_context(entry.patient, entry.local_date)
    flags = []
    for rule in RED_FLAG_RULES:
        alert = rule(ctx, SAME_DAY)
        if alert is not None:
            flags.append(RedFlag(alert.code, PATIENT_WORDS.get(alert.code, alert.code)))
    return flags


def raise_alerts(request: HttpRequest, entry: DiaryEntry, flags: list[RedFlag]) -> RedFlagNotice | None:
    """Open the clinician alerts for ``flags`` and keep a notice; nothing when there are none.

    The clinic evaluates as of the later of its own date and the entry's local date, so an entry
    from a time zone already on tomorrow's date is not ignored as "in the future"."""
    if not flags:
        return None
    today = max(timezone.localdate(), entry.local_date)
    rows = refresh_alerts(entry.patient, today)
    codes = [f.code for f in flags]
    same = RedFlagNotice.objects.filter(entry=entry).order_by("-id").first()
    if same is not None and same.codes == codes:  # re-saved with the same signs: one notice
        return same
    notice = RedFlagNotice.objects.create(
        patient=entry.patient, entry=entry, local_date=entry.local_date, codes=codes,
        signs=[f.words for f in flags],
        clinic_alert_ids=[r.pk for r in rows if r.code in codes],
    )
    audit.record(request, entry.patient, AuditAction.CREATE, notice)
    return notice


def recent_notices(patient, days: int = 7) -> list[RedFlagNotice]:
    since = timezone.localdate() - dt.timedelta(days=days)
    return list(RedFlagNotice.objects.filter(patient=patient, local_date__gte=since))
