"""DORIS 2021 remission: cSLEDAI 0, PGA < 0.5, prednisolone <= 5 (configurable)."""

from __future__ import annotations

import pytest

from lupuscare.errors import InputError
from lupuscare.instruments.doris import score


def doc(pga=0.4, pred=5, findings=(), **kw):
    return {"findings": list(findings), "pga": pga,
            "medications": [{"drug": "prednisolone", "daily_dose_mg": pred},
                            {"drug": "hydroxychloroquine", "daily_dose_mg": 300}], **kw}


def test_l3_csledai_0_pga_0_4_pred_5_is_remission():
    assert score(doc())["met"] is True


def test_l4_prednisolone_6_is_not():
    assert score(doc(pred=6))["met"] is False


def test_l1_serology_ignored_but_pga_0_8_fails():
    r = score(doc(pga=0.8, pred=7.5, findings=["low_complement", "increased_dna_binding"]))
    assert r["criteria"]["clinical_sledai_0"] is True
    assert r["met"] is False


@pytest.mark.parametrize(("pga", "ok"), [(0.4, True), (0.5, False), (0.6, False), (0.0, True)])
def test_pga_strictly_below_0_5(pga, ok):
    assert score(doc(pga=pga))["criteria"]["pga_below_0_5"] is ok


@pytest.mark.parametrize(("pred", "ok"), [(4.9, True), (5.0, True), (5.1, False)])
def test_prednisolone_at_most_5(pred, ok):
    assert score(doc(pred=pred))["criteria"]["prednisolone_within_limit"] is ok


def test_strict_table_2_reading_and_custom_limit():
    assert score(doc(pred=5), prednisolone_rule="lt")["met"] is False
    assert score(doc(pred=4.9), prednisolone_rule="lt")["met"] is True
    r = score(doc(pred=7.5), max_prednisolone_mg=7.5)
    assert r["met"] is True and "7.5" in r.version
    with pytest.raises(InputError):
        score(doc(), prednisolone_rule="around")


def test_any_clinical_item_breaks_remission():
    r = score(doc(findings=["leukopenia"]))
    assert r["clinical_sledai"] == 1 and r["met"] is False


def test_missing_pga_or_medications_is_null():
    assert score({"findings": []})["met"] is None
