"""Multilevel random-effects models with nested grouping (metafor ``rma.mv`` with
``random = ~ 1 | outer/inner``), fitted by ML or REML.

Effects within the same cluster share random effects: with nested levels j = 1..L (outer to
inner), V = diag(vᵢ) + Σⱼ σ²ⱼ ZⱼZⱼ' where Zⱼ indicates the cluster of level j (an inner cluster
is the combination of its label with every outer label, as R's ``outer/inner``). The variance
components maximise the (restricted) likelihood; b = (X'V⁻¹X)⁻¹X'V⁻¹y with Var(b) =
(X'V⁻¹X)⁻¹, Wald z tests (Konstantopoulos 2011; Viechtbauer 2010). metafor maximises with
``nlminb`` on log σ²; here Fisher scoring on σ² (with step halving and the boundary σ² ≥ 0) is
iterated to a relative change below 1e-10, so the optimum is the same to the optimiser's
accuracy. The log-likelihood is metafor's (REML including ½·log|X'X|, as in ``rma``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.errors import ConvergenceError
from lupuscare.evidence.model import Coefficient, _jsonable, design_matrix

MAXITER = 500
TOL = 1e-10


@dataclass(frozen=True)
class MultilevelResult:
    k: int
    method: str
    levels: tuple[str, ...]
    n_clusters: tuple[int, ...]
    sigma2: np.ndarray
    coefficients: tuple[Coefficient, ...]
    beta: np.ndarray
    vb: np.ndarray
    logLik: float
    Q: float
    Q_df: int
    Q_pval: float
    QM: float | None
    QM_pval: float | None
    level: float
    iterations: int

    @property
    def estimate(self) -> float:
        return self.coefficients[0].estimate

    @property
    def se(self) -> float:
        return self.coefficients[0].se

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({
            "k": self.k, "method": self.method, "levels": list(self.levels),
            "n_clusters": list(self.n_clusters), "sigma2": self.sigma2,
            "coefficients": [c.to_dict() for c in self.coefficients], "logLik": self.logLik,
            "Q": self.Q, "Q_df": self.Q_df, "Q_pval": self.Q_pval, "QM": self.QM,
            "QM_pval": self.QM_pval, "level": self.level,
        })  # fmt: skip


def _indicators(random: Mapping[str, Sequence[Any]], k: int) -> tuple[list[np.ndarray], list[int]]:
    Zs, counts = [], []
    path = [""] * k
    for name, values in random.items():
        labels = [str(v).strip() for v in values]
        if len(labels) != k:
            raise InputError(f"random.{name}", f"has {len(labels)} values, expected {k}")
        if any(not lab for lab in labels):
            raise InputError(f"random.{name}", "missing cluster label")
        path = [f"{p}/{lab}" for p, lab in zip(path, labels, strict=True)]  # nested in outer
        ids = {p: j for j, p in enumerate(dict.fromkeys(path))}
        Z = np.zeros((k, len(ids)))
        Z[np.arange(k), [ids[p] for p in path]] = 1.0
        Zs.append(Z @ Z.T)
        counts.append(len(ids))
    return Zs, counts


def _pieces(y, v, X, G, sigma2):
    V = np.diag(v) + sum(s * g for s, g in zip(sigma2, G, strict=True))
    Vi = np.linalg.inv(V)
    XtVi = X.T @ Vi
    vb = np.linalg.inv(XtVi @ X)
    beta = vb @ (XtVi @ y)
    P = Vi - XtVi.T @ vb @ XtVi
    return V, Vi, vb, beta, P


def _loglik(y, v, X, G, sigma2, method) -> float:
    V, Vi, vb, beta, _ = _pieces(y, v, X, G, sigma2)
    k, p = X.shape
    r = y - X @ beta
    ll = -0.5 * np.linalg.slogdet(V)[1] - 0.5 * float(r @ Vi @ r)
    if method == "REML":
        return float(ll - 0.5 * (k - p) * np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(vb)[1]
                     + 0.5 * np.linalg.slogdet(X.T @ X)[1])  # fmt: skip
    return float(ll - 0.5 * k * np.log(2 * np.pi))


def rma_mv(
    yi: Any,
    vi: Any,
    *,
    random: Mapping[str, Sequence[Any]],
    method: str = "REML",
    mods: Any = None,
    level: float = 95.0,
) -> MultilevelResult:
    """Fit a multilevel model; ``random`` maps level names to cluster labels, outer first
    (``{"district": d, "school": s}`` is metafor's ``random = ~ 1 | district/school``)."""
    method = str(method).upper()
    if method not in ("REML", "ML"):
        raise InputError("method", "rma_mv fits REML or ML")
    if not (0 < level < 100):
        raise InputError("level", "confidence level must lie between 0 and 100 (percent)")
    y = np.asarray(yi, dtype=float).reshape(-1)
    v = np.asarray(vi, dtype=float).reshape(-1)
    k = y.size
    if v.size != k:
        raise InputError("vi", f"has {v.size} values, expected {k}")
    for name, arr in (("yi", y), ("vi", v)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(f"{name}[{int(np.argmax(bad))}]", "missing or non-finite value")
    if np.any(v < 0):
        raise InputError(f"vi[{int(np.argmax(v < 0))}]", "sampling variance must not be negative")
    if not random:
        raise InputError("random", "name at least one grouping level")
    X, names = design_matrix(mods, k)
    p = X.shape[1]
    if k <= p + len(random):
        raise InputError("yi", f"{k} estimates are too few for this model")
    G, counts = _indicators(random, k)
    # start: the between-cluster share of a method-of-moments total, split evenly (as metafor's
    # default start, a fraction of the variance of y)
    total = max(float(np.var(y, ddof=1)) - float(np.mean(v)), 0.01 * float(np.var(y, ddof=1)))
    sigma2 = np.full(len(G), total / len(G))
    iterations = 0
    for _ in range(MAXITER):
        iterations += 1
        V, Vi, vb, beta, P = _pieces(y, v, X, G, sigma2)
        A = P if method == "REML" else Vi
        r = y - X @ beta
        u = (P @ y) if method == "REML" else (Vi @ r)
        AG = [A @ g for g in G]
        score = np.array(
            [-0.5 * np.trace(ag) + 0.5 * float(u @ g @ u) for ag, g in zip(AG, G, strict=True)]
        )
        info = 0.5 * np.array([[np.sum(a1 * a2.T) for a2 in AG] for a1 in AG])
        step = np.linalg.solve(info, score)
        new = sigma2 + step
        free = np.ones(len(G), dtype=bool)
        if np.any(new < 0):  # boundary: hold a component at 0 where the score points below it
            new = np.maximum(new, 0.0)
            free = ~((new == 0) & (score <= 0))
        ll_old = _loglik(y, v, X, G, sigma2, method)
        halvings = 0
        while _loglik(y, v, X, G, new, method) < ll_old - 1e-12 and halvings < 30:
            new = np.maximum(sigma2 + (new - sigma2) / 2, 0.0)
            halvings += 1
        change = np.max(np.abs(new - sigma2) / np.maximum(1e-8, np.abs(sigma2)))
        sigma2 = np.where(free, new, 0.0)
        if change < TOL:
            break
    else:
        raise ConvergenceError("sigma2", f"{method}: Fisher scoring did not converge")
    V, Vi, vb, beta, P = _pieces(y, v, X, G, sigma2)
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    pval = dist.norm_two_sided_p(stat)
    crit = dist.norm_crit(1 - level / 100)
    coefs = tuple(
        Coefficient(names[j], float(beta[j]), float(se[j]), float(stat[j]), float(pval[j]),
                    float(beta[j] - crit * se[j]), float(beta[j] + crit * se[j]))
        for j in range(p)
    )  # fmt: skip
    # Q: the residual heterogeneity test with V = diag(vᵢ) (metafor's QE)
    W0 = 1 / v
    b0 = np.linalg.solve(X.T @ (X * W0[:, None]), (X * W0[:, None]).T @ y)
    Q = float(np.sum(W0 * (y - X @ b0) ** 2))
    QM = QM_pval = None
    if p > 1:
        b = beta[1:]
        QM = float(b @ np.linalg.solve(vb[1:, 1:], b))
        QM_pval = dist.chi2_sf(QM, p - 1)
    return MultilevelResult(
        k=k, method=method, levels=tuple(random), n_clusters=tuple(counts), sigma2=sigma2,
        coefficients=coefs, beta=beta, vb=vb, logLik=_loglik(y, v, X, G, sigma2, method),
        Q=Q, Q_df=k - p, Q_pval=dist.chi2_sf(Q, k - p), QM=QM, QM_pval=QM_pval,
        level=float(level), iterations=iterations,
    )  # fmt: skip
