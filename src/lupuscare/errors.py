"""Errors the core raises on bad input.

Every error names the field that was wrong, so the command line, the API and the forms can say
exactly what to fix.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad or missing input, naming the offending field (dotted path, e.g. ``labs[2].unit``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class MissingInputError(InputError):
    """An instrument lacks an input it needs."""
