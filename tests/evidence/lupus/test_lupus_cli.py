"""`lupuscare evidence ...`: exit codes, one-line errors, outputs."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lupuscare.cli import app

runner = CliRunner()


def test_report_writes_index_html(tmp_path):
    out = tmp_path / "report"
    res = runner.invoke(app, ["evidence", "report", "--out", str(out)])
    assert res.exit_code == 0, res.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="grade"' in page


def test_report_into_a_file_path_fails_with_exit_2(tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    res = runner.invoke(app, ["evidence", "report", "--out", str(target)])
    assert res.exit_code == 2
    assert "not a directory" in res.output
    assert target.read_text() == "x"


def test_report_requires_out():
    res = runner.invoke(app, ["evidence", "report"])
    assert res.exit_code != 0


def test_dataset_json_and_validation(tmp_path):
    res = runner.invoke(app, ["evidence", "dataset", "--json"])
    assert res.exit_code == 0
    rows = json.loads(res.output)
    assert any(r["study_id"] == "Deng2017" for r in rows)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    res = runner.invoke(app, ["evidence", "dataset", "--file", str(bad)])
    assert res.exit_code == 2
    assert res.output.startswith("error: header:") and res.output.count("\n") == 1


def test_analysis_json_and_bad_correlation():
    res = runner.invoke(app, ["evidence", "analysis", "--json", "--r", "0.3", "--r", "0.7"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["prepost"]["sledai"]["correlations"] == [0.3, 0.7]
    res = runner.invoke(app, ["evidence", "analysis", "--r", "1.5"])
    assert res.exit_code == 2 and "correlation" in res.output
