"""Meta-analysis engine: effect sizes → model → one result object, at parity with R metafor.

The verbs follow metafor's: :func:`escalc` computes effect sizes, :func:`rma` fits a model
(:func:`rma_mh` and :func:`rma_peto` for 2×2 tables), then :func:`leave1out`, :func:`cumul`,
:func:`influence`, :func:`regtest`, :func:`ranktest`, :func:`trimfill`, :func:`confint_tau2`,
:func:`subgroup` and :mod:`lupuscare.evidence.plots` work on the result. Pure Python on plain
inputs: no Django, no I/O.

Names are loaded from their modules on first use (PEP 562), so ``import lupuscare.evidence``
stays cheap for a command-line run that needs one fit: the heavy dependencies (scipy.stats,
scipy.optimize, matplotlib, plotly) are imported only by the verbs that use them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "MEASURES": "effect_sizes",
    "METHODS": "estimators",
    "Coefficient": "model",
    "ConvergenceError": "errors",
    "CorrelationSensitivity": "prepost",
    "EffectSizes": "effect_sizes",
    "HeterogeneityCI": "heterogeneity",
    "Influence": "sensitivity",
    "ModelSpec": "model",
    "RMAResult": "model",
    "RankTest": "bias",
    "RegTest": "bias",
    "SensitivityTable": "sensitivity",
    "SubgroupResult": "subgroup",
    "TrimFill": "bias",
    "confint_tau2": "heterogeneity",
    "cumul": "sensitivity",
    "escalc": "effect_sizes",
    "escalc_frame": "effect_sizes",
    "influence": "sensitivity",
    "leave1out": "sensitivity",
    "predict": "model",
    "prepost_sensitivity": "prepost",
    "ranktest": "bias",
    "regtest": "bias",
    "rma": "model",
    "rma_mh": "mantel_haenszel",
    "rma_peto": "mantel_haenszel",
    "subgroup": "subgroup",
    "trimfill": "bias",
    "robust": "robust",
    "RobustResult": "robust",
    "lrt": "comparison",
    "wald": "comparison",
    "LikelihoodRatioTest": "comparison",
    "WaldTest": "comparison",
    "fsn": "failsafe",
    "tes": "failsafe",
    "FailSafeN": "failsafe",
    "ExcessSignificance": "failsafe",
    "rma_mv": "multilevel",
    "MultilevelResult": "multilevel",
    "selmodel": "selection",
    "SelectionModel": "selection",
    "permutest": "permutation",
    "PermutationTest": "permutation",
}

__all__ = [
    "Coefficient",
    "ConvergenceError",
    "CorrelationSensitivity",
    "EffectSizes",
    "ExcessSignificance",
    "FailSafeN",
    "HeterogeneityCI",
    "LikelihoodRatioTest",
    "Influence",
    "MEASURES",
    "METHODS",
    "ModelSpec",
    "MultilevelResult",
    "PermutationTest",
    "RMAResult",
    "RankTest",
    "RobustResult",
    "RegTest",
    "SelectionModel",
    "SensitivityTable",
    "SubgroupResult",
    "TrimFill",
    "WaldTest",
    "confint_tau2",
    "cumul",
    "escalc",
    "escalc_frame",
    "fsn",
    "influence",
    "leave1out",
    "lrt",
    "permutest",
    "predict",
    "prepost_sensitivity",
    "ranktest",
    "regtest",
    "rma",
    "rma_mh",
    "rma_mv",
    "rma_peto",
    "robust",
    "selmodel",
    "subgroup",
    "tes",
    "trimfill",
    "wald",
]
assert set(__all__) == set(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lupuscare.evidence' has no attribute {name!r}")
    value = getattr(import_module(f"lupuscare.evidence.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from lupuscare.evidence.bias import RankTest, RegTest, TrimFill, ranktest, regtest, trimfill
    from lupuscare.evidence.comparison import LikelihoodRatioTest, WaldTest, lrt, wald
    from lupuscare.evidence.effect_sizes import MEASURES, EffectSizes, escalc, escalc_frame
    from lupuscare.evidence.errors import ConvergenceError
    from lupuscare.evidence.estimators import METHODS
    from lupuscare.evidence.failsafe import ExcessSignificance, FailSafeN, fsn, tes
    from lupuscare.evidence.heterogeneity import HeterogeneityCI, confint_tau2
    from lupuscare.evidence.mantel_haenszel import rma_mh, rma_peto
    from lupuscare.evidence.model import Coefficient, ModelSpec, RMAResult, predict, rma
    from lupuscare.evidence.multilevel import MultilevelResult, rma_mv
    from lupuscare.evidence.permutation import PermutationTest, permutest
    from lupuscare.evidence.prepost import CorrelationSensitivity, prepost_sensitivity
    from lupuscare.evidence.robust import RobustResult, robust
    from lupuscare.evidence.selection import SelectionModel, selmodel
    from lupuscare.evidence.sensitivity import (
        Influence,
        SensitivityTable,
        cumul,
        influence,
        leave1out,
    )
    from lupuscare.evidence.subgroup import SubgroupResult, subgroup
