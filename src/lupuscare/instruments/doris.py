"""DORIS 2021 definition of remission in SLE.

Source: van Vollenhoven RF, Bertsias G, Doria A, et al. 2021 DORIS definition of remission in SLE:
final recommendations from an international task force. Lupus Sci Med 2021;8:e000538
(doi:10.1136/lupus-2021-000538) [seen: abstract and Table 2]. All of: clinical SLEDAI = 0
(serology ignored); physician global assessment < 0.5 (0-3); prednisolone <= 5 mg/day;
antimalarials, immunosuppressives and biologics allowed when stable.

The abstract says "5 mg/day or less"; Table 2 says "< 5 mg/day". Default is <= 5 (abstract and
EULAR 2023 usage); ``prednisolone_rule="lt"`` applies the strict reading, and
``max_prednisolone_mg`` changes the limit. "Stable" treatment has no numeric definition and is not
checked. The legacy 2017 framework variants (remission off treatment, PGA <= 0.5) are not this
definition.
"""

from __future__ import annotations

from typing import Any

from lupuscare.errors import InputError
from lupuscare.instruments import sledai2k
from lupuscare.instruments.assessment import Assessment, accepts_assessment
from lupuscare.instruments.criteria import all_met
from lupuscare.instruments.pga import tenths
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

CITATION = ("van Vollenhoven RF, Bertsias G, Doria A, et al. 2021 DORIS definition of remission in "
            "SLE. Lupus Sci Med 2021;8:e000538")

CLINICAL_SLEDAI_EQUALS = 0
PGA_BELOW = 0.5
PREDNISOLONE_MAX_MG = 5.0


@accepts_assessment
def score(document: dict, *, max_prednisolone_mg: float = PREDNISOLONE_MAX_MG,
          prednisolone_rule: str = "le", **options: Any) -> InstrumentResult:
    if options:
        raise InputError(next(iter(options)), "unknown option for doris")
    if prednisolone_rule not in ("le", "lt"):
        raise InputError("prednisolone_rule", "must be 'le' (<=, default) or 'lt' (<)")
    if isinstance(max_prednisolone_mg, bool) or not isinstance(max_prednisolone_mg, int | float) \
            or not 0 <= max_prednisolone_mg <= 100:
        raise InputError("max_prednisolone_mg", "must be a number from 0 to 100")
    a = Assessment.from_document(document)
    a.require_activity_input()
    points, _, _ = sledai2k.compute(a)
    clinical = sum(v for k, v in points.items() if k not in sledai2k.SEROLOGY_ITEMS)
    counted = [k for k, v in points.items() if v and k not in sledai2k.SEROLOGY_ITEMS]

    c1 = clinical == CLINICAL_SLEDAI_EQUALS
    c2 = None if a.pga is None else tenths(a.pga) < tenths(PGA_BELOW)
    pred = a.prednisone_equivalent_mg
    op = "<=" if prednisolone_rule == "le" else "<"
    if pred is None:
        c3 = None
    else:
        c3 = pred <= max_prednisolone_mg if prednisolone_rule == "le" else pred < max_prednisolone_mg
    criteria = {"clinical_sledai_0": c1, "pga_below_0_5": c2, "prednisolone_within_limit": c3}
    expl = (
        ExplanationItem("clinical_sledai_0", c1, f"clinical_sledai={clinical}",
                        f"items counted: {', '.join(counted)}" if counted else "no clinical items"),
        ExplanationItem("pga_below_0_5", c2, f"input:pga={a.pga}" if a.pga is not None else "pga missing"),
        ExplanationItem("prednisolone_within_limit", c3,
                        f"prednisone-equivalent={pred:g} mg/day" if pred is not None else "medications missing",
                        f"{op} {max_prednisolone_mg:g} mg/day"),
    )
    warnings = [f"{k}: input missing" for k, v in criteria.items() if v is None]
    warnings.append("treatment stability is not checked (no numeric definition in DORIS 2021)")
    return InstrumentResult(
        instrument="doris",
        version=(f"DORIS 2021 remission on treatment; prednisolone {op} {max_prednisolone_mg:g} mg/day; "
                 f"clinical SLEDAI-2K, {sledai2k.check_options('sledai-2k', None, a)}-day window"),
        citation=CITATION,
        values={"met": all_met(criteria), "criteria": criteria, "clinical_sledai": clinical,
                "prednisone_equivalent_mg": pred},
        explanation=expl, warnings=tuple(warnings),
    )
