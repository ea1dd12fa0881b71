"""Plain factory functions for web tests (no extra dependency). Later apps reuse them:

    from web.factories import make_clinician, make_patient, make_world

Every user gets the password ``PASSWORD``. Its argon2 hash is computed once per process and reused,
so tests stay fast while the stored hash is a real one from the configured first hasher.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from lupuscare.web.accounts.models import Role, User
from lupuscare.web.records.models import (
    Assessment,
    CareTeam,
    DamageItem,
    DiaryEntry,
    LabResult,
    MedicationCourse,
    Patient,
)

PASSWORD = "lupus-test-password-7"
_seq = itertools.count(1)


@cache
def _password_hash() -> str:
    return make_password(PASSWORD)


def make_user(role: str = Role.PATIENT, username: str | None = None, **fields: Any) -> User:
    n = next(_seq)
    user = User(username=username or f"{role}{n}", role=role, **fields)
    user.password = _password_hash()
    user.save()
    return user


def make_clinician(**fields: Any) -> User:
    fields.setdefault("first_name", "Clara")
    fields.setdefault("last_name", "Clinician")
    return make_user(Role.CLINICIAN, **fields)


def make_coordinator(**fields: Any) -> User:
    return make_user(Role.COORDINATOR, **fields)


def make_admin(**fields: Any) -> User:
    return make_user(Role.ADMIN, is_superuser=True, **fields)


def make_care_team(name: str | None = None, members: tuple[User, ...] | list[User] = ()) -> CareTeam:
    team = CareTeam.objects.create(name=name or f"Team {next(_seq)}")
    if members:
        team.members.add(*members)
    return team


def make_patient(
    care_team: CareTeam | None = None, *, with_login: bool = False, **fields: Any
) -> Patient:
    """A patient; ``with_login=True`` also creates their patient user (``patient.user``)."""
    n = next(_seq)
    fields.setdefault("identifier", f"P{n:06d}")
    fields.setdefault("given_name", "Ada")
    fields.setdefault("family_name", f"Testperson{n}")
    fields.setdefault("birth_date", dt.date(1990, 5, 1))
    fields.setdefault("sex", "female")
    fields.setdefault("weight_kg", 62.0)
    if with_login and "user" not in fields:
        fields["user"] = make_user(Role.PATIENT, username=f"patient{n}")
    patient = Patient(care_team=care_team, **fields)
    patient.full_clean()
    patient.save()
    return patient


def _saved(obj: Any) -> Any:
    obj.full_clean()
    obj.save()
    return obj


def make_assessment(patient: Patient, **fields: Any) -> Assessment:
    fields.setdefault("date", dt.date(2026, 3, 1))
    return _saved(Assessment(patient=patient, **fields))


def make_lab(patient: Patient, **fields: Any) -> LabResult:
    fields.setdefault("test", "c3")
    fields.setdefault("value", 0.72)
    fields.setdefault("unit", "g/L")
    fields.setdefault("collected_at", timezone.make_aware(dt.datetime(2026, 2, 27, 9, 0)))
    return _saved(LabResult(patient=patient, **fields))


def make_medication(patient: Patient, **fields: Any) -> MedicationCourse:
    fields.setdefault("drug", "hydroxychloroquine")
    fields.setdefault("daily_dose_mg", 300.0)
    fields.setdefault("start", dt.date(2025, 1, 1))
    return _saved(MedicationCourse(patient=patient, **fields))


def make_diary_entry(patient: Patient, **fields: Any) -> DiaryEntry:
    fields.setdefault("local_date", dt.date(2026, 3, 1))
    fields.setdefault("time_zone", "Europe/Berlin")
    fields.setdefault("symptoms", {"fatigue": 4})
    return _saved(DiaryEntry(patient=patient, **fields))


def make_damage_item(patient: Patient, **fields: Any) -> DamageItem:
    fields.setdefault("item", "cataract")
    fields.setdefault("onset", dt.date(2020, 4, 1))
    return _saved(DamageItem(patient=patient, **fields))


@dataclass
class World:
    """Two care teams, each with one clinician and one patient (with a login and some records),
    plus a coordinator and an administrator: every role the access rules know."""

    team_a: CareTeam
    team_b: CareTeam
    clinician_a: User
    clinician_b: User
    patient_a: Patient
    patient_b: Patient
    coordinator: User
    admin: User
    records: dict[str, Any] = field(default_factory=dict)

    def users(self) -> dict[str, User | None]:
        """Role name -> user (None = anonymous), in the order the access tests walk them."""
        return {
            "anonymous": None,
            "patient_a": self.patient_a.user,
            "patient_b": self.patient_b.user,
            "clinician_in_team": self.clinician_a,
            "clinician_outside_team": self.clinician_b,
            "coordinator": self.coordinator,
            "admin": self.admin,
        }


def make_world() -> World:
    clinician_a = make_clinician(username="dr_in_team", first_name="Ines", last_name="Inteam")
    clinician_b = make_clinician(username="dr_outside", first_name="Otto", last_name="Outside")
    team_a = make_care_team("Rheumatology A", [clinician_a])
    team_b = make_care_team("Rheumatology B", [clinician_b])
    patient_a = make_patient(
        team_a, with_login=True, identifier="MRN-ALPHA-0001",
        given_name="Aurelia", family_name="Quixwellington",
    )
    patient_b = make_patient(
        team_b, with_login=True, identifier="MRN-BRAVO-0002",
        given_name="Bettina", family_name="Zorrowhistle",
    )
    world = World(
        team_a=team_a, team_b=team_b, clinician_a=clinician_a, clinician_b=clinician_b,
        patient_a=patient_a, patient_b=patient_b,
        coordinator=make_coordinator(username="coordinator"), admin=make_admin(username="admin"),
    )
    for key, patient in (("a", patient_a), ("b", patient_b)):
        world.records[f"assessment_{key}"] = make_assessment(
            patient, findings=["arthritis"], swollen_28=3, tender_28=4, pga=1.0,
            clinician=clinician_a if key == "a" else clinician_b,
        )
        world.records[f"lab_{key}"] = make_lab(patient)
        world.records[f"medication_{key}"] = make_medication(patient)
        world.records[f"diary_{key}"] = make_diary_entry(patient)
        world.records[f"damage_{key}"] = make_damage_item(patient)
    return world
