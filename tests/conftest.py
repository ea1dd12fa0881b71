"""Shared test configuration.

Tests that touch the database are marked ``database`` automatically, so ``make test`` can run
exactly those a second time on PostgreSQL. The shared fixtures (``world`` and its logged-in
clients) live in ``tests/fixtures/`` and are registered here once for every directory.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["fixtures.world"]

# Not django_db_blocker or django_db_setup: pytest-django pulls those into every test (autouse).
_DB_FIXTURES = {"db", "transactional_db", "live_server", "client", "admin_client",
                "django_user_model"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "database: touches the database (run on SQLite and PostgreSQL)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or fixtures & _DB_FIXTURES:
            item.add_marker(pytest.mark.database)
