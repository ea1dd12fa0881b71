"""Driving the command in-process, as Typer's test runner does, with stdout and stderr apart."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from lupuscare.cli import app

_runner = CliRunner()


@dataclass
class Ran:
    code: int
    out: str
    err: str
    exception: BaseException | None


def invoke(*args: str, input: str | bytes | None = None) -> Ran:
    r = _runner.invoke(app, list(args), input=input)
    exc = r.exception if not isinstance(r.exception, SystemExit) else None
    return Ran(r.exit_code, r.stdout, r.stderr, exc)
