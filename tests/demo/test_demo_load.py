"""Loading the cohort into the database, the demo logins, --reset, and the command itself."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.test import RequestFactory
from typer.testing import CliRunner

from lupuscare.cli import app
from lupuscare.demo import load as demo_load
from lupuscare.demo.cohort import generate_cohort
from lupuscare.demo.load import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoRefused,
    demo_counts,
    demo_logins,
    load_demo,
    wipe_demo,
)
from lupuscare.web.accounts.models import Role
from lupuscare.web.demo.models import DemoCohort, DemoPatient, DemoPlantedEffect
from lupuscare.web.records.models import (
    Assessment,
    CareTeam,
    DamageItem,
    DiaryEntry,
    LabResult,
    MedicationCourse,
    Patient,
)

pytestmark = pytest.mark.django_db
N = 8
SEED = 5


AS_OF = date(2026, 1, 1)  # the generator's default, so generate_cohort(n, seed) matches


def load(n: int, seed: int, **kwargs):
    return load_demo(n, seed, as_of=AS_OF, **kwargs)


@pytest.fixture(autouse=True)
def only_the_cohort(request, monkeypatch) -> None:
    """Other apps add demo data through ``extra_loaders`` (cell therapy adds its programme and
    screening visits): the exact-count tests look at the cohort alone; the command tests run
    with every registered loader."""
    if "command" not in request.node.name:
        monkeypatch.setattr(demo_load, "extra_loaders", [])


@pytest.fixture(autouse=True)
def fast_hasher(request, settings) -> None:
    """Argon2 is slow by design; only the login test needs the real hasher."""
    if request.node.name != "test_printed_logins_authenticate_with_their_roles":
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def authenticate(username: str, password: str):
    """Log in as the login view does (django-axes needs the request)."""
    return django_authenticate(RequestFactory().post("/accounts/login/"), username=username,
                               password=password)


def expected_counts(n: int, seed: int) -> dict[str, int]:
    cohort = generate_cohort(n, seed)
    return {
        "patients": n,
        "assessment": sum(len(p.visits) for p in cohort.patients),
        "labresult": sum(len(v.labs) for p in cohort.patients for v in p.visits),
        "medicationcourse": sum(len(p.medications) for p in cohort.patients),
        "damageitem": sum(len(p.damage) for p in cohort.patients),
        "diaryentry": sum(len(p.diary.rows) for p in cohort.patients if p.diary),
        "planted_effects": sum(len(p.planted) for p in cohort.patients),
    }


def test_counts_in_the_database_match_the_generated_cohort() -> None:
    summary = load(N, SEED)
    expected = expected_counts(N, SEED)
    for key, value in expected.items():
        assert summary.counts[key] == value, key
    assert Patient.objects.count() == N
    assert LabResult.objects.count() == expected["labresult"]
    assert DiaryEntry.objects.count() == expected["diaryentry"]
    # history rows were written with the data
    assert LabResult.history.count() == expected["labresult"]
    assert Assessment.history.filter(history_change_reason="demo cohort").count() == expected["assessment"]


def test_loaded_records_are_the_generated_ones() -> None:
    load(N, SEED)
    cohort = generate_cohort(N, SEED)
    showcase = cohort.patients[0]
    patient = Patient.objects.get(identifier=showcase.key)
    assert patient.user.username == DEMO_LOGINS["patient"]
    assert patient.birth_date == showcase.birth_date
    first = showcase.visits[0]
    stored = Assessment.objects.filter(patient=patient).order_by("date").first()
    assert stored.date == first.date and stored.findings == list(first.findings)
    assert stored.pga == first.pga
    upcr = LabResult.objects.get(patient=patient, test="upcr", collected_at__date=first.date)
    assert upcr.value == next(lab.value for lab in first.labs if lab.test == "upcr")
    assert upcr.loinc == "2890-2"
    # the document the web app builds for the visit scores like the generator's own document
    from lupuscare.instruments.registry import score

    web_doc = stored.to_document()
    assert (score("sledai2k", web_doc).to_dict()["total"]
            == score("sledai2k", showcase.assessment_document(0)).to_dict()["total"])
    truth = DemoPatient.objects.get(patient=patient)
    assert truth.nephritis and truth.uses_app
    planted = DemoPlantedEffect.objects.filter(demo_patient=truth)
    assert {(e.trigger, e.symptom, e.lag_days) for e in planted} == {
        (e.trigger, e.symptom, e.lag_days) for e in showcase.planted}
    day = DiaryEntry.objects.filter(patient=patient).order_by("local_date").first()
    row = showcase.diary.rows[0]
    assert day.local_date == row.date and day.symptoms == row.symptoms
    assert MedicationCourse.objects.filter(patient=patient, drug="hydroxychloroquine").exists()
    assert DamageItem.objects.filter(patient=patient).count() == len(showcase.damage)


def test_printed_logins_authenticate_with_their_roles() -> None:
    load(N, SEED)
    roles = {"patient": Role.PATIENT, "clinician": Role.CLINICIAN,
             "coordinator": Role.COORDINATOR, "admin": Role.ADMIN}
    for login in demo_logins():
        user = authenticate(username=login.username, password=login.password)
        assert user is not None, login.username
        assert user.role == roles[login.role]
        assert authenticate(username=login.username, password="wrong") is None
    clinician = authenticate(username=DEMO_LOGINS["clinician"], password=DEMO_PASSWORD)
    showcase = Patient.objects.get(user__username=DEMO_LOGINS["patient"])
    assert CareTeam.objects.filter(members=clinician, patients=showcase).exists()


def test_loading_again_is_a_no_op_and_a_different_cohort_needs_reset() -> None:
    load(N, SEED)
    labs = LabResult.objects.count()
    again = load(N, SEED)
    assert again.already_loaded and LabResult.objects.count() == labs
    with pytest.raises(DemoRefused, match="--reset"):
        load(N + 1, SEED)
    old_last_lab = LabResult.objects.order_by("id").last().id
    old_last_entry = DiaryEntry.history.order_by("history_id").last().history_id
    replaced = load(N + 1, SEED + 1, reset=True)
    # ids of removed rows (which the audit log may name) are never handed out again
    assert LabResult.objects.order_by("id").first().id > old_last_lab
    assert DiaryEntry.history.order_by("history_id").first().history_id > old_last_entry
    assert not replaced.already_loaded
    assert Patient.objects.count() == N + 1 and DemoCohort.objects.get().seed == SEED + 1
    assert replaced.counts["labresult"] == expected_counts(N + 1, SEED + 1)["labresult"]
    assert LabResult.objects.count() == replaced.counts["labresult"]
    assert LabResult.history.count() == replaced.counts["labresult"]  # old history removed too
    assert authenticate(username=DEMO_LOGINS["patient"], password=DEMO_PASSWORD) is not None


def test_reset_removes_every_demo_row() -> None:
    load(N, SEED)
    assert wipe_demo() == N
    assert all(v == 0 for v in demo_counts().values())
    assert Patient.objects.count() == 0 and CareTeam.objects.count() == 0
    assert Patient.history.count() == 0 and DiaryEntry.history.count() == 0
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username__startswith="demo-").exists()


def test_refuses_a_database_with_real_patients_even_with_reset() -> None:
    Patient.objects.create(identifier="MRN-1", given_name="Real", family_name="Person",
                           birth_date=date(1980, 1, 1), sex="female")
    for reset in (False, True):
        with pytest.raises(DemoRefused, match="not demo data"):
            load(N, SEED, reset=reset)
    assert Patient.objects.count() == 1 and not DemoCohort.objects.exists()


def test_a_failure_leaves_nothing_half_loaded() -> None:
    def broken(cohort, ids):
        raise RuntimeError("boom")

    demo_load.extra_loaders.append(broken)
    try:
        with pytest.raises(RuntimeError):
            load(N, SEED)
    finally:
        demo_load.extra_loaders.remove(broken)
    assert Patient.objects.count() == 0 and LabResult.objects.count() == 0
    assert not DemoCohort.objects.exists()


def test_extra_loader_hook_gets_the_patient_ids_in_cohort_order() -> None:
    seen = []
    demo_load.extra_loaders.append(lambda cohort, ids: seen.append(list(ids)))
    try:
        load(N, SEED)
    finally:
        demo_load.extra_loaders.pop()
    ids = seen[0]
    assert len(ids) == N
    assert [Patient.objects.get(id=i).identifier for i in ids] == [f"DEMO-{k + 1:05d}" for k in range(N)]


def test_demo_command_prints_logins_and_json() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--patients", "5", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["patients"] == 5 and data["counts"]["patients"] == 5
    assert {x["username"] for x in data["logins"]} == set(DEMO_LOGINS.values())
    plain = runner.invoke(app, ["demo", "--patients", "5", "--seed", "3"])
    assert plain.exit_code == 0 and "already loaded" in plain.stdout and "demo-patient" in plain.stdout
    refused = runner.invoke(app, ["demo", "--patients", "6", "--seed", "3"])
    assert refused.exit_code == 2 and "--reset" in refused.stderr
    reset = runner.invoke(app, ["demo", "--patients", "6", "--seed", "3", "--reset", "--json"])
    assert reset.exit_code == 0 and json.loads(reset.stdout)["counts"]["patients"] == 6


@pytest.mark.parametrize("args", [["--patients", "0"], ["--seed", "-1"], ["--as-of", "2026-13-01"]])
def test_demo_command_rejects_bad_input_without_writing(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["demo", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --")
    assert Patient.objects.count() == 0


def test_reset_also_removes_records_other_apps_made_for_demo_patients_but_keeps_the_audit_log() -> None:
    from django.apps import apps

    from lupuscare.web.records.models import AuditEvent

    load(N, SEED)
    patient = Patient.objects.get(identifier="DEMO-00001")
    try:
        eye_exam = apps.get_model("clinic", "EyeExam")
    except LookupError:
        pytest.skip("clinic.EyeExam not available")
    eye_exam.objects.create(patient=patient, date=date(2025, 6, 1))
    AuditEvent.objects.create(patient=patient, username="demo-clinician", action="read")
    # the loader's own audit row (the patient created) plus the read above
    before = list(AuditEvent.objects.filter(patient_id=patient.id).values_list("id", flat=True))
    assert len(before) == 2
    load(N, SEED + 1, reset=True)
    assert not eye_exam.objects.exists()
    assert list(AuditEvent.objects.filter(patient_id=patient.id).values_list("id", flat=True)) == before


def test_fast_inserted_rows_have_matching_history_and_ids_keep_counting() -> None:
    load(N, SEED)
    lab = LabResult.objects.order_by("id").last()
    record = LabResult.history.get(id=lab.id)
    assert record.history_type == "+" and record.history_change_reason == "demo cohort"
    assert (record.test, record.value, record.unit, record.collected_at, record.patient_id) == (
        lab.test, lab.value, lab.unit, lab.collected_at, lab.patient_id)
    entry = DiaryEntry.objects.order_by("id").first()
    entry_record = DiaryEntry.history.get(id=entry.id)
    assert entry_record.symptoms == entry.symptoms and entry_record.triggers == entry.triggers
    assert isinstance(entry.symptoms["fatigue"], int) and entry.local_date.year >= 2024
    # the id sequences were moved past the explicit ids: ordinary saves still work
    new = LabResult.objects.create(patient=lab.patient, test="c3", value=1.0, unit="g/L",
                                   collected_at=lab.collected_at)
    assert new.id > lab.id
    assert LabResult.history.filter(id=new.id).count() == 1
    assert LabResult.history.order_by("history_id").last().id == new.id


def test_without_a_date_follow_up_ends_today_and_reloading_later_is_a_no_op() -> None:
    from django.utils import timezone

    summary = load_demo(N, SEED)
    assert summary.as_of == timezone.localdate() == DemoCohort.objects.get().as_of
    last_visit = Assessment.objects.order_by("-date").first().date
    assert last_visit <= summary.as_of
    again = load_demo(N, SEED)  # e.g. `make run` the next day: same cohort, nothing written
    assert again.already_loaded and again.as_of == summary.as_of
    with pytest.raises(DemoRefused):
        load_demo(N, SEED, as_of=AS_OF)  # an explicit different date is a different cohort

