"""The account pages' forms: parse and check the shape of what was typed; ``services`` decides."""

from __future__ import annotations

from django import forms

from lupuscare.web.records.models import CareTeam

from .models import Role, User
from .services import AccountRefused


def add_refusal(form: forms.Form, refused: AccountRefused) -> None:
    """Put a service refusal on the form, each message under the field it names."""
    for field, message in refused.errors.items():
        form.add_error(None if field not in form.fields else field, message)


class InvitePatientForm(forms.Form):
    email = forms.EmailField(label="Patient's email address", max_length=254)


class InviteStaffForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in Role if r != Role.PATIENT])
    care_team = forms.ModelChoiceField(
        queryset=CareTeam.objects.all(), required=False,
        help_text="Clinicians only: the team whose patients they will see.")


class AcceptInvitationForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+\Z", max_length=150,
        error_messages={"invalid": "use letters, digits and @ . + - _ only"})
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False)
    agree = forms.BooleanField(
        label="I agree to the terms of use and to lupuscare keeping my health records",
        required=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "the two passwords differ")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
        help_text="The six digits your authenticator app shows, or one of your recovery codes.")


class SetupForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)  # signed: the page's own secret, unchanged
    code = forms.CharField(
        label="Code from the app", max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class MembershipForm(forms.Form):
    team = forms.ModelChoiceField(queryset=CareTeam.objects.all())
    clinician = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by("username"))
    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])
