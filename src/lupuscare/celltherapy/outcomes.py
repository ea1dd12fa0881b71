"""Programme outcome statistics: response rates with confidence intervals, Kaplan-Meier.

Response rates default to the exact Clopper-Pearson interval: cell-therapy cohorts are small
(5-40 patients) and often reach 0% or 100%, where the Wald interval fails and an interval that
guarantees at least nominal coverage is the conservative choice for a safety-critical claim.
Wilson's score interval is offered as the less conservative alternative with close-to-nominal
average coverage (Newcombe, Stat Med 1998;17:857-872; Brown, Cai & DasGupta, Stat Sci 2001).

Kaplan-Meier relapse-free survival uses Greenwood's variance; the default interval is the
log-log ("exponential Greenwood") one, which stays inside [0, 1] (Kalbfleisch & Prentice);
"plain" and "log" (R survfit's default) are available.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError

CI_SOURCE = Source("Clopper & Pearson, Biometrika 1934;26:404; Wilson, JASA 1927;22:209; "
                   "Newcombe, Stat Med 1998;17:857 (worked examples)", Certainty.RECALLED)
KM_SOURCE = Source("Kaplan & Meier, JASA 1958;53:457; Greenwood 1926; checked against the "
                   "Freireich 1963 6-MP remission data as tabulated by Kleinbaum & Klein, "
                   "Survival Analysis (3rd ed.)", Certainty.RECALLED)


@dataclass(frozen=True)
class Proportion:
    events: int
    n: int
    estimate: float
    lower: float
    upper: float
    method: str
    level: float


def proportion_ci(events: int, n: int, *, method: str = "clopper-pearson",
                  level: float = 0.95) -> Proportion:
    """A response rate with its two-sided confidence interval."""
    for name, value in (("events", events), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(name, "must be a non-negative integer")
    if n == 0:
        raise InputError("n", "must be at least 1")
    if events > n:
        raise InputError("events", f"{events} exceeds n = {n}")
    if not 0 < level < 1:
        raise InputError("level", "must be between 0 and 1")
    alpha = 1 - level
    if method == "clopper-pearson":
        lower = 0.0 if events == 0 else float(stats.beta.ppf(alpha / 2, events, n - events + 1))
        upper = 1.0 if events == n else float(stats.beta.ppf(1 - alpha / 2, events + 1,
                                                             n - events))
    elif method == "wilson":
        z = float(stats.norm.ppf(1 - alpha / 2))
        p = events / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        # at 0 and n the score interval's limit is exactly 0 or 1; avoid rounding residue
        lower = 0.0 if events == 0 else max(0.0, centre - half)
        upper = 1.0 if events == n else min(1.0, centre + half)
    else:
        raise InputError("method", "must be 'clopper-pearson' or 'wilson'")
    return Proportion(events, n, events / n, lower, upper, method, level)


@dataclass(frozen=True)
class KaplanMeier:
    """One row per distinct event time."""

    times: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray  # Greenwood
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    level: float

    def survival_at(self, t: float) -> float:
        """S(t): the step function, right-continuous (1 before the first event)."""
        idx = np.searchsorted(self.times, t, side="right") - 1
        return 1.0 if idx < 0 else float(self.survival[idx])

    @property
    def median(self) -> float | None:
        """The first time S(t) <= 0.5, or None if never reached."""
        hits = np.nonzero(self.survival <= 0.5 + 1e-12)[0]
        return float(self.times[hits[0]]) if hits.size else None


def kaplan_meier(durations: Sequence[float], events: Sequence[bool | int], *,
                 conf_type: str = "log-log", level: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier estimate with Greenwood standard errors and pointwise intervals.

    ``events`` is 1 (relapse) or 0 (censored). Ties: events before censorings at the same time.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events)
    if t.ndim != 1 or t.size == 0:
        raise InputError("durations", "must be a non-empty list")
    if e.shape != t.shape:
        raise InputError("events", "must have one entry per duration")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise InputError("durations", "must be finite and non-negative")
    if not np.all(np.isin(e, [0, 1])):
        raise InputError("events", "must be 0 (censored) or 1 (event)")
    if conf_type not in {"plain", "log", "log-log"}:
        raise InputError("conf_type", "must be 'plain', 'log' or 'log-log'")
    e = e.astype(int)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))

    times = np.unique(t[e == 1])
    at_risk = np.array([(t >= u).sum() for u in times], dtype=float)
    deaths = np.array([((t == u) & (e == 1)).sum() for u in times], dtype=float)
    survival = np.cumprod(1 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), np.inf)
        cum = np.cumsum(terms)  # Greenwood sum; var(S) = S² x cum
        se = np.where(np.isfinite(cum), survival * np.sqrt(cum), np.nan)

    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            lower, upper = survival - z * se, survival + z * se
        elif conf_type == "log":
            half = z * np.sqrt(cum)
            lower, upper = survival * np.exp(-half), survival * np.exp(half)
        else:
            log_s = np.log(survival)
            half = z * np.sqrt(cum) / np.abs(log_s)
            lower, upper = survival ** np.exp(half), survival ** np.exp(-half)
    lower = np.clip(np.nan_to_num(lower, nan=0.0), 0, 1)
    upper = np.clip(np.nan_to_num(upper, nan=1.0), 0, 1)
    return KaplanMeier(times, at_risk, deaths, survival, se, lower, upper, conf_type, level)
