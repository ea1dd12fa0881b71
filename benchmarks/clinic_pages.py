"""Server time of the clinician's two heaviest pages, measured in-process with Django's test client
(request in, rendered response out: middleware, queries, scoring seams, templates; no network).

- ``clinic_patient_page``: the patient page (alerts re-evaluated, timeline built) of a patient
  with 5 years of records: a visit every 2 months (30, all scored), 5 chart labs monthly (300),
  a daily diary (1,826 days), prednisone tapers and treatment starts, damage items.
  Goal: under 150 ms.
- ``clinic_dashboard``: the dashboard (first page, cohort counts, work-list) of a clinician
  with 2,000 patients, each with two scored visits and some open alerts. Goal: under 500 ms.

The data is built with the ORM in a throw-away SQLite database (``LUPUSCARE_DATA_DIR`` is set to
a temporary directory before Django starts; pass ``--postgres URL`` to use an existing, empty
PostgreSQL database instead). Statistics are refreshed (ANALYZE) after loading.
Stored scores are real: each visit is scored by the instruments (``score_all``) on its own
document. Each page is requested once to warm caches, then ``REPEATS`` times; the median is
reported. One JSON line per measurement: {"name", "n", "seconds", "per_second", "goal_seconds"}.
Usage: .venv/bin/python benchmarks/clinic_pages.py [--patients 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time

REPEATS = 15


def _setup_django(postgres: str | None) -> None:
    os.environ["LUPUSCARE_DATA_DIR"] = tempfile.mkdtemp(prefix="lupuscare-bench-")
    if postgres:
        os.environ["LUPUSCARE_DATABASE_URL"] = postgres
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lupuscare.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _patient_with_five_years(team, clinician, rng: random.Random):
    from django.utils import timezone

    from lupuscare.web.clinic.scoring import store_scores
    from lupuscare.web.records.models import (
        Assessment,
        DamageItem,
        DiaryEntry,
        LabResult,
        MedicationCourse,
        Patient,
    )

    today = timezone.localdate()
    start = today - dt.timedelta(days=5 * 365)
    patient = Patient.objects.create(identifier="BENCH-5Y", given_name="Five", family_name="Years",
                                     birth_date=dt.date(1985, 6, 1), sex="female", weight_kg=64.0,
                                     care_team=team)
    labs = []
    for month in range(60):
        at = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=30 * month),
                                                     dt.time(9)))
        labs += [
            LabResult(patient=patient, test="c3", value=round(rng.uniform(0.5, 1.4), 2), unit="g/L",
                      low=0.9, high=1.8, collected_at=at),
            LabResult(patient=patient, test="c4", value=round(rng.uniform(0.05, 0.4), 2),
                      unit="g/L", low=0.1, high=0.4, collected_at=at),
            LabResult(patient=patient, test="anti_dsdna", value=rng.randint(2, 120),
                      unit="[IU]/mL", high=10, collected_at=at),
            LabResult(patient=patient, test="upcr", value=rng.randint(50, 900), unit="mg/g",
                      collected_at=at),
            LabResult(patient=patient, test="egfr", value=rng.randint(70, 110),
                      unit="mL/min/{1.73_m2}", collected_at=at),
        ]
    LabResult.objects.bulk_create(labs)
    courses = [MedicationCourse(patient=patient, drug="hydroxychloroquine", daily_dose_mg=300,
                                start=start)]
    day, dose = start, 40.0
    for _ in range(12):  # prednisone tapers, a flare every ~5 months
        courses.append(MedicationCourse(patient=patient, drug="prednisone", daily_dose_mg=dose,
                                        start=day, stop=day + dt.timedelta(days=149)))
        day += dt.timedelta(days=150)
        dose = 20.0 if dose <= 5 else max(5.0, dose / 2)
    courses.append(MedicationCourse(patient=patient, drug="mycophenolate_mofetil",
                                    daily_dose_mg=2000, start=start + dt.timedelta(days=400)))
    MedicationCourse.objects.bulk_create(courses)
    DamageItem.objects.bulk_create([
        DamageItem(patient=patient, item="cataract", onset=start + dt.timedelta(days=700)),
        DamageItem(patient=patient, item="scarring_chronic_alopecia",
                   onset=start + dt.timedelta(days=1000)),
    ])
    DiaryEntry.objects.bulk_create([
        DiaryEntry(patient=patient, local_date=start + dt.timedelta(days=i),
                   symptoms={"fatigue": rng.randint(0, 8), "joint_pain": rng.randint(0, 8)},
                   warning_signs=["swollen_legs"] if rng.random() < 0.01 else [])
        for i in range((today - start).days + 1)
    ])
    names = ["arthritis", "rash_generalized", "alopecia", "mucosal_ulcers", "pleurisy"]
    for i in range(30):
        visit = Assessment.objects.create(
            patient=patient, date=start + dt.timedelta(days=60 * i + 5), clinician=clinician,
            findings=rng.sample(names, rng.randint(0, 2)), pga=round(rng.uniform(0, 2), 1),
            swollen_28=rng.randint(0, 3), tender_28=rng.randint(0, 4))
        store_scores(visit)
    return patient


def _clinician_with_patients(n: int, rng: random.Random):
    from django.utils import timezone

    from lupuscare.instruments import score_all
    from lupuscare.web.accounts.models import Role, User
    from lupuscare.web.clinic.models import ClinicAlert, StoredScore
    from lupuscare.web.clinic.scoring import _headline
    from lupuscare.web.records.models import Assessment, CareTeam, Patient

    clinician = User.objects.create(username="bench_many", role=Role.CLINICIAN)
    team = CareTeam.objects.create(name="Bench 2000")
    team.members.add(clinician)
    patients = Patient.objects.bulk_create([
        Patient(identifier=f"BENCH-{i:05d}", given_name="Pat", family_name=f"Bench{i:05d}",
                birth_date=dt.date(1970 + i % 30, 1 + i % 12, 1), sex="female", care_team=team)
        for i in range(n)
    ])
    today = timezone.localdate()
    names = ["arthritis", "rash_generalized", "alopecia", "pleurisy"]
    visits, docs = [], []
    for p in patients:
        prev = None
        for day in (today - dt.timedelta(days=200), today - dt.timedelta(days=20)):
            findings = rng.sample(names, rng.randint(0, 2))
            pga = round(rng.uniform(0, 1.8), 1)
            visits.append(Assessment(patient=p, date=day, findings=findings, pga=pga,
                                     swollen_28=0, tender_28=0))
            doc = {"date": day.isoformat(), "patient": {"birth_date": p.birth_date.isoformat(),
                                                        "sex": "female"},
                   "findings": findings, "pga": pga, "joints": {"swollen_28": 0, "tender_28": 0},
                   "labs": [], "medications": [], "damage": []}
            if prev is not None:
                doc["previous"] = prev
            docs.append(doc)
            prev = {k2: v for k2, v in doc.items() if k2 != "previous"}
    Assessment.objects.bulk_create(visits)
    scores = []
    for visit, doc in zip(visits, docs, strict=True):
        for name, result in score_all(doc).items():
            data = result.to_dict()
            value, met, category = _headline(name, data)
            scores.append(StoredScore(patient_id=visit.patient_id, assessment=visit, date=visit.date,
                                      instrument=name, version=result.version,
                                      citation=result.citation, value=value, met=met,
                                      category=category, result=data, document=doc))
    StoredScore.objects.bulk_create(scores, batch_size=2000)
    ClinicAlert.objects.bulk_create([
        ClinicAlert(patient=p, code="proteinuria_nephritis_workup", severity="warning",
                    severity_rank=1, message="bench", citation="bench", certainty="recalled",
                    last_evaluated_on=today)
        for p in patients[::7]
    ])
    return clinician, team


def _time(client, url: str) -> float:
    assert client.get(url).status_code == 200
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        response = client.get(url)
        runs.append(time.perf_counter() - t0)
        assert response.status_code == 200
    return statistics.median(runs)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args(argv)
    _setup_django(args.postgres)
    from django.test import Client
    from django.urls import reverse

    rng = random.Random(7)
    clinician, team = _clinician_with_patients(args.patients, rng)
    patient = _patient_with_five_years(team, clinician, rng)
    # Fresh statistics, as autovacuum (PostgreSQL) would gather after a bulk load; without them
    # PostgreSQL plans the dashboard's correlated subqueries as scans (about 40 s, not 0.3 s).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(clinician)
    for name, url, n, goal in (
        ("clinic_patient_page", reverse("clinic:patient", args=[patient.pk]), 1, 0.150),
        ("clinic_dashboard", reverse("clinic:dashboard"), args.patients + 1, 0.500),
    ):
        seconds = _time(client, url)
        print(json.dumps({"name": name, "n": n, "seconds": round(seconds, 4),
                          "per_second": round(1 / seconds, 1), "goal_seconds": goal}))


if __name__ == "__main__":
    main(sys.argv[1:])
