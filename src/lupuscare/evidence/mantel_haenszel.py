"""Equal-effects pooling of 2×2 tables: Mantel–Haenszel (OR, RR, RD) and Peto's one-step OR.

Formulas as in metafor ``rma.mh`` / ``rma.peto`` (3.8-1): MH estimates on the raw counts (no
continuity correction; tables without events in both arms stay in); OR variance of Robins,
Breslow & Greenland (1986); RR variance of Greenland & Robins (1985); RD variance of Sato,
Greenland & Robins (1989) (Stata ``metan`` uses Greenland–Robins 1985, so its z differs). The
heterogeneity Q uses the escalc effect sizes (0.5 added to tables with a zero cell, tables with
no events or only events in both arms dropped). Peto: Yusuf et al. (1985).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.effect_sizes import escalc
from lupuscare.evidence.model import Coefficient, ModelSpec, RMAResult, TablesInfo, TwoByTwo


def _counts(ai, bi, ci, di, n1i, n2i, measure: str) -> dict[str, np.ndarray]:
    """The raw 2×2 counts, validated (via the RD computation, which is finite for zero cells)."""
    es = escalc("RD", ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i, add=0.0, to="none")
    return {name: es.columns[name] for name in ("ai", "bi", "ci", "di")}


def _heterogeneity_effects(c: dict[str, np.ndarray], measure: str):
    """escalc yi/vi for the Q test, with metafor's drop00: no-event (or all-event) tables out."""
    keep = ~(((c["ai"] == 0) & (c["ci"] == 0)) | ((c["bi"] == 0) & (c["di"] == 0)))
    es = escalc(measure, ai=c["ai"][keep], bi=c["bi"][keep], ci=c["ci"][keep], di=c["di"][keep])
    return es.yi, es.vi, keep


def rma_mh(
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    *,
    n1i: Any = None,
    n2i: Any = None,
    measure: str = "OR",
    level: float = 95.0,
    labels: Any = None,
) -> RMAResult:
    """Mantel–Haenszel pooled OR, RR or RD (metafor ``rma.mh``)."""
    measure = str(measure).upper()
    if measure not in ("OR", "RR", "RD"):
        raise InputError("measure", "Mantel-Haenszel supports OR, RR and RD")
    c = _counts(ai, bi, ci, di, n1i, n2i, measure)
    a, b, cc, d = c["ai"], c["bi"], c["ci"], c["di"]
    n1, n2 = a + b, cc + d
    N = n1 + n2
    if measure == "OR":
        Pi, Qi = (a + d) / N, (b + cc) / N
        Ri, Si = a * d / N, b * cc / N
        R, S = Ri.sum(), Si.sum()
        if R == 0 or S == 0:
            raise InputError("ai", "the Mantel-Haenszel OR is undefined (no discordant events)")
        beta = float(np.log(R / S))
        se = float(
            np.sqrt(
                0.5
                * (
                    (Pi * Ri).sum() / R**2
                    + (Pi * Si + Qi * Ri).sum() / (R * S)
                    + (Qi * Si).sum() / S**2
                )
            )
        )
    elif measure == "RR":
        R, S = (a * n2 / N).sum(), (cc * n1 / N).sum()
        if a.sum() == 0 or cc.sum() == 0:
            raise InputError("ai", "the Mantel-Haenszel RR is undefined (no events in one arm)")
        beta = float(np.log(R / S))
        se = float(np.sqrt(((n1 / N) * (n2 / N) * (a + cc) - (a / N) * cc).sum() / (R * S)))
    else:
        W = (n1 * n2 / N).sum()
        beta = float((a * n2 / N - cc * n1 / N).sum() / W)
        num = (
            beta
            * (cc * (n1 / N) ** 2 - a * (n2 / N) ** 2 + (n1 / N) * (n2 / N) * (n2 - n1) / 2).sum()
        )
        num += (a * (n2 - cc) / N + cc * (n1 - a) / N).sum() / 2
        se = float(np.sqrt(num / W**2))
    yi, vi, keep = _heterogeneity_effects(c, measure)
    Q = max(0.0, float(np.sum((yi - beta) ** 2 / vi))) if yi.size > 1 else 0.0
    # MH weights (metafor weights.rma.mh), over the tables shown in plots (double zeros dropped).
    mh_w = {"OR": b * cc / N, "RR": cc * n1 / N, "RD": n1 * n2 / N}[measure]
    extra = {"raw_weights": mh_w[keep], "weights_total": float(mh_w.sum())}
    if measure == "OR":
        extra.update(_cmh_test(a, b, cc, d))
    return _equal_effects_result(beta, se, Q, yi, vi, keep, measure, "MH", level, labels, c, extra)


def _cmh_test(a, b, c, d, correct: bool = True) -> dict[str, float | None]:
    """Cochran–Mantel–Haenszel test of no association (continuity-corrected, as metafor)."""
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    ok = N > 1
    if xt.sum() == 0 or yt.sum() == 0:
        return {"CMH": None, "CMH_pval": None}
    num = (abs(np.sum(a[ok] - (n1[ok] / N[ok]) * xt[ok])) - (0.5 if correct else 0.0)) ** 2
    den = np.sum((n1[ok] / N[ok]) * (n2[ok] / N[ok]) * (xt[ok] * (yt[ok] / (N[ok] - 1))))
    cmh = float(num / den)
    return {"CMH": cmh, "CMH_pval": dist.chi2_sf(cmh, 1)}


def rma_peto(
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    *,
    n1i: Any = None,
    n2i: Any = None,
    level: float = 95.0,
    labels: Any = None,
) -> RMAResult:
    """Peto's one-step pooled log odds ratio (metafor ``rma.peto``)."""
    c = _counts(ai, bi, ci, di, n1i, n2i, "OR")
    a, b, cc, d = c["ai"], c["bi"], c["ci"], c["di"]
    n1, n2 = a + b, cc + d
    N = n1 + n2
    xt, yt = a + cc, b + d
    E = xt * n1 / N
    with np.errstate(divide="ignore", invalid="ignore"):
        V = np.where(N > 1, xt * yt * (n1 / N) * (n2 / N) / (N - 1), 0.0)
    if V.sum() == 0:
        raise InputError("ai", "Peto's OR is undefined: no table has both events and non-events")
    OE = a - E
    beta = float(OE.sum() / V.sum())
    se = float(np.sqrt(1 / V.sum()))
    keep = V > 0
    yi, vi = OE[keep] / V[keep], 1 / V[keep]
    Q = max(0.0, float(np.sum(OE[keep] ** 2 / V[keep]) - OE.sum() ** 2 / V.sum()))
    extra = {"raw_weights": V[keep], "weights_total": float(V[keep].sum())}
    return _equal_effects_result(beta, se, Q, yi, vi, keep, "OR", "PETO", level, labels, c, extra)


def _equal_effects_result(beta, se, Q, yi, vi, keep, measure, method, level, labels, c, extra):
    alpha = 1 - level / 100
    crit = float(dist.norm_isf(alpha / 2))
    z = beta / se
    pval = float(2 * dist.norm_sf(abs(z)))
    k_yi = int(yi.size)
    Q_df = max(k_yi - 1, 0)
    if k_yi > 1:
        Q_pval = dist.chi2_sf(Q, Q_df)
        I2 = max(0.0, 100 * (Q - Q_df) / Q) if Q > 0 else 0.0
        H2 = Q / Q_df
    else:
        Q, Q_pval, I2, H2 = 0.0, 1.0, 0.0, 1.0
    k_all = int(keep.size)
    lab = tuple(str(x) for x in labels) if labels is not None else None
    if lab is not None and len(lab) != k_all:
        raise InputError("labels", f"has {len(lab)} labels, expected {k_all}")
    coef = Coefficient("intrcpt", beta, se, z, pval, beta - crit * se, beta + crit * se)
    counts = TwoByTwo(c["ai"], c["bi"], c["ci"], c["di"])
    spec = ModelSpec(method, "z", float(level), measure, counts=counts)
    tables = TablesInfo(keep=keep, k_yi=k_yi, all_labels=lab, **extra)
    return RMAResult(
        k=k_all, estimate=beta, se=se, stat=z, pval=pval, ci_lb=beta - crit * se,
        ci_ub=beta + crit * se, tau2=0.0, tau2_se=None, I2=float(I2), H2=float(H2), Q=float(Q),
        Q_df=Q_df, Q_pval=Q_pval, pi_lb=beta - crit * se, pi_ub=beta + crit * se, method=method,
        measure=measure, test="z", level=float(level), df=None, coefficients=(coef,), QM=None,
        QM_df=None, QM_pval=None, R2=None, yi=yi, vi=vi, X=np.ones((k_yi, 1)),
        beta=np.array([beta]), vb=np.array([[se**2]]), vt=0.0,
        labels=tuple(np.asarray(lab)[keep]) if lab is not None else None, fitstats=None,
        spec=spec, tables=tables,
    )  # fmt: skip
