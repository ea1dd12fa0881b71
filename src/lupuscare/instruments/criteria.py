"""Combining criteria that may be unknown: all true -> met; any false -> not met; else unknown."""

from __future__ import annotations

from collections.abc import Mapping


def all_met(criteria: Mapping[str, bool | None]) -> bool | None:
    values = list(criteria.values())
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None
