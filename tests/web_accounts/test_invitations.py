"""Invitations: a clinician brings in a patient of their care team, an administrator brings in
staff. One-time, expiring, hashed links; an address or a patient record is never used twice; a
refusal names the field and creates nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from lupuscare.web.accounts.models import Invitation, Role, User
from lupuscare.web.accounts.services import token_hash
from lupuscare.web.records.models import Patient
from web.factories import World, make_admin, make_patient

from .helpers import audit_kinds, link_in_last_email

NEW_PASSWORD = "a-long-enough-passphrase-42"


def _accept(link: str, username: str = "newperson", **extra) -> Client:
    client = Client()
    data = {"username": username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
            "agree": "on", **extra}
    client.response = client.post(link, data)
    return client


@pytest.fixture
def unlinked(world: World) -> Patient:
    return make_patient(world.team_a, identifier="MRN-NEW-0003", family_name="Newcomer")


def _invite(client: Client, patient: Patient, email: str = "new.patient@example.org"):
    return client.post(f"/patients/{patient.pk}/invite/", {"email": email})


@pytest.mark.django_db
class TestPatientInvitation:
    def test_invite_and_accept_links_the_record(self, clinician, unlinked):
        response = _invite(clinician, unlinked)
        assert response.status_code == 302
        invitation = Invitation.objects.get()
        assert invitation.role == Role.PATIENT and invitation.patient == unlinked
        link = link_in_last_email()
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
        assert mail.outbox[-1].to == ["new.patient@example.org"]
        assert unlinked.identifier not in mail.outbox[-1].body  # no patient data in the email

        page = Client().get(link)
        assert page.status_code == 200 and b"new.patient@example.org" in page.content
        client = _accept(link)
        assert client.response.status_code == 302
        user = User.objects.get(username="newperson")
        unlinked.refresh_from_db()
        assert unlinked.user == user and user.role == Role.PATIENT
        assert user.email == "new.patient@example.org" and user.check_password(NEW_PASSWORD)
        assert client.get("/me/").status_code == 200  # signed in, on their own record
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None and invitation.user == user
        assert ("create", "accounts.invitation") in audit_kinds()
        assert ("update", "accounts.invitation") in audit_kinds(patient=unlinked)

    def test_reused_link_is_refused(self, clinician, unlinked):
        _invite(clinician, unlinked)
        link = link_in_last_email()
        assert _accept(link).response.status_code == 302
        again = _accept(link, username="someoneelse")
        assert again.response.status_code == 410
        assert b"already been used" in again.response.content
        assert not User.objects.filter(username="someoneelse").exists()

    @pytest.mark.parametrize(("expires_in", "accepted"), [
        (dt.timedelta(minutes=1), True),   # the last valid minute
        (dt.timedelta(0), False),          # the minute after: the link's time is up
        (dt.timedelta(minutes=-1), False),
    ])
    def test_expiry_boundary(self, clinician, unlinked, expires_in, accepted):
        _invite(clinician, unlinked)
        link = link_in_last_email()
        invitation = Invitation.objects.get()
        invitation.expires_at = timezone.now() + expires_in
        invitation.save()
        client = _accept(link)
        assert (client.response.status_code == 302) is accepted
        unlinked.refresh_from_db()
        assert (unlinked.user_id is not None) is accepted
        if not accepted:
            assert client.response.status_code == 410
            assert b"expired" in client.response.content
            assert not User.objects.filter(username="newperson").exists()

    def test_link_lasts_the_configured_hours(self, clinician, unlinked, settings):
        settings.LUPUSCARE_INVITATION_HOURS = 72
        before = timezone.now()
        _invite(clinician, unlinked)
        expires = Invitation.objects.get().expires_at
        assert before + dt.timedelta(hours=72) <= expires <= timezone.now() + dt.timedelta(hours=72)

    def test_address_in_use_is_refused(self, clinician, unlinked, world):
        world.patient_b.user.email = "Taken@Example.org"
        world.patient_b.user.save()
        response = _invite(clinician, unlinked, email="taken@example.org")
        assert response.status_code == 400
        assert "already used by an account" in response.content.decode()
        assert Invitation.objects.count() == 0 and len(mail.outbox) == 0

    def test_a_pending_invitation_blocks_a_second(self, clinician, unlinked):
        _invite(clinician, unlinked)
        response = _invite(clinician, unlinked, email="other@example.org")
        assert response.status_code == 400 and b"still pending" in response.content
        assert Invitation.objects.count() == 1

    def test_a_patient_with_an_account_cannot_be_invited(self, clinician, world):
        response = _invite(clinician, world.patient_a)
        assert response.status_code == 400 and b"already has an account" in response.content
        assert Invitation.objects.count() == 0

    def test_never_linked_twice(self, clinician, unlinked, world):
        """Two links for one record (the second made before the first was used): the first
        links the record, the second is refused and creates no account."""
        _invite(clinician, unlinked)
        first = link_in_last_email()
        Invitation.objects.create(
            email="second@example.org", role=Role.PATIENT, patient=unlinked,
            care_team=world.team_a, token_hash=token_hash("second-token"),
            invited_by=world.clinician_a, expires_at=timezone.now() + dt.timedelta(hours=1))
        assert _accept(first).response.status_code == 302
        users = User.objects.count()
        second = _accept("/accounts/invitation/second-token/", username="second")
        assert second.response.status_code == 400
        assert b"already has an account" in second.response.content
        assert User.objects.count() == users
        assert Invitation.objects.get(email="second@example.org").accepted_at is None
        unlinked.refresh_from_db()
        assert unlinked.user.username == "newperson"

    def test_clinician_outside_the_team_cannot_invite(self, world, unlinked):
        client = Client()
        client.force_login(world.clinician_b)
        assert _invite(client, unlinked).status_code == 404
        assert Invitation.objects.count() == 0

    @pytest.mark.parametrize(("extra", "field", "message"), [
        ({"agree": ""}, "agree", "agree to the terms"),
        ({"password1": "short", "password2": "short"}, "password", "too short"),
        ({"password2": "different-passphrase-99"}, "password2", "differ"),
        ({"username": "dr_in_team"}, "username", "taken"),
    ])
    def test_bad_acceptance_creates_nothing(self, clinician, unlinked, extra, field, message):
        _invite(clinician, unlinked)
        users = User.objects.count()
        client = _accept(link_in_last_email(), **extra)
        assert client.response.status_code == 400
        assert message in client.response.content.decode()
        assert User.objects.count() == users
        unlinked.refresh_from_db()
        assert unlinked.user_id is None and Invitation.objects.get().accepted_at is None


@pytest.mark.django_db
class TestStaffInvitation:
    def _admin(self, world: World) -> Client:
        client = Client()
        client.force_login(world.admin)
        return client

    def test_clinician_joins_the_team(self, world):
        response = self._admin(world).post("/accounts/staff/invite/", {
            "email": "dr.new@example.org", "role": "clinician", "care_team": world.team_a.pk})
        assert response.status_code == 302
        client = _accept(link_in_last_email(), username="dr_new")
        assert client.response.status_code == 302
        user = User.objects.get(username="dr_new")
        assert user.role == Role.CLINICIAN
        assert list(user.care_teams.all()) == [world.team_a]
        assert client.get("/patients/").status_code == 200

    def test_clinician_needs_a_team(self, world):
        response = self._admin(world).post("/accounts/staff/invite/", {
            "email": "dr.new@example.org", "role": "clinician", "care_team": ""})
        assert response.status_code == 400 and b"Care team: a clinician joins" in response.content
        assert Invitation.objects.count() == 0

    def test_patient_role_is_not_a_staff_choice(self, world):
        response = self._admin(world).post("/accounts/staff/invite/", {
            "email": "x@example.org", "role": "patient", "care_team": ""})
        assert response.status_code == 400 and Invitation.objects.count() == 0

    def test_only_admins_invite_staff(self, world, clinician):
        response = clinician.post("/accounts/staff/invite/", {
            "email": "x@example.org", "role": "admin", "care_team": ""})
        assert response.status_code == 403 and Invitation.objects.count() == 0


@pytest.mark.django_db
class TestCareTeams:
    def test_admin_adds_and_removes_a_clinician(self, world):
        admin = Client()
        admin.force_login(make_admin(username="admin2"))
        page = admin.get("/accounts/care-teams/")
        assert page.status_code == 200 and b"Rheumatology A" in page.content
        data = {"team": world.team_a.pk, "clinician": world.clinician_b.pk, "action": "add"}
        assert admin.post("/accounts/care-teams/", data).status_code == 302
        assert world.team_a.members.filter(pk=world.clinician_b.pk).exists()
        assert admin.post("/accounts/care-teams/", {**data, "action": "remove"}).status_code == 302
        assert not world.team_a.members.filter(pk=world.clinician_b.pk).exists()
        assert audit_kinds(object_type="records.careteam") == [("update", "records.careteam")] * 2

    def test_a_patient_cannot_join_a_team(self, world):
        admin = Client()
        admin.force_login(world.admin)
        response = admin.post("/accounts/care-teams/", {
            "team": world.team_a.pk, "clinician": world.patient_a.user.pk, "action": "add"})
        assert response.status_code == 400
        assert not world.team_a.members.filter(pk=world.patient_a.user.pk).exists()



class BrokenBackend:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


@pytest.mark.django_db
def test_unsendable_email_saves_nothing(clinician, unlinked, settings):
    settings.EMAIL_BACKEND = "web_accounts.test_invitations.BrokenBackend"
    response = _invite(clinician, unlinked)
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert Invitation.objects.count() == 0
