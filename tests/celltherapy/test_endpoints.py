import pytest

from lupuscare.celltherapy.compare import Op
from lupuscare.celltherapy.endpoints import (
    GENERIC_RELAPSE,
    LUNAR_STYLE_RENAL,
    Condition,
    Level,
    Measure,
    Ruleset,
    evaluate_endpoint,
    evaluate_relapse,
)
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError

BASE = {"upcr_g_g": 2.0, "creatinine": 100.0}


def renal(**visit):
    return evaluate_endpoint(LUNAR_STYLE_RENAL, visit, BASE).result


def test_complete_renal_response_edges():
    assert renal(upcr_g_g=0.49, creatinine=115, active_sediment=0) == "complete"
    assert renal(upcr_g_g=0.5, creatinine=100, active_sediment=0) == "partial"
    assert renal(upcr_g_g=0.4, creatinine=115.1, active_sediment=0) == "none"


def test_partial_depends_on_baseline_upcr():
    assert renal(upcr_g_g=0.99, creatinine=100, active_sediment=1) == "partial"
    assert renal(upcr_g_g=1.0, creatinine=100, active_sediment=1) == "none"  # < 1 needed
    high = {"upcr_g_g": 6.0, "creatinine": 100.0}
    visit = {"upcr_g_g": 3.0, "creatinine": 100, "active_sediment": 1}
    assert evaluate_endpoint(LUNAR_STYLE_RENAL, visit, high).result == "partial"  # 50% fall, <= 3
    visit["upcr_g_g"] = 3.01
    assert evaluate_endpoint(LUNAR_STYLE_RENAL, visit, high).result == "none"


def test_missing_input_not_evaluable_and_named():
    result = evaluate_endpoint(LUNAR_STYLE_RENAL, {"upcr_g_g": 0.3}, BASE)
    assert result.result is None
    assert "visit.creatinine" in result.missing and "visit.active_sediment" in result.missing
    assert result.certainty is Certainty.RECALLED


def test_sledai_fall_rule_as_data():
    rules = Ruleset("example", "1", (
        Level("major", (Condition("sledai2k_total", Op.LE, 3),)),
        Level("partial", (Condition("sledai2k_total", Op.GE, 4, Measure.FALL),)),
    ), Source("test ruleset", Certainty.UNVERIFIED))
    assert evaluate_endpoint(rules, {"sledai2k_total": 3}, {"sledai2k_total": 12}).result == "major"
    assert evaluate_endpoint(rules, {"sledai2k_total": 8}, {"sledai2k_total": 12}).result == "partial"
    assert evaluate_endpoint(rules, {"sledai2k_total": 9}, {"sledai2k_total": 12}).result == "none"
    with pytest.raises(InputError) as err:
        evaluate_endpoint(rules, {"sledai2k_total": "high"}, {"sledai2k_total": 12})
    assert err.value.field == "visit.sledai2k_total"


def test_percent_of_zero_baseline_refused():
    with pytest.raises(InputError) as err:
        evaluate_endpoint(LUNAR_STYLE_RENAL, {"upcr_g_g": 0.1, "creatinine": 90,
                                              "active_sediment": 0},
                          {"upcr_g_g": 0.0, "creatinine": 0.0})
    assert err.value.field == "baseline.creatinine"


def test_relapse_only_after_prior_response():
    assert evaluate_relapse(GENERIC_RELAPSE, prior_response=False,
                            visit={"bilag_new_a": 1}).result == "not_applicable"
    assert evaluate_relapse(GENERIC_RELAPSE, prior_response=True,
                            visit={"bilag_new_a": 1, "bilag_new_b": 0}).result == "relapse"
    assert evaluate_relapse(GENERIC_RELAPSE, prior_response=True,
                            visit={"bilag_new_a": 0, "bilag_new_b": 2}).result == "relapse"
    assert evaluate_relapse(GENERIC_RELAPSE, prior_response=True,
                            visit={"bilag_new_a": 0, "bilag_new_b": 1}).result == "no_relapse"


def test_kamen_sri4_needs_the_week_20_taper():
    from lupuscare.celltherapy.endpoints import KAMEN2022_SRI4
    ok = {"sri4_responder": 1, "prednisone_mg_day_week20": 10}
    assert evaluate_endpoint(KAMEN2022_SRI4, ok).result == "responder"
    assert evaluate_endpoint(KAMEN2022_SRI4, dict(ok, prednisone_mg_day_week20=10.5)).result == \
        "non_responder"
    assert evaluate_endpoint(KAMEN2022_SRI4, dict(ok, sri4_responder=0)).result == "non_responder"


def test_paris_tolerance_grade_3_is_not_tolerated():
    from lupuscare.celltherapy.endpoints import PARIS_MSC_SLE_TOLERANCE
    assert evaluate_endpoint(PARIS_MSC_SLE_TOLERANCE, {"max_ctcae_grade": 2}).result == "tolerated"
    assert evaluate_endpoint(PARIS_MSC_SLE_TOLERANCE, {"max_ctcae_grade": 3}).result == \
        "not_tolerated"


def test_b_cell_aplasia_days():
    from datetime import date

    from lupuscare.celltherapy.endpoints import b_cell_aplasia_days
    day0 = date(2026, 1, 1)
    counts = [(date(2026, 4, 20), 5.0), (date(2026, 3, 1), 0.0), (date(2026, 4, 21), 4.9)]
    assert b_cell_aplasia_days(day0, counts, reconstitution_per_ul=5) == 109
    assert b_cell_aplasia_days(day0, counts, reconstitution_per_ul=5.1) is None
    with pytest.raises(InputError) as err:
        b_cell_aplasia_days(day0, [(date(2025, 12, 31), 1.0)], reconstitution_per_ul=5)
    assert err.value.field == "cd19_counts[0].date"


def test_active_sediment_and_the_taper_day_are_the_cores():
    from datetime import date

    from lupuscare.celltherapy.endpoints import active_sediment, taper_day

    assert active_sediment({"urinary_casts": 4}) == 1
    assert active_sediment({"hematuria": 4, "arthritis": 4}) == 1
    assert active_sediment({"pyuria": 0, "proteinuria": 4}) == 0  # proteinuria is not sediment
    assert active_sediment({}) == 0
    assert taper_day(date(2026, 1, 1)) == date(2026, 5, 21)  # 140 days: week 20
