"""Subgroup analysis: a separate model per subgroup and a test of subgroup differences.

Each subgroup gets its own fit (own τ², as in metafor with ``subset=``, and as R ``meta``'s
default for random-effects subgroups). The test of differences treats the subgroup estimates as
fixed effects: Q_between = Σ wg (bg − b̄)², wg = 1/SEg², on G − 1 degrees of freedom (Borenstein
et al. 2009, ch. 19; the "separate τ²" variant). Subgroups with a single study are fitted by the
equal-effects model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lupuscare.errors import InputError
from lupuscare.evidence import distributions as dist
from lupuscare.evidence.effect_sizes import EffectSizes
from lupuscare.evidence.model import RMAResult, _jsonable, rma


@dataclass(frozen=True)
class SubgroupResult:
    groups: tuple[str, ...]
    fits: tuple[RMAResult, ...]
    Q_between: float
    df: int
    pval: float

    def __getitem__(self, group: str) -> RMAResult:
        return self.fits[self.groups.index(group)]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({
            "groups": {g: f.to_dict() for g, f in zip(self.groups, self.fits, strict=True)},
            "test_of_differences": {"Q": self.Q_between, "df": self.df, "pval": self.pval},
        })  # fmt: skip


def subgroup(
    yi: Any,
    vi: Any = None,
    groups: Sequence[Any] | None = None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    labels: Sequence[str] | None = None,
) -> SubgroupResult:
    """Fit the model within each subgroup (in order of first appearance) and compare them."""
    if isinstance(yi, EffectSizes):
        y, v, measure, labels = yi.yi, yi.vi, yi.measure, labels or yi.labels
    else:
        y = np.asarray(yi, dtype=float).reshape(-1)
        v = np.asarray(vi, dtype=float).reshape(-1)
        measure = "GEN"
    if groups is None:
        raise InputError("groups", "a subgroup label per study is required")
    g = [str(x) for x in groups]
    if len(g) != y.size:
        raise InputError("groups", f"has {len(g)} values, expected {y.size}")
    names = tuple(dict.fromkeys(g))
    if len(names) < 2:
        raise InputError("groups", "at least two subgroups are needed")
    fits = []
    for name in names:
        mask = np.array([x == name for x in g])
        sub_labels = [lab for lab, m in zip(labels, mask, strict=True) if m] if labels else None
        sub_method = method if mask.sum() >= 2 else "EE"
        fits.append(
            rma(
                y[mask],
                v[mask],
                method=sub_method,
                test=test if mask.sum() >= 2 else "z",
                level=level,
                labels=sub_labels,
                measure=measure,
            )  # fmt: skip
        )
    b = np.array([f.estimate for f in fits])
    w = 1 / np.array([f.se for f in fits]) ** 2
    mean = np.sum(w * b) / w.sum()
    Q = float(np.sum(w * (b - mean) ** 2))
    df = len(names) - 1
    return SubgroupResult(names, tuple(fits), Q, df, dist.chi2_sf(Q, df))
