"""Guideline safety and escalation rules (pure): one function per rule, each returning an
``Alert`` or None, with its threshold next to its citation. ``evaluate`` runs them all."""

from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import (
    CellTherapyInfusion,
    DiaryRedFlag,
    HcqRiskFactors,
    LabResult,
    MedicationCourse,
    PatientContext,
)
from lupuscare.rules.engine import RULES, evaluate
from lupuscare.rules.hydroxychloroquine import hcq_too_early_to_judge, retinal_screening_due

__all__ = [
    "DEFAULT_CONFIG", "RULES", "Alert", "CellTherapyInfusion", "DiaryRedFlag", "HcqRiskFactors", "LabResult",
    "MedicationCourse", "PatientContext", "RuleConfig", "evaluate", "hcq_too_early_to_judge",
    "retinal_screening_due",
]
