"""GRADE-style certainty of evidence, one rating per outcome, every downgrade with its reason.

Sources and how sure we are of them:
- Starting level by design (randomised trials start high; non-randomised and single-arm evidence
  starts low) and the five downgrade domains (risk of bias, inconsistency, indirectness,
  imprecision, publication bias), each by one or two levels, four final levels: GRADE Handbook /
  Guyatt et al., GRADE guidelines series, J Clin Epidemiol 2011. [recalled, not re-read here]
- Imprecision: GRADE guidelines 6 (Guyatt et al., J Clin Epidemiol 2011;64:1283-93): look first at
  the 95% CI; rate down if it includes no effect or appreciable benefit and harm (RR under 0.75 or
  over 1.25 as a rough guide), and compute an optimal information size (OIS: the patients an
  adequately powered single trial would need) when the CI alone looks reassuring. GRADE guidance
  34 (J Clin Epidemiol 2022;150:216-24): rate down more than one level when the CI appreciably
  crosses the threshold or the sample is far below the OIS. [seen: both abstracts]
- Publication bias rates down at most one level ("strongly suspected"). [recalled]
- Upgrading (large effect, dose-response, plausible confounding) is not modelled: no MSC-in-lupus
  body of evidence qualifies, and a tool that can upgrade invites misuse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy.stats import norm

from lupuscare.errors import InputError

LEVELS = ("very low", "low", "moderate", "high")
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
_MAX_DOWNGRADE = {
    "risk_of_bias": 2,
    "inconsistency": 2,
    "indirectness": 2,
    "imprecision": 2,
    "publication_bias": 1,
}
RANDOMISED = frozenset({"rct"})
NON_RANDOMISED = frozenset({"single_arm", "case_series", "cohort"})

# GRADE guidelines 6: a relative risk under 0.75 or over 1.25 is "appreciable" benefit or harm.
APPRECIABLE_RR = (0.75, 1.25)
# GRADE guidelines 6: the OIS uses alpha 0.05, power 0.80 and, for binary outcomes, a relative
# risk reduction of 25% unless a panel sets another.
OIS_ALPHA = 0.05
OIS_POWER = 0.80
OIS_RRR = 0.25


def starting_level(design: str) -> str:
    """Randomised evidence starts high; everything else (including single-arm series) starts low."""
    if design in RANDOMISED:
        return "high"
    if design in NON_RANDOMISED:
        return "low"
    raise InputError("design", f"no GRADE starting level for design {design!r}")


@dataclass(frozen=True)
class Downgrade:
    """A judgement in one domain: 0 (not serious), 1 (serious) or 2 (very serious), with why."""

    domain: str
    levels: int
    reason: str

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise InputError("domain", f"{self.domain!r} is not one of {', '.join(DOMAINS)}")
        if not 0 <= self.levels <= _MAX_DOWNGRADE[self.domain]:
            raise InputError(
                f"{self.domain}.levels", f"must be between 0 and {_MAX_DOWNGRADE[self.domain]}"
            )
        if not self.reason.strip():
            raise InputError(f"{self.domain}.reason", "every judgement needs its reason")


@dataclass(frozen=True)
class Certainty:
    outcome: str
    design: str
    start: str
    downgrades: tuple[Downgrade, ...]
    final: str
    summary: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_downgrade(self) -> int:
        return sum(d.levels for d in self.downgrades)

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "design": self.design,
            "start": self.start,
            "downgrades": [d.__dict__ for d in self.downgrades],
            "total_downgrade": self.total_downgrade,
            "final": self.final,
            "summary": self.summary,
            "notes": list(self.notes),
        }


def rate(
    outcome: str,
    design: str,
    downgrades: list[Downgrade] | tuple[Downgrade, ...],
    *,
    summary: str = "",
    notes: tuple[str, ...] = (),
) -> Certainty:
    """Start from the design's level, subtract the downgrades, never below "very low".

    Every domain must be judged exactly once (a zero with its reason counts), so a forgotten domain
    is an error rather than a silent "not serious".
    """
    domains = [d.domain for d in downgrades]
    missing = [d for d in DOMAINS if d not in domains]
    if missing:
        raise InputError("downgrades", f"judge every domain; missing {', '.join(missing)}")
    repeated = sorted({d for d in domains if domains.count(d) > 1})
    if repeated:
        raise InputError("downgrades", f"domain judged twice: {', '.join(repeated)}")
    start = starting_level(design)
    total = sum(d.levels for d in downgrades)
    final = LEVELS[max(0, LEVELS.index(start) - total)]
    ordered = tuple(sorted(downgrades, key=lambda d: DOMAINS.index(d.domain)))
    return Certainty(
        outcome=outcome,
        design=design,
        start=start,
        downgrades=ordered,
        final=final,
        summary=summary,
        notes=tuple(notes),
    )


def ois_dichotomous(
    control_risk: float, rrr: float = OIS_RRR, alpha: float = OIS_ALPHA, power: float = OIS_POWER
) -> int:
    """Total patients (both arms) for a two-arm trial to detect ``rrr`` at the given risk.

    Standard two-proportion normal-approximation sample size, rounded up per arm.
    """
    if not 0 < control_risk < 1:
        raise InputError("control_risk", "must lie strictly between 0 and 1")
    if not 0 < rrr < 1:
        raise InputError("rrr", "a relative risk reduction lies strictly between 0 and 1")
    p1, p2 = control_risk, control_risk * (1 - rrr)
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    per_arm = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    return 2 * math.ceil(per_arm)


def ois_continuous(
    delta: float, sd: float, alpha: float = OIS_ALPHA, power: float = OIS_POWER
) -> int:
    """Total patients (both arms) to detect a mean difference ``delta`` with common SD ``sd``."""
    if delta == 0 or not math.isfinite(delta):
        raise InputError("delta", "the difference to detect must be finite and non-zero")
    if sd <= 0:
        raise InputError("sd", "must be positive")
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    per_arm = 2 * z**2 * sd**2 / delta**2
    return 2 * math.ceil(per_arm)


def imprecision(
    ci_lb: float,
    ci_ub: float,
    *,
    null: float,
    total_n: int,
    ois: int,
    appreciable: tuple[float, float] | None = None,
    what: str = "",
) -> Downgrade:
    """GRADE imprecision from the 95% CI and the optimal information size.

    One level for each of: the CI includes no effect (a limit exactly at ``null`` counts as
    including it); fewer patients than the OIS. Two levels (the most) when both hold, or when the
    CI spans both appreciable benefit and appreciable harm (``appreciable`` = (low, high) limits on
    the effect's own scale, e.g. ``APPRECIABLE_RR`` for ratios).
    """
    if ci_lb > ci_ub:
        raise InputError("ci_lb", "the lower limit exceeds the upper limit")
    if total_n < 0 or ois <= 0:
        raise InputError("total_n", "sample sizes must be non-negative and the OIS positive")
    includes_null = ci_lb <= null <= ci_ub
    below_ois = total_n < ois
    both_ways = appreciable is not None and ci_lb < appreciable[0] and ci_ub > appreciable[1]
    reasons = []
    if includes_null:
        reasons.append(f"the 95% CI ({ci_lb:.3g} to {ci_ub:.3g}) includes no effect ({null:g})")
    if both_ways:
        reasons.append("it spans both appreciable benefit and appreciable harm")
    if below_ois:
        reasons.append(f"{total_n} patients, fewer than the optimal information size of {ois}")
    levels = 2 if both_ways else min(2, int(includes_null) + int(below_ois))
    if not reasons:
        reasons.append(
            f"the 95% CI excludes no effect and {total_n} patients meet the OIS of {ois}"
        )
    prefix = f"{what}: " if what else ""
    return Downgrade("imprecision", levels, prefix + "; ".join(reasons))
