"""`lupuscare score INSTRUMENT FILE [--json] [--batch]` (contracts.md section 1).

One assessment document per FILE (``-`` for stdin), or one per line with ``--batch`` (JSON lines,
through the shared batch runner ``lupuscare.cli.batch``: one output line per input line, same
order; a line that fails gets an error record naming the field and the batch goes on). ``all``
scores every instrument the document has the inputs for, as an object keyed by instrument name.
With ``--json`` nothing but JSON goes to stdout. Bad input exits 2 with one line on stderr naming
the field. Options pass through to the scorer: ``-o window_days=28 -o variant=selena-sledai``.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from lupuscare.cli import inputs
from lupuscare.cli.batch import finish, run_batch
from lupuscare.cli.errors import fail
from lupuscare.errors import InputError


def _scorer_for(instrument: str, options: dict[str, Any]) -> Callable[[dict], dict[str, Any]]:
    """A function document -> JSON-ready result, with the options bound and checked."""
    from lupuscare.instruments import score_all
    from lupuscare.instruments.registry import INSTRUMENTS, get_scorer

    if instrument == "all":
        if options:
            fail("options are not accepted with 'all'")
        return lambda doc: {name: r.to_dict() for name, r in score_all(doc).items()}
    if instrument not in INSTRUMENTS:
        fail(f"unknown instrument {instrument!r}; known: {', '.join(INSTRUMENTS)}, all")
    try:
        scorer = get_scorer(instrument)
    except ModuleNotFoundError:
        fail(f"instrument {instrument!r} is not available yet")
    params = inspect.signature(scorer).parameters
    for key in options:
        if key not in params or params[key].kind is not inspect.Parameter.KEYWORD_ONLY:
            fail(f"--option {key}: unknown option for {instrument}")
    return lambda doc: scorer(doc, **options).to_dict()


def _line_scorer(instrument: str, score: Callable[[Any], dict[str, Any]]) -> Callable[[bytes], dict[str, Any]]:
    """line bytes -> result; scorers that accept an ``Assessment`` get it parsed straight from JSON."""
    from lupuscare.instruments.assessment import Assessment
    from lupuscare.instruments.registry import INSTRUMENTS, get_scorer

    if instrument in INSTRUMENTS and getattr(get_scorer(instrument), "accepts_assessment", False):

        def parsed(line: bytes) -> Assessment:
            try:
                return Assessment.from_json(line)  # pydantic reads the bytes itself: faster
            except InputError:
                inputs.decode(line)  # not UTF-8 at all: say so rather than "invalid JSON"
                raise

        return lambda line: score(parsed(line))
    return lambda line: score(inputs.parse_object(line))


def _parse_options(raw: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--option {item!r}: expected KEY=VALUE")
        try:
            out[key] = inputs.parse_json(value)
        except InputError:
            out[key] = value
    return out


def _summary_line(n: int, result: dict[str, Any]) -> str:
    if "instrument" not in result:  # all
        parts = [f"{name}: {_headline(r)}" for name, r in result.items()]
        return f"line {n}: " + "; ".join(parts)
    return f"line {n}: {result['instrument']} {_headline(result)}"


_HEADLINE_KEYS = ("total", "score", "category", "met", "flare", "responder", "classified", "response", "pga")


def _headline(result: dict[str, Any]) -> str:
    return ", ".join(f"{k}={result[k]}" for k in _HEADLINE_KEYS if k in result) or "scored"


def _print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    results = result if "instrument" not in result else {result["instrument"]: result}
    if not results:
        console.print("No instrument had the inputs it needs.")
    for name, r in results.items():
        summary = Table(title=f"{name}: {r['version']}", show_header=False)
        for key, value in r.items():
            if key in ("instrument", "version", "explanation", "warnings", "items"):
                continue
            summary.add_row(key, json.dumps(value) if isinstance(value, dict | list) else str(value))
        console.print(summary)
        expl = Table("item", "points", "source", "note")
        for e in r["explanation"]:
            expl.add_row(str(e["item"]), str(e["points"]), e["source"], e.get("note", ""))
        console.print(expl)
        for w in r.get("warnings", ()):
            console.print(f"[yellow]warning:[/yellow] {w}")


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score_command(
        instrument: Annotated[str, typer.Argument(help="sledai2k, sle-das, lldas, doris, sfi, sri, bicla, pga, sdi, eular-acr-2019, slicc-2012, acr-1997, renal-response or all")],
        file: Annotated[str, typer.Argument(help="assessment document (JSON), or JSON lines with --batch; '-' for stdin")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
        batch: Annotated[bool, typer.Option("--batch", help="one document per line (JSON lines)")] = False,
        option: Annotated[list[str] | None, typer.Option("--option", "-o", help="KEY=VALUE passed to the scorer")] = None,
    ) -> None:
        """Score assessment documents with a clinical instrument."""
        score = _scorer_for(instrument, _parse_options(option or []))
        if batch:
            finish(run_batch(inputs.lines(file), _line_scorer(instrument, score), as_json=as_json,
                             summarise=_summary_line))
            return
        try:
            result = score(inputs.parse_object(inputs.read_text(file)))
        except InputError as e:
            fail(f"{e.field}: {e.message}")
        if as_json:
            sys.stdout.write(json.dumps(result) + "\n")
        else:
            _print_table(result)
