"""BICLA: the BILAG-based Combined Lupus Assessment (responder versus baseline).

Source: Wallace DJ, Kalunian K, Petri MA, et al. Ann Rheum Dis 2014;73:183-90 (EMBLEM);
definition: Wallace D, Strand V, Furie R, et al. Arthritis Rheum 2011;63(S10):S894 [seen: the
definition as quoted by the ePROVIDE instrument page, checked 2026-11-25: "no significant
deterioration (<=10%) in physicians global assessment"]. ``previous`` is the baseline.
Responder when all hold:
1. BILAG-2004 improvement: every baseline A domain is now B, C or D, and every baseline B domain
   is now C or D (requires ``bilag_grades`` at both visits; no baseline A or B means nothing to
   improve, and the criterion fails);
2. no new A domain and no more than one new B domain;
3. no worsening of total SLEDAI-2K (any increase fails);
4. no significant PGA worsening: an increase of at most 10 % of the 0-3 scale (0.3 points).
   The paper's "<= 10 % increase" is read here on the scale, since a relative change is
   undefined from a PGA of 0; this reading is an implementation decision;
5. no treatment failure (document field ``treatment_failure``; null when not recorded, and then
   ``responder`` is null unless another criterion fails).
"""

from __future__ import annotations

from typing import Any

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments import bilag, sledai2k
from lupuscare.instruments.assessment import Assessment, accepts_assessment
from lupuscare.instruments.criteria import all_met
from lupuscare.instruments.pga import tenths
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

CITATION = ("Wallace DJ, Kalunian K, Petri MA, et al. Efficacy and safety of epratuzumab in patients "
            "with moderate/severe active SLE: EMBLEM. Ann Rheum Dis 2014;73:183-90")
VERSION = "BICLA (Wallace 2014); PGA worsening <= 0.3 (10 % of scale); SLEDAI-2K, {window}-day window"
PGA_WORSENING_AT_MOST = 0.3
IMPROVED_FROM = {"A": ("B", "C", "D"), "B": ("C", "D")}


@accepts_assessment
def score(document: dict, **options: Any) -> InstrumentResult:
    if options:
        raise InputError(next(iter(options)), "unknown option for bicla")
    a = Assessment.from_document(document)
    base = a.previous
    if base is None:
        raise MissingInputError("previous", "BICLA compares with the baseline assessment in 'previous'")
    if a.bilag_grades is None:
        raise MissingInputError("bilag_grades", "BICLA needs BILAG-2004 grades per domain")
    if base.bilag_grades is None:
        raise MissingInputError("previous.bilag_grades", "BICLA needs baseline BILAG-2004 grades")
    a.require_activity_input()
    if not base.has_activity_input:
        raise MissingInputError("previous.findings", "no findings or labs at baseline")
    if a.pga is None or base.pga is None:
        raise MissingInputError("pga" if a.pga is None else "previous.pga", "BICLA needs the PGA at both visits")

    active_base = {d: g for d, g in base.bilag_grades.items() if g in IMPROVED_FROM}
    not_improved = [d for d, g in active_base.items()
                    if a.bilag_grades.get(d) not in IMPROVED_FROM[g]]
    c1 = bool(active_base) and not not_improved
    note1 = ("no baseline A or B domain: nothing to improve" if not active_base else
             (f"not improved: {', '.join(not_improved)}" if not_improved else "all baseline A/B improved"))
    new_a, new_b, bsrc = bilag.new_a_b(a)
    c2 = new_a == 0 and new_b <= 1
    s_now = sum(sledai2k.compute(a)[0].values())
    s_base = sum(sledai2k.compute(base)[0].values())
    c3 = s_now <= s_base
    c4 = tenths(a.pga) - tenths(base.pga) <= tenths(PGA_WORSENING_AT_MOST)
    c5 = None if a.treatment_failure is None else not a.treatment_failure
    criteria = {"bilag_improvement": c1, "no_new_bilag_a_le_1_new_b": c2,
                "no_sledai2k_worsening": c3, "no_pga_worsening": c4, "no_treatment_failure": c5}
    expl = (
        ExplanationItem("bilag_improvement", c1, f"bilag_grades {base.bilag_grades} -> {a.bilag_grades}", note1),
        ExplanationItem("no_new_bilag_a_le_1_new_b", c2, bsrc),
        ExplanationItem("no_sledai2k_worsening", c3, f"sledai2k {s_base} -> {s_now}"),
        ExplanationItem("no_pga_worsening", c4, f"pga {base.pga} -> {a.pga}", "increase <= 0.3"),
        ExplanationItem("no_treatment_failure", c5, "input:treatment_failure"
                        if a.treatment_failure is not None else "treatment_failure not recorded"),
    )
    warnings = ["no_treatment_failure: treatment_failure not recorded"] if c5 is None else []
    return InstrumentResult(
        instrument="bicla", version=VERSION.format(window=sledai2k.check_options("sledai-2k", None, a)),
        citation=CITATION,
        values={"responder": all_met(criteria), "criteria": criteria},
        explanation=expl, warnings=tuple(warnings),
    )
