"""Fixtures for the patient companion: a private data directory. ``world`` and ``patient_client``
come from tests/fixtures/world.py (registered by tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Photos are written under a temporary ``DATA_DIR``, never the developer's ``var/``."""
    settings.DATA_DIR = tmp_path
    return tmp_path
