"""`lupuscare meta` (contracts.md §4): JSON keys, exit codes, plot files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lupuscare.cli import app

DATA = Path(__file__).parent / "data" / "bcg.csv"
CONTRACT_KEYS = {"k", "estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "I2", "H2", "Q",
                 "Q_pval", "pi_lb", "pi_ub", "method", "measure", "test"}  # fmt: skip

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["meta", *args])


def test_json_has_the_contract_keys_and_metafor_values() -> None:
    result = _run(str(DATA), "--measure", "RR", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out.keys() >= CONTRACT_KEYS
    assert out["k"] == 13 and out["method"] == "REML" and out["test"] == "z"
    assert out["estimate"] == pytest.approx(-0.7145, abs=5e-5)  # metafor rma.uni docs
    assert out["I2"] == pytest.approx(92.2214, abs=5e-5)


def test_method_test_and_extensions(tmp_path: Path) -> None:
    svg, png = tmp_path / "f.svg", tmp_path / "f.png"
    result = _run(str(DATA), "--measure", "RR", "--method", "DL", "--test", "knha", "--json",
                  "--confint", "--leave1out", "--cumul", "year", "--influence", "--bias",
                  "--subgroup", "alloc", "--forest", str(svg), "--funnel", str(png))  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["method"] == "DL" and out["test"] == "knha" and out["df"] == 12
    assert len(out["leave1out"]) == 13 and len(out["cumul"]) == 13
    assert out["cumul"][0]["study"] == "Aronson"
    assert set(out["subgroups"]["groups"]) == {"random", "alternate", "systematic"}
    assert svg.read_bytes().lstrip().startswith(b"<?xml") and png.read_bytes()[:4] == b"\x89PNG"


def test_meta_regression_and_mantel_haenszel() -> None:
    out = json.loads(_run(str(DATA), "--measure", "RR", "--mods", "ablat,year", "--json").stdout)
    assert out["QM"] == pytest.approx(12.2043, abs=5e-5)
    assert [c["name"] for c in out["coefficients"]] == ["intrcpt", "ablat", "year"]
    mh = json.loads(_run(str(DATA), "--measure", "RR", "--method", "MH", "--json").stdout)
    assert mh["estimate"] == pytest.approx(-0.4537, abs=5e-5)


def test_human_readable_summary() -> None:
    result = _run(str(DATA), "--measure", "RR")
    assert result.exit_code == 0
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--measure", "SMD"], "m1i"),
        (["--measure", "RR", "--method", "XX"], "method"),
        (["--measure", "RR", "--test", "t"], "test"),
        (["--measure", "RR", "--mods", "nosuch"], "nosuch"),
        (["--measure", "RR", "--forest", "out.jpg"], ".svg or .png"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], needle: str) -> None:
    result = _run(str(DATA), *args)
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err and needle in err


def test_bad_csv(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("yi,vi\n0.1,0.02\n0.2,-0.01\n")
    result = _run(str(bad), "--measure", "GEN")
    assert result.exit_code == 2 and "vi[1]" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("yi,vi\n")
    assert _run(str(empty), "--measure", "GEN").exit_code == 2
    assert _run(str(tmp_path / "missing.csv"), "--measure", "GEN").exit_code == 2


def test_oscillating_fit_fails_cleanly_and_stepadj_rescues_it(tmp_path: Path) -> None:
    data = tmp_path / "osc.csv"
    data.write_text("yi,vi\n" + "0,1\n" * 8 + "1,0.125\n")
    failed = _run(str(data), "--measure", "GEN")
    assert failed.exit_code == 2 and "stepadj" in failed.stderr
    ok = _run(str(data), "--measure", "GEN", "--stepadj", "0.5", "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["tau2"] == pytest.approx(
        0.0787745105, rel=1e-6
    )  # metafor, stepadj=0.5


def test_text_moderator_becomes_a_factor() -> None:
    out = json.loads(_run(str(DATA), "--measure", "RR", "--mods", "alloc", "--json").stdout)
    assert [c["name"] for c in out["coefficients"]] == ["intrcpt", "allocrandom", "allocsystematic"]
    assert out["QM"] == pytest.approx(1.767513041773, rel=1e-6)  # metafor mods = ~ factor(alloc)
