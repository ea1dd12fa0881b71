"""Renal response (KDIGO 2024, EULAR 2019): cut-offs exactly, just below and above; eGFR margin."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.registry import score as registry_score
from lupuscare.instruments.renal_response import score


def tp(day, upcr=None, egfr=90.0, **extra):
    d = {"date": day, "egfr": egfr, **extra}
    if upcr is not None:
        d["upcr_g_g"] = upcr
    return d


def respond(base_upcr, follow_upcr, *, base_egfr=90.0, follow_egfr=90.0, follow_day="2025-07-01",
            guideline=None, **options):
    doc = {"baseline": tp("2025-01-01", base_upcr, base_egfr),
           "followup": tp(follow_day, follow_upcr, follow_egfr)}
    if guideline:
        doc["guideline"] = guideline
    return score(doc, **options)


# --- spec section 13 worked examples (KDIGO) ----------------------------------------------------

def test_n1_partial():
    r = respond(4.0, 1.8, base_egfr=80, follow_egfr=76)
    assert (r["response"], r["guideline"]) == ("partial", "kdigo-2024")


def test_n2_fall_of_37_5_percent_is_not_partial():
    r = respond(4.0, 2.5)
    assert r["response"] == "none"
    assert r["proteinuria_reduction_percent"] == 37.5


def test_n3_low_upcr_but_egfr_down_20_percent_not_complete():
    r = respond(2.0, 0.4, base_egfr=80, follow_egfr=64, follow_day="2026-01-01")
    assert r["response"] == "none"
    assert r["egfr_stable"] is False


# --- KDIGO cut-offs --------------------------------------------------------------------------

@pytest.mark.parametrize(("follow", "expected"), [(0.49, "complete"), (0.5, "partial"), (0.51, "partial")])
def test_kdigo_complete_cutoff(follow, expected):
    assert respond(2.0, follow)["response"] == expected


@pytest.mark.parametrize(("base", "follow", "expected"), [
    (6.0, 2.99, "partial"), (6.0, 3.0, "none"), (6.0, 3.01, "none"),  # < 3 g/g
    (4.0, 2.0, "partial"), (4.0, 2.01, "none"), (4.0, 1.99, "partial"),  # >= 50% fall
])
def test_kdigo_partial_cutoffs(base, follow, expected):
    assert respond(base, follow)["response"] == expected


@pytest.mark.parametrize(("follow_egfr", "stable"), [(90.0, True), (89.9, False), (100.0, True)])
def test_kdigo_egfr_margin_ten_percent(follow_egfr, stable):
    r = respond(2.0, 0.3, base_egfr=100.0, follow_egfr=follow_egfr)
    assert r["egfr_stable"] is stable
    assert r["response"] == ("complete" if stable else "none")


def test_kdigo_egfr_margin_option_up_to_fifteen_percent():
    assert respond(2.0, 0.3, base_egfr=100.0, follow_egfr=85.0, egfr_margin=0.15)["response"] == "complete"
    assert respond(2.0, 0.3, base_egfr=100.0, follow_egfr=84.9, egfr_margin=0.15)["response"] == "none"
    with pytest.raises(InputError) as err:
        respond(2.0, 0.3, egfr_margin=0.2)
    assert err.value.field == "egfr_margin"


def test_exact_margin_with_awkward_decimals():
    # 73.3 * 0.9 = 65.97 exactly; binary floats would put this a hair either side
    assert respond(2.0, 0.3, base_egfr=73.3, follow_egfr=65.97)["egfr_stable"] is True
    assert respond(2.0, 0.3, base_egfr=73.3, follow_egfr=65.96)["egfr_stable"] is False


# --- EULAR 2019 --------------------------------------------------------------------------------

@pytest.mark.parametrize(("follow", "expected"), [(0.49, "complete"), (0.5, "partial"), (0.51, "partial")])
def test_eular_complete_cutoff(follow, expected):
    assert respond(2.0, follow, guideline="eular-2019")["response"] == expected


def test_eular_subnephrotic_in_upcr_and_24h_units():
    assert respond(7.0, 2.99, guideline="eular-2019")["response"] == "partial"
    assert respond(7.0, 3.0, guideline="eular-2019")["response"] == "none"
    doc = {"guideline": "eular-2019",
           "baseline": {"date": "2025-01-01", "egfr": 90,
                        "labs": [{"test": "urine_protein_24h", "value": 8.0, "unit": "g/d"}]},
           "followup": {"date": "2025-07-01", "egfr": 90,
                        "labs": [{"test": "urine_protein_24h", "value": 3400, "unit": "mg/d"}]}}
    assert score(doc)["response"] == "partial"  # 3.4 < 3.5 g/24 h
    doc["followup"]["labs"][0]["value"] = 3500
    assert score(doc)["response"] == "none"


def test_eular_near_normal_gfr_by_baseline_or_normal_value():
    r = respond(2.0, 0.3, base_egfr=130, follow_egfr=95, guideline="eular-2019")
    assert r["response"] == "complete"  # fell 27% but is normal (>= 90)
    r = respond(2.0, 0.3, base_egfr=60, follow_egfr=54, guideline="eular-2019")
    assert r["response"] == "complete"  # exactly 10% fall
    r = respond(2.0, 0.3, base_egfr=60, follow_egfr=53.9, guideline="eular-2019")
    assert r["response"] == "none"


def test_eular_milestones():
    r = respond(4.0, 3.0, follow_day="2025-04-01", guideline="eular-2019")  # 25% at 3 months
    assert r["milestones"]["reduction_25_percent_by_3_months"] is True
    r = respond(4.0, 3.01, follow_day="2025-04-01", guideline="eular-2019")
    assert r["milestones"]["reduction_25_percent_by_3_months"] is False
    r = respond(4.0, 2.0, follow_day="2025-07-01", guideline="eular-2019")
    assert r["milestones"]["reduction_25_percent_by_3_months"] is None  # follow-up after month 3
    assert r["milestones"]["reduction_50_percent_by_6_months"] is True


def test_eular_complete_late_warns():
    r = respond(4.0, 0.3, follow_day="2026-07-01", guideline="eular-2019")
    assert r["response"] == "complete"
    assert any("12-month" in w for w in r.warnings)
    assert "nephrotic" in " ".join(r.warnings)


# --- time points and inputs --------------------------------------------------------------------

def test_early_followup_none_is_provisional():
    r = respond(4.0, 3.5, follow_day="2025-03-01")
    assert r["response"] == "none" and r["window"] == "before_6_months"
    assert any("provisional" in w for w in r.warnings)
    assert respond(4.0, 3.5, follow_day="2025-07-01")["window"] == "6_to_12_months"
    assert respond(4.0, 3.5, follow_day="2026-01-01")["window"] == "6_to_12_months"
    assert respond(4.0, 3.5, follow_day="2026-01-02")["window"] == "after_12_months"


@pytest.mark.parametrize("day", ["2024-12-31", "2025-01-01"])
def test_followup_not_after_baseline_is_an_error(day):
    with pytest.raises(InputError) as err:
        respond(4.0, 1.0, follow_day=day)
    assert err.value.field == "followup.date"


@pytest.mark.parametrize(("doc", "field", "error"), [
    ({"followup": tp("2025-07-01", 1.0)}, "baseline", MissingInputError),
    ({"baseline": tp("2025-01-01", 1.0)}, "followup", MissingInputError),
    ({"baseline": tp("2025-01-01"), "followup": tp("2025-07-01", 1.0)}, "baseline.upcr_g_g",
     MissingInputError),
    ({"baseline": {"date": "2025-01-01", "upcr_g_g": 2}, "followup": tp("2025-07-01", 1.0)},
     "baseline.egfr", MissingInputError),
    ({"baseline": tp("2025-01-01", -1), "followup": tp("2025-07-01", 1.0)}, "baseline.upcr_g_g",
     InputError),
    ({"baseline": tp("2025-01-01", 0), "followup": tp("2025-07-01", 1.0)}, "baseline.upcr_g_g",
     InputError),
    ({"baseline": tp("2025-01-01", 2, egfr=0), "followup": tp("2025-07-01", 1.0)}, "baseline.egfr",
     InputError),
    ({"baseline": tp("2025-01-01", "2"), "followup": tp("2025-07-01", 1.0)}, "baseline.upcr_g_g",
     InputError),
    ({"baseline": tp("2025-01-01", 2), "followup": tp("2025-07-01", 1.0), "guideline": "acr-2012"},
     "guideline", InputError),
    ({"baseline": tp("20250101", 2), "followup": tp("2025-07-01", 1.0)}, "baseline.date", InputError),
])
def test_bad_input_names_the_field(doc, field, error):
    with pytest.raises(error) as err:
        score(doc)
    assert err.value.field == field


# --- labs lists through lupuscare.clinical.units --------------------------------------------------

def test_labs_upcr_in_mg_per_mmol_and_mg_per_g():
    pytest.importorskip("lupuscare.clinical.units")
    doc = {"baseline": {"date": "2025-01-01", "egfr": 90,
                        "labs": [{"test": "upcr", "value": 4000, "unit": "mg/g"}]},
           "followup": {"date": "2025-07-01",
                        "labs": [{"test": "upcr", "value": 56.56, "unit": "mg/mmol"},
                                 {"test": "egfr", "value": 88, "unit": "mL/min/{1.73_m2}"}]}}
    r = score(doc)
    assert r["response"] == "partial"  # 56.56 mg/mmol is exactly 0.5 g/g: not < 0.5
    doc["followup"]["labs"][0]["value"] = 56.5
    assert score(doc)["response"] == "complete"
    assert "followup.labs[0]:upcr=56.5 mg/mmol" in [e.source for e in score(doc).explanation]


def test_labs_unknown_unit_names_the_lab():
    pytest.importorskip("lupuscare.clinical.units")
    doc = {"baseline": {"date": "2025-01-01", "egfr": 90,
                        "labs": [{"test": "upcr", "value": 4, "unit": "g/L"}]},
           "followup": tp("2025-07-01", 1.0)}
    with pytest.raises(InputError) as err:
        score(doc)
    assert err.value.field == "baseline.labs[0].unit"


def test_registry_dict_shape():
    out = registry_score("renal-response", {"baseline": tp("2025-01-01", 4.0),
                                            "followup": tp("2025-07-01", 0.3)}).to_dict()
    assert out["response"] == "complete" and out["guideline"] == "kdigo-2024"
    assert out["instrument"] == "renal-response" and "KDIGO" in out["citation"]
    out = registry_score("renal-response", {"baseline": tp("2025-01-01", 4.0),
                                            "followup": tp("2025-07-01", 0.3)},
                         guideline="eular-2019").to_dict()
    assert out["guideline"] == "eular-2019"


def test_egfr_margin_must_be_a_number():
    with pytest.raises(InputError) as err:
        respond(2.0, 0.3, egfr_margin="0.1")
    assert err.value.field == "egfr_margin"


_RANK = {"none": 0, "partial": 1, "complete": 2}
_upcr = st.decimals(min_value="0.01", max_value="12", places=2).map(float)
_egfr = st.decimals(min_value="5", max_value="140", places=1).map(float)


@settings(max_examples=150, deadline=None)
@given(base=_upcr, follow=_upcr, lower=_upcr, be=_egfr, fe=_egfr,
       guideline=st.sampled_from(["kdigo-2024", "eular-2019"]))
def test_property_lower_followup_proteinuria_never_worsens_response(base, follow, lower, be, fe,
                                                                    guideline):
    lower = min(lower, follow)
    a = respond(base, follow, base_egfr=be, follow_egfr=fe, guideline=guideline)
    b = respond(base, lower, base_egfr=be, follow_egfr=fe, guideline=guideline)
    assert _RANK[b["response"]] >= _RANK[a["response"]]
    if not a["egfr_stable"]:
        assert a["response"] == "none"


def test_calendar_months_between_dates():
    from datetime import date

    from lupuscare.dates import months_between

    assert months_between(date(2025, 1, 1), date(2025, 7, 1)) == 6
    assert months_between(date(2025, 1, 31), date(2025, 2, 28)) == 1
    assert months_between(date(2025, 1, 1), date(2025, 1, 16)) == pytest.approx(15 / 31)
    assert months_between(date(2025, 7, 1), date(2025, 1, 1)) == -6
