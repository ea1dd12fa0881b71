"""SRI-k: the SLE Responder Index (k = 4 by default; SRI-5 to SRI-8 use 5 to 8).

Source: Furie RA, Petri MA, Wallace DJ, et al. Arthritis Rheum 2009;61:1143-51 (BLISS)
[known; components seen in Lupus Sci Med table highwire 135680]. Responder versus baseline
(``previous`` is the baseline visit) when all hold:
1. SELENA-SLEDAI falls by >= k points;
2. no new BILAG-2004 A domain and no more than one new B (``bilag`` or ``bilag_grades``);
3. no PGA worsening: increase < 0.3 on the 0-3 scale.
Trial add-ons (treatment failure, rescue drugs, steroid taper) are protocol-specific and not
applied. Some trials substitute SLEDAI-2K: ``sledai_variant="sledai-2k"``.
"""

from __future__ import annotations

from typing import Any

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments import bilag, sledai2k
from lupuscare.instruments.assessment import Assessment, accepts_assessment
from lupuscare.instruments.pga import tenths
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

CITATION = ("Furie RA, Petri MA, Wallace DJ, et al. Novel evidence-based systemic lupus erythematosus "
            "responder index. Arthritis Rheum 2009;61:1143-51")
DEFAULT_K = 4
K_RANGE = range(4, 9)  # SRI-4 to SRI-8 are the published variants
NEW_A_AT_MOST = 0
NEW_B_AT_MOST = 1
PGA_WORSENING_BELOW = 0.3


@accepts_assessment
def score(document: dict, *, k: int = DEFAULT_K, sledai_variant: str = "selena-sledai",
          **options: Any) -> InstrumentResult:
    if options:
        raise InputError(next(iter(options)), "unknown option for sri")
    if isinstance(k, bool) or not isinstance(k, int) or k not in K_RANGE:
        raise InputError("k", "must be an integer from 4 to 8 (SRI-4 to SRI-8)")
    if sledai_variant not in ("selena-sledai", "sledai-2k"):
        raise InputError("sledai_variant", "must be 'selena-sledai' or 'sledai-2k'")
    a = Assessment.from_document(document)
    a.require_activity_input()
    base = a.previous
    if base is None:
        raise MissingInputError("previous", "SRI compares with the baseline assessment in 'previous'")
    if not base.has_activity_input:
        raise MissingInputError("previous.findings", "no findings or labs at baseline")
    if a.pga is None:
        raise MissingInputError("pga", "SRI needs the PGA")
    if base.pga is None:
        raise MissingInputError("previous.pga", "SRI needs the baseline PGA")
    new_a, new_b, bsrc = bilag.new_a_b(a)

    s_now, s_base, warnings = sledai2k.paired_totals(a, base, sledai_variant)
    c1 = s_base - s_now >= k
    c2 = new_a <= NEW_A_AT_MOST and new_b <= NEW_B_AT_MOST
    c3 = tenths(a.pga) - tenths(base.pga) < tenths(PGA_WORSENING_BELOW)
    criteria = {f"sledai_reduction_ge_{k}": c1, "no_new_bilag_a_le_1_new_b": c2, "no_pga_worsening": c3}
    expl = (
        ExplanationItem(f"sledai_reduction_ge_{k}", c1, f"{sledai_variant} {s_base} -> {s_now}",
                        f"reduction {s_base - s_now}"),
        ExplanationItem("no_new_bilag_a_le_1_new_b", c2, bsrc),
        ExplanationItem("no_pga_worsening", c3, f"pga {base.pga} -> {a.pga}", "increase < 0.3"),
    )
    return InstrumentResult(
        instrument="sri", version=f"SRI-{k} (Furie 2009), {sledai_variant}", citation=CITATION,
        values={"responder": all(criteria.values()), "k": k, "criteria": criteria,
                "sledai": s_now, "sledai_baseline": s_base},
        explanation=expl, warnings=tuple(warnings),
    )
