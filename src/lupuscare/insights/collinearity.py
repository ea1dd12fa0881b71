"""Triggers that move together cannot be told apart (Flaredown issue #145; patient-tracking.md 4.2).

Two exposures whose daily indicators correlate strongly (|r| >= 0.7, i.e. a variance inflation
factor of about 2 or more between the pair; a project choice) are reported as "these go together;
we can't tell them apart", and neither gets its own estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lupuscare.insights.hypotheses import Exposure, Hypothesis
from lupuscare.insights.series import DiarySeries

COLLINEAR_ABS_R = 0.7
MIN_SHARED_DAYS = 8


@dataclass(frozen=True, slots=True)
class CollinearPair:
    first: str  # trigger names
    second: str
    r: float
    shared_days: int


def exposure_correlation(series: DiarySeries, a: tuple[str, Exposure],
                         b: tuple[str, Exposure]) -> tuple[float, int] | None:
    """Pearson correlation of two daily exposure indicators over days both were logged."""
    xa = a[1].apply(series.triggers[a[0]])
    xb = b[1].apply(series.triggers[b[0]])
    both = ~np.isnan(xa) & ~np.isnan(xb)
    n = int(both.sum())
    if n < MIN_SHARED_DAYS:
        return None
    xa, xb = xa[both], xb[both]
    if np.ptp(xa) == 0 or np.ptp(xb) == 0:
        return None
    return float(np.corrcoef(xa, xb)[0, 1]), n


def collinear_pairs(series: DiarySeries, hypotheses: tuple[Hypothesis, ...]) -> list[CollinearPair]:
    exposures = list(dict.fromkeys((h.trigger, h.exposure) for h in hypotheses))
    pairs = []
    for i, a in enumerate(exposures):
        for b in exposures[i + 1:]:
            if a[0] == b[0]:
                continue
            result = exposure_correlation(series, a, b)
            if result is not None and abs(result[0]) >= COLLINEAR_ABS_R:
                pairs.append(CollinearPair(a[0], b[0], result[0], result[1]))
    return pairs
