"""Fixtures for the clinician workspace: ``world`` and the ``clinician`` client come from
tests/fixtures/world.py (registered by tests/conftest.py)."""
