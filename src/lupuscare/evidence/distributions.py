"""The few distribution functions the engine needs, via scipy.special's ufuncs.

Same formulas as ``scipy.stats`` uses for these distributions (both wrap Cephes/Boost), without
importing ``scipy.stats`` (about 1.5 s of a command-line run) or its per-call argument checks.
Each function names its ``scipy.stats`` equivalent.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def norm_two_sided_p(z):
    return 2 * special.ndtr(-np.abs(z))


def norm_crit(alpha: float) -> float:
    """Upper alpha/2 quantile of N(0, 1)."""
    return float(-special.ndtri(alpha / 2))


def norm_sf(x):
    """``stats.norm.sf``."""
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_cdf(x):
    """``stats.norm.cdf``."""
    return special.ndtr(np.asarray(x, dtype=float))


def norm_isf(q):
    """``stats.norm.isf``."""
    return -special.ndtri(q)


def t_two_sided_p(t, df: float):
    return 2 * special.stdtr(df, -np.abs(t))


def t_crit(alpha: float, df: float) -> float:
    return float(special.stdtrit(df, 1 - alpha / 2))


def t_sf(x, df):
    """``stats.t.sf``."""
    return special.stdtr(df, -np.asarray(x, dtype=float))


def t_cdf(x, df):
    """``stats.t.cdf``."""
    return special.stdtr(df, np.asarray(x, dtype=float))


def t_isf(q, df):
    """``stats.t.isf``."""
    return -special.stdtrit(df, q)


def chi2_sf(x: float, df: float) -> float:
    return float(special.chdtrc(df, x))


def chi2_cdf(x, df):
    """``stats.chi2.cdf`` (elementwise; NaN stays NaN)."""
    return special.chdtr(df, x)


def chi2_ppf(q: float, df: float) -> float:
    """``stats.chi2.ppf``: 2·gammaincinv(df/2, q), as scipy.stats computes it."""
    return float(2 * special.gammaincinv(df / 2, q))


def chi2_isf(q: float, df: float) -> float:
    """``stats.chi2.isf``: 2·gammainccinv(df/2, q)."""
    return float(2 * special.gammainccinv(df / 2, q))


def f_sf(x: float, df1: float, df2: float) -> float:
    return float(special.fdtrc(df1, df2, x))
