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
from scipy import stats

from lupuscare.errors import InputError
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
        return _jsonable({"kind": self.kind, "rows": self.rows()})


def _is_mh(res: RMAResult) -> bool:
    return res.method in ("MH", "PETO")


def _all_labels(res: RMAResult) -> tuple[str, ...]:
    if _is_mh(res):
        k = int(res.extra["keep"].size)
        labels = res.extra.get("all_labels")
        return tuple(labels) if labels else tuple(str(i + 1) for i in range(k))
    return res.study_labels()


def refit(res: RMAResult, mask: np.ndarray, allow_k1: bool = False) -> RMAResult:
    """The same model on a subset of the studies (boolean mask over the studies)."""
    if _is_mh(res):
        from lupuscare.evidence.mantel_haenszel import rma_mh, rma_peto

        c = {n: v[mask] for n, v in res.extra["counts"].items()}
        if res.method == "PETO":
            return rma_peto(c["ai"], c["bi"], c["ci"], c["di"], level=res.level)
        return rma_mh(c["ai"], c["bi"], c["ci"], c["di"], measure=res.measure, level=res.level)
    names = [c.name for c in res.coefficients]
    labels = tuple(np.asarray(res.study_labels())[mask])
    ni = res.ni[mask] if res.ni is not None else None
    return fit_model(
        res.yi[mask], res.vi[mask], res.X[mask], names, res.method, res.test, res.level,
        res.measure, labels, ni, allow_k1=allow_k1, **res.extra.get("control", {}),
    )  # fmt: skip


def _row(fit: RMAResult) -> dict[str, float]:
    return {f: float(getattr(fit, f)) for f in _ROW_FIELDS}


def _table(kind: str, studies: Sequence[str], rows: list[dict[str, float | None]]):
    columns = {
        f: np.array([np.nan if r[f] is None else r[f] for r in rows], dtype=float)
        for f in _ROW_FIELDS
    }
    return SensitivityTable(kind, tuple(studies), columns)


def leave1out(res: RMAResult) -> SensitivityTable:
    """Refit leaving out each study in turn (metafor ``leave1out``)."""
    if res.has_mods:
        raise InputError("mods", "leave1out is defined for models without moderators")
    k = int(res.extra["keep"].size) if _is_mh(res) else res.k
    if k < 2 or (not _is_mh(res) and res.method != "EE" and k < 3):
        raise InputError("yi", "too few studies to leave one out")
    rows = []
    for i in range(k):
        mask = np.ones(k, dtype=bool)
        mask[i] = False
        rows.append(_row(refit(res, mask)))
    return _table("leave1out", _all_labels(res), rows)


def cumul(res: RMAResult, order: Sequence[Any] | None = None) -> SensitivityTable:
    """Cumulative meta-analysis: add the studies one at a time (metafor ``cumul``).

    ``order``: sort keys, one per study (e.g. publication year); studies are added in ascending
    order of the key, ties kept in their original order. Default: the order given.
    """
    if res.has_mods:
        raise InputError("mods", "cumul is defined for models without moderators")
    k = int(res.extra["keep"].size) if _is_mh(res) else res.k
    idx = np.arange(k)
    if order is not None:
        keys = np.asarray(order)
        if keys.size != k:
            raise InputError("order", f"has {keys.size} values, expected {k}")
        idx = np.argsort(keys, kind="stable")
    labels = _all_labels(res)
    rows = []
    for j in range(1, k + 1):
        mask = np.zeros(k, dtype=bool)
        mask[idx[:j]] = True
        if j == 1 and not _is_mh(res):
            rows.append(_single_study_row(res, int(idx[0])))
            continue
        rows.append(_row(refit(res, mask, allow_k1=True)))
    return _table("cumul", [labels[i] for i in idx], rows)


def _single_study_row(res: RMAResult, i: int) -> dict[str, float | None]:
    """One study alone: its own estimate and a z interval (as metafor, also under test="knha",
    whose t(k − 1) has no degrees of freedom left); no heterogeneity."""
    y, se = float(res.yi[i]), float(np.sqrt(res.vi[i]))
    row: dict[str, float | None] = dict.fromkeys(_ROW_FIELDS)
    row.update(estimate=y, se=se, Q=0.0, Q_pval=1.0, tau2=0.0, I2=0.0, H2=1.0)
    crit = float(stats.norm.isf((1 - res.level / 100) / 2))
    row.update(ci_lb=y - crit * se, ci_ub=y + crit * se)
    if res.test == "z":
        row.update(stat=y / se, pval=float(2 * stats.norm.sf(abs(y / se))))
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
    influential: np.ndarray
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for i, s in enumerate(self.studies):
            rows.append({
                "study": s, "rstudent": self.rstudent[i], "dffits": self.dffits[i],
                "cook_d": self.cook_d[i], "cov_r": self.cov_r[i], "tau2_del": self.tau2_del[i],
                "QE_del": self.QE_del[i], "hat": self.hat[i], "weight": self.weight[i],
                "dfbetas": list(self.dfbetas[i]), "influential": bool(self.influential[i]),
            })  # fmt: skip
        return _jsonable({"rows": rows, "notes": list(self.notes)})


def hat_values(res: RMAResult) -> np.ndarray:
    """Diagonal of X(X'WX)⁻¹X'W with the model's weights 1/(vᵢ + τ̂²)."""
    w = 1 / (res.vi + res.tau2)
    WX = res.X * w[:, None]
    return np.einsum("ij,jk,ik->i", res.X, np.linalg.inv(res.X.T @ WX), WX)


def influence(res: RMAResult) -> Influence:
    """Case-deletion diagnostics for each study (metafor ``influence.rma.uni``)."""
    if _is_mh(res):
        raise InputError("method", "influence diagnostics need a model fitted by rma()")
    k, p = res.X.shape
    if k - 1 < p + (0 if res.method == "EE" else 1):
        raise InputError("yi", "too few studies for case-deletion diagnostics")
    hat = hat_values(res)
    pred_full = res.X @ res.beta
    svb = np.linalg.inv(res.vb)
    n = {
        name: np.full(k, np.nan)
        for name in ("tau2", "QE", "pred", "vpred", "s2w", "dffits", "cook", "covr")
    }
    dfbs = np.full((k, p), np.nan)
    notes: list[str] = []
    for i in range(k):
        mask = np.ones(k, dtype=bool)
        mask[i] = False
        try:
            fit = refit(res, mask)
        except InputError as e:  # e.g. the only study with a moderator value (metafor: NA row)
            notes.append(f"{res.study_labels()[i]}: not estimable without this study ({e})")
            continue
        xi = res.X[i]
        s2w = _s2w(fit)
        n["tau2"][i] = fit.tau2
        n["QE"][i] = fit.Q
        n["pred"][i] = xi @ fit.beta
        n["vpred"][i] = xi @ fit.vb @ xi
        n["s2w"][i] = s2w
        n["dffits"][i] = (pred_full[i] - n["pred"][i]) / np.sqrt(
            s2w * hat[i] * (fit.tau2 + res.vi[i])
        )
        w_del = 1 / (res.vi + fit.tau2)
        vb_del = np.linalg.inv(res.X.T @ (res.X * w_del[:, None]))
        dfb = res.beta - fit.beta
        dfbs[i] = dfb / np.sqrt(s2w * np.diag(vb_del))
        n["cook"][i] = dfb @ svb @ dfb
        n["covr"][i] = np.linalg.det(fit.vb) / np.linalg.det(res.vb)
    resid = res.yi - n["pred"]
    resid[np.abs(resid) < 100 * np.finfo(float).eps] = 0.0
    seresid = np.sqrt(res.vi * n["s2w"] + n["vpred"] + n["tau2"] * n["s2w"])
    rstudent = resid / seresid
    infl = (
        (np.abs(n["dffits"]) > 3 * np.sqrt(p / (k - p)))
        | (stats.chi2.cdf(n["cook"], p) > 0.5)
        | (hat > 3 * p / k)
        | np.any(np.abs(dfbs) > 1, axis=1)
    )
    return Influence(
        studies=res.study_labels(), rstudent=rstudent, dffits=n["dffits"], cook_d=n["cook"],
        cov_r=n["covr"], tau2_del=n["tau2"], QE_del=n["QE"], hat=hat, weight=res.weights,
        dfbetas=dfbs, influential=infl, notes=tuple(notes),
    )  # fmt: skip


def _s2w(fit: RMAResult) -> float:
    """The Knapp–Hartung scale factor of a refit (1 for z tests)."""
    if fit.test != "knha":
        return 1.0
    w = 1 / (fit.vi + fit.tau2)
    r = fit.yi - fit.X @ fit.beta
    k, p = fit.X.shape
    rss = float(np.sum(w * r * r))
    return 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
