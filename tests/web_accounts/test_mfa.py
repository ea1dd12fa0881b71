"""The second factor: required of staff in production mode, optional for patients; TOTP codes
computed here from the secret as an authenticator app does; recovery codes used once; wrong codes
throttled; staff sessions end after inactivity; every step audited."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lupuscare.web.accounts.middleware import LAST_SEEN
from lupuscare.web.records.models import AuditEvent
from web.factories import PASSWORD, World

from .helpers import audit_kinds, totp_code


def _password_login(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def _set_up_totp(client: Client) -> tuple[str, list[str]]:
    """Through the setup page: read the key it offers, answer with the code; returns the key
    (hex, as django-otp stores it) and the recovery codes shown once."""
    page = client.get("/accounts/mfa/setup/")
    assert page.status_code == 200
    signed = page.context["signed_key"]
    from django.core import signing

    key = signing.loads(signed, salt="lupuscare.mfa-setup")
    done = client.post("/accounts/mfa/setup/", {"key": signed, "code": totp_code(key)})
    assert done.status_code == 200, done.content[:500]
    return key, list(done.context["codes"])


def test_production_mode_requires_mfa_by_default():
    """The settings module itself: LUPUSCARE_PRODUCTION=1 turns the requirement on."""
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.LUPUSCARE_MFA_REQUIRED)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lupuscare.web.settings",
           "LUPUSCARE_SECRET_KEY": "x" * 50}
    env.pop("LUPUSCARE_MFA_REQUIRED", None)
    run = lambda **e: subprocess.run([sys.executable, "-c", code], env={**env, **e},  # noqa: E731
                                     capture_output=True, text=True, check=True).stdout.strip()
    assert run(LUPUSCARE_PRODUCTION="1") == "True"
    assert run(LUPUSCARE_PRODUCTION="0") == "False"


@pytest.mark.django_db
class TestRequiredForStaff:
    @pytest.fixture(autouse=True)
    def production(self, settings):
        settings.LUPUSCARE_MFA_REQUIRED = True

    @pytest.mark.parametrize("who", ["clinician_a", "coordinator", "admin"])
    def test_staff_without_a_device_must_set_one_up(self, world: World, who):
        client = _password_login(getattr(world, who).username)
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"] == "/accounts/mfa/setup/"
        assert client.get("/admin/").status_code == 302

    def test_patient_is_not_asked(self, world: World):
        client = _password_login(world.patient_a.user.username)
        assert client.get("/me/").status_code == 200

    def test_setup_then_sign_in_with_a_code(self, world: World):
        client = _password_login("dr_in_team")
        key, codes = _set_up_totp(client)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert TOTPDevice.objects.get(user=world.clinician_a).confirmed
        assert client.get("/patients/").status_code == 200  # this session is verified
        assert ("create", "auth.mfa") in audit_kinds(user=world.clinician_a)

        fresh = _password_login("dr_in_team")
        asked = fresh.get("/patients/")
        assert asked.status_code == 302 and asked["Location"].startswith("/accounts/mfa/verify/")
        # the next 30-second window's code: the current one was just used at setup
        done = fresh.post("/accounts/mfa/verify/?next=/patients/",
                          {"code": totp_code(key, at=time.time() + 30), "next": "/patients/"})
        assert done.status_code == 302 and done["Location"] == "/patients/"
        assert fresh.get("/patients/").status_code == 200
        assert ("signin", "auth.mfa_verify") in audit_kinds(user=world.clinician_a)

    def test_a_required_factor_cannot_be_removed(self, world: World):
        client = _password_login("dr_in_team")
        _set_up_totp(client)
        response = client.post("/accounts/mfa/", {"action": "remove"})
        assert response.status_code == 400 and b"must keep a second factor" in response.content
        assert TOTPDevice.objects.filter(user=world.clinician_a).exists()


@pytest.mark.django_db
class TestCodes:
    def test_wrong_code_is_refused_then_throttled(self, world: World):
        client = _password_login("dr_in_team")
        key, _ = _set_up_totp(client)
        fresh = _password_login("dr_in_team")
        wrong = f"{(int(totp_code(key)) + 1) % 1_000_000:06d}"
        first = fresh.post("/accounts/mfa/verify/", {"code": wrong})
        assert first.status_code == 400 and b"not right" in first.content
        # straight after a failure even the right code waits (django-otp: 1 s, doubling)
        right = totp_code(key, at=time.time() + 30)
        second = fresh.post("/accounts/mfa/verify/", {"code": right})
        assert second.status_code == 400 and b"too many wrong codes" in second.content
        assert fresh.get("/patients/").status_code == 302  # still not in
        denied = AuditEvent.objects.filter(user=world.clinician_a, action="denied",
                                           object_type="auth.mfa_verify")
        assert denied.count() == 2 and denied.filter(status=429).count() == 1
        # once the wait is over, the right code is accepted
        device = TOTPDevice.objects.get(user=world.clinician_a)
        device.throttling_failure_timestamp = timezone.now() - timezone.timedelta(seconds=5)
        device.save()
        assert fresh.post("/accounts/mfa/verify/", {"code": right}).status_code == 302
        assert fresh.get("/patients/").status_code == 200

    def test_recovery_code_works_once(self, world: World):
        client = _password_login("dr_in_team")
        _key, codes = _set_up_totp(client)
        first = _password_login("dr_in_team")
        assert first.post("/accounts/mfa/verify/", {"code": codes[0].upper()}).status_code == 302
        assert first.get("/patients/").status_code == 200
        assert StaticToken.objects.filter(device__user=world.clinician_a).count() == 9
        again = _password_login("dr_in_team")
        reused = again.post("/accounts/mfa/verify/", {"code": codes[0]})
        assert reused.status_code == 400 and b"works only once" in reused.content
        assert ("signin", "auth.mfa_recovery") in audit_kinds(user=world.clinician_a)

    def test_patient_may_opt_in_and_out(self, world: World):
        client = _password_login(world.patient_a.user.username)
        _set_up_totp(client)
        assert _password_login(world.patient_a.user.username).get("/me/").status_code == 302
        assert client.post("/accounts/mfa/", {"action": "remove"}).status_code == 302
        assert not TOTPDevice.objects.filter(user=world.patient_a.user).exists()
        assert _password_login(world.patient_a.user.username).get("/me/").status_code == 200
        assert ("delete", "auth.mfa") in audit_kinds(user=world.patient_a.user)

    def test_a_wrong_setup_code_saves_nothing(self, world: World):
        client = _password_login("dr_in_team")
        page = client.get("/accounts/mfa/setup/")
        response = client.post("/accounts/mfa/setup/",
                               {"key": page.context["signed_key"], "code": "000000"})
        assert response.status_code == 400 and b"does not match" in response.content
        assert response.context["signed_key"]  # the same key is offered again
        assert not TOTPDevice.objects.filter(user=world.clinician_a).exists()

    def test_a_forged_key_is_refused(self, world: World):
        client = _password_login("dr_in_team")
        response = client.post("/accounts/mfa/setup/", {"key": "00" * 20, "code": "123456"})
        assert response.status_code == 400 and b"expired" in response.content
        assert not TOTPDevice.objects.exists()

    def test_setup_page_writes_nothing(self, world: World):
        client = _password_login("dr_in_team")
        assert client.get("/accounts/mfa/setup/").status_code == 200
        assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
class TestIdleExpiry:
    def _age(self, client: Client, minutes: float) -> None:
        session = client.session
        session[LAST_SEEN] = time.time() - minutes * 60
        session.save()

    def test_staff_signed_out_after_the_idle_limit(self, world: World, settings):
        settings.LUPUSCARE_STAFF_IDLE_MINUTES = 30
        client = _password_login("dr_in_team")
        assert client.get("/patients/").status_code == 200
        self._age(client, 29)
        assert client.get("/patients/").status_code == 200
        self._age(client, 31)
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert client.get("/patients/").status_code == 302  # the session is gone
        assert ("signout", "auth.session_expired") in audit_kinds(user=world.clinician_a)

    def test_patients_keep_their_session(self, world: World):
        client = _password_login(world.patient_a.user.username)
        self._age(client, 120)
        assert client.get("/me/").status_code == 200


@pytest.mark.django_db
def test_sign_in_and_failure_are_audited(world: World):
    Client().post("/accounts/login/", {"username": "dr_in_team", "password": "wrong"})
    failed = AuditEvent.objects.get(action="denied", object_type="auth.signin")
    assert failed.object_id == "dr_in_team" and failed.status == 401 and failed.user_id is None
    client = _password_login("dr_in_team")
    assert ("signin", "auth.signin") in audit_kinds(user=world.clinician_a)
    client.post("/accounts/logout/")
    assert ("signout", "auth.signin") in audit_kinds(user=world.clinician_a)
