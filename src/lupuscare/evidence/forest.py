"""Journal-style forest plots: subgroup blocks with their own summaries, annotation columns,
sorting, axis limits, the ratio-scale transform and the prediction interval; returned as a
matplotlib ``Figure`` (``forest_figure``) or Plotly figure JSON (``forest_layout`` →
``layout_plotly``). ``plots.forest`` (fixed bytes for the report) is unchanged.

The layout is computed first as plain data (``ForestLayout``: one row per study, subgroup
heading, subgroup summary and overall summary, with its y position and numbers), so what the
plot shows can be tested without reading pixels. Subgroup summaries refit the model's own
specification on the subgroup's studies (a one-study subgroup is that study with a z interval,
as metafor's ``rma(subset=)`` with k = 1); the test of subgroup differences is the Q of the
subgroup estimates (Borenstein et al. 2009, ch. 19), as :func:`lupuscare.evidence.subgroup`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.effect_sizes import LOG_SCALE
from lupuscare.evidence.model import RMAResult

COL = 0.24  # width of an annotation column, as a fraction of the plotting area


@dataclass(frozen=True)
class ForestRow:
    kind: str  # "study", "heading", "subgroup", "overall", "text"
    label: str
    y: float
    estimate: float | None = None
    ci_lb: float | None = None
    ci_ub: float | None = None
    pi_lb: float | None = None
    pi_ub: float | None = None
    weight: float | None = None  # % of the overall fit
    cells: tuple[str, ...] = ()  # annotation columns


@dataclass(frozen=True)
class ForestLayout:
    rows: tuple[ForestRow, ...]
    columns: tuple[str, ...]  # headers of the annotation columns
    ratio: bool
    xlim: tuple[float, float]
    xlabel: str
    heterogeneity: str
    subgroup_test: str | None

    def find(self, kind: str) -> list[ForestRow]:
        return [r for r in self.rows if r.kind == kind]


def _order(res: RMAResult, order: Any) -> np.ndarray:
    k = res.k
    if order is None:
        return np.arange(k)
    if isinstance(order, str):
        if order == "effect":
            return np.argsort(res.yi, kind="stable")
        if order == "precision":
            return np.argsort(res.vi, kind="stable")
        raise InputError("order", "'effect', 'precision' or one sort key per study")
    keys = np.asarray(order)
    if keys.size != k:
        raise InputError("order", f"has {keys.size} values, expected {k}")
    return np.argsort(keys, kind="stable")


def _fmt(x: float | None, ratio: bool) -> str:
    if x is None:
        return ""
    return f"{np.exp(x):.2f}" if ratio else f"{x:.2f}"


def forest_layout(
    res: RMAResult,
    *,
    groups: Sequence[Any] | None = None,
    order: Any = None,
    columns: Mapping[str, Sequence[Any]] | None = None,
    xlim: tuple[float, float] | None = None,
    back_transform: bool | None = None,
    show_pi: bool = True,
    xlabel: str | None = None,
) -> ForestLayout:
    """Rows and numbers of the forest plot (top row has the largest y)."""
    from lupuscare.evidence.plots import _default_xlabel
    from lupuscare.evidence.sensitivity import refit

    if res.tables is not None:
        raise InputError("method", "forest_layout draws models fitted by rma()")
    if res.has_mods:
        raise InputError("mods", "a meta-regression has no pooled effect to draw per subgroup")
    k = res.k
    ratio = (res.measure in LOG_SCALE) if back_transform is None else bool(back_transform)
    labels = res.study_labels()
    crit = dist.norm_crit(1 - res.level / 100)
    se = np.sqrt(res.vi)
    cols = dict(columns or {})
    for name, values in cols.items():
        if len(values) != k:
            raise InputError(f"columns.{name}", f"has {len(values)} values, expected {k}")
    weights = res.weights
    g = [str(x) for x in groups] if groups is not None else None
    if g is not None and len(g) != k:
        raise InputError("groups", f"has {len(g)} values, expected {k}")
    idx = _order(res, order)
    blocks = [(None, list(idx))] if g is None else [
        (name, [i for i in idx if g[i] == name]) for name in dict.fromkeys(g)
    ]  # fmt: skip
    rows: list[ForestRow] = []
    y = 0.0
    sub_fits = []

    def study_row(i: int) -> ForestRow:
        cells = tuple(str(cols[c][i]) for c in cols)
        return ForestRow("study", labels[i], 0.0, float(res.yi[i]),
                         float(res.yi[i] - crit * se[i]), float(res.yi[i] + crit * se[i]),
                         weight=float(weights[i]), cells=cells)  # fmt: skip

    for name, members in blocks:
        if name is not None:
            rows.append(ForestRow("heading", name, 0.0))
        rows.extend(study_row(i) for i in members)
        if name is not None:
            mask = np.zeros(k, dtype=bool)
            mask[members] = True
            if mask.sum() == 1:
                i = members[0]
                est, lb, ub, plb, pub = (float(res.yi[i]), float(res.yi[i] - crit * se[i]),
                                         float(res.yi[i] + crit * se[i]), None, None)  # fmt: skip
                sub_fits.append((est, float(se[i])))
            else:
                fit = refit(res, mask)
                est, lb, ub = fit.estimate, fit.ci_lb, fit.ci_ub
                plb, pub = (fit.pi_lb, fit.pi_ub) if show_pi and fit.tau2 > 0 else (None, None)
                sub_fits.append((fit.estimate, fit.se))
            rows.append(ForestRow("subgroup", f"Subtotal ({name})", 0.0, est, lb, ub, plb, pub,
                                  weight=float(weights[members].sum())))  # fmt: skip
    model = "EE" if res.method == "EE" else "RE"
    rows.append(ForestRow(
        "overall", f"{model} model ({res.method})", 0.0, res.estimate, res.ci_lb, res.ci_ub,
        res.pi_lb if show_pi and res.tau2 > 0 else None,
        res.pi_ub if show_pi and res.tau2 > 0 else None, weight=100.0,
    ))  # fmt: skip
    # y positions: one unit per row, a blank line before each heading and before the overall
    placed: list[ForestRow] = []
    y = float(len(rows) + sum(r.kind in ("heading", "overall") for r in rows))
    for r in rows:
        if r.kind in ("heading", "overall") and placed:
            y -= 1
        placed.append(ForestRow(r.kind, r.label, y, r.estimate, r.ci_lb, r.ci_ub, r.pi_lb,
                                r.pi_ub, r.weight, r.cells))  # fmt: skip
        y -= 1
    subgroup_test = None
    if len(sub_fits) >= 2:
        b = np.array([e for e, _ in sub_fits])
        w = 1 / np.array([s for _, s in sub_fits]) ** 2
        Q = float(np.sum(w * (b - np.sum(w * b) / w.sum()) ** 2))
        df = len(sub_fits) - 1
        subgroup_test = f"Test for subgroup differences: Q = {Q:.2f}, df = {df}, p = {dist.chi2_sf(Q, df):.3g}"
    values = [v for r in placed for v in (r.ci_lb, r.ci_ub, r.pi_lb, r.pi_ub) if v is not None]
    if xlim is None:
        lo, hi = min(values), max(values)
        pad = 0.05 * (hi - lo or 1.0)
        xlim = (lo - pad, hi + pad)
    elif not (len(xlim) == 2 and np.isfinite(xlim).all() and xlim[0] < xlim[1]):
        raise InputError("xlim", "give (lower, upper) with lower < upper on the analysis scale")
    het = (f"Heterogeneity: Q = {res.Q:.2f} (df = {res.Q_df}), p = {res.Q_pval:.3g}; "
           f"I² = {res.I2:.1f}%; τ² = {res.tau2:.3g}")  # fmt: skip
    return ForestLayout(tuple(placed), tuple(cols), ratio, (float(xlim[0]), float(xlim[1])),
                        xlabel or _default_xlabel(res, ratio), het, subgroup_test)  # fmt: skip


def forest_figure(res: RMAResult, *, title: str | None = None, **options: Any):
    """A matplotlib Figure of :func:`forest_layout` (options as there); save it with
    ``plots.figure_bytes(fig, "svg"|"png")`` or use it in a notebook."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon

    from lupuscare.evidence.plots import _RATIO_TICKS, _RC

    lay = forest_layout(res, **options)
    with rc_context(_RC):
        n = len(lay.rows)
        ncol = len(lay.columns)
        fig = Figure(figsize=(9.0 + 0.9 * ncol, 1.4 + 0.30 * (n + 2)))
        left = 0.24 + 0.11 * ncol
        ax = fig.add_axes((left, 0.10, 0.70 - left, 0.82))  # right: weight and estimate columns
        lo, hi = lay.xlim
        top = max(r.y for r in lay.rows) + 1
        tr = ax.get_yaxis_transform()
        for j, header in enumerate(lay.columns):
            ax.text(-0.02 - COL * (ncol - j - 1), top, header, transform=tr, ha="right",
                    va="center", fontsize=8, fontweight="bold")  # fmt: skip
        ax.text(-0.02 - COL * ncol, top, "Study", transform=tr, ha="right", va="center",
                fontsize=8, fontweight="bold")  # fmt: skip
        ax.text(1.02, top, "Weight", transform=tr, ha="left", va="center", fontsize=8,
                fontweight="bold")  # fmt: skip
        ax.text(1.19, top, "Estimate [CI]", transform=tr, ha="left", va="center", fontsize=8,
                fontweight="bold")  # fmt: skip
        wmax = max((r.weight or 0) for r in lay.rows if r.kind == "study") or 1.0
        for r in lay.rows:
            bold = r.kind in ("heading", "overall", "subgroup")
            ax.text(-0.02 - COL * ncol, r.y, r.label, transform=tr, ha="right", va="center",
                    fontsize=8, fontweight="bold" if bold else "normal")  # fmt: skip
            for j, cell in enumerate(r.cells):
                ax.text(-0.02 - COL * (ncol - j - 1), r.y, cell, transform=tr, ha="right",
                        va="center", fontsize=8)  # fmt: skip
            if r.estimate is None:
                continue
            lb, ub = max(r.ci_lb, lo), min(r.ci_ub, hi)
            if r.kind == "study":
                ax.hlines(r.y, lb, ub, color="black", linewidth=0.9)
                if r.ci_lb < lo:
                    ax.plot(lo, r.y, marker="<", color="black", markersize=4)
                if r.ci_ub > hi:
                    ax.plot(hi, r.y, marker=">", color="black", markersize=4)
                if lo <= r.estimate <= hi:
                    ax.scatter(r.estimate, r.y, s=20 + 160 * (r.weight or 0) / wmax,
                               marker="s", color="black", zorder=3)  # fmt: skip
            else:
                shade = "black" if r.kind == "overall" else "0.45"
                ax.add_patch(Polygon([(r.ci_lb, r.y), (r.estimate, r.y + 0.35),
                                      (r.ci_ub, r.y), (r.estimate, r.y - 0.35)],
                                     closed=True, color=shade))  # fmt: skip
                if r.pi_lb is not None:
                    ax.hlines(r.y, max(r.pi_lb, lo), min(r.pi_ub, hi), color=shade,
                              linestyle="--", linewidth=0.9)  # fmt: skip
            ax.text(1.02, r.y, f"{r.weight:.1f}%" if r.weight is not None else "",
                    transform=tr, ha="left", va="center", fontsize=8)  # fmt: skip
            ax.text(1.19, r.y, f"{_fmt(r.estimate, lay.ratio)} [{_fmt(r.ci_lb, lay.ratio)}, "
                    f"{_fmt(r.ci_ub, lay.ratio)}]", transform=tr, ha="left", va="center",
                    fontsize=8)  # fmt: skip
        ax.axvline(0.0, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xlim(lo, hi)
        ax.set_ylim(min(r.y for r in lay.rows) - 1, top + 0.5)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        if lay.ratio:
            nice = np.log(_RATIO_TICKS)
            ticks = nice[(nice >= lo) & (nice <= hi)]
            ax.set_xticks(ticks)
            ax.set_xticklabels([f"{t:g}" for t in np.exp(ticks).round(3)])
        ax.set_xlabel(lay.xlabel)
        foot = lay.heterogeneity + (f"\n{lay.subgroup_test}" if lay.subgroup_test else "")
        fig.text(0.02, 0.015, foot, fontsize=7)
        if title:
            fig.suptitle(title, fontsize=10)
    fig.forest_layout = lay  # the numbers drawn, for callers and tests
    return fig


def layout_plotly(lay: ForestLayout) -> dict[str, Any]:
    """The same layout as Plotly figure JSON (studies as points with CIs, summaries as
    diamonds), on the ratio scale for ratio measures."""
    tf = np.exp if lay.ratio else (lambda x: x)
    data: list[dict[str, Any]] = []
    studies = lay.find("study")
    data.append({
        "type": "scatter", "mode": "markers", "name": "studies",
        "x": [float(tf(r.estimate)) for r in studies], "y": [r.y for r in studies],
        "text": [r.label for r in studies], "marker": {"symbol": "square", "color": "black"},
        "error_x": {"type": "data", "symmetric": False,
                    "array": [float(tf(r.ci_ub) - tf(r.estimate)) for r in studies],
                    "arrayminus": [float(tf(r.estimate) - tf(r.ci_lb)) for r in studies]},
    })  # fmt: skip
    for r in [*lay.find("subgroup"), *lay.find("overall")]:
        xs = [float(tf(v)) for v in (r.ci_lb, r.estimate, r.ci_ub, r.estimate, r.ci_lb)]
        data.append({"type": "scatter", "mode": "lines", "fill": "toself", "name": r.label,
                     "x": xs, "y": [r.y, r.y + 0.35, r.y, r.y - 0.35, r.y],
                     "line": {"color": "black" if r.kind == "overall" else "grey"}})  # fmt: skip
    ticks = [r for r in lay.rows if r.kind != "text"]
    return {"data": data, "layout": {
        "xaxis": {"type": "log" if lay.ratio else "linear", "title": {"text": lay.xlabel},
                  "range": [float(np.log10(np.exp(lay.xlim[0]))),
                            float(np.log10(np.exp(lay.xlim[1])))] if lay.ratio
                  else list(lay.xlim)},
        "yaxis": {"tickvals": [r.y for r in ticks], "ticktext": [r.label for r in ticks],
                  "showgrid": False},
        "showlegend": False,
    }}  # fmt: skip
