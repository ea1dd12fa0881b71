"""SLEDAI-2K: every descriptor's weight, the worked examples, windows and variants."""

from __future__ import annotations

import pytest

from lupuscare.clinical.vocabulary import FINDINGS
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.sledai2k import FINDING_TO_ITEM, ITEMS, MAX_TOTAL, WEIGHTS, score

# Published weights (Gladman 2002; clinical-instruments.md 1.2), in published order.
PUBLISHED = [
    ("seizure", 8), ("psychosis", 8), ("organic_brain_syndrome", 8), ("visual_disturbance", 8),
    ("cranial_nerve_disorder", 8), ("lupus_headache", 8), ("cva", 8), ("vasculitis", 8),
    ("arthritis", 4), ("myositis", 4), ("urinary_casts", 4), ("hematuria", 4), ("proteinuria", 4),
    ("pyuria", 4), ("rash", 2), ("alopecia", 2), ("mucosal_ulcers", 2), ("pleurisy", 2),
    ("pericarditis", 2), ("low_complement", 2), ("increased_dna_binding", 2), ("fever", 1),
    ("thrombocytopenia", 1), ("leukopenia", 1),
]


def test_24_descriptors_with_published_weights_and_range_0_to_105():
    assert [(i.name, i.weight) for i in ITEMS] == PUBLISHED
    assert MAX_TOTAL == 105


@pytest.mark.parametrize(("finding", "item"), sorted(FINDING_TO_ITEM.items()))
def test_each_finding_scores_its_item_weight_alone(finding, item):
    r = score({"findings": [finding]})
    assert r["total"] == WEIGHTS[item]
    assert r["items"][item] == WEIGHTS[item]
    assert [e.item for e in r.explanation] == [item]
    assert r.explanation[0].source == f"finding:{finding}"
    serology = item in ("low_complement", "increased_dna_binding")
    assert r["clinical_total"] == (0 if serology else WEIGHTS[item])


def test_findings_outside_sledai_score_nothing():
    outside = sorted(set(FINDINGS) - set(FINDING_TO_ITEM))
    assert outside  # e.g. peripheral_neuropathy, myocarditis, haemolytic_anaemia
    assert score({"findings": outside})["total"] == 0


def test_s1_nothing_scores_0():
    assert score({"findings": []})["total"] == 0


def test_s2_serology_only_is_4_and_clinical_0():
    r = score({"labs": [{"test": "c3", "value": 0.5, "unit": "g/L", "low": 0.9},
                        {"test": "anti_dsdna", "value": 40, "unit": "[IU]/mL", "high": 10}]})
    assert (r["total"], r["clinical_total"]) == (4, 0)


def test_s3_arthritis_rash_alopecia_is_8():
    assert score({"findings": ["arthritis", "rash_localized", "alopecia"]})["total"] == 8


def test_s4_two_joints_is_not_the_arthritis_descriptor():
    # arthritis is attested only for > 2 joints; two tender joints alone score nothing
    assert score({"findings": [], "joints": {"tender_28": 2, "swollen_28": 2}})["total"] == 0


S5 = {"labs": [{"test": "urine_protein_24h", "value": 0.6, "unit": "g/d"},
               {"test": "urine_rbc", "value": 10, "unit": "/[HPF]"},
               {"test": "c3", "value": 0.5, "unit": "g/L", "low": 0.9},
               {"test": "c4", "value": 0.05, "unit": "g/L", "low": 0.1},
               {"test": "anti_dsdna", "value": 50, "unit": "[IU]/mL", "high": 10}]}


def test_s5_persistent_proteinuria_haematuria_complement_once_dsdna_is_12():
    r = score(dict(S5, previous=S5))
    assert r["total"] == 12
    assert r["items"]["low_complement"] == 2
    assert "lab:c3" in next(e.source for e in r.explanation if e.item == "low_complement")


@pytest.mark.parametrize("variant", ["sledai", "selena-sledai"])
def test_s6_unchanged_proteinuria_is_not_scored_by_older_variants(variant):
    r = score(dict(S5, previous=S5), variant=variant)
    assert r["items"]["proteinuria"] == 0
    assert r["total"] == 8
    assert "SLEDAI" in r.version


def test_older_variants_score_increased_proteinuria_only_above_0_5_g_rise():
    prev = {"labs": [{"test": "urine_protein_24h", "value": 1.0, "unit": "g/d"}]}
    at = {"labs": [{"test": "urine_protein_24h", "value": 1.5, "unit": "g/d"}], "previous": prev}
    above = {"labs": [{"test": "urine_protein_24h", "value": 1.6, "unit": "g/d"}], "previous": prev}
    for variant in ("sledai", "selena-sledai"):
        assert score(at, variant=variant)["items"]["proteinuria"] == 0
        assert score(above, variant=variant)["items"]["proteinuria"] == 4


def test_original_sledai_needs_new_skin_items_selena_does_not():
    doc = {"findings": ["rash_generalized", "alopecia", "mucosal_ulcers"],
           "previous": {"findings": ["rash_generalized", "alopecia", "mucosal_ulcers"]}}
    assert score(doc, variant="sledai")["total"] == 0
    assert score(doc, variant="selena-sledai")["total"] == 6
    assert score(doc)["total"] == 6


def test_variant_without_previous_scores_as_new_and_warns():
    r = score({"findings": ["alopecia"]}, variant="sledai")
    assert r["total"] == 2
    assert any("persistence" in w for w in r.warnings)


def test_s7_seizure_fever_leukopenia_is_10():
    r = score({"findings": ["seizure"], "labs": [
        {"test": "temperature", "value": 38.5, "unit": "Cel"},
        {"test": "wbc", "value": 2.5, "unit": "10*9/L"}]})
    assert r["total"] == 10


def test_s8_all_items_is_105():
    assert score({"findings": sorted(FINDINGS)})["total"] == 105


def test_infection_fever_is_not_attributable():
    r = score({"findings": ["fever"], "not_attributable": ["fever"],
               "labs": [{"test": "temperature", "value": 39, "unit": "Cel"}]})
    assert r["total"] == 0


def test_window_default_document_and_option():
    assert score({"findings": []})["window_days"] == 10
    assert score({"findings": [], "window_days": 30})["window_days"] == 30
    r = score({"findings": [], "window_days": 30}, window_days=28)
    assert r["window_days"] == 28 and "28-day" in r.version and r.warnings
    with pytest.raises(InputError) as e:
        score({"findings": []}, window_days=14)
    assert e.value.field == "window_days"


def test_bad_options_and_missing_inputs():
    with pytest.raises(InputError) as e:
        score({"findings": []}, variant="sledai-3k")
    assert e.value.field == "variant"
    with pytest.raises(InputError):
        score({"findings": []}, colour="red")
    with pytest.raises(MissingInputError) as e:
        score({"pga": 1.0})
    assert e.value.field == "findings"


def test_result_dict_follows_contract():
    d = score({"findings": ["arthritis"]}).to_dict()
    assert {"instrument", "version", "citation", "explanation", "total", "clinical_total", "items"} <= set(d)
    assert d["instrument"] == "sledai2k" and isinstance(d["total"], int)
    assert d["explanation"] == [{"item": "arthritis", "points": 4, "source": "finding:arthritis"}]


@pytest.mark.parametrize(("swollen", "warned"), [(2, False), (3, True)])
def test_swollen_joints_without_attested_arthritis_warn_but_do_not_score(swollen, warned):
    r = score({"findings": [], "joints": {"swollen_28": swollen}})
    assert r["total"] == 0
    assert any("arthritis" in w for w in r.warnings) is warned


# Lab-derived descriptors at their thresholds, end to end (the rules themselves are pinned in every
# unit in tests/clinical/test_labs.py).
@pytest.mark.parametrize(("test", "unit", "at", "hit", "item"), [
    ("upcr", "mg/g", 500, 501, "proteinuria"),
    ("upcr", "mg/mmol", 56.56, 56.6, "proteinuria"),
    ("urine_protein_24h", "g/d", 0.5, 0.51, "proteinuria"),
    ("urine_rbc", "/[HPF]", 5, 6, "hematuria"),
    ("urine_wbc", "/[HPF]", 5, 6, "pyuria"),
    ("platelets", "10*9/L", 100, 99, "thrombocytopenia"),
    ("wbc", "/uL", 3000, 2900, "leukopenia"),
    ("temperature", "[degF]", 100.4, 100.5, "fever"),
])
def test_lab_descriptor_boundaries(test, unit, at, hit, item):
    assert score({"labs": [{"test": test, "value": at, "unit": unit}]})["total"] == 0
    r = score({"labs": [{"test": test, "value": hit, "unit": unit}]})
    assert r["items"][item] == WEIGHTS[item] == r["total"]
    assert r.explanation[0].source.startswith(f"lab:{test}=")
