"""The one CSV reader (issue 15, item 5) and the options the CLI refuses; warnings reach the
CLI's JSON and the page's analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lupuscare.cli import app
from lupuscare.errors import InputError
from lupuscare.evidence.csv_table import read_columns
from lupuscare.web.evidence import meta as page

runner = CliRunner()
DATA = Path(__file__).parent / "data" / "bcg.csv"


def test_reads_columns_strips_and_skips_blank_lines() -> None:
    cols = read_columns("\ufeff study , yi ,vi\nA, 0.1 ,0.02\n\nB,0.3,0.04\n")
    assert cols == {"study": ["A", "B"], "yi": ["0.1", "0.3"], "vi": ["0.02", "0.04"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study,yi,yi,vi\nA,0.1,0.2,0.02\n", "column 'yi' appears twice"),
        ("study,yi, yi ,vi\nA,0.1,0.2,0.02\n", "column 'yi' appears twice"),
        ("yi,vi\n", "header but no rows"),
        ("", "empty"),
        ("yi,,vi\n1,2,3\n", "column 2 of the header has no name"),
        ("yi,vi\n0.1,0.02\n0.2,0.03,9\n", "line 3: more values"),
        ("yi,vi\n0.1,0.02\n\n0.2\n", "line 4: fewer values"),
        ('yi,vi\n"0.1,0.02\n', "not readable as CSV"),
    ],
)
def test_refusals_name_the_column_or_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        read_columns(text, field="upload")
    assert info.value.field == "upload"


def test_limits_at_the_boundary() -> None:
    text = "yi,vi\n" + "0.1,0.02\n" * 3
    assert len(read_columns(text, max_rows=3, max_columns=2)["yi"]) == 3
    with pytest.raises(InputError, match="more than 2 studies"):
        read_columns(text, max_rows=2)
    with pytest.raises(InputError, match="more than 1 columns"):
        read_columns(text, max_columns=1)


def test_duplicate_columns_are_refused_by_the_cli_and_the_page(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("study,yi,vi,yi\nA,0.1,0.02,0.5\nB,0.3,0.04,0.7\n")
    result = runner.invoke(app, ["meta", str(dup), "--measure", "GEN", "--json"])
    assert result.exit_code == 2
    assert "'yi' appears twice" in result.stderr and result.stdout == ""
    with pytest.raises(InputError, match="'yi' appears twice"):
        page.parse_csv(dup.read_text())


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--measure", "RR", "--vtype", "XX"], "--vtype"),
        (["--measure", "RR", "--vtype", "UB"], "--vtype"),  # UB exists for RD, not RR
        (["--measure", "RR", "--stepadj", "0"], "--stepadj"),
        (["--measure", "RR", "--stepadj", "-0.5"], "--stepadj"),
        (["--measure", "RR", "--stepadj", "nan"], "--stepadj"),
    ],
)
def test_cli_refuses_bad_vtype_and_stepadj(args: list[str], option: str) -> None:
    result = runner.invoke(app, ["meta", str(DATA), *args, "--json"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}:")


def test_cli_accepts_valid_vtype_and_stepadj() -> None:
    ok = runner.invoke(app, ["meta", str(DATA), "--measure", "RD", "--vtype", "ub",
                             "--stepadj", "0.5", "--json"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["measure"] == "RD"


def test_warnings_reach_the_cli_json_and_the_page(tmp_path: Path) -> None:
    f = tmp_path / "ratio.csv"
    f.write_text("study,yi,vi\nA,0.1,1e-8\nB,0.3,0.2\nC,0.2,0.1\nD,0.5,0.3\n")
    result = runner.invoke(app, ["meta", str(f), "--measure", "GEN", "--method", "DL", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert any("Ratio of largest to smallest" in w for w in out["warnings"])
    text = runner.invoke(app, ["meta", str(f), "--measure", "GEN", "--method", "DL"])
    assert "warning: Ratio of largest" in text.stderr
    ee = runner.invoke(app, ["meta", str(DATA), "--measure", "RR", "--method", "EE",
                             "--test", "knha", "--json"])  # fmt: skip
    assert json.loads(ee.stdout)["warnings"] == [
        "Knapp & Hartung method is not meant to be used in the context of EE models."
    ]
    analysed = page.analyse(page.parse_csv(f.read_text()), measure="GEN", method="DL", test="z")
    assert any("Ratio of largest" in w for w in analysed.warnings)
    quiet = runner.invoke(app, ["meta", str(DATA), "--measure", "RR", "--json"])
    assert json.loads(quiet.stdout)["warnings"] == []


def test_a_failed_refit_is_a_null_row_with_a_note_in_the_cli_json(tmp_path: Path) -> None:
    f = tmp_path / "osc.csv"  # leaving out study 10 leaves Fisher scoring oscillating (metafor NA)
    rows = [(0, 1)] * 8 + [(1, 0.125), (0.5, 0.125)]
    f.write_text("yi,vi\n" + "".join(f"{y},{v}\n" for y, v in rows))
    result = runner.invoke(app, ["meta", str(f), "--measure", "GEN", "--leave1out", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out["leave1out"]) == 10 and out["leave1out"][9]["estimate"] is None
    assert out["leave1out"][0]["estimate"] is not None
    assert out["refit_notes"] and out["refit_notes"][0].startswith("leave1out: without 10")
