"""Forest and funnel plots: valid files, deterministic bytes, one mark per study."""

from __future__ import annotations

import json

import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import rma, trimfill
from lupuscare.evidence.plots import forest, forest_plotly, funnel, funnel_plotly

from .reference_data import bcg


@pytest.fixture(scope="module")
def fit():
    return rma(bcg("RR"))


def test_forest_svg_is_deterministic_and_labelled(fit) -> None:
    a, b = forest(fit), forest(fit)
    assert a == b
    assert a.lstrip().startswith(b"<?xml") and b"<svg" in a
    assert b"Date" not in a  # no timestamp in the metadata


def test_png_outputs_are_png_and_deterministic(fit) -> None:
    png = forest(fit, fmt="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png == forest(fit, fmt="png")
    tf = trimfill(fit)
    assert funnel(tf.fit, filled=tf.filled, fmt="png", contours=True)[:4] == b"\x89PNG"
    with pytest.raises(InputError):
        forest(fit, fmt="jpg")


def test_plotly_forest_has_one_point_per_study_on_the_ratio_scale(fit) -> None:
    fig = forest_plotly(fit)
    json.dumps(fig)  # plain JSON
    studies = fig["data"][0]
    assert len(studies["x"]) == fit.k == len(studies["y"])
    assert studies["x"][0] == pytest.approx(0.4109, abs=1e-4)  # exp(-0.8893): Aronson's RR
    assert fig["layout"]["xaxis"]["type"] == "log"
    assert fig["data"][1]["x"][0] == pytest.approx(0.4894, abs=1e-4)  # exp(REML estimate)
    assert len(funnel_plotly(fit)["data"][0]["x"]) == fit.k


def test_meta_regression_plots_have_no_pooled_diamond() -> None:
    from .reference_data import bcg_columns

    res = rma(bcg("RR"), mods={"ablat": bcg_columns()["ablat"]})
    fig = forest_plotly(res)
    assert len(fig["data"]) == 1  # studies only: there is no single pooled effect
    assert forest(res) == forest(res)
    assert funnel(res)[:5] == b"<?xml"  # drawn on residuals around 0


def test_funnel_axis_names_the_log_ratio_it_draws():
    """A funnel plot's x values are yi (log RR) on a linear axis: the label must say so."""
    from lupuscare.evidence import escalc, rma
    from lupuscare.evidence.plots import funnel_plotly

    es = escalc("RR", ai=[4, 6, 3], bi=[119, 300, 228], ci=[11, 29, 11], di=[128, 274, 209])
    fig = funnel_plotly(rma(es.yi, es.vi, method="DL", measure="RR"))
    assert fig["layout"]["xaxis"]["title"]["text"] == "Log risk ratio"
