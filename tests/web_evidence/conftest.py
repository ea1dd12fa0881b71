"""Fixtures for the evidence pages: dat.bcg as CSV text and metafor's published values for it.

``world`` (every role) comes from tests/fixtures/world.py; both data files are vendored in
tests/evidence/data/ (provenance in its README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "evidence" / "data"
REFERENCE = DATA / "meta-analysis-reference-values.json"
BCG_CSV = DATA / "bcg.csv"


@pytest.fixture(scope="session")
def bcg_csv() -> str:
    return BCG_CSV.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bcg_reference() -> dict[str, dict]:
    """metafor's published dat.bcg values by model (RR measure), from the vendored reference file."""
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return {
        e["model"]: e
        for e in data["expected"]
        if e.get("data") == "dat.bcg" and e.get("measure") == "RR" and "beta" in e
    }
