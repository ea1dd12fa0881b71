"""The product and its tests read nothing outside the repository.

A path into the project's shared brief directory (``/work/shared`` or a relative ``../shared``)
would make a fresh clone fail or, worse, test against data nobody can see; data a test needs is
vendored under ``tests/`` with its provenance (see tests/evidence/data/README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("src", "tests", "benchmarks", "tools")
OUTSIDE = re.compile(r"/work/shared|\.\./shared|/work/(?:main|wt)\b")
TEXT_SUFFIXES = {".py", ".html", ".txt", ".json", ".csv", ".toml", ".cfg", ".ini", ".md", ".R",
                 ".js", ".css", ".sh", ".yaml", ".yml"}


def _files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                files.append(path)
    return files


def offending_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if OUTSIDE.search(line)]


def test_no_file_names_a_path_outside_the_repository() -> None:
    me = Path(__file__).resolve()
    found = {
        str(path.relative_to(ROOT)): lines
        for path in _files()
        if path != me and (lines := offending_lines(path.read_text(encoding="utf-8", errors="replace")))
    }
    assert not found, f"paths outside the repository named in: {found}"


@pytest.mark.parametrize(
    "line",
    [
        'REFERENCE = Path("/work/shared/data/meta-analysis-reference-values.json")',
        'open("../shared/data/msc-sle-extraction.csv")',
        "see /work/main/src for the code",
    ],
)
def test_the_scan_catches_each_form(line: str) -> None:
    assert offending_lines(line) == [line]


def test_the_scan_leaves_ordinary_words_alone() -> None:
    assert offending_lines("the shared world; shared_days; a shared centre") == []


def test_the_scan_sees_every_area() -> None:
    names = {p.relative_to(ROOT).parts[0] for p in _files()}
    assert {"src", "tests", "benchmarks"} <= names
