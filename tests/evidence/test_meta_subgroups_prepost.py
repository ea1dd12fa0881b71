"""Subgroup analysis and the pre–post correlation sensitivity helper."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import prepost_sensitivity, subgroup

from .reference_data import bcg, bcg_columns


def test_subgroups_by_allocation_match_metafor_separate_fits() -> None:
    # evidence-synthesis.md §A.2.1: REML fits with subset = alloc (metafor rma.uni docs page).
    res = subgroup(bcg("RR"), groups=bcg_columns()["alloc"])
    expected = {
        "alternate": (2, 0.1326, -0.5408, -1.0927, 0.0111, 5.5625),
        "random": (7, 0.3925, -0.9710, -1.5118, -0.4301, 110.2133),
        "systematic": (4, 0.4003, -0.4242, -1.1293, 0.2809, 16.5919),
    }
    for group, (k, tau2, est, lb, ub, q) in expected.items():
        f = res[group]
        assert f.k == k
        for actual, value in (
            (f.tau2, tau2),
            (f.estimate, est),
            (f.ci_lb, lb),
            (f.ci_ub, ub),
            (f.Q, q),
        ):
            assert actual == pytest.approx(value, abs=5e-5)
    b = np.array([f.estimate for f in res.fits])
    w = 1 / np.array([f.se for f in res.fits]) ** 2
    q_between = float(np.sum(w * (b - np.sum(w * b) / w.sum()) ** 2))
    assert res.Q_between == pytest.approx(q_between) and res.df == 2
    with pytest.raises(InputError):
        subgroup(bcg("RR"), groups=["a"] * 13)


def test_prepost_grid_moves_variance_not_mean_change() -> None:
    cols = dict(m1i=[14.2, 12.8, 16.0], m2i=[6.1, 7.9, 9.5], sd1i=[4.1, 3.9, 5.2],
                sd2i=[3.8, 4.4, 4.9], ni=[12, 20, 9])  # fmt: skip
    sens = prepost_sensitivity("MC", correlations=(0.0, 0.5, 0.9), method="EE", **cols)
    ses = [f.se for f in sens.fits]
    assert ses[0] > ses[1] > ses[2]  # a higher correlation means a more precise change score
    est = [f.estimate for f in sens.fits]
    assert len(sens.rows()) == 3 and est[0] != est[2]  # weights change, so does the EE mean
    smcr = prepost_sensitivity("SMCR", correlations=(0.2, 0.8), **cols)
    assert smcr.fits[0].yi == pytest.approx(smcr.fits[1].yi)  # SMCR's yi ignores ri
    with pytest.raises(InputError):
        prepost_sensitivity("SMD", **cols)
    with pytest.raises(InputError):
        prepost_sensitivity("MC", ri=0.5, **cols)
