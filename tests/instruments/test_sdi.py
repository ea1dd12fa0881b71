"""SDI: the item list, the six-month rule at its boundary, repeats, ESRD, lupus onset, monotonicity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.dates import add_months
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.registry import score as registry_score
from lupuscare.instruments.sdi import never_decreases, score, score_series
from lupuscare.instruments.sdi_items import DOMAINS, ITEMS, MAX_TOTAL, domain_maximum


def sdi(damage, on="2026-03-01", **extra):
    return score({"date": on, "damage": damage, **extra})


# --- the published item list -----------------------------------------------------------------

def test_published_domain_maxima_and_total():
    # Gladman 1996 form: ocular 2, NP 6, renal 3, pulmonary 5, CV 6, PV 5, GI 6, MSK 7, skin 3,
    # gonadal 1, diabetes 1, malignancy 2 = 47.
    expected = {"ocular": 2, "neuropsychiatric": 6, "renal": 3, "pulmonary": 5,
                "cardiovascular": 6, "peripheral_vascular": 5, "gastrointestinal": 6,
                "musculoskeletal": 7, "skin": 3, "gonadal": 1, "diabetes": 1, "malignancy": 2}
    assert {d: domain_maximum(d) for d in DOMAINS} == expected
    assert MAX_TOTAL == 47
    assert len(ITEMS) == 41


def test_contract_item_names_exist():
    for name in ("cataract", "retinal_change_or_optic_atrophy", "cognitive_impairment",
                 "seizures_6_months", "cva", "neuropathy", "transverse_myelitis", "gfr_below_50",
                 "proteinuria_3_5g", "esrd"):
        assert name in ITEMS


def test_every_item_at_maximum_scores_47():
    long_ago = "2000-01-01"
    damage = [{"item": name, "onset": long_ago, "count": 2} for name in ITEMS]
    result = sdi(damage)
    assert result["total"] == 47
    assert result["domains"]["renal"] == 3


def test_items_documented():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs/instruments/sdi-items.md").read_text()
    for name in ITEMS:
        assert f"`{name}`" in doc, name


# --- six-month persistence rule ---------------------------------------------------------------

@pytest.mark.parametrize("item", ["retinal_change_or_optic_atrophy", "neuropathy", "gfr_below_50",
                                  "pulmonary_fibrosis", "avascular_necrosis", "diabetes"])
def test_six_month_rule_boundary(item):
    onset = date(2025, 9, 1)
    exactly = add_months(onset, 6)  # 2026-03-01
    assert sdi([{"item": item, "onset": onset.isoformat()}], exactly.isoformat())["total"] == 1
    day_short = (exactly - timedelta(days=1)).isoformat()
    result = sdi([{"item": item, "onset": onset.isoformat()}], day_short)
    assert result["total"] == 0
    assert "counts from 2026-03-01" in result.explanation[0].note


def test_six_months_from_31_august_is_end_of_february():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert sdi([{"item": "neuropathy", "onset": "2025-08-31"}], "2026-02-28")["total"] == 1
    assert sdi([{"item": "neuropathy", "onset": "2025-08-31"}], "2026-02-27")["total"] == 0


def test_skin_ulceration_needs_more_than_six_months():
    d = [{"item": "skin_ulceration_6_months", "onset": "2025-09-01"}]
    assert sdi(d, "2026-03-01")["total"] == 0
    assert sdi(d, "2026-03-02")["total"] == 1


@pytest.mark.parametrize("item", ["cataract", "cva", "myocardial_infarction", "malignancy",
                                  "significant_tissue_loss", "gi_infarction_or_resection",
                                  "stricture_or_upper_gi_surgery"])
def test_ever_items_count_on_the_day(item):
    assert sdi([{"item": item, "onset": "2026-03-01"}], "2026-03-01")["total"] == 1
    assert sdi([{"item": item, "onset": "2026-03-02"}], "2026-03-01")["total"] == 0


def test_d3_pericarditis_lasting_four_months_never_counts():
    d = [{"item": "pericarditis_6_months", "onset": "2024-01-10", "resolved": "2024-05-10"}]
    result = sdi(d, "2026-03-01")
    assert result["total"] == 0
    assert "resolved" in result.explanation[0].note


def test_resolved_after_six_months_still_counts():
    d = [{"item": "pericarditis_6_months", "onset": "2024-01-10", "resolved": "2024-07-10"}]
    assert sdi(d, "2026-03-01")["total"] == 1


def test_pericardiectomy_counts_when_done():
    assert sdi([{"item": "pericardiectomy", "onset": "2026-02-01"}])["domains"]["cardiovascular"] == 1


# --- repeats, same lesion, ESRD ---------------------------------------------------------------

def test_d1_cataract_two_cvas_apart_and_esrd():
    damage = [{"item": "cataract", "onset": "2019-04-01"},
              {"item": "cva", "onset": "2021-01-10"},
              {"item": "cva", "onset": "2022-03-01"},
              {"item": "esrd", "onset": "2023-01-01"}]
    result = sdi(damage)
    assert result["total"] == 6
    assert result["domains"] == {**dict.fromkeys(DOMAINS, 0), "ocular": 1, "neuropsychiatric": 2,
                                 "renal": 3}


def test_second_cva_one_day_short_of_six_months_scores_once():
    first = date(2021, 1, 10)
    second = add_months(first, 6) - timedelta(days=1)
    damage = [{"item": "cva", "onset": first.isoformat()},
              {"item": "cva", "onset": second.isoformat()}]
    assert sdi(damage)["total"] == 1
    damage[1]["onset"] = add_months(first, 6).isoformat()
    assert sdi(damage)["total"] == 2


def test_count_two_scores_two_and_never_more():
    assert sdi([{"item": "cva", "onset": "2021-01-10", "count": 2}])["total"] == 2
    assert sdi([{"item": "malignancy", "onset": "2021-01-10", "count": 5}])["total"] == 2


def test_same_lesion_not_scored_twice():
    damage = [{"item": "cataract", "onset": "2019-04-01"}, {"item": "cataract", "onset": "2020-04-01"}]
    assert sdi(damage)["total"] == 1


def test_cognitive_impairment_and_major_psychosis_are_one_item():
    damage = [{"item": "cognitive_impairment", "onset": "2020-01-01"},
              {"item": "major_psychosis", "onset": "2020-01-01"}]
    assert sdi(damage)["domains"]["neuropsychiatric"] == 1


def test_d2_esrd_replaces_other_renal_items():
    damage = [{"item": "gfr_below_50", "onset": "2020-01-01"},
              {"item": "proteinuria_3_5g", "onset": "2020-01-01"},
              {"item": "esrd", "onset": "2024-01-01"}]
    before = sdi(damage, "2024-06-30")  # ESRD not yet 6 months
    assert before["total"] == 2
    after = sdi(damage, "2024-07-01")
    assert after["total"] == 3
    notes = {e.item: e.note for e in after.explanation}
    assert "replaced" in notes["gfr_below_50"]


# --- lupus onset, input errors ----------------------------------------------------------------

def test_damage_before_lupus_onset_excluded():
    damage = [{"item": "cataract", "onset": "2015-01-01"}, {"item": "diabetes", "onset": "2019-01-01"}]
    result = sdi(damage, lupus_onset="2018-06-01")
    assert result["total"] == 1
    assert any("before lupus onset" in e.note for e in result.explanation)
    assert sdi(damage, lupus_onset="2015-01-01")["total"] == 2  # onset on the day counts


@pytest.mark.parametrize(("doc", "field"), [
    ({"damage": []}, "date"),
    ({"date": "2026-01-01"}, "damage"),
    ({"date": "2026-01-01", "damage": [{"item": "cataracts", "onset": "2020-01-01"}]}, "damage[0].item"),
    ({"date": "2026-01-01", "damage": [{"item": "cataract"}]}, "damage[0].onset"),
    ({"date": "2026-01-01", "damage": [{"item": "cataract", "onset": "2020-13-01"}]}, "damage[0].onset"),
    ({"date": "2026-01-01", "damage": [{"item": "cva", "onset": "2020-01-01", "count": 0}]},
     "damage[0].count"),
    ({"date": "2026-01-01", "damage": [{"item": "cva", "onset": "2020-01-01", "resolved": "2019-01-01"}]},
     "damage[0].resolved"),
    ({"date": "yesterday", "damage": []}, "date"),
    ({"date": "2026-01-01", "damage": {"item": "cva"}}, "damage"),
])
def test_bad_input_names_the_field(doc, field):
    with pytest.raises(InputError) as err:
        score(doc)
    assert err.value.field == field


def test_missing_inputs_are_missing_input_errors():
    with pytest.raises(MissingInputError):
        score({"date": "2026-01-01"})


def test_registry_and_result_shape():
    result = registry_score("sdi", {"date": "2026-03-01", "damage": [{"item": "cataract", "onset": "2020-01-01"}]})
    out = result.to_dict()
    assert out["instrument"] == "sdi" and out["total"] == 1
    assert set(out["domains"]) == set(DOMAINS)
    assert out["explanation"][0]["source"].startswith("damage[0]:cataract")


# --- monotonicity -----------------------------------------------------------------------------

def test_score_series_never_decreases_d2():
    doc = {"damage": [{"item": "gfr_below_50", "onset": "2020-01-01"},
                      {"item": "proteinuria_3_5g", "onset": "2020-01-01"},
                      {"item": "esrd", "onset": "2024-01-01"}]}
    series = score_series(doc, ["2019-01-01", "2020-07-01", "2024-06-30", "2024-07-01"])
    assert [t for _, t in series] == [0, 2, 2, 3]
    assert never_decreases(series)
    assert not never_decreases([(date(2020, 1, 1), 2), (date(2021, 1, 1), 1)])


_items = st.sampled_from(sorted(ITEMS) + ["major_psychosis", "pericardiectomy", "coronary_bypass"])
_days = st.integers(min_value=0, max_value=4000)
_event = st.fixed_dictionaries(
    {"item": _items, "onset": _days, "count": st.integers(1, 3)},
    optional={"resolved_after": st.integers(0, 400)},
)


@settings(max_examples=150, deadline=None)
@given(events=st.lists(_event, max_size=12), dates=st.lists(_days, min_size=2, max_size=6),
       lupus=st.one_of(st.none(), _days))
def test_property_sdi_never_decreases_as_the_date_moves_on(events, dates, lupus):
    base = date(2010, 1, 1)
    damage = []
    for e in events:
        onset = base + timedelta(days=e["onset"])
        ev = {"item": e["item"], "onset": onset.isoformat(), "count": e["count"]}
        if "resolved_after" in e:
            ev["resolved"] = (onset + timedelta(days=e["resolved_after"])).isoformat()
        damage.append(ev)
    doc = {"damage": damage}
    if lupus is not None:
        doc["lupus_onset"] = (base + timedelta(days=lupus)).isoformat()
    series = score_series(doc, [base + timedelta(days=d) for d in dates])
    assert never_decreases(series)
    assert all(0 <= t <= MAX_TOTAL for _, t in series)


def test_count_on_a_single_point_item_scores_one_and_says_so():
    result = sdi([{"item": "cataract", "onset": "2019-04-01", "count": 2}])
    assert result["total"] == 1
    assert "at most 1" in result.explanation[0].note


def test_site_items_two_events_are_two_sites_even_same_day():
    damage = [{"item": "malignancy", "onset": "2024-01-01"}, {"item": "malignancy", "onset": "2024-01-01"}]
    assert sdi(damage)["domains"]["malignancy"] == 2
    avn = [{"item": "avascular_necrosis", "onset": "2024-01-01"},
           {"item": "avascular_necrosis", "onset": "2024-01-01"}]
    assert sdi(avn)["domains"]["musculoskeletal"] == 1  # episode item: needs 6 months apart
