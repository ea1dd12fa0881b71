"""``lupuscare rescore [--all] [--json]``: score the registry in bulk (``clinic.bulk_scoring``).

Without ``--all``: visits with no stored scores, visits whose stored document no longer matches
the record, and visits with a score stored by an instrument version the instrument no longer
gives. With ``--all``: every visit is scored again (after an instrument changes). Either way only
rows that change are written, each with its history row. A visit that cannot be scored is named
on stderr (patient, visit, field) and left as it was; the run goes on, and the exit status is
then 2 (docs/cli.md). The summary: visits scored, unchanged, failed, seconds.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lupuscare.cli.errors import BAD_INPUT, fail, say


def register(app: typer.Typer) -> None:
    @app.command()
    def rescore(
        everything: Annotated[bool, typer.Option(
            "--all", help="Score every visit again, not only unscored or outdated ones.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
        check_frame: Annotated[bool, typer.Option(
            "--check-frame", help="Also score through the Polars frame path and report where its "
                                  "numbers differ from the stored (scalar) ones; implies --all.")] = False,
    ) -> None:
        """Score stored visits in bulk, writing only the scores that change."""
        from lupuscare.cli.server import _django_setup

        _django_setup()
        from django.db import DatabaseError

        from lupuscare.web.clinic.bulk_scoring import rescore as run

        try:
            summary = run(everything=everything, check_frame=check_frame)
        except DatabaseError as exc:
            fail(f"database: {exc} (has 'lupuscare manage migrate' been run?)")
        for f in summary.failures:
            say(f"patient {f.patient_id} visit {f.visit_id}: {f.field}: {f.message} (left as it was)")
        if as_json:
            print(json.dumps(summary.to_dict()))
        else:
            rate = f" ({(summary.visits_scored + summary.unchanged) / summary.seconds:,.0f} visits/s)" \
                if summary.seconds else ""
            print(f"scored {summary.visits_scored} visit(s), {summary.unchanged} unchanged, "
                  f"{summary.failed} failed, in {summary.seconds:.1f} s{rate}")
        for d in summary.frame_disagreements:
            say(f"patient {d['patient']} visit {d['visit']}: {d['instrument']} {d['field']}: "
                f"frame path {d['frame']}, scalar (stored) {d['scalar']}")
        if check_frame and not as_json:
            print(f"frame path: {len(summary.frame_disagreements)} disagreement(s) with the scalar scores")
        if summary.failed:
            raise typer.Exit(BAD_INPUT)
