"""Fixtures for the FHIR tests: ``world`` comes from tests/fixtures/world.py."""
