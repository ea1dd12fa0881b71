"""FHIR dose and timing to the record's mean daily dose (contracts §2.3)."""

from __future__ import annotations

from fractions import Fraction

from lupuscare.clinical import dose_timing as dosage


def test_weekly_and_alternate_day_doses_are_averaged():
    assert dosage.per_day(1, 1, "wk") == Fraction(1, 7)
    assert dosage.per_day(1, 2, "d") == Fraction(1, 2)
    assert dosage.per_day(2, 1, "d") == 2
    assert dosage.per_day(1, 8, "h") == 3


def test_schedules():
    assert dosage.schedule_for(1, 1, "wk") == "weekly"
    assert dosage.schedule_for(1, 2, "d") == "alternate_day"
    assert dosage.schedule_for(3, 1, "d") == "daily"
    assert dosage.schedule_for(1, 1, "mo") == "monthly"
    assert dosage.schedule_for(1, 4, "wk") == "other"


def test_mass_units_only():
    assert dosage.dose_in_mg(0.5, "g") == 500
    assert dosage.dose_in_mg(200, "ug") == 0.2
    assert dosage.dose_in_mg(1, "{tablet}") is None
    assert dosage.per_day(0, 1, "d") is None
    assert dosage.per_day(1, 1, "fortnight") is None


def test_calendar_units_are_ucum_means():
    assert float(dosage.DAYS_PER_PERIOD_UNIT["mo"]) == 30.4375  # 365.25 / 12
    assert float(dosage.DAYS_PER_PERIOD_UNIT["a"]) == 365.25
