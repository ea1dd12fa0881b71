"""The permission layer itself: ``patients_visible_to`` for every role and edge."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import Client

from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import (
    can_record_for,
    get_visible_patient,
    patients_visible_to,
)

from .factories import World, make_care_team, make_clinician, make_patient, make_user

pytestmark = pytest.mark.django_db


def ids(qs) -> set[int]:
    return set(qs.values_list("id", flat=True))


def test_each_role_sees_what_the_rules_say(world: World):
    a, b = world.patient_a.pk, world.patient_b.pk
    assert ids(patients_visible_to(world.patient_a.user)) == {a}
    assert ids(patients_visible_to(world.patient_b.user)) == {b}
    assert ids(patients_visible_to(world.clinician_a)) == {a}
    assert ids(patients_visible_to(world.clinician_b)) == {b}
    assert ids(patients_visible_to(world.coordinator)) == set()
    assert ids(patients_visible_to(world.admin)) == set()  # admins work in the Django admin
    assert ids(patients_visible_to(AnonymousUser())) == set()
    assert ids(patients_visible_to(None)) == set()


def test_a_clinician_in_two_teams_sees_both_once(world: World):
    world.team_b.members.add(world.clinician_a)
    visible = list(patients_visible_to(world.clinician_a).values_list("id", flat=True))
    assert sorted(visible) == sorted([world.patient_a.pk, world.patient_b.pk])


def test_leaving_a_team_removes_access_at_once(world: World):
    world.team_a.members.remove(world.clinician_a)
    with pytest.raises(Http404):
        get_visible_patient(world.clinician_a, world.patient_a.pk)


def test_a_deactivated_account_sees_nothing(world: World):
    world.clinician_a.is_active = False
    world.clinician_a.save()
    assert ids(patients_visible_to(world.clinician_a)) == set()
    assert not can_record_for(world.clinician_a, world.patient_a)


def test_a_patient_without_a_team_is_seen_by_no_clinician(world: World):
    orphan = make_patient(None)
    assert orphan.pk not in ids(patients_visible_to(world.clinician_a))


def test_only_clinicians_record(world: World):
    assert can_record_for(world.clinician_a, world.patient_a)
    assert not can_record_for(world.clinician_b, world.patient_a)
    assert not can_record_for(world.patient_a.user, world.patient_a)


def test_a_patient_account_without_a_record_is_refused_its_home(db):
    user = make_user(Role.PATIENT)
    client = Client()
    client.force_login(user)
    assert client.get("/me/").status_code == 403


def test_a_clinician_with_the_patient_role_flag_only_sees_via_teams(db):
    """Role, not team membership of a patient user, decides: a patient added to a team by
    mistake sees no other patients."""
    patient = make_patient(with_login=True)
    team = make_care_team(members=[make_clinician()])
    team.members.add(patient.user)
    other = make_patient(team)
    assert ids(patients_visible_to(patient.user)) == {patient.pk}
    assert other.pk not in ids(patients_visible_to(patient.user))


def test_staff_status_follows_the_role(db):
    assert make_user(Role.ADMIN).is_staff
    clinician = make_user(Role.CLINICIAN, is_staff=True)
    assert not clinician.is_staff
    superuser = make_user(Role.PATIENT, is_superuser=True)
    assert superuser.role == Role.ADMIN and superuser.is_staff
