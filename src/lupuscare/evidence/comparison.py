"""Comparing models (metafor ``anova.rma``): the likelihood-ratio test of two nested fits and
the Wald test of a set of coefficients.

LRT: 2(ℓ_full − ℓ_reduced) against χ² with the difference in the number of parameters; for
REML fits only when both have the same fixed effects (REML likelihoods of different X are not
comparable — metafor refuses too), so compare moderators with ML fits. The pseudo-R² is the
proportional reduction of τ² from the reduced to the full model (floored at 0), as metafor.
Wald: b'V⁻¹b over the chosen coefficients, χ²(m), or F(m, k − p) = that/m under Knapp–Hartung.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.model import T_TESTS, RMAResult, _jsonable


@dataclass(frozen=True)
class LikelihoodRatioTest:
    LRT: float
    df: int
    pval: float
    R2: float | None
    tau2_full: float
    tau2_reduced: float

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


@dataclass(frozen=True)
class WaldTest:
    QM: float
    df: tuple[int, int | None]
    pval: float
    coefficients: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def _parms(res: RMAResult) -> int:
    return res.p + (0 if res.method == "EE" else 1)


def _nested(X_small: np.ndarray, X_big: np.ndarray) -> bool:
    """Whether the columns of X_small lie in the column space of X_big."""
    coef, *_ = np.linalg.lstsq(X_big, X_small, rcond=None)
    return bool(np.allclose(X_big @ coef, X_small, atol=1e-8 * max(1.0, np.abs(X_small).max())))


def lrt(full: RMAResult, reduced: RMAResult) -> LikelihoodRatioTest:
    """Likelihood-ratio test of ``reduced`` against ``full`` (metafor ``anova(full, reduced)``)."""
    for res, name in ((full, "full"), (reduced, "reduced")):
        if res.tables is not None or res.fitstats is None:
            raise InputError(name, "the likelihood-ratio test needs models fitted by rma()")
        if res.method not in ("EE", "ML", "REML"):
            raise InputError(name, "likelihood-ratio tests need ML or REML (or EE) fits")
    if _parms(full) < _parms(reduced):
        full, reduced = reduced, full
    if _parms(full) == _parms(reduced):
        raise InputError("reduced", "the two models have the same number of parameters")
    if not (np.array_equal(full.yi, reduced.yi) and np.array_equal(full.vi, reduced.vi)):
        raise InputError("reduced", "the models were not fitted to the same data")
    if not _nested(reduced.X, full.X):
        raise InputError("reduced", "the models are not nested")
    if "REML" in (full.method, reduced.method) and not (
        full.X.shape == reduced.X.shape and np.allclose(full.X, reduced.X)
    ):
        raise InputError(
            "method", "REML fits with different moderators cannot be compared by LRT; use ML"
        )
    stat = max(0.0, 2 * (full.fitstats.logLik - reduced.fitstats.logLik))
    df = _parms(full) - _parms(reduced)
    R2 = None
    if full.method != "EE" and reduced.method != "EE":
        R2 = 0.0 if reduced.tau2 == 0 else 100 * max(0.0, (reduced.tau2 - full.tau2) / reduced.tau2)
    return LikelihoodRatioTest(stat, df, dist.chi2_sf(stat, df), R2, full.tau2, reduced.tau2)


def wald(res: RMAResult, coefficients: Sequence[int | str]) -> WaldTest:
    """Wald test that the given coefficients (0-based positions or names) are all 0 (metafor
    ``anova(res, btt=)``, whose positions are 1-based)."""
    names = [c.name for c in res.coefficients]
    idx: list[int] = []
    for c in coefficients:
        j = names.index(c) if isinstance(c, str) and c in names else c
        if not isinstance(j, int) or not (0 <= j < len(names)):
            raise InputError("coefficients", f"no coefficient {c!r}; one of {', '.join(names)}")
        idx.append(j)
    if not idx:
        raise InputError("coefficients", "name at least one coefficient")
    b = res.beta[idx]
    QM = float(b @ np.linalg.solve(res.vb[np.ix_(idx, idx)], b))
    m = len(idx)
    if res.test in T_TESTS:
        df2 = res.X.shape[0] - res.p
        return WaldTest(QM / m, (m, df2), dist.f_sf(QM / m, m, df2), tuple(names[j] for j in idx))
    return WaldTest(QM, (m, None), dist.chi2_sf(QM, m), tuple(names[j] for j in idx))
