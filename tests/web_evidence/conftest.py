"""Fixtures for the evidence pages: the shared ``world`` (every role) and dat.bcg as CSV text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from web.factories import World, make_world

REFERENCE = Path("/work/shared/data/meta-analysis-reference-values.json")
BCG_CSV = Path(__file__).resolve().parent.parent / "evidence" / "data" / "bcg.csv"


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture(scope="session")
def bcg_csv() -> str:
    return BCG_CSV.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bcg_reference() -> dict[str, dict]:
    """metafor's published dat.bcg values by model (RR measure), from the shared reference file."""
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return {
        e["model"]: e
        for e in data["expected"]
        if e.get("data") == "dat.bcg" and e.get("measure") == "RR" and "beta" in e
    }
