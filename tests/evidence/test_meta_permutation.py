"""Exact permutation tests against metafor 3.8-1's ``permutest(exact=TRUE)`` (issue 15,
item 10; metafor_reference_ext.json ``permutation``): sign flips for an intercept-only model,
distinct row permutations of the moderators for a meta-regression (with refits that fail
left out, as metafor)."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import escalc, rma
from lupuscare.evidence.permutation import _distinct_permutations, permutest

from .reference_data import check, metafor, metafor_ext

PERM = metafor_ext()["permutation"]


@pytest.mark.parametrize("rec", PERM, ids=[f"{r['method']}-{r['test']}-k{r['k']}-{r['mods']}"
                                           for r in PERM])  # fmt: skip
def test_exact_permutation_p_values_match_metafor(rec: dict) -> None:
    c = metafor()["data"]["bcg"]
    n = rec["k"]
    es = escalc("RR", ai=c["ai"][:n], bi=c["bi"][:n], ci=c["ci"][:n], di=c["di"][:n])
    mods = {"ablat": c["ablat"][:n]} if rec["mods"] else None
    res = rma(es, method=rec["method"], test=rec["test"], mods=mods)
    pt = permutest(res, exact=True)
    errors: list[str] = []
    check("pval", pt.pval, rec["pval"], errors)
    check("QMp", pt.QM_pval, rec["QMp"], errors)
    assert not errors, errors
    assert pt.exact


def test_distinct_permutations_count_the_multiset() -> None:
    perms = list(_distinct_permutations([0, 1, 1, 2]))
    assert len(perms) == 12 == len(set(perms))


def test_random_permutations_are_seeded_and_include_the_observed() -> None:
    c = metafor()["data"]["bcg"]
    es = escalc("RR", ai=c["ai"], bi=c["bi"], ci=c["ci"], di=c["di"])
    res = rma(es, method="DL")
    a = permutest(res, exact=False, iter=200, seed=1)
    b = permutest(res, exact=False, iter=200, seed=1)
    assert np.array_equal(a.pval, b.pval) and not a.exact
    assert a.pval[0] >= 1 / 200  # the observed statistic is one of the permutations
    with pytest.raises(InputError, match="exact test needs"):
        permutest(rma(es, method="DL", mods={"x": np.arange(13.0)}), exact=True)
