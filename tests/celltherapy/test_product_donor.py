from datetime import UTC, datetime

import pytest

from lupuscare.celltherapy.custody import TemperatureRange
from lupuscare.celltherapy.donor import DONOR_PANEL, donor_eligibility
from lupuscare.celltherapy.dosing import DoseBasis, DoseRule
from lupuscare.celltherapy.lot import Lot, LotStatus, LotTransitionError, positive_final_culture
from lupuscare.celltherapy.product import ProductDefinition, car_t_release_spec
from lupuscare.celltherapy.regulatory import Modality
from lupuscare.celltherapy.release import (
    ProductSource,
    QcResult,
    evaluate_release,
    msc_release_spec,
)
from lupuscare.errors import InputError

LN2 = TemperatureRange("LN2 vapour", -196, -150)


def uc_msc(**changes):
    base = dict(name="UC-MSC", modality=Modality.MSC, source=ProductSource.UMBILICAL_CORD,
                manufacturer="Cell lab", release_spec=msc_release_spec("UC-MSC", "1"),
                dose_rule=DoseRule(DoseBasis.PER_KG, 1e6), storage=LN2, max_passage=5,
                max_population_doublings=20)
    base.update(changes)
    return ProductDefinition(**base)


def test_modality_and_source_must_agree():
    with pytest.raises(InputError) as err:
        uc_msc(source=ProductSource.AUTOLOGOUS_T_CELL_CAR)
    assert err.value.field == "product.source"
    with pytest.raises(InputError):
        uc_msc(modality=Modality.CAR_T)


def test_passage_and_doubling_limits_join_the_release_spec():
    spec = uc_msc().full_spec()
    base = {line.attribute for line in msc_release_spec("UC-MSC", "1").lines}
    assert {line.attribute for line in spec.lines} - base == {"passage", "population_doublings"}
    ev = evaluate_release(spec, "L1", [QcResult("passage", 5, "a"),
                                       QcResult("population_doublings", 20.5, "a")])
    assert "population_doublings" in ev.failed and "passage" not in ev.failed


def test_car_t_spec_needs_product_limits_and_checks_them():
    spec = car_t_release_spec("CD19 CAR-T", "1", car_positive_min_pct=20, viability_min_pct=80,
                              vcn_max_copies_per_cell=5)
    results = [QcResult("car_positive", 20, "a"), QcResult("viability", 80, "a"),
               QcResult("vector_copy_number", 5.1, "a"), QcResult("sterility", "no growth", "a"),
               QcResult("endotoxin", 0.1, "a"), QcResult("mycoplasma", "negative", "a"),
               QcResult("rcl", "not detected", "a")]
    ev = evaluate_release(spec, "C1", results)
    assert ev.failed == ("vector_copy_number",)
    with pytest.raises(TypeError):
        car_t_release_spec("x", "1")  # no silent defaults for product-specific limits


def test_donor_panel_all_negative():
    negative = {t: "negative" for t in DONOR_PANEL}
    assert donor_eligibility(ProductSource.UMBILICAL_CORD, negative).eligible
    reactive = dict(negative, anti_hbc="reactive")
    result = donor_eligibility(ProductSource.ALLOGENEIC_BM, reactive)
    assert not result.eligible and result.reactive == ("anti_hbc",)
    del negative["nat_hcv"]
    assert donor_eligibility(ProductSource.WHARTONS_JELLY, negative).missing == ("nat_hcv",)
    assert donor_eligibility(ProductSource.AUTOLOGOUS_BM, {}).eligible


def test_positive_final_culture_after_pending_release():
    from lupuscare.celltherapy.lot import LotEvent
    t = datetime(2026, 5, 1, tzinfo=UTC)
    history = (LotEvent(LotStatus.IN_TESTING, LotStatus.RELEASED_PENDING_FINAL_STERILITY, "QA", t),)
    given = Lot("L1", "UC-MSC", "NJU-2026-000017-E", LotStatus.DISPENSED, history)
    notice = positive_final_culture(given, "S. epidermidis")
    assert "patient" in notice.notify and "already given" in notice.action
    stock = Lot("L1", "UC-MSC", "NJU-2026-000017-E",
                LotStatus.RELEASED_PENDING_FINAL_STERILITY, history)
    assert "reject the lot" in positive_final_culture(stock, "E. coli").action
    with pytest.raises(LotTransitionError):
        positive_final_culture(Lot("L2", "UC-MSC", "NJU-2026-000017-E", LotStatus.RELEASED),
                               "E. coli")
