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

from lupuscare.clinical.glucocorticoids import NON_SYSTEMIC_ROUTES
from lupuscare.clinical.vocabulary import drugs_of_class
from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import DiaryRedFlag, MedicationCourse, PatientContext
from lupuscare.rules.exposure import cell_therapy_on, exposed_on, immunosuppression_window

RED_FLAG_CITATION = (
    "Project safety decision (lupuscare docs/rules.md): SLEDAI-2K organ-threatening descriptors "
    "(Gladman DD et al. J Rheumatol 2002;29:288-91); EULAR 2023 (Ann Rheum Dis 2024;83:15-29): "
    "exclude infection"
)

# Drugs that make a fever a possible serious infection, from the vocabulary's drug classes (one
# source): every immunosuppressant (azathioprine, mycophenolate, methotrexate, cyclophosphamide,
# calcineurin inhibitors, leflunomide), every biologic (belimumab, anifrolumab and the B-cell
# depleting rituximab and obinutuzumab) and systemic glucocorticoids at any dose (a topical,
# inhaled or other non-systemic route does not count). Immunomodulators (thalidomide,
# lenalidomide) and antimalarials are not immunosuppressants here. Exposure lasts while a course
# is active, and after the last dose for B-cell depletion and IV pulses (rules.exposure); a
# cell-therapy infusion (MSC, CAR-T) counts for its window too.
IMMUNOSUPPRESSANTS: frozenset[str] = (drugs_of_class("immunosuppressant") | drugs_of_class("biologic")
                                      | drugs_of_class("glucocorticoid"))


def _immunosuppressive(m: MedicationCourse) -> bool:
    if m.drug not in IMMUNOSUPPRESSANTS:
        return False
    return m.drug not in drugs_of_class("glucocorticoid") or (m.route or "oral") not in NON_SYSTEMIC_ROUTES


def immunosuppression_today(ctx: PatientContext) -> dict[str, str]:
    """What makes a fever today a possible serious infection: name -> why (plain words)."""
    why: dict[str, str] = {}
    for m in ctx.medications:
        if not _immunosuppressive(m):
            continue
        window = immunosuppression_window(m)
        if not exposed_on(m, window, ctx.today):
            continue
        name = m.drug.replace("_", " ")
        if m.active_on(ctx.today) and not m.pulse:
            text = "taking it"
        else:
            given = ("IV pulse on " + m.start.isoformat() if m.pulse and m.start == m.stop
                     else ("IV pulses from " if m.pulse else "taken from ") + m.start.isoformat()
                     + (f" to {m.stop.isoformat()}" if m.stop else ""))
            text = given + (f"; counts for {window.describe()}" if window else "")
        if name not in why or text == "taking it":
            why[name] = text
    for product, day, _last in cell_therapy_on(ctx):
        why[f"{product.replace('_', '-').upper()} cell therapy"] = f"infused on {day.isoformat()}"
    return why


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
    if not hits:
        return None
    why = immunosuppression_today(ctx)
    if not why:
        return None
    names = sorted(why)
    drugs = sorted({m.drug for m in ctx.medications if m.drug.replace("_", " ") in why})
    return _alert("diary_fever_on_immunosuppressants",
                  "fever while on " + ", ".join(f"{n} ({why[n]})" for n in names),
                  "Contact the patient today: exclude serious infection before calling it a flare.",
                  [h.date for h in hits], {"drugs": drugs, "exposures": why})


def rule_red_flag_foamy_urine_swollen_legs(ctx: PatientContext,
                                           config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    foamy = _recent(ctx, "foamy_urine", config)
    swollen = _recent(ctx, "swollen_legs", config)
    if not foamy or not swollen:
        return None
    return _alert("diary_foamy_urine_swollen_legs", "foamy urine and swollen legs",
                  "Check urine protein (UPCR) and kidney function promptly: lupus nephritis?",
                  [h.date for h in foamy + swollen])
