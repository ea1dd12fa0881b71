"""Multilevel model (schools within districts) against metafor 3.8-1's ``rma.mv`` (issue 15,
item 8; metafor_reference_ext.json ``multilevel``, dat.konstantopoulos2011)."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import rma
from lupuscare.evidence.multilevel import rma_mv

from .reference_data import check, metafor_ext

ML = metafor_ext()["multilevel"]
D = ML["data"]


def _fit(rec: dict):
    mods = {"year": np.asarray(D["year"]) - 1980} if rec["mods"] else None
    return rma_mv(D["yi"], D["vi"], random={"district": D["district"], "school": D["school"]},
                  method=rec["method"], mods=mods)  # fmt: skip


@pytest.mark.parametrize("rec", ML["fits"], ids=[f"{r['method']}-{r['mods']}" for r in ML["fits"]])
def test_nested_random_effects_match_metafor(rec: dict) -> None:
    res = _fit(rec)
    errors: list[str] = []
    co = res.coefficients
    check("sigma2", res.sigma2, rec["sigma2"], errors)
    check("beta", res.beta, rec["beta"], errors)
    check("se", [c.se for c in co], rec["se"], errors)
    check("zval", [c.stat for c in co], rec["zval"], errors)
    check("pval", [c.pval for c in co], rec["pval"], errors)
    check("ci_lb", [c.ci_lb for c in co], rec["ci_lb"], errors)
    check("ci_ub", [c.ci_ub for c in co], rec["ci_ub"], errors)
    check("logLik", res.logLik, rec["logLik"], errors)
    check("QE", res.Q, rec["QE"], errors)
    if rec["mods"]:
        check("QM", res.QM, rec["QM"], errors)
    assert not errors, errors
    assert res.n_clusters == (11, 56)


def test_without_the_outer_level_it_is_the_two_level_model() -> None:
    # one random effect per estimate: rma_mv with a single level equals rma()'s tau2
    for method in ("REML", "ML"):
        mv = rma_mv(D["yi"], D["vi"], random={"study": list(range(56))}, method=method)
        uni = rma(D["yi"], D["vi"], method=method)
        assert mv.sigma2[0] == pytest.approx(uni.tau2, rel=1e-6)
        assert mv.estimate == pytest.approx(uni.estimate, rel=1e-6)


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InputError) as info:
        rma_mv(D["yi"], D["vi"], random={"district": D["district"][:10]})
    assert info.value.field == "random.district"
    with pytest.raises(InputError, match="REML or ML"):
        rma_mv(D["yi"], D["vi"], random={"district": D["district"]}, method="DL")
