"""One Django form per cell-therapy action. Forms parse and validate what was typed (types,
required fields, choices); the services decide everything clinical. A refused form is shown
again with its field errors and the input kept.

Several orders, lots and events share one page, so each form's element ids carry the action and
the object (``auto_id``) while the posted names stay plain (``consent_id``, ``lot``...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms

from lupuscare.celltherapy.adverse_events import Causality, Consciousness, Oxygen, Seriousness
from lupuscare.celltherapy.consent import Scope
from lupuscare.celltherapy.eligibility import BILAG_GRADES, CriteriaSet

BILAG_DOMAINS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
                 "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological")
CUSTODY_ACTIONS = ("labelled", "packed", "shipped", "received", "stored", "retrieved", "thawed",
                   "bedside_received", "returned", "destroyed")
DONOR_TESTS = (("anti_hiv_1_2", "anti-HIV-1/2"), ("anti_hcv", "anti-HCV"), ("hbsag", "HBsAg"),
               ("anti_hbc", "anti-HBc"), ("syphilis", "syphilis"),
               ("anti_htlv_1_2", "anti-HTLV-I/II"), ("nat_hiv", "NAT HIV"),
               ("nat_hbv", "NAT HBV"), ("nat_hcv", "NAT HCV"))
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]  # ISO only


def _day(label: str, required: bool = True) -> forms.DateField:
    """A date typed as YYYY-MM-DD only: "10/03/2026" would otherwise read as 3 October."""
    return forms.DateField(label=label, required=required, widget=DATE, input_formats=["%Y-%m-%d"])


def _choices(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def _moment(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=MOMENT,
                               input_formats=MOMENT_FORMATS)


def _password(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=False,
                           widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


class ActionForm(forms.Form):
    """Base of every action form: element ids unique per action and object on the page; an
    error from a service is put on the field it names (``field_map`` translates the service's
    names), else on the form."""

    action_name = ""
    field_map: dict[str, str] = {}

    def __init__(self, data=None, *, key: object = "new", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.action_name}_{key}_%s")
        super().__init__(data, **kwargs)

    def refuse(self, field: str, message: str) -> None:
        """Show a service's refusal (``InputError(field, message)``) on the right field."""
        target = self.field_map.get(field, field)
        if target not in self.fields:
            target = next((self.field_map[k] for k in self.field_map if field.startswith(k)),
                          None)
        self.add_error(target if target in self.fields else None, f"{field}: {message}")


class ReferralForm(ActionForm):
    action_name = "refer"
    programme = forms.ModelChoiceField(queryset=None, label="Programme", empty_label=None)
    referral_reason = forms.CharField(label="Referral reason",
                                      widget=forms.Textarea(attrs={"rows": 2}))
    field_map = {"patient": "programme"}

    def __init__(self, data=None, *, programmes, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["programme"].queryset = programmes


class OverrideRequestForm(ActionForm):
    action_name = "override"
    reason = forms.CharField(label="Override reason (physician)",
                             widget=forms.Textarea(attrs={"rows": 2}))


class CountersignForm(ActionForm):
    action_name = "countersign"
    second_signer_username = forms.CharField(label="Countersigning physician (username)",
                                             required=False)
    second_signer_password = _password("Countersigning physician's password")
    field_map = {"second_signer": "second_signer_username"}


class EligibilityForm(ActionForm):
    """The screening: the visit, BILAG-2004 grades, attested course failures, and one yes/no
    answer per non-lab question of the protocol (blank = not assessed)."""

    action_name = "eligibility"
    assessment = forms.ModelChoiceField(queryset=None, label="Screening visit", required=False,
                                        empty_label="(none)")
    failed_courses = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label="Courses with an inadequate response (clinician's attestation)")
    field_map = {"answers.": "__all__", "bilag.": "__all__"}

    def __init__(self, data=None, *, assessments, courses, criteria: CriteriaSet,
                 **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["assessment"].queryset = assessments
        self.fields["assessment"].label_from_instance = lambda a: a.date.isoformat()
        self.fields["failed_courses"].queryset = courses
        self.fields["failed_courses"].label_from_instance = (
            lambda c: f"{c.drug} {c.daily_dose_mg if c.daily_dose_mg is not None else ''} "
                      f"mg/d from {c.start}")
        for domain in BILAG_DOMAINS:
            self.fields[f"bilag_{domain}"] = forms.ChoiceField(
                label=f"BILAG {domain}", required=False,
                choices=[("", "")] + _choices(BILAG_GRADES))
        self.questions = criteria.questions
        for q in self.questions:
            choices = ([("no", "absent"), ("yes", "present")] if q.kind == "exclusion"
                       else [("yes", "yes"), ("no", "no")])
            self.fields[f"answer_{q.key}"] = forms.ChoiceField(
                label=f"{q.question} ({q.kind}; {q.source.certainty.value})", required=False,
                choices=choices, widget=forms.RadioSelect)

    @property
    def bilag_fields(self):
        return [self[f"bilag_{d}"] for d in BILAG_DOMAINS]

    @property
    def answer_fields(self):
        return [self[f"answer_{q.key}"] for q in self.questions]

    def bilag(self) -> dict[str, str] | None:
        grades = {d: self.cleaned_data[f"bilag_{d}"] for d in BILAG_DOMAINS
                  if self.cleaned_data.get(f"bilag_{d}")}
        return grades or None

    def answers(self) -> dict[str, bool]:
        """Answered questions only: an unanswered one stays out, and is 'not assessed'."""
        return {q.key: self.cleaned_data[f"answer_{q.key}"] == "yes" for q in self.questions
                if self.cleaned_data.get(f"answer_{q.key}")}


class ConsentForm(ActionForm):
    action_name = "consent"
    consent_id = forms.CharField(label="Consent document ID")
    form_version = forms.CharField(label="Form version signed")
    signed_on = _day("Signed on")
    signer = forms.CharField(label="Signed by")
    witness = forms.CharField(label="Witness", required=False)
    scopes = forms.MultipleChoiceField(label="Scopes", required=False,
                                       choices=_choices(s.value for s in Scope),
                                       widget=forms.CheckboxSelectMultiple)
    field_map = {"consent": "__all__"}


class WithdrawConsentForm(ActionForm):
    action_name = "withdraw"
    withdrawn_on = _day("Withdrawal date")


class LotForm(ActionForm):
    action_name = "lot"
    lot_number = forms.CharField(label="Lot number", max_length=64)
    collected_on = _day("Collected on")
    collection_site = forms.CharField(label="Collection site", max_length=200)
    passage = forms.IntegerField(label="Passage", required=False, min_value=0)
    donor_code = forms.CharField(label="Donor code", required=False, max_length=64)

    def __init__(self, data=None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for test, label in DONOR_TESTS:
            self.fields[f"donor_{test}"] = forms.CharField(label=label, required=False)

    @property
    def donor_fields(self):
        return [self[f"donor_{t}"] for t, _ in DONOR_TESTS]

    def donor_results(self) -> dict[str, str]:
        return {t: self.cleaned_data[f"donor_{t}"] for t, _ in DONOR_TESTS
                if self.cleaned_data.get(f"donor_{t}")}


class ResultForm(ActionForm):
    action_name = "result"
    attribute = forms.ChoiceField(label="Test")
    value = forms.CharField(label="Result value")

    def __init__(self, data=None, *, attributes: Sequence[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["attribute"].choices = _choices(attributes)


class LotStatusForm(ActionForm):
    """A status change; a release is signed by the QA releaser, an exceptional release also by
    the acknowledging physician, each with their own password, now."""

    action_name = "status"
    status = forms.ChoiceField(label="New lot status")
    reason = forms.CharField(label="Reason or justification", required=False)
    releaser_username = forms.CharField(label="QA releaser (username)", required=False)
    releaser_password = _password("QA releaser's password")
    acknowledged_by_username = forms.CharField(
        label="Acknowledging physician (exceptional release, username)", required=False)
    acknowledged_by_password = _password("Acknowledging physician's password")
    field_map = {"releaser": "releaser_username", "acknowledged_by": "acknowledged_by_username",
                 "evaluation": "status", "release_spec": "status"}

    def __init__(self, data=None, *, statuses: Sequence[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["status"].choices = _choices(statuses)


class CustodyForm(ActionForm):
    action_name = "custody"
    action = forms.ChoiceField(label="Custody action", choices=_choices(CUSTODY_ACTIONS))
    from_party = forms.CharField(label="From")
    to_party = forms.CharField(label="To")
    location = forms.CharField(label="Location")
    at = _moment("At")
    temperature_c = forms.FloatField(label="Temperature °C", required=False)
    shipper_id = forms.CharField(label="Shipper ID", required=False)


class PreInfusionCheckForm(ActionForm):
    """The bedside check before starting; the logged-in clinician is the first verifier and the
    second verifier signs in here (or an electronic scan is recorded)."""

    action_name = "precheck"
    lot = forms.ModelChoiceField(queryset=None, label="Lot to infuse", empty_label=None)
    weight_kg = forms.FloatField(label="Weight today (kg)", required=False)
    height_cm = forms.FloatField(label="Height (cm)", required=False)
    planned_cells = forms.FloatField(label="Viable cells in the bag")
    volume_ml = forms.FloatField(label="Volume to infuse (mL)", required=False)
    patient_identity_confirmed = forms.BooleanField(
        label="Patient identity confirmed (wristband and spoken)", required=False)
    patient_on_bag = forms.CharField(label="Patient identifier on bag", required=False)
    coi_on_bag = forms.CharField(label="Chain-of-identity on bag", required=False)
    lot_on_bag = forms.CharField(label="Lot number on bag", required=False)
    second_verifier_username = forms.CharField(label="Second verifier (username)",
                                               required=False)
    second_verifier_password = _password("Second verifier's password")
    electronic_scan = forms.BooleanField(label="Electronic scan instead of a second person",
                                         required=False)
    thaw_end = _moment("Thaw ended", required=False)
    planned_start = _moment("Planned start")
    field_map = {"identity_check.patient_identity_confirmed": "patient_identity_confirmed",
                 "identity_check.patient_on_bag": "patient_on_bag",
                 "identity_check.coi_on_bag": "coi_on_bag",
                 "identity_check.lot_on_bag": "lot_on_bag",
                 "identity_check.second_verifier": "second_verifier_username",
                 "second_verifier": "second_verifier_username",
                 "delivered_cells": "planned_cells", "infusion_start": "planned_start",
                 "lot_status": "lot", "endotoxin": "volume_ml"}

    def __init__(self, data=None, *, lots, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["lot"].queryset = lots
        self.fields["lot"].label_from_instance = lambda lot: lot.lot_number


class InfusionForm(ActionForm):
    """What was given. Recorded whatever it shows (deviations are flagged): from a cleared
    pre-infusion check, or, when none was done, naming the lot."""

    action_name = "infusion"
    pre_check = forms.ModelChoiceField(queryset=None, label="Cleared pre-infusion check",
                                       required=False, empty_label="(none: given without one)")
    lot = forms.ModelChoiceField(queryset=None, label="Lot given without a cleared check",
                                 required=False, empty_label="(the checked lot)")
    delivered_cells = forms.FloatField(label="Delivered viable cells")
    volume_ml = forms.FloatField(label="Volume infused (mL)", required=False)
    weight_kg = forms.FloatField(label="Weight when given without a check (kg)", required=False)
    height_cm = forms.FloatField(label="Height when given without a check (cm)", required=False)
    thaw_end = _moment("Thaw end, if given without a check", required=False)
    started_at = _moment("Infusion started")
    ended_at = _moment("Infusion ended")
    vitals_at = _moment("Vitals taken at", required=False)
    reaction_term = forms.CharField(label="Reaction term", required=False)
    reaction_at = _moment("Reaction at", required=False)
    reaction_grade = forms.IntegerField(label="Reaction CTCAE grade", required=False)
    field_map = {"vitals[0]": "vitals_at", "reactions[0].ctcae_grade": "reaction_grade",
                 "reactions[0]": "reaction_at"}

    def __init__(self, data=None, *, pre_checks, lots, vital_names: Sequence[str],
                 **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["pre_check"].queryset = pre_checks
        self.fields["pre_check"].label_from_instance = (
            lambda c: f"lot {c.lot.lot_number}, checked {c.checked_at:%Y-%m-%d %H:%M}")
        self.fields["lot"].queryset = lots
        self.fields["lot"].label_from_instance = lambda lot: lot.lot_number
        self.vital_names = tuple(vital_names)
        for name in self.vital_names:
            self.fields[f"vital_{name}"] = forms.FloatField(label=name, required=False)

    @property
    def vital_fields(self):
        return [self[f"vital_{n}"] for n in self.vital_names]

    def clean(self):
        data = super().clean()
        if not data.get("pre_check") and not data.get("lot"):
            self.add_error("lot", "choose the cleared check, or name the lot that was given")
        if data.get("reaction_term") and (data.get("reaction_at") is None
                                          or data.get("reaction_grade") is None):
            self.add_error("reaction_grade", "a reaction needs its time and CTCAE grade")
        return data

    def vitals(self) -> list[dict[str, Any]]:
        values = {n: self.cleaned_data[f"vital_{n}"] for n in self.vital_names
                  if self.cleaned_data.get(f"vital_{n}") is not None}
        at = self.cleaned_data.get("vitals_at")
        return [{"at": at, "values": values}] if at is not None else []

    def reactions(self) -> list[dict[str, Any]]:
        term = self.cleaned_data.get("reaction_term")
        if not term:
            return []
        return [{"at": self.cleaned_data["reaction_at"], "term": term,
                 "ctcae_grade": self.cleaned_data["reaction_grade"]}]


class DischargeForm(ActionForm):
    action_name = "discharge"

    def __init__(self, data=None, *, items: Sequence[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.items = tuple(items)
        for i, item in enumerate(self.items):
            self.fields[f"item_{i}"] = forms.BooleanField(label=item, required=False)

    def met(self) -> dict[str, bool]:
        return {item: bool(self.cleaned_data.get(f"item_{i}"))
                for i, item in enumerate(self.items)}


class VisitLinkForm(ActionForm):
    action_name = "visit"
    label = forms.ChoiceField(label="Planned visit")
    assessment = forms.ModelChoiceField(queryset=None, label="Clinic visit", empty_label=None)
    field_map = {"visit": "label"}

    def __init__(self, data=None, *, labels: Sequence[str], assessments, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["label"].choices = _choices(labels)
        self.fields["assessment"].queryset = assessments
        self.fields["assessment"].label_from_instance = lambda a: a.date.isoformat()


class EndpointForm(ActionForm):
    action_name = "endpoint"
    label = forms.ChoiceField(label="Endpoint at visit")
    field_map = {"visit": "label"}

    def __init__(self, data=None, *, labels: Sequence[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["label"].choices = _choices(labels)


class AdverseEventForm(ActionForm):
    action_name = "ae"
    term = forms.CharField(label="Event term", max_length=200)
    onset = _day("Onset")
    ctcae_grade = forms.IntegerField(label="CTCAE v5 grade")
    seriousness = forms.MultipleChoiceField(
        label="Seriousness (ICH E2A)", required=False, widget=forms.CheckboxSelectMultiple,
        choices=_choices(s.value for s in Seriousness))
    causality = forms.ChoiceField(label="Causality", choices=_choices(c.value for c in Causality))
    expected = forms.BooleanField(
        label="Expected (listed in the IB / reference safety information)", required=False)
    sponsor_first_knowledge = _day("Sponsor first knowledge", required=False)
    crs_max_temperature_c = forms.FloatField(label="Max temperature °C", required=False)
    crs_hypotension = forms.BooleanField(label="Hypotension", required=False)
    crs_vasopressors = forms.CharField(label="Vasopressors (comma-separated)", required=False)
    crs_oxygen = forms.ChoiceField(label="Oxygen", required=False,
                                   choices=_choices(o.value for o in Oxygen))
    crs_nasal_cannula_l_min = forms.FloatField(label="Nasal cannula L/min", required=False)
    crs_treated = forms.BooleanField(label="Antipyretic or anti-cytokine given", required=False)
    ice_orientation = forms.IntegerField(label="Orientation (0-4)", required=False)
    ice_naming = forms.IntegerField(label="Naming (0-3)", required=False)
    ice_commands = forms.IntegerField(label="Commands (0-1)", required=False)
    ice_writing = forms.IntegerField(label="Writing (0-1)", required=False)
    ice_attention = forms.IntegerField(label="Attention (0-1)", required=False)
    icans_consciousness = forms.ChoiceField(label="Consciousness", required=False,
                                            choices=_choices(c.value for c in Consciousness))
    ICE = ("orientation", "naming", "commands", "writing", "attention")
    field_map = {"crs.": "crs_max_temperature_c", "icans.": "ice_orientation",
                 "max_temperature_c": "crs_max_temperature_c",
                 "nasal_cannula_l_min": "crs_nasal_cannula_l_min"}

    def crs(self) -> dict[str, Any] | None:
        d = self.cleaned_data
        if d.get("crs_max_temperature_c") is None and not d.get("crs_hypotension"):
            return None
        return {"max_temperature_c": d.get("crs_max_temperature_c"),
                "hypotension": bool(d.get("crs_hypotension")),
                "vasopressors": [v.strip() for v in (d.get("crs_vasopressors") or "").split(",")
                                 if v.strip()],
                "oxygen": d.get("crs_oxygen") or "none",
                "nasal_cannula_l_min": d.get("crs_nasal_cannula_l_min"),
                "treated": bool(d.get("crs_treated"))}

    def icans(self) -> dict[str, Any] | None:
        d = self.cleaned_data
        if d.get("ice_orientation") is None:
            return None
        return {**{k: d.get(f"ice_{k}") for k in self.ICE},
                "consciousness": d.get("icans_consciousness") or "normal"}

    def clean(self):
        data = super().clean()
        if data.get("ice_orientation") is not None:
            for k in self.ICE:
                if data.get(f"ice_{k}") is None:
                    self.add_error(f"ice_{k}", "every ICE item is needed for the ICE score")
        return data


class ReportSubmittedForm(ActionForm):
    action_name = "submitted"
    submitted_on = _day("Report submitted on")


class ResolveForm(ActionForm):
    action_name = "resolve"
    resolved_on = _day("Resolved on")


class CarTSpecForm(ActionForm):
    action_name = "spec"
    version = forms.CharField(label="Specification version", max_length=50)
    car_positive_min_pct = forms.FloatField(label="CAR+ cells minimum (%)")
    viability_min_pct = forms.FloatField(label="Viability minimum (%)")
    vcn_max_copies_per_cell = forms.FloatField(label="Vector copy number maximum (copies/cell)")
    rcl_required = forms.BooleanField(label="RCL result required before release",
                                      required=False)
    field_map = {"entered_by": "__all__"}
