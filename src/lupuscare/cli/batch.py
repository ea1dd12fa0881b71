"""Batch mode for every command that reads JSON lines (contracts.md section 1, "Batch mode").

Every input line gets exactly one output line, in order (a blank line too: it holds no document,
so it is a failed line). A line that cannot be processed gets
``{"line": N, "error": {"field": "...", "message": "..."}}`` in its place (``field`` where one is
known) and the batch goes on. At the end, when any line failed, one line on stderr counts the
failures and names the first, and the exit status is 2 (1 if a failure was an internal error).
``score --batch`` and ``alerts --batch`` both run through ``run_batch``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import typer

from lupuscare.cli.errors import BAD_INPUT, INTERNAL, describe, explain, internal_message, say
from lupuscare.errors import InputError

# One encoder for every line: json.dumps with options builds a new encoder per call. Results are
# plain trees (no cycles), so the circular-reference check is skipped.
encode_line = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

_FLUSH_EVERY = 512


@dataclass
class BatchOutcome:
    lines: int = 0
    failed: int = 0
    internal: int = 0
    first_failure: str | None = None


def error_record(n: int, field: str | None, message: str) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field, "message": message} if field else {"message": message}
    return {"line": n, "error": error}


def run_batch(
    lines: Iterable[tuple[int, bytes]],
    process: Callable[[bytes], Any],
    *,
    as_json: bool,
    summarise: Callable[[int, Any], str],
) -> BatchOutcome:
    """``process`` each line (its bytes) and write one output line per input line.

    With ``as_json`` a result is written as compact JSON; otherwise ``summarise(n, result)``
    gives a human line. Nothing ``process`` raises stops the batch: input errors become error
    records naming the field, anything else an error record saying it is a bug.
    """
    out = sys.stdout
    buffer: list[str] = []
    outcome = BatchOutcome()
    for n, raw in lines:
        outcome.lines = n
        try:
            if not raw or raw.isspace():
                raise InputError("document", "blank line: expected a JSON object")
            text = encode_line(process(raw)) if as_json else summarise(n, process(raw))
        except Exception as e:  # noqa: BLE001 - one line's failure must not stop the batch
            known = explain(e)
            if known is None:
                outcome.internal += 1
                known = (None, internal_message(e))
            field, message = known
            outcome.failed += 1
            if outcome.first_failure is None:
                outcome.first_failure = f"line {n}: {describe(field, message)}"
            record = error_record(n, field, message)
            text = encode_line(record) if as_json else f"line {n}: error: {describe(field, message)}"
        buffer.append(text)
        if len(buffer) >= _FLUSH_EVERY:
            buffer.append("")
            out.write("\n".join(buffer))
            buffer.clear()
    if buffer:
        buffer.append("")
        out.write("\n".join(buffer))
    out.flush()
    return outcome


def finish(outcome: BatchOutcome) -> None:
    """The end of a batch: the one-line failure count on stderr and the exit status."""
    if not outcome.failed:
        return
    say(f"{outcome.failed} of {outcome.lines} lines failed (first: {outcome.first_failure})")
    raise typer.Exit(INTERNAL if outcome.internal else BAD_INPUT)
