"""Vectorised cohort scoring agrees with the scalar instruments, visit by visit."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lupuscare.clinical.units import CANONICAL_UNIT
from lupuscare.clinical.vocabulary import FINDINGS
from lupuscare.errors import InputError
from lupuscare.instruments import doris, lldas, sledai2k
from lupuscare.instruments.cohort import DORIS_CRITERIA, LLDAS_CRITERIA, score_frame

NAMES = sorted(FINDINGS)
# Lab columns with values spanning each threshold, including the threshold itself.
LAB_VALUES = {
    "upcr": [0.1, 0.5, 0.51, 2.0], "urine_protein_24h": [0.2, 0.5, 0.6],
    "urine_rbc": [0, 5, 6], "urine_wbc": [0, 5, 6], "platelets": [50, 99, 100, 101, 250],
    "wbc": [2.9, 3.0, 3.1, 6.0], "temperature": [36.8, 38.0, 38.1],
    "c3": [0.5, 0.9, 1.2], "c4": [0.05, 0.1, 0.3], "ch50": [20, 40],
    "anti_dsdna": [5, 10, 50],
}
LIMITS = {"c3": ("low", 0.9), "c4": ("low", 0.1), "ch50": ("low", 30), "anti_dsdna": ("high", 10)}


@st.composite
def visit(draw):
    findings = draw(st.lists(st.sampled_from(NAMES), max_size=5, unique=True))
    excluded = draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True))
    labs = {t: draw(st.none() | st.sampled_from(v)) for t, v in LAB_VALUES.items()}
    pga = draw(st.none() | st.integers(0, 30).map(lambda t: t / 10))
    meds = draw(st.none() | st.tuples(st.sampled_from([0, 2.5, 5, 5.5, 7.5, 8, 20]), st.booleans()))
    return findings, excluded, labs, pga, meds


def as_document(v, previous=None):
    findings, excluded, labs, pga, meds = v
    doc = {"findings": findings, "not_attributable": excluded, "labs": []}
    for test, value in labs.items():
        if value is None:
            continue
        lab = {"test": test, "value": value, "unit": CANONICAL_UNIT[test]}
        if test in LIMITS:
            lab[LIMITS[test][0]] = LIMITS[test][1]
        doc["labs"].append(lab)
    if pga is not None:
        doc["pga"] = pga
    if meds is not None:
        doc["medications"] = [{"drug": "prednisone", "daily_dose_mg": meds[0]},
                              {"drug": "azathioprine", "daily_dose_mg": 100, "tolerated": meds[1]}]
    if previous is not None:
        doc["previous"] = previous
    return doc


def as_row(v, patient, day):
    findings, excluded, labs, pga, meds = v
    row = {"patient_id": patient, "date": day, "pga": pga,
           "prednisone_eq_mg": None if meds is None else float(meds[0]),
           "maintenance_ok": None if meds is None else meds[1]}
    for f in NAMES:
        row[f] = f in findings
        row[f"not_attributable_{f}"] = f in excluded
    for test, value in labs.items():
        row[f"lab_{test}"] = None if value is None else float(value)
        if test in LIMITS:
            row[f"lab_{test}_{LIMITS[test][0]}"] = None if value is None else float(LIMITS[test][1])
    return row


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients=st.lists(st.lists(visit(), min_size=1, max_size=6), min_size=1, max_size=40))
def test_scalar_and_vectorised_paths_agree(patients):
    rows, docs = [], []
    for pid, visits in enumerate(patients):
        prev = None
        for day, v in enumerate(visits):
            doc = as_document(v, prev)
            docs.append(doc)
            rows.append(as_row(v, pid, day))
            prev = {k: val for k, val in doc.items() if k != "previous"}
    # shuffle the frame's row order: the previous visit must come from the date, not the position
    order = list(range(len(rows)))[::-1]
    out = score_frame(pl.DataFrame([rows[i] for i in order], infer_schema_length=None))
    for pos, i in enumerate(order):
        got = out.row(pos, named=True)
        s = sledai2k.score(docs[i])
        assert got["sledai2k"] == s["total"]
        assert got["clinical_sledai"] == s["clinical_total"]
        ll = lldas.score(docs[i])
        assert got["lldas"] == ll["met"]
        for c in LLDAS_CRITERIA:
            assert got[f"lldas_{c}"] == ll["criteria"][c], c
        dr = doris.score(docs[i])
        assert got["doris"] == dr["met"]
        for c in DORIS_CRITERIA:
            assert got[f"doris_{c}"] == dr["criteria"][c], c


def test_minimal_frame_and_missing_columns():
    out = score_frame(pl.DataFrame({"arthritis": [True, False], "lab_upcr": [0.6, None]}))
    assert out["sledai2k"].to_list() == [8, 0]
    assert out["lldas"].to_list() == [False, None]  # SLEDAI 8 fails; the rest is unknown
    assert out["doris_clinical_sledai_0"].to_list() == [False, True]


def test_new_features_column_is_used_when_given():
    out = score_frame(pl.DataFrame({"new_features": [True, False], "pga": [0.5, 0.5],
                                    "prednisone_eq_mg": [5.0, 5.0], "maintenance_ok": [True, True]}))
    assert out["lldas"].to_list() == [False, True]


@pytest.mark.parametrize(("column", "values", "message", "row"), [
    ("pga", [0.5, 3.5], "between 0 and 3", 1),
    ("pga", [0.55, 1.0], "one decimal", 0),
    ("lab_platelets", [100.0, 5.0, -1.0], ">= 0", 2),
    ("prednisone_eq_mg", [float("nan"), 1.0], "finite", 0),
    ("lab_upcr", [0.1, float("inf")], "finite", 1),
])
def test_bad_values_name_column_and_row(column, values, message, row):
    with pytest.raises(InputError, match=message) as e:
        score_frame(pl.DataFrame({column: values}))
    assert e.value.field == f"{column}[{row}]"


@pytest.mark.parametrize(("column", "values"), [
    ("arthritis", [1, 0]), ("not_attributable_fever", ["yes", "no"]), ("lab_upcr", ["0.6", "0.1"]),
])
def test_wrong_column_types_are_refused(column, values):
    with pytest.raises(InputError) as e:
        score_frame(pl.DataFrame({column: values}))
    assert e.value.field == column


def test_visits_need_patient_and_date_when_ordered_by_them():
    with pytest.raises(InputError) as e:
        score_frame(pl.DataFrame({"patient_id": [1, 1], "date": [1, None], "arthritis": [True, False]}))
    assert e.value.field == "date[1]"


def test_previous_visit_follows_dates_not_row_order():
    df = pl.DataFrame({"patient_id": [7, 7, 7], "date": [3, 1, 2],
                       "alopecia": [True, False, True]})
    out = score_frame(df)
    # day 1: first visit (null); day 2: alopecia new (False); day 3: alopecia persists (True)
    assert out["lldas_no_new_features"].to_list() == [True, None, False]
