"""Fail-safe N and the test of excess significance (metafor ``fsn`` and ``tes``, 3.8-1).

Fail-safe N: how many unpublished null studies would overturn the result. Rosenthal (1979):
Stouffer's combined z with a one-sided α; Orwin (1983): studies with effect 0 that bring the
(unweighted, by default) mean effect down to a target, by default half the mean; Rosenberg
(2005): studies of average weight and effect 0 that make the equal-effects estimate
non-significant (two-sided α). Counts are rounded up, as metafor. Fail-safe numbers are a
crude guide (they assume the missing studies average exactly 0); say so when reporting them.

Excess significance (Ioannidis & Trikalinos 2007): O significant studies observed against
E = Σ powerᵢ expected if the true effect were θ (default: the equal-effects estimate), with
powerᵢ of each study's two-sided z test at α. The p-value is P(O' ≥ O) for the exact
Poisson–binomial distribution of O' (metafor's "exact" test; computed here by convolution
instead of enumerating subsets, the same sum), or, when metafor would enumerate more than 10⁶
subsets, its one-sample χ² score test (``prop.test`` without continuity correction).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.model import _jsonable

FSN_TYPES = ("Rosenthal", "Orwin", "Rosenberg")


@dataclass(frozen=True)
class FailSafeN:
    type: str
    fsnum: float  # a whole number, or inf (Orwin with target 0)
    alpha: float
    pval: float | None
    meanes: float | None
    target: float | None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def _arrays(yi: Any, vi: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(yi, dtype=float).reshape(-1)
    v = np.asarray(vi, dtype=float).reshape(-1)
    if y.size != v.size:
        raise InputError("vi", f"has {v.size} values, expected {y.size}")
    if y.size < 2:
        raise InputError("yi", "needs at least 2 studies")
    for name, a in (("yi", y), ("vi", v)):
        bad = ~np.isfinite(a)
        if bad.any():
            raise InputError(f"{name}[{int(np.argmax(bad))}]", "missing or non-finite value")
    bad = v <= 0
    if bad.any():
        raise InputError(f"vi[{int(np.argmax(bad))}]", "sampling variance must be > 0")
    return y, v


def _round_up(x: float) -> float:
    """metafor: ceiling, unless within √ε of a whole number (then round)."""
    if np.isinf(x):
        return x
    return float(np.ceil(x) if abs(x - round(x)) >= np.finfo(float).eps ** 0.5 else round(x))


def fsn(yi: Any, vi: Any, type: str = "Rosenthal", alpha: float = 0.05,
        target: float | None = None, weighted: bool = False) -> FailSafeN:  # fmt: skip
    """Fail-safe N (metafor ``fsn``); ``yi, vi`` may also be an EffectSizes' arrays."""
    kind = str(type).capitalize()
    if kind not in FSN_TYPES:
        raise InputError("type", f"one of {', '.join(FSN_TYPES)}")
    if not 0 < alpha < 1:
        raise InputError("alpha", "must lie between 0 and 1")
    y, v = _arrays(yi, vi)
    k = y.size
    if kind == "Rosenthal":
        z_avg = abs(float(np.sum(y / np.sqrt(v))) / np.sqrt(k))
        n = max(0.0, k * (z_avg / float(dist.norm_isf(alpha))) ** 2 - k)
        return FailSafeN(kind, _round_up(n), alpha, float(dist.norm_sf(z_avg)), None, None)
    if kind == "Orwin":
        w = 1 / v if weighted else np.ones(k)
        mean = float(np.sum(w * y) / w.sum())
        goal = mean / 2 if target is None else float(target)
        if goal == 0:
            return FailSafeN(kind, float("inf"), alpha, None, mean, goal)
        if np.sign(goal) != np.sign(mean):
            goal = -goal
        n = max(0.0, k * (mean - goal) / goal)
        return FailSafeN(kind, _round_up(n), alpha, None, mean, goal)
    w = 1 / v
    mean = float(np.sum(w * y) / w.sum())
    z = mean / np.sqrt(1 / w.sum())
    extra_weight = (float(np.sum(w * y)) / float(dist.norm_isf(alpha / 2))) ** 2 - w.sum()
    n = max(0.0, k * extra_weight / w.sum())
    return FailSafeN(kind, _round_up(n), alpha, float(2 * dist.norm_sf(abs(z))), mean, None)


@dataclass(frozen=True)
class ExcessSignificance:
    k: int
    O: int  # noqa: E741 (metafor's name: observed significant studies)
    E: float
    OEratio: float
    test: str  # "exact" or "chi2"
    pval: float
    power: np.ndarray
    theta: float

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def _poisson_binomial(p: np.ndarray) -> np.ndarray:
    """P(S = j), j = 0..k, for a sum of independent Bernoulli(pᵢ)."""
    probs = np.zeros(p.size + 1)
    probs[0] = 1.0
    for i, q in enumerate(p, start=1):
        probs[1 : i + 1] = probs[1 : i + 1] * (1 - q) + probs[:i] * q
        probs[0] *= 1 - q
    return probs


def tes(yi: Any, vi: Any, alpha: float = 0.05, theta: float | None = None) -> ExcessSignificance:
    """Test of excess significance (metafor ``tes`` defaults: two-sided tests of each study at
    ``alpha``, one-sided test for an excess, θ the equal-effects estimate unless given)."""
    if not 0 < alpha < 1:
        raise InputError("alpha", "must lie between 0 and 1")
    y, v = _arrays(yi, vi)
    k = y.size
    se = np.sqrt(v)
    crit = float(dist.norm_isf(alpha / 2))
    th = float(np.sum(y / v) / np.sum(1 / v)) if theta is None else float(theta)
    shift = th / se
    power = dist.norm_sf(crit - shift) + dist.norm_cdf(-crit - shift)
    O = int(np.sum(np.abs(y / se) >= crit))  # noqa: E741
    E = float(np.sum(power))
    if sum(comb(k, j) for j in range(O, k + 1)) <= 10**6:
        test = "exact"
        pval = min(1.0, float(np.sum(_poisson_binomial(power)[O:])))
    else:
        test = "chi2"
        p0 = E / k
        x2 = (O - k * p0) ** 2 / (k * p0 * (1 - p0))
        z = np.sqrt(x2)
        pval = float(dist.norm_sf(z) if O / k > p0 else 1 - dist.norm_sf(z))
    return ExcessSignificance(k, O, E, O / E if E > 0 else float("inf"), test, pval, power, th)
