"""Fail-safe N (Rosenthal, Orwin, Rosenberg) and the test of excess significance against
metafor 3.8-1 (issue 15, item 9; metafor_reference_ext.json ``fsn`` and ``tes``)."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import escalc
from lupuscare.evidence.failsafe import _poisson_binomial, fsn, tes

from .reference_data import check, metafor, metafor_ext

EXT = metafor_ext()


def _data(name: str):
    d = metafor()["data"]
    if name == "bcg":
        c = d["bcg"]
        return escalc("RR", ai=c["ai"], bi=c["bi"], ci=c["ci"], di=c["di"])
    c = d["egger"]
    return escalc("OR", ai=c["ai"], n1i=c["n1i"], ci=c["ci"], n2i=c["n2i"])


@pytest.mark.parametrize("rec", EXT["fsn"], ids=[r["data"] for r in EXT["fsn"]])
def test_fail_safe_n_matches_metafor(rec: dict) -> None:
    es = _data(rec["data"])
    errors: list[str] = []
    ros = fsn(es.yi, es.vi)
    assert ros.fsnum == rec["rosenthal"]["fsnum"]
    check("rosenthal.pval", ros.pval, rec["rosenthal"]["pval"], errors)
    orw = fsn(es.yi, es.vi, type="Orwin", target=-0.1)
    assert orw.fsnum == rec["orwin"]["fsnum"]
    check("orwin.meanes", orw.meanes, rec["orwin"]["meanes"], errors)
    default = fsn(es.yi, es.vi, type="Orwin")
    assert default.fsnum == rec["orwin_default"]["fsnum"]
    check("orwin.target", default.target, rec["orwin_default"]["target"], errors)
    rsb = fsn(es.yi, es.vi, type="Rosenberg")
    assert rsb.fsnum == rec["rosenberg"]["fsnum"]
    check("rosenberg.pval", rsb.pval, rec["rosenberg"]["pval"], errors)
    check("rosenberg.meanes", rsb.meanes, rec["rosenberg"]["meanes"], errors)
    assert not errors, errors


def test_orwin_target_zero_is_infinite_and_bad_input_is_named() -> None:
    assert fsn([0.5, 0.3], [0.1, 0.1], type="Orwin", target=0).fsnum == float("inf")
    with pytest.raises(InputError) as info:
        fsn([0.5, 0.3], [0.1, 0.0])
    assert info.value.field == "vi[1]"
    with pytest.raises(InputError, match="one of"):
        fsn([0.5, 0.3], [0.1, 0.1], type="General")


@pytest.mark.parametrize("rec", EXT["tes"], ids=[r["data"] for r in EXT["tes"]])
def test_excess_significance_matches_metafor(rec: dict) -> None:
    es = _data(rec["data"])
    t = tes(es.yi, es.vi)
    errors: list[str] = []
    assert rec["O"] == t.O and t.test == "exact"
    for name in ("E", "OEratio", "pval", "power", "theta"):
        check(name, getattr(t, name), rec[name], errors)
    assert not errors, errors


def test_poisson_binomial_is_the_subset_sum() -> None:
    from itertools import combinations

    p = np.array([0.1, 0.5, 0.7, 0.25])
    probs = _poisson_binomial(p)
    for j in range(5):
        brute = sum(np.prod(p[list(s)]) * np.prod(np.delete(1 - p, list(s)))
                    for s in combinations(range(4), j))  # fmt: skip
        assert probs[j] == pytest.approx(brute, rel=1e-14)
