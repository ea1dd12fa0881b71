"""The random-/mixed-effects meta-analysis model (``rma``) and its result object.

Weighted least squares with weights 1/(vᵢ + τ̂²), τ̂² from :mod:`.estimators`. Conventions are
metafor's (``rma.uni``): Wald z tests by default; ``test="knha"`` multiplies the covariance by
the Knapp–Hartung factor s² = Σwᵢ(yᵢ − xᵢb)²/(k − p) without truncation and uses t(k − p);
prediction intervals use the same critical value as the CI; Q is always the equal-effects
residual Q with weights 1/vᵢ; I² and H² use the "typical" within-study variance
s² = (k − p)/tr(P) (Higgins & Thompson 2002), except for the equal-effects model where
I² = (Q − df)/Q and H² = Q/df.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.effect_sizes import EffectSizes
from lupuscare.evidence.estimators import (
    Tau2Estimate,
    estimate_tau2,
    inv_small,
    logdet_small,
    normalise_method,
)

TESTS = ("z", "knha")  # contracts.md §4 (the web form offers these)
# Also accepted by rma(): "adhoc", Knapp–Hartung with the factor truncated below at 1 (metafor
# test="adhoc"; Jackson et al. 2017 §4.3 — the adjusted SE is never below the unadjusted one).
ALL_TESTS = (*TESTS, "adhoc")
T_TESTS = ("knha", "adhoc")  # t(k − p) intervals and F tests
FEW_STUDIES = 5  # below this, a z-test for a random-effects model is flagged (metafor issue #36)


@dataclass(frozen=True)
class Coefficient:
    name: str
    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "estimate": self.estimate,
            "se": self.se,
            "stat": self.stat,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
        }


@dataclass(frozen=True)
class FitStats:
    logLik: float
    deviance: float
    AIC: float
    BIC: float
    AICc: float


@dataclass(frozen=True, eq=False)
class TwoByTwo:
    """The raw 2×2 counts of a Mantel–Haenszel or Peto fit (one entry per table)."""

    ai: np.ndarray
    bi: np.ndarray
    ci: np.ndarray
    di: np.ndarray

    def subset(self, mask: np.ndarray) -> TwoByTwo:
        return TwoByTwo(self.ai[mask], self.bi[mask], self.ci[mask], self.di[mask])

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"ai": self.ai, "bi": self.bi, "ci": self.ci, "di": self.di}


@dataclass(frozen=True, eq=False)
class ModelSpec:
    """Everything that defines a fitted model apart from the data rows, so that every refit
    (leave-one-out, cumulative, influence, Egger, trim-and-fill) fits the *same* model on a
    subset of the studies. Per-study arrays (``weights``, ``genq_weights``, ``counts``) are
    subset with the studies; the rest is copied (metafor's refits pass ``weights``, ``method``,
    ``test``, ``level`` and ``control`` through in the same way)."""

    method: str
    test: str = "z"
    level: float = 95.0
    measure: str = "GEN"
    weights: np.ndarray | None = None  # user weights for the estimate (metafor weights=)
    genq_weights: np.ndarray | None = None  # weights of the GENQ/GENQM τ² estimator
    tau2_init: float | None = None  # metafor control$tau2.init
    stepadj: float = 1.0  # metafor control$stepadj
    maxiter: int | None = None  # metafor control$maxiter
    counts: TwoByTwo | None = None  # Mantel–Haenszel / Peto: the 2×2 tables

    def subset(self, mask: np.ndarray) -> ModelSpec:
        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[mask]

        return replace(
            self,
            weights=pick(self.weights),
            genq_weights=pick(self.genq_weights),
            counts=None if self.counts is None else self.counts.subset(mask),
        )

    @property
    def control(self) -> dict[str, Any]:
        return {"stepadj": self.stepadj, "maxiter": self.maxiter}


@dataclass(frozen=True, eq=False)
class TablesInfo:
    """What a Mantel–Haenszel or Peto fit knows beyond the pooled numbers."""

    keep: np.ndarray  # tables that enter Q (double-zero / all-event tables dropped)
    k_yi: int  # how many tables enter Q
    raw_weights: np.ndarray  # MH or Peto weights of the kept tables
    weights_total: float  # denominator of the percentage weights
    all_labels: tuple[str, ...] | None = None  # labels of every table, kept or not
    CMH: float | None = None  # Cochran–Mantel–Haenszel test (OR only)
    CMH_pval: float | None = None


@dataclass(frozen=True, eq=False)
class RMAResult:
    """One fitted meta-analysis. ``estimate``/``se``/``ci_*``/``pval`` describe the first
    coefficient (the pooled effect, or the intercept of a meta-regression)."""

    k: int
    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    tau2_se: float | None
    I2: float
    H2: float
    Q: float
    Q_df: int
    Q_pval: float
    pi_lb: float | None
    pi_ub: float | None
    method: str
    measure: str
    test: str
    level: float
    df: int | None
    coefficients: tuple[Coefficient, ...]
    QM: float | None
    QM_df: tuple[int, int | None] | None
    QM_pval: float | None
    R2: float | None
    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    beta: np.ndarray
    vb: np.ndarray
    vt: float
    labels: tuple[str, ...] | None
    fitstats: FitStats | None
    iterations: int = 0
    notes: tuple[str, ...] = ()
    ni: np.ndarray | None = None
    spec: ModelSpec | None = None  # the model as specified: every refit uses it
    tables: TablesInfo | None = None  # Mantel–Haenszel / Peto only
    warnings: tuple[str, ...] = ()  # where metafor warns (see docs/evidence/engine.md)

    def __post_init__(self) -> None:
        if self.spec is None:
            object.__setattr__(self, "spec", ModelSpec(self.method, self.test, self.level,
                                                       self.measure))  # fmt: skip

    @property
    def extra(self) -> Mapping[str, Any]:
        """Read-only view of the model-specific extras under their historical keys (``mods``,
        ``keep``, ``k_yi``, ``CMH``, ``counts`` ...); the typed fields are ``spec``/``tables``."""
        out: dict[str, Any] = {"mods": [c.name for c in self.coefficients[1:]]}
        spec = self.spec
        if spec is not None and (spec.stepadj != 1.0 or spec.maxiter is not None):
            out["control"] = spec.control
        if self.tables is not None:
            t = self.tables
            out = {"model": self.method, "keep": t.keep, "k_yi": t.k_yi}
            if spec is not None and spec.counts is not None:
                out["counts"] = spec.counts.as_dict()
            if self.measure == "OR" and self.method == "MH":
                out.update(CMH=t.CMH, CMH_pval=t.CMH_pval)
        return MappingProxyType(out)

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    @property
    def p(self) -> int:
        return int(self.X.shape[1])

    @property
    def has_mods(self) -> bool:
        return self.p > 1

    @property
    def weights(self) -> np.ndarray:
        """Percentage weight of each study in the fit (metafor ``weights()``): inverse-variance
        weights, or the Mantel–Haenszel / Peto weights for those models."""
        if self.tables is None:
            a = self.spec.weights if self.spec is not None else None
            w = 1 / (self.vi + self.tau2) if a is None else a
            return 100 * w / w.sum()
        # MH RD: tables without events still carry weight; percentages are of the total.
        return 100 * self.tables.raw_weights / self.tables.weights_total

    @property
    def zval(self) -> float:
        return self.stat

    def study_labels(self) -> tuple[str, ...]:
        return self.labels or tuple(str(i + 1) for i in range(self.k))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of contracts.md §4 (plus extensions)."""
        out: dict[str, Any] = {
            "k": self.k,
            "estimate": self.estimate,
            "se": self.se,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "pval": self.pval,
            "stat": self.stat,
            "df": self.df,
            "tau2": self.tau2,
            "tau2_se": self.tau2_se,
            "tau": self.tau,
            "I2": self.I2,
            "H2": self.H2,
            "Q": self.Q,
            "Q_df": self.Q_df,
            "Q_pval": self.Q_pval,
            "pi_lb": self.pi_lb,
            "pi_ub": self.pi_ub,
            "method": self.method,
            "measure": self.measure,
            "test": self.test,
            "level": self.level,
            "weights": [float(x) for x in self.weights],
            "studies": list(self.study_labels()),
            "yi": [float(x) for x in self.yi],
            "vi": [float(x) for x in self.vi],
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }
        if self.has_mods:
            out["coefficients"] = [c.to_dict() for c in self.coefficients]
            out["QM"] = self.QM
            out["QM_df"] = list(self.QM_df) if self.QM_df else None
            out["QM_pval"] = self.QM_pval
            out["R2"] = self.R2
        if self.fitstats is not None:
            out["fitstats"] = dict(self.fitstats.__dict__)
        internal = {"counts", "keep", "control"}
        out.update({k: v for k, v in self.extra.items() if k not in out and k not in internal})
        return _jsonable(out)

    def summary(self) -> str:
        from lupuscare.evidence.report import summary_text

        return summary_text(self)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if np.isfinite(f) else None
    return value


def _moderator_columns(name: str, values: Any, k: int) -> list[tuple[str, np.ndarray]]:
    """One numeric column, or dummy columns for a categorical moderator (text values).

    Categorical moderators are coded as R codes a factor: levels in sorted order, the first as
    reference, one 0/1 column per other level named ``name + level`` (metafor's ``factor()``).
    """
    raw = list(np.asarray(values, dtype=object).reshape(-1))
    if len(raw) != k:
        raise InputError(f"mods.{name}", f"has {len(raw)} values, expected {k}")
    for i, x in enumerate(raw):
        if x is None or (isinstance(x, str) and not x.strip()):
            raise InputError(f"mods.{name}[{i}]", "missing moderator value")
    try:
        col = np.array([float(x) for x in raw])
    except (TypeError, ValueError):
        levels = sorted({str(x).strip() for x in raw})
        if len(levels) < 2:
            raise InputError(f"mods.{name}", "a categorical moderator needs two levels") from None
        labels = [str(x).strip() for x in raw]
        return [
            (f"{name}{lev}", np.array([1.0 if lab == lev else 0.0 for lab in labels]))
            for lev in levels[1:]
        ]
    if not np.all(np.isfinite(col)):
        bad = int(np.argmax(~np.isfinite(col)))
        raise InputError(f"mods.{name}[{bad}]", "missing or non-finite moderator value")
    return [(name, col)]


def design_matrix(mods: Any, k: int, intercept: bool = True) -> tuple[np.ndarray, tuple[str, ...]]:
    """Build X from moderators: None, a 1-D/2-D array, or a mapping name -> values."""
    names: list[str] = []
    cols: list[np.ndarray] = []
    if intercept:
        names.append("intrcpt")
        cols.append(np.ones(k))
    if mods is not None:
        if isinstance(mods, Mapping):
            items = list(mods.items())
        else:
            arr = np.asarray(mods, dtype=float)
            if arr.ndim == 1:
                arr = arr[:, None]
            if arr.ndim != 2:
                raise InputError("mods", "must be a vector, a matrix or a mapping of columns")
            items = [(f"mod{j + 1}", arr[:, j]) for j in range(arr.shape[1])]
        for name, values in items:
            for col_name, col in _moderator_columns(str(name), values, k):
                names.append(col_name)
                cols.append(col)
    if not cols:
        raise InputError("mods", "the model has no coefficients")
    X = np.column_stack(cols)
    if X.shape[1] > 1 and np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError("mods", "design matrix is not of full rank (redundant moderators)")
    return X, tuple(names)


def _as_arrays(yi: Any, vi: Any) -> tuple[np.ndarray, np.ndarray, str, tuple | None, Any]:
    if isinstance(yi, EffectSizes):
        es = yi
        return es.yi, es.vi, es.measure, es.labels, es.ni
    y = np.asarray(yi, dtype=float).reshape(-1)
    if vi is None:
        raise InputError("vi", "sampling variances are required")
    v = np.asarray(vi, dtype=float).reshape(-1)
    return y, v, "GEN", None, None


def rma(
    yi: Any,
    vi: Any = None,
    *,
    method: str = "REML",
    test: str = "z",
    mods: Any = None,
    level: float = 95.0,
    labels: Sequence[str] | None = None,
    measure: str | None = None,
    intercept: bool = True,
    ni: Any = None,
    tau2_init: float | None = None,
    genq_weights: Any = None,
    weights: Any = None,
    stepadj: float = 1.0,
    maxiter: int | None = None,
    _allow_k1: bool = False,
) -> RMAResult:
    """Fit an equal-, random- or mixed-effects model (metafor ``rma.uni``).

    ``yi`` may be an :class:`EffectSizes` (then ``vi`` is taken from it) or an array of effects.
    ``method``: EE, DL, REML (default), ML, PM, EB, HE, SJ, HS (also HSk, PMM, and GENQ with
    ``genq_weights``). ``test``: "z" or "knha". ``tau2_init``: starting value of the iterative
    estimators (metafor ``control=list(tau2.init=)``). ``weights``: user weights for the
    estimate instead of 1/(vᵢ + τ̂²), with the sandwich variance (metafor ``weights=``).
    ``stepadj``/``maxiter``: step length and iteration limit of Fisher scoring (ML, REML, EB);
    when it oscillates (``ConvergenceError``, as in metafor) ``stepadj=0.5`` usually converges.
    """
    y, v, es_measure, es_labels, es_ni = _as_arrays(yi, vi)
    measure = (measure or es_measure).upper()
    labels = tuple(str(x) for x in labels) if labels is not None else es_labels
    ni_arr = np.asarray(ni, dtype=float) if ni is not None else es_ni
    method = normalise_method(method)
    test = str(test).lower()
    if test == "hksj":
        test = "knha"
    if test not in ALL_TESTS:
        raise InputError("test", f"unknown test {test!r}; one of z, knha, adhoc")
    if not (0 < level < 100):
        raise InputError("level", "confidence level must lie between 0 and 100 (percent)")
    k = y.size
    if v.size != k:
        raise InputError("vi", f"has {v.size} values, expected {k} (one per yi)")
    if k == 0:
        raise InputError("yi", "no studies given")
    for name, arr in (("yi", y), ("vi", v)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(f"{name}[{int(np.argmax(bad))}]", "missing or non-finite value")
    bad = v < 0
    if bad.any():
        raise InputError(f"vi[{int(np.argmax(bad))}]", "sampling variance must not be negative")
    if labels is not None and len(labels) != k:
        raise InputError("labels", f"has {len(labels)} labels, expected {k}")
    if not (np.isfinite(stepadj) and stepadj > 0):
        raise InputError("stepadj", "must be a positive number (0.5 halves each step)")
    X, names = design_matrix(mods, k, intercept)
    a = _per_study("weights", weights, k, positive=False)
    g = _per_study("genq_weights", genq_weights, k, positive=True)
    spec = ModelSpec(
        method, test, float(level), measure, weights=a, genq_weights=g,
        tau2_init=None if tau2_init is None else float(tau2_init), stepadj=float(stepadj),
        maxiter=maxiter,
    )  # fmt: skip
    return fit_model(y, v, X, names, spec, labels, ni_arr, _allow_k1)


def _per_study(name: str, values: Any, k: int, positive: bool) -> np.ndarray | None:
    if values is None:
        return None
    a = np.asarray(values, dtype=float).reshape(-1)
    if a.size != k or np.any(~np.isfinite(a)) or np.any(a <= 0 if positive else a < 0):
        kind = "positive" if positive else "non-negative"
        raise InputError(name, f"need one {kind} weight per study ({k})")
    return a


VI_RATIO_LIMIT = 1e7  # metafor: 1/control$evtol (evtol = 1e-07)
# metafor 3.8-1's words (rma.uni), so a reader can look them up in its documentation.
KNHA_EE = "Knapp & Hartung method is not meant to be used in the context of EE models."
NONPOSITIVE_VI = "There are outcomes with non-positive sampling variances."
VI_RATIO = (
    "Ratio of largest to smallest sampling variance extremely large. "
    "May not be able to obtain stable results."
)


def fit_model(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray,
    names: Sequence[str],
    spec: ModelSpec,
    labels: tuple[str, ...] | None = None,
    ni: np.ndarray | None = None,
    allow_k1: bool = False,
) -> RMAResult:
    """Fit on a ready design matrix: used by ``rma`` and by every refit (leave-one-out,
    cumulative, influence, regtest, trim-and-fill), which pass the original ``spec`` subset to
    their studies."""
    k, p = X.shape
    method = spec.method
    if p > 1 and np.linalg.matrix_rank(X) < p:
        raise InputError("mods", "design matrix is not of full rank for these studies")
    if method != "EE" and k < 2 and not allow_k1:
        raise InputError("yi", f"a random-effects model ({method}) needs at least 2 studies")
    if k < p or (method != "EE" and k <= p and not (allow_k1 and k == 1)):
        raise InputError("yi", f"{k} studies are too few for {p} coefficients")
    for name, arr in (("weights", spec.weights), ("genq_weights", spec.genq_weights)):
        if arr is not None and arr.size != k:
            raise InputError(name, f"has {arr.size} values, expected {k}")
    est = (
        Tau2Estimate(0.0, None)
        if k == 1 or method == "EE"
        else estimate_tau2(
            method, y, v, X, tau2_init=spec.tau2_init, genq_weights=spec.genq_weights,
            stepadj=spec.stepadj, maxiter=spec.maxiter,
        )  # fmt: skip
    )
    return _fit(y, v, X, tuple(names), est, spec, labels, ni)


def _metafor_warnings(v: np.ndarray, spec: ModelSpec, est: Tau2Estimate) -> list[str]:
    """The warnings metafor's rma.uni gives for these inputs (same conditions, same words)."""
    out: list[str] = []
    if np.any(v <= 0):
        out.append(NONPOSITIVE_VI)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(np.max(v) / np.min(v))
    if np.isfinite(ratio) and ratio >= VI_RATIO_LIMIT:
        out.append(VI_RATIO)
    out.extend(est.warnings)
    if spec.method == "EE" and spec.test in T_TESTS:
        out.append(KNHA_EE)
    return out


def _fit(y, v, X, names, est: Tau2Estimate, spec: ModelSpec, labels, ni):
    method, test, level, measure, a = spec.method, spec.test, spec.level, spec.measure, spec.weights
    k, p = X.shape
    tau2 = est.tau2
    if np.any(v + tau2 <= 0):
        raise InputError("vi", "a sampling variance of 0 with tau2 = 0 gives an infinite weight")
    w = 1 / (v + tau2)
    WX = X * w[:, None]
    XtWX = X.T @ WX
    vb = inv_small(XtWX)
    beta = vb @ (WX.T @ y)
    resid = y - X @ beta
    rss_f = float(np.sum(w * resid * resid))
    rss_knha = rss_f
    if a is not None:  # user weights: WLS estimate with the sandwich covariance (metafor)
        AX = X * a[:, None]
        XtAX = X.T @ AX
        if np.linalg.matrix_rank(XtAX) < p:
            raise InputError("weights", "the weighted design is singular (too many zero weights)")
        inv = np.linalg.inv(XtAX)
        beta = inv @ (AX.T @ y)
        vb = inv @ (AX.T * (v + tau2)) @ AX @ inv
        resid = y - X @ beta
        rss_f = float(np.sum(w * resid * resid))
    df: int | None = None
    if test in T_TESTS:
        if k <= p:
            raise InputError("test", "Knapp-Hartung needs more studies than coefficients")
        s2w = rss_knha / (k - p) if rss_knha > np.finfo(float).eps else 0.0
        if test == "adhoc":
            s2w = max(1.0, s2w)
        elif s2w == 0.0:
            # metafor sets the factor to 0: a zero SE and a 0/0 test statistic. Refuse instead.
            raise InputError(
                "test",
                "Knapp-Hartung is undefined here: the effects fit the model exactly (no residual "
                "variation), so its variance factor is 0; use test='z'",
            )
        vb = s2w * vb
        df = k - p
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
    alpha = 1 - level / 100
    if test in T_TESTS:
        if df is None or df <= 0:
            raise InputError("test", "Knapp-Hartung needs more studies than coefficients")
        pval = dist.t_two_sided_p(stat, df)
        crit = dist.t_crit(alpha, df)
    else:
        pval = dist.norm_two_sided_p(stat)
        crit = dist.norm_crit(alpha)
    ci_lb = beta - crit * se
    ci_ub = beta + crit * se
    coefs = tuple(
        Coefficient(names[j], float(beta[j]), float(se[j]), float(stat[j]), float(pval[j]),
                    float(ci_lb[j]), float(ci_ub[j]))
        for j in range(p)
    )  # fmt: skip
    # Heterogeneity: equal-effects residual Q, I², H² (metafor's definitions).
    if np.all(v > 0) and k > p:
        # Q = y'Py and tr(P) with P = W − WX(X'WX)⁻¹X'W, W = diag(1/vᵢ), without forming P.
        w0 = 1 / v
        WX0 = X * w0[:, None]
        inv0 = inv_small(X.T @ WX0)
        yc = y - y.mean()
        r0 = yc - X @ (inv0 @ (WX0.T @ yc))
        Q = max(0.0, float(np.sum(w0 * r0 * r0)))
        Q_pval = dist.chi2_sf(Q, k - p)
        vt = (k - p) / float(w0.sum() - np.sum(inv0 * (WX0.T @ WX0)))
        if method == "EE":
            I2 = max(0.0, 100 * (Q - (k - p)) / Q) if Q > 0 else 0.0
            H2 = Q / (k - p)
        else:
            I2 = 100 * tau2 / (vt + tau2)
            H2 = tau2 / vt + 1
    elif k <= p:
        Q, Q_pval, I2, H2, vt = 0.0, 1.0, 0.0, 1.0, 0.0
    else:
        raise InputError("vi", "Q, I2 and H2 need every sampling variance > 0")
    # Omnibus test of moderators (all coefficients but the intercept).
    QM = QM_pval = None
    QM_df = None
    R2 = None
    btt = [j for j in range(p) if names[j] != "intrcpt"] if p > 1 else []
    if btt:
        b = beta[btt]
        QM = float(b @ np.linalg.solve(vb[np.ix_(btt, btt)], b))
        m = len(btt)
        if test in T_TESTS:
            QM = QM / m
            QM_df = (m, k - p)
            QM_pval = dist.f_sf(QM, m, k - p)
        else:
            QM_df = (m, None)
            QM_pval = dist.chi2_sf(QM, m)
        if "intrcpt" in names:
            R2 = _r2_equal_effects(y, v, X, a) if method == "EE" else _pseudo_r2(y, v, spec, tau2)
    # Prediction interval for the pooled effect (intercept-only models).
    pi_lb = pi_ub = None
    if p == 1:
        pi_se = np.sqrt(se[0] ** 2 + tau2)
        pi_lb = float(beta[0] - crit * pi_se)
        pi_ub = float(beta[0] + crit * pi_se)
    fitstats = _fitstats(y, v, X, tau2, w, rss_f, method)
    notes = []
    if method != "EE" and test == "z" and k < FEW_STUDIES:
        notes.append(f"only {k} studies: z-based intervals are too narrow; consider test='knha'")
    return RMAResult(
        k=k, estimate=float(beta[0]), se=float(se[0]), stat=float(stat[0]),
        pval=float(pval[0]), ci_lb=float(ci_lb[0]), ci_ub=float(ci_ub[0]),
        tau2=float(tau2), tau2_se=est.se, I2=float(I2), H2=float(H2), Q=float(Q), Q_df=k - p,
        Q_pval=float(Q_pval), pi_lb=pi_lb, pi_ub=pi_ub, method=method, measure=measure,
        test=test, level=float(level), df=df, coefficients=coefs, QM=QM, QM_df=QM_df,
        QM_pval=QM_pval, R2=R2, yi=y, vi=v, X=X, beta=beta, vb=vb, vt=float(vt),
        labels=labels, fitstats=fitstats, iterations=est.iterations, notes=tuple(notes),
        ni=ni, spec=spec, warnings=tuple(_metafor_warnings(v, spec, est)),
    )  # fmt: skip


def _r2_equal_effects(y, v, X, a) -> float | None:
    """R² of an equal-effects meta-regression as metafor 3.8-1 reports it: the adjusted R² (in
    %) of the weighted regression of yᵢ on the moderators (weights 1/vᵢ or the user's), floored
    at 0; 0 when all effects are equal."""
    if np.all(y == y[0]):
        return 0.0
    k, p = X.shape
    if k <= p or (a is None and np.any(v <= 0)):
        return None  # metafor: NA
    w = 1 / v if a is None else a
    WX = X * w[:, None]
    beta = np.linalg.solve(X.T @ WX, WX.T @ y)
    rss = float(np.sum(w * (y - X @ beta) ** 2))
    ybar = float(np.sum(w * y) / w.sum())
    tss = float(np.sum(w * (y - ybar) ** 2))
    adj = 1 - (rss / (k - p)) / (tss / (k - 1))
    return max(0.0, 100 * adj)


def _pseudo_r2(y, v, spec: ModelSpec, tau2_me) -> float:
    """metafor's R²: proportional reduction in τ² relative to the intercept-only model."""
    X0 = np.ones((y.size, 1))
    tau2_re = estimate_tau2(
        spec.method, y, v, X0, tau2_init=spec.tau2_init, genq_weights=spec.genq_weights,
        stepadj=spec.stepadj, maxiter=spec.maxiter,
    ).tau2  # fmt: skip
    if tau2_re == 0:
        return 0.0
    return max(0.0, 100 * (tau2_re - tau2_me) / tau2_re)


def _fitstats(y, v, X, tau2, w, rss, method) -> FitStats:
    k, p = X.shape
    parms = p + (0 if method == "EE" else 1)
    if method == "REML":
        ll = (
            -0.5 * (k - p) * np.log(2 * np.pi)
            + 0.5 * logdet_small(X.T @ X)
            - 0.5 * np.sum(np.log(v + tau2))
            - 0.5 * logdet_small(X.T @ (X * w[:, None]))
            - 0.5 * rss
        )
        dev = -2 * ll
        n_eff = k - p
    else:
        ll = -0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(v + tau2)) - 0.5 * rss
        if k > p and np.all(v > 0):
            dev = -2 * (ll + 0.5 * np.sum(np.log(2 * np.pi * v)))  # saturated model: yᵢ = μᵢ
        else:
            dev = -2 * ll if k > p else 0.0
        n_eff = k
    aic = -2 * ll + 2 * parms
    bic = -2 * ll + parms * np.log(n_eff) if n_eff > 0 else np.nan
    m = max(n_eff, parms + 2)
    aicc = -2 * ll + 2 * parms * m / (m - parms - 1)
    return FitStats(float(ll), float(dev), float(aic), float(bic), float(aicc))


def predict(res: RMAResult, newmods: Any = None, level: float | None = None) -> dict[str, Any]:
    """Predicted effect with CI and prediction interval (metafor ``predict.rma``).

    ``newmods``: moderator values (without the intercept) for a meta-regression; omitted for an
    intercept-only model.
    """
    level = res.level if level is None else level
    if res.has_mods:
        if newmods is None:
            raise InputError(
                "newmods", "moderator values are needed to predict from a meta-regression"
            )
        x = np.concatenate([[1.0], np.asarray(newmods, dtype=float).reshape(-1)])
        if x.size != res.p:
            raise InputError("newmods", f"expected {res.p - 1} moderator values")
    else:
        x = np.ones(1)
    pred = float(x @ res.beta)
    se = float(np.sqrt(x @ res.vb @ x))
    alpha = 1 - level / 100
    crit = float(
        dist.t_isf(alpha / 2, res.df) if res.test in T_TESTS else dist.norm_isf(alpha / 2)
    )
    pi_se = np.sqrt(se**2 + res.tau2)
    return {
        "pred": pred, "se": se, "ci_lb": pred - crit * se, "ci_ub": pred + crit * se,
        "pi_lb": float(pred - crit * pi_se), "pi_ub": float(pred + crit * pi_se),
    }  # fmt: skip


def predictive_probability(res: RMAResult, threshold: float = 0.0, below: bool = True) -> float:
    """P(true effect in a new study < threshold) (or > with ``below=False``) from the predictive
    distribution: normal (test z) or t(k − p) (knha) centred at the pooled estimate with
    variance SE² + τ² (metafor ``predict(..., pi.type)`` conventions; intercept-only models)."""
    if res.has_mods:
        raise InputError("mods", "predictive probabilities are for models without moderators")
    sd = float(np.sqrt(res.se**2 + res.tau2))
    zq = (threshold - res.estimate) / sd
    cdf = float(dist.t_cdf(zq, res.df) if res.test in T_TESTS else dist.norm_cdf(zq))
    return cdf if below else 1 - cdf
