"""The clinical record: patients and their care teams, visits, labs, medicines, diary, damage, and
the append-only audit log. Field names are public (docs/data-model.md): extend, never rename."""

from .audit import AuditAction, AuditChainHead, AuditEvent
from .clinical import Assessment, DamageItem, LabResult, MedicationCourse
from .diary import DiaryEntry
from .patients import CareTeam, Patient, Sex

__all__ = [
    "Assessment",
    "AuditAction",
    "AuditChainHead",
    "AuditEvent",
    "CareTeam",
    "DamageItem",
    "DiaryEntry",
    "LabResult",
    "MedicationCourse",
    "Patient",
    "Sex",
]
