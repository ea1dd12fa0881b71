"""Run every safety rule on one patient and return the alerts, most urgent first."""

from __future__ import annotations

from collections.abc import Callable

from lupuscare.rules.alert import SEVERITY_ORDER, Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import PatientContext
from lupuscare.rules.glucocorticoids import rule_glucocorticoid_above_target
from lupuscare.rules.haematology import (
    rule_anaemia,
    rule_cytopenia_worsening,
    rule_neutropenia,
    rule_new_leukopenia,
    rule_new_thrombocytopenia,
)
from lupuscare.rules.hydroxychloroquine import (
    rule_antimalarial_weight_stale,
    rule_chloroquine_dose_above_cap,
    rule_hcq_dose_above_cap,
    rule_hcq_not_prescribed,
    rule_hcq_recently_started,
    rule_hcq_retinal_screening_due,
    rule_hcq_weight_missing,
)
from lupuscare.rules.pregnancy import rule_teratogen_washout, rule_teratogen_without_contraception
from lupuscare.rules.red_flags import (
    rule_red_flag_chest_pain,
    rule_red_flag_fever_on_immunosuppressants,
    rule_red_flag_foamy_urine_swollen_legs,
    rule_red_flag_seizure,
    rule_red_flag_shortness_of_breath,
)
from lupuscare.rules.renal import rule_egfr_fall, rule_proteinuria_workup

Rule = Callable[[PatientContext, RuleConfig], Alert | None]

RULES: tuple[Rule, ...] = (
    rule_red_flag_chest_pain,
    rule_red_flag_shortness_of_breath,
    rule_red_flag_seizure,
    rule_red_flag_fever_on_immunosuppressants,
    rule_red_flag_foamy_urine_swollen_legs,
    rule_hcq_dose_above_cap,
    rule_hcq_weight_missing,
    rule_chloroquine_dose_above_cap,
    rule_antimalarial_weight_stale,
    rule_hcq_retinal_screening_due,
    rule_hcq_not_prescribed,
    rule_hcq_recently_started,
    rule_glucocorticoid_above_target,
    rule_proteinuria_workup,
    rule_egfr_fall,
    rule_new_thrombocytopenia,
    rule_new_leukopenia,
    rule_neutropenia,
    rule_anaemia,
    rule_cytopenia_worsening,
    rule_teratogen_without_contraception,
    rule_teratogen_washout,
)


def evaluate(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> list[Alert]:
    """Every alert that applies today, urgent first, then warnings, then information."""
    alerts = [a for rule in RULES if (a := rule(ctx, config)) is not None]
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER[a.severity], a.code))
