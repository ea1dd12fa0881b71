"""SLE-DAS: the SLE Disease Activity Score, a continuous 17-item measure.

Derivation: Jesus D, Matos A, Henriques C, et al. Ann Rheum Dis 2019;78:365-371
(doi:10.1136/annrheumdis-2018-214502) [seen: abstract]. Categories: Jesus D et al. Ann Rheum Dis
2021;80:1568-74 [seen: abstract]: remission <= 2.08, mild > 2.08 to <= 7.64, moderate/severe
> 7.64. Severe cut-off > 9.90: Jesus D et al. Lupus Sci Med 2025;12:e001499 [seen: abstract].

COEFFICIENTS ARE UNVERIFIED (single secondary source). They come from one public TypeScript
calculator (file ``wave7-rheum-activity.ts``, citing "Jesus 2019 Fig. 1"; clinical-instruments.md
section 2.3). Verification attempted 2026-11-25 with the project's search tools: the paper's
Table 1 (ard.bmj.com highwire markup 250723) and the stored sle-das.eu page confirm the 17 items,
their definitions and the inputs (28-joint swollen count;
proteinuria in mg/g or mg/24 h, counted above 500; platelets in G/L below 100; leukocytes in G/L
below 3; C3 or C4 below the lab's lower limit) but shows no coefficients; the stored ARD 2019
pages carry only the abstract; exact-string searches for the coefficients (3.811, 17.584, 26.105)
found no other source. Consistency checks that hold: serology alone gives 0.366 + 0.754 + 0.956
= 2.076, which rounds to the published remission cut-off 2.08. Every result says so in its
warnings until the coefficients are checked against the paper's formula or the calculator.

Second attempt 2026-12-04 (search tool, pages corpus; queries "SLE-DAS derivation validation Jesus
2019 coefficients", "SLE Disease Activity Score formula", the table/figure wording, and the
coefficient numbers themselves): the stored pages are the ARD abstract (ard.bmj.com, PubMed
30626657, a 1library.org copy whose stored text stops after the title page), Table 1 (highwire
markup 250723: item definitions only) and sle-das.eu (item definitions, input units). No stored
page shows the regression table or the Figure 1 formula, so no coefficient was verified or
changed; a figure such as "8.37" for arthritis quoted without a source was not adopted. What the
two primary pages do settle is the rash rule: Table 1 defines localized rash as "only above the
neck" and generalized as "above and below the neck" (sle-das.eu: "below the neck, with or without
rash above the neck"), so the items are exclusive and a patient with both scores generalized only.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from lupuscare.clinical.labs import LEUKOPENIA_BELOW, THROMBOCYTOPENIA_BELOW
from lupuscare.clinical.units import to_canonical_exact
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.assessment import Assessment, accepts_assessment
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

CITATION = ("Jesus D, Matos A, Henriques C, et al. Ann Rheum Dis 2019;78:365-371 (derivation); "
            "Jesus D et al. Ann Rheum Dis 2021;80:1568-74 (categories); Jesus D et al. Lupus Sci Med "
            "2025;12:e001499 (severe > 9.90)")
VERSION = "SLE-DAS 2019 (coefficients unverified, single secondary source); 2021 categories"
UNVERIFIED_WARNING = ("SLE-DAS coefficients are from a single unverified secondary source; check "
                      "against Jesus et al. 2019 or sle-das.eu before clinical use")

INTERCEPT = 0.366
COEF_ARTHRITIS = 3.132  # Arth = 1 when SJC28 >= 1
COEF_SJC28 = 0.454
COEF_MUCOCUTANEOUS_VASCULITIS = 4.408
COEF_LOCALIZED_RASH = 3.138
COEF_GENERALIZED_RASH = 3.887
COEF_ALOPECIA = 0.973
COEF_MUCOSAL_ULCERS = 2.769
COEF_HYPOCOMPLEMENTAEMIA = 0.754
COEF_ANTI_DSDNA = 0.956
PROTEINURIA = (-17.584, 3.811)  # a + b ln(protein mg/24 h or mg/g), when protein > 500
THROMBOCYTOPENIA = (26.105, -5.577)  # a + b ln(platelets 10^9/L), when platelets < 100
LEUKOPENIA = (6.118, -5.058)  # a + b ln(WBC 10^9/L), when WBC < 3
COEF_NEUROPSYCHIATRIC = 18.0
COEF_SYSTEMIC_VASCULITIS = 18.0
COEF_CARDIOPULMONARY = 18.0
COEF_MYOSITIS = 9.0
COEF_SEROSITIS = 6.0
COEF_HAEMOLYTIC_ANAEMIA = 9.0

PROTEINURIA_ABOVE_MG = Fraction(500)  # mg/g or mg/24 h (sle-das.eu)
REMISSION_AT_MOST = 2.08
MILD_AT_MOST = 7.64
SEVERE_ABOVE = 9.90

# Binary items: name -> (coefficient, findings that make it present)
BINARY_ITEMS: dict[str, tuple[float, tuple[str, ...]]] = {
    "neuropsychiatric": (COEF_NEUROPSYCHIATRIC, (
        "seizure", "psychosis", "organic_brain_syndrome", "acute_confusional_state",
        "visual_disturbance", "cranial_neuropathy", "peripheral_neuropathy", "myelopathy",
        "lupus_headache", "cva", "aseptic_meningitis")),
    "systemic_vasculitis": (COEF_SYSTEMIC_VASCULITIS, ("vasculitis_systemic", "lupus_enteritis")),
    "mucocutaneous_vasculitis": (COEF_MUCOCUTANEOUS_VASCULITIS, ("vasculitis_mucocutaneous",)),
    "cardiopulmonary": (COEF_CARDIOPULMONARY, (
        "shrinking_lung", "pneumonitis", "alveolar_haemorrhage", "pulmonary_hypertension",
        "myocarditis", "valvular_dysfunction")),
    "serositis": (COEF_SEROSITIS, ("pleurisy", "pericarditis", "peritonitis")),
    "myositis": (COEF_MYOSITIS, ("myositis",)),
    "localized_rash": (COEF_LOCALIZED_RASH, ("rash_localized",)),
    "generalized_rash": (COEF_GENERALIZED_RASH, ("rash_generalized",)),
    "alopecia": (COEF_ALOPECIA, ("alopecia",)),
    "mucosal_ulcers": (COEF_MUCOSAL_ULCERS, ("mucosal_ulcers",)),
    "haemolytic_anaemia": (COEF_HAEMOLYTIC_ANAEMIA, ("haemolytic_anaemia",)),
    "increased_anti_dsdna": (COEF_ANTI_DSDNA, ("increased_dna_binding",)),
}


# The two rash items are exclusive by definition (Jesus 2019 Table 1; sle-das.eu): localized is
# "only above the neck", generalized is "below the neck (with or without rash above the neck)".
# A rash above and below the neck is therefore generalized only; localized never adds to it.
RASH_PRECEDENCE_WARNING = ("localized and generalized rash both attested: scored as generalized "
                           "rash only (a rash below the neck, with or without one above it)")


def _generalized_rash(active: dict) -> bool:
    return any(active.get(f) for f in BINARY_ITEMS["generalized_rash"][1])


def category(rounded_score: float) -> str:
    if rounded_score <= REMISSION_AT_MOST:
        return "remission"
    if rounded_score <= MILD_AT_MOST:
        return "mild"
    return "moderate_severe"


def _hypocomplementaemia(a: Assessment) -> str | None:
    """C3 or C4 below the lab's low (CH50 is not an SLE-DAS input), or attested low complement."""
    if "low_complement" in a.not_attributable:
        return None
    for lab in (a.labs or ()):
        low = lab.get("low")
        if lab["test"] in ("c3", "c4") and low is not None and lab["value"] < low:
            return f"lab:{lab['test']}={lab['value']:g} {lab['unit']} (< lab low {low:g})"
    if "low_complement" in (a.findings or ()):
        return "finding:low_complement"
    return None


def _extreme(a: Assessment, test: str, lowest: bool) -> tuple[Fraction, str] | None:
    labs = a.labs_of(test)
    if not labs:
        return None
    pairs = [(to_canonical_exact(test, lab["value"], lab["unit"]), f"lab:{test}={lab['value']:g} {lab['unit']}")
             for lab in labs]
    return (min if lowest else max)(pairs, key=lambda p: p[0])


_PROTEIN_UNIT = {"urine_protein_24h": "mg/24 h", "upcr": "mg/g"}


def _protein_mg(a: Assessment) -> tuple[Fraction, str, str] | None:
    """Highest proteinuria in mg/24 h (preferred) or mg/g UPCR, with its source and unit."""
    for test in ("urine_protein_24h", "upcr"):
        found = _extreme(a, test, lowest=False)
        if found:
            return found[0] * 1000, found[1], _PROTEIN_UNIT[test]
    return None


def compute(a: Assessment) -> tuple[float, list[ExplanationItem], list[str]]:
    """Unrounded SLE-DAS, explanation of the terms that counted, warnings."""
    terms: list[ExplanationItem] = [ExplanationItem("intercept", INTERCEPT, "constant")]
    warnings: list[str] = [UNVERIFIED_WARNING]
    active = a.active

    sjc = a.joints.swollen_28 if a.joints else None
    if sjc is None:
        if "arthritis" in active:
            raise MissingInputError("joints.swollen_28", "SLE-DAS needs the 28-joint swollen count")
        sjc = 0
        warnings.append("no 28-joint swollen count given: taken as 0 (no arthritis finding)")
    elif "arthritis" in a.not_attributable:
        sjc = 0
        warnings.append("arthritis listed as not attributable: swollen joints not counted")
    if sjc >= 1:
        terms.append(ExplanationItem("arthritis", COEF_ARTHRITIS + COEF_SJC28 * sjc,
                                     f"input:joints.swollen_28={sjc}",
                                     f"{COEF_ARTHRITIS} + {COEF_SJC28} x {sjc}"))

    for name, (coef, findings) in BINARY_ITEMS.items():
        hits = [s for f in findings for s in active.get(f, ())]
        if hits and name == "localized_rash" and _generalized_rash(active):
            warnings.append(RASH_PRECEDENCE_WARNING)
            continue
        if hits:
            terms.append(ExplanationItem(name, coef, "; ".join(hits)))
    hypo = _hypocomplementaemia(a)
    if hypo:
        terms.append(ExplanationItem("hypocomplementaemia", COEF_HYPOCOMPLEMENTAEMIA, hypo))

    protein = _protein_mg(a)
    _continuous(a, terms, "proteinuria", protein[:2] if protein else None, PROTEINURIA,
                above=PROTEINURIA_ABOVE_MG, unit=protein[2] if protein else "mg")
    _continuous(a, terms, "thrombocytopenia", _extreme(a, "platelets", lowest=True),
                THROMBOCYTOPENIA, below=THROMBOCYTOPENIA_BELOW, unit="10*9/L")
    _continuous(a, terms, "leukopenia", _extreme(a, "wbc", lowest=True), LEUKOPENIA,
                below=LEUKOPENIA_BELOW, unit="10*9/L")
    value = math.fsum(float(t.points) for t in terms)
    shown = [ExplanationItem(t.item, round(float(t.points), 4), t.source, t.note) for t in terms]
    return value, shown, warnings


def _continuous(a: Assessment, terms: list[ExplanationItem], finding: str,
                measured: tuple[Fraction, str] | None, coef: tuple[float, float], *,
                above: Fraction | None = None, below: Fraction | None = None, unit: str) -> None:
    if finding in a.not_attributable:
        return
    if measured is None:
        if finding in (a.findings or ()):
            need = "urine_protein_24h or upcr" if finding == "proteinuria" else (
                "platelets" if finding == "thrombocytopenia" else "wbc")
            raise MissingInputError("labs", f"SLE-DAS needs the measured value ({need}) for {finding}")
        return
    v, source = measured
    if (above is not None and v > above) or (below is not None and v < below):
        x = float(v)
        if x <= 0:  # the term is a + b ln(count): a count of zero has no value on it
            raise InputError("labs", f"SLE-DAS cannot score a {finding} count of {x:g} {unit} "
                                     "(its term takes the logarithm of the count); check the value")
        term = coef[0] + coef[1] * math.log(x)
        terms.append(ExplanationItem(finding, term, source,
                                     f"{coef[0]} + {coef[1]} x ln({x:g} {unit})"))


@accepts_assessment
def score(document: dict, **options: Any) -> InstrumentResult:
    """Score SLE-DAS for one assessment (rounded to 2 decimals; categories on the rounded value)."""
    if options:
        raise InputError(next(iter(options)), "unknown option for sle-das")
    a = Assessment.from_document(document)
    a.require_activity_input()
    raw, terms, warnings = compute(a)
    rounded = round(raw, 2)
    return InstrumentResult(
        instrument="sle-das", version=VERSION, citation=CITATION,
        values={"score": rounded, "score_unrounded": raw, "category": category(rounded),
                "severe": rounded > SEVERE_ABOVE, "cutoffs_applied_to": "score rounded to 2 decimals"},
        explanation=tuple(terms), warnings=tuple(warnings),
    )
