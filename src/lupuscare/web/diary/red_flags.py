"""Diary entries that need urgent care: tell the patient at once, alert the clinician.

Which reports are red flags is decided in one place, ``lupuscare.rules.red_flags`` (chest pain on
breathing, shortness of breath, a seizure, fever while on an immunosuppressant, foamy urine with
swollen legs). The patient's entry is run through exactly those rules with a one-day window, on a
context holding only what they read: this entry's reports and the medicines that expose the patient
that day, which for the fever rule includes IV pulses and B-cell depleting antibodies stopped
within their window (``lupuscare.rules.exposure``): every course started by that day is passed and
the core rule decides. What counts as a reported fever is the core's
``lupuscare.clinical.diary.FEVER_FROM_RATING`` (one source). The context
deliberately leaves out labs, so a lab value the rules cannot read never stops the patient's
warning.

The clinician alert is the clinic's own ``ClinicAlert``, opened by the entry's write through the
record services; this module also keeps a ``RedFlagNotice`` (what the patient was told,
kept if the diary is later deleted, listed on the care team's diary page even when the clinic's
rules could not run) and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from lupuscare.rules import PatientContext, RuleConfig
from lupuscare.rules.red_flags import (
    rule_red_flag_chest_pain,
    rule_red_flag_fever_on_immunosuppressants,
    rule_red_flag_foamy_urine_swollen_legs,
    rule_red_flag_seizure,
    rule_red_flag_shortness_of_breath,
)
from lupuscare.web import seam
from lupuscare.web.clinic.alerts import LIVE
from lupuscare.web.clinic.models import ClinicAlert
from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, DiaryEntry
from lupuscare.web.records.models import MedicationCourse as CourseRow

from .models import RedFlagNotice

RED_FLAG_RULES = (
    rule_red_flag_chest_pain,
    rule_red_flag_shortness_of_breath,
    rule_red_flag_seizure,
    rule_red_flag_fever_on_immunosuppressants,
    rule_red_flag_foamy_urine_swollen_legs,
)
SAME_DAY = RuleConfig(red_flag_window_days=1)
# Courses that stopped up to this long before the entry are passed to the rules: longer than any
# window after a last dose in lupuscare.rules.exposure (12 calendar months at most), so the core
# rule, not this query, decides what still exposes the patient.
EXPOSURE_LOOKBACK_DAYS = 400

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


def entry_context(entry: DiaryEntry) -> PatientContext:
    """What the red-flag rules read for one entry: its reports, the medicines that expose the
    patient that day and any cell-therapy infusion, converted by the one seam
    (``lupuscare.web.seam``) exactly as the clinic's alerts are."""
    day = entry.local_date
    since = day - dt.timedelta(days=EXPOSURE_LOOKBACK_DAYS)
    courses = [seam.rule_course(c) for c in CourseRow.objects.filter(patient=entry.patient, start__lte=day)
               .filter(Q(stop__isnull=True) | Q(stop__gte=since))]
    return PatientContext(today=day, medications=tuple(courses),
                          diary_red_flags=tuple(seam.diary_red_flags([entry])),
                          cell_therapy=seam.cell_therapy_infusions(entry.patient, day))


def red_flags_of(entry: DiaryEntry) -> list[RedFlag]:
    """The red-flag rules that this entry's own reports fire (the entry's date is "today")."""
    ctx = entry_context(entry)
    flags = []
    for rule in RED_FLAG_RULES:
        alert = rule(ctx, SAME_DAY)
        if alert is not None:
            flags.append(RedFlag(alert.code, PATIENT_WORDS.get(alert.code, alert.code)))
    return flags


def raise_alerts(request: HttpRequest, entry: DiaryEntry, flags: list[RedFlag]) -> RedFlagNotice | None:
    """Keep a notice of ``flags`` linked to the clinician alerts they opened; nothing when there
    are none. The alerts themselves were refreshed by the entry's own write
    (``services.record_diary_entry``, as of the later of the clinic's date and the entry's, so an
    entry from a time zone already on tomorrow is not "in the future"); if the rules could not
    run there, the notice still reaches the care team's diary page."""
    if not flags:
        return None
    rows = ClinicAlert.objects.filter(patient=entry.patient, status__in=LIVE)
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
