"""Whole-process smoke runs: the installed entry point, real stdin/stdout/stderr, exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(*args: str, data: bytes) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "lupuscare.cli", *args], input=data,
                          capture_output=True, timeout=60, env=env, check=False)


def test_bad_bytes_and_deep_nesting_end_in_one_line_exit_2():
    r = run("score", "sledai2k", "-", "--json", data=b"\xff\xfe" + b"[" * 100_000)
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr == b"error: document: not UTF-8 text (byte 0xff at offset 0)\n"
    r = run("alerts", "-", data=b"[" * 100_000 + b"]" * 100_000)
    assert r.returncode == 2 and r.stderr == b"error: document: invalid JSON: nested too deeply\n"


def test_score_all_batch_goes_on_whole_process():
    lines = [json.dumps({"findings": ["arthritis"], "pga": 1.0}).encode(), b"\xff",
             json.dumps({"findings": [], "labs": [{"test": "c3", "value": 1, "unit": "kg"}]}).encode(),
             json.dumps({"findings": ["alopecia"]}).encode()]
    r = run("score", "all", "-", "--batch", "--json", data=b"\n".join(lines) + b"\n")
    assert r.returncode == 2
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert len(rows) == 4
    assert rows[0]["sledai2k"]["total"] == 4 and rows[3]["sledai2k"]["total"] == 2
    assert rows[1] == {"line": 2, "error": {"field": "document",
                                            "message": "not UTF-8 text (byte 0xff at offset 0)"}}
    assert rows[2]["line"] == 3 and rows[2]["error"]["field"] == "labs[0].unit"
    assert r.stderr.decode().count("\n") == 1 and r.stderr.startswith(b"error: 2 of 4 lines failed")


def test_numpy_warnings_do_not_reach_stderr_beside_the_error():
    # Zero sampling variances: the evidence core divides by zero (numpy warns, two lines each)
    # before it refuses the data; stderr must still be the one error line.
    r = run("meta", "-", "--measure", "GEN", "--json", data=b"yi,vi\n0,0\n0,0\n")
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr == b"error: vi: REML: a sampling variance of 0 at tau2 = 0 gives an infinite weight\n"
