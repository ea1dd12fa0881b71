"""Access rules of the clinician workspace for the URL walk (``tests/web/access.py``):
the clinician of the patient's care team only; everyone else is refused and sees nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lupuscare.web.clinic.models import ClinicAlert
from lupuscare.web.records.models import Assessment, LabResult, MedicationCourse
from web.access import CLIN_IN, CLIN_OUT, Rule
from web.factories import World, make_medication

CLINICIANS = frozenset({CLIN_IN, CLIN_OUT})
TEAM = frozenset({CLIN_IN})


def _visit(world: World) -> dict[str, Any]:
    return {"date": "2026-03-15", "window_days": "10", "findings": ["arthritis"],
            "swollen": ["r_wrist", "l_wrist", "r_knee"], "pga": "1.5"}


def _lab(world: World) -> dict[str, Any]:
    return {"test": "c4", "value": "0.08", "unit": "g/L", "collected_at": "2026-03-01T10:00"}


def _medication(world: World) -> dict[str, Any]:
    return {"drug": "prednisone", "daily_dose_mg": "10", "schedule": "daily", "route": "oral",
            "start": "2026-01-01"}


def _open_alert(world: World, key: str) -> ClinicAlert:
    """An open alert of patient ``key`` (a page view may have resolved the previous one)."""
    patient = world.patient_a if key == "a" else world.patient_b
    alert = ClinicAlert.objects.filter(patient=patient, status="open").first()
    return alert or ClinicAlert.objects.create(
        patient=patient, code="new_thrombocytopenia", severity="warning", severity_rank=1,
        message="test alert", evidence={}, citation="test", certainty="recalled",
        last_evaluated_on=world.records[f"assessment_{key}"].date,
    )


def _acknowledge(world: World) -> dict[str, Any]:
    return {"alert": str(_open_alert(world, "a").pk), "reason": "seen; repeat count next week"}


def _retract(world: World) -> dict[str, Any]:
    return {"kind": "damage", "id": str(world.records["damage_a"].pk),
            "reason": "recorded for the wrong patient"}


def _stop(world: World) -> dict[str, Any]:
    return {"course": str(world.records["course_to_stop_a"].pk), "stop": "2026-03-20"}


def extend_world(world: World) -> None:
    """An open alert for each patient (what the acknowledge form names), and a course of
    patient A's to stop (the diary's own course stays running for the diary's rules)."""
    for key in ("a", "b"):
        world.records[f"alert_{key}"] = _open_alert(world, key)
    world.records["course_to_stop_a"] = make_medication(
        world.patient_a, drug="prednisone", daily_dose_mg=5.0, start=dt.date(2026, 1, 1))


RULES: dict[str, Rule] = {
    "clinic:dashboard": Rule(CLINICIANS),
    "clinic:worklist": Rule(CLINICIANS),
    "clinic:patient": Rule(TEAM, shows_patient_a=True),
    "clinic:alert-acknowledge": Rule(TEAM, ok=frozenset({405})),
    "clinic:alert-acknowledge POST": Rule(TEAM, ok=frozenset({302}), method="post",
                                          payload=_acknowledge),
    "clinic:visit-create": Rule(TEAM, shows_patient_a=True),
    "clinic:visit-create POST": Rule(TEAM, ok=frozenset({302}), method="post", payload=_visit,
                                     creates=Assessment),
    "clinic:visit-score": Rule(TEAM, ok=frozenset({405})),
    "clinic:visit-score POST": Rule(TEAM, method="post", payload=_visit),
    "clinic:visit": Rule(TEAM, shows_patient_a=True),
    "clinic:visit-pdf": Rule(TEAM),
    "clinic:lab-create": Rule(TEAM, shows_patient_a=True),
    "clinic:lab-create POST": Rule(TEAM, ok=frozenset({302}), method="post", payload=_lab,
                                   creates=LabResult),
    "clinic:lab-import": Rule(TEAM, shows_patient_a=True),
    "clinic:medication-create": Rule(TEAM, shows_patient_a=True),
    "clinic:medication-create POST": Rule(TEAM, ok=frozenset({302}), method="post",
                                          payload=_medication, creates=MedicationCourse),
    "clinic:dose-change": Rule(TEAM, shows_patient_a=True),
    "clinic:medication-stop": Rule(TEAM, shows_patient_a=True),
    "clinic:medication-stop POST": Rule(TEAM, ok=frozenset({302}), method="post", payload=_stop),
    "clinic:record-correct": Rule(TEAM, shows_patient_a=True),
    "clinic:record-retract": Rule(TEAM, shows_patient_a=True),
    "clinic:record-retract POST": Rule(TEAM, ok=frozenset({302}), method="post", payload=_retract),
    "clinic:refresh": Rule(TEAM, ok=frozenset({405})),
    "clinic:refresh POST": Rule(TEAM, ok=frozenset({302}), method="post", payload=lambda w: {}),
    "clinic:damage-create": Rule(TEAM, shows_patient_a=True),
    "clinic:biopsy-create": Rule(TEAM, shows_patient_a=True),
    "clinic:eye-exam-create": Rule(TEAM, shows_patient_a=True),
    "clinic:contraception-create": Rule(TEAM, shows_patient_a=True),
    "clinic:classification": Rule(TEAM, shows_patient_a=True),
}
