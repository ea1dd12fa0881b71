"""Estimators of the between-study variance τ², one function per estimator.

Each follows R metafor's ``rma.uni`` (version 3.8-1, read to learn): the same starting values,
the same iterations, the same stopping rule (change in τ² below ``threshold = 1e-5``, at most
``maxiter = 100`` iterations) and the same truncation at 0, so estimates agree with metafor to
machine precision rather than to a tolerance. Standard errors of τ² are metafor's.

References: DerSimonian & Laird (1986); Hedges (1983) "HE"; Hunter & Schmidt (2004) "HS";
Sidik & Jonkman (2005) "SJ"; Paule & Mandel (1982) "PM"; Morris (1983) "EB"; Viechtbauer (2005)
ML/REML by Fisher scoring; Raudenbush (2009) for the meta-regression forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.errors import ConvergenceError

THRESHOLD = 1e-5  # metafor control$threshold
MAXITER = 100  # metafor control$maxiter
TAU2_MAX = 100.0  # metafor control$tau2.max, raised to 10·mad(y)² (root-search interval end)
TAU2_LIMIT = 1e12  # beyond this a root search gives up (ConvergenceError)
LL0_TOL = np.finfo(float).eps ** 0.25  # metafor control$tol, used by the ll0 check

METHODS = ("EE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS")
ALIASES = {"FE": "EE", "CE": "EE", "CO": "HE", "VC": "HE", "MP": "PM", "HSK": "HSk"}
EXTRA_METHODS = ("HSk", "PMM", "GENQ", "GENQM")  # beyond contracts §4; GENQ* need genq_weights


@dataclass(frozen=True)
class Tau2Estimate:
    tau2: float
    se: float | None
    iterations: int = 0
    warnings: tuple[str, ...] = ()


def normalise_method(method: str) -> str:
    m = str(method).upper()
    m = ALIASES.get(m, m)
    if m not in (*METHODS, *EXTRA_METHODS):
        raise InputError("method", f"unknown method {method!r}; one of {', '.join(METHODS)}")
    return m


def inv_small(M: np.ndarray) -> np.ndarray:
    """Inverse of a small symmetric positive-definite matrix (1×1 without LAPACK overhead)."""
    if M.shape == (1, 1):
        return 1.0 / M
    return np.linalg.inv(M)


def logdet_small(M: np.ndarray) -> float:
    if M.shape == (1, 1):
        return float(np.log(M[0, 0]))
    return float(np.linalg.slogdet(M)[1])


def projection(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """P = W − W X (X'WX)⁻¹ X'W: the residual-forming matrix of weighted least squares."""
    WX = X * w[:, None]
    P = -(WX @ inv_small(X.T @ WX) @ WX.T)
    P.flat[:: P.shape[0] + 1] += w
    return P


def _centered(yi: np.ndarray) -> np.ndarray:
    # metafor estimates τ² from mean-centred yi (identical whenever the model has an intercept).
    return yi - yi.mean()


def estimate_tau2(
    method: str,
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray,
    *,
    tau2_init: float | None = None,
    genq_weights: np.ndarray | None = None,
    stepadj: float = 1.0,
    maxiter: int | None = None,
) -> Tau2Estimate:
    """Dispatch to the estimator named ``method`` (already normalised).

    ``tau2_init`` replaces metafor's starting value (SJ: var(y)(k−1)/k; ML/REML/EB: max(0, HE)),
    as metafor's ``control=list(tau2.init=...)``; ``genq_weights`` are the weights of the
    generalised method-of-moments estimator GENQ (DerSimonian & Kacker 2007). ``stepadj`` and
    ``maxiter`` are metafor's remedies for Fisher scoring that oscillates (``control=list(
    stepadj=0.5)``): each step is multiplied by ``stepadj``.
    """
    if method == "EE":
        return Tau2Estimate(0.0, None)
    if method in ("DL", "PM", "PMM", "HS", "HSk") and np.any(vi <= 0):
        raise InputError("vi", f"the {method} estimator needs every sampling variance > 0")
    y = _centered(yi)
    if method in ("GENQ", "GENQM"):
        if genq_weights is None:
            raise InputError("genq_weights", "method GENQ needs weights, one per study")
        a = np.asarray(genq_weights, dtype=float).reshape(-1)
        if a.size != y.size or np.any(~np.isfinite(a)) or np.any(a <= 0):
            raise InputError("genq_weights", "need one positive weight per study")
        return genq(y, vi, X, a) if method == "GENQ" else genqm(y, vi, X, a)
    if method == "SJ":
        return sj(y, vi, X, tau2_init)
    if method in ("ML", "REML", "EB"):
        return _fisher_scoring(y, vi, X, method, tau2_init, stepadj, maxiter)
    return _ESTIMATORS[method](y, vi, X)


def dl(y: np.ndarray, vi: np.ndarray, X: np.ndarray) -> Tau2Estimate:
    """DerSimonian–Laird: method of moments on Cochran's Q with weights 1/vi."""
    k, p = X.shape
    P = projection(1 / vi, X)
    rss = float(y @ P @ y)
    trP = float(np.trace(P))
    tau2 = max(0.0, (rss - (k - p)) / trP)
    se = np.sqrt((2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * np.sum(P * P)) / trP**2)
    return Tau2Estimate(tau2, float(se))


def he(y: np.ndarray, vi: np.ndarray, X: np.ndarray) -> Tau2Estimate:
    """Hedges (HE, also "CO"/"VC"): unweighted method of moments."""
    tau2, trPV, PV, k, p = _he_raw(y, vi, X)
    tau2 = max(0.0, tau2)
    se = np.sqrt((2 * np.sum(PV * PV.T) + 4 * tau2 * trPV + 2 * tau2**2 * (k - p)) / (k - p) ** 2)
    return Tau2Estimate(tau2, float(se))


def _he_raw(y: np.ndarray, vi: np.ndarray, X: np.ndarray):
    k, p = X.shape
    P = projection(np.ones(k), X)
    rss = float(y @ P @ y)
    PV = P * vi[None, :]
    trPV = float(np.trace(PV))
    return (rss - trPV) / (k - p), trPV, PV, k, p


def hs(y: np.ndarray, vi: np.ndarray, X: np.ndarray, small_sample: bool = False) -> Tau2Estimate:
    """Hunter–Schmidt: (Q − k)/Σw (``HSk`` rescales Q by k/(k−p))."""
    k, p = X.shape
    w = 1 / vi
    P = projection(w, X)
    rss = float(y @ P @ y)
    factor = k / (k - p) if small_sample else 1.0
    tau2 = max(0.0, (factor * rss - k) / w.sum())
    se = factor * np.sqrt(
        (2 * (k - p) + 4 * tau2 * np.trace(P) + 2 * tau2**2 * np.sum(P * P)) / w.sum() ** 2
    )
    return Tau2Estimate(tau2, float(se))


def sj(
    y: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2_init: float | None = None
) -> Tau2Estimate:
    """Sidik–Jonkman: one weighted step from the start value var(y)·(k−1)/k (or ``tau2_init``)."""
    k, p = X.shape
    # var(y)·(k−1)/k with R's n−1 variance is numpy's population variance.
    tau2_0 = float(np.var(y)) if tau2_init is None else float(tau2_init)
    if tau2_0 < 0:
        raise InputError("tau2_init", "the SJ starting value must not be negative")
    if tau2_0 == 0 and np.any(vi <= 0):
        # identical effects start SJ at 0 (metafor then gives τ² = 0, SE 0), but a zero
        # sampling variance would get an infinite weight
        raise InputError("yi", "the SJ estimator needs effect sizes that are not all equal")
    P = projection(1 / (vi + tau2_0), X)
    rss = float(y @ P @ y)
    tau2 = max(0.0, tau2_0 * rss / (k - p))
    PV = P * vi[None, :]
    se = np.sqrt(
        tau2_0**2
        / (k - p) ** 2
        * (2 * np.sum(PV * PV.T) + 4 * tau2 * np.sum(PV * P) + 2 * tau2**2 * np.sum(P * P))
    )
    return Tau2Estimate(tau2, float(se))


def generalised_q(tau2: float, y: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Q(τ²) = y' P(τ²) y: the weighted residual sum of squares at a given τ²."""
    w = 1 / (vi + tau2)
    WX = X * w[:, None]
    beta = inv_small(X.T @ WX) @ (WX.T @ y)
    r = y - X @ beta
    return float(np.sum(w * r * r))


def genq(y: np.ndarray, vi: np.ndarray, X: np.ndarray, a: np.ndarray) -> Tau2Estimate:
    """Generalised method of moments with weights a (DerSimonian & Kacker 2007; metafor GENQ).

    With a = 1/(vᵢ + τ̂²_HE) it is the two-step "CA2", with a = 1/(vᵢ + τ̂²_DL) the two-step
    "DL2" estimator.
    """
    k, p = X.shape
    P = projection(a, X)
    PV = P * vi[None, :]
    trP = float(np.trace(P))
    trPV = float(np.trace(PV))
    tau2 = max(0.0, (float(y @ P @ y) - trPV) / trP)
    se = np.sqrt(
        (2 * np.sum(PV * PV.T) + 4 * tau2 * np.sum(PV * P) + 2 * tau2**2 * np.sum(P * P)) / trP**2
    )
    return Tau2Estimate(tau2, float(se))


def imhof_sf(q: float, lam: np.ndarray, eps: float = 1e-9) -> float:
    """P(Σ λⱼ χ²₁ > q) by Imhof's (1961) inversion formula (metafor uses Farebrother's
    algorithm for the same probability).

    The integrand is integrated with 32-point Gauss–Legendre rules on short panels up to the
    point where the tail bound ∫ u^(−1−m/2)/Π√λⱼ falls below ``eps``.
    """
    lam = np.asarray(lam, dtype=float)
    lam = lam[lam > 1e-14 * lam.max()]
    m = lam.size
    upper = (2 / (m * eps * np.prod(np.sqrt(lam)))) ** (2 / m)
    speed = 0.5 * (lam.sum() + q)  # θ'(u) is at most this: panels shorter than a period
    width = min(2 * np.pi / speed, upper / 64)
    n = min(int(np.ceil(upper / width)), 200_000)
    nodes, wts = np.polynomial.legendre.leggauss(32)
    left = np.arange(n)[:, None] * width
    u = left + (nodes[None, :] + 1) * width / 2
    lu = lam[None, None, :] * u[:, :, None]
    theta = 0.5 * np.arctan(lu).sum(axis=2) - 0.5 * q * u
    rho = np.exp(0.25 * np.log1p(lu**2).sum(axis=2))
    integral = float(np.sum(wts[None, :] * np.sin(theta) / (u * rho)) * width / 2)
    return 0.5 + integral / np.pi


def genqm(y: np.ndarray, vi: np.ndarray, X: np.ndarray, a: np.ndarray) -> Tau2Estimate:
    """Median-unbiased generalised Q estimator (metafor GENQM): the τ² at which the observed
    Q_a = y'P_a y is the median of its exact distribution, a weighted sum of χ²₁ variables."""
    k, p = X.shape
    P = projection(a, X)
    q_obs = float(y @ P @ y)

    def upper_tail(t: float) -> float:
        s = np.sqrt(vi + t)
        lam = np.linalg.eigvalsh(s[:, None] * P * s[None, :])[::-1][: k - p]
        return imhof_sf(q_obs, lam)

    if upper_tail(0.0) > 0.5:
        tau2 = 0.0
    else:
        tau2 = _solve_q(lambda t: 0.5 - upper_tail(t), "GENQM", tau2_max(y))
    PV = P * vi[None, :]
    trP = float(np.trace(P))
    se = np.sqrt(
        (2 * np.sum(PV * PV.T) + 4 * tau2 * np.sum(PV * P) + 2 * tau2**2 * np.sum(P * P)) / trP**2
    )
    return Tau2Estimate(tau2, float(se))


def pmm(y: np.ndarray, vi: np.ndarray, X: np.ndarray) -> Tau2Estimate:
    """Median-unbiased Paule–Mandel: Q(τ²) equals the median of χ²(k − p) (metafor PMM)."""
    k, p = X.shape
    target = dist.chi2_ppf(0.5, k - p)
    tau2 = _solve_q(lambda t: generalised_q(t, y, vi, X) - target, "PMM", tau2_max(y))
    w = 1 / (vi + tau2)
    return Tau2Estimate(tau2, float(np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2)))


def pm(y: np.ndarray, vi: np.ndarray, X: np.ndarray) -> Tau2Estimate:
    """Paule–Mandel: the τ² at which the generalised Q equals its expectation k − p.

    metafor finds the root with ``uniroot`` at tolerance ε^¼; we solve to ~1e-12, so PM agrees
    with metafor to metafor's own root-finding tolerance (about 1e-4 on τ²), not beyond.
    """
    k, p = X.shape
    target = k - p
    tau2 = _solve_q(lambda t: generalised_q(t, y, vi, X) - target, "PM", tau2_max(y))
    w = 1 / (vi + tau2)
    se = np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2)
    return Tau2Estimate(tau2, float(se))


def tau2_max(y: np.ndarray) -> float:
    """metafor's upper end of the τ² search: max(100, 10·mad(y)²), mad scaled by 1.4826."""
    mad = 1.4826 * float(np.median(np.abs(y - np.median(y))))
    return max(TAU2_MAX, 10 * mad**2)


def _solve_q(f: Callable[[float], float], name: str, upper: float) -> float:
    """Root of a decreasing f on [0, ∞): 0 if f(0) < 0. The search starts on metafor's
    interval [0, upper] and widens it tenfold as needed (metafor stops with "tau2.max too low"
    instead; a Q-type equation always has its root at a finite τ²)."""
    if f(0.0) < 0:
        return 0.0
    while f(upper) > 0:
        upper *= 10
        if upper > TAU2_LIMIT:
            raise ConvergenceError(
                "tau2", f"{name}: no root below tau2 = {TAU2_LIMIT:g}; check the data's scale"
            )
    return float(brentq(f, 0.0, upper, xtol=1e-14, rtol=1e-13, maxiter=500))


def brentq(f: Callable[[float], float], a: float, b: float, **options) -> float:
    """scipy.optimize.brentq, imported on first use (scipy.optimize costs ~1 s of a CLI run
    that never searches for a root)."""
    from scipy.optimize import brentq as _brentq

    return _brentq(f, a, b, **options)


def _fisher_scoring(
    y: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray,
    kind: str,
    tau2_init: float | None = None,
    stepadj: float = 1.0,
    maxiter: int | None = None,
) -> Tau2Estimate:
    """ML, REML and EB by Fisher scoring as metafor does (start: max(0, HE); step halving)."""
    k, p = X.shape
    tau2 = max(0.0, _he_raw(y, vi, X)[0]) if tau2_init is None else float(tau2_init)
    change = THRESHOLD + 1
    iterations = 0
    while change > THRESHOLD:
        iterations += 1
        old = tau2
        if np.any(vi + tau2 <= 0):  # metafor stops here too ("Division by zero ...")
            raise InputError(
                "vi", f"{kind}: a sampling variance of 0 at tau2 = 0 gives an infinite weight"
            )
        w = 1 / (vi + tau2)
        P = projection(w, X)
        Py = P @ y
        if kind == "ML":
            adj = (Py @ Py - w.sum()) / np.sum(w * w)
        elif kind == "REML":
            adj = (Py @ Py - np.trace(P)) / np.sum(P * P)  # tr(PP) = ΣP² (P symmetric)
        else:  # EB
            adj = (y @ Py * k / (k - p) - k) / w.sum()
        adj = adj * stepadj
        if not np.isfinite(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2
        tau2 = tau2 + adj
        change = abs(old - tau2)
        limit = MAXITER if maxiter is None else maxiter
        if iterations > limit:
            raise ConvergenceError(
                "tau2",
                f"{kind}: Fisher scoring did not converge in {limit} iterations "
                "(try stepadj=0.5, as metafor suggests, or another method)",
            )
    warnings: tuple[str, ...] = ()
    if (
        kind in ("ML", "REML")
        and np.all(vi > 0)
        and _ll(kind, y, vi, X, 0.0) - _ll(kind, y, vi, X, tau2) > LL0_TOL
        and tau2 > THRESHOLD
    ):
        tau2 = 0.0  # metafor's guard against a local maximum: τ² = 0 fits better
        warnings = (LOCAL_MAXIMUM,)
    tau2 = max(0.0, tau2)
    w = 1 / (vi + tau2)
    if kind == "ML":
        se = np.sqrt(2 / np.sum(w * w))
    elif kind == "REML":
        P = projection(w, X)
        se = np.sqrt(2 / np.sum(P * P))
    else:
        se = np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2)
    return Tau2Estimate(tau2, float(se), iterations, warnings)


LOCAL_MAXIMUM = (
    "Fisher scoring algorithm may have gotten stuck at a local maximum. Setting tau^2 = 0. "
    "Check the profile likelihood plot with profile()."
)


def _ll(kind: str, y: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float) -> float:
    k, p = X.shape
    w = 1 / (vi + tau2)
    XtWX = X.T @ (X * w[:, None])
    rss = generalised_q(tau2, y, vi, X)
    if kind == "ML":
        return -0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss
    return (
        -0.5 * (k - p) * np.log(2 * np.pi)
        - 0.5 * np.sum(np.log(vi + tau2))
        - 0.5 * logdet_small(XtWX)
        - 0.5 * rss
    )


def ml(y, vi, X) -> Tau2Estimate:
    return _fisher_scoring(y, vi, X, "ML")


def reml(y, vi, X) -> Tau2Estimate:
    return _fisher_scoring(y, vi, X, "REML")


def eb(y, vi, X) -> Tau2Estimate:
    """Empirical Bayes (Morris 1983); converges to the Paule–Mandel value, as metafor notes."""
    return _fisher_scoring(y, vi, X, "EB")


_ESTIMATORS: dict[str, Callable[..., Tau2Estimate]] = {
    "DL": dl,
    "HE": he,
    "HS": hs,
    "HSk": lambda y, vi, X: hs(y, vi, X, small_sample=True),
    "SJ": sj,
    "PM": pm,
    "PMM": pmm,
    "ML": ml,
    "REML": reml,
    "EB": eb,
}
