"""Meta-analysis engine: effect sizes → model → one result object, at parity with R metafor.

The verbs follow metafor's: :func:`escalc` computes effect sizes, :func:`rma` fits a model,
then :func:`leave1out`, :func:`cumul`, :func:`influence`, :func:`regtest`, :func:`ranktest`,
:func:`trimfill`, :func:`confint_tau2` and :mod:`lupuscare.evidence.plots` work on the result.
Pure Python on plain inputs: no Django, no I/O.
"""

from __future__ import annotations

from lupuscare.evidence.effect_sizes import EffectSizes, escalc, escalc_frame
from lupuscare.evidence.errors import ConvergenceError
from lupuscare.evidence.model import Coefficient, RMAResult, predict, rma

__all__ = [
    "Coefficient",
    "ConvergenceError",
    "EffectSizes",
    "RMAResult",
    "escalc",
    "escalc_frame",
    "predict",
    "rma",
]
