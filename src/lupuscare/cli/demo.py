"""`lupuscare demo [--patients N] [--seed S] [--reset]` (contracts.md section 1).

Creates the database schema (runs the migrations), loads a synthetic cohort
(``lupuscare.demo``), and prints the demo logins. Loading into a database that already holds real
patients is refused; the same cohort loaded twice is a no-op; a different cohort needs
``--reset``. See docs/demo-cohort.md.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Annotated

import typer

from lupuscare.cli.errors import fail


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        patients: Annotated[int, typer.Option("--patients", help="Number of synthetic patients.")] = 100,
        seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same cohort.")] = 1,
        reset: Annotated[bool, typer.Option("--reset", help="Remove a previously loaded demo cohort first.")] = False,
        as_of: Annotated[str | None, typer.Option(
            "--as-of", help="Follow-up ends on this date (YYYY-MM-DD); default today.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    ) -> None:
        """Create the database schema and load a synthetic lupus cohort; print demo logins."""
        from lupuscare.demo.cohort import MAX_PATIENTS

        if not 1 <= patients <= MAX_PATIENTS:
            fail(f"--patients: must be from 1 to {MAX_PATIENTS}")
        if seed < 0:
            fail("--seed: must be a non-negative whole number")
        try:
            reference = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            fail(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)")

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lupuscare.web.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)

        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        from lupuscare.demo.load import DemoRefused, load_demo
        from lupuscare.errors import InputError

        console = Console(stderr=True)
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=as_json) as bar:
            task = bar.add_task("Loading synthetic patients", total=patients)
            try:
                summary = load_demo(patients, seed, reset=reset, as_of=reference,
                                    progress=lambda n: bar.advance(task, n))
            except DemoRefused as exc:
                fail(str(exc))
            except InputError as exc:
                fail(f"--{exc.field}: {exc.message}")

        logins = [{"role": x.role, "username": x.username, "password": x.password,
                   "description": x.description} for x in summary.logins]
        if as_json:
            print(json.dumps({"seed": summary.seed, "patients": summary.patients,
                              "as_of": summary.as_of.isoformat(),
                              "already_loaded": summary.already_loaded,
                              "seconds": round(summary.seconds, 2), "counts": summary.counts,
                              "logins": logins}))
            return
        _print_summary(summary, logins)


def _print_summary(summary, logins: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console()
    if summary.already_loaded:
        out.print(f"Demo cohort already loaded (seed {summary.seed}, {summary.patients} patients); "
                  "nothing changed. Use --reset to reload it.")
    else:
        rows = ", ".join(f"{v} {k}" for k, v in summary.counts.items())
        out.print(f"Loaded a synthetic cohort of {summary.patients} patients (seed {summary.seed}, "
                  f"follow-up to {summary.as_of}) in {summary.seconds:.1f} s: {rows}.")
    table = Table(title="Demo logins (synthetic data only)")
    for column in ("role", "username", "password", "who"):
        table.add_column(column)
    for x in logins:
        table.add_row(x["role"], x["username"], x["password"], x["description"])
    out.print(table)
