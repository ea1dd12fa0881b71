"""Prednisone equivalents (FDA prednisolone label ratios) and the daily total."""

from __future__ import annotations

import pytest

from lupuscare.clinical.glucocorticoids import (
    daily_prednisone_equivalent,
    prednisone_equivalent_mg,
    pulses,
)
from lupuscare.clinical.hydroxychloroquine import mg_per_kg_day
from lupuscare.errors import InputError


# Label row: 15 mg prednisolone = prednisone 15 = methylprednisolone 12 = triamcinolone 12 =
# hydrocortisone 60 = cortisone 75 = dexamethasone 2.25 = betamethasone 2.25.
@pytest.mark.parametrize(("drug", "dose"), [
    ("prednisone", 15), ("prednisolone", 15), ("methylprednisolone", 12), ("triamcinolone", 12),
    ("hydrocortisone", 60), ("cortisone", 75), ("dexamethasone", 2.25), ("betamethasone", 2.25),
    ("deflazacort", 18),
])
def test_label_equivalence_row(drug, dose):
    assert prednisone_equivalent_mg(drug, dose) == pytest.approx(15, abs=1e-12)


def test_betamethasone_alternative_is_configurable_and_checked():
    assert prednisone_equivalent_mg("betamethasone", 0.6, betamethasone_mg_per_5mg_prednisone=0.6) == 5
    with pytest.raises(InputError) as e:
        prednisone_equivalent_mg("betamethasone", 1, betamethasone_mg_per_5mg_prednisone=0.5)
    assert e.value.field == "betamethasone_mg_per_5mg_prednisone"


def test_non_glucocorticoid_and_bad_dose_are_rejected():
    with pytest.raises(InputError) as e:
        prednisone_equivalent_mg("hydroxychloroquine", 200)
    assert e.value.field == "drug"
    with pytest.raises(InputError):
        prednisone_equivalent_mg("prednisone", -1)
    with pytest.raises(InputError):
        prednisone_equivalent_mg("prednisone", float("nan"))


def test_daily_total_excludes_pulses_non_systemic_routes_and_other_drugs():
    meds = [
        {"drug": "prednisone", "daily_dose_mg": 5},
        {"drug": "methylprednisolone", "daily_dose_mg": 4},
        {"drug": "methylprednisolone", "daily_dose_mg": 500, "pulse": True},
        {"drug": "budesonide", "daily_dose_mg": 9},
        {"drug": "triamcinolone", "daily_dose_mg": 40, "route": "intra_articular"},
        {"drug": "hydroxychloroquine", "daily_dose_mg": 400},
    ]
    assert daily_prednisone_equivalent(meds) == 10
    assert [m["daily_dose_mg"] for m in pulses(meds)] == [500]
    assert daily_prednisone_equivalent([]) == 0


def test_daily_total_names_the_medication_index_on_error():
    with pytest.raises(InputError) as e:
        daily_prednisone_equivalent([{"drug": "prednisone", "daily_dose_mg": 5},
                                     {"drug": "prednisone", "daily_dose_mg": -2}])
    assert e.value.field == "medications[1].daily_dose_mg"


def test_hcq_mg_per_kg_uses_actual_weight():
    assert mg_per_kg_day(400, 60) == pytest.approx(6.6667, abs=1e-4)
    assert mg_per_kg_day(300, 60) == 5.0
    assert mg_per_kg_day(2100 / 7, 60) == 5.0  # weekly schedule averaged first
    with pytest.raises(InputError) as e:
        mg_per_kg_day(400, 0)
    assert e.value.field == "weight_kg"
    with pytest.raises(InputError):
        mg_per_kg_day(-1, 60)
