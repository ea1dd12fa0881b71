"""Bad input to the model verbs: an InputError naming the cause, never a silent NaN."""

from __future__ import annotations

import numpy as np
import pytest

from lupuscare.errors import InputError
from lupuscare.evidence import ConvergenceError, confint_tau2, estimators, leave1out, regtest, rma

Y = [0.1, 0.3, -0.2, 0.5]
V = [0.04, 0.05, 0.03, 0.06]


@pytest.mark.parametrize("method", ["DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS"])
def test_random_effects_needs_two_studies(method: str) -> None:
    with pytest.raises(InputError) as err:
        rma([0.1], [0.04], method=method)
    assert err.value.field == "yi"
    assert rma([0.1], [0.04], method="EE").estimate == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"yi": Y, "vi": [0.04, -0.05, 0.03, 0.06]}, "vi[1]"),
        ({"yi": [0.1, np.nan, 0.2, 0.3], "vi": V}, "yi[1]"),
        ({"yi": Y, "vi": V[:3]}, "vi"),
        ({"yi": Y, "vi": V, "method": "XX"}, "method"),
        ({"yi": Y, "vi": V, "test": "t2"}, "test"),
        ({"yi": Y, "vi": V, "level": 100}, "level"),
        ({"yi": Y, "vi": V, "mods": [1, 2, 3]}, "mods.mod1"),
        ({"yi": Y, "vi": V, "mods": {"a": [1, 2, 3, 4], "b": [2, 4, 6, 8]}}, "mods"),
        ({"yi": Y, "vi": V, "mods": {"a": [1, 2, np.inf, 4]}}, "mods.a[2]"),
        ({"yi": Y, "vi": V, "mods": {"g": ["x", "x", "x", "x"]}}, "mods.g"),
        ({"yi": Y, "vi": V, "mods": {"g": ["x", "", "y", "x"]}}, "mods.g[1]"),
        ({"yi": Y, "vi": V, "labels": ["a", "b"]}, "labels"),
        ({"yi": Y, "vi": None}, "vi"),
    ],
)
def test_rma_rejects_bad_input(kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        rma(**kwargs)
    assert err.value.field == field


def test_zero_variance_is_rejected_where_it_breaks_the_estimator() -> None:
    with pytest.raises(InputError) as err:
        rma(Y, [0.0, 0.05, 0.03, 0.06], method="DL")
    assert err.value.field == "vi"


def test_paule_mandel_searches_beyond_metafors_tau2_max() -> None:
    # mad(y) = 0, so metafor's tau2.max is 100 and metafor stops ("tau2.max too low"); the
    # root (Q(tau2) = k - 1) exists further out and is found.
    y, v = [0.0, 0.0, 0.0, 0.0, 1000.0], [1e-6] * 5
    res = rma(y, v, method="PM")
    assert res.tau2 > 100
    w = 1 / (np.array(v) + res.tau2)
    mu = np.sum(w * y) / w.sum()
    assert np.sum(w * (np.array(y) - mu) ** 2) == pytest.approx(4.0, rel=1e-9)


def test_root_search_gives_up_with_convergence_error() -> None:
    with pytest.raises(ConvergenceError) as err:
        rma([0.0, 0.0, 0.0, 0.0, 1e8], [1e-6] * 5, method="PM")  # tau2 ~ 2e15
    assert err.value.field == "tau2"
    assert isinstance(err.value, InputError)


def test_fisher_scoring_limit_raises_convergence_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(estimators, "MAXITER", 1)
    with pytest.raises(ConvergenceError):
        rma([-0.89, -1.59, -1.35, -1.44, -0.22, -0.79], [0.33, 0.19, 0.42, 0.02, 0.05, 0.007])


def test_knapp_hartung_needs_residual_degrees_of_freedom() -> None:
    with pytest.raises(InputError):
        rma([0.1, 0.2], [0.1, 0.1], method="EE", test="knha", mods=[1, 2])


def test_sensitivity_verbs_refuse_what_they_cannot_do() -> None:
    res = rma(Y, V, mods=[1, 2, 3, 4])
    with pytest.raises(InputError):
        leave1out(res)
    with pytest.raises(InputError) as err:
        regtest(rma(Y, V), predictor="ni")
    assert err.value.field == "ni"
    with pytest.raises(InputError):
        confint_tau2(rma(Y, V), type="XX")


def test_few_studies_with_z_test_is_flagged() -> None:
    assert any("knha" in n for n in rma(Y, V).notes)
    assert not rma(Y, V, test="knha").notes


def test_knapp_hartung_with_no_residual_variation_is_refused_not_nan() -> None:
    # metafor returns SE 0 and a NaN test statistic here; we name the cause instead.
    with pytest.raises(InputError) as err:
        rma([0.2, 0.2, 0.2], [0.01, 0.02, 0.03], test="knha")
    assert err.value.field == "test"
    assert rma([0.2, 0.2, 0.2], [0.01, 0.02, 0.03]).se > 0


def test_influence_marks_a_deletion_that_leaves_the_model_unidentified() -> None:
    from lupuscare.evidence import influence

    y = [0.1, 0.3, -0.2, 0.5, 0.05, 0.4]
    v = [0.04, 0.05, 0.03, 0.06, 0.05, 0.04]
    res = rma(y, v, mods={"arm": [0, 0, 0, 0, 0, 1]}, labels=list("ABCDEF"))
    inf = influence(res)
    assert np.isnan(inf.cook_d[5]) and np.isfinite(inf.cook_d[:5]).all()
    assert inf.notes and inf.notes[0].startswith("F: not estimable")
    assert inf.to_dict()["rows"][5]["cook_d"] is None
