"""`lupuscare backup --out FILE` and `lupuscare restore FILE [--force]` (docs/configuration.md).

The commands only; the archive format and the work live in ``lupuscare.cli.backup_archive``,
imported when one of them runs, so other commands do not pay for tarfile, sqlite3 and hashlib.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lupuscare.cli.errors import fail


def register(app: typer.Typer) -> None:
    @app.command("backup")
    def backup_command(
        out: Annotated[Path, typer.Option("--out", help="archive to write (.tar.gz)")],
        force: Annotated[bool, typer.Option("--force", help="overwrite an existing --out file")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    ) -> None:
        """Back up the database and the private uploads into one archive (while running)."""
        if out.exists() and (out.is_dir() or not force):
            fail(f"--out: {out} already exists" + ("" if out.is_dir() else "; use --force to overwrite"))
        if not out.parent.is_dir():
            fail(f"--out: directory {out.parent} does not exist")
        from lupuscare.cli.backup_archive import FILES, Target, make_backup

        manifest = make_backup(Target(), out)
        summary = {"backup": str(out), "engine": manifest["engine"], "tables": len(manifest["tables"]),
                   "rows": sum(manifest["tables"].values()),
                   "files": sum(1 for m in manifest["members"] if m["name"].startswith(f"{FILES}/")),
                   "bytes": out.stat().st_size}
        if as_json:
            print(json.dumps(summary))
        else:
            print(f"Backed up {summary['rows']} rows in {summary['tables']} tables and "
                  f"{summary['files']} files to {out} ({summary['bytes']} bytes).")

    @app.command("restore")
    def restore_command(
        file: Annotated[Path, typer.Argument(help="archive written by `lupuscare backup`")],
        force: Annotated[bool, typer.Option("--force", help="replace a database or data directory that holds data")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    ) -> None:
        """Restore a backup into an empty database and data directory (checked first)."""
        from lupuscare.cli.backup_archive import Target, restore_backup

        summary = restore_backup(Target(), file, force=force)
        if as_json:
            print(json.dumps(summary))
        else:
            print(f"Restored {summary['rows']} rows in {summary['tables']} tables and "
                  f"{summary['files']} files from {file} (made {summary['created']}).")
