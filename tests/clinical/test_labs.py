"""Lab -> finding derivation at each threshold (at, just below, just above), in every unit."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.clinical.labs import FIXED_RULES, active_findings, evidence_from_lab, lab_evidence
from lupuscare.clinical.units import known_units, to_canonical_exact


def lab(test, value, unit, **kw):
    return {"test": test, "value": value, "unit": unit, **kw}


# (test, unit, value exactly at the threshold, a step, finding, direction)
# direction ">" means the finding needs a value strictly above the threshold.
BOUNDARIES = [
    ("upcr", "g/g", 0.5, 0.001, "proteinuria", ">"),
    ("upcr", "mg/g", 500, 1, "proteinuria", ">"),
    ("upcr", "mg/mg", 0.5, 0.001, "proteinuria", ">"),
    ("upcr", "mg/mmol", 56.56, 0.01, "proteinuria", ">"),
    ("upcr", "g/mmol", 0.05656, 0.00001, "proteinuria", ">"),
    ("urine_protein_24h", "g/d", 0.5, 0.001, "proteinuria", ">"),
    ("urine_protein_24h", "g/(24.h)", 0.5, 0.001, "proteinuria", ">"),
    ("urine_protein_24h", "mg/d", 500, 1, "proteinuria", ">"),
    ("urine_protein_24h", "mg/(24.h)", 500, 1, "proteinuria", ">"),
    ("urine_rbc", "/[HPF]", 5, 1, "hematuria", ">"),
    ("urine_wbc", "/[HPF]", 5, 1, "pyuria", ">"),
    ("platelets", "10*9/L", 100, 1, "thrombocytopenia", "<"),
    ("platelets", "10*3/uL", 100, 1, "thrombocytopenia", "<"),
    ("platelets", "10*3/mm3", 100, 1, "thrombocytopenia", "<"),
    ("platelets", "/uL", 100_000, 1000, "thrombocytopenia", "<"),
    ("platelets", "/mm3", 100_000, 1000, "thrombocytopenia", "<"),
    ("platelets", "10*6/L", 100_000, 1000, "thrombocytopenia", "<"),
    ("wbc", "10*9/L", 3, 0.1, "leukopenia", "<"),
    ("wbc", "10*3/uL", 3, 0.1, "leukopenia", "<"),
    ("wbc", "10*3/mm3", 3, 0.1, "leukopenia", "<"),
    ("wbc", "/uL", 3000, 100, "leukopenia", "<"),
    ("wbc", "/mm3", 3000, 100, "leukopenia", "<"),
    ("wbc", "10*6/L", 3000, 100, "leukopenia", "<"),
    ("temperature", "Cel", 38.0, 0.1, "fever", ">"),
    ("temperature", "[degF]", 100.4, 0.1, "fever", ">"),
]


@pytest.mark.parametrize(("test", "unit", "at", "step", "finding", "op"), BOUNDARIES)
def test_threshold_is_strict_in_every_unit(test, unit, at, step, finding, op):
    above, below = at + step, at - step
    hit, miss = (above, below) if op == ">" else (below, above)
    assert evidence_from_lab(lab(test, at, unit)) is None, "the threshold itself never counts"
    assert evidence_from_lab(lab(test, miss, unit)) is None
    ev = evidence_from_lab(lab(test, hit, unit))
    assert ev is not None and ev.finding == finding and ev.test == test
    assert ev.source.startswith(f"lab:{test}=")


@pytest.mark.parametrize("test", ["c3", "c4", "ch50"])
def test_complement_below_its_own_lab_low(test):
    unit = "U/mL" if test == "ch50" else "g/L"
    assert evidence_from_lab(lab(test, 0.9, unit, low=0.9)) is None
    assert evidence_from_lab(lab(test, 0.91, unit, low=0.9)) is None
    ev = evidence_from_lab(lab(test, 0.89, unit, low=0.9))
    assert ev.finding == "low_complement" and "lab low 0.9" in ev.source
    assert evidence_from_lab(lab(test, 0.1, unit)) is None, "no low limit, no finding"


@pytest.mark.parametrize("unit", ["[IU]/mL", "k[IU]/L", "U/mL", "%"])
def test_anti_dsdna_above_its_own_lab_high_in_any_assay_unit(unit):
    assert evidence_from_lab(lab("anti_dsdna", 10, unit, high=10)) is None
    assert evidence_from_lab(lab("anti_dsdna", 9.9, unit, high=10)) is None
    assert evidence_from_lab(lab("anti_dsdna", 10.1, unit, high=10)).finding == "increased_dna_binding"


def test_several_low_components_give_one_finding_with_every_source():
    labs = [lab("c3", 0.5, "g/L", low=0.9), lab("c4", 0.05, "g/L", low=0.1)]
    active = active_findings([], [], labs)
    assert list(active) == ["low_complement"]
    assert len(active["low_complement"]) == 2


def test_not_attributable_always_wins():
    labs = [lab("temperature", 39.5, "Cel"), lab("platelets", 20, "10*9/L")]
    active = active_findings(["fever"], ["fever", "thrombocytopenia"], labs)
    assert active == {}


def test_attested_finding_counts_without_a_lab_and_labs_add_their_sources():
    active = active_findings(["proteinuria"], [], [lab("upcr", 850, "mg/g")])
    assert active["proteinuria"] == ("finding:proteinuria", "lab:upcr=850 mg/g (> 0.5 g/g)")


def test_normal_labs_produce_nothing():
    labs = [lab("upcr", 0.1, "g/g"), lab("platelets", 250, "10*9/L"), lab("wbc", 6, "10*9/L"),
            lab("temperature", 36.8, "Cel"), lab("hemoglobin", 13, "g/dL"), lab("esr", 20, "mm/h")]
    assert lab_evidence(labs) == []


UNIT_CASES = [(t, u) for t in FIXED_RULES for u in known_units(t)]


@settings(max_examples=400, deadline=None)
@given(case=st.sampled_from(UNIT_CASES), scale=st.sampled_from([1, 1000, 1e-3, 113.12, 1e5]),
       jitter=st.integers(-3, 3), base=st.floats(0.01, 200, allow_nan=False))
def test_fast_screening_decides_exactly_like_rational_arithmetic(case, scale, jitter, base):
    test, unit = case
    finding, op, threshold = FIXED_RULES[test]
    # values on, and a few ulps around, the threshold expressed in this unit
    for value in (base, round(float(threshold) * scale, 6) + jitter * 1e-9, round(base, 2)):
        exact = to_canonical_exact(test, value, unit)
        expected = exact > threshold if op == ">" else exact < threshold
        ev = evidence_from_lab(lab(test, value, unit))
        assert (ev is not None) == expected, (test, unit, value)
    assert isinstance(threshold, Fraction)
