"""2019 EULAR/ACR classification criteria for SLE (classification, not diagnosis).

Rules: the entry criterion (ANA >= 1:80 on HEp-2 cells, or an equivalent positive test, ever)
must be met, or no criterion is applied. A criterion counts once, ever, if nothing explains it
better than SLE. In each domain only the highest-weighted criterion counts. Classify when the
total is >= 10 and at least one clinical criterion counts.

Source: Aringer M, Costenbader K, Daikh D, et al. 2019 European League Against Rheumatism/American
College of Rheumatology classification criteria for systemic lupus erythematosus. Ann Rheum Dis
2019;78:1151-9 and Arthritis Rheumatol 2019;71:1400-12. Weights [seen] in three transcriptions
of Table 1 (HHE Rheumatology 2019 Table 2; vanderbilt-internal-medicine docs; healthunlocked),
spec section 8.1; the paper itself was not re-read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lupuscare.instruments.classification_vocabulary import (
    ANA_ENTRY_TITER,
    CriteriaInput,
    read_criteria,
    require_ana,
)
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

INSTRUMENT = "eular-acr-2019"
VERSION = ("2019 EULAR/ACR classification criteria for SLE (classification criteria, not a "
           "diagnosis); entry ANA >= 1:80; classify at >= 10 points with >= 1 clinical criterion")
CITATION = (
    "Aringer M, Costenbader K, Daikh D, et al. 2019 EULAR/ACR classification criteria for systemic "
    "lupus erythematosus. Ann Rheum Dis 2019;78:1151-9; Arthritis Rheumatol 2019;71:1400-12. "
    "Weights checked against secondary transcriptions of Table 1 (primary not re-read)."
)
CLASSIFICATION_THRESHOLD = 10


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    weight: int
    satisfied_by: tuple[str, ...]  # vocabulary names, any of which meets it
    all_of: bool = False  # True: every name in satisfied_by must count (low C3 AND low C4)


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    clinical: bool
    criteria: tuple[Criterion, ...]


DOMAINS: tuple[Domain, ...] = (
    Domain("constitutional", True, (Criterion("fever", 2, ("fever",)),)),
    Domain("haematologic", True, (
        Criterion("leukopenia", 3, ("leukopenia", "leukopenia_repeated")),
        Criterion("thrombocytopenia", 4, ("thrombocytopenia",)),
        Criterion("autoimmune_haemolysis", 4, ("autoimmune_haemolysis",)),
    )),
    Domain("neuropsychiatric", True, (
        Criterion("delirium", 2, ("delirium",)),
        Criterion("psychosis", 3, ("psychosis",)),
        Criterion("seizure", 5, ("seizure",)),
    )),
    Domain("mucocutaneous", True, (
        Criterion("non_scarring_alopecia", 2, ("non_scarring_alopecia",)),
        Criterion("oral_ulcers", 2, ("oral_ulcers",)),
        Criterion("subacute_or_discoid_lupus", 4,
                  ("subacute_or_discoid_lupus", "subacute_cutaneous_lupus", "discoid_lupus")),
        Criterion("acute_cutaneous_lupus", 6, ("acute_cutaneous_lupus", "malar_rash")),
    )),
    Domain("serosal", True, (
        Criterion("pleural_or_pericardial_effusion", 5, ("pleural_or_pericardial_effusion",)),
        Criterion("acute_pericarditis", 6, ("acute_pericarditis",)),
    )),
    Domain("musculoskeletal", True, (Criterion("joint_involvement", 6, ("joint_involvement",)),)),
    Domain("renal", True, (
        Criterion("proteinuria", 4, ("proteinuria",)),
        Criterion("lupus_nephritis_class_ii_or_v", 8, ("lupus_nephritis_class_ii_or_v",)),
        Criterion("lupus_nephritis_class_iii_or_iv", 10, ("lupus_nephritis_class_iii_or_iv",)),
    )),
    Domain("antiphospholipid_antibodies", False, (
        Criterion("antiphospholipid_antibodies", 2, ("antiphospholipid_antibodies",
                                                     "anticardiolipin", "anti_beta2_glycoprotein_i",
                                                     "lupus_anticoagulant")),
    )),
    Domain("complement_proteins", False, (
        Criterion("low_c3_or_low_c4", 3, ("low_c3", "low_c4")),
        Criterion("low_c3_and_low_c4", 4, ("low_c3", "low_c4"), all_of=True),
    )),
    Domain("sle_specific_antibodies", False, (
        Criterion("anti_dsdna_or_anti_sm", 6, ("anti_dsdna", "anti_sm")),
    )),
)

USED_NAMES: frozenset[str] = frozenset(n for d in DOMAINS for c in d.criteria for n in c.satisfied_by)


def _met(criterion: Criterion, ci: CriteriaInput) -> tuple[str, ...]:
    """The names that meet ``criterion`` (empty if it is not met)."""
    counting = tuple(n for n in criterion.satisfied_by if ci.counts(n))
    if criterion.all_of:
        return counting if len(counting) == len(criterion.satisfied_by) else ()
    return counting


def score(document: dict[str, Any], **options: Any) -> InstrumentResult:
    """Classification by the 2019 EULAR/ACR criteria: ``classified``, ``total``, ``domains``."""
    ci = read_criteria(document)
    require_ana(ci)
    entry = ci.ana_above(ANA_ENTRY_TITER)
    explanation = [ExplanationItem(
        "entry_criterion", entry, ci.ana_source(),
        "ANA >= 1:80 (or equivalent positive test) ever" if entry
        else "entry criterion not met: ANA < 1:80; additive criteria not applied",
    )]
    domains = {d.name: 0 for d in DOMAINS}
    clinical_counted = False
    if entry:
        for domain in DOMAINS:
            met = [(c, names) for c in domain.criteria if (names := _met(c, ci))]
            met.sort(key=lambda cn: -cn[0].weight)
            for rank, (criterion, names) in enumerate(met):
                source = "; ".join(ci.source(n) for n in names)
                if rank == 0:
                    domains[domain.name] = criterion.weight
                    clinical_counted |= domain.clinical
                    explanation.append(ExplanationItem(
                        criterion.name, criterion.weight, source,
                        f"{'clinical' if domain.clinical else 'immunology'} domain "
                        f"{domain.name}: highest-weighted criterion"))
                else:
                    explanation.append(ExplanationItem(
                        criterion.name, 0, source,
                        f"not counted: only the highest-weighted criterion in {domain.name} counts"))
        for name in sorted(ci.present & ci.not_attributable & USED_NAMES):
            explanation.append(ExplanationItem(
                name, 0, ci.source(name), "not counted: better explained by another cause"))
        for name in sorted(ci.present - USED_NAMES):
            explanation.append(ExplanationItem(
                name, 0, ci.source(name), "not an EULAR/ACR 2019 criterion"))
    total = sum(domains.values())
    classified = entry and total >= CLASSIFICATION_THRESHOLD and clinical_counted
    if entry and total >= CLASSIFICATION_THRESHOLD and not clinical_counted:
        explanation.append(ExplanationItem(
            "clinical_criterion", False, "criteria",
            "not classified: at least one clinical criterion is required"))
    explanation.append(ExplanationItem(
        "classification", classified, f"total {total}",
        "meets the 2019 EULAR/ACR classification criteria for SLE (classification, not diagnosis)"
        if classified else "does not meet the 2019 EULAR/ACR classification criteria for SLE"))
    return InstrumentResult(
        instrument=INSTRUMENT,
        version=VERSION,
        citation=CITATION,
        values={"classified": classified, "total": total, "entry_criterion": entry,
                "domains": domains, "clinical_criterion": clinical_counted},
        explanation=tuple(explanation),
    )
