"""ACR 1982 criteria as revised in 1997 (classification, not diagnosis): >= 4 of 11 criteria.

The criteria may be present serially or at the same time. The 1997 revision replaced the LE cell
with antiphospholipid antibodies in the immunological criterion.

Sources: Tan EM, Cohen AS, Fries JF, et al. The 1982 revised criteria for the classification of
SLE. Arthritis Rheum 1982;25:1271-7. Hochberg MC. Updating the ACR revised criteria for the
classification of SLE. Arthritis Rheum 1997;40:1725. Rules [known] from recall (spec section 8.3);
the papers were not re-read.
"""

from __future__ import annotations

from typing import Any

from lupuscare.instruments.classification_vocabulary import (
    ANA,
    ANA_DEFAULT_REFERENCE_TITER,
    read_criteria,
)
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

INSTRUMENT = "acr-1997"
VERSION = ("ACR 1982 revised criteria, 1997 update (classification criteria, not a diagnosis); "
           ">= 4 of 11")
CITATION = (
    "Tan EM et al. Arthritis Rheum 1982;25:1271-7; Hochberg MC. Arthritis Rheum 1997;40:1725. "
    "Recalled (primary not re-read)."
)
MIN_CRITERIA = 4

# criterion -> vocabulary names, any of which meets it (11 criteria).
CRITERIA_1997: dict[str, tuple[str, ...]] = {
    "malar_rash": ("malar_rash",),
    "discoid_rash": ("discoid_lupus",),
    "photosensitivity": ("photosensitivity",),
    "oral_ulcers": ("oral_ulcers", "nasal_ulcers"),
    "arthritis": ("non_erosive_arthritis",),
    "serositis": ("pleurisy", "pericarditis", "pleural_or_pericardial_effusion",
                  "acute_pericarditis"),
    "renal_disorder": ("proteinuria", "cellular_casts", "rbc_casts"),
    "neurologic_disorder": ("seizure", "psychosis"),
    "haematologic_disorder": ("haemolytic_anaemia", "autoimmune_haemolysis", "leukopenia_repeated",
                              "lymphopenia_repeated", "thrombocytopenia"),
    "immunologic_disorder": ("anti_dsdna", "anti_sm", "antiphospholipid_antibodies",
                             "anticardiolipin", "lupus_anticoagulant",
                             "false_positive_syphilis_test"),
    "ana": (ANA,),
}
# Names that look similar but do not meet an ACR 1997 criterion, and why.
NEAR_MISSES: dict[str, str] = {
    "leukopenia": "ACR 1997 needs leukopenia on >= 2 occasions (record leukopenia_repeated)",
    "lymphopenia": "ACR 1997 needs lymphocytes < 1,500/mm3 on >= 2 occasions "
                   "(record lymphopenia_repeated)",
    "joint_involvement": "ACR 1997 needs non-erosive arthritis of >= 2 peripheral joints "
                         "(record non_erosive_arthritis)",
    "acute_cutaneous_lupus": "ACR 1997 counts a malar rash only (record malar_rash)",
}
USED_NAMES: frozenset[str] = frozenset(n for v in CRITERIA_1997.values() for n in v) - {ANA}


def score(document: dict[str, Any], **options: Any) -> InstrumentResult:
    """Classification by ACR 1997: ``classified``, ``count`` and ``criteria`` (name -> bool)."""
    ci = read_criteria(document)
    reference_titer = options.get("ana_reference_titer", ANA_DEFAULT_REFERENCE_TITER)
    ana_positive = ci.ana_above(reference_titer) and ANA not in ci.not_attributable
    met: dict[str, bool] = {}
    explanation: list[ExplanationItem] = []
    for criterion, names in CRITERIA_1997.items():
        found = ([ANA] if ana_positive else []) if names == (ANA,) else [
            n for n in names if ci.counts(n)]
        met[criterion] = bool(found)
        if found:
            explanation.append(ExplanationItem(
                criterion, 1, "; ".join(ci.source(n) for n in found),
                "persistent proteinuria > 0.5 g/day or > 3+ required" if "proteinuria" in found
                else ""))
    if not ana_positive and (ci.ana_titer is not None or ci.ana_positive is not None):
        explanation.append(ExplanationItem("ana", 0, ci.ana_source(), "not counted"))
    for name in sorted(ci.present & ci.not_attributable & USED_NAMES):
        explanation.append(ExplanationItem(
            name, 0, ci.source(name), "not counted: better explained by another cause"))
    for name in sorted(ci.present - USED_NAMES):
        explanation.append(ExplanationItem(
            name, 0, ci.source(name), NEAR_MISSES.get(name, "not an ACR 1997 criterion")))
    count = sum(met.values())
    classified = count >= MIN_CRITERIA
    explanation.append(ExplanationItem(
        "classification", classified, f"{count} of 11 criteria",
        "meets the ACR 1997 classification criteria for SLE (classification, not diagnosis)"
        if classified else "does not meet the ACR 1997 classification criteria for SLE"))
    return InstrumentResult(
        instrument=INSTRUMENT,
        version=VERSION,
        citation=CITATION,
        values={"classified": classified, "count": count, "criteria": met},
        explanation=tuple(explanation),
    )
