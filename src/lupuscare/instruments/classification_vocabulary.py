"""One vocabulary of classification-criterion names for EULAR/ACR 2019, SLICC 2012 and ACR 1997.

The assessment document lists, in ``criteria``, every criterion ever present (contracts.md
section 2.4), and in ``not_attributable`` those better explained by something else. The three
instruments read the same names: each maps its own criteria onto them here, so a name means the
same thing everywhere, and a finer name (``discoid_lupus``) can satisfy a broader criterion
(EULAR/ACR "subacute cutaneous or discoid lupus"). The definitions are in
docs/instruments/classification-vocabulary.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lupuscare.errors import InputError, MissingInputError

# name -> what the clinician attests (ever present, by the definition given).
CRITERIA: dict[str, str] = {
    # constitutional and haematological
    "fever": "Fever > 38.3 degC (EULAR/ACR 2019 definition)",
    "leukopenia": "White cells < 4,000/mm3 at least once",
    "leukopenia_repeated": "White cells < 4,000/mm3 on >= 2 occasions (ACR 1997); implies leukopenia",
    "lymphopenia": "Lymphocytes < 1,000/mm3 at least once (SLICC 2012)",
    "lymphopenia_repeated": "Lymphocytes < 1,500/mm3 on >= 2 occasions (ACR 1997)",
    "thrombocytopenia": "Platelets < 100,000/mm3 at least once",
    "autoimmune_haemolysis": "Haemolysis (reticulocytosis, low haptoglobin, raised indirect "
                             "bilirubin or LDH) with a positive direct Coombs test (EULAR/ACR "
                             "2019); implies haemolytic_anaemia",
    "haemolytic_anaemia": "Haemolytic anaemia (SLICC 2012, ACR 1997; Coombs not required)",
    # neuropsychiatric
    "delirium": "Delirium: acute, fluctuating change of consciousness or attention (EULAR/ACR "
                "2019); also an acute confusional state for SLICC 2012",
    "acute_confusional_state": "Acute confusional state (SLICC 2012)",
    "psychosis": "Psychosis: delusions or hallucinations without insight, no delirium",
    "seizure": "Seizure: primary generalised or partial/focal",
    "mononeuritis_multiplex": "Mononeuritis multiplex (SLICC 2012)",
    "myelitis": "Myelitis (SLICC 2012)",
    "peripheral_neuropathy": "Peripheral neuropathy (SLICC 2012)",
    "cranial_neuropathy": "Cranial neuropathy (SLICC 2012)",
    # mucocutaneous
    "non_scarring_alopecia": "Non-scarring alopecia observed by a clinician",
    "oral_ulcers": "Oral ulcers observed by a clinician",
    "nasal_ulcers": "Nasal (nasopharyngeal) ulcers (SLICC 2012, ACR 1997)",
    "acute_cutaneous_lupus": "Acute cutaneous lupus: malar or generalised maculopapular rash "
                             "observed by a clinician",
    "malar_rash": "Malar rash (ACR 1997); implies acute_cutaneous_lupus",
    "subacute_or_discoid_lupus": "Subacute cutaneous or discoid lupus (EULAR/ACR 2019 item, "
                                 "when the subtype was not recorded)",
    "subacute_cutaneous_lupus": "Subacute cutaneous lupus (annular or papulosquamous)",
    "discoid_lupus": "Discoid lupus (ACR 1997 'discoid rash')",
    "chronic_cutaneous_lupus": "Chronic cutaneous lupus other than discoid (e.g. lupus "
                               "panniculitis, mucosal, tumidus, chilblain; SLICC 2012)",
    "photosensitivity": "Photosensitivity (ACR 1997)",
    # serosal
    "pleural_or_pericardial_effusion": "Pleural or pericardial effusion on imaging",
    "acute_pericarditis": "Acute pericarditis: >= 2 of pericardial chest pain, pericardial rub, "
                          "ECG with new widespread ST elevation or PR depression, new or worse "
                          "pericardial effusion",
    "pleurisy": "Pleurisy: typical pleuritic pain > 1 day, pleural rub or effusion (SLICC 2012, "
                "ACR 1997)",
    "pericarditis": "Pericarditis: typical pain > 1 day, rub, effusion or ECG changes (SLICC "
                    "2012, ACR 1997)",
    # musculoskeletal
    "joint_involvement": "Synovitis in >= 2 joints, or tenderness in >= 2 joints with >= 30 "
                         "minutes of morning stiffness",
    "non_erosive_arthritis": "Non-erosive arthritis of >= 2 peripheral joints (ACR 1997)",
    # renal
    "proteinuria": "Proteinuria > 0.5 g/24 h (or equivalent spot UPCR); for ACR 1997 it must be "
                   "persistent",
    "proteinuria_500mg_or_more": "Proteinuria >= 500 mg/24 h (SLICC 2012 wording): use it for "
                                 "exactly 0.5 g/24 h, which meets SLICC but not the '> 0.5 g' of "
                                 "EULAR/ACR 2019 and ACR 1997",
    "rbc_casts": "Red cell casts in urine; implies cellular_casts",
    "cellular_casts": "Cellular casts in urine (ACR 1997)",
    "lupus_nephritis_class_ii_or_v": "Renal biopsy: ISN/RPS class II or V lupus nephritis",
    "lupus_nephritis_class_iii_or_iv": "Renal biopsy: ISN/RPS class III or IV lupus nephritis",
    "biopsy_proven_lupus_nephritis": "Renal biopsy: lupus nephritis of any class",
    # immunology
    "antiphospholipid_antibodies": "Anticardiolipin (medium/high titre), anti-beta2-glycoprotein "
                                   "I or lupus anticoagulant",
    "anticardiolipin": "Anticardiolipin antibodies, medium or high titre (> 40 GPL/MPL or > 99th "
                       "centile)",
    "anti_beta2_glycoprotein_i": "Anti-beta2-glycoprotein I antibodies",
    "lupus_anticoagulant": "Lupus anticoagulant",
    "false_positive_syphilis_test": "False-positive syphilis serology (RPR/VDRL) (SLICC 2012; "
                                    "ACR 1997: for >= 6 months)",
    "low_c3": "C3 below the laboratory's lower limit",
    "low_c4": "C4 below the laboratory's lower limit",
    "low_ch50": "CH50 below the laboratory's lower limit (SLICC 2012)",
    "anti_dsdna": "Anti-dsDNA antibody above the reference range, in an assay with >= 90% "
                  "specificity for SLE (SLICC: > 2x reference if by ELISA)",
    "anti_sm": "Anti-Smith antibody",
    "direct_coombs": "Positive direct Coombs test (SLICC 2012 immunological criterion, not "
                     "counted when haemolytic anaemia counts)",
}

# EULAR/ACR 2019 entry criterion: ANA at a titre of >= 1:80 on HEp-2 cells (or an equivalent
# positive test) at least once. Aringer 2019; spec section 8.1 [seen: weights tables].
ANA_ENTRY_TITER = 80
# SLICC 2012 and ACR 1997 count "ANA above the laboratory reference range". When only a titre is
# given and no ``ana_positive`` flag, this titre is taken as the reference limit unless the
# ``ana_reference_titer`` option says otherwise (a decision, not a published number).
ANA_DEFAULT_REFERENCE_TITER = 80

ANA = "ana"  # name of the ANA criterion in explanations and in ``not_attributable``


@dataclass(frozen=True, slots=True)
class CriteriaInput:
    """The validated criteria part of one assessment document."""

    present: frozenset[str]
    not_attributable: frozenset[str]
    positions: Mapping[str, int]  # name -> index in ``criteria`` (for explanations)
    ana_titer: float | None
    ana_positive: bool | None
    ana_from_labs: bool = False

    def source(self, name: str) -> str:
        if name == ANA:
            return self.ana_source()
        return f"criteria[{self.positions[name]}]:{name}"

    def ana_source(self) -> str:
        parts = []
        if self.ana_titer is not None:
            parts.append(f"ana_titer=1:{self.ana_titer:g}" + (
                " (highest in labs)" if self.ana_from_labs else ""))
        if self.ana_positive is not None:
            parts.append(f"ana_positive={str(self.ana_positive).lower()}")
        return ", ".join(parts) or "ANA not recorded"

    def counts(self, name: str) -> bool:
        """Present and not better explained by something else."""
        return name in self.present and name not in self.not_attributable

    def ana_above(self, titer: float) -> bool:
        """ANA positive: the ``ana_positive`` flag, or a titre at or above ``titer``."""
        if self.ana_positive:
            return True
        return self.ana_titer is not None and self.ana_titer >= titer


def _parse_titer(value: object) -> float:
    """``160``, ``160.0``, ``"160"`` or ``"1:160"`` -> 160."""
    if isinstance(value, bool):
        raise InputError("ana_titer", "must be a titre such as 160 (for 1:160)")
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("1:"):
            text = text[2:]
        try:
            value = float(text)
        except ValueError:
            raise InputError("ana_titer", f"not a titre: {value!r}") from None
    if not isinstance(value, int | float) or value != value or value <= 0:
        raise InputError("ana_titer", f"must be a positive titre such as 160, got {value!r}")
    return float(value)


def _highest_lab_titer(labs: object) -> float | None:
    """The highest ``ana_titer`` in the ``labs`` list (the criteria ask for ANA "ever")."""
    if not isinstance(labs, list):
        return None
    best: float | None = None
    for i, lab in enumerate(labs):
        if not isinstance(lab, Mapping) or lab.get("test") != "ana_titer":
            continue
        unit = lab.get("unit", "{titer}")
        if unit != "{titer}":
            raise InputError(f"labs[{i}].unit", f"an ANA titre has unit '{{titer}}', got {unit!r}")
        try:
            value = _parse_titer(lab.get("value"))
        except InputError as err:
            raise InputError(f"labs[{i}].value", err.message) from None
        best = value if best is None else max(best, value)
    return best


def read_criteria(document: Mapping[str, Any], *, require_criteria: bool = True) -> CriteriaInput:
    """Validate ``criteria``, ``not_attributable``, ``ana_titer`` and ``ana_positive``."""
    raw = document.get("criteria")
    if raw is None:
        if require_criteria:
            raise MissingInputError("criteria", "the list of criteria ever present is required")
        raw = []
    if not isinstance(raw, list):
        raise InputError("criteria", "must be a list of criterion names")
    positions: dict[str, int] = {}
    for i, name in enumerate(raw):
        if not isinstance(name, str) or name not in CRITERIA:
            raise InputError(f"criteria[{i}]", f"unknown criterion {name!r} (see "
                             "docs/instruments/classification-vocabulary.md)")
        positions.setdefault(name, i)
    na = document.get("not_attributable", [])
    if not isinstance(na, list) or not all(isinstance(n, str) for n in na):
        raise InputError("not_attributable", "must be a list of names")
    titer = document.get("ana_titer")
    ana_titer = None if titer is None else _parse_titer(titer)
    if ana_titer is None:
        ana_titer = _highest_lab_titer(document.get("labs"))
    positive = document.get("ana_positive")
    if positive is not None and not isinstance(positive, bool):
        raise InputError("ana_positive", f"must be true or false, got {positive!r}")
    return CriteriaInput(frozenset(positions), frozenset(na), positions, ana_titer, positive,
                         ana_from_labs=titer is None and ana_titer is not None)


def require_ana(criteria: CriteriaInput) -> None:
    """EULAR/ACR 2019 cannot be scored without an ANA result."""
    if criteria.ana_titer is None and criteria.ana_positive is None:
        raise MissingInputError("ana_titer", "the ANA titre (or ana_positive) is required for the "
                                "entry criterion")
