"""Step-function selection models against metafor 3.8-1's ``selmodel(type="stepfun")``
(issue 15, item 9; metafor_reference_ext.json ``selection``, dat.hackshaw1998, metafor run
with ``reltol = 1e-14``).

The likelihood is flat near its maximum: metafor's optimum and ours differ by ~1e-10 in
log-likelihood (ours is the higher, checked below) but by up to ~1e-6 in β and δ, so metafor is
not deterministic to 1e-6 relative here. Hence: the maximised log-likelihood and the LRT to
1e-9 relative; every estimate within 1e-4 of its own standard error; z within 1e-4; standard errors,
intervals and p (numerical Hessians on both sides; metafor: numDeriv) to 1e-4 relative."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import rma
from lupuscare.evidence.selection import selmodel

from .reference_data import check, metafor_ext

SEL = metafor_ext()["selection"]
D = SEL["data"]


@pytest.mark.parametrize("rec", SEL["fits"],
                         ids=[f"{r['method']}-{len(r['steps'])}" for r in SEL["fits"]])  # fmt: skip
def test_step_function_selection_model_matches_metafor(rec: dict) -> None:
    res = rma(D["yi"], D["vi"], method=rec["method"])
    sel = selmodel(res, steps=rec["steps"])
    errors: list[str] = []
    assert sel.logLik >= rec["ll"] - 1e-12  # at least as high a maximum as metafor's
    for name, value in (("ll", sel.logLik), ("LRT", sel.LRT), ("LRTp", sel.LRT_pval)):
        check(name, value, rec[name], errors, rel=1e-9)
    for name, value, se in (("beta", sel.beta, rec["se"]), ("tau2", sel.tau2, rec["se_tau2"]),
                            ("delta", sel.delta[1:], rec["se_delta"][1:])):  # fmt: skip
        if se is None:  # EE: tau2 fixed at 0
            assert value == 0 == rec[name]
            continue
        expected = np.atleast_1d(rec[name])[1:] if name == "delta" else np.atleast_1d(rec[name])
        gap = np.abs(np.atleast_1d(value) - expected) / np.atleast_1d(se)
        if not np.all(gap < 1e-4):
            errors.append(f"{name}: {value} vs {expected} ({gap.max():.2g} SE apart)")
    for name, value in (("se", sel.se), ("ci_lb", sel.ci_lb), ("ci_ub", sel.ci_ub),
                        ("se_delta", sel.delta_se), ("se_tau2", sel.tau2_se)):  # fmt: skip
        check(name, value, rec[name], errors, rel=1e-4)
    if not np.all(np.abs(sel.zval - np.atleast_1d(rec["zval"])) < 1e-4):  # z near 0: absolute
        errors.append(f"zval: {sel.zval} vs {rec['zval']}")
    check("pval", sel.pval, rec["pval"], errors, rel=1e-4)
    assert not errors, errors
    assert sel.LRT_df == rec["LRTdf"] and list(sel.k_per_interval) == rec["k_per_interval"]


def test_selection_model_refuses_an_empty_interval() -> None:
    res = rma(D["yi"], D["vi"], method="ML")
    with pytest.raises(InputError, match="no study has a p-value in interval") as info:
        selmodel(res, steps=[1e-12, 0.5])
    assert info.value.field == "steps"
    with pytest.raises(InputError, match="cut points"):
        selmodel(res, steps=[0, 0.5])
    assert np.isfinite(selmodel(res, steps=[0.05]).beta).all()
