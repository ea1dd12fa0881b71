"""Glucocorticoid, kidney and blood-count rules at their boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from lupuscare.rules import MedicationCourse as Med
from lupuscare.rules import PatientContext, RuleConfig
from lupuscare.rules.context import LabResult as Lab
from lupuscare.rules.glucocorticoids import above_target_since, rule_glucocorticoid_above_target
from lupuscare.rules.haematology import rule_new_leukopenia, rule_new_thrombocytopenia
from lupuscare.rules.renal import rule_egfr_fall, rule_proteinuria_workup

START = date(2026, 1, 1)


def gc_ctx(today: date, *meds: Med) -> PatientContext:
    return PatientContext(today=today, medications=meds)


@pytest.mark.parametrize(("dose", "fires"), [(5.0, False), (5.1, True), (4.9, False)])
def test_prednisone_dose_boundary(dose, fires):
    c = gc_ctx(date(2026, 12, 1), Med("prednisone", START, dose))
    assert (rule_glucocorticoid_above_target(c) is not None) is fires


@pytest.mark.parametrize(("today", "fires"), [
    (date(2026, 6, 30), False),
    (date(2026, 7, 1), False),  # exactly 6 months: not yet *longer* than the period
    (date(2026, 7, 2), True),
])
def test_prednisone_period_boundary(today, fires):
    alert = rule_glucocorticoid_above_target(gc_ctx(today, Med("prednisone", START, 10)))
    assert (alert is not None) is fires
    if fires:
        assert alert.evidence["above_since"] == START


def test_period_is_configurable():
    c = gc_ctx(date(2026, 4, 2), Med("prednisone", START, 10))
    assert rule_glucocorticoid_above_target(c) is None
    assert rule_glucocorticoid_above_target(c, RuleConfig(gc_period_months=3)) is not None


def test_prednisone_equivalents_come_from_clinical():
    # methylprednisolone 4 mg = prednisone 5 mg: at the target; 4.08 mg = 5.1 mg: above it
    assert rule_glucocorticoid_above_target(gc_ctx(date(2027, 1, 1), Med("methylprednisolone", START, 4))) is None
    assert rule_glucocorticoid_above_target(gc_ctx(date(2027, 1, 1), Med("methylprednisolone", START, 4.08))) is not None


def test_run_restarts_after_a_dip_to_target_and_pulses_do_not_count():
    meds = (
        Med("prednisone", date(2025, 1, 1), 20, stop=date(2025, 12, 31)),
        Med("prednisone", START, 5, stop=date(2026, 2, 28)),  # two months at the target
        Med("prednisone", date(2026, 3, 1), 7.5),
        Med("methylprednisolone", date(2026, 3, 1), 500, stop=date(2026, 3, 3), pulse=True),
    )
    c = gc_ctx(date(2026, 8, 1), *meds)
    assert above_target_since(c) == date(2026, 3, 1)
    assert rule_glucocorticoid_above_target(c) is None
    assert rule_glucocorticoid_above_target(gc_ctx(date(2026, 9, 2), *meds)) is not None


def test_concurrent_courses_add_up():
    meds = (Med("prednisone", START, 3), Med("prednisolone", START, 3))
    assert rule_glucocorticoid_above_target(gc_ctx(date(2026, 12, 1), *meds)).evidence[
        "prednisone_equivalent_mg_day"] == 6


def test_inhaled_route_is_not_converted():
    c = gc_ctx(date(2026, 12, 1), Med("prednisone", START, 10, route="inhaled"))
    assert rule_glucocorticoid_above_target(c) is None


# -- proteinuria --------------------------------------------------------------------------------
def upcr_ctx(*values: float) -> PatientContext:
    labs = tuple(Lab("upcr", v, date(2026, 1, 1 + i)) for i, v in enumerate(values))
    return PatientContext(today=date(2026, 2, 1), labs=labs)


@pytest.mark.parametrize(("value", "fires"), [(0.49, False), (0.50, True), (0.51, True)])
def test_new_proteinuria_boundary(value, fires):
    alert = rule_proteinuria_workup(upcr_ctx(0.2, value))
    assert (alert is not None) is fires
    if fires:
        assert alert.evidence["change"] == "new"


def test_rising_proteinuria_fires_and_stable_or_falling_does_not():
    assert rule_proteinuria_workup(upcr_ctx(0.8, 1.2)).evidence["change"] == "rising"
    assert rule_proteinuria_workup(upcr_ctx(0.8, 0.8)) is None
    assert rule_proteinuria_workup(upcr_ctx(1.2, 0.8)) is None
    assert rule_proteinuria_workup(upcr_ctx(0.5)).evidence["change"] == "new"  # first ever result


def test_future_results_are_ignored():
    c = PatientContext(today=date(2026, 1, 1), labs=(Lab("upcr", 2.0, date(2026, 1, 2)),))
    assert rule_proteinuria_workup(c) is None


# -- eGFR -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("latest", "fires"), [(75.1, False), (75.0, True), (74.9, True)])
def test_egfr_fall_boundary(latest, fires):
    # falls of 24.9%, 25.0% and 25.1% from a baseline of 100
    labs = (Lab("egfr", 90, date(2025, 3, 1)), Lab("egfr", 100, date(2025, 9, 1)),
            Lab("egfr", latest, date(2026, 1, 1)))
    alert = rule_egfr_fall(PatientContext(today=date(2026, 1, 2), labs=labs))
    assert (alert is not None) is fires
    if fires:
        assert alert.evidence["baseline_egfr"] == 100
        assert alert.evidence["fall_percent"] == pytest.approx(100 - latest)


def test_egfr_baseline_is_the_highest_within_365_days():
    labs = (Lab("egfr", 120, date(2024, 12, 31)),  # 366 days before: outside the baseline window
            Lab("egfr", 90, date(2025, 6, 1)), Lab("egfr", 70, date(2026, 1, 1)))
    assert rule_egfr_fall(PatientContext(today=date(2026, 1, 1), labs=labs)) is None  # 22.2%
    labs2 = (Lab("egfr", 120, date(2025, 1, 1)),) + labs[1:]  # exactly 365 days before: inside
    assert rule_egfr_fall(PatientContext(today=date(2026, 1, 1), labs=labs2)).evidence["baseline_egfr"] == 120


# -- cytopenias ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "fires"), [(100.0, False), (99.9, True), (100.1, False)])
def test_new_thrombocytopenia_boundary(value, fires):
    labs = (Lab("platelets", 220, date(2025, 12, 1)), Lab("platelets", value, date(2026, 1, 1)))
    assert (rule_new_thrombocytopenia(PatientContext(today=date(2026, 1, 2), labs=labs)) is not None) is fires


@pytest.mark.parametrize(("value", "fires"), [(3.0, False), (2.9, True), (3.1, False)])
def test_new_leukopenia_boundary(value, fires):
    labs = (Lab("wbc", 6.0, date(2025, 12, 1)), Lab("wbc", value, date(2026, 1, 1)))
    assert (rule_new_leukopenia(PatientContext(today=date(2026, 1, 2), labs=labs)) is not None) is fires


def test_known_cytopenia_is_not_new():
    labs = (Lab("platelets", 80, date(2025, 12, 1)), Lab("platelets", 70, date(2026, 1, 1)))
    assert rule_new_thrombocytopenia(PatientContext(today=date(2026, 1, 2), labs=labs)) is None
