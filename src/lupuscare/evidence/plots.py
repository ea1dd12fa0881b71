"""Forest and funnel plots: static (matplotlib, Agg, deterministic bytes) and interactive
(Plotly figure JSON as a plain dict, for the web page).

Deterministic output: no timestamps in the metadata, a fixed SVG hash salt, text drawn as
paths, so the same fit always gives the same bytes (the report can be diffed and cached).
Ratio measures (RR, OR, ROM, Peto OR) are drawn on the log scale and labelled in the ratio
scale, as metafor's ``forest(..., atransf=exp)`` does.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib import rc_context  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402
from scipy import stats  # noqa: E402

from lupuscare.errors import InputError  # noqa: E402
from lupuscare.evidence.effect_sizes import LOG_SCALE  # noqa: E402
from lupuscare.evidence.model import RMAResult  # noqa: E402

_RC = {"svg.hashsalt": "lupuscare", "svg.fonttype": "path", "font.family": "DejaVu Sans"}
FORMATS = ("svg", "png")
_RATIO_TICKS = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100])


def _ratio(res: RMAResult, back_transform: bool | None) -> bool:
    if back_transform is None:
        return res.measure in LOG_SCALE or res.method == "PETO"
    return back_transform


def _fmt(x: float, ratio: bool, digits: int = 2) -> str:
    return f"{np.exp(x):.{digits}f}" if ratio else f"{x:.{digits}f}"


def _save(fig: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise InputError("fmt", "one of svg, png")
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with rc_context(_RC):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    return buf.getvalue()


def figure_bytes(fig: Figure, fmt: str = "svg") -> bytes:
    """Deterministic SVG/PNG bytes of any Figure (e.g. ``forest.forest_figure``)."""
    return _save(fig, fmt)


def _rows(res: RMAResult):
    crit = float(stats.norm.isf((1 - res.level / 100) / 2))
    se = np.sqrt(res.vi)
    return res.yi, res.yi - crit * se, res.yi + crit * se


def forest(
    res: RMAResult,
    *,
    fmt: str = "svg",
    title: str | None = None,
    xlabel: str | None = None,
    back_transform: bool | None = None,
    show_pi: bool = True,
) -> bytes:
    """A forest plot of a fitted model: one row per study, the pooled diamond, the PI."""
    with rc_context(_RC):
        ratio = _ratio(res, back_transform)
        labels = res.study_labels()
        y, lb, ub = _rows(res)
        k = y.size
        w = res.weights
        fig = Figure(figsize=(8.0, 1.6 + 0.32 * (k + 3)))
        ax = fig.add_axes((0.24, 0.10, 0.50, 0.82))
        pos = np.arange(k, 0, -1) + 1.5
        sizes = 20 + 180 * w / w.max()
        ax.hlines(pos, lb, ub, color="black", linewidth=0.9)
        ax.scatter(y, pos, s=sizes, marker="s", color="black", zorder=3)
        if not res.has_mods:  # a meta-regression has no single pooled effect to draw
            diamond = [
                (res.ci_lb, 0.5),
                (res.estimate, 0.85),
                (res.ci_ub, 0.5),
                (res.estimate, 0.15),
            ]
            ax.add_patch(Polygon(diamond, closed=True, color="black"))
        if show_pi and res.pi_lb is not None and res.tau2 > 0:
            ax.hlines(0.5, res.pi_lb, res.pi_ub, color="black", linestyle="--", linewidth=0.9)
        null = 0.0
        ax.axvline(null, color="grey", linewidth=0.8, linestyle=":")
        ax.set_ylim(-0.2, k + 2.5)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        lo = float(min(np.min(lb), res.ci_lb, res.pi_lb if res.pi_lb is not None else res.ci_lb))
        hi = float(max(np.max(ub), res.ci_ub, res.pi_ub if res.pi_ub is not None else res.ci_ub))
        pad = 0.05 * (hi - lo or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        if ratio:
            nice = np.log(_RATIO_TICKS)
            ticks = nice[(nice >= lo - pad) & (nice <= hi + pad)]
            ax.set_xticks(ticks)
            ax.set_xticklabels([f"{t:g}" for t in np.exp(ticks).round(3)])
        ax.set_xlabel(xlabel or _default_xlabel(res, ratio))
        model = "EE" if res.method in ("EE", "MH", "PETO") else "RE"
        rows = [*labels, f"{model} model ({res.method})"]
        pooled = f"{_fmt(res.estimate, ratio)} [{_fmt(res.ci_lb, ratio)}, {_fmt(res.ci_ub, ratio)}]"
        if res.has_mods:
            rows[-1] = "Meta-regression: see coefficients"
            pooled = ""
        est = [*(f"{_fmt(a, ratio)} [{_fmt(b, ratio)}, {_fmt(c, ratio)}]" for a, b, c in zip(y, lb, ub, strict=True)),
               pooled]  # fmt: skip
        wtxt = [*(f"{x:.1f}%" for x in w), "100%"]
        for p, lab, e, wt in zip([*pos, 0.5], rows, est, wtxt, strict=True):
            ax.text(
                -0.02,
                p,
                lab,
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=8,
            )
            ax.text(
                1.02, p, wt, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8
            )
            ax.text(
                1.14, p, e, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8
            )
        het = f"Q = {res.Q:.2f} (df = {res.Q_df}), p = {res.Q_pval:.3g}; I² = {res.I2:.1f}%; τ² = {res.tau2:.3g}"
        fig.text(0.02, 0.02, het, fontsize=7)
        if title:
            fig.suptitle(title, fontsize=10)
        return _save(fig, fmt)


def _default_xlabel(res: RMAResult, ratio: bool) -> str:
    names = {"RR": "Risk ratio", "OR": "Odds ratio", "ROM": "Ratio of means", "RD": "Risk difference",
             "SMD": "Standardised mean difference", "MD": "Mean difference", "PR": "Proportion",
             "PLO": "Log odds", "MC": "Mean change", "SMCC": "Standardised mean change",
             "SMCR": "Standardised mean change", "GEN": "Effect size"}  # fmt: skip
    name = names.get(res.measure, res.measure)
    return f"{name} (log scale)" if ratio else name


def _funnel_xlabel(res: RMAResult) -> str:
    """A funnel plot draws yi itself on a linear axis: for ratio measures that is the log ratio."""
    if res.has_mods:
        return "Residual value"
    name = _default_xlabel(res, False)
    return f"Log {name[0].lower()}{name[1:]}" if _ratio(res, None) else name


def funnel(
    res: RMAResult,
    *,
    fmt: str = "svg",
    filled: np.ndarray | None = None,
    contours: bool = False,
    title: str | None = None,
) -> bytes:
    """Funnel plot: effect against standard error (inverted), with the pseudo-confidence region.

    ``filled`` marks studies imputed by trim-and-fill (drawn as open circles); ``contours``
    shades the 90/95/99 % significance regions around zero (contour-enhanced funnel).
    """
    with rc_context(_RC):
        se = np.sqrt(res.vi)
        # A meta-regression is drawn on its residuals around 0, as metafor's funnel() does.
        x = res.yi - res.X @ res.beta if res.has_mods else res.yi
        centre = 0.0 if res.has_mods else res.estimate
        top = float(se.max()) * 1.05
        fig = Figure(figsize=(6.0, 5.0))
        ax = fig.add_axes((0.12, 0.12, 0.83, 0.80))
        s_grid = np.linspace(0, top, 50)
        if contours:
            span = float(np.max(np.abs(x)) + 3 * top)
            ax.fill_betweenx(s_grid, -span, span, color="0.70", linewidth=0)  # p < .01
            for level, shade in ((0.99, "0.80"), (0.95, "0.90"), (0.90, "white")):
                zc = stats.norm.isf((1 - level) / 2)
                ax.fill_betweenx(s_grid, -zc * s_grid, zc * s_grid, color=shade, linewidth=0)
        z = stats.norm.isf((1 - res.level / 100) / 2)
        ax.plot(centre - z * s_grid, s_grid, color="black", linestyle="--", linewidth=0.8)
        ax.plot(centre + z * s_grid, s_grid, color="black", linestyle="--", linewidth=0.8)
        ax.axvline(centre, color="black", linewidth=0.8)
        mask = np.zeros(x.size, dtype=bool) if filled is None else np.asarray(filled, dtype=bool)
        ax.scatter(x[~mask], se[~mask], color="black", s=18, zorder=3)
        if mask.any():
            ax.scatter(x[mask], se[mask], facecolors="white", edgecolors="black", s=18, zorder=3)
        ax.set_ylim(top, 0)
        x_lo = float(min(x.min(), centre - z * top))
        x_hi = float(max(x.max(), centre + z * top))
        ax.set_xlim(x_lo - 0.05 * (x_hi - x_lo), x_hi + 0.05 * (x_hi - x_lo))
        ax.set_ylabel("Standard error")
        ax.set_xlabel(_funnel_xlabel(res))
        if title:
            ax.set_title(title, fontsize=10)
        return _save(fig, fmt)


def forest_plotly(res: RMAResult, *, back_transform: bool | None = None) -> dict[str, Any]:
    """Plotly figure JSON (``{"data": [...], "layout": {...}}``) of the forest plot."""
    ratio = _ratio(res, back_transform)
    y, lb, ub = _rows(res)
    labels = list(res.study_labels())
    tf = np.exp if ratio else (lambda a: a)
    est = [float(x) for x in tf(y)]
    studies = {
        "type": "scatter",
        "mode": "markers",
        "name": "Studies",
        "x": est,
        "y": labels,
        "marker": {"symbol": "square", "color": "black",
                   "size": [float(6 + 14 * s) for s in res.weights / res.weights.max()]},
        "error_x": {"type": "data", "symmetric": False,
                    "array": [float(a - b) for a, b in zip(tf(ub), est, strict=True)],
                    "arrayminus": [float(b - a) for a, b in zip(tf(lb), est, strict=True)]},
        "customdata": [[float(w)] for w in res.weights],
        "hovertemplate": "%{y}: %{x:.3f}<br>weight %{customdata[0]:.1f}%<extra></extra>",
    }  # fmt: skip
    pooled_label = f"Pooled ({res.method})"
    pooled = {
        "type": "scatter", "mode": "markers", "name": pooled_label,
        "x": [float(tf(res.estimate))], "y": [pooled_label],
        "marker": {"symbol": "diamond", "size": 16, "color": "black"},
        "error_x": {"type": "data", "symmetric": False,
                    "array": [float(tf(res.ci_ub) - tf(res.estimate))],
                    "arrayminus": [float(tf(res.estimate) - tf(res.ci_lb))]},
    }  # fmt: skip
    data = [studies] if res.has_mods else [studies, pooled]
    if res.pi_lb is not None and res.tau2 > 0 and not res.has_mods:
        data.append({
            "type": "scatter", "mode": "lines", "name": "Prediction interval",
            "x": [float(tf(res.pi_lb)), float(tf(res.pi_ub))], "y": [pooled_label, pooled_label],
            "line": {"dash": "dash", "color": "black"},
        })  # fmt: skip
    layout = {
        "xaxis": {"title": {"text": _default_xlabel(res, ratio).replace(" (log scale)", "")},
                  "type": "log" if ratio else "linear", "zeroline": False},
        "yaxis": {"autorange": "reversed", "categoryorder": "array",
                  "categoryarray": labels if res.has_mods else [*labels, pooled_label]},
        "shapes": [{"type": "line", "x0": 1 if ratio else 0, "x1": 1 if ratio else 0,
                    "yref": "paper", "y0": 0, "y1": 1, "line": {"dash": "dot", "color": "grey"}}],
        "showlegend": False,
        "margin": {"l": 160},
    }  # fmt: skip
    return {"data": data, "layout": layout}


def funnel_plotly(res: RMAResult) -> dict[str, Any]:
    """Plotly figure JSON of the funnel plot (effect vs standard error, inverted axis)."""
    se = np.sqrt(res.vi)
    top = float(se.max()) * 1.05
    z = float(stats.norm.isf((1 - res.level / 100) / 2))
    return {
        "data": [
            {"type": "scatter", "mode": "markers", "name": "Studies",
             "x": [float(x) for x in res.yi], "y": [float(s) for s in se],
             "text": list(res.study_labels()), "marker": {"color": "black"}},
            {"type": "scatter", "mode": "lines", "name": "Pseudo-CI",
             "x": [res.estimate - z * top, res.estimate, res.estimate + z * top],
             "y": [top, 0.0, top], "line": {"dash": "dash", "color": "black"}},
        ],
        "layout": {"xaxis": {"title": {"text": _funnel_xlabel(res)}},
                   "yaxis": {"title": {"text": "Standard error"}, "range": [top, 0]},
                   "showlegend": False},
    }  # fmt: skip
