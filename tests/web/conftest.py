"""Fixtures for web tests: ``world`` (every role, two care teams) comes from tests/fixtures/world.py.

``factories.py`` beside this file holds the builders the other test directories import as
``web.factories``.
"""
