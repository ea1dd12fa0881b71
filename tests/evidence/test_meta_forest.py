"""Journal-style forest plots (issue 15, item 7): subgroup blocks whose summaries are metafor's
subset fits (metafor_reference.json ``subgroups``, bcg by allocation, REML), weights as
metafor's ``weights()``, sorting, axis limits with clipped intervals, a matplotlib Figure and
Plotly JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from lupuscare.errors import InputError
from lupuscare.evidence import rma
from lupuscare.evidence.forest import forest_figure, forest_layout, layout_plotly
from lupuscare.evidence.plots import figure_bytes

from .reference_data import bcg, bcg_columns, check, metafor

SUB = metafor()["subgroups"]


@pytest.fixture(scope="module")
def fit():
    return rma(bcg("RR"))


def test_subgroup_blocks_carry_metafors_subset_fits(fit) -> None:
    lay = forest_layout(fit, groups=SUB["groups"])
    subs = lay.find("subgroup")
    assert [r.label for r in lay.find("heading")] == ["random", "alternate", "systematic"]
    errors: list[str] = []
    check("estimate", [r.estimate for r in subs], SUB["estimate"], errors)
    crit = 1.959963984540054
    check("ci_lb", [r.ci_lb for r in subs], np.array(SUB["estimate"]) - crit * np.array(SUB["se"]),
          errors)  # fmt: skip
    assert not errors, errors
    assert f"Q = {SUB['Q_between']:.2f}, df = 2, p = {SUB['pval']:.3g}" in lay.subgroup_test
    overall = lay.find("overall")[0]
    assert overall.estimate == fit.estimate and overall.pi_lb == fit.pi_lb
    studies = lay.find("study")
    assert len(studies) == 13 and sum(r.weight for r in studies) == pytest.approx(100)
    # rows of a block lie between its heading and its summary
    ys = {r.label: r.y for r in lay.rows}
    assert ys["alternate"] > ys["Frimodt-Moller et al"] > ys["Subtotal (alternate)"]


def test_weights_annotation_and_columns(fit) -> None:
    c = bcg_columns()
    counts = [f"{a}/{a + b}" for a, b in zip(c["tpos"], c["tneg"], strict=True)]
    lay = forest_layout(fit, columns={"BCG events": counts})
    rows = lay.find("study")
    assert rows[0].cells == ("4/123",) and lay.columns == ("BCG events",)
    assert np.allclose([r.weight for r in rows], fit.weights)
    with pytest.raises(InputError) as info:
        forest_layout(fit, columns={"n": [1, 2]})
    assert info.value.field == "columns.n"


def test_sorting_and_axis_limits(fit) -> None:
    by_effect = forest_layout(fit, order="effect").find("study")
    assert [r.estimate for r in by_effect] == sorted(fit.yi)
    by_year = forest_layout(fit, order=bcg_columns()["year"]).find("study")
    assert by_year[0].label == "Aronson"  # 1948
    lay = forest_layout(fit, xlim=(-2.0, 1.0))
    assert lay.xlim == (-2.0, 1.0)
    with pytest.raises(InputError):
        forest_layout(fit, xlim=(1.0, -2.0))
    with pytest.raises(InputError):
        forest_layout(fit, order="alphabet")


def test_figure_and_plotly(fit) -> None:
    fig = forest_figure(fit, groups=SUB["groups"], xlim=(-2.0, 1.0), title="BCG")
    assert isinstance(fig, Figure) and fig.forest_layout.subgroup_test
    svg = figure_bytes(fig, "svg")
    assert svg == figure_bytes(forest_figure(fit, groups=SUB["groups"], xlim=(-2.0, 1.0),
                                             title="BCG"), "svg")  # deterministic  # fmt: skip
    plot = layout_plotly(forest_layout(fit, groups=SUB["groups"]))
    json.dumps(plot)
    assert plot["layout"]["xaxis"]["type"] == "log"
    assert len(plot["data"]) == 1 + 3 + 1  # studies, three subgroup diamonds, overall
    assert plot["data"][0]["x"][0] == pytest.approx(np.exp(fit.yi[0]))
