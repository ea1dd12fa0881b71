"""Single-arm pre–post analyses when the pre–post correlation is not reported.

Most single-arm studies (typical of MSC trials in lupus) report means and SDs at baseline and
follow-up but not the correlation between them, and the variance of a change score depends on
it. No value is assumed silently: the caller states ``ri``, or runs the analysis over a grid of
correlations and reports how much the conclusion moves (the Cochrane Handbook, v6 §6.5.2.8 —
section number recalled, not re-checked — suggests imputing a correlation and checking the
sensitivity of the result to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lupuscare.errors import InputError
from lupuscare.evidence.effect_sizes import PRE_POST, escalc
from lupuscare.evidence.model import RMAResult, _jsonable, rma

DEFAULT_GRID = (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 0.9)


@dataclass(frozen=True)
class CorrelationSensitivity:
    correlations: tuple[float, ...]
    fits: tuple[RMAResult, ...]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"ri": r, "estimate": f.estimate, "se": f.se, "ci_lb": f.ci_lb, "ci_ub": f.ci_ub,
             "pval": f.pval, "tau2": f.tau2, "I2": f.I2, "pi_lb": f.pi_lb, "pi_ub": f.pi_ub}
            for r, f in zip(self.correlations, self.fits, strict=True)
        ]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({"rows": self.rows()})


def prepost_sensitivity(
    measure: str,
    correlations: Sequence[float] = DEFAULT_GRID,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    labels: Sequence[str] | None = None,
    **columns: Any,
) -> CorrelationSensitivity:
    """Run ``escalc`` + ``rma`` for each assumed pre–post correlation in ``correlations``."""
    measure = measure.upper()
    if measure not in PRE_POST:
        raise InputError("measure", f"one of {', '.join(PRE_POST)}")
    if "ri" in columns:
        raise InputError("ri", "give the grid in 'correlations', not a fixed ri")
    grid = tuple(float(r) for r in correlations)
    if not grid:
        raise InputError("correlations", "at least one correlation is needed")
    fits = []
    for r in grid:
        es = escalc(measure, ri=r, labels=labels, **columns)
        fits.append(rma(es, method=method, test=test, level=level))
    return CorrelationSensitivity(grid, tuple(fits))
