"""LLDAS: the Lupus Low Disease Activity State (all five criteria at one visit).

Source: Franklyn K, Lau CS, Navarra SV, et al. Ann Rheum Dis 2016;75:1615-21
(doi:10.1136/annrheumdis-2015-207726) [seen: the paper's Table 1, ard.bmj.com highwire markup
226088, checked 2026-11-25 with the project's search tools; also PMC7719036 Table 1]:
1. SLEDAI-2K <= 4, with no activity in major organ systems (renal, CNS, cardiopulmonary,
   vasculitis, fever) and no haemolytic anaemia or gastrointestinal activity;
2. no new features of lupus activity compared with the previous assessment;
3. SELENA-SLEDAI PGA <= 1 (0-3);
4. current prednisolone (or equivalent) <= 7.5 mg/day;
5. well-tolerated standard maintenance doses of immunosuppressive drugs and approved biologics
   (investigational drugs excluded).
Serological activity is allowed. Serositis (pleurisy, pericarditis, peritonitis) is counted as
cardiopulmonary activity: the paper lists organ systems, not items; Parodis et al.'s
operationalisation excludes pleurisy and pericarditis explicitly [seen: ARD table highwire 286049].
"Standard maintenance doses" is checked as in the same group's operationalisation (Golder V et al.
Arthritis Res Ther 2016;18:260, Table 3 footnote [seen]): not above hydroxychloroquine 400,
methotrexate 30 (per week; 30/7 mg/day averaged), azathioprine 200, mycophenolate mofetil 3000,
mycophenolic acid 2160, leflunomide 20 mg/day. A criterion whose input is missing is null, and
``met`` is then null unless another criterion already fails.
"""

from __future__ import annotations

from typing import Any

from lupuscare.errors import InputError
from lupuscare.instruments import sledai2k
from lupuscare.instruments.assessment import Assessment, accepts_assessment
from lupuscare.instruments.criteria import all_met
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

CITATION = ("Franklyn K, Lau CS, Navarra SV, et al. Definition and initial validation of a Lupus "
            "Low Disease Activity State (LLDAS). Ann Rheum Dis 2016;75:1615-21")
VERSION = "LLDAS (Franklyn 2016); SLEDAI-2K, {window}-day window"

SLEDAI_AT_MOST = 4
PGA_AT_MOST = 1.0
PREDNISONE_EQ_AT_MOST_MG = 7.5
MAINTENANCE_CLASSES = ("immunosuppressant", "biologic", "antimalarial")
# Maximum recommended maintenance doses, mg/day (Golder 2016, Table 3 footnote; single source).
MAX_MAINTENANCE_MG_PER_DAY: dict[str, float] = {
    "hydroxychloroquine": 400.0,
    "methotrexate": 30 / 7,  # 30 mg/week, as a mean daily dose (contracts 2.3)
    "azathioprine": 200.0,
    "mycophenolate_mofetil": 3000.0,
    "mycophenolic_acid": 2160.0,
    "leflunomide": 20.0,
}

# Findings that mean major-organ, haemolytic or gastrointestinal activity.
MAJOR_ORGAN_FINDINGS: dict[str, frozenset[str]] = {
    "renal": frozenset({"urinary_casts", "hematuria", "proteinuria", "pyuria"}),
    "cns": frozenset({"seizure", "psychosis", "organic_brain_syndrome", "acute_confusional_state",
                      "visual_disturbance", "cranial_neuropathy", "peripheral_neuropathy",
                      "myelopathy", "aseptic_meningitis", "lupus_headache", "cva"}),
    "cardiopulmonary": frozenset({"pleurisy", "pericarditis", "peritonitis", "myocarditis",
                                  "pneumonitis", "alveolar_haemorrhage", "pulmonary_hypertension",
                                  "shrinking_lung", "valvular_dysfunction"}),
    "vasculitis": frozenset({"vasculitis_mucocutaneous", "vasculitis_systemic"}),
    "fever": frozenset({"fever"}),
    "haemolytic_anaemia": frozenset({"haemolytic_anaemia"}),
    "gastrointestinal": frozenset({"lupus_enteritis"}),
}
MAJOR_FINDINGS = frozenset().union(*MAJOR_ORGAN_FINDINGS.values())


def new_features(a: Assessment) -> set[str] | None:
    """Active findings not active at the previous assessment; None without ``previous``."""
    if a.previous is None or not a.previous.has_activity_input:
        return None
    return set(a.active) - set(a.previous.active)


def maintenance_ok(a: Assessment) -> tuple[bool | None, str]:
    if a.medications is None:
        return None, "medications not given"
    bad = [m["drug"] for m in a.medications if m.get("investigational")]
    if bad:
        return False, f"investigational drug: {', '.join(bad)}"
    from lupuscare.clinical.vocabulary import DRUGS
    poor = [m["drug"] for m in a.medications
            if DRUGS[m["drug"]].drug_class in MAINTENANCE_CLASSES and m.get("tolerated") is False]
    if poor:
        return False, f"not tolerated: {', '.join(poor)}"
    high = [f"{m['drug']} {m['daily_dose_mg']:g} mg/day" for m in a.medications
            if m["drug"] in MAX_MAINTENANCE_MG_PER_DAY and m.get("daily_dose_mg") is not None
            and m["daily_dose_mg"] > MAX_MAINTENANCE_MG_PER_DAY[m["drug"]] + 1e-9]
    if high:
        return False, f"above the maximum maintenance dose (Golder 2016): {', '.join(high)}"
    return True, "no investigational, poorly tolerated or above-maximum maintenance drug"


@accepts_assessment
def score(document: dict, **options: Any) -> InstrumentResult:
    if options:
        raise InputError(next(iter(options)), "unknown option for lldas")
    a = Assessment.from_document(document)
    a.require_activity_input()
    points, _, _ = sledai2k.compute(a)
    total = sum(points.values())
    major = sorted(f for f in a.active if f in MAJOR_FINDINGS)
    expl: list[ExplanationItem] = []

    c1 = total <= SLEDAI_AT_MOST and not major
    expl.append(ExplanationItem(
        "sledai_le_4_no_major_organ", c1, f"sledai2k={total}",
        f"major-organ activity: {', '.join(major)}" if major else "no major-organ activity"))

    new = new_features(a)
    c2 = None if new is None else not new
    expl.append(ExplanationItem("no_new_features", c2, "previous",
                                "previous assessment not given" if new is None
                                else (f"new: {', '.join(sorted(new))}" if new else "none new")))

    c3 = None if a.pga is None else a.pga <= PGA_AT_MOST
    expl.append(ExplanationItem("pga_le_1", c3, f"input:pga={a.pga}" if a.pga is not None else "pga missing"))

    pred = a.prednisone_equivalent_mg
    c4 = None if pred is None else pred <= PREDNISONE_EQ_AT_MOST_MG
    expl.append(ExplanationItem("prednisone_le_7_5", c4,
                                f"prednisone-equivalent={pred:g} mg/day" if pred is not None
                                else "medications missing"))

    c5, why = maintenance_ok(a)
    expl.append(ExplanationItem("tolerated_standard_maintenance", c5, "medications", why))

    criteria = {"sledai_le_4_no_major_organ": c1, "no_new_features": c2, "pga_le_1": c3,
                "prednisone_le_7_5": c4, "tolerated_standard_maintenance": c5}
    warnings = [f"{k}: input missing" for k, v in criteria.items() if v is None]
    return InstrumentResult(
        instrument="lldas", version=VERSION.format(window=sledai2k.check_options("sledai-2k", None, a)),
        citation=CITATION,
        values={"met": all_met(criteria), "criteria": criteria, "sledai2k": total,
                "prednisone_equivalent_mg": pred},
        explanation=tuple(expl), warnings=tuple(warnings),
    )
