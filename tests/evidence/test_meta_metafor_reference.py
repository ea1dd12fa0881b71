"""Agreement with R metafor on our own data sets, to 1e-6 relative.

Reference values: tests/evidence/data/metafor_reference.json, written by
tools/metafor/make_reference.R (metafor 3.8-1, R 4.2.2, Debian). Paule–Mandel and the
Q-profile bounds were computed in R with root tolerance 1e-12 (metafor's default is ε^¼), so
they are compared at the same 1e-6; ML/REML/EB follow metafor's Fisher scoring step for step,
so they agree to machine precision, not just to the 1e-5 stopping threshold.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from lupuscare.evidence import (
    EffectSizes,
    confint_tau2,
    cumul,
    escalc,
    influence,
    leave1out,
    ranktest,
    regtest,
    rma,
    rma_mh,
    rma_peto,
    trimfill,
)

from .reference_data import metafor

REL = 1e-6
ABS = 1e-10


@cache
def effect_sizes(name: str) -> EffectSizes:
    d = metafor()["data"]
    source, measure = name.split("_", 1)
    vtype = "LS"
    if measure.endswith("_UB"):
        measure, vtype = measure[:-3], "UB"
    if measure.endswith("_HO"):
        measure, vtype = measure[:-3], "HO"
    if source == "bcg":
        c = d["bcg"]
        return escalc(measure, ai=c["ai"], bi=c["bi"], ci=c["ci"], di=c["di"])
    if source == "egger":
        c = d["egger"]
        return escalc(measure, ai=c["ai"], n1i=c["n1i"], ci=c["ci"], n2i=c["n2i"])
    if source in ("chen", "k3", "normand"):
        c = d["normand" if source == "normand" else "chen"]
        n = 3 if source == "k3" else len(c["m1i"])
        cols = {k: c[k][:n] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
        return escalc(measure, vtype=vtype, **cols)
    if source == "homog":
        return escalc("GEN", yi=d["homog"]["yi"], vi=d["homog"]["vi"])
    if source == "prepost":
        c = d["prepost"]
        cols = {k: c[k] for k in ("m1i", "m2i", "sd1i", "sd2i", "ni")}
        return escalc(measure, ri=c["ri"], **cols)
    if source == "props":
        return escalc(measure, xi=d["props"]["xi"], ni=d["props"]["ni"])
    raise AssertionError(name)


def _check(label: str, actual: Any, expected: Any, errors: list[str], rel: float = REL) -> None:
    if expected is None:
        if actual is not None and not (np.ndim(actual) == 0 and np.isnan(actual)):
            errors.append(f"{label}: expected NA, got {actual}")
        return
    if isinstance(expected, str | bool):
        if actual != expected:
            errors.append(f"{label}: {actual!r} != {expected!r}")
        return
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    e = np.atleast_1d(
        np.asarray([np.nan if x is None else x for x in np.atleast_1d(expected)], dtype=float)
    )
    if a.shape != e.shape:
        errors.append(f"{label}: shape {a.shape} != {e.shape}")
        return
    ok = np.isclose(a, e, rtol=rel, atol=ABS) | (np.isnan(a) & np.isnan(e))
    if not ok.all():
        errors.append(f"{label}: {a[~ok]} != {e[~ok]}")


def _ids(records: list[dict], *keys: str) -> list[str]:
    return ["-".join(str(r.get(k)) for k in keys if r.get(k) is not None) for r in records]


@pytest.mark.parametrize("rec", metafor()["escalc"], ids=[r["name"] for r in metafor()["escalc"]])
def test_escalc(rec: dict) -> None:
    es = effect_sizes(rec["name"])
    errors: list[str] = []
    _check("yi", es.yi, rec["yi"], errors)
    _check("vi", es.vi, rec["vi"], errors)
    assert not errors, errors


def _mods(rec: dict) -> list[str]:
    mods = rec.get("mods") or []
    return [mods] if isinstance(mods, str) else list(mods)  # jsonlite unboxes length-1 vectors


def _fit(rec: dict):
    es = effect_sizes(rec["dataset"])
    mods = None
    if rec.get("mods"):
        bcg = metafor()["data"]["bcg"]
        mods = {m: bcg[m] for m in _mods(rec)}
    return rma(es, method=rec["method"], test=rec["test"], mods=mods)


RMA = metafor()["rma"]


@pytest.mark.parametrize(
    "rec", RMA, ids=[f"{r['dataset']}-{r['method']}-{r['test']}-{'+'.join(_mods(r))}" for r in RMA]
)
def test_rma(rec: dict) -> None:
    res = _fit(rec)
    errors: list[str] = []
    coefs = res.coefficients
    _check("beta", [c.estimate for c in coefs], rec["beta"], errors)
    _check("se", [c.se for c in coefs], rec["se"], errors)
    _check("zval", [c.stat for c in coefs], rec["zval"], errors)
    _check("pval", [c.pval for c in coefs], rec["pval"], errors)
    _check("ci_lb", [c.ci_lb for c in coefs], rec["ci_lb"], errors)
    _check("ci_ub", [c.ci_ub for c in coefs], rec["ci_ub"], errors)
    _check("tau2", res.tau2, rec["tau2"], errors)
    if rec["method"] != "EE":
        _check("se_tau2", res.tau2_se, rec["se_tau2"], errors)
    for name, value in (("I2", res.I2), ("H2", res.H2), ("QE", res.Q), ("QEp", res.Q_pval)):
        _check(name, value, rec[name], errors)
    if rec.get("mods"):
        _check("QM", res.QM, rec["QM"], errors)
        _check("QMp", res.QM_pval, rec["QMp"], errors)
        if rec["method"] != "EE":
            _check("R2", res.R2, rec["R2"], errors)
    elif rec["method"] == "EE":
        # metafor's predict() prints no PI for an equal-effects model; ours equals the CI (τ² = 0).
        _check("pi_lb", res.pi_lb, rec["ci_lb"], errors)
        _check("pi_ub", res.pi_ub, rec["ci_ub"], errors)
    else:
        _check("pi_lb", res.pi_lb, rec["pi_lb"], errors)
        _check("pi_ub", res.pi_ub, rec["pi_ub"], errors)
    for name, value in res.fitstats.__dict__.items():
        _check(f"fitstats.{name}", value, rec["fitstats"][name], errors)
    assert not errors, errors


CONFINT = metafor()["confint"]


@pytest.mark.parametrize(
    "rec", CONFINT, ids=[f"{r['dataset']}-{r['method']}-{'+'.join(_mods(r))}" for r in CONFINT]
)
def test_confint_q_profile(rec: dict) -> None:
    res = _fit({**rec, "test": "z"})
    ci = confint_tau2(res)
    errors: list[str] = []
    cap = max(100.0, 10 * res.tau2)
    if rec["tau2"][2] == pytest.approx(cap, rel=1e-12):
        # metafor searches up to tau2.max = max(100, 10·τ̂²) and reports that cap when the true
        # bound lies beyond it; we solve without the cap, so our bound must lie above it.
        assert ci.tau2.ub > cap
        rec = {k: (v[:2] if k in ("tau2", "I2", "H2") else v) for k, v in rec.items()}
        for name in ("tau2", "I2", "H2"):
            iv = getattr(ci, name)
            _check(name, [iv.estimate, iv.lb], rec[name], errors)
    else:
        for name in ("tau2", "I2", "H2"):
            iv = getattr(ci, name)
            _check(name, [iv.estimate, iv.lb, iv.ub], rec[name], errors)
    assert not errors, errors


SENS = metafor()["sensitivity"]


@pytest.mark.parametrize("rec", SENS, ids=_ids(SENS, "dataset", "method", "test"))
def test_leave1out_and_cumul(rec: dict) -> None:
    res = rma(effect_sizes(rec["dataset"]), method=rec["method"], test=rec["test"])
    loo, cu = leave1out(res), cumul(res)
    errors: list[str] = []
    # metafor reports tau2 as NA for equal-effects fits; ours is 0 by definition.
    ee = rec["method"] == "EE"
    if ee:
        assert not np.any(loo.tau2) and not np.any(cu.tau2)
    for name in ("estimate", "se", "ci_lb", "ci_ub", "Q", "tau2", "I2"):
        if not (ee and name == "tau2"):
            _check(f"leave1out.{name}", getattr(loo, name), rec["leave1out"][name], errors)
    for name in ("estimate", "se", "ci_lb", "ci_ub", "tau2"):
        if not (ee and name == "tau2"):
            _check(f"cumul.{name}", getattr(cu, name), rec["cumul"][name], errors)
    assert not errors, errors


INFL = metafor()["influence"]


@pytest.mark.parametrize("rec", INFL, ids=_ids(INFL, "dataset", "method", "test"))
def test_influence(rec: dict) -> None:
    inf = influence(_fit(rec))
    errors: list[str] = []
    for name in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"):
        _check(name, getattr(inf, name), rec[name], errors)
    _check("dfbetas", inf.dfbetas[:, 0], rec["dfbetas"], errors)
    assert list(inf.influential) == rec["influential"]
    assert not errors, errors


BIAS = metafor()["bias"]


@pytest.mark.parametrize("rec", BIAS, ids=_ids(BIAS, "dataset", "method"))
def test_regtest_ranktest_trimfill(rec: dict) -> None:
    res = rma(effect_sizes(rec["dataset"]), method=rec["method"])
    errors: list[str] = []
    for key, rt in (("regtest", regtest(res)), ("regtest_lm", regtest(res, model="lm"))):
        exp = rec[key]
        _check(f"{key}.zval", rt.stat, exp["zval"], errors)
        _check(f"{key}.pval", rt.pval, exp["pval"], errors)
        _check(f"{key}.est", rt.limit_estimate, exp["est"], errors)
        _check(f"{key}.ci", [rt.limit_ci_lb, rt.limit_ci_ub], [exp["ci_lb"], exp["ci_ub"]], errors)
        if "df" in exp:
            _check(f"{key}.df", rt.df, exp["df"], errors)
    rk = ranktest(res)
    _check("ranktest.tau", rk.tau, rec["ranktest"]["tau"], errors)
    _check("ranktest.pval", rk.pval, rec["ranktest"]["pval"], errors)
    tf = trimfill(res)
    exp = rec["trimfill"]
    assert tf.k0 == exp["k0"] and tf.side == exp["side"]
    _check("trimfill.se_k0", tf.se_k0, exp["se_k0"], errors)
    for name, value in (("beta", tf.fit.estimate), ("se", tf.fit.se), ("ci_lb", tf.fit.ci_lb),
                        ("ci_ub", tf.fit.ci_ub), ("tau2", tf.fit.tau2), ("QE", tf.fit.Q),
                        ("yi", tf.fit.yi), ("vi", tf.fit.vi)):  # fmt: skip
        _check(f"trimfill.{name}", value, exp[name], errors)
    assert not errors, errors


MH = metafor()["mh"]


@pytest.mark.parametrize("rec", MH, ids=_ids(MH, "dataset", "model", "measure"))
def test_mantel_haenszel_and_peto(rec: dict) -> None:
    c = metafor()["data"][rec["dataset"]]
    if rec["dataset"] == "bcg":
        cells = {"ai": c["ai"], "bi": c["bi"], "ci": c["ci"], "di": c["di"]}
    else:
        cells = {"ai": c["ai"], "n1i": c["n1i"], "ci": c["ci"], "n2i": c["n2i"]}
    res = rma_peto(**cells) if rec["model"] == "PETO" else rma_mh(**cells, measure=rec["measure"])
    errors: list[str] = []
    for name, value in (("beta", res.estimate), ("se", res.se), ("zval", res.stat),
                        ("ci_lb", res.ci_lb), ("ci_ub", res.ci_ub), ("QE", res.Q),
                        ("QEp", res.Q_pval), ("I2", res.I2), ("H2", res.H2)):  # fmt: skip
        _check(name, value, rec[name], errors)
    assert res.extra["k_yi"] == rec["k_yi"]
    if rec.get("CMH") is not None:
        _check("CMH", res.extra["CMH"], rec["CMH"], errors)
    _check("weights", res.weights, rec["weights"], errors)  # MH / Peto weights, not 1/vi
    _check("leave1out", leave1out(res).estimate, rec["leave1out"], errors)
    assert not errors, errors


EXT = metafor()["extensions"]


@pytest.mark.parametrize("rec", EXT, ids=_ids(EXT, "dataset", "fit"))
def test_extension_estimators(rec: dict) -> None:
    es = effect_sizes(rec["dataset"])
    he = rma(es, method="HE").tau2
    res = {
        "HSk": lambda: rma(es, method="HSk"),
        "PMM": lambda: rma(es, method="PMM"),
        "SJ_from_HE": lambda: rma(es, method="SJ", tau2_init=he),
        # metafor's weights= act on both the tau2 estimator and the estimate (sandwich SE).
        "GENQ_HE": lambda: rma(
            es, method="GENQ", genq_weights=1 / (es.vi + he), weights=1 / (es.vi + he)
        ),
        "REML_knha": lambda: rma(es, test="knha"),
    }[rec["fit"]]()
    errors: list[str] = []
    for name, value in (("beta", res.estimate), ("se", res.se), ("zval", res.stat),
                        ("pval", res.pval), ("ci_lb", res.ci_lb), ("ci_ub", res.ci_ub),
                        ("tau2", res.tau2), ("se_tau2", res.tau2_se), ("I2", res.I2),
                        ("H2", res.H2), ("QE", res.Q), ("pi_lb", res.pi_lb), ("pi_ub", res.pi_ub)):  # fmt: skip
        _check(name, value, rec[name] if np.ndim(rec[name]) == 0 else rec[name][0], errors)
    assert not errors, errors


PL = metafor()["profile_likelihood"]


@pytest.mark.parametrize("rec", PL, ids=_ids(PL, "dataset", "method"))
def test_profile_likelihood_ci(rec: dict) -> None:
    ci = confint_tau2(rma(effect_sizes(rec["dataset"]), method=rec["method"]), type="PL")
    errors: list[str] = []
    _check("tau2", [ci.tau2.estimate, ci.tau2.lb, ci.tau2.ub], rec["tau2"], errors)
    assert not errors, errors


PRED = metafor()["predict"]


@pytest.mark.parametrize("rec", PRED, ids=_ids(PRED, "test", "ablat"))
def test_predict_from_meta_regression(rec: dict) -> None:
    from lupuscare.evidence import predict

    res = rma(
        effect_sizes("bcg_RR"), mods={"ablat": metafor()["data"]["bcg"]["ablat"]}, test=rec["test"]
    )
    got = predict(res, newmods=[rec["ablat"]])
    errors: list[str] = []
    for name in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        _check(name, got[name], rec[name], errors)
    assert not errors, errors


def test_regtest_under_knapp_hartung() -> None:
    rec = metafor()["regtest_knha"]
    rt = regtest(rma(effect_sizes("bcg_RR"), test="knha"))
    errors: list[str] = []
    for name, value in (("zval", rt.stat), ("pval", rt.pval), ("df", rt.df), ("est", rt.limit_estimate),
                        ("ci_lb", rt.limit_ci_lb), ("ci_ub", rt.limit_ci_ub)):  # fmt: skip
        _check(name, value, rec[name], errors)
    assert not errors, errors


def test_subgroups_match_metafor_subset_fits() -> None:
    from lupuscare.evidence import subgroup

    rec = metafor()["subgroups"]
    res = subgroup(effect_sizes("bcg_RR"), groups=rec["groups"])
    assert res.groups == ("random", "alternate", "systematic")
    errors: list[str] = []
    _check("estimate", [f.estimate for f in res.fits], rec["estimate"], errors)
    _check("se", [f.se for f in res.fits], rec["se"], errors)
    _check("tau2", [f.tau2 for f in res.fits], rec["tau2"], errors)
    _check("Q_between", res.Q_between, rec["Q_between"], errors)
    _check("pval", res.pval, rec["pval"], errors)
    assert not errors, errors


def test_oscillating_fisher_scoring_fails_like_metafor_and_converges_with_stepadj() -> None:
    from lupuscare.evidence import ConvergenceError

    rec = metafor()["convergence"]
    assert rec["default_fails"] is True  # metafor: "Fisher scoring algorithm did not converge"
    with pytest.raises(ConvergenceError) as err:
        rma(rec["yi"], rec["vi"])
    assert "stepadj" in err.value.message
    res = rma(rec["yi"], rec["vi"], stepadj=0.5)
    errors: list[str] = []
    for name, value in (("tau2", res.tau2), ("beta", res.estimate), ("se", res.se),
                        ("se_tau2", res.tau2_se), ("I2", res.I2)):  # fmt: skip
        _check(name, value, rec[name], errors)
    assert not errors, errors
    assert leave1out(res).estimate.size == 9  # refits reuse the step adjustment


ZERO = metafor()["zero_tables"]


@pytest.mark.parametrize("rec", ZERO, ids=[r["model"] for r in ZERO])
def test_tables_with_double_zero(rec: dict) -> None:
    c = metafor()["data"]["zeros"]
    cells = {"ai": c["ai"], "n1i": c["n1i"], "ci": c["ci"], "n2i": c["n2i"]}
    res = rma_peto(**cells) if rec["model"] == "PETO" else rma_mh(**cells, measure=rec["model"])
    keep = res.extra["keep"]
    assert res.extra["k_yi"] == rec["k_yi"] == 5  # the double-zero table is out of Q
    errors: list[str] = []
    for name, value in (("beta", res.estimate), ("se", res.se), ("QE", res.Q)):
        _check(name, value, rec[name], errors)
    # metafor lists a weight for every table; the double-zero one has weight 0 except for MH RD.
    _check("weights", res.weights, np.asarray(rec["weights"])[keep], errors)
    assert not errors, errors


def test_rank_test_with_ties_uses_the_normal_approximation() -> None:
    rec = metafor()["ranktest_ties"]
    rk = ranktest(rma(rec["yi"], rec["vi"]))
    assert not rk.exact
    errors: list[str] = []
    _check("tau", rk.tau, rec["tau"], errors)
    _check("pval", rk.pval, rec["pval"], errors)
    assert not errors, errors


LEVELS = metafor()["levels"]


@pytest.mark.parametrize("rec", LEVELS, ids=_ids(LEVELS, "test", "level"))
def test_ninety_percent_level(rec: dict) -> None:
    res = rma(effect_sizes("bcg_RR"), test=rec["test"], level=rec["level"])
    ci = confint_tau2(res)
    errors: list[str] = []
    for name, value in (("ci_lb", res.ci_lb), ("ci_ub", res.ci_ub), ("pi_lb", res.pi_lb),
                        ("pi_ub", res.pi_ub), ("pval", res.pval)):  # fmt: skip
        _check(name, value, rec[name], errors)
    _check("tau2_ci", [ci.tau2.estimate, ci.tau2.lb, ci.tau2.ub], rec["tau2_ci"], errors)
    assert not errors, errors


def test_categorical_moderator_is_dummy_coded_like_an_r_factor() -> None:
    rec = metafor()["factor_mods"]
    groups = metafor()["subgroups"]["groups"]
    res = rma(effect_sizes("bcg_RR"), mods={"alloc": groups})
    assert [c.name for c in res.coefficients] == ["intrcpt", "allocrandom", "allocsystematic"]
    errors: list[str] = []
    _check("beta", [c.estimate for c in res.coefficients], rec["beta"], errors)
    _check("se", [c.se for c in res.coefficients], rec["se"], errors)
    for name, value in (("QM", res.QM), ("QMp", res.QM_pval), ("tau2", res.tau2), ("QE", res.Q),
                        ("R2", res.R2)):  # fmt: skip
        _check(name, value, rec[name], errors)
    assert not errors, errors
