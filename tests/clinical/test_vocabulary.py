"""The vocabulary holds exactly the contract's findings, labs and drugs, each described."""

from __future__ import annotations

from lupuscare.clinical.vocabulary import DOMAINS, DRUGS, FINDINGS, LAB_TESTS, drugs_of_class

CONTRACT_FINDINGS = ["seizure", "psychosis", "organic_brain_syndrome", "acute_confusional_state", "visual_disturbance", "cranial_neuropathy", "peripheral_neuropathy", "myelopathy", "aseptic_meningitis", "lupus_headache", "cva", "vasculitis_mucocutaneous", "vasculitis_systemic", "lupus_enteritis", "arthritis", "myositis", "urinary_casts", "hematuria", "pyuria", "proteinuria", "rash_localized", "rash_generalized", "alopecia", "mucosal_ulcers", "pleurisy", "pericarditis", "peritonitis", "myocarditis", "pneumonitis", "alveolar_haemorrhage", "pulmonary_hypertension", "shrinking_lung", "valvular_dysfunction", "haemolytic_anaemia", "thrombocytopenia", "leukopenia", "fever", "low_complement", "increased_dna_binding"]
CONTRACT_DRUGS = ["prednisone", "prednisolone", "methylprednisolone", "hydrocortisone", "dexamethasone", "betamethasone", "deflazacort", "triamcinolone", "cortisone", "hydroxychloroquine", "chloroquine", "azathioprine", "mycophenolate_mofetil", "mycophenolic_acid", "methotrexate", "cyclophosphamide", "tacrolimus", "voclosporin", "ciclosporin", "belimumab", "anifrolumab", "rituximab", "obinutuzumab"]


def test_findings_match_the_contract_and_have_definitions():
    assert sorted(FINDINGS) == sorted(CONTRACT_FINDINGS)
    assert all(f.definition and f.domain in DOMAINS for f in FINDINGS.values())
    assert len(DOMAINS) == 8


def test_lab_tests_have_loinc_or_say_unverified():
    verified = {n for n, t in LAB_TESTS.items() if t.loinc_verified}
    assert {"upcr", "c3", "c4", "platelets", "wbc", "hemoglobin"} <= verified
    assert LAB_TESTS["upcr"].loinc == "2890-2" and LAB_TESTS["c3"].loinc == "4485-9"
    assert not LAB_TESTS["ch50"].loinc_verified


def test_drugs_cover_the_contract_with_classes():
    assert set(CONTRACT_DRUGS) <= set(DRUGS)
    assert DRUGS["hydroxychloroquine"].drug_class == "antimalarial"
    assert DRUGS["belimumab"].drug_class == "biologic"
    assert DRUGS["voclosporin"].drug_class == "immunosuppressant"
    assert "prednisolone" in drugs_of_class("glucocorticoid")
