"""Fixtures for the cell-therapy web tests: the shared ``world`` (every role, two care teams)."""

from __future__ import annotations

import pytest

from web.factories import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()
