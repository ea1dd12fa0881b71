"""The SLICC/ACR Damage Index (SDI) item list: names, domains, points and persistence rules.

This is the one place the SDI's weights live. Source: Gladman D, Ginzler E, Goldsmith C, et al.
The development and initial validation of the SLICC/ACR Damage Index for SLE. Arthritis Rheum
1996;39:363-9. Item wording and points checked against two public transcriptions of the form:
the PhenX Toolkit SLE protocol (phenxtoolkit, protocol 171001) and HHE Rheumatology 2019 Table 5
(joomag, p10); the primary paper itself was not re-read. Certainty: single-source transcription
of the published form (two agreeing secondary copies), not verified against the 1996 PDF.

Global rules of the form (same sources): damage is an irreversible change, not related to active
inflammation, occurring since onset of lupus, ascertained by clinical assessment and present for
at least 6 months unless otherwise stated; repeat episodes must be at least 6 months apart to
score 2; the same lesion cannot be scored twice. Items the form marks "ever" (and malignancy)
count from the day they occur.

Implementation decisions (documented in docs/instruments/sdi-items.md):
- ``persistence``: ``"six_months"`` (present >= 6 calendar months), ``"more_than_six_months"``
  (skin ulceration: the form says "for more than 6 months"), or ``"ever"``.
- ``repeat``: ``None`` (1 point at most), ``"episode"`` (2 if > 1, the second episode >= 6 months
  after the first: CVA, MI, avascular necrosis), or ``"site"`` (2 if > 1 site, sites may be
  concurrent: significant tissue loss, GI infarction/resection, malignancy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Persistence = Literal["six_months", "more_than_six_months", "ever"]
Repeat = Literal["episode", "site"] | None

CITATION = (
    "Gladman D, Ginzler E, Goldsmith C, et al. The development and initial validation of the "
    "SLICC/ACR Damage Index for systemic lupus erythematosus. Arthritis Rheum 1996;39:363-9. "
    "Item list checked against PhenX Toolkit protocol 171001 and HHE Rheumatology 2019 Table 5 "
    "(single-source transcriptions, primary not re-read)."
)

PERSISTENCE_MONTHS = 6  # "present for at least 6 months unless otherwise stated" (Gladman 1996)
REPEAT_INTERVAL_MONTHS = 6  # "repeat episodes must occur at least 6 months apart to score 2"
ESRD_POINTS = 3  # ESRD scores 3 and replaces the two other renal items


@dataclass(frozen=True, slots=True)
class SdiItem:
    name: str
    domain: str
    description: str
    persistence: Persistence = "six_months"
    repeat: Repeat = None

    @property
    def max_points(self) -> int:
        if self.name == "esrd":
            return ESRD_POINTS
        return 2 if self.repeat else 1


_ITEMS: tuple[SdiItem, ...] = (
    # Ocular (either eye, by clinical assessment)
    SdiItem("cataract", "ocular", "Any cataract ever", "ever"),
    SdiItem("retinal_change_or_optic_atrophy", "ocular", "Retinal change or optic atrophy"),
    # Neuropsychiatric
    SdiItem("cognitive_impairment", "neuropsychiatric",
            "Cognitive impairment (memory, calculation, concentration, spoken or written language, "
            "performance level) or major psychosis"),
    SdiItem("seizures_6_months", "neuropsychiatric", "Seizures requiring therapy for 6 months"),
    SdiItem("cva", "neuropsychiatric", "Cerebrovascular accident ever (score 2 if > 1)", "ever",
            "episode"),
    SdiItem("neuropathy", "neuropsychiatric", "Cranial or peripheral neuropathy (excluding optic)"),
    SdiItem("transverse_myelitis", "neuropsychiatric", "Transverse myelitis"),
    # Renal
    SdiItem("gfr_below_50", "renal", "Estimated or measured glomerular filtration rate < 50%"),
    SdiItem("proteinuria_3_5g", "renal", "Proteinuria >= 3.5 g/24 h"),
    SdiItem("esrd", "renal",
            "End-stage renal disease, regardless of dialysis or transplantation (3 points, "
            "replacing the two items above)"),
    # Pulmonary
    SdiItem("pulmonary_hypertension", "pulmonary",
            "Pulmonary hypertension (right ventricular prominence, or loud P2)"),
    SdiItem("pulmonary_fibrosis", "pulmonary", "Pulmonary fibrosis (physical and radiograph)"),
    SdiItem("shrinking_lung", "pulmonary", "Shrinking lung (radiograph)"),
    SdiItem("pleural_fibrosis", "pulmonary", "Pleural fibrosis (radiograph)"),
    SdiItem("pulmonary_infarction", "pulmonary", "Pulmonary infarction (radiograph)"),
    # Cardiovascular
    SdiItem("angina_or_coronary_bypass", "cardiovascular", "Angina or coronary artery bypass"),
    SdiItem("myocardial_infarction", "cardiovascular", "Myocardial infarction ever (score 2 if > 1)",
            "ever", "episode"),
    SdiItem("cardiomyopathy", "cardiovascular", "Cardiomyopathy (ventricular dysfunction)"),
    SdiItem("valvular_disease", "cardiovascular",
            "Valvular disease (diastolic murmur, or systolic murmur > 3/6)"),
    SdiItem("pericarditis_6_months", "cardiovascular", "Pericarditis for 6 months, or pericardiectomy"),
    # Peripheral vascular
    SdiItem("claudication_6_months", "peripheral_vascular", "Claudication for 6 months"),
    SdiItem("minor_tissue_loss", "peripheral_vascular", "Minor tissue loss (pulp space)"),
    SdiItem("significant_tissue_loss", "peripheral_vascular",
            "Significant tissue loss ever, e.g. loss of digit or limb (score 2 if > 1 site)", "ever",
            "site"),
    SdiItem("venous_thrombosis", "peripheral_vascular",
            "Venous thrombosis with swelling, ulceration, or venous stasis"),
    # Gastrointestinal
    SdiItem("gi_infarction_or_resection", "gastrointestinal",
            "Infarction or resection of bowel below duodenum, spleen, liver, or gallbladder ever, "
            "for any cause (score 2 if > 1 site)", "ever", "site"),
    SdiItem("mesenteric_insufficiency", "gastrointestinal", "Mesenteric insufficiency"),
    SdiItem("chronic_peritonitis", "gastrointestinal", "Chronic peritonitis"),
    SdiItem("stricture_or_upper_gi_surgery", "gastrointestinal",
            "Stricture or upper gastrointestinal tract surgery ever", "ever"),
    SdiItem("pancreatic_insufficiency", "gastrointestinal",
            "Pancreatic insufficiency requiring enzyme replacement or with pseudocyst"),
    # Musculoskeletal
    SdiItem("muscle_atrophy_or_weakness", "musculoskeletal", "Muscle atrophy or weakness"),
    SdiItem("deforming_or_erosive_arthritis", "musculoskeletal",
            "Deforming or erosive arthritis (including reducible deformities, excluding avascular "
            "necrosis)"),
    SdiItem("osteoporosis_with_fracture", "musculoskeletal",
            "Osteoporosis with fracture or vertebral collapse (excluding avascular necrosis)"),
    SdiItem("avascular_necrosis", "musculoskeletal", "Avascular necrosis (score 2 if > 1)",
            "six_months", "episode"),
    SdiItem("osteomyelitis", "musculoskeletal", "Osteomyelitis"),
    SdiItem("tendon_rupture", "musculoskeletal", "Tendon rupture"),
    # Skin
    SdiItem("scarring_chronic_alopecia", "skin", "Scarring chronic alopecia"),
    SdiItem("extensive_scarring", "skin",
            "Extensive scarring or panniculum other than scalp and pulp space"),
    SdiItem("skin_ulceration_6_months", "skin",
            "Skin ulceration (excluding thrombosis) for more than 6 months", "more_than_six_months"),
    # Other domains
    SdiItem("premature_gonadal_failure", "gonadal", "Premature gonadal failure"),
    SdiItem("diabetes", "diabetes", "Diabetes (regardless of treatment)"),
    SdiItem("malignancy", "malignancy", "Malignancy, excluding dysplasia (score 2 if > 1 site)",
            "ever", "site"),
)

ITEMS: dict[str, SdiItem] = {item.name: item for item in _ITEMS}

DOMAINS: tuple[str, ...] = (
    "ocular", "neuropsychiatric", "renal", "pulmonary", "cardiovascular", "peripheral_vascular",
    "gastrointestinal", "musculoskeletal", "skin", "gonadal", "diabetes", "malignancy",
)

RENAL_ITEMS_REPLACED_BY_ESRD: frozenset[str] = frozenset({"gfr_below_50", "proteinuria_3_5g"})

# Other names a recorder may use for part of an item: (item, persistence of that part).
# "Pericardiectomy" and "coronary artery bypass" are procedures: they count when they happen.
ALIASES: dict[str, tuple[str, Persistence]] = {
    "major_psychosis": ("cognitive_impairment", "six_months"),
    "pericardiectomy": ("pericarditis_6_months", "ever"),
    "coronary_bypass": ("angina_or_coronary_bypass", "ever"),
}


def domain_maximum(domain: str) -> int:
    """Largest score a domain can reach (renal: ESRD's 3, not 1 + 1 + 3)."""
    if domain == "renal":
        return ESRD_POINTS
    return sum(item.max_points for item in _ITEMS if item.domain == domain)


MAX_TOTAL = sum(domain_maximum(d) for d in DOMAINS)  # 47 in the published form
