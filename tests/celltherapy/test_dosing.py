import math

import pytest

from lupuscare.celltherapy.dosing import (
    DoseBasis,
    DoseRule,
    assess_delivered,
    bsa_mosteller,
    endotoxin_check,
    plan_dose,
    require_as_planned,
)
from lupuscare.errors import InputError


def test_mosteller_bsa():
    # sqrt(180 * 80 / 3600) = sqrt(4) = 2 exactly; 170 cm, 70 kg -> 1.8181
    assert bsa_mosteller(180, 80) == 2.0
    assert bsa_mosteller(170, 70) == pytest.approx(math.sqrt(170 * 70 / 3600))
    assert round(bsa_mosteller(170, 70), 4) == 1.8181
    with pytest.raises(InputError) as err:
        bsa_mosteller(17, 70)  # metres typed for centimetres
    assert err.value.field == "height_cm"


def test_per_kg_flat_and_per_m2_plans():
    assert plan_dose(DoseRule(DoseBasis.PER_KG, 1e6), weight_kg=70).target_total == 70e6
    assert plan_dose(DoseRule(DoseBasis.FLAT, 12.5e6)).target_total == 12.5e6
    plan = plan_dose(DoseRule(DoseBasis.PER_M2, 25, unit="mg"), weight_kg=80, height_cm=180)
    assert plan.bsa_m2 == 2.0 and plan.target_total == 50
    with pytest.raises(InputError) as err:
        plan_dose(DoseRule(DoseBasis.PER_KG, 1e6))
    assert err.value.field == "weight_kg"


PLAN = plan_dose(DoseRule(DoseBasis.PER_KG, 1e6, tolerance_pct=10), weight_kg=70)


@pytest.mark.parametrize("delivered,ok", [
    (77.0e6, True),    # +10.0%
    (77.07e6, False),  # +10.1%
    (63.0e6, True),    # -10.0%
    (62.93e6, False),  # -10.1%
    (70.0e6, True),
])
def test_tolerance_edges(delivered, ok):
    result = assess_delivered(PLAN, delivered)
    assert result.as_planned is ok
    if not ok:
        assert "tolerance ±10%" in result.reasons[0]


def test_tolerance_edge_with_inexact_weight():
    plan = plan_dose(DoseRule(DoseBasis.PER_KG, 1e6, tolerance_pct=10), weight_kg=62.3)
    assert assess_delivered(plan, plan.target_total * 1.1).as_planned
    assert not assess_delivered(plan, plan.target_total * 1.101).as_planned


def test_min_and_max_totals():
    plan = plan_dose(DoseRule(DoseBasis.FLAT, 100e6, tolerance_pct=50, min_total=75e6,
                              max_total=150e6))
    assert assess_delivered(plan, 75e6).as_planned
    assert "below the minimum" in assess_delivered(plan, 74.9e6).reasons[0]
    assert assess_delivered(plan, 150e6).as_planned
    over = assess_delivered(plan, 150.1e6)
    assert len(over.reasons) == 2 and "above the maximum" in over.reasons[1]


def test_require_as_planned_refuses_with_the_reason():
    with pytest.raises(InputError) as err:
        require_as_planned(PLAN, 80e6)
    assert err.value.field == "delivered_cells" and "+14.29%" in str(err.value)
    assert require_as_planned(PLAN, 70e6).deviation_pct == 0


def test_endotoxin_whole_dose_edge_5_eu_per_kg():
    ok = endotoxin_check(eu_per_ml=2.5, volume_ml=100, weight_kg=50, infusion_minutes=30)
    assert ok.eu_per_kg == 5.0 and ok.within and ok.limit_eu_per_kg == 5.0
    over = endotoxin_check(eu_per_ml=2.51, volume_ml=100, weight_kg=50, infusion_minutes=30)
    assert not over.within and "EU/kg delivered" in over.reasons[0]


def test_endotoxin_per_hour_for_long_infusions_and_intrathecal_k():
    slow = endotoxin_check(eu_per_ml=2.0, volume_ml=100, weight_kg=20, infusion_minutes=120)
    assert slow.eu_per_kg == 10 and slow.eu_per_kg_per_hour == 5
    assert not slow.within and len(slow.reasons) == 1  # whole dose over, hourly at limit
    it = endotoxin_check(eu_per_ml=0.1, volume_ml=10, weight_kg=5, infusion_minutes=5,
                         route="intrathecal")
    assert it.limit_eu_per_kg == 0.2 and it.within
    with pytest.raises(InputError) as err:
        endotoxin_check(eu_per_ml=0.1, volume_ml=10, weight_kg=5, infusion_minutes=5,
                        route="oral")
    assert err.value.field == "route"


def test_bad_inputs_name_their_field():
    with pytest.raises(InputError) as err:
        assess_delivered(PLAN, -1)
    assert err.value.field == "delivered_cells"
    with pytest.raises(InputError) as err:
        DoseRule(DoseBasis.PER_KG, 0)
    assert err.value.field == "dose_rule.target"
    with pytest.raises(InputError) as err:
        endotoxin_check(eu_per_ml=float("nan"), volume_ml=1, weight_kg=50, infusion_minutes=1)
    assert err.value.field == "eu_per_ml"
