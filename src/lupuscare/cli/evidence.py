"""`lupuscare evidence`: the curated MSC-in-lupus evidence (dataset, analysis, report).

lupuscare evidence report --out DIR        self-contained HTML report (DIR/index.html)
lupuscare evidence dataset [--json] [--file F]   validate and show the curated dataset
lupuscare evidence analysis [--json] [--r R ...] the analysis behind the report
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lupuscare.cli.errors import fail
from lupuscare.errors import InputError

evidence_app = typer.Typer(
    help="Curated evidence syntheses (stem-cell therapy in lupus).", no_args_is_help=True
)


@evidence_app.command("report")
def report_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write index.html into.")],
) -> None:
    """Write the MSC-in-lupus evidence report as one self-contained HTML file."""
    from lupuscare.evidence.lupus.report import render_html, report_context

    if out.exists() and not out.is_dir():
        fail(f"--out: {out} exists and is not a directory")
    try:
        html = render_html(report_context())
    except InputError as exc:
        fail(str(exc))
    try:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "index.html"
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        fail(f"--out: cannot write to {out}: {exc.strerror}")
    typer.echo(str(path))


@evidence_app.command("dataset")
def dataset_command(
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON array of rows on stdout.")
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Validate this CSV instead of the packaged dataset."),
    ] = None,
) -> None:
    """Validate the curated dataset (or FILE) and print it."""
    from lupuscare.evidence.lupus.dataset import load

    try:
        ds = load(file)
    except InputError as exc:
        fail(str(exc))
    if json_out:
        typer.echo(json.dumps([r.to_dict() for r in ds], ensure_ascii=False))
        return
    by_prov: dict[str, int] = {}
    for r in ds:
        by_prov[r.provenance] = by_prov.get(r.provenance, 0) + 1
    typer.echo(f"{len(ds)} rows, {len(ds.study_ids())} reports; valid")
    typer.echo("provenance: " + ", ".join(f"{k} {v}" for k, v in sorted(by_prov.items())))
    for sid in ds.study_ids():
        first = ds.first(sid)
        typer.echo(
            f"  {sid:<14} {first.design:<13} {first.cohort:<18} {len(ds.study(sid)):>3} rows"
        )


@evidence_app.command("analysis")
def analysis_command(
    json_out: Annotated[
        bool, typer.Option("--json", help="The full analysis as JSON on stdout.")
    ] = False,
    r: Annotated[
        list[float] | None, typer.Option("--r", help="Assumed pre-post correlation (repeatable).")
    ] = None,
) -> None:
    """Run the analysis (claims check, overlap, pre-post sensitivity, randomised, GRADE)."""
    from lupuscare.evidence.lupus.analysis import DEFAULT_CORRELATIONS, run

    try:
        result = run(correlations=tuple(r) if r else DEFAULT_CORRELATIONS)
    except InputError as exc:
        fail(str(exc))
    data = result.to_dict()
    if json_out:
        typer.echo(json.dumps(data, ensure_ascii=False, default=float))
        return
    for c in data["certainty"]:
        typer.echo(f"{c['final']:<9} {c['outcome']}: {c['summary']}")


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
