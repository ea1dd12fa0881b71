"""Pages under load: a bounded asyncio client against a gunicorn this script starts (issue 12.8).

The script loads the synthetic demo cohort (``lupuscare.demo``) into a throw-away data directory
(SQLite), or into the PostgreSQL database given with ``--postgres URL`` (it must hold no real
patients; the demo loader refuses otherwise), starts gunicorn on 127.0.0.1 (a free port; loopback
only) with the same command line as ``lupuscare serve``, signs in the demo clinician and the demo
patient, and measures, at each concurrency level (default 50 and 200 users):

- ``trivial``: ``/healthz`` (no database, no session), measured before and after the pages;
- ``clinic_patient``: ``/clinic/patients/<id>/``, rotating over the clinician's patients;
- ``records_patient``: ``/patients/<id>/``, the same patients;
- ``dashboard``: ``/clinic/``;
- ``diary_checkin``: ``/diary/check-in/`` as the demo patient.

Each measurement sends at most ``--requests`` requests (default: 3 per user, at least 300) and
stops issuing new ones after ``--seconds`` (default 40); every user keeps one request in flight
(a new connection each: gunicorn's sync workers close after each response). One JSON line each:
{"page", "users", "requests", "errors", "seconds", "rps", "p50_ms", "p99_ms", "ratio_to_trivial"}
where the ratio is the page's requests/s over the mean of the two trivial runs at that level.
Goal (issue 12.8): patient pages at least 0.5. The server is stopped and the data directory
removed at the end, whatever happens.

``--profile`` also profiles the two patient pages in-process (Django test client, cProfile) on
the same data and prints where the time goes, including the writes the clinic patient page does
on GET (scoring missing visits, refreshing alerts).

Usage: .venv/bin/python benchmarks/load.py [--postgres URL] [--patients 100] [--users 50 200]
                                            [--workers 2] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


# --- data and server -------------------------------------------------------------------------
def prepare(patients: int, data_dir: str, postgres: str | None) -> dict:
    """Migrate, load the demo cohort, and return the logins and the clinician's patient ids."""
    os.environ["LUPUSCARE_DATA_DIR"] = data_dir
    if postgres:
        os.environ["LUPUSCARE_DATABASE_URL"] = postgres
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lupuscare.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.db import connections

    from lupuscare.demo.load import DEMO_LOGINS, DEMO_PASSWORD, load_demo
    from lupuscare.web.accounts.permissions import patients_visible_to

    started = time.perf_counter()
    load_demo(patients, 1)
    clinician = get_user_model().objects.get(username=DEMO_LOGINS["clinician"])
    ids = list(patients_visible_to(clinician).order_by("pk").values_list("pk", flat=True))
    emit(step="demo_loaded", patients=patients, clinician_patients=len(ids),
         seconds=round(time.perf_counter() - started, 1),
         database="postgresql" if postgres else "sqlite")
    first_view(clinician, ids[-1])
    # The demo loader stores no scores: the clinic patient page would score a patient's whole
    # record on its first GET (measured above). Score them all now, as a write-time scorer would.
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        call_command("clinic_score_missing", "--alerts", stdout=sink)
    emit(step="scored_cohort", seconds=round(time.perf_counter() - started, 1))
    connections.close_all()
    return {"clinician": DEMO_LOGINS["clinician"], "patient": DEMO_LOGINS["patient"],
            "password": DEMO_PASSWORD, "patient_ids": ids}


def _writes(queries) -> list[str]:
    return [q["sql"].split()[0] for q in queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def first_view(clinician, patient_id: int) -> None:
    """The clinic patient page's first GET of a patient whose visits are not yet scored."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(clinician)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        status = client.get(f"/clinic/patients/{patient_id}/").status_code
        took = time.perf_counter() - started
    writes = _writes(queries.captured_queries)
    emit(step="clinic_patient_first_view", status=status, ms=round(took * 1000, 1),
         queries=len(queries.captured_queries), writes=len(writes))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    from lupuscare.cli.server import gunicorn_argv

    argv = gunicorn_argv(HOST, port, workers, timeout=120)
    argv[argv.index("--access-logfile") + 1] = os.devnull  # logging every request is not measured
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", *argv[1:]], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the arbiter and its workers
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def login(port: int, username: str, password: str) -> str:
    """Sign in through the login form; returns the Cookie header of the session."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    body = page.read().decode()
    jar = SimpleCookie()
    for header in page.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = f"username={username}&password={password}&csrfmiddlewaretoken={token}"
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("POST", "/accounts/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={jar['csrftoken'].value}"})
    answer = conn.getresponse()
    answer.read()
    for header in answer.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    if answer.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"login as {username} failed (status {answer.status})")
    return "; ".join(f"{k}={v.value}" for k, v in jar.items())


# --- the client --------------------------------------------------------------------------------
async def fetch(port: int, path: str, cookie: str) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        headers = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
        if cookie:
            headers += f"Cookie: {cookie}\r\n"
        writer.write((headers + "\r\n").encode())
        await writer.drain()
        data = await reader.read()  # to the end: the server closes the connection
    finally:
        writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return status, time.perf_counter() - started


async def measure(port: int, paths: list[str], cookie: str, users: int, total: int,
                  seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.monotonic() + seconds

    async def user() -> None:
        nonlocal issued, errors
        while issued < total and time.monotonic() < deadline:
            path = paths[issued % len(paths)]
            issued += 1
            try:
                status, took = await fetch(port, path, cookie)
            except OSError:
                errors += 1
                continue
            if status != 200:
                errors += 1
            latencies.append(took)

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(users)))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {"requests": len(latencies), "errors": errors, "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 1) if elapsed else None,
            "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1)}


def run_level(port: int, users: int, pages: dict[str, tuple[list[str], str]], total: int,
              seconds: float) -> None:
    trivial = [asyncio.run(measure(port, ["/healthz"], "", users, total, seconds))]
    results = {name: asyncio.run(measure(port, paths, cookie, users, total, seconds))
               for name, (paths, cookie) in pages.items()}
    trivial.append(asyncio.run(measure(port, ["/healthz"], "", users, total, seconds)))
    base = statistics.mean(t["rps"] for t in trivial)
    for i, t in enumerate(trivial):
        emit(page="trivial", run=("before", "after")[i], users=users, **t)
    for name, r in results.items():
        emit(page=name, users=users, **r, ratio_to_trivial=round(r["rps"] / base, 3))


# --- profile -----------------------------------------------------------------------------------
def profile(logins: dict, repeats: int = 10) -> None:
    """Where the two patient pages spend their time, in-process, on the same data."""
    import cProfile
    import pstats

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=logins["clinician"]))
    ids = logins["patient_ids"][:repeats]
    for name, template in (("clinic_patient", "/clinic/patients/{}/"),
                           ("records_patient", "/patients/{}/")):
        for pid in ids:  # warm: as between writes in steady state (cached parts are hits)
            client.get(template.format(pid))
        prof = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            prof.enable()
            for pid in ids:
                assert client.get(template.format(pid)).status_code == 200
            prof.disable()
            elapsed = time.perf_counter() - started
        writes = _writes(queries.captured_queries)
        stats = pstats.Stats(prof)
        wanted = {
            "audit_record": ("records/audit.py", "record"),
            "score_missing": ("clinic/scoring.py", "score_missing"),
            "unscored_visits": ("clinic/scoring.py", "unscored_visits"),
            "refresh_alerts": ("clinic/alerts.py", "refresh_alerts_or_error"),
            "timeline_build": ("clinic/timeline.py", "build"),
            "render": ("django/shortcuts.py", "render"),
        }
        parts = {}
        for key, (fname, func) in wanted.items():
            for (f, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
                if f.endswith(fname) and fn == func:
                    parts[key] = round(ct / len(ids) * 1000, 1)
        emit(profile=name, requests=len(ids), ms_per_request=round(elapsed / len(ids) * 1000, 1),
             queries_per_request=round(len(queries.captured_queries) / len(ids), 1),
             writes_per_request=round(len(writes) / len(ids), 1),
             write_kinds=sorted(set(writes)), cumulative_ms=parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="PostgreSQL URL of a database for the demo cohort")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (serve's default)")
    parser.add_argument("--requests", type=int, default=None, help="per measurement")
    parser.add_argument("--seconds", type=float, default=40.0, help="per measurement, at most")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-load", action="store_true", help="profile only")
    args = parser.parse_args()
    if not all(1 <= u <= 1000 for u in args.users):
        parser.error("--users: each level must be from 1 to 1000")

    data_dir = tempfile.mkdtemp(prefix="lupuscare-load-")
    server = None
    try:
        logins = prepare(args.patients, data_dir, args.postgres)
        if not args.no_load:
            port = free_port()
            server = start_server(port, args.workers)
            clinician = login(port, logins["clinician"], logins["password"])
            patient = login(port, logins["patient"], logins["password"])
            ids = logins["patient_ids"]
            pages = {
                "clinic_patient": ([f"/clinic/patients/{i}/" for i in ids], clinician),
                "records_patient": ([f"/patients/{i}/" for i in ids], clinician),
                "dashboard": (["/clinic/"], clinician),
                "diary_checkin": (["/diary/check-in/"], patient),
            }
            for users in args.users:
                total = args.requests or max(3 * users, 300)
                run_level(port, users, pages, total, args.seconds)
            stop_server(server)
            server = None
        if args.profile:
            profile(logins)
        from lupuscare.web.records import audit_chain

        check = audit_chain.verify()  # concurrent workers appended to one chain
        emit(step="audit_verify", ok=check.ok, rows=check.rows, problem=check.problem)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    main()
