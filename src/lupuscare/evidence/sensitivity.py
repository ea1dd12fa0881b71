"""Sensitivity analyses on a fitted model: leave-one-out, cumulative, influence diagnostics.

Every refit uses the original model's estimator, test and level (metafor ``leave1out``,
``cumul``, ``influence.rma.uni``). Influence measures follow Viechtbauer & Cheung (2010):
externally studentised residuals, DFFITS, Cook's distance, covariance ratio, leave-one-out τ²
and Q, hat values and weights, DFBETAS; a study is flagged as influential by metafor's rule
(|DFFITS| > 3√(p/(k−p)), P(χ²ₚ ≤ Cook's D) > 0.5, hat > 3p/k, or any |DFBETAS| > 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.model import RMAResult, _jsonable, fit_model

_ROW_FIELDS = (
    "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2",
)  # fmt: skip


@dataclass(frozen=True)
class SensitivityTable:
    """One row per refit: the omitted (leave-one-out) or last-added (cumulative) study."""

    kind: str
    studies: tuple[str, ...]
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # one per missing row: which study and why
    warnings: tuple[str, ...] = ()  # metafor's warnings from the refits, each once

    @property
    def missing(self) -> np.ndarray:
        """True for a row whose refit failed (all its numbers are missing, metafor's NA)."""
        return np.isnan(self.columns["estimate"])

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns", {})
        if name in columns:
            return columns[name]
        raise AttributeError(name)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"study": s, **{c: self.columns[c][i] for c in self.columns}}
            for i, s in enumerate(self.studies)
        ]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({"kind": self.kind, "rows": self.rows(), "notes": list(self.notes),
                          "warnings": list(self.warnings)})  # fmt: skip


def _is_mh(res: RMAResult) -> bool:
    return res.method in ("MH", "PETO")


def _n_studies(res: RMAResult) -> int:
    """Studies the refits iterate over: every 2×2 table for MH/Peto (also those out of Q)."""
    return int(res.tables.keep.size) if res.tables is not None else res.k


def _all_labels(res: RMAResult) -> tuple[str, ...]:
    if res.tables is not None:
        labels = res.tables.all_labels
        return tuple(labels) if labels else tuple(str(i + 1) for i in range(_n_studies(res)))
    return res.study_labels()


def refit(res: RMAResult, mask: np.ndarray, allow_k1: bool = False) -> RMAResult:
    """The same model (``res.spec``: estimator, test, level, user and GENQ weights, τ² start,
    control, 2×2 counts) on a subset of the studies (boolean mask over the studies)."""
    spec = res.spec.subset(mask)
    if _is_mh(res):
        from lupuscare.evidence.mantel_haenszel import rma_mh, rma_peto

        c = spec.counts
        labels = np.asarray(_all_labels(res))[mask]
        if res.method == "PETO":
            return rma_peto(c.ai, c.bi, c.ci, c.di, level=spec.level, labels=labels)
        return rma_mh(c.ai, c.bi, c.ci, c.di, measure=spec.measure, level=spec.level,
                      labels=labels)  # fmt: skip
    names = [c.name for c in res.coefficients]
    labels = tuple(np.asarray(res.study_labels())[mask])
    ni = res.ni[mask] if res.ni is not None else None
    return fit_model(
        res.yi[mask], res.vi[mask], res.X[mask], names, spec, labels, ni, allow_k1=allow_k1
    )


def try_refit(res: RMAResult, mask: np.ndarray, allow_k1: bool = False):
    """``refit``, or the reason it failed: one failed refit is one missing row (metafor's NA
    row), not a lost table."""
    try:
        return refit(res, mask, allow_k1), None
    except InputError as e:  # ConvergenceError is an InputError
        return None, str(e)


def _row(fit: RMAResult | None) -> dict[str, float | None]:
    if fit is None:
        return dict.fromkeys(_ROW_FIELDS)
    return {f: float(getattr(fit, f)) for f in _ROW_FIELDS}


def _table(
    kind: str,
    studies: Sequence[str],
    rows: list[dict[str, float | None]],
    notes: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> SensitivityTable:
    columns = {
        f: np.array([np.nan if r[f] is None else r[f] for r in rows], dtype=float)
        for f in _ROW_FIELDS
    }
    return SensitivityTable(kind, tuple(studies), columns, tuple(notes), tuple(warnings))


def leave1out(res: RMAResult) -> SensitivityTable:
    """Refit leaving out each study in turn (metafor ``leave1out``)."""
    if res.has_mods:
        raise InputError("mods", "leave1out is defined for models without moderators")
    k = _n_studies(res)
    if k < 2 or (not _is_mh(res) and res.method != "EE" and k < 3):
        raise InputError("yi", "too few studies to leave one out")
    labels = _all_labels(res)
    rows, notes, warns = [], [], _Warnings()
    for i in range(k):
        mask = np.ones(k, dtype=bool)
        mask[i] = False
        fit, why = try_refit(res, mask)
        if why is not None:
            notes.append(f"without {labels[i]}: not estimable ({why})")
        warns.add(fit)
        rows.append(_row(fit))
    return _table("leave1out", labels, rows, notes, warns.items)


class _Warnings:
    """Collects the refits' warnings, each text once, in order of first appearance."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, fit: RMAResult | None) -> None:
        for w in fit.warnings if fit is not None else ():
            if w not in self.items:
                self.items.append(w)


def cumul(res: RMAResult, order: Sequence[Any] | None = None) -> SensitivityTable:
    """Cumulative meta-analysis: add the studies one at a time (metafor ``cumul``).

    ``order``: sort keys, one per study (e.g. publication year); studies are added in ascending
    order of the key, ties kept in their original order. Default: the order given.
    """
    if res.has_mods:
        raise InputError("mods", "cumul is defined for models without moderators")
    k = _n_studies(res)
    idx = np.arange(k)
    if order is not None:
        keys = np.asarray(order)
        if keys.size != k:
            raise InputError("order", f"has {keys.size} values, expected {k}")
        idx = np.argsort(keys, kind="stable")
    labels = _all_labels(res)
    rows, notes, warns = [], [], _Warnings()
    for j in range(1, k + 1):
        mask = np.zeros(k, dtype=bool)
        mask[idx[:j]] = True
        if j == 1 and not _is_mh(res):
            rows.append(_single_study_row(res, int(idx[0])))
            continue
        fit, why = try_refit(res, mask, allow_k1=True)
        if why is not None:
            notes.append(f"up to {labels[idx[j - 1]]}: not estimable ({why})")
        warns.add(fit)
        rows.append(_row(fit))
    return _table("cumul", [labels[i] for i in idx], rows, notes, warns.items)


def _single_study_row(res: RMAResult, i: int) -> dict[str, float | None]:
    """One study alone: its own estimate with a z test and interval, also under test="knha"
    (metafor 3.8-1: a k = 1 model falls back to test="z", since t(k − 1) has no degrees of
    freedom left); no heterogeneity."""
    y, se = float(res.yi[i]), float(np.sqrt(res.vi[i]))
    row: dict[str, float | None] = dict.fromkeys(_ROW_FIELDS)
    row.update(estimate=y, se=se, Q=0.0, Q_pval=1.0, tau2=0.0, I2=0.0, H2=1.0)
    crit = float(dist.norm_isf((1 - res.level / 100) / 2))
    row.update(ci_lb=y - crit * se, ci_ub=y + crit * se)
    row.update(stat=y / se, pval=float(2 * dist.norm_sf(abs(y / se))))
    return row


@dataclass(frozen=True)
class Influence:
    studies: tuple[str, ...]
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    QE_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbetas: np.ndarray
    influential: np.ndarray  # True/False, or None where the deletion could not be fitted
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def missing(self) -> np.ndarray:
        return np.array([x is None for x in self.influential])

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for i, s in enumerate(self.studies):
            rows.append({
                "study": s, "rstudent": self.rstudent[i], "dffits": self.dffits[i],
                "cook_d": self.cook_d[i], "cov_r": self.cov_r[i], "tau2_del": self.tau2_del[i],
                "QE_del": self.QE_del[i], "hat": self.hat[i], "weight": self.weight[i],
                "dfbetas": list(self.dfbetas[i]),
                "influential": None if self.influential[i] is None else bool(self.influential[i]),
            })  # fmt: skip
        return _jsonable({"rows": rows, "notes": list(self.notes),
                          "warnings": list(self.warnings)})  # fmt: skip


def _hat_matrix(res: RMAResult) -> np.ndarray:
    """H = X(X'WX)⁻¹X'W with the model's weights: 1/(vᵢ + τ̂²), or the user's weights."""
    a = res.spec.weights
    w = 1 / (res.vi + res.tau2) if a is None else a
    WX = res.X * w[:, None]
    return res.X @ np.linalg.inv(res.X.T @ WX) @ WX.T


def hat_values(res: RMAResult) -> np.ndarray:
    """Diagonal of X(X'WX)⁻¹X'W (metafor ``hatvalues``)."""
    return np.diag(_hat_matrix(res)).copy()


def influence(res: RMAResult) -> Influence:
    """Case-deletion diagnostics for each study (metafor ``influence.rma.uni``).

    Every deletion refits ``res.spec`` (user weights included; then DFFITS and DFBETAS use the
    sandwich variances, as metafor). A deletion that cannot be fitted gives a missing row: its
    numbers NaN and its flag ``None`` (metafor's NA), with a note naming the study.
    """
    if _is_mh(res):
        raise InputError("method", "influence diagnostics need a model fitted by rma()")
    k, p = res.X.shape
    if k - 1 < p + (0 if res.method == "EE" else 1):
        raise InputError("yi", "too few studies for case-deletion diagnostics")
    H = _hat_matrix(res)
    hat = np.diag(H).copy()
    a = res.spec.weights
    pred_full = res.X @ res.beta
    svb = np.linalg.inv(res.vb)
    n = {
        name: np.full(k, np.nan)
        for name in ("tau2", "QE", "pred", "vpred", "s2w", "dffits", "cook", "covr")
    }
    dfbs = np.full((k, p), np.nan)
    notes: list[str] = []
    warns = _Warnings()
    for i in range(k):
        mask = np.ones(k, dtype=bool)
        mask[i] = False
        fit, why = try_refit(res, mask)
        if fit is None:  # e.g. the only study with a moderator value (metafor: NA row)
            notes.append(f"{res.study_labels()[i]}: not estimable without this study ({why})")
            continue
        warns.add(fit)
        xi = res.X[i]
        s2w = _s2w(fit)
        marg = res.vi + fit.tau2
        n["tau2"][i] = fit.tau2
        n["QE"][i] = fit.Q
        n["pred"][i] = xi @ fit.beta
        n["vpred"][i] = xi @ fit.vb @ xi
        n["s2w"][i] = s2w
        if a is None:
            v_pred = hat[i] * marg[i]
            vb_del = np.linalg.inv(res.X.T @ (res.X / marg[:, None]))
        else:  # sandwich forms with the user's weights (metafor influence.rma.uni)
            v_pred = float(H[i] @ (marg * H[i]))
            AX = res.X * a[:, None]
            inv = np.linalg.inv(res.X.T @ AX)
            vb_del = inv @ (AX.T * marg) @ AX @ inv
        n["dffits"][i] = (pred_full[i] - n["pred"][i]) / np.sqrt(s2w * v_pred)
        dfb = res.beta - fit.beta
        dfbs[i] = dfb / np.sqrt(s2w * np.diag(vb_del))
        n["cook"][i] = dfb @ svb @ dfb
        n["covr"][i] = np.linalg.det(fit.vb) / np.linalg.det(res.vb)
    resid = res.yi - n["pred"]
    resid[np.abs(resid) < 100 * np.finfo(float).eps] = 0.0
    seresid = np.sqrt(res.vi * n["s2w"] + n["vpred"] + n["tau2"] * n["s2w"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rstudent = resid / seresid
    flagged = (
        (np.abs(n["dffits"]) > 3 * np.sqrt(p / (k - p)))
        | (dist.chi2_cdf(n["cook"], p) > 0.5)
        | (hat > 3 * p / k)
        | np.any(np.abs(dfbs) > 1, axis=1)
    )
    # R's three-valued logic, as metafor: a missing row is flagged when its hat value alone
    # decides (NA | TRUE is TRUE), otherwise its flag is missing (None), never False.
    missing = np.isnan(n["tau2"])
    by_hat = hat > 3 * p / k
    infl = np.array(
        [bool(by_hat[i]) or None if missing[i] else bool(flagged[i]) for i in range(k)],
        dtype=object,
    )
    return Influence(
        studies=res.study_labels(), rstudent=rstudent, dffits=n["dffits"], cook_d=n["cook"],
        cov_r=n["covr"], tau2_del=n["tau2"], QE_del=n["QE"], hat=hat, weight=res.weights,
        dfbetas=dfbs, influential=infl, notes=tuple(notes), warnings=tuple(warns.items),
    )  # fmt: skip


def _s2w(fit: RMAResult) -> float:
    """The Knapp–Hartung scale factor of a refit (1 for z tests): from the inverse-variance
    fit even when the model has user weights (metafor's RSS.knha)."""
    if fit.test not in ("knha", "adhoc"):
        return 1.0
    w = 1 / (fit.vi + fit.tau2)
    WX = fit.X * w[:, None]
    beta = np.linalg.solve(fit.X.T @ WX, WX.T @ fit.yi)
    r = fit.yi - fit.X @ beta
    k, p = fit.X.shape
    rss = float(np.sum(w * r * r))
    s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
    return max(1.0, s2w) if fit.test == "adhoc" else s2w
