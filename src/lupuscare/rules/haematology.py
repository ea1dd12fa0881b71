"""New cytopenias, at the same thresholds the lab -> finding derivation uses (one source of truth:
``lupuscare.clinical.labs``, SLEDAI-2K glossary: platelets < 100 x 10^9/L, leukocytes
< 3 x 10^9/L)."""

from __future__ import annotations

from fractions import Fraction

from lupuscare.clinical.labs import LEUKOPENIA_BELOW, THROMBOCYTOPENIA_BELOW
from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import PatientContext

CYTOPENIA_CITATION = (
    "Thresholds of the SLEDAI-2K glossary (Gladman DD et al. J Rheumatol 2002;29:288-91) as used "
    "by lupuscare.clinical.labs"
)


def _new_below(ctx: PatientContext, test: str, below: Fraction, code: str, name: str) -> Alert | None:
    history = ctx.lab_history(test)
    if not history or not history[-1].value < below:
        return None
    latest = history[-1]
    previous = history[-2] if len(history) > 1 else None
    if previous is not None and previous.value < below:
        return None  # known, not new
    before = ("no earlier result" if previous is None
              else f"previous {previous.value:g} on {previous.date.isoformat()}")
    return Alert(
        code=code,
        severity="warning",
        message=(f"New {name}: {test} {latest.value:g} × 10⁹/L on {latest.date.isoformat()} "
                 f"(below {float(below):g}; {before}). Repeat the count and look for lupus activity, "
                 "drug toxicity or infection."),
        evidence={"test": test, "value": latest.value, "date": latest.date,
                  "threshold_below": float(below),
                  "previous_value": previous.value if previous else None,
                  "previous_date": previous.date if previous else None},
        citation=CYTOPENIA_CITATION,
        certainty="recalled",
    )


def rule_new_thrombocytopenia(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _new_below(ctx, "platelets", THROMBOCYTOPENIA_BELOW, "new_thrombocytopenia", "thrombocytopenia")


def rule_new_leukopenia(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _new_below(ctx, "wbc", LEUKOPENIA_BELOW, "new_leukopenia", "leukopenia")
