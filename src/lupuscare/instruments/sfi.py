"""SELENA-SLEDAI Flare Index (classic SFI): none, mild/moderate or severe flare versus ``previous``.

Source: Petri M, Kim MY, Kalunian KC, et al. N Engl J Med 2005;353:2550-8 (SELENA trial)
[seen: the criteria as tabulated in ARD table 278401 and medicalalgorithms.com]. The revised
SFI-R has no public specification and is not implemented.

Implementation decisions (documented in docs/instruments/sfi.md):
- SELENA-SLEDAI is scored on both visits with this package's ``selena-sledai`` variant.
- "New or worse" is judged at finding level: a finding active now and not at ``previous``.
  Worsening of an already-present finding cannot be seen from findings alone.
- "Rises to > 12", "prednisone > 0.5 mg/kg/day" and "PGA > 2.5" count only when the value rose
  since ``previous`` (an unchanged high value is not a new flare).
- Cutaneous (mucocutaneous) vasculitis is mild/moderate; systemic vasculitis and lupus enteritis
  are severe. Treatment criteria make the SFI partly circular; it is meant for trial reporting.
"""

from __future__ import annotations

from typing import Any

from lupuscare.clinical.units import to_canonical_exact
from lupuscare.clinical.vocabulary import drugs_of_class
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments import sledai2k
from lupuscare.instruments.assessment import Assessment, accepts_assessment
from lupuscare.instruments.lldas import MAJOR_ORGAN_FINDINGS
from lupuscare.instruments.pga import tenths
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

CITATION = ("Petri M, Kim MY, Kalunian KC, et al. Combined oral contraceptives in women with systemic "
            "lupus erythematosus. N Engl J Med 2005;353:2550-8 (SELENA-SLEDAI Flare Index)")
VERSION = "SELENA-SLEDAI Flare Index (classic, 2005); finding-level new/worse"

FLARE_CATEGORIES = ("none", "mild_moderate", "severe")  # the result's ``flare``
FLARE_WORDS = {"none": "no flare", "mild_moderate": "mild/moderate flare", "severe": "severe flare"}
SLEDAI_RISE_MILD_AT_LEAST = 3
SLEDAI_SEVERE_ABOVE = 12
PREDNISONE_SEVERE_ABOVE_MG_PER_KG = 0.5
PGA_RISE_MILD_AT_LEAST = 1.0
PGA_SEVERE_ABOVE = 2.5
PLATELETS_SEVERE_BELOW = 60  # 10*9/L
HAEMOGLOBIN_SEVERE_BELOW = 7  # g/dL
HAEMOGLOBIN_FALL_SEVERE_ABOVE = 3  # g/dL

SEVERE_NEW_FINDINGS = (MAJOR_ORGAN_FINDINGS["cns"] | MAJOR_ORGAN_FINDINGS["renal"]
                       | frozenset({"vasculitis_systemic", "lupus_enteritis", "myositis"}))
MILD_NEW_FINDINGS = frozenset({"rash_localized", "rash_generalized", "mucosal_ulcers",
                               "vasculitis_mucocutaneous", "pleurisy", "pericarditis",
                               "arthritis", "fever"})
SEVERE_NEW_DRUGS = frozenset({"cyclophosphamide", "azathioprine", "methotrexate",
                              "mycophenolate_mofetil", "mycophenolic_acid"})
MILD_NEW_DRUGS = drugs_of_class("antimalarial") | drugs_of_class("nsaid")


def _lowest(a: Assessment, test: str) -> float | None:
    labs = a.labs_of(test)
    if not labs:
        return None
    return float(min(to_canonical_exact(test, lab["value"], lab["unit"]) for lab in labs))


@accepts_assessment
def score(document: dict, **options: Any) -> InstrumentResult:
    if options:
        raise InputError(next(iter(options)), "unknown option for sfi")
    a = Assessment.from_document(document)
    a.require_activity_input()
    prev = a.previous
    if prev is None:
        raise MissingInputError("previous", "the SFI compares with the previous assessment")
    if not prev.has_activity_input:
        raise MissingInputError("previous.findings", "no findings or labs at the previous assessment")

    severe: list[ExplanationItem] = []
    mild: list[ExplanationItem] = []
    warnings: list[str] = []

    s_now, s_prev, paired_warnings = sledai2k.paired_totals(a, prev, "selena-sledai")
    warnings.extend(paired_warnings)
    rise = s_now - s_prev
    src = f"selena_sledai {s_prev} -> {s_now}"
    if rise > 0 and s_now > SLEDAI_SEVERE_ABOVE:
        severe.append(ExplanationItem("sledai_above_12", True, src))
    elif rise >= SLEDAI_RISE_MILD_AT_LEAST:
        mild.append(ExplanationItem("sledai_rise_3", True, src))

    new = set(a.active) - set(prev.active)
    for f in sorted(new):
        src = "; ".join(a.active[f])
        if f in SEVERE_NEW_FINDINGS:
            severe.append(ExplanationItem(f"new_{f}", True, src))
        elif f in MILD_NEW_FINDINGS:
            mild.append(ExplanationItem(f"new_{f}", True, src))

    if "proteinuria" in a.active and "proteinuria" in prev.active:
        increased, why = sledai2k.is_new("proteinuria", a)
        if increased:  # worse nephritis: proteinuria up by more than 0.5 (SELENA's rule)
            severe.append(ExplanationItem("worse_proteinuria", True, "; ".join(a.active["proteinuria"]), why))

    plt_now, plt_prev = _lowest(a, "platelets"), _lowest(prev, "platelets")
    if plt_now is not None and plt_now < PLATELETS_SEVERE_BELOW and (plt_prev is None or plt_now < plt_prev):
        severe.append(ExplanationItem("platelets_below_60", True, f"lab:platelets={plt_now:g} 10*9/L"))
    if "haemolytic_anaemia" in a.active:
        hb_now, hb_prev = _lowest(a, "hemoglobin"), _lowest(prev, "hemoglobin")
        if hb_now is not None and (hb_now < HAEMOGLOBIN_SEVERE_BELOW or (
                hb_prev is not None and hb_prev - hb_now > HAEMOGLOBIN_FALL_SEVERE_ABOVE)):
            severe.append(ExplanationItem("haemolytic_anaemia_hb", True,
                                          f"lab:hemoglobin={hb_now:g} g/dL (before {hb_prev})"))
        elif hb_now is None:
            warnings.append("haemolytic anaemia without haemoglobin: severity not assessable")

    _steroids(a, prev, severe, mild, warnings)

    if a.hospitalised_for_sle:
        severe.append(ExplanationItem("hospitalised_for_sle", True, "input:hospitalised_for_sle"))

    if a.medications is not None and prev.medications is not None:
        added = a.drugs() - prev.drugs()
        for d in sorted(added & SEVERE_NEW_DRUGS):
            severe.append(ExplanationItem(f"new_{d}", True, f"medication:{d}"))
        for d in sorted(added & MILD_NEW_DRUGS):
            mild.append(ExplanationItem(f"new_{d}", True, f"medication:{d}"))
    else:
        warnings.append("medications missing at one visit: treatment criteria not assessed")

    if a.pga is not None and prev.pga is not None:
        d = tenths(a.pga) - tenths(prev.pga)
        src = f"pga {prev.pga} -> {a.pga}"
        if d > 0 and tenths(a.pga) > tenths(PGA_SEVERE_ABOVE):
            severe.append(ExplanationItem("pga_above_2_5", True, src))
        elif d >= tenths(PGA_RISE_MILD_AT_LEAST):
            mild.append(ExplanationItem("pga_rise_1", True, src))
    else:
        warnings.append("PGA missing at one visit: PGA criteria not assessed")

    flare = "severe" if severe else ("mild_moderate" if mild else "none")
    return InstrumentResult(
        instrument="sfi", version=VERSION, citation=CITATION,
        values={"flare": flare, "selena_sledai": s_now, "selena_sledai_previous": s_prev,
                "severe_triggers": [e.item for e in severe], "mild_moderate_triggers": [e.item for e in mild]},
        explanation=tuple(severe + mild), warnings=tuple(warnings),
    )


def _steroids(a: Assessment, prev: Assessment, severe: list[ExplanationItem],
              mild: list[ExplanationItem], warnings: list[str]) -> None:
    now, before = a.prednisone_equivalent_mg, prev.prednisone_equivalent_mg
    if now is None or before is None:
        warnings.append("medications missing at one visit: prednisone criteria not assessed")
        return
    if now <= before:
        return
    src = f"prednisone-equivalent {before:g} -> {now:g} mg/day"
    weight = (a.patient.weight_kg if a.patient else None) or (prev.patient.weight_kg if prev.patient else None)
    if before > 0 and now >= 2 * before:
        severe.append(ExplanationItem("prednisone_doubled", True, src))
    elif weight is not None and now > PREDNISONE_SEVERE_ABOVE_MG_PER_KG * weight:
        severe.append(ExplanationItem("prednisone_above_0_5_mg_per_kg", True, src, f"weight {weight:g} kg"))
    else:
        if weight is None:
            warnings.append("weight missing: prednisone > 0.5 mg/kg/day not assessed")
        mild.append(ExplanationItem("prednisone_increased", True, src))
