"""One hypothesis, one patient: the data gates, then a lag-aware within-person regression.

Model (ordinary least squares, one row per analysable day t):

    mean symptom over days t+lag_start .. t+lag_end
        = a + effect * exposed(t) + b * symptom(t-1) + c * (t / 365) + weekday(t) dummies
          + slow cosine terms cos(pi k (t + 1/2) / n), periods down to TREND_PERIOD_DAYS

``effect`` is the difference in the symptom over the lag window after exposed versus unexposed
days, adjusted for the day-before symptom (the lagged outcome absorbs most autocorrelation and
regression to the mean), a time trend with the slow terms (season, flares and treatment changes
lasting about two months or more) and the weekday.

Uncertainty comes from a randomisation test, not from a t table: windows overlap, daily ratings
are autocorrelated, skewed and whole numbers, and exposed days are few. On synthetic null
patients the Newey-West HAC t-test (statsmodels, small-sample corrected) rejected 7-8% of true
nulls at 5% and about twice the nominal rate at the Holm-corrected level (docs/insights.md).
So the exposure column is shuffled in blocks of 7 analysable days (999 shuffles, fixed seed),
the model refitted each time (Frisch-Waugh-Lovell, one matrix product), and the exposure's
classical t statistic compared with the shuffled ones (a studentized permutation test; the
unstudentized coefficient was still slightly liberal):
p = share of shuffled |t| at least as large as the observed |t| (the observed counted in);
95% interval = effect +/- c x SE, with SE the classical standard error and c the 95th percentile
of the shuffled |t| (so the interval excludes 0 when, and only when, p is below about 0.05).

A day is analysable when its exposure and the previous day's symptom were logged and at least
half of its outcome window was logged. Missing days are dropped, never filled in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from lupuscare.insights.hypotheses import Hypothesis
from lupuscare.insights.series import DiarySeries

# Minimum data (patient-tracking.md 4.2, proposed insight contract): at least 8 exposed and 8
# unexposed analysable days, and at least 60% logging completeness over the analysed period.
MIN_EXPOSED_DAYS = 8
MIN_UNEXPOSED_DAYS = 8
MIN_COMPLETENESS = 0.60
CONFIDENCE = 0.95
# Shortest period (days) of the slow cosine terms; chosen on synthetic null patients, where
# without them long flares and the sun's season made the test liberal (docs/insights.md).
TREND_PERIOD_DAYS = 60

Status = Literal["not_enough_data", "estimated"]


@dataclass(frozen=True, slots=True)
class Estimate:
    hypothesis: Hypothesis
    status: Status
    n_exposed: int
    n_unexposed: int
    completeness: float  # share of days with both the trigger and the symptom logged
    reason: str | None = None  # why there is not enough data
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None


def completeness(series: DiarySeries, h: Hypothesis) -> float:
    both = ~np.isnan(series.triggers[h.trigger]) & ~np.isnan(series.symptoms[h.symptom])
    return float(both.mean())


def _window_mean(y: np.ndarray, a: int, b: int) -> np.ndarray:
    """Mean of y[t+a..t+b] over logged days, NaN unless at least half the window was logged."""
    n = len(y)
    width = b - a + 1
    stack = np.full((width, n), np.nan)
    for j, lag in enumerate(range(a, b + 1)):
        if lag < n:
            stack[j, : n - lag] = y[lag:]
    logged = (~np.isnan(stack)).sum(axis=0)
    total = np.nansum(stack, axis=0)
    out = np.full(n, np.nan)
    ok = logged >= math.ceil(width / 2)
    out[ok] = total[ok] / logged[ok]
    return out


def design(series: DiarySeries, h: Hypothesis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome, design matrix (exposure in column 1) and the analysable-day mask."""
    y = series.symptoms[h.symptom]
    x = h.exposure.apply(series.triggers[h.trigger])
    outcome = _window_mean(y, h.lag_start, h.lag_end)
    previous = np.concatenate([[np.nan], y[:-1]])
    t = np.arange(series.days, dtype=float)
    keep = ~np.isnan(outcome) & ~np.isnan(x) & ~np.isnan(previous)
    weekday = series.weekday()
    columns = [np.ones(series.days), x, previous, t / 365.0]
    columns += [(weekday == d).astype(float) for d in range(1, 7)]
    # Slow drifts (season, flares, a change of treatment): cosine terms with periods down to
    # TREND_PERIOD_DAYS, so only faster day-to-day co-movement is attributed to the trigger.
    for k in range(1, int(2 * series.days / TREND_PERIOD_DAYS) + 1):
        columns.append(np.cos(math.pi * k * (t + 0.5) / series.days))
    return outcome, np.column_stack(columns), keep


# Randomisation test: the exposure column is shuffled in blocks of 7 consecutive analysable days
# (keeping its within-week persistence), the model refitted, and the exposure's t statistic
# compared with the shuffled ones. Deterministic: the shuffles come from a fixed seed.
PERMUTATIONS = 999
BLOCK_ROWS = 7
PERMUTATION_SEED = 20260101


def _permuted_effects(y: np.ndarray, x: np.ndarray,
                      covariates: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """The exposure coefficient, its classical standard error and t, and the block-permutation
    distribution of t.

    Frisch-Waugh-Lovell: with Q an orthonormal basis of the covariates and r = y - Q Q'y, the
    coefficient of a column x is x'r / (x'x - |Q'x|^2), so every shuffle costs one row of a
    matrix product.
    """
    q, _ = np.linalg.qr(covariates)
    r = y - q @ (q.T @ y)
    n = len(y)
    blocks = n // BLOCK_ROWS
    rng = np.random.Generator(np.random.PCG64(PERMUTATION_SEED))
    order = rng.permuted(np.tile(np.arange(blocks), (PERMUTATIONS, 1)), axis=1)
    idx = (order[:, :, None] * BLOCK_ROWS + np.arange(BLOCK_ROWS)).reshape(PERMUTATIONS, -1)
    tail = np.arange(blocks * BLOCK_ROWS, n)
    idx = np.concatenate([idx, np.broadcast_to(tail, (PERMUTATIONS, len(tail)))], axis=1)
    xs = np.vstack([x, x[idx]])
    proj = xs @ q
    denom = np.einsum("ij,ij->i", xs, xs) - np.einsum("ij,ij->i", proj, proj)
    ok = denom > 1e-9
    safe = np.where(ok, denom, 1.0)
    effects = np.where(ok, (xs @ r) / safe, 0.0)
    dof = max(n - q.shape[1] - 1, 1)
    rss = np.maximum(r @ r - effects**2 * safe, 1e-12)
    se = np.sqrt(rss / dof / safe)
    t = np.where(ok, effects / se, 0.0)
    return float(effects[0]), float(se[0]), float(t[0]), t[1:]


def estimate(series: DiarySeries, h: Hypothesis) -> Estimate:
    share = completeness(series, h)
    outcome, X, keep = design(series, h)
    exposed_col = X[:, 1]
    n_exp = int(np.sum(keep & (exposed_col == 1)))
    n_unexp = int(np.sum(keep & (exposed_col == 0)))
    base = {"hypothesis": h, "n_exposed": n_exp, "n_unexposed": n_unexp, "completeness": share}
    if share < MIN_COMPLETENESS:
        return Estimate(status="not_enough_data", reason="completeness", **base)
    if n_exp < MIN_EXPOSED_DAYS:
        return Estimate(status="not_enough_data", reason="exposed_days", **base)
    if n_unexp < MIN_UNEXPOSED_DAYS:
        return Estimate(status="not_enough_data", reason="unexposed_days", **base)
    yk, Xk = outcome[keep], X[keep]
    # Drop design columns that are constant zero here (e.g. a weekday never logged).
    cols = [0, 1] + [j for j in range(2, Xk.shape[1]) if np.ptp(Xk[:, j]) > 0]
    Xk = Xk[:, cols]
    if Xk.shape[0] <= Xk.shape[1] + 2 or np.linalg.matrix_rank(Xk) < Xk.shape[1]:
        # Too few rows, or the exposure is a mix of the covariates (e.g. only ever on Mondays).
        return Estimate(status="not_enough_data", reason="too_few_days_for_model", **base)
    if np.ptp(yk) == 0:
        # The symptom never varied: no difference, and no uncertainty to estimate.
        return Estimate(status="not_enough_data", reason="symptom_never_changed", **base)
    effect, se, t, null_t = _permuted_effects(yk, Xk[:, 1], np.delete(Xk, 1, axis=1))
    p_value = (1 + int(np.sum(np.abs(null_t) >= abs(t) - 1e-12))) / (1 + len(null_t))
    half_width = float(np.quantile(np.abs(null_t), CONFIDENCE)) * se
    values = (effect, effect - half_width, effect + half_width, p_value)
    if not all(math.isfinite(v) for v in values):
        return Estimate(status="not_enough_data", reason="too_few_days_for_model", **base)
    return Estimate(status="estimated", effect=values[0], ci_low=values[1], ci_high=values[2],
                    p_value=values[3], **base)
