"""The ``slow`` marker labels tests; it never hides them from the default run or ``make test``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_slow_is_registered_and_not_deselected_by_default():
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert any(m.startswith("slow:") for m in ini["markers"])
    assert "-m" not in ini.get("addopts", "").split()


def test_make_test_runs_every_test_including_slow_ones():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test-sqlite:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    pytest_args = recipe.split("-m pytest", 1)[1].split()
    assert "-m" not in pytest_args and "not slow" not in makefile
