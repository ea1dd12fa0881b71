"""Confidence intervals for the heterogeneity parameters by the Q-profile method.

Viechtbauer (2007): the bounds for τ² are the values at which the generalised Q statistic
Q(τ²) = Σ(yᵢ − xᵢb(τ²))²/(vᵢ + τ²) equals the upper and lower α/2 quantiles of χ²(k − p).
Q(τ²) decreases in τ², so each bound is a single root; a bound is 0 when Q(0) already lies below
its quantile (metafor ``confint.rma.uni``). The I² and H² bounds follow from the τ² bounds with
the model's typical within-study variance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.errors import ConvergenceError
from lupuscare.evidence.estimators import brentq, generalised_q
from lupuscare.evidence.model import RMAResult


@dataclass(frozen=True)
class Interval:
    estimate: float
    lb: float
    ub: float

    def to_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "ci_lb": self.lb, "ci_ub": self.ub}


@dataclass(frozen=True)
class HeterogeneityCI:
    tau2: Interval
    tau: Interval
    I2: Interval
    H2: Interval
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "tau2": self.tau2.to_dict(),
            "tau": self.tau.to_dict(),
            "I2": self.I2.to_dict(),
            "H2": self.H2.to_dict(),
        }


def confint_tau2(res: RMAResult, level: float | None = None, type: str = "QP") -> HeterogeneityCI:
    """Confidence intervals for τ², τ, I² and H² of a fitted ``rma`` model.

    ``type="QP"`` (default, metafor's): Q-profile. ``type="PL"``: profile likelihood, for ML and
    REML fits: the τ² where 2·(ℓ(τ̂²) − ℓ(τ²)) equals the χ²(1) quantile (Hardy & Thompson 1996).
    """
    if type == "PL":
        return _profile_likelihood(res, level)
    if type != "QP":
        raise InputError("type", "one of QP, PL")
    if res.method in ("MH", "PETO"):
        raise InputError("method", "confint_tau2 needs a model fitted by rma()")
    level = res.level if level is None else float(level)
    k, p = res.X.shape
    if k - p < 1:
        raise InputError(
            "yi", "a confidence interval for tau2 needs more studies than coefficients"
        )
    if np.any(res.vi <= 0):
        raise InputError("vi", "the Q-profile method needs every sampling variance > 0")
    alpha = 1 - level / 100
    y, v, X = res.yi, res.vi, res.X
    crit_hi = dist.chi2_isf(alpha / 2, k - p)  # gives the lower bound of tau2
    crit_lo = dist.chi2_ppf(alpha / 2, k - p)  # gives the upper bound

    def q(t: float) -> float:
        return generalised_q(t, y, v, X)

    q0 = q(0.0)
    lb = 0.0 if q0 < crit_hi else _root(lambda t: q(t) - crit_hi)
    ub = 0.0 if q0 < crit_lo else _root(lambda t: q(t) - crit_lo)
    vt = res.vt

    def i2(t: float) -> float:
        return 100 * t / (vt + t)

    def h2(t: float) -> float:
        return 1 + t / vt

    est = res.tau2
    return HeterogeneityCI(
        tau2=Interval(est, lb, ub),
        tau=Interval(float(np.sqrt(est)), float(np.sqrt(lb)), float(np.sqrt(ub))),
        I2=Interval(i2(est), i2(lb), i2(ub)),
        H2=Interval(h2(est), h2(lb), h2(ub)),
        level=level,
    )


def _root(f) -> float:
    hi = 1.0
    while f(hi) > 0:
        hi *= 10
        if hi > 1e12:
            raise ConvergenceError("tau2", "Q-profile bound not found below tau2 = 1e12")
    return float(brentq(f, 0.0, hi, xtol=1e-14, rtol=1e-13, maxiter=500))


def _profile_likelihood(res: RMAResult, level: float | None) -> HeterogeneityCI:
    from lupuscare.evidence.estimators import _ll

    if res.method not in ("ML", "REML"):
        raise InputError("method", "profile-likelihood CIs need an ML or REML fit")
    level = res.level if level is None else float(level)
    crit = dist.chi2_ppf(level / 100, 1)
    y = res.yi - res.yi.mean()
    ll_max = _ll(res.method, y, res.vi, res.X, res.tau2)

    def f(t: float) -> float:
        return 2 * (ll_max - _ll(res.method, y, res.vi, res.X, t)) - crit

    lb = 0.0 if f(0.0) <= 0 else float(brentq(f, 0.0, res.tau2, xtol=1e-14, rtol=1e-13))
    hi = max(1.0, 2 * res.tau2)
    while f(hi) < 0:
        hi *= 10
        if hi > 1e12:
            raise ConvergenceError("tau2", "profile-likelihood upper bound not found")
    ub = float(brentq(f, res.tau2, hi, xtol=1e-14, rtol=1e-13))
    vt = res.vt
    est = res.tau2
    return HeterogeneityCI(
        tau2=Interval(est, lb, ub),
        tau=Interval(float(np.sqrt(est)), float(np.sqrt(lb)), float(np.sqrt(ub))),
        I2=Interval(*(100 * t / (vt + t) for t in (est, lb, ub))),
        H2=Interval(*(1 + t / vt for t in (est, lb, ub))),
        level=level,
    )
