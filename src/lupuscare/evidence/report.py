"""Plain-text summary of a fitted model, laid out like metafor's ``print.rma.uni``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lupuscare.evidence.model import RMAResult

_MODEL_NAMES = {
    "EE": "Equal-Effects Model",
    "MH": "Equal-Effects Model (Mantel-Haenszel)",
    "PETO": "Equal-Effects Model (Peto)",
}


def _p(p: float | None) -> str:
    if p is None:
        return "NA"
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def summary_text(res: RMAResult) -> str:
    lines = []
    if res.method in _MODEL_NAMES:
        lines.append(f"{_MODEL_NAMES[res.method]} (k = {res.k})")
    else:
        kind = "Mixed-Effects Model" if res.has_mods else "Random-Effects Model"
        lines.append(f"{kind} (k = {res.k}; tau^2 estimator: {res.method})")
    lines.append(f"measure: {res.measure}; test: {res.test}; level: {res.level:g}%")
    lines.append("")
    if res.method not in _MODEL_NAMES:
        se = f" (SE = {res.tau2_se:.4f})" if res.tau2_se is not None else ""
        lines.append(f"tau^2 (estimated amount of total heterogeneity): {res.tau2:.4f}{se}")
        lines.append(f"tau (square root of estimated tau^2 value):      {res.tau:.4f}")
    lines.append(f"I^2 (total heterogeneity / total variability):   {res.I2:.2f}%")
    lines.append(f"H^2 (total variability / sampling variability):  {res.H2:.2f}")
    if res.R2 is not None:
        lines.append(f"R^2 (amount of heterogeneity accounted for):     {res.R2:.2f}%")
    lines.append("")
    lines.append(
        f"Test for (Residual) Heterogeneity: Q(df = {res.Q_df}) = {res.Q:.4f}, p-val = {_p(res.Q_pval)}"
    )
    if res.QM is not None and res.QM_df is not None:
        if res.QM_df[1] is None:
            lines.append(
                f"Test of Moderators: QM(df = {res.QM_df[0]}) = {res.QM:.4f}, p-val = {_p(res.QM_pval)}"
            )
        else:
            lines.append(
                f"Test of Moderators: F(df1 = {res.QM_df[0]}, df2 = {res.QM_df[1]}) = {res.QM:.4f}, p-val = {_p(res.QM_pval)}"
            )
    lines.append("")
    stat = "tval" if res.test in ("knha", "adhoc") else "zval"
    lines.append(
        f"{'':10}{'estimate':>10}{'se':>10}{stat:>10}{'pval':>10}{'ci.lb':>10}{'ci.ub':>10}"
    )
    for c in res.coefficients:
        lines.append(
            f"{c.name[:10]:10}{c.estimate:10.4f}{c.se:10.4f}{c.stat:10.4f}{_p(c.pval):>10}{c.ci_lb:10.4f}{c.ci_ub:10.4f}"
        )
    if res.pi_lb is not None and res.method not in _MODEL_NAMES:
        lines.append("")
        lines.append(f"prediction interval: {res.pi_lb:.4f} to {res.pi_ub:.4f}")
    for note in res.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)
