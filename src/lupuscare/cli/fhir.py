"""`lupuscare fhir import FILE` and `lupuscare fhir export --patient IDENTIFIER` (contracts §7).

Import reads a Bundle (``transaction``, ``batch`` or ``collection``; JSON) or NDJSON (one
resource per line; a ``.ndjson`` file or ``--ndjson``) and prints the JSON summary of what it
created, updated and left unchanged per resource type. Input with any invalid resource changes
nothing and exits 2 naming the FHIR path. Export writes one patient's ``collection`` Bundle to
stdout or ``--out FILE``. Both use the database ``LUPUSCARE_DATABASE_URL`` names. See
docs/fhir.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from lupuscare.cli import inputs
from lupuscare.cli.errors import fail
from lupuscare.errors import InputError

fhir_app = typer.Typer(help="FHIR R4 import and export.", no_args_is_help=True)


def _setup() -> None:
    from lupuscare.cli.server import _django_setup

    _django_setup()


def _entries(path: str, ndjson: bool):
    from lupuscare.web.interop.fhir_read import entries_of_bundle, entries_of_ndjson

    if ndjson or path.endswith(".ndjson"):
        lines = []
        for n, raw in inputs.lines(path):
            if raw.strip():
                try:
                    lines.append((n, inputs.parse_json(raw)))
                except InputError as e:
                    raise InputError(f"line {n}", e.message) from None
        return entries_of_ndjson(lines)
    return entries_of_bundle(inputs.parse_json(inputs.read_text(path)))


@fhir_app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="A Bundle (.json) or NDJSON (.ndjson); - for stdin.")],
    ndjson: Annotated[bool, typer.Option("--ndjson", help="Read one resource per line.")] = False,
    identifier_system: Annotated[str | None, typer.Option(
        "--identifier-system", help="Match patients only by identifiers of this system (URI).")] = None,
) -> None:
    """Import FHIR resources into the record (all or nothing); print a JSON summary."""
    entries = _entries(file, ndjson)
    _setup()
    from lupuscare.web.interop.fhir_import import import_entries

    summary = import_entries(entries, identifier_system=identifier_system)
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")


@fhir_app.command("export")
def export(
    patient: Annotated[str, typer.Option("--patient", help="The patient's identifier.")],
    out: Annotated[str | None, typer.Option("--out", help="Write the Bundle here (default stdout).")] = None,
) -> None:
    """Write one patient's record as a FHIR R4 collection Bundle."""
    _setup()
    from lupuscare.web.interop.fhir_export import export_patient
    from lupuscare.web.records.models import Patient

    record = Patient.objects.filter(identifier=patient).first()
    if record is None:
        fail(f"--patient: no patient with identifier {patient!r}")
    text = export_patient(record).model_dump_json(indent=2, exclude_none=True) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as e:
        fail(f"--out: {e.strerror or e}")


def register(app: typer.Typer) -> None:
    app.add_typer(fhir_app, name="fhir")
