"""The one reader of the contracts' CSV format (contracts.md §4): text in, columns out.

Used by ``lupuscare meta`` and the /evidence/meta/ page, so both accept and refuse the same
files: a header row of metafor column names, one row per study, every row as wide as the
header. A duplicated column name is refused (a silent choice of one of two ``yi`` columns would
analyse data the user did not mean). Pure: no file or network access; the caller reads the
bytes and passes the text. Errors are ``InputError``s naming the field and the line or column.
"""

from __future__ import annotations

import csv
import io

from lupuscare.errors import InputError


def read_columns(
    text: str,
    *,
    field: str = "csv",
    max_bytes: int | None = None,
    max_rows: int | None = None,
    max_columns: int | None = None,
) -> dict[str, list[str]]:
    """Columns (name → list of stripped cell texts) of a CSV with a header row.

    Blank lines are skipped (as ``csv.DictReader`` does); a leading byte-order mark is dropped;
    names and cells are stripped of surrounding spaces. Optional limits bound what one request
    may ask for.
    """
    if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
        raise InputError(field, f"more than {max_bytes // 1024} KiB of CSV")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        records = [(reader.line_num, row) for row in reader if row]
    except csv.Error as exc:
        raise InputError(field, f"not readable as CSV (line {reader.line_num}: {exc})") from None
    if not records or not any(h.strip() for h in records[0][1]):
        raise InputError(field, "empty: paste or upload a CSV with a header row")
    names = [h.strip() for h in records[0][1]]
    if max_columns is not None and len(names) > max_columns:
        raise InputError(field, f"more than {max_columns} columns")
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise InputError(field, f"column {blank[0]} of the header has no name")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(field, f"column {duplicated[0]!r} appears twice in the header")
    rows = records[1:]
    if not rows:
        raise InputError(field, "no studies: the CSV has a header but no rows")
    if max_rows is not None and len(rows) > max_rows:
        raise InputError(field, f"more than {max_rows} studies")
    columns: dict[str, list[str]] = {name: [] for name in names}
    for line, row in rows:
        if len(row) > len(names):
            raise InputError(field, f"line {line}: more values than columns in the header")
        if len(row) < len(names):
            raise InputError(field, f"line {line}: fewer values than columns in the header")
        for name, value in zip(names, row, strict=True):
            columns[name].append(value.strip())
    return columns
