"""`lupuscare alerts FILE.json [--batch] [--json]`: the safety rules over a patient-context document.

The document is the one ``lupuscare.rules.PatientContext.from_dict`` reads (contracts.md
section 6; every field in docs/rules.md); the output is ``{"alerts": [...]}``, most urgent first,
each alert with ``code``, ``severity``, ``message``, ``evidence``, ``citation``, ``certainty`` and
``due_date``. ``-`` reads stdin; ``--batch`` reads one document per line through the shared batch
runner (a failed line gets its own error record naming the field; the batch goes on).

A lab given with a ``unit`` is converted here to the canonical unit the rules read
(``lupuscare.clinical.units.to_canonical``) and an unknown unit is refused naming
``labs[i].unit``, so a count in /uL is never read as one in 10^9/L.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from lupuscare.cli import inputs
from lupuscare.cli.batch import finish, run_batch
from lupuscare.cli.errors import fail
from lupuscare.errors import InputError


def with_canonical_units(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with every lab that carries a ``unit`` converted to the canonical unit."""
    labs = doc.get("labs")
    if not isinstance(labs, list) or not any(isinstance(x, Mapping) and "unit" in x for x in labs):
        return doc
    from lupuscare.clinical.units import CANONICAL_UNIT, to_canonical

    converted = []
    for i, lab in enumerate(labs):
        if not isinstance(lab, Mapping) or "unit" not in lab:
            converted.append(lab)
            continue
        test, value, unit = lab.get("test"), lab.get("value"), lab["unit"]
        if not isinstance(test, str) or test not in CANONICAL_UNIT:
            raise InputError(f"labs[{i}].test", f"unknown lab test {test!r}; known: "
                                                f"{', '.join(CANONICAL_UNIT)}")
        if not isinstance(unit, str):
            raise InputError(f"labs[{i}].unit", "must be a UCUM unit (text)")
        try:
            canonical = to_canonical(test, value, unit)
        except InputError as e:
            raise InputError(f"labs[{i}].{e.field}", e.message) from None
        converted.append({k: v for k, v in lab.items() if k != "unit"} | {"value": canonical})
    return {**doc, "labs": converted}


def alerts_for(doc: Any) -> dict[str, Any]:
    """The rule engine over one document: ``{"alerts": [...]}``, most urgent first."""
    from lupuscare.rules import PatientContext, evaluate

    if not isinstance(doc, dict):
        raise InputError("document", "expected a JSON object")
    ctx = PatientContext.from_dict(with_canonical_units(doc))
    return {"alerts": [a.to_dict() for a in evaluate(ctx)]}


def _summary_line(n: int, result: dict[str, Any]) -> str:
    alerts = result["alerts"]
    if not alerts:
        return f"line {n}: no alerts"
    return f"line {n}: " + ", ".join(f"{a['code']} ({a['severity']})" for a in alerts)


def _print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not result["alerts"]:
        console.print("No alerts.")
        return
    table = Table(title="Safety alerts")
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)  # codes are what a reader searches docs/rules.md for
    for column in ("message", "due", "certainty"):
        table.add_column(column)
    for a in result["alerts"]:
        table.add_row(a["severity"], a["code"], a["message"], a["due_date"] or "", a["certainty"])
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("alerts")
    def alerts_command(
        file: Annotated[str, typer.Argument(help="patient-context document (JSON), or JSON lines with --batch; '-' for stdin")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
        batch: Annotated[bool, typer.Option("--batch", help="one document per line (JSON lines)")] = False,
    ) -> None:
        """Run the safety rules over a patient-context document (contracts.md section 6)."""
        if batch:
            finish(run_batch(inputs.lines(file), lambda line: alerts_for(inputs.parse_object(line)),
                             as_json=as_json, summarise=_summary_line))
            return
        try:
            result = alerts_for(inputs.parse_object(inputs.read_text(file)))
        except InputError as e:
            fail(f"{e.field}: {e.message}")
        if as_json:
            sys.stdout.write(json.dumps(result) + "\n")
        else:
            _print_table(result)
