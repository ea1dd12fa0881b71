"""Generating and loading the synthetic demo cohort (``lupuscare demo``).

Measures, for each cohort size: generating the cohort in memory (``demo_generate``, pure Python)
and loading it into a fresh database with migrations already applied (``demo_load``: generation,
bulk inserts with history, one transaction). Goals: 100 patients in under 30 s; 10,000 in
minutes. Each load uses its own throw-away SQLite file (or, with ``--postgres URL``, a fresh
PostgreSQL database ``lupuscare_bench_demo`` on that server, dropped afterwards).

Prints one JSON line per measurement.
Usage: .venv/bin/python benchmarks/demo_load.py [N ...] [--postgres postgresql://postgres@127.0.0.1:5432]
Default sizes: 100 and 1000 (add 10000 for the large cohort).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable


def emit(name: str, n: int, seconds: float, **extra: object) -> None:
    print(json.dumps({"name": name, "n": n, "seconds": round(seconds, 3),
                      "per_second": round(n / seconds, 1) if seconds else None, **extra}), flush=True)


def bench_generate(n: int) -> None:
    from lupuscare.demo.cohort import iter_cohort

    started = time.perf_counter()
    rows = 0
    for p in iter_cohort(n, 1):
        rows += sum(len(v.labs) + 1 for v in p.visits) + (len(p.diary.rows) if p.diary else 0)
    emit("demo_generate", n, time.perf_counter() - started, rows=rows)


_LOAD = """
import json, os, sys, time
import django
from django.core.management import call_command
django.setup()
call_command("migrate", interactive=False, verbosity=0)
from lupuscare.demo.load import load_demo
n = int(sys.argv[1])
started = time.perf_counter()
summary = load_demo(n, 1)
print(json.dumps({"seconds": time.perf_counter() - started, "counts": summary.counts}))
"""


def bench_load(n: int, postgres: str | None) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="lupuscare.web.settings")
    with tempfile.TemporaryDirectory() as tmp:
        if postgres:
            import psycopg

            admin = postgres.rstrip("/") + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS lupuscare_bench_demo")
                conn.execute("CREATE DATABASE lupuscare_bench_demo")
            env["LUPUSCARE_DATABASE_URL"] = postgres.rstrip("/") + "/lupuscare_bench_demo"
            backend = "postgresql"
        else:
            env["LUPUSCARE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            backend = "sqlite"
        try:
            out = subprocess.run([PYTHON, "-c", _LOAD, str(n)], env=env, check=True,
                                 capture_output=True, text=True).stdout
        finally:
            if postgres:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute("DROP DATABASE IF EXISTS lupuscare_bench_demo")
    result = json.loads(out.strip().splitlines()[-1])
    rows = sum(v for k, v in result["counts"].items() if k not in ("patients",))
    emit("demo_load", n, result["seconds"], backend=backend, rows=rows)


def main(argv: list[str]) -> None:
    postgres = None
    if "--postgres" in argv:
        i = argv.index("--postgres")
        postgres = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    sizes = [int(a) for a in argv] or [100, 1000]
    for n in sizes:
        bench_generate(n)
        bench_load(n, postgres)


if __name__ == "__main__":
    main(sys.argv[1:])
