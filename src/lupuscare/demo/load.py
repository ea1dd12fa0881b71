"""Write a synthetic cohort into the database: the Django seam of ``lupuscare demo``.

Everything happens inside one transaction, so a failure leaves nothing half-loaded. Patients are
generated and written in chunks (``CHUNK_PATIENTS`` at a time) with ``bulk_create_with_history``,
so clinical rows get their django-simple-history record as if entered one by one (history reason
"demo cohort"), while memory stays flat for 10,000 patients.

Rules:
- The demo is only loaded into a database with no real patients: if any patient is not demo data,
  loading is refused (``DemoRefused``), with or without ``reset``. Synthetic patients must never
  be mixed into a clinic's records.
- Loading is idempotent: if the same cohort (seed, size, reference date) is already loaded,
  nothing is written; a different cohort is refused unless ``reset`` is given.
- ``reset`` removes exactly what a previous ``load_demo`` created (patients, their records and
  history, care teams, accounts), found through the ``lupuscare.web.demo`` bookkeeping tables.
  Audit events about demo patients stay: the audit log is append-only.

Accounts: four demo logins with a fixed, documented password (``DEMO_LOGINS``), for a patient with
rich data (cohort patient 0), a clinician on that patient's care team, a cell-therapy coordinator
and an administrator. Other clinicians and patient app users get accounts without a usable
password. Cell-therapy programme data comes with its own issue: ``load_demo`` calls the
``extra_loaders`` hook after the cohort, so that loader can be added without changing this one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import DO_NOTHING, ProtectedError
from django.utils import timezone as django_timezone
from simple_history.utils import bulk_create_with_history

from lupuscare.clinical.diary import TRIGGERS
from lupuscare.clinical.vocabulary import LAB_TESTS
from lupuscare.demo.cohort import WINDOW_DAYS, SyntheticPatient, iter_cohort
from lupuscare.demo.treatment import MedicationCourse as CourseData
from lupuscare.errors import InputError
from lupuscare.web.accounts.models import Role
from lupuscare.web.demo.models import (
    DemoAccount,
    DemoCareTeam,
    DemoCohort,
    DemoPatient,
    DemoPlantedEffect,
)
from lupuscare.web.records.models import (
    Assessment,
    CareTeam,
    DamageItem,
    DiaryEntry,
    LabResult,
    MedicationCourse,
    Patient,
)
from lupuscare.web.records.services import bulk as records_check

GENERATOR_VERSION = "1"
DEMO_PASSWORD = "lupuscare-demo"  # documented in docs/demo-cohort.md; demo databases only
DEMO_LOGINS: dict[str, str] = {  # role -> username
    "patient": "demo-patient",
    "clinician": "demo-clinician",
    "coordinator": "demo-coordinator",
    "admin": "demo-admin",
}
PATIENTS_PER_TEAM = 100
CLINICIANS_PER_TEAM = 3
CHUNK_PATIENTS = 200
BATCH_SIZE = 500
HISTORY_REASON = "demo cohort"
_CLINICAL_MODELS = (DiaryEntry, LabResult, MedicationCourse, DamageItem, Assessment)
_ROUTES = {"oral": "oral", "intravenous": "iv", "subcutaneous": "sc"}

Progress = Callable[[int], None]
ExtraLoader = Callable[[DemoCohort, Sequence[int]], None]
# Later issues (cell-therapy programmes, issue 7) append a loader here: called inside the load
# transaction with the cohort row and the database ids of the demo patients, in cohort order.
extra_loaders: list[ExtraLoader] = []
ExtraWiper = Callable[[Sequence[int]], None]
# ... and a wiper here for its rows that refuse an ordinary delete (append-only cell-therapy
# custody records, records protected from cascades): called first by ``wipe_demo``, inside its
# transaction, with the database ids of the demo patients.
extra_wipers: list[ExtraWiper] = []


class DemoRefused(Exception):
    """Loading the demo would mix synthetic data with real data, or replace a cohort unasked."""


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: str
    username: str
    password: str
    description: str


@dataclass
class LoadSummary:
    seed: int
    patients: int
    as_of: date
    already_loaded: bool
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


def load_demo(n_patients: int, seed: int, *, reset: bool = False, as_of: date | None = None,
              progress: Progress | None = None) -> LoadSummary:
    """Load a cohort of ``n_patients`` generated with ``seed`` (see the module docstring).

    ``as_of`` is the last day of follow-up; None means today (so the demo looks current), and,
    when a cohort is already loaded, "whatever date it was loaded with" (so loading the same seed
    and size again the next day is still a no-op)."""
    if isinstance(n_patients, bool) or not isinstance(n_patients, int) or n_patients < 1:
        raise InputError("patients", "must be a whole number of at least 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("seed", "must be a non-negative whole number")
    started = time.perf_counter()
    with transaction.atomic():
        real = Patient.objects.filter(demo_truth__isnull=True).count()
        if real:
            raise DemoRefused(
                f"the database holds {real} patient(s) that are not demo data; the demo cohort is "
                "only loaded into a database without real patients")
        existing = DemoCohort.objects.first()
        if existing is not None and not reset:
            if ((existing.seed, existing.patients) == (seed, n_patients)
                    and as_of in (None, existing.as_of)):
                return LoadSummary(seed, n_patients, existing.as_of, True,
                                   time.perf_counter() - started, demo_counts(), demo_logins())
            raise DemoRefused(
                f"a demo cohort is already loaded (seed {existing.seed}, {existing.patients} "
                "patients); add --reset to replace it")
        if existing is not None:
            wipe_demo()
        taken = get_user_model().objects.filter(username__in=DEMO_LOGINS.values())
        if taken.exists():
            raise DemoRefused(
                "user(s) " + ", ".join(sorted(u.username for u in taken))
                + " exist but were not created by the demo; rename or remove them first")
        as_of = as_of or django_timezone.localdate()
        cohort = DemoCohort.objects.create(seed=seed, patients=n_patients, as_of=as_of,
                                           generator_version=GENERATOR_VERSION)
        _Loader(cohort, n_patients, progress).run()
    return LoadSummary(seed, n_patients, as_of, False, time.perf_counter() - started,
                       demo_counts(), demo_logins())


def demo_logins() -> list[DemoLogin]:
    """The four demo logins (valid while a demo cohort is loaded)."""
    return [
        DemoLogin("patient", DEMO_LOGINS["patient"], DEMO_PASSWORD,
                  "patient with lupus nephritis, five years of records and an 18-month diary"),
        DemoLogin("clinician", DEMO_LOGINS["clinician"], DEMO_PASSWORD,
                  "rheumatologist on that patient's care team"),
        DemoLogin("coordinator", DEMO_LOGINS["coordinator"], DEMO_PASSWORD,
                  "cell-therapy programme coordinator"),
        DemoLogin("admin", DEMO_LOGINS["admin"], DEMO_PASSWORD, "administrator (Django admin)"),
    ]


def demo_counts() -> dict[str, int]:
    """Rows of demo data per record type."""
    ids = DemoPatient.objects.values("patient_id")
    counts = {"patients": DemoPatient.objects.count(),
              "care_teams": DemoCareTeam.objects.count(),
              "accounts": DemoAccount.objects.count(),
              "planted_effects": DemoPlantedEffect.objects.count()}
    for model in _CLINICAL_MODELS:
        counts[model._meta.model_name] = model.objects.filter(patient_id__in=ids).count()
    return counts


def wipe_demo() -> int:
    """Remove every row a demo load created, and every row made since that belongs to a demo
    patient (scores, alerts, ... of other apps); returns the number of demo patients removed.

    Raises ``DemoRefused`` if something that is not demo data still refers to a demo account.
    """
    patient_ids = list(DemoPatient.objects.values_list("patient_id", flat=True))
    user_ids = list(DemoAccount.objects.values_list("user_id", flat=True))
    team_ids = list(DemoCareTeam.objects.values_list("care_team_id", flat=True))
    with transaction.atomic():
        for wiper in extra_wipers:
            wiper(patient_ids)
        _delete_dependents(patient_ids)
        # The bulky clinical rows and their history go by plain SQL: a queryset delete would send
        # a signal, and write a history row, per object.
        for model in _CLINICAL_MODELS:
            for table in (model._meta.db_table, model.history.model._meta.db_table):
                _delete_in(table, "patient_id", patient_ids)
        DemoCohort.objects.all().delete()  # cascades to the demo bookkeeping rows
        try:
            Patient.objects.filter(id__in=patient_ids).delete()
            CareTeam.objects.filter(id__in=team_ids).delete()
            get_user_model().objects.filter(id__in=user_ids).delete()
        except ProtectedError as exc:
            blocking = sorted({o._meta.label for o in exc.protected_objects})
            raise DemoRefused("cannot remove the demo cohort: records that are not demo data "
                              f"refer to demo accounts or teams ({', '.join(blocking)})") from exc
        for model, ids in ((Patient, patient_ids), (CareTeam, team_ids),
                           (get_user_model(), user_ids)):
            _delete_in(model.history.model._meta.db_table, "id", ids)
    return len(patient_ids)


def _delete_dependents(patient_ids: Sequence[int]) -> None:
    """Delete (through the ORM, so their own dependents follow) rows of other apps that point at
    demo patients or at their clinical records. Append-only references (``on_delete``
    DO_NOTHING, as the audit log uses) are left alone."""
    targets = {Patient: Patient.objects.filter(id__in=patient_ids)}
    targets |= {m: m.objects.filter(patient_id__in=patient_ids) for m in _CLINICAL_MODELS}
    skip = {*targets, DemoPatient}
    for target, rows in targets.items():
        for rel in target._meta.related_objects:
            model = rel.related_model
            if (model in skip or rel.on_delete is DO_NOTHING or rel.many_to_many
                    or getattr(model, "instance_type", None) is not None):  # historical models
                continue
            model._base_manager.filter(**{f"{rel.field.name}__in": rows}).delete()


def _delete_in(table: str, column: str, ids: Sequence[int]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for i in range(0, len(ids), BATCH_SIZE):
            chunk = ids[i:i + BATCH_SIZE]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {qn(table)} WHERE {qn(column)} IN ({marks})", chunk)


def _bulk(model, objs: list) -> list:
    if not objs:
        return objs
    if model in _FAST_MODELS and _fast_insert_supported(model):
        _fast_insert(model, objs)
        return objs
    if hasattr(model, "history"):
        return bulk_create_with_history(objs, model, batch_size=BATCH_SIZE,
                                        default_change_reason=HISTORY_REASON)
    return model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


# The two bulky record types (nine in ten demo rows) skip the ORM's per-value machinery: rows and
# their history rows go in with executemany, with ids reserved from the database's id sequence
# inside the load transaction (SQLite and PostgreSQL; other databases take the ORM path). The rows
# are the same as bulk_create_with_history would write; tests compare them.
_FAST_MODELS = (LabResult, DiaryEntry)
_HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type",
                    "history_user_id"}


def _fast_insert_supported(model) -> bool:
    """True if the history table holds exactly the model's columns plus simple-history's own."""
    history = model.history.model
    mine = {f.attname for f in model._meta.concrete_fields}
    theirs = {f.attname for f in history._meta.concrete_fields}
    return connection.vendor in ("sqlite", "postgresql") and theirs == mine | _HISTORY_COLUMNS


def _fast_insert(model, objs: list) -> None:
    history = model.history.model
    now = django_timezone.now()
    for model_field in model._meta.concrete_fields:  # what pre_save would set
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, model_field.attname, now)
    first_id = _reserve_ids(model, len(objs))
    for i, obj in enumerate(objs):
        obj.pk = first_id + i
    fields = list(model._meta.concrete_fields)
    rows = _prepared_rows(fields, objs)
    _executemany(model._meta.db_table, [f.column for f in fields], rows)
    first_history_id = _reserve_ids(history, len(objs))
    history_fields = [f for f in history._meta.concrete_fields if f.attname not in _HISTORY_COLUMNS]
    by_name = {f.attname: i for i, f in enumerate(fields)}
    order = [by_name[f.attname] for f in history_fields]
    stamp = connection.ops.adapt_datetimefield_value(now)
    history_rows = [
        [row[j] for j in order] + [first_history_id + i, stamp, HISTORY_REASON, "+", None]
        for i, row in enumerate(rows)
    ]
    _executemany(history._meta.db_table,
                 [f.column for f in history_fields]
                 + ["history_id", "history_date", "history_change_reason", "history_type",
                    history._meta.get_field("history_user").column],
                 history_rows)


def _reserve_ids(model, n: int) -> int:
    """First of ``n`` consecutive primary keys no row has had: past both the largest id and the
    database's id sequence (so ids of deleted rows, which the audit log may name, are not reused),
    and the sequence is moved past the block (PostgreSQL) or moves itself (SQLite AUTOINCREMENT)."""
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            (sequence,) = cursor.fetchone()
            cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
            (current,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s)", [sequence])
            (first,) = cursor.fetchone()
            first = max(first, (current or 0) + 1)
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
            return first
        cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
        (current,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        return max(current or 0, row[0] if row else 0) + 1


def _prepared_rows(fields: list, objs: list) -> list[list]:
    """Database-ready values, prepared once per field type rather than per value where possible."""
    ops = connection.ops
    preparers = []
    for model_field in fields:
        kind = model_field.get_internal_type()
        if kind == "DateTimeField":  # few distinct values: visit days, the load's timestamp
            preparers.append(lru_cache(maxsize=4096)(ops.adapt_datetimefield_value))
        elif kind == "DateField":
            preparers.append(lru_cache(maxsize=4096)(ops.adapt_datefield_value))
        elif kind in ("JSONField",):
            preparers.append(lambda v, f=model_field: f.get_db_prep_save(v, connection))
        elif kind in ("CharField", "TextField", "FloatField", "BigAutoField", "AutoField",
                      "BigIntegerField", "IntegerField", "PositiveSmallIntegerField",
                      "PositiveIntegerField", "BooleanField", "ForeignKey"):
            preparers.append(None)
        else:
            preparers.append(lambda v, f=model_field: f.get_db_prep_save(v, connection))
    attnames = [f.attname for f in fields]
    return [[v if prep is None else prep(v)
             for prep, v in zip(preparers, (getattr(obj, a) for a in attnames), strict=True)]
            for obj in objs]


def _executemany(table: str, columns: list[str], rows: list[list]) -> None:
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[i:i + 2000])


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


class _Loader:
    def __init__(self, cohort: DemoCohort, n_patients: int, progress: Progress | None) -> None:
        self.cohort, self.n, self.progress = cohort, n_patients, progress
        self.User = get_user_model()
        self.accounts: list = []
        # One hash for the four demo logins: argon2 is deliberately slow, and they share a password.
        self.password_hash = make_password(DEMO_PASSWORD)

    def run(self) -> None:
        self._staff()
        patient_ids: list[int] = []
        chunk: list[SyntheticPatient] = []
        for synthetic in iter_cohort(self.n, self.cohort.seed, as_of=self.cohort.as_of):
            chunk.append(synthetic)
            if len(chunk) == CHUNK_PATIENTS:
                patient_ids += self._patients(chunk)
                chunk = []
        if chunk:
            patient_ids += self._patients(chunk)
        _bulk(DemoAccount, [DemoAccount(cohort=self.cohort, user=u) for u in self.accounts])
        # The consequences every write has (lupuscare.web.records.services): each visit scored,
        # each patient's alerts stored, one audit row per patient loaded.
        records_check.consequences_of_import(patient_ids, "demo loader", self.cohort.as_of)
        for loader in extra_loaders:
            loader(self.cohort, patient_ids)

    def _user(self, username: str, role: str, first: str, last: str, *, login: bool) -> object:
        user = self.User(username=username, role=role, first_name=first, last_name=last,
                         email=f"{username}@demo.invalid")  # RFC 2606: never delivered
        if login:
            user.password = self.password_hash
        else:
            user.set_unusable_password()
        if role == Role.ADMIN:
            user.is_staff = user.is_superuser = True
        return user

    def _staff(self) -> None:
        n_teams = max(1, math.ceil(self.n / PATIENTS_PER_TEAM))
        staff = [
            self._user(DEMO_LOGINS["admin"], Role.ADMIN, "Ada", "Admin", login=True),
            self._user(DEMO_LOGINS["coordinator"], Role.COORDINATOR, "Cora", "Coordinator", login=True),
            self._user(DEMO_LOGINS["clinician"], Role.CLINICIAN, "Clara", "Rheum", login=True),
        ]
        for k in range(2, n_teams * CLINICIANS_PER_TEAM + 1):
            staff.append(self._user(f"demo-clinician-{k}", Role.CLINICIAN, "Clinician", str(k), login=False))
        staff = _bulk(self.User, staff)
        self.accounts += staff
        clinicians = [u for u in staff if u.role == Role.CLINICIAN]
        teams = _bulk(CareTeam, [CareTeam(name=f"Demo lupus clinic {k + 1}") for k in range(n_teams)])
        _bulk(DemoCareTeam, [DemoCareTeam(cohort=self.cohort, care_team=t) for t in teams])
        self.team_members: list[list] = []
        for k, team in enumerate(teams):
            members = clinicians[k * CLINICIANS_PER_TEAM:(k + 1) * CLINICIANS_PER_TEAM]
            team.members.add(*members)
            self.team_members.append(members)
        self.teams = teams

    def _patients(self, chunk: list[SyntheticPatient]) -> list[int]:
        users = []
        for s in chunk:
            if s.uses_app:
                showcase = s.index == 0
                name = DEMO_LOGINS["patient"] if showcase else f"demo-{s.key.lower()}"
                users.append(self._user(name, Role.PATIENT, s.given_name, s.family_name, login=showcase))
        users = _bulk(self.User, users)
        self.accounts += users
        user_of = iter(users)
        patients = []
        for s in chunk:
            age = (s.follow_up_end - s.birth_date).days / 365.25
            patients.append(Patient(
                identifier=s.key, given_name=s.given_name, family_name=s.family_name,
                birth_date=s.birth_date, sex=s.sex,
                weight_kg=s.visits[-1].weight_kg if s.visits else s.weight_kg,
                sle_diagnosis_date=s.lupus_onset,
                can_become_pregnant=s.sex == "female" and age < 50,
                care_team=self.teams[s.index % len(self.teams)],
                user=next(user_of) if s.uses_app else None,
            ))
        patients = _bulk(Patient, patients)
        assessments, labs, meds, damage, diary, truth = [], [], [], [], [], []
        for s, p in zip(chunk, patients, strict=True):
            clinicians = self.team_members[s.index % len(self.teams)]
            for i, v in enumerate(s.visits):
                assessments.append(Assessment(
                    patient=p, date=v.date, window_days=WINDOW_DAYS, findings=list(v.findings),
                    not_attributable=list(v.not_attributable),
                    swollen_28=v.swollen_28, tender_28=v.tender_28, pga=v.pga,
                    clinician=clinicians[i % len(clinicians)] if clinicians else None))
                at = _at(v.date)
                labs += [LabResult(patient=p, test=lab.test, loinc=_loinc(lab.test), value=lab.value,
                                   unit=lab.unit, low=lab.low, high=lab.high, collected_at=at,
                                   source="demo") for lab in v.labs]
            meds += [_course(p, c) for c in s.medications]
            damage += [DamageItem(patient=p, item=d.item, onset=d.onset, count=d.count) for d in s.damage]
            if s.diary is not None:
                diary += [DiaryEntry(
                    patient=p, local_date=row.date, time_zone="UTC", symptoms=dict(row.symptoms),
                    warning_signs=[w for w, present in row.warning_signs.items() if present],
                    triggers={k: _trigger(k, v) for k, v in row.triggers.items()},
                ) for row in s.diary.rows]
            truth.append(DemoPatient(
                cohort=self.cohort, patient=p, index=s.index, nephritis=s.nephritis,
                nephritis_class=s.nephritis_class or "", dsdna_positive=s.dsdna_positive,
                uses_app=s.uses_app,
                diary_completeness=s.diary.completeness if s.diary else None,
                flares=[{"onset": f.onset.isoformat(), "end": f.end.isoformat(), "kind": f.kind,
                         "severe": f.severe, "domains": list(f.domains)} for f in s.flares]))
        records_check.validate_rows(assessments, labs, meds, damage, diary)
        for model, objs in ((Assessment, assessments), (LabResult, labs), (MedicationCourse, meds),
                            (DamageItem, damage), (DiaryEntry, diary)):
            _bulk(model, objs)
        truth = _bulk(DemoPatient, truth)
        planted = [DemoPlantedEffect(
            demo_patient=t, trigger=pt.effect.trigger, symptom=pt.effect.symptom,
            lag_days=pt.effect.lag_days, effect=pt.effect.effect, exposed_rule=pt.exposed_rule,
            exposed_days=pt.exposed_days, realised_effect=pt.realised_effect)
            for s, t in zip(chunk, truth, strict=True) if s.diary for pt in s.diary.planted]
        _bulk(DemoPlantedEffect, planted)
        if self.progress is not None:
            self.progress(len(chunk))
        return [p.id for p in patients]


def _loinc(test: str) -> str:
    known = LAB_TESTS.get(test)
    return known.loinc if known is not None and known.loinc else ""


def _course(patient: Patient, c: CourseData) -> MedicationCourse:
    if c.pulse or "every 4 weeks" in c.schedule:
        schedule = "other"
    elif "weekly" in c.schedule:
        schedule = "weekly"
    else:
        schedule = "daily"
    return MedicationCourse(
        patient=patient, drug=c.drug, daily_dose_mg=c.daily_dose_mg, schedule=schedule,
        route=_ROUTES.get(c.route, "other"), pulse=c.pulse, start=c.start, stop=c.end,
        reason=f"{c.indication}: {c.schedule}", tolerated=True)


def _trigger(name: str, value: float | bool) -> float | int | bool:
    if TRIGGERS[name].kind == "rating" and float(value).is_integer():
        return int(value)
    return value
