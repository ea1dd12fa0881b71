"""The few distribution functions the engine needs, via scipy.special's ufuncs.

Same numbers as ``scipy.stats`` (both wrap Cephes/Boost), without the per-call argument
checking that made ``scipy.stats`` the largest cost of a single small fit.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def norm_two_sided_p(z):
    return 2 * special.ndtr(-np.abs(z))


def norm_crit(alpha: float) -> float:
    """Upper alpha/2 quantile of N(0, 1)."""
    return float(-special.ndtri(alpha / 2))


def t_two_sided_p(t, df: float):
    return 2 * special.stdtr(df, -np.abs(t))


def t_crit(alpha: float, df: float) -> float:
    return float(special.stdtrit(df, 1 - alpha / 2))


def chi2_sf(x: float, df: float) -> float:
    return float(special.chdtrc(df, x))


def f_sf(x: float, df1: float, df2: float) -> float:
    return float(special.fdtrc(df1, df2, x))
