"""Trigger insights for one patient: every pre-specified hypothesis, gated, estimated, corrected.

Multiple comparisons: Holm's step-down correction (family-wise error rate 5%) over the hypotheses
that were estimated. Holm rather than Benjamini-Hochberg because a patient acts on each single
insight, so the chance of showing *any* false one is what must stay small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from lupuscare.insights import wording
from lupuscare.insights.collinearity import CollinearPair, collinear_pairs
from lupuscare.insights.estimate import Estimate, estimate
from lupuscare.insights.hypotheses import HYPOTHESES, Hypothesis
from lupuscare.insights.series import DiarySeries

ALPHA = 0.05
CORRECTION = "holm"
# Only the most recent 180 days are analysed: the method's false-positive rate was validated at
# or below 5% for diaries of 90 and 180 days, but reached 5.9% (95% CI 4.6-7.5%) on 365-day
# null diaries (docs/insights.md); a person's patterns also drift, so recent data matter most.
MAX_ANALYSIS_DAYS = 180

InsightStatus = Literal["not_enough_data", "inseparable", "no_clear_pattern", "went_together"]


@dataclass(frozen=True, slots=True)
class Insight:
    estimate: Estimate
    status: InsightStatus
    message: str
    p_adjusted: float | None = None
    inseparable_from: tuple[str, ...] = field(default=())

    @property
    def hypothesis(self) -> Hypothesis:
        return self.estimate.hypothesis

    @property
    def shown(self) -> bool:
        return self.status == "went_together"

    def to_dict(self) -> dict[str, Any]:
        e, h = self.estimate, self.estimate.hypothesis
        return {
            "trigger": h.trigger, "symptom": h.symptom, "lag_start": h.lag_start, "lag_end": h.lag_end,
            "exposure": f"{h.trigger} {h.exposure.op} {h.exposure.threshold:g}",
            "status": self.status, "message": self.message,
            "effect": e.effect, "ci_low": e.ci_low, "ci_high": e.ci_high, "p_value": e.p_value,
            "p_adjusted": self.p_adjusted, "correction": CORRECTION,
            "n_exposed": e.n_exposed, "n_unexposed": e.n_unexposed,
            "completeness": round(e.completeness, 3), "reason": e.reason,
            "inseparable_from": list(self.inseparable_from),
        }


@dataclass(frozen=True, slots=True)
class InsightReport:
    insights: tuple[Insight, ...]
    collinear: tuple[CollinearPair, ...]
    analysed_from: date
    analysed_days: int
    alpha: float = ALPHA
    correction: str = CORRECTION

    @property
    def shown(self) -> list[Insight]:
        return [i for i in self.insights if i.shown]


def holm(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (Holm 1979): reject where adjusted p < alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def analyse(series: DiarySeries, hypotheses: tuple[Hypothesis, ...] = HYPOTHESES,
            alpha: float = ALPHA, max_days: int = MAX_ANALYSIS_DAYS) -> InsightReport:
    """Every hypothesis for the most recent ``max_days`` days of ``series``."""
    series = series.last(max_days)
    pairs = collinear_pairs(series, hypotheses)
    tangled: dict[str, set[str]] = {}
    for p in pairs:
        tangled.setdefault(p.first, set()).add(p.second)
        tangled.setdefault(p.second, set()).add(p.first)

    estimates = [estimate(series, h) for h in hypotheses]
    results: list[Insight | None] = [None] * len(estimates)
    testable: list[int] = []
    for i, e in enumerate(estimates):
        if e.status == "not_enough_data":
            results[i] = Insight(e, "not_enough_data", wording.not_enough_data(e))
        elif e.hypothesis.trigger in tangled:
            others = tuple(sorted(tangled[e.hypothesis.trigger]))
            results[i] = Insight(e, "inseparable", wording.inseparable(e, others), inseparable_from=others)
        else:
            testable.append(i)
    if testable:
        adjusted = holm([estimates[i].p_value for i in testable])
        for i, p_adj in zip(testable, adjusted, strict=True):
            e = estimates[i]
            if p_adj < alpha:
                results[i] = Insight(e, "went_together", wording.went_together(e), float(p_adj))
            else:
                results[i] = Insight(e, "no_clear_pattern", wording.no_clear_pattern(e), float(p_adj))
    return InsightReport(tuple(r for r in results if r is not None), tuple(pairs),
                         analysed_from=series.start, analysed_days=series.days)
