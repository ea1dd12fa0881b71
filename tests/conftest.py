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


@pytest.fixture(autouse=True)
def _audit_chain_head(request: pytest.FixtureRequest):
    """A transactional test ends with a flush, which also removes the audit chain's one-row head
    that the migrations create; the next test would then recreate it inside whatever it measures
    (a query count). Database tests start from a migrated database's state instead."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool({"transactional_db", "live_server"} & names) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    uses_db = bool(marker) or bool(_DB_FIXTURES & names)
    if uses_db and not transactional:
        request.getfixturevalue("db")
        from lupuscare.web.records.audit_chain import ensure_head

        ensure_head()
    yield
