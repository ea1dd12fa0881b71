"""The pre-specified trigger -> symptom questions, as data.

Only these are ever tested (patient-tracking.md 4.2: "pre-declare a small set of
trigger-outcome-lag hypotheses ... never rank by p-value"); every one that passes the data gates
counts in the multiple-comparison correction, whether or not it turns out interesting.
Exposure cut-offs come from ``lupuscare.clinical.diary.EXPOSURE`` (sun 2 h or more, stress 7 or more
of 10, sleep under 6 h, reported yes for the yes/no triggers); they are product choices, not
clinical thresholds. Lag windows follow the evidence summary in patient-tracking.md 4.1: sun and
light hours to days (here the day and the 3 after), stress the same and the next day (Adams 1994,
Peralta-Ramirez 2009). Infection and new medicines are left out: infection mimics a flare and
medicines are taken because of symptoms (confounding by indication).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lupuscare.clinical.diary import EXPOSURE, SYMPTOMS, TRIGGERS, ExposureOp
from lupuscare.errors import InputError

Op = ExposureOp


@dataclass(frozen=True, slots=True)
class Exposure:
    """When a day counts as exposed: ``value op threshold``; a missing value stays missing."""

    op: Op
    threshold: float

    def apply(self, values: np.ndarray) -> np.ndarray:
        out = np.where(values >= self.threshold if self.op == ">=" else values < self.threshold, 1.0, 0.0)
        out[np.isnan(values)] = np.nan
        return out


@dataclass(frozen=True, slots=True)
class Hypothesis:
    trigger: str
    symptom: str
    exposure: Exposure
    lag_start: int  # first day of the outcome window, in days after the exposed day (0 = same day)
    lag_end: int  # last day of the window (inclusive)
    exposed_label: str  # plain words for an exposed day, e.g. "high-stress days"

    def __post_init__(self) -> None:
        if self.trigger not in TRIGGERS:
            raise InputError("hypothesis.trigger", f"unknown trigger {self.trigger!r}")
        if self.symptom not in SYMPTOMS:
            raise InputError("hypothesis.symptom", f"unknown symptom {self.symptom!r}")
        if not 0 <= self.lag_start <= self.lag_end <= 28:
            raise InputError("hypothesis.lag_end", "need 0 <= lag_start <= lag_end <= 28")

    @property
    def key(self) -> str:
        return f"{self.trigger}->{self.symptom}@{self.lag_start}-{self.lag_end}"


# Cut-offs from the diary vocabulary: the same definition the demo cohort plants effects with.
HIGH_SUN = Exposure(*EXPOSURE["sun_hours"])
FLUORESCENT = Exposure(*EXPOSURE["fluorescent_light"])
HIGH_STRESS = Exposure(*EXPOSURE["stress"])
SHORT_SLEEP = Exposure(*EXPOSURE["sleep_hours"])
OVERWORK = Exposure(*EXPOSURE["overwork"])

HYPOTHESES: tuple[Hypothesis, ...] = (
    Hypothesis("sun_hours", "rash", HIGH_SUN, 0, 3, "days with 2 hours or more in the sun"),
    Hypothesis("sun_hours", "fatigue", HIGH_SUN, 0, 3, "days with 2 hours or more in the sun"),
    Hypothesis("fluorescent_light", "rash", FLUORESCENT, 0, 3,
               "days under unshielded fluorescent or halogen light"),
    Hypothesis("stress", "joint_pain", HIGH_STRESS, 0, 1, "high-stress days (7 or more out of 10)"),
    Hypothesis("stress", "fatigue", HIGH_STRESS, 0, 1, "high-stress days (7 or more out of 10)"),
    Hypothesis("sleep_hours", "fatigue", SHORT_SLEEP, 0, 1, "nights with under 6 hours of sleep"),
    Hypothesis("overwork", "fatigue", OVERWORK, 0, 2, "days of overwork or exhaustion"),
)
