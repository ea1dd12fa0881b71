"""Fixtures for the clinician workspace: the shared ``world`` (every role, two care teams)."""

from __future__ import annotations

import pytest
from django.test import Client

from web.factories import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def clinician(world: World) -> Client:
    """A client logged in as the clinician of patient A's care team."""
    client = Client()
    client.force_login(world.clinician_a)
    return client
