"""LLDAS: the five criteria at their boundaries, nulls, and the worked examples L1, L2, L4."""

from __future__ import annotations

import pytest

from lupuscare.instruments.lldas import MAJOR_ORGAN_FINDINGS, score

SERO = ["low_complement", "increased_dna_binding"]


def doc(**kw):
    base = {"findings": [], "pga": 0.5,
            "medications": [{"drug": "prednisolone", "daily_dose_mg": 5},
                            {"drug": "mycophenolate_mofetil", "daily_dose_mg": 2000, "tolerated": True}],
            "previous": {"findings": []}}
    base.update(kw)
    return base


def test_l1_serology_sledai_4_pga_0_8_pred_7_5_mmf_tolerated_is_lldas():
    r = score(doc(findings=SERO, pga=0.8, previous={"findings": SERO},
                  medications=[{"drug": "prednisolone", "daily_dose_mg": 7.5},
                               {"drug": "mycophenolate_mofetil", "daily_dose_mg": 2000, "tolerated": True}]))
    assert r["met"] is True
    assert all(r["criteria"].values())


def test_l2_proteinuria_only_is_renal_activity():
    r = score(doc(findings=["proteinuria"], previous={"findings": ["proteinuria"]}))
    assert r["criteria"]["sledai_le_4_no_major_organ"] is False
    assert r["met"] is False


def test_l4_prednisolone_6_still_lldas():
    r = score(doc(pga=0.4, medications=[{"drug": "prednisolone", "daily_dose_mg": 6}]))
    assert r["met"] is True


def test_sledai_4_passes_5_fails():
    assert score(doc(findings=["rash_localized", "alopecia"],
                     previous={"findings": ["rash_localized", "alopecia"]}))["met"] is True
    r = score(doc(findings=["rash_localized", "alopecia", "leukopenia"],
                  previous={"findings": ["rash_localized", "alopecia", "leukopenia"]}))
    assert r["sledai2k"] == 5 and r["criteria"]["sledai_le_4_no_major_organ"] is False


@pytest.mark.parametrize("finding", sorted(set().union(*MAJOR_ORGAN_FINDINGS.values())))
def test_any_major_organ_activity_fails_criterion_1(finding):
    r = score(doc(findings=[finding], previous={"findings": [finding]}))
    assert r["criteria"]["sledai_le_4_no_major_organ"] is False


@pytest.mark.parametrize(("pga", "ok"), [(0.9, True), (1.0, True), (1.1, False)])
def test_pga_at_most_1(pga, ok):
    assert score(doc(pga=pga))["criteria"]["pga_le_1"] is ok


@pytest.mark.parametrize(("dose", "ok"), [(7.4, True), (7.5, True), (7.6, False)])
def test_prednisone_at_most_7_5(dose, ok):
    r = score(doc(medications=[{"drug": "prednisone", "daily_dose_mg": dose}]))
    assert r["criteria"]["prednisone_le_7_5"] is ok


def test_methylprednisolone_6_is_7_5_prednisone_equivalent():
    r = score(doc(medications=[{"drug": "methylprednisolone", "daily_dose_mg": 6}]))
    assert r["prednisone_equivalent_mg"] == 7.5 and r["criteria"]["prednisone_le_7_5"] is True


def test_pulses_do_not_count_towards_the_daily_dose():
    r = score(doc(medications=[{"drug": "methylprednisolone", "daily_dose_mg": 500, "pulse": True}]))
    assert r["criteria"]["prednisone_le_7_5"] is True


def test_new_feature_fails_even_with_low_sledai():
    r = score(doc(findings=["alopecia"], previous={"findings": []}))
    assert r["criteria"]["no_new_features"] is False and r["met"] is False


@pytest.mark.parametrize("med", [
    {"drug": "azathioprine", "daily_dose_mg": 100, "tolerated": False},
    {"drug": "anifrolumab", "daily_dose_mg": 10, "investigational": True},
])
def test_poorly_tolerated_or_investigational_drug_fails(med):
    assert score(doc(medications=[med]))["criteria"]["tolerated_standard_maintenance"] is False


def test_missing_inputs_give_null_criteria_and_null_met():
    r = score({"findings": []})
    assert r["criteria"] == {"sledai_le_4_no_major_organ": True, "no_new_features": None,
                             "pga_le_1": None, "prednisone_le_7_5": None,
                             "tolerated_standard_maintenance": None}
    assert r["met"] is None
    assert r.to_dict()["met"] is None


def test_a_false_criterion_makes_met_false_even_with_nulls():
    r = score({"findings": ["seizure"]})
    assert r["met"] is False


@pytest.mark.parametrize(("drug", "at_max"), [
    ("hydroxychloroquine", 400), ("azathioprine", 200), ("mycophenolate_mofetil", 3000),
    ("mycophenolic_acid", 2160), ("leflunomide", 20),
])
def test_maintenance_dose_at_maximum_passes_above_fails(drug, at_max):
    ok = score(doc(medications=[{"drug": drug, "daily_dose_mg": at_max, "tolerated": True}]))
    high = score(doc(medications=[{"drug": drug, "daily_dose_mg": at_max + 1, "tolerated": True}]))
    assert ok["criteria"]["tolerated_standard_maintenance"] is True
    assert high["criteria"]["tolerated_standard_maintenance"] is False


def test_weekly_methotrexate_30_mg_is_the_maximum():
    assert score(doc(medications=[{"drug": "methotrexate", "daily_dose_mg": 30 / 7}]))["criteria"][
        "tolerated_standard_maintenance"] is True
    assert score(doc(medications=[{"drug": "methotrexate", "daily_dose_mg": 35 / 7}]))["criteria"][
        "tolerated_standard_maintenance"] is False
