"""Points where a reviewer compares with metafor (issue 15, item 4): cumul's first row and
trim-and-fill under Knapp–Hartung, R² of an equal-effects meta-regression, the uncapped
Q-profile upper bound and Paule–Mandel's tolerance. Reference: metafor_reference_ext.json
(``fidelity``); the deliberate differences are listed in docs/evidence/engine.md."""

from __future__ import annotations

import numpy as np
from scipy import stats

from lupuscare.evidence import confint_tau2, cumul, escalc, rma, trimfill
from lupuscare.evidence.estimators import generalised_q

from .reference_data import check, metafor, metafor_ext

FID = metafor_ext()["fidelity"]


def _bcg():
    c = metafor()["data"]["bcg"]
    return escalc("RR", ai=c["ai"], bi=c["bi"], ci=c["ci"], di=c["di"])


def _egger():
    c = metafor()["data"]["egger"]
    return escalc("OR", ai=c["ai"], n1i=c["n1i"], ci=c["ci"], n2i=c["n2i"])


def test_cumul_under_knapp_hartung_first_row_is_a_z_test_like_metafor() -> None:
    cu = cumul(rma(_bcg(), test="knha"))
    errors: list[str] = []
    for name in ("estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "tau2", "I2"):
        check(name, getattr(cu, name), FID["cumul_knha"][name], errors)
    check("stat", cu.stat, FID["cumul_knha"]["zval"], errors)
    assert not errors, errors
    # row 1 (k = 1) is a z test; row 2 already uses t(1): its interval is far wider
    assert cu.ci_ub[1] - cu.ci_lb[1] > 5


def test_trimfill_under_knapp_hartung_keeps_the_test_deliberately() -> None:
    rec = FID["trimfill_knha"]
    res = rma(_egger(), test="knha")
    tf = trimfill(res)
    errors: list[str] = []
    assert tf.k0 == rec["k0"] and rec["test"] == "z"
    check("beta", tf.fit.estimate, rec["beta"], errors)
    check("tau2", tf.fit.tau2, rec["tau2"], errors)
    assert not errors, errors
    # metafor 3.8-1 refits the filled data with test="z" (rec["se"]); we keep Knapp–Hartung,
    # and the z refit of the same filled data reproduces metafor's SE.
    assert tf.fit.test == "knha" and tf.fit.df == tf.fit.k - 1
    z = rma(tf.fit.yi, tf.fit.vi)
    check("se_z", z.se, rec["se"], errors)
    check("ci_lb_z", z.ci_lb, rec["ci_lb"], errors)
    assert not errors, errors


def test_r2_of_an_equal_effects_meta_regression_is_metafors_adjusted_r2() -> None:
    c = metafor()["data"]["bcg"]
    es = _bcg()
    n = np.array(c["ai"]) + np.array(c["bi"]) + np.array(c["ci"]) + np.array(c["di"])
    rec = FID["R2_EE"]
    errors: list[str] = []
    check("ablat", rma(es, method="EE", mods={"ablat": c["ablat"]}).R2, rec["ablat"], errors)
    check("ablat_year", rma(es, method="EE", mods={"ablat": c["ablat"], "year": c["year"]}).R2,
          rec["ablat_year"], errors)  # fmt: skip
    check("weights", rma(es, method="EE", mods={"ablat": c["ablat"]}, weights=n).R2,
          rec["ablat_weights"], errors)  # fmt: skip
    check("REML weights", rma(es, mods={"ablat": c["ablat"]}, weights=n).R2,
          rec["ablat_REML_weights"], errors)  # fmt: skip
    assert not errors, errors
    # identical effects: metafor gives 0, not NaN
    assert rma([0.2] * 4, [0.1, 0.2, 0.3, 0.1], method="EE", mods={"x": [1, 2, 3, 4]}).R2 == 0


def test_q_profile_upper_bound_is_not_capped_at_tau2_max() -> None:
    c = metafor()["data"]["normand"]
    es = escalc("MD", vtype="HO", **{k: c[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")})
    res = rma(es, method="DL")
    ci = confint_tau2(res)
    capped = FID["qprofile_capped"]["bounds"]
    assert np.isclose(capped[2], max(100, 10 * res.tau2), rtol=1e-9)  # metafor stops at its cap
    assert np.isclose(ci.tau2.lb, capped[1], rtol=1e-4)  # the lower bound agrees (ε^¼ tolerance)
    assert ci.tau2.ub > capped[2]
    target = stats.chi2.ppf(0.025, res.k - 1)  # the true bound solves Q(τ²) = χ²_{.025}
    assert np.isclose(generalised_q(ci.tau2.ub, es.yi - es.yi.mean(), es.vi,
                                    np.ones((res.k, 1))), target, rtol=1e-8)  # fmt: skip


def test_paule_mandel_is_solved_tightly_metafor_default_is_within_its_tolerance() -> None:
    rec = FID["pm_default"]
    for name, es in (("bcg", _bcg()), ("egger", _egger())):
        ours = rma(es, method="PM").tau2
        assert np.isclose(ours, rec[f"{name}_tight"], rtol=1e-8)
        assert abs(ours - rec[name]) < np.finfo(float).eps ** 0.25  # metafor's uniroot tol
        assert ours != rec[name]
