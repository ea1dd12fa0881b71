"""Effect sizes: closed forms checked by hand, metafor's zero-cell rule, and bad input.

Formulas: metafor ``escalc`` documentation (Viechtbauer 2010, J Stat Softw 36(3)); Hedges (1981)
for c(m); Becker (1988) for the standardised mean changes.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import escalc, escalc_frame
from lupuscare.evidence.effect_sizes import hedges_correction


def test_hedges_correction_exact_gamma_form() -> None:
    # c(10) = Γ(5) / (√5 · Γ(4.5)); the familiar approximation 1 − 3/(4m − 1) = 0.923077.
    exact = math.gamma(5) / (math.sqrt(5) * math.gamma(4.5))
    assert hedges_correction(np.array([10.0]))[0] == pytest.approx(exact, rel=1e-14)
    assert exact == pytest.approx(0.922745, abs=1e-6)
    assert hedges_correction(np.array([10.0]))[0] != pytest.approx(1 - 3 / 39, abs=1e-5)
    with pytest.raises(InputError):
        hedges_correction(np.array([1.0]))


def test_rr_or_rd_by_hand() -> None:
    es_rr = escalc("RR", ai=[10], bi=[90], ci=[20], di=[80])
    assert es_rr.yi[0] == pytest.approx(math.log(0.1 / 0.2))
    assert es_rr.vi[0] == pytest.approx(1 / 10 - 1 / 100 + 1 / 20 - 1 / 100)
    es_or = escalc("OR", ai=[10], bi=[90], ci=[20], di=[80])
    assert es_or.yi[0] == pytest.approx(math.log((10 * 80) / (90 * 20)))
    assert es_or.vi[0] == pytest.approx(1 / 10 + 1 / 90 + 1 / 20 + 1 / 80)
    es_rd = escalc("RD", ai=[10], n1i=[100], ci=[20], n2i=[100])
    assert es_rd.yi[0] == pytest.approx(-0.1)
    assert es_rd.vi[0] == pytest.approx(0.1 * 0.9 / 100 + 0.2 * 0.8 / 100)
    assert es_rd.ni[0] == 200


def test_zero_cell_adds_half_only_to_that_table() -> None:
    es = escalc("OR", ai=[0, 5], bi=[20, 15], ci=[3, 4], di=[17, 16])
    assert es.yi[0] == pytest.approx(math.log((0.5 * 17.5) / (20.5 * 3.5)))
    assert es.vi[0] == pytest.approx(1 / 0.5 + 1 / 20.5 + 1 / 3.5 + 1 / 17.5)
    assert es.yi[1] == pytest.approx(math.log((5 * 16) / (15 * 4)))  # untouched
    everywhere = escalc("OR", ai=[0, 5], bi=[20, 15], ci=[3, 4], di=[17, 16], to="all")
    assert everywhere.yi[1] == pytest.approx(math.log((5.5 * 16.5) / (15.5 * 4.5)))
    with pytest.raises(InputError) as err:
        escalc("OR", ai=[0, 5], bi=[20, 15], ci=[3, 4], di=[17, 16], to="none")
    assert err.value.field == "yi[0]"


def test_smd_hedges_g_and_variances() -> None:
    es = escalc("SMD", m1i=[10.0], sd1i=[2.0], n1i=[6], m2i=[8.0], sd2i=[2.0], n2i=[6])
    c = hedges_correction(np.array([10.0]))[0]
    assert es.yi[0] == pytest.approx(c * 1.0)
    assert es.vi[0] == pytest.approx(1 / 6 + 1 / 6 + es.yi[0] ** 2 / 24)
    ub = escalc("SMD", m1i=[10.0], sd1i=[2.0], n1i=[6], m2i=[8.0], sd2i=[2.0], n2i=[6], vtype="UB")
    assert ub.vi[0] == pytest.approx(1 / 3 + (1 - 8 / (10 * c**2)) * es.yi[0] ** 2)


def test_md_rom_by_hand() -> None:
    md = escalc("MD", m1i=[5.0], sd1i=[2.0], n1i=[10], m2i=[3.0], sd2i=[1.0], n2i=[20])
    assert (md.yi[0], md.vi[0]) == (pytest.approx(2.0), pytest.approx(4 / 10 + 1 / 20))
    ho = escalc("MD", m1i=[5.0], sd1i=[2.0], n1i=[10], m2i=[3.0], sd2i=[1.0], n2i=[20], vtype="HO")
    assert ho.vi[0] == pytest.approx((9 * 4 + 19 * 1) / 28 * (1 / 10 + 1 / 20))
    rom = escalc("ROM", m1i=[5.0], sd1i=[2.0], n1i=[10], m2i=[4.0], sd2i=[1.0], n2i=[20])
    assert rom.yi[0] == pytest.approx(math.log(1.25))
    assert rom.vi[0] == pytest.approx(4 / (10 * 25) + 1 / (20 * 16))
    with pytest.raises(InputError) as err:
        escalc("ROM", m1i=[-5.0], sd1i=[2.0], n1i=[10], m2i=[4.0], sd2i=[1.0], n2i=[20])
    assert err.value.field == "m1i[0]"


def test_pre_post_measures_need_an_explicit_correlation() -> None:
    cols = dict(m1i=[14.0], m2i=[8.0], sd1i=[4.0], sd2i=[3.0], ni=[20])
    for measure in ("MC", "SMCC", "SMCR"):
        with pytest.raises(InputError) as err:
            escalc(measure, **cols)
        assert err.value.field == "ri"
    mc = escalc("MC", ri=0.5, **cols)
    assert mc.yi[0] == pytest.approx(6.0)
    assert mc.vi[0] == pytest.approx((16 + 9 - 2 * 0.5 * 12) / 20)
    smcr = escalc("SMCR", ri=0.5, **cols)
    c = hedges_correction(np.array([19.0]))[0]
    assert smcr.yi[0] == pytest.approx(c * 6 / 4)
    assert smcr.vi[0] == pytest.approx(2 * 0.5 / 20 + smcr.yi[0] ** 2 / 40)
    smcc = escalc("SMCC", ri=0.5, **cols)
    assert smcc.yi[0] == pytest.approx(c * 6 / math.sqrt(13))
    with pytest.raises(InputError):
        escalc("MC", ri=1.2, **cols)


def test_proportions_with_zero_events() -> None:
    pr = escalc("PR", xi=[0, 5], ni=[10, 20])
    assert pr.yi[0] == pytest.approx(0.5 / 11)  # 0.5 added to events and non-events
    assert pr.yi[1] == pytest.approx(0.25)
    assert pr.vi[1] == pytest.approx(0.25 * 0.75 / 20)
    plo = escalc("PLO", xi=[5], ni=[20])
    assert plo.yi[0] == pytest.approx(math.log(5 / 15))
    assert plo.vi[0] == pytest.approx(1 / 5 + 1 / 15)


@pytest.mark.parametrize(
    ("measure", "columns", "field"),
    [
        ("RR", {"ai": [1], "bi": [2], "ci": [3]}, "di"),
        ("SMD", {"m1i": [1], "sd1i": [1], "n1i": [5], "m2i": [1], "sd2i": [1]}, "n2i"),
        ("OR", {"ai": [-1], "bi": [2], "ci": [3], "di": [4]}, "ai[0]"),
        (
            "MD",
            {"m1i": [1], "sd1i": [-1], "n1i": [5], "m2i": [1], "sd2i": [1], "n2i": [5]},
            "sd1i[0]",
        ),
        ("GEN", {"yi": [0.1, 0.2], "vi": [0.1, -0.2]}, "vi[1]"),
        ("GEN", {"yi": [0.1, 0.2], "vi": [0.1]}, "vi"),
        ("GEN", {"yi": [0.1, float("nan")], "vi": [0.1, 0.1]}, "yi[1]"),
        ("PR", {"xi": [12], "ni": [10]}, "xi[0]"),
        ("XYZ", {}, "measure"),
    ],
)
def test_bad_input_names_the_field(measure: str, columns: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        escalc(measure, **columns)
    assert err.value.field == field


def test_escalc_frame_from_dict_and_polars() -> None:
    rows = {
        "study": ["A", "B"],
        "ai": ["1", "4"],
        "bi": ["9", "6"],
        "ci": ["2", "3"],
        "di": ["8", "7"],
    }
    es = escalc_frame("OR", rows)
    assert es.labels == ("A", "B")
    assert es.yi[1] == pytest.approx(math.log(4 * 7 / (6 * 3)))
    frame = pl.DataFrame({"ai": [1, 4], "bi": [9, 6], "ci": [2, 3], "di": [8, 7]})
    assert np.allclose(escalc_frame("OR", frame).yi, es.yi)
    with pytest.raises(InputError) as err:
        escalc_frame("OR", {**rows, "ai": ["1", "x"]})
    assert err.value.field == "ai[1]"
    with pytest.raises(InputError) as err:
        escalc_frame("OR", {**rows, "ai": ["1", ""]})
    assert err.value.field == "ai[1]"
