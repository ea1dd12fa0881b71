"""SELENA-SLEDAI Flare Index: each trigger at its edge; none when nothing changes."""

from __future__ import annotations

import pytest

from lupuscare.errors import MissingInputError
from lupuscare.instruments.sfi import score


def visit(findings=(), pga=0.5, pred=5, drugs=(), labs=None, weight=60, **kw):
    meds = [{"drug": "prednisone", "daily_dose_mg": pred}] + [{"drug": d, "daily_dose_mg": 1} for d in drugs]
    d = {"findings": list(findings), "pga": pga, "medications": meds, "patient": {"weight_kg": weight}}
    if labs is not None:
        d["labs"] = labs
    d.update(kw)
    return d


def flare(now, before):
    return score(dict(now, previous=before))


def test_nothing_changes_is_no_flare():
    r = flare(visit(["arthritis"]), visit(["arthritis"]))
    assert r["flare"] == "none" and r.explanation == ()


def test_requires_previous():
    with pytest.raises(MissingInputError) as e:
        score(visit())
    assert e.value.field == "previous"


def test_rise_of_1_from_a_feature_not_on_the_lists_is_none():
    # new leukopenia: SELENA-SLEDAI +1, and leukopenia is neither a mild nor a severe feature
    assert flare(visit(["alopecia", "leukopenia"]), visit(["alopecia"]))["flare"] == "none"


def test_sledai_rise_of_2_is_none_3_is_mild():
    # low complement (2) is new, not a listed feature: rise 2 -> none
    assert flare(visit(["low_complement"]), visit([]))["flare"] == "none"
    # low complement + leukopenia (3) new -> rise 3 -> mild/moderate
    r = flare(visit(["low_complement", "leukopenia"]), visit([]))
    assert r["flare"] == "mild_moderate" and "sledai_rise_3" in r["mild_moderate_triggers"]


def test_rise_to_12_is_mild_above_12_severe():
    base = ["low_complement", "increased_dna_binding"]  # 4
    twelve = base + ["arthritis", "rash_generalized", "alopecia"]  # 4+4+2+2 = 12
    r = flare(visit(twelve, pga=0.5), visit(base, pga=0.5))
    assert r["selena_sledai"] == 12 and "sledai_above_12" not in r["severe_triggers"]
    r = flare(visit(twelve + ["fever"]), visit(base))
    assert r["selena_sledai"] == 13 and r["flare"] == "severe"


@pytest.mark.parametrize("finding", ["seizure", "cva", "vasculitis_systemic", "urinary_casts",
                                     "proteinuria", "myositis", "lupus_enteritis"])
def test_new_severe_organ_features(finding):
    r = flare(visit([finding]), visit([]))
    assert r["flare"] == "severe" and f"new_{finding}" in r["severe_triggers"]


@pytest.mark.parametrize("finding", ["rash_localized", "mucosal_ulcers", "vasculitis_mucocutaneous",
                                     "pleurisy", "pericarditis", "arthritis", "fever"])
def test_new_mild_features(finding):
    r = flare(visit([finding]), visit([]))
    assert f"new_{finding}" in r["mild_moderate_triggers"]


@pytest.mark.parametrize(("value", "severe"), [(59, True), (60, False), (61, False)])
def test_platelets_below_60(value, severe):
    r = flare(visit(labs=[{"test": "platelets", "value": value, "unit": "10*9/L"}]),
              visit(labs=[{"test": "platelets", "value": 150, "unit": "10*9/L"}]))
    assert ("platelets_below_60" in r["severe_triggers"]) is severe


@pytest.mark.parametrize(("hb_now", "hb_before", "severe"), [
    (6.9, 8.0, True), (7.0, 8.0, False), (9.0, 12.1, True), (9.0, 12.0, False),
])
def test_haemolytic_anaemia_with_hb_below_7_or_fall_above_3(hb_now, hb_before, severe):
    r = flare(visit(["haemolytic_anaemia"], labs=[{"test": "hemoglobin", "value": hb_now, "unit": "g/dL"}]),
              visit(["haemolytic_anaemia"], labs=[{"test": "hemoglobin", "value": hb_before, "unit": "g/dL"}]))
    assert ("haemolytic_anaemia_hb" in r["severe_triggers"]) is severe


def test_prednisone_rules():
    # increase, not doubled, below 0.5 mg/kg (60 kg -> 30 mg): mild
    r = flare(visit(pred=15), visit(pred=10))
    assert r["flare"] == "mild_moderate" and "prednisone_increased" in r["mild_moderate_triggers"]
    # doubled: severe
    assert "prednisone_doubled" in flare(visit(pred=20), visit(pred=10))["severe_triggers"]
    # from 0 (doubling undefined): 30 mg at 60 kg is exactly 0.5 mg/kg -> mild; 31 -> severe
    assert flare(visit(pred=30), visit(pred=0))["flare"] == "mild_moderate"
    assert "prednisone_above_0_5_mg_per_kg" in flare(visit(pred=31), visit(pred=0))["severe_triggers"]
    # lower or unchanged: nothing
    assert flare(visit(pred=5), visit(pred=10))["flare"] == "none"


def test_new_drugs():
    assert "new_cyclophosphamide" in flare(visit(drugs=["cyclophosphamide"]), visit())["severe_triggers"]
    assert "new_mycophenolate_mofetil" in flare(visit(drugs=["mycophenolate_mofetil"]), visit())["severe_triggers"]
    r = flare(visit(drugs=["hydroxychloroquine"]), visit())
    assert r["flare"] == "mild_moderate" and "new_hydroxychloroquine" in r["mild_moderate_triggers"]
    assert flare(visit(drugs=["naproxen"]), visit())["flare"] == "mild_moderate"
    assert flare(visit(drugs=["azathioprine"]), visit(drugs=["azathioprine"]))["flare"] == "none"


@pytest.mark.parametrize(("before", "now", "expected"), [
    (0.5, 1.4, "none"), (0.5, 1.5, "mild_moderate"), (1.5, 2.5, "mild_moderate"),
    (1.6, 2.6, "severe"), (2.4, 2.6, "severe"), (2.6, 2.6, "none"),
])
def test_pga_rules(before, now, expected):
    assert flare(visit(pga=now), visit(pga=before))["flare"] == expected


def test_hospitalisation_is_severe():
    assert flare(visit(hospitalised_for_sle=True), visit())["flare"] == "severe"


def test_missing_medications_or_pga_warn():
    r = score({"findings": [], "previous": {"findings": []}})
    assert r["flare"] == "none" and len(r.warnings) >= 2


def test_persistent_proteinuria_is_neither_a_flare_nor_an_improvement():
    prot = [{"test": "upcr", "value": 1.2, "unit": "g/g"}]
    r = flare(visit(labs=prot), visit(labs=prot))
    assert r["flare"] == "none" and r["selena_sledai"] == r["selena_sledai_previous"] == 0
    # an increase of more than 0.5 is new activity: nephritis (severe) by the SELENA rule
    up = flare(visit(labs=[{"test": "upcr", "value": 1.8, "unit": "g/g"}]), visit(labs=prot))
    assert up["selena_sledai"] == 4 and up["flare"] == "severe"
    assert "worse_proteinuria" in up["severe_triggers"]
    same = flare(visit(labs=[{"test": "upcr", "value": 1.7, "unit": "g/g"}]), visit(labs=prot))
    assert same["flare"] == "none"  # +0.5 exactly is not an increase of more than 0.5
