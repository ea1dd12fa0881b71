"""SLICC 2012 classification criteria for SLE (classification, not diagnosis).

Classify when >= 4 of the 17 criteria count, with >= 1 of the 11 clinical and >= 1 of the 6
immunological; or when lupus nephritis is proven by biopsy and ANA or anti-dsDNA is positive.
Criteria are cumulative and need not be present at the same time. A positive direct Coombs test
is not an immunological criterion when haemolytic anaemia counts (the "Coombs rule").

Source: Petri M, Orbai AM, Alarcon GS, et al. Derivation and validation of the Systemic Lupus
International Collaborating Clinics classification criteria for systemic lupus erythematosus.
Arthritis Rheum 2012;64:2677-86. Rules [known] from recall, cross-checked against the CRAN cliot
``slicc_sle_criteria`` summary (spec section 8.2); the paper was not re-read.
"""

from __future__ import annotations

from typing import Any

from lupuscare.instruments.classification_vocabulary import (
    ANA,
    ANA_DEFAULT_REFERENCE_TITER,
    read_criteria,
)
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

INSTRUMENT = "slicc-2012"
VERSION = ("SLICC 2012 classification criteria for SLE (classification criteria, not a "
           "diagnosis); >= 4 with >= 1 clinical and >= 1 immunological, or biopsy-proven lupus "
           "nephritis with ANA or anti-dsDNA")
CITATION = (
    "Petri M, Orbai AM, Alarcon GS, et al. Derivation and validation of the SLICC classification "
    "criteria for SLE. Arthritis Rheum 2012;64:2677-86. Rules recalled and cross-checked against "
    "CRAN cliot slicc_sle_criteria (primary not re-read)."
)
MIN_CRITERIA = 4

# criterion -> vocabulary names, any of which meets it.
CLINICAL: dict[str, tuple[str, ...]] = {
    "acute_cutaneous_lupus": ("acute_cutaneous_lupus", "malar_rash", "subacute_cutaneous_lupus"),
    "chronic_cutaneous_lupus": ("discoid_lupus", "chronic_cutaneous_lupus"),
    "oral_or_nasal_ulcers": ("oral_ulcers", "nasal_ulcers"),
    "non_scarring_alopecia": ("non_scarring_alopecia",),
    "synovitis": ("joint_involvement",),
    "serositis": ("pleurisy", "pericarditis", "pleural_or_pericardial_effusion",
                  "acute_pericarditis"),
    "renal": ("proteinuria", "proteinuria_500mg_or_more", "rbc_casts"),
    "neurologic": ("seizure", "psychosis", "mononeuritis_multiplex", "myelitis",
                   "peripheral_neuropathy", "cranial_neuropathy", "acute_confusional_state",
                   "delirium"),
    "haemolytic_anaemia": ("haemolytic_anaemia", "autoimmune_haemolysis"),
    "leukopenia_or_lymphopenia": ("leukopenia", "leukopenia_repeated", "lymphopenia"),
    "thrombocytopenia": ("thrombocytopenia",),
}
IMMUNOLOGIC: dict[str, tuple[str, ...]] = {
    "ana": (ANA,),
    "anti_dsdna": ("anti_dsdna",),
    "anti_sm": ("anti_sm",),
    "antiphospholipid_antibodies": ("antiphospholipid_antibodies", "lupus_anticoagulant",
                                    "anticardiolipin", "anti_beta2_glycoprotein_i",
                                    "false_positive_syphilis_test"),
    "low_complement": ("low_c3", "low_c4", "low_ch50"),
    "direct_coombs": ("direct_coombs",),
}
# Recorded without its subtype: either acute (SCLE) or chronic (discoid) cutaneous lupus.
AMBIGUOUS_CUTANEOUS = "subacute_or_discoid_lupus"
BIOPSY_NEPHRITIS = ("lupus_nephritis_class_iii_or_iv", "lupus_nephritis_class_ii_or_v",
                    "biopsy_proven_lupus_nephritis")

USED_NAMES: frozenset[str] = frozenset(
    {n for names in (*CLINICAL.values(), *IMMUNOLOGIC.values()) for n in names}
    | {AMBIGUOUS_CUTANEOUS, *BIOPSY_NEPHRITIS}
) - {ANA}


def score(document: dict[str, Any], **options: Any) -> InstrumentResult:
    """Classification by SLICC 2012: ``classified``, ``clinical``, ``immunologic`` (counts)."""
    ci = read_criteria(document)
    reference_titer = options.get("ana_reference_titer", ANA_DEFAULT_REFERENCE_TITER)
    ana_positive = ci.ana_above(reference_titer) and ANA not in ci.not_attributable
    explanation: list[ExplanationItem] = []

    def matched(names: tuple[str, ...]) -> list[str]:
        if names == (ANA,):
            return [ANA] if ana_positive else []
        return [n for n in names if ci.counts(n)]

    clinical: dict[str, list[str]] = {k: m for k, v in CLINICAL.items() if (m := matched(v))}
    if ci.counts(AMBIGUOUS_CUTANEOUS):
        if clinical.keys() & {"acute_cutaneous_lupus", "chronic_cutaneous_lupus"}:
            explanation.append(ExplanationItem(
                "cutaneous_lupus", 0, ci.source(AMBIGUOUS_CUTANEOUS),
                "subtype not recorded: may be the cutaneous criterion already counted, so not "
                "counted again (record subacute_cutaneous_lupus or discoid_lupus)"))
        else:
            clinical["acute_or_chronic_cutaneous_lupus"] = [AMBIGUOUS_CUTANEOUS]
    immunologic: dict[str, list[str]] = {k: m for k, v in IMMUNOLOGIC.items() if (m := matched(v))}
    if "direct_coombs" in immunologic and "haemolytic_anaemia" in clinical:
        immunologic.pop("direct_coombs")
        explanation.append(ExplanationItem(
            "direct_coombs", 0, ci.source("direct_coombs"),
            "not counted: a positive direct Coombs test does not count when haemolytic anaemia "
            "counts"))

    for kind, found in (("clinical", clinical), ("immunologic", immunologic)):
        for criterion, names in found.items():
            explanation.append(ExplanationItem(
                criterion, 1, "; ".join(ci.source(n) for n in names), f"{kind} criterion"))
    if not ana_positive and (ci.ana_titer is not None or ci.ana_positive is not None):
        note = ("better explained by another cause" if ANA in ci.not_attributable
                else f"not above the reference titre 1:{reference_titer:g}")
        explanation.append(ExplanationItem("ana", 0, ci.ana_source(), f"not counted: {note}"))
    for name in sorted(ci.present & ci.not_attributable & USED_NAMES):
        explanation.append(ExplanationItem(
            name, 0, ci.source(name), "not counted: better explained by another cause"))
    for name in sorted(ci.present - USED_NAMES):
        explanation.append(ExplanationItem(name, 0, ci.source(name), "not a SLICC 2012 criterion"))

    n_clinical, n_immunologic = len(clinical), len(immunologic)
    by_count = n_clinical + n_immunologic >= MIN_CRITERIA and n_clinical >= 1 and n_immunologic >= 1
    nephritis = [n for n in BIOPSY_NEPHRITIS if ci.counts(n)]
    by_biopsy = bool(nephritis) and (ana_positive or "anti_dsdna" in immunologic)
    if nephritis:
        explanation.append(ExplanationItem(
            "biopsy_proven_lupus_nephritis", by_biopsy, ci.source(nephritis[0]),
            "stand-alone rule met: biopsy-proven lupus nephritis with ANA or anti-dsDNA" if by_biopsy
            else "stand-alone rule not met: needs a positive ANA or anti-dsDNA"))
    classified = by_count or by_biopsy
    rule = "biopsy_proven_nephritis" if by_biopsy else ("criteria_count" if by_count else None)
    explanation.append(ExplanationItem(
        "classification", classified,
        f"{n_clinical} clinical + {n_immunologic} immunological",
        "meets the SLICC 2012 classification criteria for SLE (classification, not diagnosis)"
        if classified else "does not meet the SLICC 2012 classification criteria for SLE"))
    return InstrumentResult(
        instrument=INSTRUMENT,
        version=VERSION,
        citation=CITATION,
        values={"classified": classified, "clinical": n_clinical, "immunologic": n_immunologic,
                "rule": rule},
        explanation=tuple(explanation),
    )
