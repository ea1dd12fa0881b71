"""Batch SLEDAI-2K over JSON lines versus merely reading and writing those lines.

The baseline parses each line (json.loads) and writes it back (json.dumps); the measurement runs
the same path as ``lupuscare score sledai2k FILE --batch --json`` (parse, validate, derive lab
findings, score, serialise the result). Goal: within 3x of the baseline. Prints one JSON line per
measurement. Times are this process's CPU seconds (``time.process_time``), best of five
interleaved runs, so other work on a shared machine does not distort the ratio.
Usage: .venv/bin/python benchmarks/score_batch.py [N]
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
from contextlib import redirect_stdout

from lupuscare.cli.batch import run_batch
from lupuscare.cli.score import _line_scorer, _scorer_for, _summary_line
from lupuscare.clinical.vocabulary import FINDINGS


def synthetic_lines(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    names = sorted(FINDINGS)
    lines = []
    for _ in range(n):
        doc = {
            "date": "2026-03-01",
            "findings": rng.sample(names, rng.randint(0, 4)),
            "pga": rng.randint(0, 30) / 10,
            "labs": [
                {"test": "upcr", "value": round(rng.uniform(50, 1500)), "unit": "mg/g"},
                {"test": "c3", "value": round(rng.uniform(0.4, 1.6), 2), "unit": "g/L", "low": 0.9},
                {"test": "anti_dsdna", "value": rng.randint(1, 200), "unit": "[IU]/mL", "high": 10},
                {"test": "platelets", "value": rng.randint(40, 400), "unit": "10*9/L"},
                {"test": "temperature", "value": round(rng.uniform(36.2, 39.0), 1), "unit": "Cel"},
            ],
            "medications": [{"drug": "prednisone", "daily_dose_mg": rng.choice([0, 5, 10])}],
        }
        lines.append(json.dumps(doc) + "\n")
    return lines


def baseline(lines: list[str]) -> float:
    out = io.StringIO()
    t0 = time.process_time()
    for line in lines:
        out.write(json.dumps(json.loads(line)) + "\n")
    return time.process_time() - t0


def scored(lines: list[str]) -> float:
    score = _line_scorer("sledai2k", _scorer_for("sledai2k", {}))
    numbered = [(n, line.encode()) for n, line in enumerate(lines, start=1)]  # as read from a file
    out = io.StringIO()
    t0 = time.process_time()
    with redirect_stdout(out):
        run_batch(numbered, score, as_json=True, summarise=_summary_line)
    seconds = time.process_time() - t0
    assert out.getvalue().count("\n") == len(lines)
    return seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    lines = synthetic_lines(n)
    scored(lines[:500])  # warm-up (imports, caches)
    base, run = float("inf"), float("inf")
    for _ in range(5):  # interleaved, best of five: the machine may be shared
        base = min(base, baseline(lines))
        run = min(run, scored(lines))
    for name, seconds in (("read_write_jsonl", base), ("score_batch_sledai2k", run)):
        print(json.dumps({"name": name, "n": n, "seconds": round(seconds, 4),
                          "per_second": round(n / seconds)}))
    print(json.dumps({"name": "score_batch_vs_read_write", "n": n, "seconds": round(run, 4),
                      "per_second": round(n / run), "ratio": round(run / base, 2), "goal_ratio": 3.0}))


if __name__ == "__main__":
    main()
