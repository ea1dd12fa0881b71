"""Small-study effects and publication bias: Egger's regression test, Begg's rank correlation
test, and Duval & Tweedie's trim-and-fill.

As metafor (3.8-1): ``regtest`` by default adds the standard error as a moderator to the model
as fitted (same estimator and test; Egger et al. 1997 with the mixed-effects extension of
Sterne & Egger 2005); ``model="lm"`` is the classic weighted regression with a multiplicative
dispersion term. ``ranktest`` correlates the standardised deviates from the equal-effects
estimate with the variances by Kendall's τ (Begg & Mazumdar 1994; exact p without ties).
``trimfill`` uses the L0 estimator by default (Duval & Tweedie 2000), chooses the side from the
sign of the slope on √vᵢ, and refits the same model to the filled data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.effect_sizes import EffectSizes
from lupuscare.evidence.errors import ConvergenceError
from lupuscare.evidence.model import ModelSpec, RMAResult, _jsonable, fit_model

PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")


@dataclass(frozen=True)
class RegTest:
    model: str
    predictor: str
    stat: float
    pval: float
    df: int | None
    limit_estimate: float | None
    limit_ci_lb: float | None
    limit_ci_ub: float | None
    slope: float

    @property
    def zval(self) -> float:
        return self.stat

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def _base(res: RMAResult) -> tuple[np.ndarray, list[str], ModelSpec]:
    """The model regtest extends: the fit itself (its whole spec: estimator, test, level,
    weights, control), or for MH/Peto an equal-effects model of its effect sizes (metafor)."""
    if res.method in ("MH", "PETO"):
        spec = ModelSpec("EE", "z", res.level, res.measure)
        return np.ones((res.yi.size, 1)), ["intrcpt"], spec
    return res.X, [c.name for c in res.coefficients], res.spec


def regtest(res: RMAResult, model: str = "rma", predictor: str = "sei", ni: Any = None) -> RegTest:
    """Regression test for funnel-plot asymmetry (metafor ``regtest``; Egger's test)."""
    if model not in ("rma", "lm"):
        raise InputError("model", "must be 'rma' or 'lm'")
    if predictor not in PREDICTORS:
        raise InputError("predictor", f"one of {', '.join(PREDICTORS)}")
    X0, names, spec = _base(res)
    k, p = X0.shape
    if predictor == "sei":
        col = np.sqrt(res.vi)
    elif predictor == "vi":
        col = res.vi
    else:
        n = (
            np.asarray(ni if ni is not None else res.ni, dtype=float)
            if (ni is not None or res.ni is not None)
            else None
        )
        if n is None or n.size != k:
            raise InputError("ni", f"predictor {predictor!r} needs the sample sizes ni")
        col = {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[predictor]
    X = np.column_stack([X0, col])
    if k <= X.shape[1]:
        raise InputError("yi", "too few studies for the regression test")
    limit = predictor in ("sei", "vi", "ninv", "sqrtninv") and p == 1
    if model == "rma":
        fit = fit_model(res.yi, res.vi, X, [*names, predictor], spec)
        c = fit.coefficients[p]
        first = fit.coefficients[0]
        return RegTest(
            "rma", predictor, c.stat, c.pval, fit.df,
            first.estimate if limit else None, first.ci_lb if limit else None,
            first.ci_ub if limit else None, c.estimate,
        )  # fmt: skip
    # Weighted least squares with an estimated dispersion (R: lm(yi ~ X - 1, weights = 1/vi)).
    w = 1 / res.vi
    XtW = X.T * w
    cov_unscaled = np.linalg.inv(XtW @ X)
    beta = cov_unscaled @ XtW @ res.yi
    resid = res.yi - X @ beta
    df = k - X.shape[1]
    sigma2 = float(np.sum(w * resid**2) / df)
    se = np.sqrt(np.diag(cov_unscaled) * sigma2)
    t = beta / se
    pvals = 2 * dist.t_sf(np.abs(t), df)
    crit = dist.t_isf((1 - res.level / 100) / 2, df)
    return RegTest(
        "lm", predictor, float(t[p]), float(pvals[p]), df,
        float(beta[0]) if limit else None,
        float(beta[0] - crit * se[0]) if limit else None,
        float(beta[0] + crit * se[0]) if limit else None, float(beta[p]),
    )  # fmt: skip


@dataclass(frozen=True)
class RankTest:
    tau: float
    pval: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def ranktest(res: RMAResult | EffectSizes) -> RankTest:
    """Begg & Mazumdar's rank correlation test (metafor ``ranktest``)."""
    yi, vi = res.yi, res.vi
    if yi.size < 3:
        raise InputError("yi", "the rank correlation test needs at least 3 studies")
    if np.any(vi <= 0):
        raise InputError("vi", "the rank correlation test needs every sampling variance > 0")
    w = 1 / vi
    theta = float(np.sum(w * yi) / w.sum())
    vi_star = vi - 1 / w.sum()
    y_star = (yi - theta) / np.sqrt(vi_star)
    ties = len(np.unique(y_star)) < y_star.size or len(np.unique(vi)) < vi.size
    from scipy import stats  # lazily: scipy.stats costs ~1.5 s of a CLI run

    result = stats.kendalltau(y_star, vi, method="asymptotic" if ties else "exact")
    return RankTest(float(result.statistic), float(result.pvalue), not ties)


@dataclass(frozen=True)
class TrimFill:
    k0: int
    se_k0: float
    side: str
    estimator: str
    fit: RMAResult
    filled: np.ndarray = field(repr=False)
    p_k0: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = self.fit.to_dict()
        out.update(
            k0=self.k0, se_k0=self.se_k0, side=self.side, k0_estimator=self.estimator,
            filled=[bool(x) for x in self.filled], p_k0=self.p_k0,
        )  # fmt: skip
        return _jsonable(out)


def trimfill(
    res: RMAResult, side: str | None = None, estimator: str = "L0", maxiter: int = 100
) -> TrimFill:
    """Duval & Tweedie's trim-and-fill (metafor ``trimfill.rma.uni``)."""
    if res.method in ("MH", "PETO") or res.has_mods:
        raise InputError("method", "trim-and-fill needs an intercept-only model fitted by rma()")
    if estimator not in ("L0", "R0"):
        raise InputError("estimator", "one of L0, R0")
    y0, v0 = res.yi, res.vi
    k = y0.size
    X1 = np.ones((k, 1))
    a0 = res.spec.weights
    # The trimming steps only need the pooled estimate (test-free); the spec's user weights,
    # GENQ weights and control travel with the studies (metafor trimfill.rma.uni).
    zspec = replace(res.spec, test="z")

    def pooled(idx: np.ndarray) -> float:
        return fit_model(y0[idx], v0[idx], np.ones((idx.size, 1)), ["intrcpt"],
                         zspec.subset(idx), allow_k1=True).estimate  # fmt: skip

    if side is None:
        slope_fit = fit_model(
            y0, v0, np.column_stack([X1, np.sqrt(v0)]), ["intrcpt", "sei"], zspec
        )
        side = "right" if slope_fit.beta[1] < 0 else "left"
    if side not in ("left", "right"):
        raise InputError("side", "one of left, right")
    y = -y0 if side == "right" else y0.copy()
    order = np.argsort(y, kind="stable")
    y, v = y[order], v0[order]
    k0, k0_prev, it = 0, -1, 0
    se_k0 = 0.0
    beta = 0.0
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            raise ConvergenceError("k0", "trim-and-fill did not converge")
        beta = pooled(order[: k - k0])
        if side == "right":
            beta = -beta
        yc = y - beta
        ranks = _ordinal_ranks(np.abs(yc))
        signed = np.sign(yc) * ranks
        if estimator == "R0":
            neg = signed[signed < 0]
            k0_raw = (k - (np.max(-neg) if neg.size else 0)) - 1
            se_k0 = float(np.sqrt(2 * max(0, k0_raw) + 2))
        else:
            Sr = float(np.sum(signed[signed > 0]))
            k0_raw = (4 * Sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0_raw**3 + 27 * k0_raw**2 + 17 * k0_raw
                      - 18 * k * k0_raw**2 - 18 * k * k0_raw + 6 * k**2 * k0_raw) / 24  # fmt: skip
            se_k0 = float(4 * np.sqrt(var_sr) / (2 * k - 1)) if var_sr > 0 else 0.0
        k0 = int(max(0, _round_half_even(k0_raw)))
        se_k0 = max(0.0, se_k0)
    p_k0 = None
    if estimator == "R0":
        m = np.arange(-1, k0)
        p_k0 = float(1 - np.sum([_choose(j + 1, j + 1) * 0.5 ** (j + 2) for j in m]))
    if k0 > 0:
        mirrored = 2 * beta - y[k - k0 :]  # on the working (left-missing) scale
        fill_y = -mirrored if side == "right" else mirrored
        yf = np.concatenate([y0, fill_y])
        vf = np.concatenate([v0, v[k - k0 :]])
        labels = (*res.study_labels(), *(f"Filled {i + 1}" for i in range(k0)))
        src = order[k - k0 :]  # the studies mirrored: their weights go with them (metafor)

        def grow(arr: np.ndarray | None) -> np.ndarray | None:
            return None if arr is None else np.concatenate([arr, arr[src]])

        fspec = replace(res.spec, weights=grow(a0), genq_weights=grow(res.spec.genq_weights))
        fit = fit_model(yf, vf, np.ones((k + k0, 1)), ["intrcpt"], fspec, labels)
        filled = np.r_[np.zeros(k, dtype=bool), np.ones(k0, dtype=bool)]
    else:
        fit, filled = res, np.zeros(k, dtype=bool)
    return TrimFill(k0, se_k0, side, estimator, fit, filled, p_k0)


def _ordinal_ranks(a: np.ndarray) -> np.ndarray:
    """scipy.stats.rankdata(a, method="ordinal"): ties ranked by position (a stable sort)."""
    ranks = np.empty(a.size)
    ranks[np.argsort(a, kind="mergesort")] = np.arange(1, a.size + 1)
    return ranks


def _round_half_even(x: float) -> float:
    return float(np.round(x))  # R's round() also rounds half to even


def _choose(n: int, r: int) -> float:
    from math import comb

    return float(comb(n, r)) if 0 <= r <= n else 0.0
