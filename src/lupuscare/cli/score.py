"""`lupuscare score`: placeholder until its issue lands (see issues)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:  # replaced by the module's real commands
    return None
