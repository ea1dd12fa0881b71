"""`lupuscare meta` loads only what the run needs (issue 15, speed): a plain fit must not import
scipy.stats, scipy.optimize, matplotlib, plotly or polars (together ~3 s of process time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
DATA = Path(__file__).parent / "data" / "bcg.csv"
HEAVY = ("scipy.stats", "scipy.optimize", "matplotlib", "plotly", "polars")

PROBE = """
import json, sys
from typer.testing import CliRunner
from lupuscare.cli import app
args = json.loads(sys.argv[1])
result = CliRunner().invoke(app, ["meta", *args])
assert result.exit_code == 0, result.output
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


def _loaded(*args: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    code = PROBE.format(heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code, json.dumps(list(args))], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_plain_fit_imports_no_heavy_module() -> None:
    assert _loaded(str(DATA), "--measure", "RR", "--json") == []
    assert _loaded(str(DATA), "--measure", "RR", "--method", "DL", "--test", "knha",
                   "--leave1out", "--influence", "--json") == []  # fmt: skip


def test_the_heavy_modules_load_when_a_verb_needs_them(tmp_path: Path) -> None:
    loaded = _loaded(str(DATA), "--measure", "RR", "--bias", "--forest", str(tmp_path / "f.svg"))
    assert "scipy.stats" in loaded and "matplotlib" in loaded  # Kendall's tau; the plot
    assert "scipy.optimize" in _loaded(str(DATA), "--measure", "RR", "--method", "PM")
