"""One source of truth: no clinical threshold, scale or vocabulary is retyped in the web shell.

Each pattern below is built from the core constant it would copy, so the test follows the core:
the shell (its Python, templates and scripts) must import the value, never spell it out.
Migrations (frozen by Django) and demo fixtures (synthetic QC values, not rules) are not scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lupuscare.web
from lupuscare.celltherapy import endpoints
from lupuscare.clinical import diary, joints
from lupuscare.instruments import biopsy, sfi, sle_das, sledai2k

WEB = Path(lupuscare.web.__file__).resolve().parent


def _files() -> list[Path]:
    return sorted(
        p for p in WEB.rglob("*")
        if p.suffix in {".py", ".html", ".js"} and "migrations" not in p.parts
        and p.name != "demo.py")


def _quoted(word: str) -> str:
    return rf"""["']{re.escape(word)}["']"""


# (what it is, a regex that would retype it)
LITERALS = [
    ("SLE-DAS remission cut-off", re.escape(f"{sle_das.REMISSION_AT_MOST:g}")),
    ("SLEDAI-2K range", rf"0\s*[-–]\s*{sledai2k.MAX_TOTAL}\b"),
    ("NIH activity index maximum", rf"/\s*{biopsy.ACTIVITY_INDEX_MAX}\b"),
    ("NIH chronicity index maximum", rf"/\s*{biopsy.CHRONICITY_INDEX_MAX}\b(?!\d)"),
    ("diary fever rule", r"DIARY_FEVER_FROM_RATING"),
    *[(f"SFI flare category {c}", _quoted(c)) for c in sfi.FLARE_CATEGORIES if c != "none"],
    *[(f"sediment item {i}", _quoted(i)) for i in endpoints.SEDIMENT_ITEMS],
    ("a 28-joint name", r"""["'][rl]_(?:mcp|pip)\d["']"""),
    ("28-joint count", r"len\(JOINTS\)\s*==\s*28"),
]
assert joints.JOINTS and diary.FEVER_FROM_RATING  # the core holds what the shell imports


@pytest.mark.parametrize(("what", "pattern"), LITERALS, ids=[w for w, _ in LITERALS])
def test_the_web_shell_does_not_retype(what, pattern):
    found = [f"{path.relative_to(WEB)}:{n}: {line.strip()}"
             for path in _files()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if re.search(pattern, line)]
    assert found == [], f"{what} retyped in the web shell (import it from the core):\n" + "\n".join(found)


def test_the_scan_sees_the_shell():
    names = {str(p.relative_to(WEB)) for p in _files()}
    assert {"clinic/views.py", "clinic/templates/clinic/patient.html", "seam/__init__.py",
            "seam/celltherapy.py"} <= names
