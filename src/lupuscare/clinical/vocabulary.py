"""The one vocabulary every instrument reads (contracts.md section 2).

Findings are clinician-attested, attributable to SLE and inside the instrument's window; each
instrument maps them to its own items. Definitions are one-line paraphrases for forms, taken from
the SLEDAI-2K glossary (Gladman 2002), the SLE-DAS item list (sle-das.eu) and the SLICC 2012
criteria, as summarised in the project brief's clinical-instruments note (sections 1.2 and 2.2; see
docs/instruments/classification-vocabulary.md).
Lab tests carry LOINC codes from patient-tracking.md section 6.2: ``loinc_verified`` is True only
where that note (or a search on 2026-11-25) saw the code quoted with its name in several public
files; every code still needs checking against loinc.org before release. Lymphocytes 731-0 and
urine WBC 5821-4 were not found and stay unverified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Finding:
    name: str
    domain: str
    definition: str


def _domain(domain: str, items: dict[str, str]) -> dict[str, Finding]:
    return {name: Finding(name, domain, text) for name, text in items.items()}


FINDINGS: dict[str, Finding] = {
    **_domain("neuropsychiatric", {
        "seizure": "Seizure of recent onset; metabolic, infectious and drug causes excluded.",
        "psychosis": "Severe disturbance in perceiving reality that impairs function; uraemia and drugs excluded.",
        "organic_brain_syndrome": "Impaired orientation, memory or intellect, rapid onset, fluctuating, with clouded consciousness.",
        "acute_confusional_state": "Acute disturbance of consciousness or arousal with reduced attention (ACR NP syndrome).",
        "visual_disturbance": "Retinal changes of SLE (cytoid bodies, haemorrhages, choroidal exudate) or optic neuritis.",
        "cranial_neuropathy": "New sensory or motor neuropathy of a cranial nerve.",
        "peripheral_neuropathy": "Peripheral sensory or motor neuropathy or mononeuritis multiplex due to SLE.",
        "myelopathy": "Myelopathy or transverse myelitis due to SLE.",
        "aseptic_meningitis": "Meningitis with sterile cerebrospinal fluid, attributed to SLE.",
        "lupus_headache": "Severe persistent headache, may be migrainous, not responding to narcotic analgesia.",
        "cva": "New cerebrovascular accident; arteriosclerosis excluded.",
    }),
    **_domain("vascular", {
        "vasculitis_mucocutaneous": "Ulceration, gangrene, tender finger nodules, periungual infarction, splinter haemorrhages, or chilblain lupus.",
        "vasculitis_systemic": "Vasculitis of large or medium vessels, proven by biopsy or angiography.",
        "lupus_enteritis": "Intestinal vasculitis or enteritis due to SLE.",
    }),
    **_domain("musculoskeletal", {
        "arthritis": "More than 2 joints with pain and signs of inflammation (tenderness, swelling or effusion).",
        "myositis": "Proximal muscle aching or weakness with raised CK/aldolase, EMG changes or biopsy-proven myositis.",
    }),
    **_domain("renal", {
        "urinary_casts": "Heme-granular or red blood cell casts in the urine.",
        "hematuria": "More than 5 red cells per high-power field; stone, infection and other causes excluded.",
        "pyuria": "More than 5 white cells per high-power field; infection excluded.",
        "proteinuria": "Urine protein above 0.5 g/24 h (or UPCR above 0.5 g/g).",
    }),
    **_domain("mucocutaneous", {
        "rash_localized": "Inflammatory lupus rash above the neck only.",
        "rash_generalized": "Inflammatory lupus rash below the neck, with or without rash above it.",
        "alopecia": "Abnormal patchy or diffuse (non-scarring) hair loss.",
        "mucosal_ulcers": "Oral or nasal ulcers.",
    }),
    **_domain("serosal_cardiopulmonary", {
        "pleurisy": "Pleuritic chest pain with pleural rub, effusion or pleural thickening.",
        "pericarditis": "Pericardial pain with rub, effusion, or ECG or echo confirmation.",
        "peritonitis": "Sterile peritonitis (serositis of the peritoneum).",
        "myocarditis": "Myocarditis due to SLE.",
        "pneumonitis": "Interstitial or acute lupus pneumonitis.",
        "alveolar_haemorrhage": "Diffuse alveolar haemorrhage.",
        "pulmonary_hypertension": "Pulmonary hypertension due to active SLE.",
        "shrinking_lung": "Shrinking lung syndrome.",
        "valvular_dysfunction": "Valvular dysfunction or Libman-Sacks endocarditis due to active SLE.",
    }),
    **_domain("haematological_constitutional", {
        "haemolytic_anaemia": "Anaemia with positive direct Coombs test, raised LDH and low haptoglobin.",
        "thrombocytopenia": "Platelets below 100 x 10^9/L; drug causes excluded.",
        "leukopenia": "White cells below 3 x 10^9/L; drug causes excluded.",
        "fever": "Temperature above 38.0 degrees C; infection excluded.",
    }),
    **_domain("serological", {
        "low_complement": "CH50, C3 or C4 below the laboratory's lower limit of normal.",
        "increased_dna_binding": "Anti-dsDNA above the laboratory's upper limit of normal.",
    }),
}

DOMAINS: tuple[str, ...] = tuple(dict.fromkeys(f.domain for f in FINDINGS.values()))

# Names the classification-criteria documents use in "criteria" and "not_attributable"
# (contracts.md section 2.4). Accepted in ``not_attributable`` so that one document can carry both.
CRITERIA_NAMES: frozenset[str] = frozenset({
    "fever", "leukopenia", "lymphopenia", "thrombocytopenia", "autoimmune_haemolysis", "delirium",
    "psychosis", "seizure", "non_scarring_alopecia", "oral_ulcers", "subacute_or_discoid_lupus",
    "acute_cutaneous_lupus", "chronic_cutaneous_lupus", "pleural_or_pericardial_effusion",
    "acute_pericarditis", "serositis", "joint_involvement", "synovitis", "proteinuria",
    "lupus_nephritis_class_ii_or_v", "lupus_nephritis_class_iii_or_iv",
    "antiphospholipid_antibodies", "low_c3", "low_c4", "low_ch50", "anti_dsdna", "anti_sm",
    "haemolytic_anaemia", "direct_coombs", "neurologic", "renal", "malar_rash", "discoid_rash",
    "photosensitivity", "arthritis", "ana",
})


@dataclass(frozen=True, slots=True)
class LabTest:
    name: str
    description: str
    loinc: str | None
    loinc_verified: bool


LAB_TESTS: dict[str, LabTest] = {t.name: t for t in (
    LabTest("upcr", "Urine protein/creatinine ratio, spot", "2890-2", True),
    LabTest("urine_protein_24h", "Protein in 24-hour urine (mass/time)", "2889-4", True),
    LabTest("c3", "Complement C3, serum or plasma", "4485-9", True),
    LabTest("c4", "Complement C4, serum or plasma", "4498-2", True),
    LabTest("ch50", "Total haemolytic complement (CH50)", None, False),
    LabTest("anti_dsdna", "Anti-double-stranded DNA antibody, quantitative", "5130-0", True),
    LabTest("ana_titer", "Antinuclear antibody titre by immunofluorescence (reciprocal)", "5048-4", True),
    LabTest("platelets", "Platelets, automated count, blood", "777-3", True),
    LabTest("wbc", "Leukocytes, automated count, blood", "6690-2", True),
    LabTest("lymphocytes", "Lymphocytes, absolute count, blood", "731-0", False),
    # Absolute neutrophil count, for the safety rules' neutropenia grading (CTCAE v5). 751-8
    # "Neutrophils [#/volume] in Blood by Automated count" was seen with that name in one public
    # FHIR file (2026-12-04), not in several nor in LOINC itself: unverified.
    LabTest("neutrophils", "Neutrophils, absolute count, blood", "751-8", False),
    LabTest("hemoglobin", "Haemoglobin, blood", "718-7", True),
    LabTest("creatinine", "Creatinine, serum or plasma", "2160-0", True),
    LabTest("egfr", "eGFR, creatinine-based (CKD-EPI 2021)", "98979-8", True),
    LabTest("urine_rbc", "Red cells per high-power field, urine sediment", "13945-1", False),
    LabTest("urine_wbc", "White cells per high-power field, urine sediment", "5821-4", False),
    # 8310-5 and 1751-7 seen with their LOINC names in several public FHIR/lab files (2026-11-25)
    LabTest("temperature", "Body temperature", "8310-5", True),
    LabTest("albumin", "Albumin [Mass/volume] in Serum or Plasma", "1751-7", True),
    LabTest("esr", "Erythrocyte sedimentation rate, Westergren", "4537-7", True),
    LabTest("crp", "C-reactive protein, serum or plasma", "1988-5", True),
    # Liver enzymes, for protocol exclusion criteria (e.g. cell-therapy eligibility). 1920-8 and
    # 1742-6 seen with these names in several public lab/FHIR mapping files (2026-11-25), not in
    # LOINC itself: unverified.
    LabTest("ast", "Aspartate aminotransferase, serum or plasma", "1920-8", False),
    LabTest("alt", "Alanine aminotransferase, serum or plasma", "1742-6", False),
)}

DrugClass = Literal["glucocorticoid", "antimalarial", "immunosuppressant", "biologic", "nsaid",
                    "immunomodulator", "other"]


@dataclass(frozen=True, slots=True)
class Drug:
    """A drug the record may hold. ``depletes_b_cells``: an anti-CD20 antibody whose effect on
    immunity outlasts the last dose by months (the safety rules' fever window reads it)."""

    name: str
    drug_class: DrugClass
    depletes_b_cells: bool = False


def _drugs(drug_class: DrugClass, *names: str) -> dict[str, Drug]:
    return {n: Drug(n, drug_class) for n in names}


DRUGS: dict[str, Drug] = {
    **_drugs("glucocorticoid", "prednisone", "prednisolone", "methylprednisolone", "hydrocortisone",
             "dexamethasone", "betamethasone", "deflazacort", "triamcinolone", "cortisone",
             "budesonide"),
    **_drugs("antimalarial", "hydroxychloroquine", "chloroquine", "quinacrine"),
    **_drugs("immunosuppressant", "azathioprine", "mycophenolate_mofetil", "mycophenolic_acid",
             "methotrexate", "cyclophosphamide", "tacrolimus", "voclosporin", "ciclosporin",
             "leflunomide"),
    **_drugs("biologic", "belimumab", "anifrolumab"),
    # Anti-CD20 B-cell depleting antibodies (rituximab, obinutuzumab: both CD20-directed
    # cytolytic antibodies by their US labels).
    "rituximab": Drug("rituximab", "biologic", depletes_b_cells=True),
    "obinutuzumab": Drug("obinutuzumab", "biologic", depletes_b_cells=True),
    **_drugs("nsaid", "ibuprofen", "naproxen", "diclofenac", "celecoxib", "etoricoxib"),
    # Thalidomide (refractory cutaneous lupus) and its analogue lenalidomide: teratogens with a
    # pregnancy-prevention programme; immunomodulators, not counted as immunosuppressants.
    **_drugs("immunomodulator", "thalidomide", "lenalidomide"),
    # Tamoxifen: a hydroxychloroquine retinopathy risk factor (AAO 2016) the rules look for.
    **_drugs("other", "tamoxifen"),
}

B_CELL_DEPLETING: frozenset[str] = frozenset(n for n, d in DRUGS.items() if d.depletes_b_cells)


def drugs_of_class(drug_class: DrugClass) -> frozenset[str]:
    return frozenset(n for n, d in DRUGS.items() if d.drug_class == drug_class)
