"""UCUM conversions: every accepted unit, exact factors, refusals, round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.clinical.units import (
    ASSAY_SPECIFIC_UNITS,
    CANONICAL_UNIT,
    convert,
    is_convertible,
    known_units,
    to_canonical,
)
from lupuscare.clinical.vocabulary import LAB_TESTS
from lupuscare.errors import InputError

CONTRACT_TESTS = ["upcr", "urine_protein_24h", "c3", "c4", "ch50", "anti_dsdna", "ana_titer",
                  "platelets", "wbc", "lymphocytes", "hemoglobin", "creatinine", "egfr",
                  "urine_rbc", "urine_wbc", "temperature", "albumin", "esr", "crp"]
EXTENSIONS = ["ast", "alt", "neutrophils"]  # contracts 2.2 says "extend freely"


def test_every_contract_lab_has_one_canonical_unit_and_a_vocabulary_entry():
    assert set(CONTRACT_TESTS + EXTENSIONS) == set(CANONICAL_UNIT) == set(LAB_TESTS)
    for test in CONTRACT_TESTS + EXTENSIONS:
        assert known_units(test)[0] == CANONICAL_UNIT[test] or CANONICAL_UNIT[test] in known_units(test)
        assert to_canonical(test, 1.0, CANONICAL_UNIT[test]) == 1.0


@pytest.mark.parametrize(("test", "value", "unit", "expected"), [
    ("upcr", 500, "mg/g", 0.5),
    ("upcr", 0.5, "g/g", 0.5),
    ("upcr", 0.5, "mg/mg", 0.5),
    ("upcr", 113.12, "mg/mmol", 1.0),
    ("upcr", 56.56, "mg/mmol", 0.5),
    ("upcr", 0.11312, "g/mmol", 1.0),
    ("urine_protein_24h", 500, "mg/d", 0.5),
    ("urine_protein_24h", 500, "mg/(24.h)", 0.5),
    ("urine_protein_24h", 0.5, "g/(24.h)", 0.5),
    ("c3", 90, "mg/dL", 0.9),
    ("c4", 100, "mg/L", 0.1),
    ("platelets", 100_000, "/uL", 100.0),
    ("platelets", 100, "10*3/uL", 100.0),
    ("platelets", 100, "10*3/mm3", 100.0),
    ("platelets", 100_000, "/mm3", 100.0),
    ("wbc", 3000, "10*6/L", 3.0),
    ("hemoglobin", 70, "g/L", 7.0),
    ("hemoglobin", 1, "mmol/L", 1.61145),
    ("creatinine", 1, "mmol/L", 1000.0),
    ("temperature", 100.4, "[degF]", 38.0),
    ("temperature", 32, "[degF]", 0.0),
    ("albumin", 3.5, "g/dL", 35.0),
    ("crp", 1, "mg/dL", 10.0),
    ("crp", 5, "ug/mL", 5.0),
    ("anti_dsdna", 30, "k[IU]/L", 30.0),
    ("ch50", 40, "kU/L", 40.0),
    ("ast", 1, "ukat/L", 60.0),
    ("alt", 35, "[IU]/L", 35.0),
    ("alt", 35, "U/L", 35.0),
])
def test_known_conversions_are_exact_at_typed_values(test, value, unit, expected):
    assert to_canonical(test, value, unit) == expected


def test_creatinine_factors_come_from_one_molar_mass():
    # 113.12 g/mol: 1 g/g = 113.12 mg/mmol and 1 mg/dL = 10000/113.12 umol/L (88.40, not 88.42)
    assert convert("upcr", 1, "g/g", "mg/mmol") == pytest.approx(113.12, abs=1e-12)
    assert convert("upcr", 1, "mg/mmol", "mg/g") == pytest.approx(8.8402, abs=1e-4)
    assert convert("creatinine", 1, "mg/dL", "umol/L") == pytest.approx(88.4017, abs=1e-4)
    # the guidelines' "0.5 g/g ~ 50 mg/mmol" is a rounding: exactly 56.56
    assert convert("upcr", 0.5, "g/g", "mg/mmol") == pytest.approx(56.56)


def test_haemoglobin_mmol_uses_the_monomer_convention():
    assert convert("hemoglobin", 10, "g/dL", "mmol/L") == pytest.approx(6.2056, abs=1e-4)


@pytest.mark.parametrize(("test", "unit"), [
    ("upcr", "mg/dL"), ("platelets", "10*12/L"), ("wbc", "10*12/L"), ("c3", "g/dL%"),
    ("temperature", "K"), ("egfr", "mL/min"), ("creatinine", "mg/L/x"),
])
def test_unknown_unit_is_rejected_naming_unit(test, unit):
    with pytest.raises(InputError) as e:
        to_canonical(test, 1.0, unit)
    assert e.value.field == "unit"
    assert unit in e.value.message


def test_unknown_test_is_rejected_naming_test():
    with pytest.raises(InputError) as e:
        to_canonical("sodium", 140, "mmol/L")
    assert e.value.field == "test"


@pytest.mark.parametrize("unit", sorted(ASSAY_SPECIFIC_UNITS["anti_dsdna"]))
def test_assay_specific_anti_dsdna_units_are_known_but_not_convertible(unit):
    assert unit in known_units("anti_dsdna")
    assert not is_convertible("anti_dsdna", unit)
    with pytest.raises(InputError, match="assay-specific"):
        to_canonical("anti_dsdna", 40, unit)
    with pytest.raises(InputError, match="assay-specific"):
        convert("anti_dsdna", 40, "[IU]/mL", unit)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "12", True, None])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(InputError):
        to_canonical("platelets", bad, "10*9/L")


PAIRS = [(t, u1, u2) for t in CANONICAL_UNIT for u1 in known_units(t) for u2 in known_units(t)
         if is_convertible(t, u1) and is_convertible(t, u2)]


@settings(max_examples=300, deadline=None)
@given(pair=st.sampled_from(PAIRS), value=st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_conversions_round_trip(pair, value):
    test, u1, u2 = pair
    back = convert(test, convert(test, value, u1, u2), u2, u1)
    assert math.isclose(back, value, rel_tol=1e-12, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(pair=st.sampled_from(PAIRS), a=st.floats(0, 1e5), b=st.floats(0, 1e5))
def test_conversions_preserve_order(pair, a, b):
    test, u1, _ = pair
    if a < b:
        assert to_canonical(test, a, u1) <= to_canonical(test, b, u1)
