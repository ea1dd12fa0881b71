"""Permutation tests for a fitted model (metafor ``permutest.rma.uni``; Follmann & Proschan
1999, Higgins & Thompson 2004).

Intercept-only model: the signs of the effects are flipped (all 2ᵏ patterns when exact), and
the p-value is the share of refits whose |z| (or |t|) is at least the observed one. Meta-
regression: the rows of the moderator matrix are permuted (every distinct permutation when
exact); p-values for each coefficient's |z| and for QM. Each refit is the model's own
specification (estimator, test, weights, control); refits that fail are left out, as metafor
does. Comparisons use metafor's tolerance √ε. With ``exact=False`` the permutations are drawn
at random (numpy generator with ``seed``; not metafor's random numbers, so the p-value differs
from metafor's by Monte-Carlo error, and the observed statistic counts as one permutation).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from math import factorial, prod
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence.model import RMAResult, _jsonable, fit_model

TOL = np.finfo(float).eps ** 0.5  # metafor control comptol


@dataclass(frozen=True)
class PermutationTest:
    exact: bool
    iterations: int  # permutations tried (the failed refits are left out of the p-values)
    failed: int
    pval: np.ndarray  # one per coefficient
    QM_pval: float | None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def _distinct_permutations(keys: list[int]) -> Iterator[tuple[int, ...]]:
    """Every distinct ordering of a multiset of row keys (lexicographic; rows with equal
    moderator values are interchangeable, as metafor's ``.genuperms``)."""
    items = sorted(keys)
    n = len(items)
    while True:
        yield tuple(items)
        i = n - 2
        while i >= 0 and items[i] >= items[i + 1]:
            i -= 1
        if i < 0:
            return
        j = n - 1
        while items[j] <= items[i]:
            j -= 1
        items[i], items[j] = items[j], items[i]
        items[i + 1 :] = reversed(items[i + 1 :])


def permutest(res: RMAResult, exact: bool | None = None, iter: int = 1000,
              seed: int | None = None) -> PermutationTest:  # fmt: skip
    """Permutation p-values for ``res`` (exact when ``exact`` or when the exact test needs no
    more than ``iter`` refits, as metafor)."""
    if res.tables is not None:
        raise InputError("method", "permutation tests need a model fitted by rma()")
    if iter < 2:
        raise InputError("iter", "must be at least 2")
    k, p = res.X.shape
    names = [c.name for c in res.coefficients]
    obs_z = np.array([c.stat for c in res.coefficients])
    if not res.has_mods:
        n_exact = 2**k
    else:
        rows = [tuple(r) for r in res.X]
        key_of = {r: i for i, r in enumerate(dict.fromkeys(sorted(rows)))}
        keys = [key_of[r] for r in rows]
        counts = np.bincount(keys)
        n_exact = factorial(k) // prod(factorial(int(c)) for c in counts)
    use_exact = bool(exact) or n_exact <= iter
    if use_exact and n_exact > 10**6:
        raise InputError("iter", f"an exact test needs {n_exact} refits; use exact=False")
    rng = np.random.default_rng(seed)
    z_perm: list[np.ndarray] = []
    qm_perm: list[float] = []
    failed = 0

    def refit(y: np.ndarray, X: np.ndarray) -> None:
        nonlocal failed
        try:
            fit = fit_model(y, res.vi, X, names, res.spec)
        except InputError:
            failed += 1
            return
        z_perm.append(np.array([c.stat for c in fit.coefficients]))
        qm_perm.append(fit.QM if fit.QM is not None else fit.stat**2)

    if not res.has_mods:
        if use_exact:
            for signs in itertools.product((1.0, -1.0), repeat=k):
                refit(np.asarray(signs) * res.yi, res.X)
        else:
            z_perm.append(obs_z)
            qm_perm.append(res.stat**2)
            for _ in range(iter - 1):
                refit(rng.choice((-1.0, 1.0), size=k) * res.yi, res.X)
    else:
        reps = [rows.index(r) for r in dict.fromkeys(sorted(rows))]  # one row per key
        if use_exact:
            for perm in _distinct_permutations(keys):
                refit(res.yi, res.X[[reps[j] for j in perm]])
        else:
            z_perm.append(obs_z)
            qm_perm.append(float(res.QM))
            for _ in range(iter - 1):
                refit(res.yi, res.X[rng.permutation(k)])
    if not z_perm:
        raise InputError("yi", "no permutation could be fitted")
    Z = np.abs(np.vstack(z_perm))
    pval = np.minimum(1.0, np.mean(np.abs(obs_z) - TOL <= Z, axis=0))
    observed_qm = res.QM if res.has_mods else res.stat**2
    qm_p = float(np.mean(np.asarray(qm_perm) >= observed_qm - TOL))
    n = len(z_perm) + failed
    return PermutationTest(use_exact, n, failed, pval, qm_p)
