"""Forms of the clinician workspace. Every error names its field; nothing is saved on error."""

from __future__ import annotations

from django import forms

from lupuscare.clinical import joints
from lupuscare.clinical.vocabulary import DOMAINS, DRUGS, FINDINGS
from lupuscare.instruments import biopsy as biopsy_instrument
from lupuscare.instruments.classification_vocabulary import CRITERIA
from lupuscare.instruments.pga import PGA_ANCHORS  # noqa: F401  (the visit form's slider)
from lupuscare.instruments.sdi_items import ITEMS as SDI_ITEMS
from lupuscare.web.records.forms import LabResultForm
from lupuscare.web.records.models import (
    DamageItem,
    MedicationCourse,
    Patient,
)
from lupuscare.web.records.models.clinical import BILAG_DOMAINS, PGA_MAX, WINDOW_DAYS_CHOICES

from .models import Biopsy, Contraception, EyeExam

FINDING_CHOICES = [(name, name.replace("_", " ")) for name in FINDINGS]
JOINT_CHOICES = [(j.name, j.label) for j in joints.JOINTS]


class PatientRecordForm(forms.ModelForm):
    """A record of one patient's, bound to that patient. The form parses; the record's service
    (``lupuscare.web.records.services``) checks dates, plausibility and the rest, for every door
    alike, and its refusals come back onto the fields (``add_errors``)."""

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.instance.patient = patient


class VisitForm(forms.Form):
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

    def visit_fields(self) -> dict:
        """What ``services.record_visit`` takes, from the cleaned data (after ``is_valid``)."""
        d = self.cleaned_data
        return {
            "date": d["date"], "window_days": d["window_days"],
            "findings": list(d.get("findings") or []),
            "not_attributable": list(d.get("not_attributable") or []),
            "swollen": list(d.get("swollen") or []), "tender": list(d.get("tender") or []),
            "pga": d.get("pga"), "bilag_new_a": d.get("bilag_new_a"),
            "bilag_new_b": d.get("bilag_new_b"), "notes": d.get("notes") or "",
        }


class ClinicLabForm(LabResultForm):
    """The records lab form, bound to the patient (``services.record_lab`` checks the rest)."""

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.instance.patient = patient


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file (test, value, unit, low, high, collected_at)")


class MedicationForm(PatientRecordForm):
    drug = forms.ChoiceField(choices=[(d, d.replace("_", " ")) for d in sorted(DRUGS)])

    class Meta:
        model = MedicationCourse
        fields = ["drug", "daily_dose_mg", "schedule", "route", "pulse", "start", "stop", "reason",
                  "tolerated", "investigational", "washout_completed"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}),
                   "stop": forms.DateInput(attrs={"type": "date"}),
                   "washout_completed": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"daily_dose_mg": "Scheduled mean daily dose (alternate-day and weekly "
                                       "schedules averaged); IV pulses are not folded in."}


class DoseChangeForm(forms.Form):
    """A new dose from a date: the running course stops the day before, a new one starts
    (``services.change_dose`` checks the date against the course)."""

    daily_dose_mg = forms.FloatField(min_value=0.0, label="New daily dose (mg)")
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, patient: Patient, course: MedicationCourse, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient, self.course = patient, course


class StopCourseForm(forms.Form):
    """Stop a running course on a day (its last day taken)."""

    stop = forms.DateField(label="Last day taken", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(required=False, max_length=150, label="Why (optional)")

    def __init__(self, *args, patient: Patient, course: MedicationCourse, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient, self.course = patient, course


class RetractForm(forms.Form):
    """Retract a record entered in error: the reason is required and kept with the record."""

    reason = forms.CharField(max_length=300, label="Why is this record withdrawn? (required)",
                             widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionForm:
    """A record's own form plus the reason for the correction (kept in the record's history)."""

    _made: dict = {}

    @classmethod
    def for_(cls, form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
        if form_class not in cls._made:
            cls._made[form_class] = type(f"Correct{form_class.__name__}", (form_class,), {
                "correction_reason": forms.CharField(
                    max_length=100, label="Reason for the correction (required)"),
            })
        return cls._made[form_class]


class DamageForm(PatientRecordForm):
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
        return self._grades(self.cleaned_data, group)

    @staticmethod
    def _grades(data: dict, group: str) -> dict[str, int]:
        prefix = f"{group}__"
        return {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}

    @classmethod
    def split(cls, data: dict) -> dict:
        """What ``services.record_biopsy`` takes, from the cleaned data."""
        return {"date": data["date"], "isn_rps_class": data["isn_rps_class"],
                "revision": data["revision"], "notes": data.get("notes") or "",
                "activity": cls._grades(data, "activity"),
                "chronicity": cls._grades(data, "chronicity")}


class EyeExamForm(PatientRecordForm):
    class Meta:
        model = EyeExam
        fields = ["date", "notes"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class ContraceptionForm(PatientRecordForm):
    class Meta:
        model = Contraception
        fields = ["method", "start", "stop"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}),
                   "stop": forms.DateInput(attrs={"type": "date"})}


class ClassificationForm(forms.Form):
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


class AcknowledgeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
        label="Reason (required)",
        error_messages={"required": "say why this alert can be set aside"},
    )
