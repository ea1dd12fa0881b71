"""The error boundary itself: warnings on success, usage errors, internal errors, stdin bytes."""

from __future__ import annotations

import json
import warnings

from tests.cli.helpers import invoke

import lupuscare.instruments.sledai2k as sledai2k


def test_warnings_of_a_command_that_succeeds_become_one_line(monkeypatch):
    original = sledai2k.score

    def noisy(*args, **kwargs):
        warnings.warn("first", RuntimeWarning, stacklevel=1)
        warnings.warn("second", UserWarning, stacklevel=1)
        return original(*args, **kwargs)

    noisy.accepts_assessment = True
    monkeypatch.setattr(sledai2k, "score", noisy)
    r = invoke("score", "sledai2k", "-", "--json", input=b'{"findings": ["arthritis"]}')
    assert r.code == 0 and json.loads(r.out)["total"] == 4
    assert r.err.count("\n") == 1
    assert r.err.startswith("warning: RuntimeWarning: first (") and r.err.endswith(" and 1 more\n")


def test_an_internal_error_is_one_line_exit_1_not_a_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("bug")

    broken.accepts_assessment = True
    monkeypatch.setattr(sledai2k, "score", broken)
    r = invoke("score", "sledai2k", "-", "--json", input=b'{"findings": []}')
    assert r.exception is None and r.code == 1
    assert r.err == "error: internal error (a bug, please report it): KeyError: 'bug'\n"


def test_usage_errors_are_one_line():
    r = invoke("score", "sledai2k")
    assert r.code == 2 and r.err.count("\n") == 1
    assert r.err.startswith("error: Missing argument 'file'") and "lupuscare score --help" in r.err
    r = invoke("alerts", "-", "--colour")
    assert r.code == 2 and r.err.count("\n") == 1 and "--colour" in r.err


def test_long_integers_are_read_as_floats_so_the_field_is_named():
    doc = b'{"today": "2026-03-01", "weight_kg": ' + b"9" * 400 + b"}"
    r = invoke("alerts", "-", "--json", input=doc)
    assert r.code == 2 and r.err == "error: weight_kg: must be a finite number\n"
