"""Registry scale (issue 16): load a synthetic cohort, then re-score it and refresh its alerts in bulk.

The cohort is the demo generator's (``lupuscare.demo``), loaded into the configured database
(``LUPUSCARE_DATABASE_URL``; without it, a throw-away SQLite file). That database must hold no
real patients (the demo loader refuses otherwise); a demo cohort already there is replaced.
During the load the loader's own per-visit scoring and alert refresh are switched off, so that the
bulk paths (``lupuscare.web.clinic.bulk_scoring``, ``bulk_alerts``) do that work and are timed on
their own. Prints one JSON line per measurement:

- ``load``: patients and rows inserted per second (records with their history and audit rows);
- ``rescore_unscored``: every visit scored and written (read -> score -> write, history rows);
- ``rescore_all_unchanged``: ``rescore --all`` again: every visit read and scored, nothing written;
- ``rescore_default_unchanged``: ``rescore`` again: documents rebuilt and compared, none scored;
- ``rescore_per_visit_baseline``: the per-visit path (``scoring.store_scores``) on a sample;
- ``alerts_bulk``: the rules over the cohort, first refresh (opens rows) and a second (unchanged);
- ``peak_rss_mb``: this process's peak resident memory.
Goal (issue 16): re-score at least 5,000 visits/s end to end on SQLite, 10,000 on PostgreSQL.

Usage: .venv/bin/python benchmarks/registry.py [--patients 200] [--seed 1]
       LUPUSCARE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/NAME .venv/bin/python ...
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from unittest import mock


def emit(name: str, **fields: object) -> None:
    print(json.dumps({"name": name, **fields}), flush=True)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


@contextmanager
def loader_without_consequences():
    """The demo loader with its per-visit scoring and alert refresh switched off."""
    with mock.patch("lupuscare.web.clinic.scoring.score_missing", return_value=0), \
            mock.patch("lupuscare.web.clinic.alerts.refresh_alerts_or_error",
                       return_value=([], None)):
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-patients", type=int, default=20,
                        help="patients re-scored through the per-visit path for comparison")
    args = parser.parse_args()

    tmp = None
    if not os.environ.get("LUPUSCARE_DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="lupuscare-registry-")
        os.environ["LUPUSCARE_DATA_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lupuscare.web.settings")
    try:
        run(args)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # demo logins

    from lupuscare.demo.load import load_demo
    from lupuscare.web.clinic import bulk_alerts, bulk_scoring, scoring
    from lupuscare.web.clinic.models import ClinicAlert, StoredScore
    from lupuscare.web.records.models import Assessment, Patient

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    as_of = date(2026, 1, 1)

    with loader_without_consequences():
        summary = load_demo(args.patients, args.seed, reset=True, as_of=as_of)
    rows = sum(v for k, v in summary.counts.items() if k not in ("patients", "care_teams",
                                                                 "accounts", "planted_effects"))
    emit("load", database=engine, patients=args.patients, rows=rows,
         seconds=round(summary.seconds, 2),
         patients_per_second=round(args.patients / summary.seconds, 1),
         rows_per_second=round(rows / summary.seconds), peak_rss_mb=peak_rss_mb())

    visits = Assessment.objects.count()
    for name, everything in (("rescore_unscored", False), ("rescore_all_unchanged", True),
                             ("rescore_default_unchanged", False)):
        s = bulk_scoring.rescore(everything=everything)
        emit(name, database=engine, visits=visits, scored=s.visits_scored, unchanged=s.unchanged,
             failed=s.failed, rows_written=s.rows_created + s.rows_updated,
             seconds=round(s.seconds, 2), visits_per_second=round(visits / s.seconds),
             goal_visits_per_second=5000 if engine == "sqlite3" else 10000,
             peak_rss_mb=peak_rss_mb())

    sample = list(Patient.objects.order_by("pk").values_list("pk", flat=True)[:args.baseline_patients])
    sample_visits = list(Assessment.objects.filter(patient_id__in=sample))
    started = time.perf_counter()
    for visit in sample_visits:  # the per-visit write every record service does
        scoring.store_scores(visit)
    seconds = time.perf_counter() - started
    emit("rescore_per_visit_baseline", database=engine, visits=len(sample_visits),
         seconds=round(seconds, 2), visits_per_second=round(len(sample_visits) / seconds))

    for run_no in (1, 2):
        a = bulk_alerts.refresh(today=as_of)
        emit("alerts_bulk", database=engine, refresh=run_no, patients=a.patients,
             opened=a.opened, changed=a.changed, unchanged=a.unchanged, resolved=a.resolved,
             failed=a.failed, seconds=round(a.seconds, 2),
             patients_per_second=round(a.patients / a.seconds), peak_rss_mb=peak_rss_mb())

    emit("peak_rss_mb", database=engine, patients=args.patients, visits=visits,
         stored_scores=StoredScore.objects.count(), live_alerts=ClinicAlert.objects.count(),
         peak_rss_mb=peak_rss_mb())


if __name__ == "__main__":
    sys.exit(main())
