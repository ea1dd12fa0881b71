"""Cluster-robust SEs, the ad hoc Knapp–Hartung variant, and model comparison against metafor
3.8-1 (issue 15, item 8; metafor_reference_ext.json ``robust``, ``adhoc``, ``anova``)."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import escalc, leave1out, rma
from lupuscare.evidence.comparison import lrt, wald
from lupuscare.evidence.robust import robust

from .reference_data import check, metafor, metafor_ext

EXT = metafor_ext()
CLUSTER = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6]


def _bcg():
    c = metafor()["data"]["bcg"]
    return escalc("RR", ai=c["ai"], bi=c["bi"], ci=c["ci"], di=c["di"]), c


def _egger():
    c = metafor()["data"]["egger"]
    return escalc("OR", ai=c["ai"], n1i=c["n1i"], ci=c["ci"], n2i=c["n2i"])


@pytest.mark.parametrize(
    "rec", EXT["robust"], ids=[f"{r['method']}-{r['mods']}-{r['adjust']}" for r in EXT["robust"]]
)
def test_robust_matches_metafor(rec: dict) -> None:
    es, c = _bcg()
    mods = {"ablat": c["ablat"]} if rec["mods"] else None
    rb = robust(rma(es, method=rec["method"], mods=mods), CLUSTER, adjust=rec["adjust"])
    errors: list[str] = []
    co = rb.coefficients
    check("beta", [x.estimate for x in co], rec["beta"], errors)
    check("se", [x.se for x in co], rec["se"], errors)
    check("tval", [x.stat for x in co], rec["zval"], errors)
    check("pval", [x.pval for x in co], rec["pval"], errors)
    check("ci_lb", [x.ci_lb for x in co], rec["ci_lb"], errors)
    check("ci_ub", [x.ci_ub for x in co], rec["ci_ub"], errors)
    check("QM", rb.QM, rec["QM"], errors)
    check("QMp", rb.QM_pval, rec["QMp"], errors)
    assert rb.df == rec["df"] and rb.n_clusters == 6
    assert not errors, errors


def test_robust_refuses_too_few_clusters_and_a_wrong_length() -> None:
    es, _ = _bcg()
    res = rma(es)
    with pytest.raises(InputError, match="too few") as info:
        robust(res, [1] * 13)
    assert info.value.field == "cluster"
    with pytest.raises(InputError, match="expected 13"):
        robust(res, [1, 2])
    two = robust(res, [1] * 6 + [2] * 7)  # 2 clusters for 1 coefficient: df = 1, allowed
    assert two.df == 1


@pytest.mark.parametrize("rec", EXT["adhoc"], ids=[f"{r['data']}-{r['method']}-{r.get('mods')}"
                                                   for r in EXT["adhoc"]])  # fmt: skip
def test_adhoc_knapp_hartung_matches_metafor(rec: dict) -> None:
    es, c = _bcg() if rec["data"] == "bcg" else (_egger(), None)
    mods = {"ablat": c["ablat"]} if rec.get("mods") else None
    res = rma(es, method=rec["method"], test="adhoc", mods=mods)
    errors: list[str] = []
    for name, value in (("beta", res.beta), ("se", [x.se for x in res.coefficients]),
                        ("pval", [x.pval for x in res.coefficients]), ("tau2", res.tau2),
                        ("pi_lb", res.pi_lb), ("pi_ub", res.pi_ub)):  # fmt: skip
        check(name, value, rec[name], errors)
    if mods:  # our QM tests the moderators only (metafor's intercept-only QM is t², = pval)
        check("QM", res.QM, rec["QM"], errors)
        check("QMp", res.QM_pval, rec["QMp"], errors)
    else:
        check("t^2", res.stat**2, rec["QM"], errors)
    assert not errors, errors
    kh = rma(es, method=rec["method"], test="knha", mods=mods)
    assert res.se >= rma(es, method=rec["method"], mods=mods).se - 1e-15
    assert res.se == pytest.approx(max(kh.se, rma(es, method=rec["method"], mods=mods).se))


def test_adhoc_on_identical_effects_keeps_the_unadjusted_se() -> None:
    # the Knapp–Hartung factor is 0; the ad hoc variant floors it at 1 (metafor)
    yi, vi = [0.2] * 5, [0.1, 0.2, 0.1, 0.3, 0.2]
    res = rma(yi, vi, test="adhoc")
    assert res.se == pytest.approx(rma(yi, vi).se) and res.df == 4
    assert leave1out(res).se.size == 5  # refits keep the test


def test_lrt_and_wald_match_metafor() -> None:
    es, c = _bcg()
    recs = {(r["method"], r.get("test", "z")): r for r in EXT["anova"]}
    both = {"ablat": c["ablat"], "year": c["year"]}
    full = rma(es, method="ML", mods=both)
    reduced = rma(es, method="ML", mods={"ablat": c["ablat"]})
    rec = recs[("ML", "z")]
    t = lrt(full, reduced)
    errors: list[str] = []
    check("LRT", t.LRT, rec["LRT"], errors)
    check("pval", t.pval, rec["LRT_pval"], errors)
    check("R2", t.R2, rec["R2"], errors)
    check("tau2_reduced", t.tau2_reduced, rec["tau2_reduced"], errors)
    assert t.df == 1 and lrt(reduced, full).LRT == t.LRT  # order does not matter
    for method in ("ML", "REML"):
        w = wald(rma(es, method=method, mods=both), [1, 2])
        r = recs[(method, "z")]
        check(f"{method}.Wald", w.QM, r["Wald_QM"], errors)
        check(f"{method}.Wald_p", w.pval, r["Wald_pval"], errors)
        assert list(w.df) == r["Wald_df"]
    wk = wald(rma(es, mods=both, test="knha"), ["year"])
    r = recs[("REML", "knha")]
    check("knha.Wald", wk.QM, r["Wald_QM"], errors)
    check("knha.Wald_p", wk.pval, r["Wald_pval"], errors)
    assert list(wk.df) == r["Wald_df"]
    assert not errors, errors


def test_lrt_refuses_what_metafor_refuses() -> None:
    es, c = _bcg()
    full = rma(es, mods={"ablat": c["ablat"]})
    with pytest.raises(InputError, match="REML fits with different moderators"):
        lrt(full, rma(es))
    with pytest.raises(InputError, match="same number of parameters"):
        lrt(rma(es, method="ML"), rma(es, method="ML"))
    with pytest.raises(InputError, match="not nested"):
        lrt(rma(es, method="ML", mods={"a": c["ablat"], "y": c["year"]}),
            rma(es, method="ML", mods={"n": np.arange(13.0) ** 2}))  # fmt: skip
    # REML with the same fixed effects: the test of tau2 = 0 (EE against REML)
    t = lrt(rma(es), rma(es, method="EE"))
    assert t.df == 1 and t.LRT > 0
