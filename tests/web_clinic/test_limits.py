"""Plausibility limits and the 28-joint set (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.clinical import joints, limits


@pytest.mark.parametrize(
    ("test", "value", "unit", "ok"),
    [
        ("temperature", 45.0, "Cel", True),  # the limit itself
        ("temperature", 45.1, "Cel", False),  # just above
        ("temperature", 25.0, "Cel", True),
        ("temperature", 24.9, "Cel", False),
        ("temperature", 113.0, "[degF]", True),  # 45 degC exactly, typed in Fahrenheit
        ("temperature", 113.5, "[degF]", False),
        ("temperature", 98.6, "Cel", False),  # Fahrenheit typed as Celsius: the classic error
        ("c3", 5.0, "g/L", True),
        ("c3", 5.01, "g/L", False),
        ("c3", 90.0, "mg/dL", True),  # 0.9 g/L
        ("c3", 90.0, "g/L", False),  # mg/dL value typed with g/L
        ("esr", 200.0, "mm/h", True),  # the Westergren tube is 200 mm
        ("esr", 201.0, "mm/h", False),
        ("platelets", 0.0, "10*9/L", True),
        ("platelets", 2000.0, "10*9/L", True),
        ("platelets", 2001.0, "10*9/L", False),
        ("hemoglobin", 0.9, "g/dL", False),
        ("upcr", 50_000.0, "mg/g", True),  # 50 g/g
        ("upcr", 50_001.0, "mg/g", False),
    ],
)
def test_lab_limits_at_their_edges(test, value, unit, ok):
    problem = limits.lab_value_error(test, value, unit)
    assert (problem is None) == ok, problem


def test_limit_message_names_the_limit_and_the_canonical_value():
    message = limits.lab_value_error("c3", 600.0, "mg/dL")
    assert "6 g/L" in message and "0 to 5 g/L" in message


def test_assay_specific_units_get_the_generic_bound_only():
    assert limits.lab_value_error("anti_dsdna", 350.0, "U/mL") is None
    assert limits.lab_value_error("anti_dsdna", -1.0, "U/mL") is not None


def test_every_canonical_lab_test_has_a_limit():
    from lupuscare.clinical.units import CANONICAL_UNIT

    assert set(CANONICAL_UNIT) <= set(limits.PLAUSIBLE_RANGE)


def test_clinical_dates():
    born, today = dt.date(1990, 5, 1), dt.date(2026, 3, 1)
    assert limits.clinical_date_error(today, born, today) is None
    assert "future" in limits.clinical_date_error(dt.date(2026, 3, 2), born, today)
    assert limits.clinical_date_error(born, born, today) is None
    assert "birth" in limits.clinical_date_error(dt.date(1990, 4, 30), born, today)


def test_twenty_eight_joints_as_in_das28():
    assert len(joints.JOINTS) == 28
    regions = [j.region for j in joints.JOINTS if j.side == "r"]
    assert regions.count("mcp") == 5 and regions.count("pip") == 5
    assert {"shoulder", "elbow", "wrist", "knee"} <= set(regions)
    assert not any(j.region in ("hip", "ankle", "mtp") for j in joints.JOINTS)
    assert joints.count(["r_knee", "l_knee", "r_knee"]) == 2
    with pytest.raises(ValueError):
        joints.count(["r_ankle"])
