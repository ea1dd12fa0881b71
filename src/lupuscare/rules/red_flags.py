"""Warning signs the patient reported in the diary that need a clinician the same day.

Which signs, and that they are urgent, is a project safety decision, not a guideline rule: each
names an organ-threatening manifestation scored in SLEDAI-2K (Gladman DD et al. J Rheumatol
2002;29:288-91): pleurisy or pericarditis (chest pain on breathing), seizure, cardiopulmonary
involvement (shortness of breath), nephritis with nephrotic features (foamy urine with swollen
legs); and fever under immunosuppression is a possible serious infection, which EULAR 2023 asks
to exclude before calling anything a flare.
"""

from __future__ import annotations

from datetime import timedelta

from lupuscare.clinical.glucocorticoids import MG_EQUIVALENT_TO_5MG_PREDNISONE
from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import DiaryRedFlag, PatientContext
from lupuscare.rules.pregnancy import TERATOGENS

RED_FLAG_CITATION = (
    "Project safety decision (lupuscare docs/rules.md): SLEDAI-2K organ-threatening descriptors "
    "(Gladman DD et al. J Rheumatol 2002;29:288-91); EULAR 2023 (Ann Rheum Dis 2024;83:15-29): "
    "exclude infection"
)

# Drugs that make a fever a possible serious infection (systemic glucocorticoids at any dose count).
IMMUNOSUPPRESSANTS: frozenset[str] = TERATOGENS | frozenset({
    "azathioprine", "tacrolimus", "voclosporin", "ciclosporin", "belimumab", "anifrolumab",
    "rituximab", "obinutuzumab",
}) | frozenset(MG_EQUIVALENT_TO_5MG_PREDNISONE)


def _recent(ctx: PatientContext, flag: str, config: RuleConfig) -> list[DiaryRedFlag]:
    """Reports of ``flag`` from the last ``red_flag_window_days`` days, today included."""
    first = ctx.today - timedelta(days=config.red_flag_window_days - 1)
    return sorted((f for f in ctx.diary_red_flags if f.flag == flag and first <= f.date <= ctx.today),
                  key=lambda f: f.date)


def _alert(code: str, what: str, action: str, dates: list, extra: dict | None = None) -> Alert:
    last = max(dates)
    return Alert(
        code=code,
        severity="urgent",
        message=f"Patient reported {what} (last on {last.isoformat()}). {action}",
        evidence={"dates": sorted(dates), **(extra or {})},
        citation=RED_FLAG_CITATION,
        certainty="project-decision",
    )


def rule_red_flag_chest_pain(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    hits = _recent(ctx, "chest_pain_breathing", config)
    if not hits:
        return None
    return _alert("diary_chest_pain_breathing", "chest pain on breathing",
                  "Contact the patient today: pleurisy, pericarditis or pulmonary embolism?",
                  [h.date for h in hits])


def rule_red_flag_shortness_of_breath(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    hits = _recent(ctx, "shortness_of_breath", config)
    if not hits:
        return None
    return _alert("diary_shortness_of_breath", "shortness of breath",
                  "Contact the patient today: cardiopulmonary involvement, infection or embolism?",
                  [h.date for h in hits])


def rule_red_flag_seizure(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    hits = _recent(ctx, "seizure", config)
    if not hits:
        return None
    return _alert("diary_seizure", "a seizure", "Contact the patient today: neuropsychiatric lupus?",
                  [h.date for h in hits])


def rule_red_flag_fever_on_immunosuppressants(ctx: PatientContext,
                                              config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    hits = _recent(ctx, "fever", config)
    drugs = sorted({m.drug for m in ctx.active(IMMUNOSUPPRESSANTS)})
    if not hits or not drugs:
        return None
    return _alert("diary_fever_on_immunosuppressants", "fever while on " + ", ".join(d.replace("_", " ") for d in drugs),
                  "Contact the patient today: exclude serious infection before calling it a flare.",
                  [h.date for h in hits], {"drugs": drugs})


def rule_red_flag_foamy_urine_swollen_legs(ctx: PatientContext,
                                           config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    foamy = _recent(ctx, "foamy_urine", config)
    swollen = _recent(ctx, "swollen_legs", config)
    if not foamy or not swollen:
        return None
    return _alert("diary_foamy_urine_swollen_legs", "foamy urine and swollen legs",
                  "Check urine protein (UPCR) and kidney function promptly: lupus nephritis?",
                  [h.date for h in foamy + swollen])
