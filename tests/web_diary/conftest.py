"""Fixtures for the patient companion: the shared ``world`` and a private data directory."""

from __future__ import annotations

import pytest

from web.factories import World, make_world


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Photos are written under a temporary ``DATA_DIR``, never the developer's ``var/``."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def patient_client(client, world):
    client.force_login(world.patient_a.user)
    return client
