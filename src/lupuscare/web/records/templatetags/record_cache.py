"""``{% record_marker patient as marker %}``: the key under which the record page's tables are
cached between writes (``records.revision``); the day is part of it (current medicines)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from lupuscare.web.records.models import Assessment, LabResult, MedicationCourse, Patient
from lupuscare.web.records.revision import write_marker

register = template.Library()

RECORD_SOURCES = (Assessment, LabResult, MedicationCourse)


@register.simple_tag
def record_marker(patient: Patient) -> str:
    return f"{timezone.localdate().isoformat()}|{write_marker(patient.pk, RECORD_SOURCES)}"
