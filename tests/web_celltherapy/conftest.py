"""Fixtures for the cell-therapy web tests: ``world`` comes from tests/fixtures/world.py."""
