"""One error boundary for every sub-command: a one-line message on stderr, never a traceback.

Exit status (docs/cli.md): 0 done; 2 bad input or bad arguments (including a batch in which any
line failed); 1 anything else (the output closed early, or an internal error, which is a bug to
report). ``fail`` is how a command refuses its input; ``GuardedGroup`` is the top-level command
class that turns whatever a command raises into that one line, for every sub-command at once.
"""

from __future__ import annotations

import csv
import json
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from lupuscare.errors import InputError

BAD_INPUT = 2
INTERNAL = 1
_SHOWWARNING = warnings.showwarning  # Python's own display, for long-running commands


def show_warnings_as_usual() -> None:
    """For ``serve`` and ``manage``: a server's warnings go to its log as they happen."""
    warnings.showwarning = _SHOWWARNING


def one_line(message: object) -> str:
    """``message`` on one line, printable whatever bytes the input carried."""
    text = " ".join(str(message).split())
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def say(message: object) -> None:
    """Write ``error: message`` as one line to stderr."""
    sys.stderr.write(f"error: {one_line(message)}\n")
    sys.stderr.flush()


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit non-zero."""
    say(message)
    raise typer.Exit(code)


def explain(exc: BaseException) -> tuple[str | None, str] | None:
    """(field, message) for an exception that means the input was bad; None for anything else.

    The input readers (``lupuscare.cli.inputs``) name the field and line themselves; this is the
    net for what the core or a library raises on input nobody foresaw (a number too large for a
    float, a structure nested deeper than the interpreter recurses, a CSV field over the csv
    module's limit, bytes that are not UTF-8).
    """
    if isinstance(exc, InputError):
        return exc.field, exc.message
    if isinstance(exc, json.JSONDecodeError):
        return "document", f"invalid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return None, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    if isinstance(exc, UnicodeError):
        return None, f"text that cannot be encoded: {exc}"
    if isinstance(exc, RecursionError):
        return None, "the input is nested too deeply"
    if isinstance(exc, csv.Error):
        return "CSV", str(exc)
    if isinstance(exc, OverflowError):
        return None, f"a number is too large ({exc})"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return None, "a number has too many digits"
    if isinstance(exc, MemoryError):
        return None, "the input is too large to process"
    return None


def describe(field: str | None, message: str) -> str:
    return f"{field}: {message}" if field else message


def internal_message(exc: BaseException) -> str:
    return f"internal error (a bug, please report it): {type(exc).__name__}: {exc}"


class GuardedGroup(TyperGroup):
    """The ``lupuscare`` command: runs a sub-command and owns every way it can end.

    Typer's own standalone handling prints usage errors as a multi-line box and lets any other
    exception escape as a traceback; here each becomes one ``error:`` line and an exit status.
    Warnings (e.g. numpy's "divide by zero encountered" on degenerate data) would print two lines
    each with a source excerpt: they are collected instead; a failed command shows only its
    error, a command that succeeded one ``warning:`` line counting them.
    """

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        caught: list[str] = []
        with warnings.catch_warnings():
            warnings.showwarning = lambda message, category, filename, lineno, *_: caught.append(
                f"{category.__name__}: {message} ({Path(filename).name}:{lineno})")
            code = self._guarded(args, prog_name, complete_var, extra)
        if caught and code == 0:
            distinct = list(dict.fromkeys(caught))
            more = f" and {len(distinct) - 1} more" if len(distinct) > 1 else ""
            sys.stderr.write(f"warning: {one_line(distinct[0])}{more}\n")
        if standalone_mode:
            sys.exit(code)
        return code

    def _guarded(self, args: Any, prog_name: str | None, complete_var: str | None,
                 extra: dict[str, Any]) -> int:
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except typer.Exit as e:
            code = e.exit_code
        except typer.Abort:
            say("aborted")
            code = INTERNAL
        except typer.TyperException as e:  # click usage errors: unknown option, missing argument
            hint = ""
            ctx = getattr(e, "ctx", None)
            if ctx is not None:
                hint = f" (see '{ctx.command_path} --help')"
            formatted = e.format_message() if hasattr(e, "format_message") else str(e)
            say(f"{formatted}{hint}")
            code = getattr(e, "exit_code", BAD_INPUT)
        except BrokenPipeError:
            code = _output_closed()
        except Exception as e:  # noqa: BLE001 - this is the boundary: nothing passes as a traceback
            known = explain(e)
            if known is not None:
                say(describe(*known))
                code = BAD_INPUT
            else:
                say(internal_message(e))
                code = INTERNAL
        return code


def _output_closed() -> int:
    """stdout went away (``| head``): stop quietly, as other Unix tools do."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return INTERNAL
