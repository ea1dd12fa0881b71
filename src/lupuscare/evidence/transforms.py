"""Back-transformations of pooled results to the scale readers understand.

Freeman–Tukey double arcsine (measure PFT): Miller's (1978) inversion, "The inverse of the
Freeman–Tukey double arcsine transformation", Am Stat 32:138. A pooled value has no single
sample size, so metafor's ``transf.ipft.hm`` uses the harmonic mean of the studies' nᵢ; values
beyond the transformation of 0 or 1 at that n are clamped to 0 or 1, as metafor does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lupuscare.errors import InputError


def pft(p: Any, n: Any) -> np.ndarray:
    """Freeman–Tukey transform of a proportion p with sample size n (metafor's scale: ½·sum)."""
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def ipft(z: Any, n: Any) -> np.ndarray:
    """Miller's inverse: the proportion whose Freeman–Tukey transform at sample size n is z."""
    z, n = np.asarray(z, dtype=float), np.asarray(n, dtype=float)
    s = np.sin(2 * z)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = 1 - (s + (s - 1 / s) / n) ** 2
        p = 0.5 * (1 - np.sign(np.cos(2 * z)) * np.sqrt(inner))
    p = np.where(z > pft(1.0, n), 1.0, p)
    p = np.where(z < pft(0.0, n), 0.0, p)
    if np.any(~np.isfinite(p)):
        raise InputError("z", "the Freeman-Tukey value cannot be back-transformed at this n")
    return p


def harmonic_mean(ni: Any) -> float:
    n = np.asarray(ni, dtype=float).reshape(-1)
    if n.size == 0 or np.any(n <= 0):
        raise InputError("ni", "the harmonic mean needs positive sample sizes")
    return float(1 / np.mean(1 / n))


def ipft_hm(z: Any, ni: Any) -> np.ndarray:
    """Back-transform pooled Freeman–Tukey values with the harmonic mean of the nᵢ (metafor
    ``transf.ipft.hm``)."""
    return ipft(z, harmonic_mean(ni))
