"""Effect sizes for proportions, correlations, incidence rates and single means against
metafor 3.8-1's escalc (issue 15, item 6; metafor_reference_ext.json ``effect_sizes``), and the
Freeman–Tukey back-transformation by the harmonic mean of n (metafor ``transf.ipft.hm``)."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import escalc, predict, rma
from lupuscare.evidence.transforms import ipft, ipft_hm, pft

from .reference_data import check, metafor_ext

ES = metafor_ext()["effect_sizes"]
D = ES["data"]
SOURCE = {
    "PR": "props", "PLN": "props", "PLO": "props", "PAS": "props", "PFT": "props",
    "COR": "cors", "ZCOR": "cors", "IR": "rates", "IRLN": "rates", "IRS": "rates",
    "IRFT": "rates", "IRR": "rates2", "IRD": "rates2", "MN": "means", "MNLN": "means",
}  # fmt: skip


def _es(name: str):
    measure, _, vtype = name.partition("_")
    return escalc(measure, vtype=vtype or "LS", **D[SOURCE[measure]])


@pytest.mark.parametrize("rec", ES["escalc"], ids=[r["measure"] for r in ES["escalc"]])
def test_escalc_matches_metafor(rec: dict) -> None:
    es = _es(rec["measure"])
    errors: list[str] = []
    check("yi", es.yi, rec["yi"], errors)
    check("vi", es.vi, rec["vi"], errors)
    assert not errors, errors


def test_zero_counts_get_one_half_except_for_the_variance_stabilising_transforms() -> None:
    # props has xi = 0 (study 1) and xi = ni (study 6): PR/PLO/PLN add 1/2, PAS/PFT add nothing
    pr = escalc("PR", **D["props"])
    assert pr.yi[0] == pytest.approx(0.5 / 16) and pr.yi[5] == pytest.approx(20.5 / 21)
    assert escalc("PAS", **D["props"]).yi[0] == 0.0
    assert escalc("PAS", add=0.5, **D["props"]).yi[0] > 0  # an explicit add is honoured


def test_pft_back_transformation_by_the_harmonic_mean() -> None:
    rec = ES["pft_backtransform"]
    es = escalc("PFT", **D["props"])
    res = rma(es)
    pred = predict(res)
    ni = D["props"]["ni"]
    errors: list[str] = []
    for key in ("pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        check(key, ipft_hm(pred[key], ni), rec[key], errors)
    check("study", ipft(es.yi, ni), rec["study"], errors)
    assert not errors, errors
    n = np.array(ni, dtype=float)
    assert ipft_hm(pred["pred"], ni) == pytest.approx(ipft(pred["pred"], 1 / np.mean(1 / n)))
    assert ipft(pft(1.0, 20) + 0.01, 20) == 1.0 and ipft(pft(0.0, 20) - 0.01, 20) == 0.0


@pytest.mark.parametrize(
    ("measure", "columns", "field"),
    [
        ("COR", {"ri": [0.2, 1.2], "ni": [20, 30]}, "ri[1]"),
        ("ZCOR", {"ri": [0.2, 0.3], "ni": [20, 3]}, "ni[1]"),
        ("ZCOR", {"ri": [0.2, 1.0], "ni": [20, 30]}, "ri[1]"),
        ("IR", {"xi": [1, -1], "ti": [10, 10]}, "xi[1]"),
        ("IR", {"xi": [1, 2], "ti": [10, 0]}, "ti[1]"),
        ("IRR", {"x1i": [1], "x2i": [2], "t1i": [0], "t2i": [5]}, "t1i[0]"),
        ("MNLN", {"mi": [1.0, 0.0], "sdi": [1, 1], "ni": [5, 5]}, "mi[1]"),
        ("MN", {"mi": [1.0], "sdi": [-1], "ni": [5]}, "sdi[0]"),
        ("PFT", {"xi": [3, 12], "ni": [10, 10]}, "xi[1]"),
    ],
)
def test_bad_input_names_the_field(measure: str, columns: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        escalc(measure, **columns)
    assert info.value.field == field


def test_unknown_vtype_is_refused() -> None:
    with pytest.raises(InputError, match="not a variance type for COR") as info:
        escalc("COR", vtype="UB", **D["cors"])
    assert info.value.field == "vtype"
