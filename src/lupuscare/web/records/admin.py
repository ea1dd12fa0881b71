"""The Django admin for administrators: every record with its history; the audit log read-only."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import audit
from .models import (
    Assessment,
    AuditAction,
    AuditEvent,
    CareTeam,
    DamageItem,
    DiaryEntry,
    LabResult,
    MedicationCourse,
    Patient,
)


def _patient_id_of(obj) -> int | None:
    return obj.pk if isinstance(obj, Patient) else getattr(obj, "patient_id", None)


class AuditedHistoryAdmin(SimpleHistoryAdmin):
    """Opening a patient's record, its history or a list of records in the admin is a read of
    patient data. A list page's audit row names every patient on the page."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if response else None
        if changelist is not None:  # not a redirect after a bulk action or an error page
            shown = {_patient_id_of(obj) for obj in changelist.result_list}
            audit.record(request, None, patient_ids=sorted(i for i in shown if i is not None))
        return response

    def _audit(self, request, object_id) -> None:
        obj = self.get_object(request, object_id)
        if obj is not None:
            patient = obj if isinstance(obj, Patient) else getattr(obj, "patient", None)
            audit.record(request, patient, obj=obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._audit(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._audit(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        patient = obj if isinstance(obj, Patient) else getattr(obj, "patient", None)
        audit.record(request, patient, AuditAction.UPDATE if change else AuditAction.CREATE, obj)

    def delete_model(self, request, obj):
        patient = obj if isinstance(obj, Patient) else getattr(obj, "patient", None)
        audit.record(request, patient, AuditAction.DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(CareTeam)
class CareTeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "created_at"]
    filter_horizontal = ["members"]
    search_fields = ["name"]


@admin.register(Patient)
class PatientAdmin(AuditedHistoryAdmin):
    list_display = ["identifier", "family_name", "given_name", "birth_date", "sex", "care_team"]
    list_select_related = ["care_team"]
    list_filter = ["care_team", "sex"]
    search_fields = ["identifier", "family_name", "given_name"]
    raw_id_fields = ["user"]


class PatientRecordAdmin(AuditedHistoryAdmin):
    list_select_related = ["patient"]
    raw_id_fields = ["patient"]
    search_fields = ["patient__identifier", "patient__family_name"]


@admin.register(Assessment)
class AssessmentAdmin(PatientRecordAdmin):
    list_display = ["patient", "date", "window_days", "pga", "clinician"]
    raw_id_fields = ["patient", "clinician"]
    date_hierarchy = "date"


@admin.register(LabResult)
class LabResultAdmin(PatientRecordAdmin):
    list_display = ["patient", "test", "value", "unit", "collected_at", "source"]
    list_filter = ["test", "source"]


@admin.register(MedicationCourse)
class MedicationCourseAdmin(PatientRecordAdmin):
    list_display = ["patient", "drug", "daily_dose_mg", "schedule", "start", "stop"]
    list_filter = ["drug", "investigational"]


@admin.register(DiaryEntry)
class DiaryEntryAdmin(PatientRecordAdmin):
    list_display = ["patient", "local_date", "time_zone"]


@admin.register(DamageItem)
class DamageItemAdmin(PatientRecordAdmin):
    list_display = ["patient", "item", "onset", "count"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only: administrators read it, nobody adds, changes or deletes through the admin."""

    list_display = ["at", "username", "action", "patient_id", "path", "ip"]
    list_filter = ["action"]
    search_fields = ["username", "path", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
