"""Forms for recording clinical data; every field is validated by its model's validators."""

from __future__ import annotations

from django import forms

from .models import LabResult


class LabResultForm(forms.ModelForm):
    class Meta:
        model = LabResult
        fields = ["test", "loinc", "value", "unit", "low", "high", "collected_at"]
        widgets = {"collected_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}
        help_texts = {"low": "Reference limits in the same unit as the value."}


def add_errors(form: forms.BaseForm, exc) -> None:
    """Put a service's refusal (``services.RecordInvalid``) on the form: each message on its
    field when the form has it, otherwise at the top naming the field."""
    for field, messages in exc.errors.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            elif field == "__all__":
                form.add_error(None, message)
            else:
                form.add_error(None, f"{field}: {message}")
