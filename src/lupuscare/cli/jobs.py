"""``lupuscare worker`` (the job queue's consumer) and ``lupuscare jobs run-due`` (one pass).

``worker`` runs Huey's consumer with the periodic schedule (what ``make run`` starts beside the
web server); ``jobs run-due [--as-of DATE|DATETIME] [--json]`` runs every job due at that moment
once, in this process, and prints what each did. A date means the end of that day (23:59:59 UTC),
so everything due on it is due. See docs/jobs.md.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from lupuscare.cli.errors import fail, show_warnings_as_usual
from lupuscare.cli.server import _django_setup


def parse_as_of(value: str | None) -> dt.datetime | None:
    """``--as-of``: None for now; a date is the end of that day in UTC; a naive time is UTC."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        pass
    else:
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"--as-of: {value!r} is not a date (YYYY-MM-DD) or a date and time "
             "(YYYY-MM-DDTHH:MM, UTC unless an offset is given)")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def describe(result: dict) -> str:
    job = result["job"]
    if "skipped" in result:
        return f"{job}: skipped, {result['skipped']}"
    parts = []
    for key, value in result.items():
        if key == "job":
            continue
        if isinstance(value, list):
            parts += [f"{key}: {v}" for v in value]
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return f"{job}: " + "; ".join(parts)


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        workers: Annotated[int, typer.Option("--workers", min=1, help="Worker threads.")] = 2,
    ) -> None:
        """Run the job queue's worker: the schedule, reminders and notifications."""
        show_warnings_as_usual()
        _django_setup()
        from django.core.management import call_command

        call_command("run_huey", workers=workers, worker_type="thread", periodic=True)

    jobs = typer.Typer(help="The job queue, once: what is due, for operators and tests.",
                       no_args_is_help=True)

    @jobs.command("run-due")
    def run_due(
        as_of: Annotated[str | None, typer.Option(
            "--as-of", help="Run as at this date (end of day, UTC) or date and time; default now.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print what was done as JSON.")] = False,
    ) -> None:
        """Run every job that is due once, print what each did, and exit."""
        moment = parse_as_of(as_of)
        _django_setup()
        from django.utils import timezone

        from lupuscare.web.jobs.schedules import run_due as run

        now = moment or timezone.now()
        results = run(now)
        if as_json:
            print(json.dumps({"as_of": now.isoformat(), "jobs": results}))
            return
        print(f"Jobs due at {now.isoformat()}:")
        for result in results:
            print(f"  {describe(result)}")

    app.add_typer(jobs, name="jobs")
