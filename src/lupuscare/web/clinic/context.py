"""The one seam from the records to the safety rules: ``to_rule_context(patient, today)``.

Everything the rules read comes from here, converted to the canonical units the rules expect
(``lupuscare.rules.context``). Six queries, whatever the size of the record.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from lupuscare.clinical import units
from lupuscare.errors import InputError
from lupuscare.rules import DiaryRedFlag, LabResult, MedicationCourse, PatientContext
from lupuscare.web.records.models import DiaryEntry, Patient
from lupuscare.web.records.models import LabResult as LabRow
from lupuscare.web.records.models import MedicationCourse as CourseRow

from .models import Contraception, EyeExam

# The diary's "fever" symptom is rated 0-10; any rating above 0 is a reported fever (the rules'
# "fever" red flag). Project decision: the patient said they felt feverish at all.
DIARY_FEVER_FROM_RATING = 1
# Diary days loaded for red flags: more than any red-flag window a clinic would configure.
DIARY_LOOKBACK_DAYS = 90
# The lab tests the rules read (``ctx.lab_history(...)`` in lupuscare.rules); loading only these
# keeps the seam fast on long records. tests/web_clinic/test_alerts.py checks the list against the
# rules' source, so a rule reading a new test fails that test until it is added here.
RULE_LAB_TESTS = ("upcr", "urine_protein_24h", "egfr", "platelets", "wbc", "neutrophils", "hemoglobin")
# Record routes the glucocorticoid conversion treats as systemic ("oral" is the rules' default).
_SYSTEMIC_ROUTES = {"oral": None, "iv": "iv", "sc": "sc", "im": "im"}


def _lab(test: str, value: float, unit: str, collected_at: dt.datetime, tz) -> LabResult | None:
    """A lab in its canonical unit (exact conversion: the rules compare at thresholds), or None
    when its unit does not convert (an assay-specific unit)."""
    if unit != units.CANONICAL_UNIT[test]:
        try:
            value = units.to_canonical(test, value, unit)
        except InputError:
            return None
    return LabResult(test=test, value=value, date=collected_at.astimezone(tz).date())


def _course(row: CourseRow) -> MedicationCourse:
    return MedicationCourse(
        drug=row.drug,
        start=row.start,
        daily_dose_mg=row.daily_dose_mg if row.daily_dose_mg is not None else 0.0,
        stop=row.stop,
        pulse=row.pulse,
        route=_SYSTEMIC_ROUTES.get(row.route, row.route),
    )


def _red_flags(entries) -> list[DiaryRedFlag]:
    flags = []
    for e in entries:
        flags.extend(DiaryRedFlag(flag=s, date=e.local_date) for s in e.warning_signs)
        if (e.symptoms or {}).get("fever", 0) >= DIARY_FEVER_FROM_RATING:
            flags.append(DiaryRedFlag(flag="fever", date=e.local_date))
    return flags


def to_rule_context(patient: Patient, today: dt.date) -> PatientContext:
    """``patient``'s record as of ``today`` for ``lupuscare.rules.evaluate``."""
    tz = timezone.get_default_timezone()
    labs = [
        lab for row in LabRow.objects.filter(patient=patient, test__in=RULE_LAB_TESTS)
        .values_list("test", "value", "unit", "collected_at")
        if (lab := _lab(*row, tz)) is not None
    ]
    courses = [
        _course(row) for row in CourseRow.objects.filter(patient=patient, start__lte=today)
        .filter(Q(stop__isnull=True) | Q(stop__gte=today - dt.timedelta(days=3650)))
    ]
    diary = DiaryEntry.objects.filter(
        patient=patient, local_date__gte=today - dt.timedelta(days=DIARY_LOOKBACK_DAYS),
        local_date__lte=today,
    ).only("local_date", "warning_signs", "symptoms")
    eye_exams = tuple(EyeExam.objects.filter(patient=patient, date__lte=today)
                      .values_list("date", flat=True))
    contraception = (Contraception.objects.filter(patient=patient, start__lte=today)
                     .filter(Q(stop__isnull=True) | Q(stop__gte=today)).exists())
    return PatientContext(
        today=today,
        birth_date=patient.birth_date,
        sex=patient.sex,
        weight_kg=patient.weight_kg,
        can_become_pregnant=patient.can_become_pregnant,
        contraception_recorded=contraception,
        eye_exams=eye_exams,
        medications=tuple(courses),
        labs=tuple(labs),
        diary_red_flags=tuple(_red_flags(diary)),
    )
