"""Code maps between the project's vocabulary and the terminologies other systems send (FHIR R4).

One place for every external code the record reads or writes: LOINC for lab tests (taken from
``vocabulary.LAB_TESTS``, never retyped here), LOINC for the two vital signs the record keeps,
RxNorm ingredient codes for drugs, SNOMED CT and ICD-10-CM for the conditions the record knows
(SLE, lupus nephritis). UCUM units are already the project's units (``clinical.units``).

Certainty, as checked with the project's search tools on 2026-12-04 (none against the
terminologies' own browsers; check before release):
- Body weight LOINC 29463-7: seen with the display "Body weight" in several public FHIR
  resources and vital-sign tables (it is the FHIR vital-signs profile's code).
- RxNorm ingredient CUIs: each seen with its ingredient name in one curated public table (the
  CPIC pharmacogenomics database's drug list, cpicpgx/cpic-schema drug.sql). Drugs without a
  verified CUI (prednisone, prednisolone, methylprednisolone, belimumab, anifrolumab, voclosporin,
  ...) carry none: they are matched by generic name only.
- SNOMED CT 55464009 "Systemic lupus erythematosus (disorder)": seen with that fully specified
  name in several public code lists. 68815009 "Systemic lupus erythematosus glomerulonephritis
  syndrome (disorder)" and its WHO-class children: one curated public code set (Greater
  Manchester SDE lupus-nephritis SNOMED list).
- ICD-10-CM M32.9 (SLE, unspecified), M32.10 (organ involvement unspecified), M32.14 (glomerular
  disease in SLE): seen with these titles on several ICD-10-CM reference pages. WHO ICD-10 codes
  the same concepts differently (M32.1+ with N08.5*) and is not mapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lupuscare.clinical.units import CANONICAL_UNIT
from lupuscare.clinical.vocabulary import DRUGS, LAB_TESTS

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

Certainty = Literal["several_sources", "one_source", "unverified"]

# LOINC -> lab test name, from the vocabulary (one source of truth).
LOINC_TO_TEST: dict[str, str] = {t.loinc: t.name for t in LAB_TESTS.values() if t.loinc}
TEST_TO_LOINC: dict[str, str] = {name: code for code, name in LOINC_TO_TEST.items()}
CANONICAL_TESTS = frozenset(CANONICAL_UNIT)  # every lab test the record holds

# Vital signs the record keeps outside the lab table (body temperature is the ``temperature``
# lab, by its vocabulary LOINC 8310-5).
BODY_WEIGHT_LOINC = "29463-7"
BODY_WEIGHT_UNITS: dict[str, float] = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237}  # UCUM; lb exact


def lab_test_for_loinc(code: str) -> str | None:
    """The lab test a LOINC code names, or None: an unknown code is reported, never guessed."""
    return LOINC_TO_TEST.get(code)


@dataclass(frozen=True, slots=True)
class DrugCode:
    drug: str
    rxnorm: str
    certainty: Certainty


# RxNorm ingredient CUIs (cpicpgx/cpic-schema drug.sql; one curated source each).
RXNORM_INGREDIENTS: dict[str, DrugCode] = {d.drug: d for d in (
    DrugCode("hydroxychloroquine", "5521", "one_source"),
    DrugCode("chloroquine", "2393", "one_source"),
    DrugCode("azathioprine", "1256", "one_source"),
    DrugCode("methotrexate", "6851", "one_source"),
    DrugCode("mycophenolic_acid", "7145", "one_source"),
    DrugCode("cyclophosphamide", "3002", "one_source"),
    DrugCode("tacrolimus", "42316", "one_source"),
    DrugCode("ciclosporin", "3008", "one_source"),
    DrugCode("rituximab", "121191", "one_source"),
    DrugCode("budesonide", "19831", "one_source"),
    DrugCode("triamcinolone", "10759", "one_source"),
    DrugCode("celecoxib", "140587", "one_source"),
    DrugCode("diclofenac", "3355", "one_source"),
    DrugCode("tamoxifen", "10324", "one_source"),
)}
_RXNORM_TO_DRUG = {d.rxnorm: d.drug for d in RXNORM_INGREDIENTS.values()}

# Other spellings of the vocabulary's generic names (US adopted names, common salts).
DRUG_SYNONYMS: dict[str, str] = {
    "cyclosporine": "ciclosporin",
    "cyclosporin": "ciclosporin",
    "mycophenolate": "mycophenolate_mofetil",
    "mycophenolate_sodium": "mycophenolic_acid",
    "hydroxychloroquine_sulfate": "hydroxychloroquine",
    "hydroxychloroquine_sulphate": "hydroxychloroquine",
    "mepacrine": "quinacrine",
    "methylprednisolone_sodium_succinate": "methylprednisolone",
}


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def drug_for_name(text: str) -> str | None:
    """The vocabulary's drug for a generic name as a system writes it ("Mycophenolate mofetil",
    "cyclosporine"), or None. A name with a strength ("prednisone 5 mg tablet") is matched by its
    leading words only when they are a known generic name."""
    key = _normalise(text)
    if key in DRUGS:
        return key
    if key in DRUG_SYNONYMS:
        return DRUG_SYNONYMS[key]
    words = key.split("_")
    for n in range(len(words) - 1, 0, -1):
        head = "_".join(words[:n])
        if head in DRUGS:
            return head
        if head in DRUG_SYNONYMS:
            return DRUG_SYNONYMS[head]
    return None


def drug_for_rxnorm(code: str) -> str | None:
    """The drug of an RxNorm ingredient CUI this map holds (product CUIs are not mapped)."""
    return _RXNORM_TO_DRUG.get(code)


def rxnorm_for_drug(drug: str) -> str | None:
    entry = RXNORM_INGREDIENTS.get(drug)
    return entry.rxnorm if entry else None


ConditionName = Literal["sle", "lupus_nephritis"]


@dataclass(frozen=True, slots=True)
class ConditionCode:
    condition: ConditionName
    system: str
    code: str
    display: str
    certainty: Certainty


CONDITION_CODES: tuple[ConditionCode, ...] = (
    ConditionCode("sle", SNOMED, "55464009", "Systemic lupus erythematosus", "several_sources"),
    ConditionCode("sle", ICD10CM, "M32.9", "Systemic lupus erythematosus, unspecified",
                  "several_sources"),
    ConditionCode("sle", ICD10CM, "M32.10",
                  "Systemic lupus erythematosus, organ or system involvement unspecified",
                  "several_sources"),
    ConditionCode("lupus_nephritis", SNOMED, "68815009",
                  "Systemic lupus erythematosus glomerulonephritis syndrome", "one_source"),
    *(ConditionCode("lupus_nephritis", SNOMED, code,
                    f"Systemic lupus erythematosus glomerulonephritis syndrome, WHO class {c}",
                    "one_source")
      for code, c in (("73286009", "I"), ("4676006", "II"), ("76521009", "III"),
                      ("36402006", "IV"), ("52042003", "V"), ("11013005", "VI"))),
    ConditionCode("lupus_nephritis", ICD10CM, "M32.14",
                  "Glomerular disease in systemic lupus erythematosus", "several_sources"),
)
_CONDITION_BY_CODE = {(c.system, c.code): c for c in CONDITION_CODES}


def condition_for_code(system: str, code: str) -> ConditionCode | None:
    """SLE or lupus nephritis for a SNOMED CT or ICD-10-CM code this map holds, else None."""
    return _CONDITION_BY_CODE.get((system, code))


# Codes the export defines for what no standard terminology names (stored instrument results).
LUPUSCARE_INSTRUMENT_SYSTEM = "https://lupuscare.org/fhir/CodeSystem/instrument"
LUPUSCARE_ALERT_SYSTEM = "https://lupuscare.org/fhir/CodeSystem/alert"
LUPUSCARE_DRUG_SYSTEM = "https://lupuscare.org/fhir/CodeSystem/drug"
LUPUSCARE_LAB_SYSTEM = "https://lupuscare.org/fhir/CodeSystem/lab-test"
LUPUSCARE_SCHEDULE_SYSTEM = "https://lupuscare.org/fhir/CodeSystem/schedule"
