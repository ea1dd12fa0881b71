"""metafor's warnings, k = 1 and identical effects; no numpy RuntimeWarning leaks (issue 15,
item 3). Reference: metafor_reference_ext.json (metafor 3.8-1), sections ``warnings``,
``identical_effects`` and ``k1``."""

from __future__ import annotations

import warnings
from contextlib import suppress

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import (
    ConvergenceError,
    confint_tau2,
    cumul,
    escalc,
    influence,
    leave1out,
    ranktest,
    regtest,
    rma,
    trimfill,
)

from .random_data import draw
from .reference_data import check, metafor, metafor_ext

CASES = {r["case"]: r for r in metafor_ext()["warnings"]}


def _norm(texts) -> list[str]:
    return [" ".join(t.split()) for t in texts]


def _bcg():
    c = metafor()["data"]["bcg"]
    return escalc("RR", ai=c["ai"], bi=c["bi"], ci=c["ci"], di=c["di"])


@pytest.mark.parametrize(
    ("case", "fit"),
    [
        ("ee_knha", lambda: rma(_bcg(), method="EE", test="knha")),
        ("local_max", lambda: rma([-1.29, 0.3, 1.14], [0.021, 1.548, 1.438], method="ML")),
        ("vi_ratio", lambda: rma([0.1, 0.3, 0.2, 0.5], [1e-8, 0.2, 0.1, 0.3], method="DL")),
        ("none", lambda: rma(_bcg())),
    ],
)
def test_warnings_where_metafor_warns(case: str, fit) -> None:
    rec = CASES[case]
    res = fit()
    assert _norm(res.warnings) == _norm(rec["warnings"])
    assert res.to_dict()["warnings"] == list(res.warnings)
    errors: list[str] = []
    for name, value in (("beta", res.estimate), ("se", res.se), ("tau2", res.tau2)):
        check(name, value, rec[name], errors)
    assert not errors, errors


def test_the_local_maximum_reset_is_at_the_threshold() -> None:
    # metafor resets only when ll(0) − ll(τ̂²) > tol and τ̂² > 1e-5: REML on the same data
    # (a proper maximum) gives no warning.
    assert not rma([-1.29, 0.3, 1.14], [0.021, 1.548, 1.438]).warnings
    assert rma([-1.29, 0.3, 1.14], [0.021, 1.548, 1.438], method="ML").tau2 == 0


def test_vi_ratio_warning_boundary() -> None:
    at = rma([0.1, 0.3, 0.2], [1e-7, 1.0, 0.5], method="DL")  # ratio exactly 1e7
    below = rma([0.1, 0.3, 0.2], [1.0000001e-7, 1.0, 0.5], method="DL")
    assert any("Ratio of largest" in w for w in at.warnings)
    assert not below.warnings


IDENTICAL = metafor_ext()["identical_effects"]


@pytest.mark.parametrize("rec", IDENTICAL, ids=[f"{r['method']}-{r['test']}" for r in IDENTICAL])
def test_identical_effects(rec: dict) -> None:
    yi, vi = [0.2] * 5, [0.1, 0.2, 0.1, 0.3, 0.2]
    if rec["test"] == "knha" and rec["method"] != "EE":
        # metafor: Knapp–Hartung factor 0, SE 0 and an infinite t; we refuse (engine.md).
        with pytest.raises(InputError, match="Knapp-Hartung is undefined"):
            rma(yi, vi, method=rec["method"], test="knha")
        return
    if rec["method"] == "EE" and rec["test"] == "knha":
        with pytest.raises(InputError, match="Knapp-Hartung is undefined"):
            rma(yi, vi, method="EE", test="knha")
        return
    res = rma(yi, vi, method=rec["method"], test=rec["test"])
    errors: list[str] = []
    for name, value in (("beta", res.estimate), ("se", res.se), ("tau2", res.tau2),
                        ("I2", res.I2), ("H2", res.H2), ("QE", res.Q),
                        ("se_tau2", res.tau2_se)):  # fmt: skip
        check(name, value, rec[name], errors)
    assert not errors, errors


def test_k1_is_a_clear_error_for_a_random_effects_model_and_equal_effects_work() -> None:
    rec = metafor_ext()["k1"]  # metafor: test reset to z with a warning, tau2 = 0
    with pytest.raises(InputError, match="at least 2 studies"):
        rma([rec["yi"]], [rec["vi"]], test="knha")
    res = rma([rec["yi"]], [rec["vi"]], method="EE")
    errors: list[str] = []
    for name, value in (("beta", res.estimate), ("se", res.se), ("zval", res.stat),
                        ("pval", res.pval), ("ci_lb", res.ci_lb), ("ci_ub", res.ci_ub)):  # fmt: skip
        check(name, value, rec[name], errors)
    assert not errors, errors


def _every_verb(res) -> None:
    for verb in (leave1out, cumul, influence, regtest, ranktest, trimfill, confint_tau2):
        with suppress(InputError):  # a clear refusal is fine; a leaked RuntimeWarning is not
            verb(res)


def test_no_numpy_runtime_warning_leaks() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for d in draw():
            for method in ("EE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS"):
                for test in ("z", "knha"):
                    try:
                        res = rma(d["yi"], d["vi"], method=method, test=test)
                    except ConvergenceError:
                        continue
                    if method in ("EE", "DL", "REML"):
                        _every_verb(res)
            for kwargs in ({"weights": d["weights"]}, {"mods": {"x": d["x"]}}):
                with suppress(InputError):  # e.g. Fisher scoring that does not converge
                    _every_verb(rma(d["yi"], d["vi"], **kwargs))
        edge = [([0.2] * 5, [0.1, 0.2, 0.1, 0.3, 0.2]), ([0.0] * 8 + [1, 0.5], [1] * 8 + [0.125] * 2),
                ([0.1, 0.3, 0.2, 0.5], [1e-8, 0.2, 0.1, 0.3]), ([0.1, 0.2, 0.3], [0.0, 0.1, 0.2])]  # fmt: skip
        for yi, vi in edge:
            for method in ("EE", "DL", "REML", "SJ", "PM"):
                for test in ("z", "knha"):
                    with suppress(InputError):
                        _every_verb(rma(yi, vi, method=method, test=test))
    assert np.isfinite(rma(*edge[0]).estimate)
