"""Teratogenic immunosuppressants in a patient who can become pregnant, without contraception."""

from __future__ import annotations

from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import PatientContext

# Drugs to stop before conception and to give only with effective contraception.
# ACR 2020 Guideline for the Management of Reproductive Health in Rheumatic and Musculoskeletal
# Diseases (Sammaritano LR et al. Arthritis Rheumatol 2020;72:529-56; citation seen, and its good
# practice statement "discussing contraception ... when initiating treatment with potentially
# teratogenic medications" seen in a secondary summary) and EULAR 2016 women's health
# recommendations (Andreoli L et al. Ann Rheum Dis 2017;76:476-85). That methotrexate,
# mycophenolate and cyclophosphamide are the drugs to stop before conception is recalled, not
# re-checked. Certainty: recalled.
TERATOGENS: frozenset[str] = frozenset(
    {"mycophenolate_mofetil", "mycophenolic_acid", "cyclophosphamide", "methotrexate"})
TERATOGEN_CITATION = (
    "Sammaritano LR et al. 2020 ACR Guideline for the Management of Reproductive Health in "
    "Rheumatic and Musculoskeletal Diseases. Arthritis Rheumatol 2020;72:529-56; Andreoli L et al. "
    "EULAR recommendations for women's health in SLE and/or APS. Ann Rheum Dis 2017;76:476-85"
)


def rule_teratogen_without_contraception(ctx: PatientContext,
                                         config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    drugs = sorted({m.drug for m in ctx.active(TERATOGENS)})
    if not drugs or ctx.contraception_recorded:
        return None
    if ctx.can_become_pregnant is False:
        return None
    if ctx.can_become_pregnant is None and ctx.sex != "female":
        return None
    unknown = ctx.can_become_pregnant is None
    who = ("whether this patient can become pregnant is not recorded"
           if unknown else "this patient can become pregnant")
    return Alert(
        code="teratogen_without_contraception",
        severity="warning",
        message=(f"On {', '.join(d.replace('_', ' ') for d in drugs)}, which can harm a pregnancy; "
                 f"{who} and no contraception is recorded. Discuss and record contraception."),
        evidence={"drugs": drugs, "can_become_pregnant": ctx.can_become_pregnant,
                  "contraception_recorded": False},
        citation=TERATOGEN_CITATION,
        certainty="recalled",
    )
