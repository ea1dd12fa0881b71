"""Refits keep the model; one failed refit is one missing row (issue 15, items 1–2).

Reference: tests/evidence/data/metafor_reference_ext.json (tools/metafor/make_reference_ext.R,
metafor 3.8-1): leave1out, cumul, influence, regtest and trimfill of fits with user weights,
GENQ weights, a τ² start value and a step adjustment, and metafor's NA rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.evidence import cumul, escalc, influence, leave1out, regtest, rma, trimfill
from lupuscare.evidence.model import ModelSpec

from .reference_data import check, metafor, metafor_ext

REFITS = metafor_ext()["refits"]
TABLE_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "tau2", "I2")


def data(name: str):
    d = metafor()["data"]
    if name == "bcg":
        c = d["bcg"]
        return escalc("RR", ai=c["ai"], bi=c["bi"], ci=c["ci"], di=c["di"])
    c = d["egger"]
    return escalc("OR", ai=c["ai"], n1i=c["n1i"], ci=c["ci"], n2i=c["n2i"])


def fit_of(rec: dict):
    es = data(rec["data"])
    w = np.asarray(rec["weights"])
    if rec["method"] == "GENQ":  # metafor's weights= are both the GENQ weights and the estimate's
        return rma(es, method="GENQ", test=rec["test"], genq_weights=w, weights=w)
    return rma(es, method=rec["method"], test=rec["test"], weights=w)


def check_table(label: str, table, expected: dict, errors: list[str], ee: bool = False) -> None:
    for name in TABLE_FIELDS:
        if ee and name == "tau2":
            continue
        actual = table.stat if name == "zval" else getattr(table, name)
        check(f"{label}.{name}", actual, expected[name], errors)


@pytest.mark.parametrize("rec", REFITS, ids=[r["name"] for r in REFITS])
def test_refits_keep_weights_and_genq(rec: dict) -> None:
    res = fit_of(rec)
    errors: list[str] = []
    f = rec["fit"]
    for name, value in (("beta", res.estimate), ("se", res.se), ("tau2", res.tau2),
                        ("weights", res.weights), ("QE", res.Q)):  # fmt: skip
        check(f"fit.{name}", value, f[name], errors)
    check_table("leave1out", leave1out(res), rec["leave1out"], errors)
    check_table("cumul", cumul(res), rec["cumul"], errors)
    inf = influence(res)
    e = rec["influence"]
    for name in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"):
        check(f"influence.{name}", getattr(inf, name), e[name], errors)
    check("influence.dfbetas", inf.dfbetas[:, 0], e["dfbetas"], errors)
    assert list(inf.influential) == e["influential"]
    rt = regtest(res)
    check("regtest.zval", rt.stat, rec["regtest"]["zval"], errors)
    check("regtest.pval", rt.pval, rec["regtest"]["pval"], errors)
    check("regtest.est", rt.limit_estimate, rec["regtest"]["est"], errors)
    tf = trimfill(res)
    t = rec["trimfill"]
    assert tf.k0 == t["k0"] and tf.side == t["side"]
    check("trimfill.beta", tf.fit.estimate, t["beta"], errors)
    check("trimfill.tau2", tf.fit.tau2, t["tau2"], errors)
    check("trimfill.yi", tf.fit.yi, t["yi"], errors)
    check("trimfill.weights", tf.fit.spec.weights if tf.k0 else res.spec.weights,
          t["weights"], errors)  # fmt: skip
    if rec["test"] == "z":  # metafor refits the filled data with test z (see engine.md)
        check("trimfill.se", tf.fit.se, t["se"], errors)
    assert not errors, errors


def test_the_issue_example_weighted_leave_one_out_is_not_the_unweighted_one() -> None:
    rec = REFITS[0]
    res = fit_of(rec)
    unweighted = leave1out(rma(data("bcg")))
    assert not np.allclose(leave1out(res).estimate, unweighted.estimate)
    assert np.allclose(leave1out(res).estimate, rec["leave1out"]["estimate"], rtol=1e-6)


def test_refits_reuse_the_start_value_and_step_adjustment() -> None:
    rec = metafor_ext()["control_refits"]
    res = rma(data("bcg"), tau2_init=0.5, stepadj=0.5)
    errors: list[str] = []
    check("tau2", res.tau2, rec["fit"]["tau2"], errors)
    check_table("leave1out", leave1out(res), rec["leave1out"], errors)
    assert not errors, errors
    assert res.spec.tau2_init == 0.5 and res.spec.stepadj == 0.5


def test_the_specification_is_a_typed_frozen_record() -> None:
    es = data("bcg")
    w = 1 / (es.vi + 0.3)
    res = rma(es, method="DL", test="knha", level=90, weights=w)
    spec = res.spec
    assert isinstance(spec, ModelSpec)
    assert (spec.method, spec.test, spec.level, spec.measure) == ("DL", "knha", 90.0, "RR")
    assert np.array_equal(spec.weights, w)
    with pytest.raises(AttributeError):
        spec.method = "REML"  # type: ignore[misc]
    sub = spec.subset(np.arange(13) != 0)
    assert sub.weights.size == 12 and sub.method == "DL"
    mh = __import__("lupuscare.evidence", fromlist=["rma_mh"]).rma_mh(
        es.columns["ai"], es.columns["bi"], es.columns["ci"], es.columns["di"]
    )
    assert mh.spec.counts is not None and mh.spec.counts.ai.size == 13
    assert mh.tables is not None and mh.tables.k_yi == 13


def test_a_failed_leave_one_out_refit_is_one_missing_row() -> None:
    rec = metafor_ext()["failed_refits"]
    res = rma(rec["yi"], rec["vi"])
    loo = leave1out(res)
    errors: list[str] = []
    check_table("leave1out", loo, rec["leave1out"], errors)
    assert not errors, errors
    assert list(loo.missing) == [False] * 9 + [True]
    assert len(loo.notes) == 1 and "10" in loo.notes[0] and "converge" in loo.notes[0]
    assert loo.to_dict()["rows"][9]["estimate"] is None


def test_influence_marks_a_failed_deletion_missing_not_false() -> None:
    rec = metafor_ext()["failed_refits"]
    inf = influence(rma(rec["yi"], rec["vi"]))
    # metafor's three-valued flag: the hat-value rule alone can still make it TRUE (NA | TRUE).
    assert list(inf.influential) == rec["influence_flags"]
    check_rows = []
    check("rstudent", inf.rstudent, rec["influence_rstudent"], check_rows)
    assert not check_rows, check_rows
    bcg = metafor()["data"]["bcg"]
    res = rma(data("bcg"), mods={"grp": rec["factor_groups"]})
    inf = influence(res)
    errors: list[str] = []
    check("rstudent", inf.rstudent, rec["factor_rstudent"], errors)
    check("cook_d", inf.cook_d, rec["factor_cook_d"], errors)
    assert not errors, errors
    assert list(inf.influential) == rec["factor_flags"]
    assert len(bcg["ai"]) == 13


def test_influence_flag_is_none_when_nothing_decides_it() -> None:
    # Leaving out the only study of level "a" leaves the model unidentified and its hat value
    # is below 3p/k: metafor's NA, our None.
    es = escalc("GEN", yi=[0.1, 0.5, 0.3, 0.2, 0.6, 0.4, 0.35, 0.45], vi=[0.5] + [0.05] * 7)
    groups = ["a", "b", "b", "b", "c", "c", "c", "c"]
    inf = influence(rma(es, mods={"g": groups}, method="DL"))
    assert inf.influential[0] in (None, True)
    assert inf.to_dict()["rows"][0]["influential"] == (
        None if inf.influential[0] is None else True
    )
