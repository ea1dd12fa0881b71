"""`lupuscare score`: JSON-only stdout, one-line errors, batch order and line numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from lupuscare.cli import app

runner = CliRunner()
DOC = {"findings": ["arthritis", "alopecia"], "pga": 0.8, "joints": {"swollen_28": 3},
       "labs": [{"test": "c3", "value": 0.5, "unit": "g/L", "low": 0.9}],
       "medications": [{"drug": "prednisone", "daily_dose_mg": 5}]}


def run(*args, input=None):
    r = runner.invoke(app, ["score", *args], input=input)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def doc_file(tmp_path):
    p = tmp_path / "visit.json"
    p.write_text(json.dumps(DOC))
    return p


def test_json_output_is_only_json(doc_file):
    code, out, err = run("sledai2k", str(doc_file), "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["total"] == 8 and result["instrument"] == "sledai2k"


def test_stdin_dash(doc_file):
    code, out, _ = run("sle-das", "-", "--json", input=doc_file.read_text())
    assert code == 0 and json.loads(out)["category"] in ("remission", "mild", "moderate_severe")


def test_human_table_without_json(doc_file):
    code, out, _ = run("sledai2k", str(doc_file))
    assert code == 0 and "arthritis" in out and "finding:arthritis" in out


def test_all_is_keyed_by_instrument_and_skips_missing_inputs(doc_file):
    code, out, _ = run("all", str(doc_file), "--json")
    result = json.loads(out)
    assert code == 0
    assert {"sledai2k", "sle-das", "lldas", "doris", "pga"} <= set(result)
    assert "sfi" not in result and "sri" not in result and "sdi" not in result  # need other inputs


def test_options_pass_through(doc_file):
    code, out, _ = run("sledai2k", str(doc_file), "--json", "-o", "window_days=30", "-o", "variant=selena-sledai")
    assert code == 0 and json.loads(out)["window_days"] == 30
    code, _, err = run("sledai2k", str(doc_file), "-o", "colour=red")
    assert code == 2 and "colour" in err


@pytest.mark.parametrize(("doc", "field"), [
    ({"findings": ["knee"]}, "findings[0]"),
    ({"findings": [], "labs": [{"test": "c3", "value": 1, "unit": "kg"}]}, "labs[0].unit"),
    ({"findings": [], "pga": 4}, "pga"),
    ({"pga": 1.0}, "findings"),  # missing input for sledai2k
])
def test_bad_input_exits_2_with_one_line_naming_the_field(doc, field):
    code, out, err = run("sledai2k", "-", "--json", input=json.dumps(doc))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and field in err


@pytest.mark.parametrize(("args", "text"), [
    (("nonsense", "-"), "unknown instrument"),
    (("sledai2k", "/no/such/file.json"), "/no/such/file.json"),
])
def test_bad_arguments(args, text):
    code, _, err = run(*args, input="{}")
    assert code == 2 and text in err and err.count("\n") == 1


def test_invalid_json_and_non_object():
    assert run("sledai2k", "-", input="{not json")[0] == 2
    code, _, err = run("sledai2k", "-", input="[1]")
    assert code == 2 and "expected a JSON object" in err


def test_batch_one_result_per_line_same_order(tmp_path):
    docs = [{"findings": ["arthritis"]}, {"findings": []}, {"findings": ["seizure", "fever"]}]
    p = tmp_path / "visits.jsonl"
    p.write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    code, out, err = run("sledai2k", str(p), "--batch", "--json")
    assert code == 0 and err == ""
    assert [json.loads(line)["total"] for line in out.splitlines()] == [4, 0, 9]


def test_batch_goes_on_after_a_bad_line(tmp_path):
    # contracts.md section 1 "Batch mode": every input line gets exactly one output line, in
    # order; a failed line (here a blank one and one out of range) gets an error record naming
    # the field; the exit status is non-zero; one line on stderr counts the failures.
    p = tmp_path / "visits.jsonl"
    p.write_text('{"findings": []}\n\n{"findings": ["arthritis"], "pga": 9}\n{"findings": ["arthritis"]}\n')
    code, out, err = run("sledai2k", str(p), "--batch", "--json")
    assert code == 2
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 4
    assert rows[0]["total"] == 0 and rows[3]["total"] == 4
    assert rows[1] == {"line": 2, "error": {"field": "document", "message": "blank line: expected a JSON object"}}
    assert rows[2] == {"line": 3, "error": {"field": "pga", "message": "must be between 0 and 3 (got 9)"}}
    assert err.count("\n") == 1
    assert err.startswith("error: 2 of 4 lines failed (first: line 2: document: blank line")


def test_batch_invalid_json_line(tmp_path):
    p = tmp_path / "visits.jsonl"
    p.write_text('{"findings": []}\n{oops\n')
    code, out, err = run("sledai2k", str(p), "--batch", "--json")
    assert code == 2 and "line 2" in err and "invalid JSON" in err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["total"] == 0
    assert second["line"] == 2 and second["error"]["field"] == "document"
    assert "invalid JSON" in second["error"]["message"]


def test_batch_all_and_human_summary(tmp_path):
    p = tmp_path / "visits.jsonl"
    p.write_text(json.dumps(DOC) + "\n" + json.dumps(DOC) + "\n")
    code, out, _ = run("all", str(p), "--batch", "--json")
    assert code == 0 and all("sledai2k" in json.loads(line) for line in out.splitlines())
    code, out, _ = run("sledai2k", str(p), "--batch")
    assert code == 0 and out.splitlines()[0].startswith("line 1: sledai2k total=8")


def test_console_script_end_to_end(doc_file):
    r = subprocess.run([sys.executable, "-m", "lupuscare.cli", "score", "lldas", str(doc_file), "--json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["criteria"]["pga_le_1"] is True
    r = subprocess.run([sys.executable, "-m", "lupuscare.cli", "score", "lldas", "-", "--json"],
                       input='{"findings": ["x"]}', capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.strip() == "error: findings[0]: unknown finding 'x'"


def test_package_exports_score_and_score_all():
    from lupuscare.instruments import score, score_all

    assert score("sledai2k", DOC)["total"] == 8
    results = score_all(DOC)
    assert results["sledai2k"]["total"] == 8 and results["pga"]["pga"] == 0.8
