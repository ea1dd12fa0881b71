"""Plain-language wording: the example sentence, and never the word "cause"."""

from __future__ import annotations

import pytest

from lupuscare.demo.diary import PlantedEffect
from lupuscare.insights import wording
from lupuscare.insights.estimate import Estimate
from lupuscare.insights.hypotheses import HIGH_STRESS, HYPOTHESES, Hypothesis
from lupuscare.insights.validation import run_patient

STRESS_JOINT_LAG_1_2 = Hypothesis("stress", "joint_pain", HIGH_STRESS, 1, 2, "high-stress days")


def est(h: Hypothesis, effect: float, low: float, high: float, **kw) -> Estimate:
    kw.setdefault("status", "estimated")
    return Estimate(hypothesis=h, n_exposed=20, n_unexposed=60, completeness=0.8,
                    effect=effect, ci_low=low, ci_high=high, p_value=0.001, **kw)


def test_the_example_sentence():
    text = wording.went_together(est(STRESS_JOINT_LAG_1_2, 0.8, 0.2, 1.4))
    assert text == ("Joint pain was on average 0.8 points higher (0.2 to 1.4) in the 2 days after "
                    "high-stress days, compared with other days. This shows only that they went "
                    "together, not why.")


@pytest.mark.parametrize(("a", "b", "phrase"), [
    (0, 0, "on high-stress days"),
    (0, 1, "on high-stress days and the next day"),
    (0, 3, "on high-stress days and the next 3 days"),
    (1, 1, "on the day after high-stress days"),
    (2, 4, "from 2 to 4 days after high-stress days"),
])
def test_window_phrases(a, b, phrase):
    assert wording.window_phrase(Hypothesis("stress", "joint_pain", HIGH_STRESS, a, b, "high-stress days")) == phrase


def test_one_point_is_singular_and_lower_is_lower():
    assert "1.0 point lower" in wording.went_together(est(STRESS_JOINT_LAG_1_2, -1.0, -1.6, -0.4))


def _all_messages() -> list[str]:
    msgs = []
    for h in HYPOTHESES:
        msgs.append(wording.went_together(est(h, 1.2, 0.3, 2.1)))
        msgs.append(wording.went_together(est(h, -0.4, -0.7, -0.1)))
        msgs.append(wording.no_clear_pattern(est(h, 0.1, -0.5, 0.7)))
        for reason in ("completeness", "exposed_days", "unexposed_days", "symptom_never_changed",
                       "too_few_days_for_model"):
            msgs.append(wording.not_enough_data(est(h, 0, 0, 0, reason=reason)))
        msgs.append(wording.inseparable(est(h, 0, 0, 0), ("overwork", "sun_hours")))
    for seed in range(3):
        report = run_patient(seed, 120, [PlantedEffect("stress", "fatigue", 0, 2.5)], 0.8)
        msgs += [i.message for i in report.insights]
    return msgs


def test_wording_never_says_cause():
    messages = _all_messages()
    assert len(messages) > 70
    for m in messages:
        assert "cause" not in m.lower(), m
        assert "nan" not in m.lower().split(), m
