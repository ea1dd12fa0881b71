"""The seam: every conversion from the database's records to the pure core's inputs.

One conversion per record type, here and nowhere else, so the instruments, the safety rules and
the cell-therapy core read exactly what the record says:

- ``lab_input``, ``course_input``, ``damage_input``: one row each, as contracts §2 shapes;
- ``PatientRecord``: one patient's labs, courses, damage and visits, loaded once (four queries)
  so that building the documents of many visits needs no query per visit;
- ``visit_document``: the contracts §2 assessment document of a visit (saved or a draft);
- ``rule_context``: the ``lupuscare.rules.PatientContext`` of a patient as of a day.

Retracted records never reach the core: the models' default managers hide them.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from lupuscare.clinical import units
from lupuscare.clinical.diary import FEVER_FROM_RATING
from lupuscare.errors import InputError
from lupuscare.rules import DiaryRedFlag, PatientContext
from lupuscare.rules import LabResult as RuleLab
from lupuscare.rules import MedicationCourse as RuleCourse
from lupuscare.rules.context import CellTherapyInfusion
from lupuscare.web.records.models import (
    Assessment,
    DamageItem,
    DiaryEntry,
    LabResult,
    MedicationCourse,
    Patient,
)


# --- one row each --------------------------------------------------------------------------------
def lab_input(row: LabResult) -> dict[str, Any]:
    """A lab result as the assessment document's ``labs`` entry (contracts §2.2)."""
    doc: dict[str, Any] = {"test": row.test, "value": row.value, "unit": row.unit}
    if row.low is not None:
        doc["low"] = row.low
    if row.high is not None:
        doc["high"] = row.high
    return doc


def course_input(row: MedicationCourse) -> dict[str, Any]:
    """A medicine course as the assessment document's ``medications`` entry (contracts §2.3)."""
    doc: dict[str, Any] = {"drug": row.drug}
    if row.daily_dose_mg is not None:
        doc["daily_dose_mg"] = row.daily_dose_mg
    doc["route"] = row.route
    doc["pulse"] = row.pulse
    if row.tolerated is not None:
        doc["tolerated"] = row.tolerated
    doc["investigational"] = row.investigational
    doc["start"] = row.start.isoformat()
    return doc


def damage_input(row: DamageItem) -> dict[str, Any]:
    """An SDI damage item as the document's ``damage`` entry (contracts §2.4)."""
    doc: dict[str, Any] = {"item": row.item, "onset": row.onset.isoformat()}
    if row.count != 1:
        doc["count"] = row.count
    return doc


# --- one patient's record, loaded once ------------------------------------------------------------
def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the clinic's time zone (settings.TIME_ZONE): windows are calendar
    days there."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


@dataclass
class PatientRecord:
    """What the documents of a patient's visits are built from (current, unretracted rows)."""

    patient: Patient
    labs: list[LabResult]
    courses: list[MedicationCourse]
    damage: list[DamageItem]
    visits: list[Assessment] = field(default_factory=list)
    _lab_times: list[dt.datetime] = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, patient: Patient, *, with_visits: bool = True) -> PatientRecord:
        labs = list(LabResult.objects.filter(patient_id=patient.pk).order_by("collected_at", "id"))
        courses = list(MedicationCourse.objects.filter(patient_id=patient.pk).order_by("start", "id"))
        damage = list(DamageItem.objects.filter(patient_id=patient.pk).order_by("onset", "id"))
        visits = (list(Assessment.objects.filter(patient_id=patient.pk).order_by("date", "id"))
                  if with_visits else [])
        for visit in visits:
            visit.patient = patient  # no query per visit for the patient
        return cls(patient, labs, courses, damage, visits, [lab.collected_at for lab in labs])

    def labs_in_window(self, visit: Assessment) -> list[LabResult]:
        """Results collected from ``date - window_days`` to ``date`` inclusive, oldest first."""
        lo = bisect.bisect_left(self._lab_times, _day_start(visit.window_start))
        hi = bisect.bisect_left(self._lab_times, _day_start(visit.date + dt.timedelta(days=1)))
        return self.labs[lo:hi]

    def courses_on(self, day: dt.date) -> list[MedicationCourse]:
        """Courses running on ``day`` (``MedicationCourse.objects.active_on`` in memory)."""
        return [c for c in self.courses if c.start <= day and (c.stop is None or c.stop >= day)]

    def damage_by(self, day: dt.date) -> list[DamageItem]:
        return [d for d in self.damage if d.onset <= day]

    def previous_of(self, visit: Assessment) -> Assessment | None:
        """The visit just before ``visit``: an earlier date, or the same date and created first.
        A draft (no id yet) follows every saved visit on or before its date."""
        if visit.pk is None:
            earlier = [v for v in self.visits if v.date <= visit.date]
        else:
            earlier = [v for v in self.visits
                       if v.date < visit.date or (v.date == visit.date and v.pk < visit.pk)]
        return earlier[-1] if earlier else None


def visit_document(visit: Assessment, record: PatientRecord | None = None, *,
                   with_previous: bool = True) -> dict[str, Any]:
    """The contracts §2 assessment document of ``visit`` (a plain, JSON-ready dict).

    Labs: every result collected in the scoring window, oldest first (an abnormal value anywhere
    in the window counts). Medications: the courses running on the visit date. ``damage``: the
    SDI items with onset on or before the date. ``previous``: the previous visit's document,
    without its own ``previous``.
    """
    if record is None:
        record = PatientRecord.load(visit.patient, with_visits=with_previous)
    patient = record.patient
    doc: dict[str, Any] = {
        "date": visit.date.isoformat(),
        "patient": {"birth_date": patient.birth_date.isoformat(), "sex": patient.sex},
        "window_days": visit.window_days,
        "findings": list(visit.findings or []),
        "not_attributable": list(visit.not_attributable or []),
    }
    if patient.weight_kg is not None:
        doc["patient"]["weight_kg"] = patient.weight_kg
    joints = {k: v for k, v in (("swollen_28", visit.swollen_28), ("tender_28", visit.tender_28))
              if v is not None}
    if joints:
        doc["joints"] = joints
    if visit.pga is not None:
        doc["pga"] = visit.pga
    doc["labs"] = [lab_input(lab) for lab in record.labs_in_window(visit)]
    doc["medications"] = [course_input(c) for c in record.courses_on(visit.date)]
    if visit.bilag_new_a is not None or visit.bilag_new_b is not None:
        doc["bilag"] = {k: v for k, v in (("new_a", visit.bilag_new_a), ("new_b", visit.bilag_new_b))
                        if v is not None}
    doc["damage"] = [damage_input(d) for d in record.damage_by(visit.date)]
    if with_previous:
        previous = record.previous_of(visit)
        if previous is not None:
            doc["previous"] = visit_document(previous, record, with_previous=False)
    return doc


# --- the safety rules' context --------------------------------------------------------------------
# Diary days loaded for red flags: more than any red-flag window a clinic would configure.
DIARY_LOOKBACK_DAYS = 90
# Courses loaded for the rules: anything stopped in the last ten years (washout windows, the
# cumulative cyclophosphamide history) or still running.
COURSE_LOOKBACK_DAYS = 3650
# The lab tests the rules read (``ctx.lab_history(...)`` in lupuscare.rules); loading only these
# keeps the seam fast on long records. tests/web_clinic/test_alerts.py checks the list against the
# rules' source, so a rule reading a new test fails that test until it is added here.
RULE_LAB_TESTS = ("upcr", "urine_protein_24h", "egfr", "platelets", "wbc", "neutrophils", "hemoglobin")
# Record routes the glucocorticoid conversion treats as systemic ("oral" is the rules' default).
_SYSTEMIC_ROUTES = {"oral": None, "iv": "iv", "sc": "sc", "im": "im"}


def _rule_lab(test: str, value: float, unit: str, collected_at: dt.datetime, tz) -> RuleLab | None:
    """A lab in its canonical unit (exact conversion: the rules compare at thresholds), or None
    when its unit does not convert (an assay-specific unit)."""
    if unit != units.CANONICAL_UNIT[test]:
        try:
            value = units.to_canonical(test, value, unit)
        except InputError:
            return None
    return RuleLab(test=test, value=value, date=collected_at.astimezone(tz).date())


def rule_course(row: MedicationCourse) -> RuleCourse:
    return RuleCourse(
        drug=row.drug,
        start=row.start,
        daily_dose_mg=row.daily_dose_mg if row.daily_dose_mg is not None else 0.0,
        stop=row.stop,
        pulse=row.pulse,
        route=_SYSTEMIC_ROUTES.get(row.route, row.route),
        washout_completed=row.washout_completed,
    )


def diary_red_flags(entries) -> list[DiaryRedFlag]:
    """The warning signs of diary entries, plus a reported fever (``FEVER_FROM_RATING``)."""
    flags = []
    for e in entries:
        flags.extend(DiaryRedFlag(flag=s, date=e.local_date) for s in e.warning_signs)
        if (e.symptoms or {}).get("fever", 0) >= FEVER_FROM_RATING:
            flags.append(DiaryRedFlag(flag="fever", date=e.local_date))
    return flags


def weight_date(patient: Patient) -> dt.date | None:
    """When the current weight was recorded: the first history row of the latest run of rows
    holding the current value (django-simple-history keeps every change of the patient). None
    when no weight is recorded."""
    if patient.weight_kg is None:
        return None
    tz = timezone.get_default_timezone()
    since = None
    for weight, at in (patient.history.order_by("-history_date", "-history_id")
                       .values_list("weight_kg", "history_date")[:200]):
        if weight != patient.weight_kg:
            break
        since = at
    return since.astimezone(tz).date() if since is not None else None


def cell_therapy_infusions(patient: Patient, today: dt.date) -> tuple[CellTherapyInfusion, ...]:
    """Every cell-therapy infusion the patient received up to ``today``, with its product kind
    (the programme's modality: msc, car_t, ...): the fever rule treats recipients as
    immunocompromised for a window after the infusion (``lupuscare.rules.exposure``)."""
    from lupuscare.web.celltherapy.models import Infusion

    tz = timezone.get_default_timezone()
    rows = (Infusion.objects.filter(enrolment__patient=patient)
            .values_list("enrolment__programme__modality", "started_at"))
    return tuple(sorted(
        (CellTherapyInfusion(product=modality, date=started.astimezone(tz).date())
         for modality, started in rows if started.astimezone(tz).date() <= today),
        key=lambda i: i.date))


def rule_context(patient: Patient, today: dt.date) -> PatientContext:
    """``patient``'s record as of ``today`` for ``lupuscare.rules.evaluate`` (eight queries,
    whatever the size of the record). The weight's date is when it was recorded
    (``weight_date``), so a weight older than the rules accept is flagged, not used."""
    from lupuscare.web.clinic.models import Contraception, EyeExam

    tz = timezone.get_default_timezone()
    labs = [
        lab for row in LabResult.objects.filter(patient=patient, test__in=RULE_LAB_TESTS)
        .values_list("test", "value", "unit", "collected_at")
        if (lab := _rule_lab(*row, tz)) is not None
    ]
    courses = [
        rule_course(row) for row in MedicationCourse.objects.filter(patient=patient, start__lte=today)
        .filter(Q(stop__isnull=True) | Q(stop__gte=today - dt.timedelta(days=COURSE_LOOKBACK_DAYS)))
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
        weight_date=weight_date(patient),
        can_become_pregnant=patient.can_become_pregnant,
        contraception_recorded=contraception,
        eye_exams=eye_exams,
        medications=tuple(courses),
        labs=tuple(labs),
        diary_red_flags=tuple(diary_red_flags(diary)),
        cell_therapy=cell_therapy_infusions(patient, today),
    )
