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
