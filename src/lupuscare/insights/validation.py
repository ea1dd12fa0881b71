"""How well the insight method works, measured on synthetic patients with known truth.

Null patients (``planted=[]``) have no trigger effect at all, so any insight shown for them is a
false positive: the **false-positive rate** is the share of null patients shown at least one
insight (family-wise, the error Holm controls at 5%). Patients with one planted effect
(``lupuscare.demo.diary``: exposure on day t adds ``effect`` points to the symptom on day
t + lag) give the **detection rate** (power): the share for whom the matching hypothesis is shown
with the right sign, over all patients and over those with enough data for that hypothesis
(a patient who rarely meets the trigger gets "not enough information yet"). Each rate comes with a Wilson 95% interval for its Monte-Carlo error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lupuscare.demo.diary import PlantedEffect, generate_diary
from lupuscare.errors import InputError
from lupuscare.insights.analysis import InsightReport, analyse
from lupuscare.insights.hypotheses import HYPOTHESES, Hypothesis
from lupuscare.insights.series import DiarySeries

START = date(2025, 1, 6)


@dataclass(frozen=True, slots=True)
class Rate:
    name: str
    hits: int
    n: int
    days: int
    completeness: float
    effect: float | None = None
    lag_days: int | None = None
    trigger: str | None = None
    symptom: str | None = None
    eligible: int | None = None  # patients with enough data for the planted hypothesis

    @property
    def rate(self) -> float:
        return self.hits / self.n

    def wilson(self, z: float = 1.959964) -> tuple[float, float]:
        p, n = self.rate, self.n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def to_dict(self) -> dict:
        low, high = self.wilson()
        return {"name": self.name, "trigger": self.trigger, "symptom": self.symptom,
                "lag_days": self.lag_days, "effect": self.effect, "days": self.days,
                "completeness": self.completeness, "n": self.n, "hits": self.hits,
                "rate": round(self.rate, 4), "ci_low": round(low, 4), "ci_high": round(high, 4),
                "eligible": self.eligible,
                "rate_given_enough_data": (round(self.hits / self.eligible, 4)
                                           if self.eligible else None)}


def run_patient(seed: int, days: int, planted: Sequence[PlantedEffect], completeness: float,
                hypotheses: tuple[Hypothesis, ...] = HYPOTHESES) -> InsightReport:
    trace = generate_diary(seed, START, days, list(planted), completeness=completeness)
    return analyse(DiarySeries.from_rows(trace.rows, start=trace.start, days=trace.days), hypotheses)


def _matching(planted: PlantedEffect, hypotheses: tuple[Hypothesis, ...]) -> Hypothesis:
    for h in hypotheses:
        if (h.trigger, h.symptom) == (planted.trigger, planted.symptom) \
                and h.lag_start <= planted.lag_days <= h.lag_end:
            return h
    raise InputError("planted", "no pre-specified hypothesis covers this trigger, symptom and lag")


def false_positive_rate(n_patients: int, days: int, completeness: float = 0.8,
                        first_seed: int = 1_000_000) -> Rate:
    hits = sum(bool(run_patient(first_seed + i, days, [], completeness).shown) for i in range(n_patients))
    return Rate("false_positive_rate", hits, n_patients, days, completeness)


def detection_rate(planted: PlantedEffect, n_patients: int, days: int, completeness: float = 0.8,
                   first_seed: int = 2_000_000) -> Rate:
    target = _matching(planted, HYPOTHESES)
    hits = eligible = 0
    for i in range(n_patients):
        report = run_patient(first_seed + i, days, [planted], completeness)
        (mine,) = [x for x in report.insights if x.hypothesis == target]
        eligible += mine.status in ("went_together", "no_clear_pattern")
        hits += mine.shown and (mine.estimate.effect > 0) == (planted.effect > 0)
    return Rate("detection_rate", hits, n_patients, days, completeness, planted.effect,
                planted.lag_days, planted.trigger, planted.symptom, eligible)
