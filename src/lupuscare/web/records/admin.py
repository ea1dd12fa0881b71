"""The Django admin for administrators: every record with its history; the audit log read-only."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import audit, services
from .forms import add_errors
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

    def has_delete_permission(self, request, obj=None):
        """Clinical data is retracted with a reason (the clinic pages and the API), never
        deleted, not even by an administrator."""
        return False


class ServiceAdmin(AuditedHistoryAdmin):
    """A clinical record changed in the admin goes through the same service as every other
    door: the form shows the service's refusals on its fields, and saving re-scores, refreshes
    alerts and audits. Subclasses name the service functions."""

    def validate(self, obj) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def create(self, actor, obj, fields: dict):  # pragma: no cover
        raise NotImplementedError

    def amend(self, actor, obj, changes: dict):  # pragma: no cover
        raise NotImplementedError

    def get_readonly_fields(self, request, obj=None):
        """A record stays with its patient: a record of the wrong patient is retracted and
        entered again, so both patients' histories say what happened."""
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "patient"] if obj is not None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        admin_ = self

        class Validated(base):
            def _post_clean(self):
                super()._post_clean()
                if not self.errors and getattr(self.instance, "patient_id", None):
                    try:
                        admin_.validate(self.instance)
                    except services.RecordInvalid as exc:
                        add_errors(self, exc)

        return Validated

    def save_model(self, request, obj, form, change):
        actor = services.Actor.from_request(request, "admin")
        if change:
            self.amend(actor, obj, {f: getattr(obj, f) for f in form.changed_data})
        else:
            fields = {f: getattr(obj, f) for f in form.base_fields if f != "patient"}
            obj.pk = self.create(actor, obj, fields).pk


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

    def save_model(self, request, obj, form, change):
        """A change of weight, sex or birth date re-scores the patient's visits
        (``services.update_patient``); a new patient has nothing to re-score."""
        if not change:
            return super().save_model(request, obj, form, change)
        services.update_patient(services.Actor.from_request(request, "admin"), obj,
                                reason="changed in the admin",
                                **{f: getattr(obj, f) for f in form.changed_data})


class PatientRecordAdmin(ServiceAdmin):
    list_select_related = ["patient"]
    raw_id_fields = ["patient"]
    search_fields = ["patient__identifier", "patient__family_name"]


class RetractableAdmin(PatientRecordAdmin):
    """Administrators see retracted rows too (marked), read-only in their retraction."""

    readonly_fields = ["retracted_at", "retracted_by", "retraction_reason"]

    def get_queryset(self, request):
        return self.model.all_objects.select_related("patient")


REASON = "changed in the admin"


@admin.register(Assessment)
class AssessmentAdmin(PatientRecordAdmin):
    list_display = ["patient", "date", "window_days", "pga", "clinician"]
    raw_id_fields = ["patient", "clinician"]
    date_hierarchy = "date"

    def validate(self, obj):
        services.validation.validate_visit(obj)

    def create(self, actor, obj, fields):
        return services.record_visit(actor, obj.patient, **fields)

    def amend(self, actor, obj, changes):
        changes.pop("clinician", None)
        return services.amend_visit(actor, obj, reason=REASON, **changes)


@admin.register(LabResult)
class LabResultAdmin(RetractableAdmin):
    list_display = ["patient", "test", "value", "unit", "collected_at", "source", "retracted_at"]
    list_filter = ["test", "source"]

    def validate(self, obj):
        services.validation.validate_lab(obj)

    def create(self, actor, obj, fields):
        return services.record_lab(actor, obj.patient, **fields)

    def amend(self, actor, obj, changes):
        changes.pop("source", None)
        return services.amend_lab(actor, obj, reason=REASON, **changes)


@admin.register(MedicationCourse)
class MedicationCourseAdmin(RetractableAdmin):
    list_display = ["patient", "drug", "daily_dose_mg", "schedule", "start", "stop", "retracted_at"]
    list_filter = ["drug", "investigational"]

    def validate(self, obj):
        services.validation.validate_course(obj)

    def create(self, actor, obj, fields):
        return services.start_medication(actor, obj.patient, **fields)

    def amend(self, actor, obj, changes):
        return services.amend_medication(actor, obj, reason=REASON, **changes)


@admin.register(DiaryEntry)
class DiaryEntryAdmin(PatientRecordAdmin):
    list_display = ["patient", "local_date", "time_zone"]

    def validate(self, obj):
        services.validation.validate_diary_entry(obj)

    def _save(self, actor, obj):
        entry, _ = services.record_diary_entry(
            actor, obj.patient, obj.local_date, time_zone=obj.time_zone, symptoms=obj.symptoms,
            warning_signs=obj.warning_signs, triggers=obj.triggers, notes=obj.notes)
        return entry

    def create(self, actor, obj, fields):
        return self._save(actor, obj)

    def amend(self, actor, obj, changes):
        return self._save(actor, obj)


@admin.register(DamageItem)
class DamageItemAdmin(RetractableAdmin):
    list_display = ["patient", "item", "onset", "count", "retracted_at"]

    def validate(self, obj):
        services.validation.validate_damage(obj)

    def create(self, actor, obj, fields):
        return services.record_damage(actor, obj.patient, **fields)

    def amend(self, actor, obj, changes):
        return services.amend_damage(actor, obj, reason=REASON, **changes)


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
