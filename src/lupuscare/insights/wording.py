"""Plain-language sentences for each insight.

Rules (patient-tracking.md 4.2): say "went together with", never that one thing brings on another;
give the size of the difference with its range; say "not enough information yet" with the reason;
show completeness. No sentence here may contain the word "cause" (nor "because"): a test checks it.
"""

from __future__ import annotations

from lupuscare.clinical.diary import SYMPTOMS, TRIGGERS
from lupuscare.insights.estimate import (
    MIN_COMPLETENESS,
    MIN_EXPOSED_DAYS,
    MIN_UNEXPOSED_DAYS,
    Estimate,
)
from lupuscare.insights.hypotheses import Hypothesis

CAVEAT = "This shows only that they went together, not why."


def symptom_name(h: Hypothesis) -> str:
    return SYMPTOMS[h.symptom].split(" (")[0]


def trigger_name(trigger: str) -> str:
    return TRIGGERS[trigger].label.split(" (")[0].lower()


def window_phrase(h: Hypothesis) -> str:
    """Where the outcome was measured, relative to the exposed days."""
    a, b, what = h.lag_start, h.lag_end, h.exposed_label
    if a == 0 and b == 0:
        return f"on {what}"
    if a == 0:
        after = "the next day" if b == 1 else f"the next {b} days"
        return f"on {what} and {after}"
    if a == 1:
        return f"on the day after {what}" if b == 1 else f"in the {b} days after {what}"
    return f"from {a} to {b} days after {what}"


def _points(x: float) -> str:
    return f"{abs(x):.1f} point" + ("" if round(abs(x), 1) == 1.0 else "s")


def _range(e: Estimate) -> str:
    return f"{e.ci_low:.1f} to {e.ci_high:.1f}"


def went_together(e: Estimate) -> str:
    h = e.hypothesis
    direction = "higher" if e.effect > 0 else "lower"
    return (f"{symptom_name(h)} was on average {_points(e.effect)} {direction} ({_range(e)}) "
            f"{window_phrase(h)}, compared with other days. {CAVEAT}")


def no_clear_pattern(e: Estimate) -> str:
    h = e.hypothesis
    return (f"No clear pattern yet between {trigger_name(h.trigger)} and "
            f"{symptom_name(h).lower()}: the difference {window_phrase(h)} was "
            f"{e.effect:+.1f} points ({_range(e)}), which could easily be chance.")


def not_enough_data(e: Estimate) -> str:
    h = e.hypothesis
    head = f"Not enough information yet about {trigger_name(h.trigger)} and {symptom_name(h).lower()}: "
    if e.reason == "completeness":
        return head + (f"the diary has both on {e.completeness:.0%} of days "
                       f"(at least {MIN_COMPLETENESS:.0%} needed).")
    if e.reason == "exposed_days":
        return head + f"only {e.n_exposed} {h.exposed_label} logged so far (at least {MIN_EXPOSED_DAYS} needed)."
    if e.reason == "unexposed_days":
        return head + (f"only {e.n_unexposed} days without them logged so far "
                       f"(at least {MIN_UNEXPOSED_DAYS} needed).")
    if e.reason == "symptom_never_changed":
        return head + "the symptom did not change over these days."
    return head + "too few complete days to compare."


def inseparable(e: Estimate, others: tuple[str, ...]) -> str:
    names = ", ".join(trigger_name(t) for t in others)
    return (f"{trigger_name(e.hypothesis.trigger).capitalize()} and {names} went together in the diary "
            "(they mostly happened on the same days), so we can't tell them apart.")
