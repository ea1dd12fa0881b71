"""`lupuscare alerts` (contracts.md section 6): the rule engine over patient-context documents.

Tested with rules that exist today, at their boundaries: the hydroxychloroquine cap (above
5.0 mg/kg/day real weight fires; exactly 5.0 does not) and a new thrombocytopenia (below
100 x 10^9/L fires; 100 does not), also through a unit the command converts (/uL).
"""

from __future__ import annotations

import json

import pytest
from tests.cli.helpers import invoke

BASE = {"today": "2026-03-01", "birth_date": "1990-01-01", "sex": "female",
        "weight_kg": 80, "weight_date": "2026-02-01", "eye_exams": ["2025-06-01"],
        "medications": [{"drug": "hydroxychloroquine", "start": "2020-01-01", "daily_dose_mg": 400}]}


def alerts(doc, *extra):
    r = invoke("alerts", "-", "--json", *extra, input=json.dumps(doc))
    assert r.exception is None
    return r


def codes(doc):
    r = alerts(doc)
    assert r.code == 0, r.err
    return [a["code"] for a in json.loads(r.out)["alerts"]]


def test_output_fields_are_the_contract():
    r = alerts({**BASE, "weight_kg": 60})
    assert r.code == 0 and r.err == ""
    (alert,) = json.loads(r.out)["alerts"]
    assert {"code", "severity", "message", "evidence", "citation", "certainty", "due_date"} <= set(alert)
    assert alert["code"] == "hcq_dose_above_5_mg_kg" and alert["severity"] == "warning"
    assert alert["evidence"]["mg_per_kg_day"] == pytest.approx(6.667)


@pytest.mark.parametrize(("weight_kg", "fires"), [
    (80, False),     # 400 mg / 80 kg = 5.0 mg/kg/day: at the cap, no alert
    (79.9, True),    # 5.006 mg/kg/day: just above
    (80.1, False),   # 4.99: just below
])
def test_hcq_dose_cap_boundary(weight_kg, fires):
    assert ("hcq_dose_above_5_mg_kg" in codes({**BASE, "weight_kg": weight_kg})) is fires


def _with_platelets(*counts):
    labs = [{"test": "platelets", "date": f"2026-02-{10 + i:02d}", **c} for i, c in enumerate(counts)]
    return {**BASE, "labs": labs}


@pytest.mark.parametrize(("latest", "fires"), [
    ({"value": 100}, False),                      # at the threshold: not below 100
    ({"value": 99.9}, True),                      # just below
    ({"value": 100000, "unit": "/uL"}, False),    # 100 x 10^9/L in /uL
    ({"value": 99999, "unit": "/uL"}, True),      # 99.999 x 10^9/L
    ({"value": 99.9, "unit": "10*3/uL"}, True),
])
def test_new_thrombocytopenia_boundary_and_units(latest, fires):
    doc = _with_platelets({"value": 150}, latest)
    assert ("new_thrombocytopenia" in codes(doc)) is fires


def test_unknown_unit_names_the_field():
    r = alerts(_with_platelets({"value": 150}, {"value": 90, "unit": "kg"}))
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and r.err.startswith("error: labs[1].unit: unknown unit 'kg'")


@pytest.mark.parametrize(("doc", "field"), [
    ({}, "today"),
    ({"today": "2026-02-30"}, "today"),
    ({**BASE, "weight_kg": "heavy"}, "weight_kg"),
    ({**BASE, "medications": [{"drug": "hydroxychloroquine", "daily_dose_mg": 400}]}, "medications[0].start"),
    ({**BASE, "labs": [{"test": "platelets", "value": 90}]}, "labs[0].date"),
    ({**BASE, "diary_red_flags": [{"flag": "headache", "date": "2026-03-01"}]}, "diary_red_flags[0].flag"),
])
def test_bad_document_exits_2_naming_the_field(doc, field):
    r = alerts(doc)
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and r.err.startswith(f"error: {field}: ")


def test_most_urgent_first_and_table_without_json(tmp_path):
    doc = {**BASE, "weight_kg": 60,
           "diary_red_flags": [{"flag": "chest_pain_breathing", "date": "2026-03-01"}]}
    listed = json.loads(alerts(doc).out)["alerts"]
    assert [a["severity"] for a in listed][0] == "urgent"
    assert [a["code"] for a in listed] == ["diary_chest_pain_breathing", "hcq_dose_above_5_mg_kg"]
    path = tmp_path / "ctx.json"
    path.write_text(json.dumps(doc))
    r = invoke("alerts", str(path))
    assert r.code == 0 and "diary_chest_pain_breathing" in r.out and "urgent" in r.out


def test_no_alerts():
    quiet = {"today": "2026-03-01", "medications": [
        {"drug": "hydroxychloroquine", "start": "2020-01-01", "reason_not_prescribed": "retinopathy"}]}
    r = invoke("alerts", "-", input=json.dumps(quiet))
    assert r.code == 0 and "No alerts" in r.out
    assert json.loads(alerts(quiet).out) == {"alerts": []}


def test_batch_goes_on_and_names_the_line_and_field(tmp_path):
    good = {**BASE, "weight_kg": 60}
    lines = [json.dumps(good), json.dumps({**good, "today": "soon"}), "{not json",
             json.dumps(_with_platelets({"value": 150}, {"value": 99.9})), "[]"]
    path = tmp_path / "ctx.jsonl"
    path.write_text("\n".join(lines) + "\n")
    r = invoke("alerts", str(path), "--batch", "--json")
    assert r.code == 2 and r.exception is None
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert len(rows) == 5
    assert [a["code"] for a in rows[0]["alerts"]] == ["hcq_dose_above_5_mg_kg"]
    assert rows[1] == {"line": 2, "error": {"field": "today", "message": "must be a date (YYYY-MM-DD)"}}
    assert rows[2]["line"] == 3 and rows[2]["error"]["field"] == "document"
    assert "new_thrombocytopenia" in [a["code"] for a in rows[3]["alerts"]]
    assert rows[4] == {"line": 5, "error": {"field": "document", "message": "expected a JSON object"}}
    assert r.err == "error: 3 of 5 lines failed (first: line 2: today: must be a date (YYYY-MM-DD))\n"


def test_batch_all_good_exits_0_human_lines(tmp_path):
    path = tmp_path / "ctx.jsonl"
    path.write_text(json.dumps(BASE) + "\n" + json.dumps({**BASE, "weight_kg": 60}) + "\n")
    r = invoke("alerts", str(path), "--batch")
    assert r.code == 0 and r.err == ""
    assert r.out.splitlines() == ["line 1: no alerts", "line 2: hcq_dose_above_5_mg_kg (warning)"]
