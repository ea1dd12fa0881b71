"""Fixtures for web tests: ``world`` holds every role and two patients in two care teams."""

from __future__ import annotations

import pytest

from .factories import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()
