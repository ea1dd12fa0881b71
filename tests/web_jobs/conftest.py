"""Fixtures for the job tests: the queue in immediate mode (tasks run inline, in memory, so an
on-commit task is observable in the test), a private data directory, and a cell-therapy patient."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY


@pytest.fixture(autouse=True)
def immediate_queue():
    before = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = before


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def with_emails(world):
    """Every user of the world gets an address, so emails can be counted."""
    for user in (world.clinician_a, world.clinician_b, world.coordinator,
                 world.patient_a.user, world.patient_b.user):
        user.email = f"{user.username}@example.org"
        user.save()
    return world
