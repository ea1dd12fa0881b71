"""Step-function selection models for publication bias (metafor ``selmodel(type="stepfun")``;
Hedges 1992, Vevea & Hedges 1995).

A study is "published" with relative probability δⱼ according to the interval of its one-sided
p-value (pᵢ = 1 − Φ(yᵢ/√vᵢ), alternative "greater"): δ₁ = 1 for p ≤ steps[0], δ₂, … estimated
for the later intervals. The likelihood of yᵢ ~ N(xᵢβ, vᵢ + τ²) is weighted by δ of its
interval and divided by Aᵢ, the probability of publication under the model — closed form for
a step function (normal tail areas at the cut points √vᵢ·z₁₋ₛ). Fitted by maximum likelihood
(τ² fixed at 0 for an equal-effects model), as metafor; metafor optimises with BFGS on
transformed parameters and stops at ``reltol`` 1e-8, we iterate to 1e-12, so estimates agree
with a tightly-converged metafor run. SEs from the inverse Hessian of the log-likelihood in
(β, τ², δ), by Richardson-extrapolated central differences (metafor: numDeriv, the same
method). The LRT compares with the model without selection (df = number of δ estimated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.errors import ConvergenceError
from lupuscare.evidence.model import ModelSpec, RMAResult, _jsonable, fit_model


@dataclass(frozen=True)
class SelectionModel:
    steps: tuple[float, ...]
    beta: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    tau2: float
    tau2_se: float | None
    delta: np.ndarray  # δ₁ = 1 first
    delta_se: np.ndarray  # NaN for the fixed δ₁
    k_per_interval: tuple[int, ...]
    logLik: float
    LRT: float
    LRT_df: int
    LRT_pval: float

    @property
    def estimate(self) -> float:
        return float(self.beta[0])

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def _log_norm_sf(x: np.ndarray) -> np.ndarray:
    return special.log_ndtr(-x)


def _loglik(beta, tau2, delta, y, v, X, cuts, group):
    mu = X @ beta
    s = np.sqrt(v + tau2)
    # P(Y ≥ cⱼ) for every cut point (columns), Y ~ N(μᵢ, sᵢ)
    tail = special.ndtr(-(cuts - mu[:, None]) / s[:, None])
    n = delta.size
    A = tail[:, 0].copy()
    for j in range(1, n - 1):
        A += delta[j] * (tail[:, j] - tail[:, j - 1])
    A += delta[n - 1] * (1 - tail[:, n - 2])
    dens = -0.5 * np.log(2 * np.pi * s**2) - 0.5 * ((y - mu) / s) ** 2
    return float(np.sum(np.log(delta[group]) + dens - np.log(A)))


def _hessian(f, x: np.ndarray, rel: float = 1e-3) -> np.ndarray:
    """Richardson-extrapolated central second differences (error O(h⁴))."""
    n = x.size
    h0 = rel * np.maximum(np.abs(x), 1e-2)

    def central(h: np.ndarray) -> np.ndarray:
        H = np.zeros((n, n))
        for i in range(n):
            for j in range(i, n):
                ei, ej = np.zeros(n), np.zeros(n)
                ei[i], ej[j] = h[i], h[j]
                H[i, j] = H[j, i] = (
                    f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
                ) / (4 * h[i] * h[j])
        return H

    return (4 * central(h0 / 2) - central(h0)) / 3


def selmodel(res: RMAResult, steps: Sequence[float], level: float | None = None) -> SelectionModel:
    """Fit a step-function selection model to the studies of ``res`` (its moderators kept)."""
    from scipy.optimize import minimize  # lazily: only this verb needs it

    if res.tables is not None:
        raise InputError("method", "selection models need a model fitted by rma()")
    if res.spec.weights is not None:
        raise InputError("weights", "selection models are fitted by ML with the model's weights")
    cut = sorted({float(s) for s in steps})
    if not cut or cut[0] <= 0 or cut[-1] > 1:
        raise InputError("steps", "p-value cut points must lie in (0, 1]")
    if cut[-1] != 1:
        cut.append(1.0)
    if len(cut) < 2:
        raise InputError("steps", "give at least one cut point below 1")
    y, v, X = res.yi, res.vi, res.X
    if np.any(v <= 0):
        raise InputError("vi", "selection models need every sampling variance > 0")
    k, p = X.shape
    pvals = dist.norm_sf(y / np.sqrt(v))
    group = np.array([next(j for j, s in enumerate(cut) if pv <= s) for pv in pvals])
    counts = tuple(int(np.sum(group == j)) for j in range(len(cut)))
    empty = [j for j, c in enumerate(counts) if c == 0]
    if empty:
        raise InputError("steps", f"no study has a p-value in interval {empty[0] + 1}; merge it")
    n_delta = len(cut) - 1
    if k <= p + n_delta + (0 if res.method == "EE" else 1):
        raise InputError("yi", "too few studies for this selection model")
    cuts = np.sqrt(v)[:, None] * (-special.ndtri(np.array(cut[:-1])))[None, :]
    fixed_tau = res.method == "EE"

    def unpack(theta: np.ndarray):
        beta = theta[:p]
        tau2 = 0.0 if fixed_tau else float(np.exp(theta[p]))
        d = np.exp(theta[p + (0 if fixed_tau else 1) :])
        return beta, tau2, np.concatenate([[1.0], d])

    def nll(theta: np.ndarray) -> float:
        beta, tau2, delta = unpack(theta)
        val = -_loglik(beta, tau2, delta, y, v, X, cuts, group)
        return val if np.isfinite(val) else 1e300

    # the model without selection, by ML (metafor's LRT reference and start values)
    ml = fit_model(y, v, X, [c.name for c in res.coefficients],
                   ModelSpec("EE" if fixed_tau else "ML", measure=res.measure))  # fmt: skip
    start = np.concatenate([ml.beta, [] if fixed_tau else [np.log(ml.tau2 + 0.001)],
                            np.zeros(n_delta)])  # fmt: skip
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        opt = minimize(nll, start, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
        opt = minimize(nll, opt.x, method="Nelder-Mead",
                       options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000,
                                "maxfev": 40000})  # fmt: skip
    if not np.isfinite(opt.fun):
        raise ConvergenceError("selmodel", "the selection model's likelihood could not be maximised")
    beta, tau2, delta = unpack(opt.x)
    if tau2 < 10 * np.finfo(float).eps:
        tau2 = 0.0
    # Hessian in the natural parameters (β, τ², δ₂…) as metafor (htransf = FALSE)
    nat = np.concatenate([beta, [] if fixed_tau else [tau2], delta[1:]])

    def nll_nat(z: np.ndarray) -> float:
        b = z[:p]
        t2 = 0.0 if fixed_tau else z[p]
        d = np.concatenate([[1.0], z[p + (0 if fixed_tau else 1) :]])
        if t2 < 0 or np.any(d <= 0):
            return np.nan
        return -_loglik(b, t2, d, y, v, X, cuts, group)

    with np.errstate(invalid="ignore", divide="ignore"):
        H = _hessian(nll_nat, nat)
    try:
        cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        raise ConvergenceError("selmodel", "the information matrix is singular") from None
    se_all = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    se = se_all[:p]
    level = res.level if level is None else float(level)
    crit = dist.norm_crit(1 - level / 100)
    zval = beta / se
    ll = -float(opt.fun)
    ll0 = ml.fitstats.logLik
    lrt = max(0.0, 2 * (ll - ll0))
    tau_se = None if fixed_tau else float(se_all[p])
    d_se = np.concatenate([[np.nan], se_all[p + (0 if fixed_tau else 1) :]])
    return SelectionModel(
        steps=tuple(cut), beta=beta, se=se, zval=zval, pval=dist.norm_two_sided_p(zval),
        ci_lb=beta - crit * se, ci_ub=beta + crit * se, tau2=tau2, tau2_se=tau_se, delta=delta,
        delta_se=d_se, k_per_interval=counts, logLik=ll, LRT=lrt, LRT_df=n_delta,
        LRT_pval=dist.chi2_sf(lrt, n_delta),
    )  # fmt: skip
