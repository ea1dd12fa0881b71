"""Forms of the patient companion. Every field names itself in its errors (the label), and a
form that fails saves nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError

from lupuscare.clinical.diary import SYMPTOM_SCALE, SYMPTOMS, TRIGGERS, WARNING_SIGNS
from lupuscare.web.records.validators import validate_time_zone

from .checkin import local_today
from .medicines import SideEffect
from .models import DoseStatus
from .photos import PhotoError, check_photo

YES_NO = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]
_LOW, _HIGH = SYMPTOM_SCALE


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(available_timezones()) if "/" in z or z == "UTC"]


class CheckinForm(forms.Form):
    """The one-minute check-in. Fields: ``local_date``, ``time_zone``, ``symptom_<name>``,
    ``sign_<name>``, ``trigger_<name>``, ``notes``, ``photo``, ``photo_caption``."""

    local_date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    time_zone = forms.ChoiceField(label="Your time zone", choices=_time_zone_choices,
                                  validators=[validate_time_zone])
    notes = forms.CharField(label="Notes", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label="Photo of a rash or a joint (optional)", required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp",
                                                                   "capture": "environment"}))
    photo_caption = forms.CharField(label="What the photo shows", required=False, max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in SYMPTOMS.items():
            self.fields[f"symptom_{name}"] = forms.IntegerField(
                label=label, required=False, min_value=_LOW, max_value=_HIGH,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": _LOW, "max": _HIGH}),
                help_text=f"{_LOW} = none, {_HIGH} = worst",
            )
        for name, label in WARNING_SIGNS.items():
            self.fields[f"sign_{name}"] = forms.BooleanField(label=label, required=False)
        for name, t in TRIGGERS.items():
            key = f"trigger_{name}"
            if t.kind == "boolean":
                self.fields[key] = forms.ChoiceField(label=t.label, choices=YES_NO, required=False)
            elif t.kind == "hours":
                self.fields[key] = forms.FloatField(
                    label=t.label, required=False, min_value=t.low, max_value=t.high,
                    widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
            else:
                self.fields[key] = forms.IntegerField(
                    label=t.label, required=False, min_value=int(t.low), max_value=int(t.high),
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
        self.checked_photo = None

    def symptom_fields(self):
        return [self[f"symptom_{n}"] for n in SYMPTOMS]

    def sign_fields(self):
        return [self[f"sign_{n}"] for n in WARNING_SIGNS]

    def trigger_fields(self):
        return [self[f"trigger_{n}"] for n in TRIGGERS]

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        # Read at most one byte past the limit: a huge upload is refused without reading it all.
        from .photos import MAX_PHOTO_BYTES

        raw = upload.read(MAX_PHOTO_BYTES + 1)
        try:
            self.checked_photo = check_photo(raw)
        except PhotoError as exc:
            raise ValidationError(f"Photo: {exc}.", code="photo") from exc
        return upload

    def clean(self):
        data = super().clean()
        day, tz = data.get("local_date"), data.get("time_zone")
        if day is not None and tz:
            today = local_today(tz)
            if day > today:
                self.add_error("local_date", f"Day: {day:%d %B %Y} is in the future (today is "
                                             f"{today:%d %B %Y} in {tz}).")
        return data

    def values(self) -> dict:
        """The cleaned check-in as the ``DiaryEntry`` stores it (unanswered items left out)."""
        d = self.cleaned_data
        symptoms = {n: d[f"symptom_{n}"] for n in SYMPTOMS if d.get(f"symptom_{n}") is not None}
        signs = [n for n in WARNING_SIGNS if d.get(f"sign_{n}")]
        triggers = {}
        for name, t in TRIGGERS.items():
            v = d.get(f"trigger_{name}")
            if v in (None, ""):
                continue
            triggers[name] = (v == "yes") if t.kind == "boolean" else v
        return {"time_zone": d["time_zone"], "symptoms": symptoms, "warning_signs": signs,
                "triggers": triggers, "notes": d.get("notes", "")}


class DayForm(forms.Form):
    """Pick another day (a late entry, or editing an earlier one)."""

    date = forms.DateField(label="Another day", widget=forms.DateInput(attrs={"type": "date"}))


class DoseForm(forms.Form):
    """Taken or skipped for one course on one day, with side effects."""

    course = forms.IntegerField(widget=forms.HiddenInput)
    local_date = forms.DateField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Today", choices=DoseStatus.choices,
                               widget=forms.RadioSelect)
    side_effects = forms.MultipleChoiceField(label="Side effects you noticed", required=False,
                                             widget=forms.CheckboxSelectMultiple)
    other_side_effect = forms.CharField(label="Other side effect", required=False, max_length=300)

    def __init__(self, *args, side_effects: tuple[SideEffect, ...] = (), today: dt.date | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["side_effects"].choices = [(s.name, s.label) for s in side_effects]
        self.today = today

    def clean_local_date(self):
        day = self.cleaned_data["local_date"]
        if self.today is not None and day > self.today:
            raise ValidationError("Day: this day is in the future.", code="future")
        return day


class DeleteAccountForm(forms.Form):
    """Deleting the account asks for the password as well: a session left open on a shared
    computer is not enough to erase someone's diary. A wrong password counts as a failed login
    (django-axes locks the account after too many)."""

    confirm = forms.CharField(label='Type DELETE to confirm', max_length=10)
    password = forms.CharField(label="Your password", strip=False, max_length=4096,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, request=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        from django.contrib.auth import authenticate

        password = self.cleaned_data["password"]
        user = getattr(self.request, "user", None)
        if self.request is None or user is None or not user.is_authenticated:
            raise ValidationError("Password: sign in again to delete your account.")
        if authenticate(self.request, username=user.get_username(), password=password) is None:
            raise ValidationError("Password: this is not your password; nothing was deleted.")
        return password

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value != "DELETE":
            raise ValidationError('Confirmation: type the word DELETE in capitals to confirm.')
        return value
