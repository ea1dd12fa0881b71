"""The patient diary's vocabulary: one list of symptoms and triggers for the diary, the demo cohort,
the trigger insights and the red-flag rules.

Symptom ratings are tracking items of our own (0-10 numeric rating, 0 = none), not a validated
instrument: the product labels them "tracking", not "scores" (patient-tracking.md section 3).
Trigger exposures follow patient-tracking.md section 4.1 (sun/UV, unshielded fluorescent or halogen
light, stress, sleep, overwork, infection, a new medicine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SYMPTOM_SCALE = (0, 10)  # numeric rating, 0 = none, 10 = worst imaginable

# Everyday symptoms (the one-minute check-in).
SYMPTOMS: dict[str, str] = {
    "fatigue": "Tiredness or exhaustion",
    "joint_pain": "Joint pain",
    "rash": "Skin rash",
    "mouth_ulcers": "Mouth or nose sores",
    "hair_loss": "Hair loss",
    "headache": "Headache",
    "fever": "Fever (feeling feverish; record a measured temperature if you have one)",
    "dizziness": "Dizziness",
    "stomach_ache": "Stomach ache",
}

# Warning signs of kidney and heart/lung involvement: asked every day, yes/no.
WARNING_SIGNS: dict[str, str] = {
    "swollen_legs": "Swollen legs, ankles or around the eyes",
    "foamy_urine": "Foamy urine",
    "chest_pain_breathing": "Chest pain when breathing in",
    "shortness_of_breath": "Shortness of breath",
    "seizure": "A seizure (fit)",
}

# The diary's "fever" symptom is rated 0-10; any rating from this value up is a reported fever (the
# rules' "fever" red flag). Project decision, not a published cut-off: the patient said they felt
# feverish at all, so the safety rules err towards asking.
FEVER_FROM_RATING = 1

TriggerKind = Literal["hours", "boolean", "rating"]


@dataclass(frozen=True, slots=True)
class Trigger:
    name: str
    label: str
    kind: TriggerKind
    low: float
    high: float


TRIGGERS: dict[str, Trigger] = {
    t.name: t
    for t in (
        Trigger("sun_hours", "Time in the sun (hours)", "hours", 0, 24),
        Trigger("fluorescent_light", "Long time under unshielded fluorescent or halogen light", "boolean", 0, 1),
        Trigger("stress", "Stress (0-10)", "rating", 0, 10),
        Trigger("sleep_hours", "Hours of sleep", "hours", 0, 24),
        Trigger("overwork", "Overwork or exhaustion", "boolean", 0, 1),
        Trigger("infection", "Infection (cold, flu, urine infection...)", "boolean", 0, 1),
        Trigger("new_medicine", "Started a new medicine", "boolean", 0, 1),
    )
}


ExposureOp = Literal[">=", "<"]

# When a diary day counts as "exposed" to a trigger: ``value op threshold``. Product choices for the
# trigger insights and the demo cohort's planted effects, not clinical thresholds: the yes/no
# triggers count when reported; sun 2 hours or more; stress 7 or more of 10; short sleep (under 6
# hours) is the exposure, not sleep itself.
EXPOSURE: dict[str, tuple[ExposureOp, float]] = {
    "sun_hours": (">=", 2.0),
    "fluorescent_light": (">=", 1.0),
    "stress": (">=", 7.0),
    "sleep_hours": ("<", 6.0),
    "overwork": (">=", 1.0),
    "infection": (">=", 1.0),
    "new_medicine": (">=", 1.0),
}
