"""Forms of the clinician workspace. Every error names its field; nothing is saved on error."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from lupuscare.clinical import limits
from lupuscare.clinical.vocabulary import DOMAINS, DRUGS, FINDINGS
from lupuscare.instruments import biopsy as biopsy_instrument
from lupuscare.instruments.classification_vocabulary import CRITERIA
from lupuscare.instruments.sdi_items import ITEMS as SDI_ITEMS
from lupuscare.web.records.forms import LabResultForm
from lupuscare.web.records.models import (
    Assessment,
    DamageItem,
    MedicationCourse,
    Patient,
)
from lupuscare.web.records.models.clinical import BILAG_DOMAINS, PGA_MAX, WINDOW_DAYS_CHOICES

from . import joints
from .models import Biopsy, Contraception, EyeExam

# PGA anchors of the SELENA 0-3 visual analogue scale (clinical-instruments.md section 3).
PGA_ANCHORS = ((0, "none"), (1, "mild"), (2, "moderate"), (3, "severe"))
FINDING_CHOICES = [(name, name.replace("_", " ")) for name in FINDINGS]
JOINT_CHOICES = [(j.name, j.label) for j in joints.JOINTS]


class PatientDatesMixin:
    """Dates of clinical events: not in the future, not before the patient was born."""

    patient: Patient

    def _check_day(self, field: str, day: dt.date | None) -> None:
        if day is None:
            return
        problem = limits.clinical_date_error(day, self.patient.birth_date, timezone.localdate())
        if problem:
            self.add_error(field, problem)


class PatientRecordForm(PatientDatesMixin, forms.ModelForm):
    """A record of one patient's: bound to that patient, its event date checked (``event_date``)."""

    event_date: str

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.instance.patient = patient

    def clean(self):
        data = super().clean()
        self._check_day(self.event_date, data.get(self.event_date))
        return data


class VisitForm(PatientDatesMixin, forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    window_days = forms.TypedChoiceField(
        choices=WINDOW_DAYS_CHOICES, coerce=int, initial=10, label="SLEDAI-2K window"
    )
    findings = forms.MultipleChoiceField(
        choices=FINDING_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    not_attributable = forms.MultipleChoiceField(
        choices=FINDING_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        label="Not attributable to SLE (infection, drug, damage)",
    )
    swollen = forms.MultipleChoiceField(choices=JOINT_CHOICES, required=False)
    tender = forms.MultipleChoiceField(choices=JOINT_CHOICES, required=False)
    pga = forms.FloatField(
        min_value=0.0, max_value=PGA_MAX, required=False, label="Physician Global Assessment (0-3)"
    )
    # BILAG-2004 new A / new B organ domains (the SRI's "no new BILAG A, at most one new B");
    # the limit is the model's (records.models.clinical.BILAG_DOMAINS, nine domains).
    bilag_new_a = forms.IntegerField(min_value=0, max_value=BILAG_DOMAINS, required=False,
                                     label="BILAG-2004 new A domains")
    bilag_new_b = forms.IntegerField(min_value=0, max_value=BILAG_DOMAINS, required=False,
                                     label="BILAG-2004 new B domains")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean(self):
        data = super().clean()
        self._check_day("date", data.get("date"))
        both = set(data.get("findings") or []) & set(data.get("not_attributable") or [])
        if both:
            self.add_error("not_attributable", f"also ticked as findings: {', '.join(sorted(both))}")
        return data

    def grouped_findings(self) -> list[tuple[str, list]]:
        """(domain, [(finding, definition, ticked, not_attributable)]) in vocabulary order."""
        ticked = set(self._value("findings"))
        excluded = set(self._value("not_attributable"))
        return [
            (domain.replace("_", " ").capitalize(), [
                (f.name, f.definition, f.name in ticked, f.name in excluded)
                for f in FINDINGS.values() if f.domain == domain
            ])
            for domain in DOMAINS
        ]

    def joint_rows(self) -> dict[str, list]:
        swollen, tender = set(self._value("swollen")), set(self._value("tender"))
        rows: dict[str, list] = {}
        for j in joints.JOINTS:
            rows.setdefault(f"{j.side}_{j.region}", []).append(
                (j.name, j.label, j.name in swollen, j.name in tender))
        return rows

    def _value(self, name: str) -> list[str]:
        if self.is_bound:
            return self.data.getlist(name) if hasattr(self.data, "getlist") else self.data.get(name, [])
        return list(self.initial.get(name, []))

    def to_assessment(self, clinician=None) -> Assessment:
        """An unsaved ``Assessment`` from the cleaned data (call after ``is_valid``)."""
        d = self.cleaned_data
        return Assessment(
            patient=self.patient, date=d["date"], window_days=d["window_days"],
            findings=list(d.get("findings") or []), not_attributable=list(d.get("not_attributable") or []),
            swollen_28=joints.count(d.get("swollen") or []),
            tender_28=joints.count(d.get("tender") or []),
            pga=d.get("pga"), bilag_new_a=d.get("bilag_new_a"), bilag_new_b=d.get("bilag_new_b"),
            notes=d.get("notes") or "", clinician=clinician,
        )


class ClinicLabForm(PatientDatesMixin, LabResultForm):
    """The records lab form plus plausibility limits and dates within the patient's life."""

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.instance.patient = patient

    def clean(self):
        data = super().clean()
        test, value, unit = data.get("test"), data.get("value"), data.get("unit")
        if test and value is not None and unit and "unit" not in self.errors:
            problem = limits.lab_value_error(test, value, unit)
            if problem:
                self.add_error("value", problem)
        collected = data.get("collected_at")
        if collected is not None:
            self._check_day("collected_at", timezone.localtime(collected).date())
        return data


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file (test, value, unit, low, high, collected_at)")


class MedicationForm(PatientRecordForm):
    event_date = "start"

    drug = forms.ChoiceField(choices=[(d, d.replace("_", " ")) for d in sorted(DRUGS)])

    class Meta:
        model = MedicationCourse
        fields = ["drug", "daily_dose_mg", "schedule", "route", "pulse", "start", "stop", "reason",
                  "tolerated", "investigational"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}),
                   "stop": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"daily_dose_mg": "Scheduled mean daily dose (alternate-day and weekly "
                                       "schedules averaged); IV pulses are not folded in."}


class DoseChangeForm(PatientDatesMixin, forms.Form):
    """A new dose from a date: the running course stops the day before, a new one starts."""

    daily_dose_mg = forms.FloatField(min_value=0.0, label="New daily dose (mg)")
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, patient: Patient, course: MedicationCourse, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient, self.course = patient, course

    def clean(self):
        data = super().clean()
        start = data.get("start")
        self._check_day("start", start)
        if start is not None and start <= self.course.start:
            self.add_error("start", f"must be after the course start ({self.course.start.isoformat()})")
        if self.course.stop is not None:
            self.add_error(None, "this course has stopped; record a new course instead")
        return data


class DamageForm(PatientRecordForm):
    event_date = "onset"

    item = forms.ChoiceField(
        choices=[(name, f"{item.domain}: {item.description}") for name, item in SDI_ITEMS.items()],
        label="SDI item",
    )

    class Meta:
        model = DamageItem
        fields = ["item", "onset", "count", "notes"]
        widgets = {"onset": forms.DateInput(attrs={"type": "date"})}


GRADE_CHOICES = [(g, str(g)) for g in range(biopsy_instrument.MAX_GRADE + 1)]


class BiopsyForm(PatientRecordForm):
    event_date = "date"

    class Meta:
        model = Biopsy
        fields = ["date", "isn_rps_class", "revision", "notes"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}),
                   "revision": forms.Select(choices=[(r, r) for r in biopsy_instrument.REVISIONS])}

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, patient=patient, **kwargs)
        for group, features in (("activity", biopsy_instrument.ACTIVITY_FEATURES),
                                ("chronicity", biopsy_instrument.CHRONICITY_FEATURES)):
            for feature in features:
                self.fields[f"{group}__{feature}"] = forms.TypedChoiceField(
                    choices=GRADE_CHOICES, coerce=int, initial=0,
                    label=f"{feature.replace('_', ' ')} (grade 0-3)",
                )

    def grades(self, group: str) -> dict[str, int]:
        prefix = f"{group}__"
        return {k[len(prefix):]: v for k, v in self.cleaned_data.items() if k.startswith(prefix)}


class EyeExamForm(PatientRecordForm):
    event_date = "date"

    class Meta:
        model = EyeExam
        fields = ["date", "notes"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class ContraceptionForm(PatientRecordForm):
    event_date = "start"

    class Meta:
        model = Contraception
        fields = ["method", "start", "stop"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}),
                   "stop": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        if data.get("stop") and data.get("start") and data["stop"] < data["start"]:
            self.add_error("stop", "cannot be before start")
        return data


class ClassificationForm(PatientDatesMixin, forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ana_titer = forms.IntegerField(
        min_value=0, max_value=100_000, required=False,
        label="Highest ANA titre (reciprocal, e.g. 160 for 1:160)",
    )
    criteria = forms.MultipleChoiceField(
        choices=sorted(CRITERIA.items()), required=False, widget=forms.CheckboxSelectMultiple,
        label="Criteria ever present",
    )
    not_attributable = forms.MultipleChoiceField(
        choices=sorted(CRITERIA.items()), required=False, widget=forms.CheckboxSelectMultiple,
        label="Better explained by something else",
    )

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean(self):
        data = super().clean()
        self._check_day("date", data.get("date"))
        return data


class AcknowledgeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
        label="Reason (required)",
        error_messages={"required": "say why this alert can be set aside"},
    )
