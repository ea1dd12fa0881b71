"""Synthetic patient diaries with planted trigger effects, so trigger insights can be validated.

A diary is generated day by day from a few hidden processes (all deterministic per seed):

- **Symptoms.** Each symptom is a patient-specific baseline plus an AR(1) process (daily symptoms
  are strongly autocorrelated, patient-tracking.md section 4.2), plus a flare load while the
  patient's disease is active, plus the planted trigger effects. The reported rating is that value
  rounded and clipped to the 0-10 scale.
- **Triggers** (vocabulary of ``lupuscare.clinical.diary``): sun hours follow the season (northern
  hemisphere) and weekends; stress follows a weekday pattern with AR(1) persistence; sleep is
  shorter on stressful days and longer at weekends; fluorescent light and overwork are mostly
  workday exposures; infections come as episodes of several days; new medicines are rare single
  days.
- **Missing days** are absent rows. The chance of missing a day is higher during flares and comes
  in streaks, but its mean over the trace equals ``1 - completeness``.

Trigger effects exist **only** where they are planted: with ``planted=[]`` no trigger is associated
with any symptom except by chance (a null patient). A planted effect adds ``effect`` rating points
to ``symptom`` on day ``t + lag_days`` for every day ``t`` on which the trigger was *exposed*
(``EXPOSURE_RULES``). The effect is added to the day's expected rating, not to the AR(1) state, so
it acts at exactly that lag. Rounding and clipping to 0-10 attenuate an effect slightly near the
floor of the scale; ``PlantedTruth.realised_effect`` gives the effect actually present in the
reported ratings of this trace (the mean difference between the ratings with and without the
planted effects on the days it applied), which is what an unbiased estimator should recover.

This is synthetic data for testing and demonstration, not a model of any real patient.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
from scipy.special import ndtr

from lupuscare.clinical import diary as diary_vocabulary
from lupuscare.clinical.diary import SYMPTOMS, TRIGGERS, WARNING_SIGNS
from lupuscare.errors import InputError

MAX_LAG_DAYS = 28
MAX_DAYS = 20 * 366

# When a day counts as "exposed" to a trigger: one definition, shared with the trigger insights.
ExposureOp = diary_vocabulary.ExposureOp
EXPOSURE_RULES = diary_vocabulary.EXPOSURE

FlareKind = Literal["renal", "non_renal"]

# How much a full flare (activity 1.0) raises each symptom's expected rating (points on 0-10).
_FLARE_LOAD: dict[str, float] = {
    "fatigue": 3.0,
    "joint_pain": 2.5,
    "rash": 2.0,
    "mouth_ulcers": 1.5,
    "hair_loss": 1.5,
    "headache": 1.0,
    "fever": 1.5,
    "dizziness": 0.5,
    "stomach_ache": 0.5,
}
# Patient baselines are drawn uniformly from these ranges (rating points).
_BASELINE_RANGE: dict[str, tuple[float, float]] = {
    "fatigue": (2.5, 5.0),
    "joint_pain": (1.5, 4.0),
    "rash": (0.3, 1.5),
    "mouth_ulcers": (0.0, 0.8),
    "hair_loss": (0.2, 1.5),
    "headache": (0.5, 2.5),
    "fever": (0.0, 0.4),
    "dizziness": (0.2, 1.2),
    "stomach_ache": (0.2, 1.5),
}
# Daily chance of each warning sign outside a flare, and at full flare activity by flare kind.
_WARNING_BASE = 0.003
_WARNING_FLARE: dict[FlareKind, dict[str, float]] = {
    "renal": {"swollen_legs": 0.35, "foamy_urine": 0.35, "chest_pain_breathing": 0.02,
              "shortness_of_breath": 0.05, "seizure": 0.0},
    "non_renal": {"swollen_legs": 0.02, "foamy_urine": 0.01, "chest_pain_breathing": 0.12,
                  "shortness_of_breath": 0.08, "seizure": 0.0},
}
_FLARE_MISSING_WEIGHT = 2.5  # a flare day is this many times as likely to be missed
_MISSING_AR = 0.5  # persistence of the latent "not logging" process (streaks of missed days)


@dataclass(frozen=True, slots=True)
class PlantedEffect:
    """A real effect hidden in a synthetic diary: exposure to ``trigger`` on day t raises
    ``symptom`` by ``effect`` rating points on day t + ``lag_days``."""

    trigger: str
    symptom: str
    lag_days: int
    effect: float

    def __post_init__(self) -> None:
        if self.trigger not in TRIGGERS:
            raise InputError("planted.trigger", f"unknown trigger {self.trigger!r}; one of {sorted(TRIGGERS)}")
        if self.symptom not in SYMPTOMS:
            raise InputError("planted.symptom", f"unknown symptom {self.symptom!r}; one of {sorted(SYMPTOMS)}")
        if not isinstance(self.lag_days, int) or not 0 <= self.lag_days <= MAX_LAG_DAYS:
            raise InputError("planted.lag_days", f"must be an integer from 0 to {MAX_LAG_DAYS}")
        if not math.isfinite(self.effect) or abs(self.effect) > 10:
            raise InputError("planted.effect", "must be a finite number of rating points between -10 and 10")


@dataclass(frozen=True, slots=True)
class PlantedTruth:
    """A planted effect and what it became in this trace."""

    effect: PlantedEffect
    exposed_rule: str  # e.g. "stress >= 7"
    exposed_days: int  # days on which the trigger was exposed (logged or not)
    realised_effect: float | None  # mean rating shift on logged days the effect applied to


@dataclass(frozen=True, slots=True)
class FlarePeriod:
    """A period of active disease (inclusive dates) that raises symptoms in the diary."""

    start: date
    end: date
    kind: FlareKind = "non_renal"
    peak: float = 1.0  # 0-1: how strongly symptoms rise at the flare's peak


@dataclass(frozen=True, slots=True)
class DiaryDay:
    """One logged day. Trigger values: hours for sun and sleep, 0-10 for stress, bool otherwise."""

    date: date
    symptoms: dict[str, int]
    warning_signs: dict[str, bool]
    triggers: dict[str, float | bool]


@dataclass(frozen=True, slots=True)
class DiaryTrace:
    """A generated diary: the logged days (missing days absent) and the truth behind them."""

    seed: int
    start: date
    days: int
    completeness: float  # the requested completeness
    rows: tuple[DiaryDay, ...]
    planted: tuple[PlantedTruth, ...]
    flares: tuple[FlarePeriod, ...]
    activity: tuple[float, ...] = field(repr=False)  # latent flare activity per day, 0-1

    @property
    def observed_completeness(self) -> float:
        return len(self.rows) / self.days if self.days else 0.0

    def columns(self) -> dict[str, list]:
        """Column lists (one entry per logged day) for ``polars.DataFrame(trace.columns())``."""
        cols: dict[str, list] = {"date": [r.date for r in self.rows]}
        for name in SYMPTOMS:
            cols[name] = [r.symptoms[name] for r in self.rows]
        for name in WARNING_SIGNS:
            cols[name] = [r.warning_signs[name] for r in self.rows]
        for name in TRIGGERS:
            cols[name] = [r.triggers[name] for r in self.rows]
        return cols


def exposed(trigger: str, values: np.ndarray) -> np.ndarray:
    """Boolean exposure per day for a trigger's values, by ``EXPOSURE_RULES``."""
    op, threshold = EXPOSURE_RULES[trigger]
    values = np.asarray(values, dtype=float)
    return values >= threshold if op == ">=" else values < threshold


def generate_diary(
    seed: int,
    start: date,
    days: int,
    planted: Sequence[PlantedEffect],
    *,
    completeness: float = 0.8,
    flares: Sequence[FlarePeriod] | None = None,
) -> DiaryTrace:
    """Generate a diary of ``days`` days from ``start``; deterministic for a given seed and inputs.

    ``flares`` come from the patient's disease course (the cohort generator passes its flares);
    when None, the diary draws its own (about one flare a year, 2-8 weeks each).
    """
    _check_inputs(seed, start, days, completeness)
    planted = tuple(planted)
    rng = np.random.Generator(np.random.PCG64(seed))
    dates = [start + timedelta(days=i) for i in range(days)]
    day_of_year = np.array([d.timetuple().tm_yday for d in dates], dtype=float)
    weekday = np.array([d.weekday() for d in dates])
    weekend = weekday >= 5

    if flares is None:
        flares = _draw_flares(rng, start, days)
    flares = tuple(flares)
    activity, renal = _activity(flares, start, days)

    triggers = _triggers(rng, days, day_of_year, weekday, weekend)
    expected, noise = _symptom_processes(rng, days, activity)
    effect_add = {name: np.zeros(days) for name in SYMPTOMS}
    applied: list[np.ndarray] = []
    for p in planted:
        exp = exposed(p.trigger, triggers[p.trigger])
        shifted = np.zeros(days, dtype=bool)
        if p.lag_days < days:
            shifted[p.lag_days:] = exp[: days - p.lag_days]
        effect_add[p.symptom] += p.effect * shifted
        applied.append(shifted)

    ratings = {n: _to_rating(expected[n] + noise[n] + effect_add[n]) for n in SYMPTOMS}
    warnings = _warning_signs(rng, days, activity, renal)
    logged = ~_missing(rng, days, activity, completeness)

    rows = tuple(
        DiaryDay(
            date=dates[i],
            symptoms={n: int(ratings[n][i]) for n in SYMPTOMS},
            warning_signs={n: bool(warnings[n][i]) for n in WARNING_SIGNS},
            triggers={n: _trigger_value(n, triggers[n][i]) for n in TRIGGERS},
        )
        for i in np.flatnonzero(logged)
    )
    truth = []
    for p, mask in zip(planted, applied, strict=True):
        on = mask & logged
        s = p.symptom
        without = _to_rating(expected[s] + noise[s] + effect_add[s] - p.effect * mask)
        realised = float(np.mean(ratings[s][on] - without[on])) if on.any() else None
        op, thr = EXPOSURE_RULES[p.trigger]
        truth.append(PlantedTruth(p, f"{p.trigger} {op} {thr:g}",
                                  int(exposed(p.trigger, triggers[p.trigger]).sum()), realised))
    return DiaryTrace(seed=seed, start=start, days=days, completeness=completeness, rows=rows,
                      planted=tuple(truth), flares=flares,
                      activity=tuple(float(a) for a in activity))


def _check_inputs(seed: int, start: date, days: int, completeness: float) -> None:
    if not isinstance(seed, int) or seed < 0:
        raise InputError("seed", "must be a non-negative integer")
    if not isinstance(start, date):
        raise InputError("start", "must be a date")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InputError("days", f"must be an integer from 1 to {MAX_DAYS}")
    if not isinstance(completeness, int | float) or not 0.0 < completeness <= 1.0:
        raise InputError("completeness", "must be a fraction in (0, 1]")


def _draw_flares(rng: np.random.Generator, start: date, days: int) -> list[FlarePeriod]:
    flares: list[FlarePeriod] = []
    day = int(rng.integers(0, 200))
    while day < days:
        length = int(rng.integers(14, 57))
        kind: FlareKind = "renal" if rng.random() < 0.25 else "non_renal"
        flares.append(FlarePeriod(start + timedelta(days=day),
                                  start + timedelta(days=min(day + length, days) - 1),
                                  kind, float(rng.uniform(0.5, 1.0))))
        day += length + int(rng.integers(120, 540))
    return flares


def _activity(flares: Sequence[FlarePeriod], start: date, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily flare activity (0-1: a triangle-ish rise and fall over each flare) and renal flags."""
    activity = np.zeros(days)
    renal = np.zeros(days, dtype=bool)
    for f in flares:
        a, b = (f.start - start).days, (f.end - start).days
        if b < 0 or a >= days or b < a:
            continue
        idx = np.arange(max(a, 0), min(b, days - 1) + 1)
        length = b - a + 1
        pos = (idx - a + 0.5) / length
        shape = np.clip(np.minimum(pos / 0.3, (1 - pos) / 0.4), 0, 1)  # fast rise, slower fall
        activity[idx] = np.maximum(activity[idx], f.peak * shape)
        if f.kind == "renal":
            renal[idx] = True
    return activity, renal


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) series with marginal standard deviation ``sd``."""
    eps = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + eps[i]
    return out


def _triggers(rng: np.random.Generator, n: int, doy: np.ndarray, weekday: np.ndarray,
              weekend: np.ndarray) -> dict[str, np.ndarray]:
    outdoorsy = rng.uniform(0.6, 1.6)
    season = 1 + 0.8 * np.sin(2 * math.pi * (doy - 80) / 365.25)  # peaks around late June
    sun_mean = outdoorsy * season * np.where(weekend, 2.2, 1.0)
    sun = np.clip(np.round(rng.gamma(2.0, sun_mean / 2.0) * 2) / 2, 0, 14)

    stress_level = rng.uniform(3.0, 5.0)
    weekday_bump = np.array([1.2, 0.9, 0.7, 0.6, 0.3, -1.0, -1.2])[weekday]
    stress_raw = stress_level + weekday_bump + _ar1(rng, n, 0.6, 2.0)
    stress = np.clip(np.round(stress_raw), 0, 10)

    sleep_raw = (rng.uniform(6.6, 7.6) + np.where(weekend, 0.7, 0.0)
                 - 0.15 * (stress_raw - stress_level) + rng.normal(0, 0.9, n))
    sleep = np.clip(np.round(sleep_raw * 2) / 2, 2, 12)

    office = rng.random() < 0.6
    fluor = rng.random(n) < np.where(weekend, 0.03, 0.35 if office else 0.05)
    overwork = rng.random(n) < np.where(weekend, 0.03, rng.uniform(0.05, 0.2))

    infection = np.zeros(n, dtype=bool)
    day = int(rng.geometric(1 / 60))
    while day < n:
        infection[day:day + int(rng.integers(3, 11))] = True
        day += int(rng.geometric(1 / 60)) + 10
    new_med = rng.random(n) < 1 / 120
    return {"sun_hours": sun, "fluorescent_light": fluor, "stress": stress, "sleep_hours": sleep,
            "overwork": overwork, "infection": infection, "new_medicine": new_med}


def _symptom_processes(rng: np.random.Generator, n: int,
                       activity: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Expected rating (baseline + flare load) and AR(1) noise for each symptom."""
    expected, noise = {}, {}
    for name in SYMPTOMS:
        lo, hi = _BASELINE_RANGE[name]
        baseline = rng.uniform(lo, hi)
        expected[name] = baseline + _FLARE_LOAD[name] * activity
        sd = 0.4 + 0.25 * baseline  # symptoms near zero vary less
        noise[name] = _ar1(rng, n, rng.uniform(0.6, 0.85), sd)
    return expected, noise


def _to_rating(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 10).astype(np.int64)


def _warning_signs(rng: np.random.Generator, n: int, activity: np.ndarray,
                   renal: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for name in WARNING_SIGNS:
        base = 0.0 if name == "seizure" else _WARNING_BASE
        p = base + activity * np.where(renal, _WARNING_FLARE["renal"][name],
                                       _WARNING_FLARE["non_renal"][name])
        out[name] = rng.random(n) < p
    return out


def _missing(rng: np.random.Generator, n: int, activity: np.ndarray, completeness: float) -> np.ndarray:
    """Missing days: P(missing) per day is higher during flares and averages ``1 - completeness``;
    a latent AR(1) Gaussian (a copula) makes missed days come in streaks without changing that."""
    weight = 1 + (_FLARE_MISSING_WEIGHT - 1) * activity
    p = np.clip((1 - completeness) * weight / weight.mean(), 0.0, 0.95)
    z = _ar1(rng, n, _MISSING_AR, 1.0)
    return ndtr(z) < p


def _trigger_value(name: str, value: float | np.bool_) -> float | bool:
    if TRIGGERS[name].kind == "boolean":
        return bool(value)
    return float(value)
