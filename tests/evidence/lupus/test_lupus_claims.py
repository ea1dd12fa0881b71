"""The Liu 2018 claims: what is claimed, what can be recomputed, what cannot."""

from __future__ import annotations

import pytest

from lupuscare.evidence.lupus import claims
from lupuscare.evidence.lupus.dataset import load


@pytest.fixture(scope="module")
def audit():
    return claims.audit(load())


def test_claimed_numbers_come_from_the_dataset(audit):
    pooled = {c["key"]: c for c in audit["pooled_claims"]}
    assert set(pooled) == {"sledai", "proteinuria_24h", "c3"}
    assert pooled["sledai"]["smd"] == -1.76
    assert audit["counts"] == {
        "included_studies": 8,
        "included_patients": 213,
        "included_rcts": 3,
        "rct_patients": 66,
        "studies_reporting_adverse_events": 4,
    }


def test_study_list_and_rcts_are_not_reproducible(audit):
    checks = {c["claim"]: c for c in audit["checks"]}
    assert checks["8 studies, 213 patients"]["status"] == claims.NOT_REPRODUCIBLE
    rct = checks["3 randomised trials with 66 patients"]
    assert rct["status"] == claims.NOT_REPRODUCIBLE and "other 48" in rct["recomputed"]


def test_implied_standard_error_and_sample_size():
    # SLEDAI: (-1.51 - -2.00) / (2 * 1.959964) = 0.1250
    se = claims.implied_se(-2.00, -1.51)
    assert se == pytest.approx(0.49 / 3.919928, rel=1e-6)
    # n = (2 + d^2 / 4) / se^2 = (2 + 0.7744) / 0.015625... = 177.6
    assert claims.implied_n_per_group(-1.76, se) == pytest.approx((2 + 1.76**2 / 4) / se**2)
    assert round(claims.implied_n_per_group(-1.76, se)) == 178


def test_symmetric_claims_are_consistent_and_asymmetric_would_be_flagged(audit):
    smd_checks = [
        c for c in audit["checks"] if c["claim"].startswith(("SLE disease", "24-h", "complement"))
    ]
    assert len(smd_checks) == 3 and all(c["status"] == claims.CONSISTENT for c in smd_checks)


def test_zhou_adverse_event_odds_ratio_is_not_reproducible_from_seen_counts(audit):
    zhou = next(c for c in audit["checks"] if c["claim"].startswith("Zhou 2020"))
    assert zhou["status"] == claims.NOT_REPRODUCIBLE
    assert "OR 0.40" in zhou["recomputed"]  # (2 x 4) / (10 x 2) from Deng's 2/12 vs 2/6


def test_candidates_are_labelled_as_an_inference(audit):
    assert "not seen" in audit["candidates_caveat"]
    nanjing = [c for c in audit["candidates"] if c["cohort"] == "nanjing-drumtower"]
    assert len(nanjing) >= 5
    assert audit["overlap"][0]["naive_total"] > audit["overlap"][0]["largest_report"]
