"""GRADE logic at its rules: starting level by design, downgrades, imprecision thresholds, OIS."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from lupuscare.errors import InputError
from lupuscare.evidence.lupus import certainty as g


def _all(levels: dict[str, int] | None = None) -> list[g.Downgrade]:
    levels = levels or {}
    return [g.Downgrade(d, levels.get(d, 0), f"judged {d}") for d in g.DOMAINS]


def test_randomised_starts_high_and_single_arm_starts_low():
    assert g.starting_level("rct") == "high"
    for design in ("single_arm", "case_series", "cohort"):
        assert g.starting_level(design) == "low"
    with pytest.raises(InputError):
        g.starting_level("meta_analysis")


def test_no_downgrade_keeps_the_starting_level():
    assert g.rate("x", "rct", _all()).final == "high"
    assert g.rate("x", "single_arm", _all()).final == "low"


@pytest.mark.parametrize(
    ("total", "expected"), [(1, "moderate"), (2, "low"), (3, "very low"), (5, "very low")]
)
def test_each_level_of_downgrade_from_high(total, expected):
    levels = {
        "risk_of_bias": min(total, 2),
        "imprecision": min(max(total - 2, 0), 2),
        "publication_bias": 1 if total > 4 else 0,
    }
    assert sum(levels.values()) == total
    assert g.rate("x", "rct", _all(levels)).final == expected


def test_single_arm_with_one_downgrade_is_very_low_and_never_lower():
    assert g.rate("x", "single_arm", _all({"risk_of_bias": 1})).final == "very low"
    assert (
        g.rate("x", "single_arm", _all({"risk_of_bias": 2, "imprecision": 2})).final == "very low"
    )


def test_every_domain_must_be_judged_once_with_a_reason():
    with pytest.raises(InputError, match="missing publication_bias"):
        g.rate("x", "rct", _all()[:-1])
    with pytest.raises(InputError, match="twice"):
        g.rate("x", "rct", [*_all(), g.Downgrade("imprecision", 1, "again")])
    with pytest.raises(InputError):
        g.Downgrade("imprecision", 1, "  ")
    with pytest.raises(InputError):
        g.Downgrade("imprecision", 3, "too much")
    with pytest.raises(InputError):
        g.Downgrade("publication_bias", 2, "publication bias rates down at most one level")


def test_imprecision_ci_crossing_no_effect():
    # OIS met (n == OIS, the boundary): only the CI matters.
    assert g.imprecision(0.80, 0.95, null=1.0, total_n=500, ois=500).levels == 0
    assert (
        g.imprecision(0.80, 1.00, null=1.0, total_n=500, ois=500).levels == 1
    )  # limit on 1 counts
    assert g.imprecision(0.80, 1.01, null=1.0, total_n=500, ois=500).levels == 1


def test_imprecision_below_the_optimal_information_size():
    assert g.imprecision(0.5, 0.7, null=1.0, total_n=500, ois=500).levels == 0
    assert g.imprecision(0.5, 0.7, null=1.0, total_n=499, ois=500).levels == 1
    both = g.imprecision(0.5, 1.2, null=1.0, total_n=18, ois=500)
    assert both.levels == 2
    assert "includes no effect" in both.reason and "18 patients" in both.reason


def test_imprecision_appreciable_benefit_and_harm_rates_down_two():
    # GRADE 6: RR under 0.75 and over 1.25 both inside the CI.
    assert (
        g.imprecision(
            0.74, 1.26, null=1.0, total_n=5000, ois=500, appreciable=g.APPRECIABLE_RR
        ).levels
        == 2
    )
    assert (
        g.imprecision(
            0.75, 1.26, null=1.0, total_n=5000, ois=500, appreciable=g.APPRECIABLE_RR
        ).levels
        == 1
    )


def test_ois_dichotomous_against_hand_computation():
    # control risk 20%, RRR 25% -> 15%; alpha 0.05, power 0.80.
    z = norm.ppf(0.975) + norm.ppf(0.80)
    per_arm = z**2 * (0.2 * 0.8 + 0.15 * 0.85) / 0.05**2
    assert per_arm == pytest.approx(902.62, abs=0.01)  # 7.8489 * 0.2875 / 0.0025
    assert g.ois_dichotomous(0.20) == 2 * math.ceil(per_arm) == 1806


def test_ois_continuous_against_hand_computation():
    # SMD 0.5: 2 * (1.96 + 0.8416)^2 / 0.25 = 62.79 per arm -> 63 -> 126 in total.
    assert g.ois_continuous(0.5, 1.0) == 126
    with pytest.raises(InputError):
        g.ois_continuous(0.0, 1.0)
    with pytest.raises(InputError):
        g.ois_dichotomous(0.0)
