"""Onboarding end to end, with the second factor required (production's rule): the administrator
signs in with a code and invites a clinician, who sets up TOTP and signs in with a code; the
clinician invites a patient of their care team, who accepts and reaches the diary check-in.
Codes are computed from the key the page shows, as an authenticator app does."""

from __future__ import annotations

import base64
import re

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lupuscare.web.accounts.models import Role, User
from web.factories import PASSWORD, make_patient, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADMIN_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, in hex
NEW_PASSWORD = "clinic-passphrase-2026"


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.LUPUSCARE_MFA_REQUIRED = True
    return make_world()


def _code(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


def _link() -> str:
    return re.search(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/)", mail.outbox[-1].body).group(1)


def _sign_in(page, username: str, password: str, key: bytes) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_label("Code").fill(_code(key))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def test_admin_invites_clinician_who_invites_patient(page, browser, live_server, world):
    TOTPDevice.objects.create(user=world.admin, name="admin app", key=ADMIN_KEY, confirmed=True)
    newcomer = make_patient(world.team_a, identifier="MRN-NEW-0009", family_name="Newcomer")

    _sign_in(page, "admin", PASSWORD, bytes.fromhex(ADMIN_KEY))
    assert "/admin/" in page.url
    page.goto("/accounts/staff/invite/")
    page.get_by_label("Email address").fill("dr.new@example.org")
    page.get_by_label("Role").select_option("clinician")
    page.get_by_label("Care team").select_option(label="Rheumatology A")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    assert page.get_by_text("Invitation sent to dr.new@example.org").is_visible()

    clinician = browser.new_context(base_url=live_server.url).new_page()
    clinician.goto(_link())
    clinician.get_by_label("Username").fill("dr_new")
    clinician.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    clinician.get_by_label("Password again").fill(NEW_PASSWORD)
    clinician.get_by_label("I agree").check()
    clinician.get_by_role("button", name="Create account").click()
    clinician.wait_for_url("**/accounts/mfa/setup/")  # required: no page before the second factor
    assert clinician.locator("img[alt^='QR code']").is_visible()
    key = base64.b32decode(clinician.locator("#totp-secret").inner_text())
    clinician.get_by_label("Code from the app").fill(_code(key))
    clinician.get_by_role("button", name="Turn on").click()
    clinician.wait_for_load_state()
    assert clinician.locator("#recovery-codes li").count() == 10
    clinician.get_by_role("button", name="Log out").click()
    clinician.wait_for_url("**/accounts/login/")

    _sign_in(clinician, "dr_new", NEW_PASSWORD, key)
    clinician.wait_for_url("**/patients/")
    clinician.goto(f"/patients/{newcomer.pk}/")
    clinician.get_by_role("link", name="Invite Ada to their own account").click()
    clinician.get_by_label("Patient's email address").fill("newcomer@example.org")
    clinician.get_by_role("button", name="Send invitation").click()
    clinician.wait_for_url(f"**/patients/{newcomer.pk}/")

    patient = browser.new_context(base_url=live_server.url).new_page()
    patient.goto(_link())
    patient.get_by_label("Username").fill("newcomer")
    patient.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    patient.get_by_label("Password again").fill(NEW_PASSWORD)
    patient.get_by_label("I agree").check()
    patient.get_by_role("button", name="Create account").click()
    patient.wait_for_url("**/me/")  # a patient is not asked for a second factor
    patient.goto("/diary/check-in/")
    assert patient.get_by_role("button", name="Save check-in").is_visible()

    newcomer.refresh_from_db()
    assert newcomer.user == User.objects.get(username="newcomer", role=Role.PATIENT)
    assert User.objects.get(username="dr_new").care_teams.get() == world.team_a
    for p in (page, clinician, patient):
        assert getattr(p, "console_errors", []) == []
