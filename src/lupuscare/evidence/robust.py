"""Cluster-robust (sandwich) inference for a fitted model (metafor ``robust.rma.uni`` with
``clubSandwich=FALSE``).

When several effect sizes come from the same study or cohort they are not independent; the
sandwich variance B·M·B' with bread B = (X'WX)⁻¹X'W and meat M = blockdiag(eₖeₖ') over the
clusters stays valid whatever the correlation within a cluster (Hedges, Tipton & Johnson 2010).
``adjust=True`` multiplies by n/(n − p) for n clusters (metafor's default small-sample
correction, "CR1"); tests and intervals use t(n − p) and the omnibus test F(m, n − p), as
metafor. The model's estimates are kept; only their uncertainty changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.model import Coefficient, RMAResult, _jsonable


@dataclass(frozen=True)
class RobustResult:
    fit: RMAResult
    n_clusters: int
    df: int
    adjust: bool
    coefficients: tuple[Coefficient, ...]
    vb: np.ndarray
    QM: float | None
    QM_df: tuple[int, int]
    QM_pval: float | None

    @property
    def estimate(self) -> float:
        return self.coefficients[0].estimate

    @property
    def se(self) -> float:
        return self.coefficients[0].se

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({
            "n_clusters": self.n_clusters, "df": self.df, "adjust": self.adjust,
            "estimator": "CR1" if self.adjust else "CR0",
            "coefficients": [c.to_dict() for c in self.coefficients], "QM": self.QM,
            "QM_df": list(self.QM_df), "QM_pval": self.QM_pval,
        })  # fmt: skip


def robust(res: RMAResult, cluster: Sequence[Any], adjust: bool = True) -> RobustResult:
    """Cluster-robust SEs, t tests and CIs for ``res`` (one cluster id per study)."""
    if res.tables is not None:
        raise InputError("method", "robust() needs a model fitted by rma()")
    ids = [str(c) for c in cluster]
    k, p = res.X.shape
    if len(ids) != k:
        raise InputError("cluster", f"has {len(ids)} values, expected {k} (one per study)")
    labels = list(dict.fromkeys(ids))
    n = len(labels)
    if n <= p:
        raise InputError("cluster", f"{n} clusters are too few for {p} coefficients")
    a = res.spec.weights
    if a is None:
        w = 1 / (res.vi + res.tau2)
        bread = res.vb @ (res.X * w[:, None]).T  # metafor uses the model's vb (incl. any KH factor)
    else:
        AX = res.X * a[:, None]
        bread = np.linalg.inv(res.X.T @ AX) @ AX.T
    e = res.yi - res.X @ res.beta
    meat_half = np.zeros((p, n))
    index = {c: j for j, c in enumerate(labels)}
    for i, c in enumerate(ids):  # Σ_clusters (B eₖ)(B eₖ)' = B·blockdiag(eₖeₖ')·B'
        meat_half[:, index[c]] += bread[:, i] * e[i]
    vb = meat_half @ meat_half.T
    df = n - p
    if adjust:
        vb = vb * n / df
    if np.any(np.diag(vb) < 100 * np.finfo(float).eps):  # metafor: NA
        raise InputError("cluster", "a robust variance is 0 (the residuals cancel in each cluster)")
    se = np.sqrt(np.diag(vb))
    stat = res.beta / se
    pval = dist.t_two_sided_p(stat, df)
    crit = dist.t_crit(1 - res.level / 100, df)
    coefs = tuple(
        Coefficient(c.name, float(res.beta[j]), float(se[j]), float(stat[j]), float(pval[j]),
                    float(res.beta[j] - crit * se[j]), float(res.beta[j] + crit * se[j]))
        for j, c in enumerate(res.coefficients)
    )  # fmt: skip
    btt = [j for j, c in enumerate(res.coefficients) if c.name != "intrcpt"] or [0]
    b = res.beta[btt]
    QM = float(b @ np.linalg.solve(vb[np.ix_(btt, btt)], b)) / len(btt)
    return RobustResult(res, n, df, adjust, coefs, vb, QM, (len(btt), df),
                        dist.f_sf(QM, len(btt), df))  # fmt: skip
