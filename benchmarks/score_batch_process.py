"""Whole-process batch scoring: ``lupuscare score sledai2k FILE --batch --json`` versus the floor.

What a user runs is a whole process: interpreter start, imports, then one document per line. The
floor is a process started the same way (this interpreter running a script file) that reads the
same lines and writes them back with the same JSON library (``json.loads`` / ``json.dumps``).
The documents are realistic ones: a previous visit, medications, labs in several units (UCUM
units the system converts: mg/mmol, mg/dL, 10*3/uL, /uL, [degF], g/L). Goal (issue 12.9): the
command within 3x of the floor.

Both run as an installed package does, from cached bytecode: the children write and read their
``.pyc`` files under a temporary ``PYTHONPYCACHEPREFIX`` (a warm-up run of each fills it), even
where ``PYTHONDONTWRITEBYTECODE`` is set, so compiling sources is not what is measured.
Times are the children's CPU seconds (user + system, ``resource.getrusage(RUSAGE_CHILDREN)``), the
best of several interleaved runs, so other work on a shared machine distorts the ratio little;
wall-clock seconds are printed too. Prints one JSON line per measurement (contracts.md section 5).
Usage: .venv/bin/python benchmarks/score_batch_process.py [N] [REPEATS]
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_SCRIPT = """\
import json, sys
out = sys.stdout
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        out.write(json.dumps(json.loads(line)) + "\\n")
"""

FINDINGS = ("arthritis", "alopecia", "mucosal_ulcers", "rash_generalized", "rash_localized",
            "pleurisy", "pericarditis", "vasculitis_mucocutaneous", "fever", "myositis")


def _labs(rng: random.Random, day: str) -> list[dict]:
    labs = [
        {"test": "upcr", "value": round(rng.uniform(5, 250), 1), "unit": "mg/mmol", "date": day},
        {"test": "c3", "value": round(rng.uniform(40, 160)), "unit": "mg/dL", "low": 90,
         "high": 180},
        {"test": "c4", "value": round(rng.uniform(0.05, 0.4), 2), "unit": "g/L", "low": 0.1,
         "high": 0.4},
        {"test": "anti_dsdna", "value": rng.randint(1, 300), "unit": "[IU]/mL", "high": 10},
        {"test": "platelets", "value": rng.randint(40, 400), "unit": "10*3/uL"},
        {"test": "wbc", "value": rng.randint(1500, 11000), "unit": "/uL"},
        {"test": "hemoglobin", "value": rng.randint(80, 150), "unit": "g/L"},
        {"test": "creatinine", "value": round(rng.uniform(0.5, 2.5), 2), "unit": "mg/dL"},
        {"test": "temperature", "value": round(rng.uniform(97.0, 102.0), 1), "unit": "[degF]"},
        {"test": "urine_rbc", "value": rng.randint(0, 30), "unit": "/[HPF]"},
        {"test": "urine_wbc", "value": rng.randint(0, 30), "unit": "/[HPF]"},
    ]
    rng.shuffle(labs)
    return labs


def _visit(rng: random.Random, day: str) -> dict:
    return {
        "date": day,
        "window_days": 30,
        "findings": rng.sample(FINDINGS, rng.randint(0, 4)),
        "not_attributable": rng.sample(("fever", "alopecia"), rng.randint(0, 1)),
        "joints": {"swollen_28": rng.randint(0, 6), "tender_28": rng.randint(0, 8)},
        "pga": rng.randint(0, 30) / 10,
        "labs": _labs(rng, day),
        "medications": [
            {"drug": "prednisone", "daily_dose_mg": rng.choice([0, 2.5, 5, 7.5, 10, 20])},
            {"drug": "hydroxychloroquine", "daily_dose_mg": rng.choice([200, 300, 400])},
            {"drug": "mycophenolate_mofetil", "daily_dose_mg": 2000, "tolerated": True},
        ],
    }


def realistic_lines(n: int, seed: int = 1) -> list[str]:
    """``n`` assessment documents, each with a previous visit (contracts.md section 2)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        doc = _visit(rng, "2026-03-01")
        doc["patient"] = {"birth_date": "1988-05-01", "sex": "female",
                          "weight_kg": round(rng.uniform(45, 95), 1)}
        doc["previous"] = _visit(rng, "2025-12-01")
        lines.append(json.dumps(doc) + "\n")
    return lines


def _cli_command() -> list[str]:
    """The console script a user runs, started by this interpreter (as the floor is)."""
    script = Path(sys.executable).with_name("lupuscare")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "lupuscare.cli"]


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[1:3]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "visits.jsonl"
        data.write_text("".join(realistic_lines(n)), encoding="utf-8")
        floor_script = Path(tmp) / "read_write_jsonl.py"
        floor_script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        floor_argv = [sys.executable, str(floor_script), str(data)]
        cli_argv = [*_cli_command(), "score", "sledai2k", str(data), "--batch", "--json"]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        best = {"floor": (float("inf"), float("inf")), "cli": (float("inf"), float("inf"))}
        for argv in (floor_argv, cli_argv):  # warm-up: bytecode cached, as when installed
            _run(argv, env)
        for _ in range(repeats):  # interleaved, best of REPEATS: the machine may be shared
            for name, argv in (("floor", floor_argv), ("cli", cli_argv)):
                cpu, wall, out = _run(argv, env)
                lines_out = out.count(b"\n")
                if lines_out != n:
                    raise SystemExit(f"{name}: {lines_out} output lines for {n} inputs")
                best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
    for name, label in (("floor", "process_read_write_jsonl"),
                        ("cli", "process_score_batch_sledai2k")):
        cpu, wall = best[name]
        print(json.dumps({"name": label, "n": n, "seconds": round(cpu, 3),
                          "wall_seconds": round(wall, 3), "per_second": round(n / cpu)}))
    cpu_ratio = best["cli"][0] / best["floor"][0]
    print(json.dumps({"name": "process_score_batch_vs_read_write", "n": n,
                      "seconds": round(best["cli"][0], 3), "per_second": round(n / best["cli"][0]),
                      "ratio": round(cpu_ratio, 2),
                      "wall_ratio": round(best["cli"][1] / best["floor"][1], 2),
                      "goal_ratio": 3.0}))


if __name__ == "__main__":
    main()
