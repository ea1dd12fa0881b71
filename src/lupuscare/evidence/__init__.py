"""Meta-analysis engine: effect sizes → model → one result object, at parity with R metafor.

The verbs follow metafor's: :func:`escalc` computes effect sizes, :func:`rma` fits a model
(:func:`rma_mh` and :func:`rma_peto` for 2×2 tables), then :func:`leave1out`, :func:`cumul`,
:func:`influence`, :func:`regtest`, :func:`ranktest`, :func:`trimfill`, :func:`confint_tau2`,
:func:`subgroup` and :mod:`lupuscare.evidence.plots` work on the result. Pure Python on plain
inputs: no Django, no I/O.
"""

from __future__ import annotations

from lupuscare.evidence.bias import RankTest, RegTest, TrimFill, ranktest, regtest, trimfill
from lupuscare.evidence.effect_sizes import MEASURES, EffectSizes, escalc, escalc_frame
from lupuscare.evidence.errors import ConvergenceError
from lupuscare.evidence.estimators import METHODS
from lupuscare.evidence.heterogeneity import HeterogeneityCI, confint_tau2
from lupuscare.evidence.mantel_haenszel import rma_mh, rma_peto
from lupuscare.evidence.model import Coefficient, RMAResult, predict, rma
from lupuscare.evidence.prepost import CorrelationSensitivity, prepost_sensitivity
from lupuscare.evidence.sensitivity import Influence, SensitivityTable, cumul, influence, leave1out
from lupuscare.evidence.subgroup import SubgroupResult, subgroup

__all__ = [
    "MEASURES",
    "METHODS",
    "Coefficient",
    "ConvergenceError",
    "CorrelationSensitivity",
    "EffectSizes",
    "HeterogeneityCI",
    "Influence",
    "RMAResult",
    "RankTest",
    "RegTest",
    "SensitivityTable",
    "SubgroupResult",
    "TrimFill",
    "confint_tau2",
    "cumul",
    "escalc",
    "escalc_frame",
    "influence",
    "leave1out",
    "predict",
    "prepost_sensitivity",
    "ranktest",
    "regtest",
    "rma",
    "rma_mh",
    "rma_peto",
    "subgroup",
    "trimfill",
]
