"""Access rules for the account pages (read by ``tests/web/access.py``).

Password reset and invitation links are open to everyone (they carry their own proof); the
second-factor pages to anyone signed in; staff invitations and care teams to administrators; a
patient invitation to the clinicians of that patient's care team.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lupuscare.web.accounts.models import Invitation, Role
from lupuscare.web.accounts.services import token_hash
from web.access import ADMIN, AUTHENTICATED, CLIN_IN, EVERYONE, Rule
from web.factories import World, make_clinician

WALK_TOKEN = "walk-invitation-token"


def extend_world(world: World) -> None:
    world.records["invitation"] = Invitation.objects.create(
        email="walk-coordinator@example.org", role=Role.COORDINATOR,
        token_hash=token_hash(WALK_TOKEN), invited_by=world.admin,
        expires_at=timezone.now() + dt.timedelta(days=1))
    # on a user the walk does not sign in as: a walked user with one would be asked for a code
    world.records["totp"] = TOTPDevice.objects.create(
        user=make_clinician(username="dr_with_totp"), name="walk", confirmed=True)


def _staff_invite(world: World) -> dict[str, Any]:
    return {"email": "new-coordinator@example.org", "role": "coordinator", "care_team": ""}


def _membership(world: World) -> dict[str, Any]:
    # clinician B is already on team B: the walk must not change who sees whom
    return {"team": world.team_b.pk, "clinician": world.clinician_b.pk, "action": "add"}


def _device(world: World) -> dict[str, str]:
    return {"pk": str(world.records["totp"].pk)}


ADMIN_PAGE = frozenset({200, 302, 403, 404})
RULES: dict[str, Rule] = {
    "password_reset": Rule(EVERYONE),
    "password_reset POST": Rule(EVERYONE, ok=frozenset({302}), method="post",
                                payload=lambda w: {"email": "nobody@example.org"}),
    "password_reset_done": Rule(EVERYONE),
    "password_reset_confirm": Rule(EVERYONE, params=lambda w: {"uidb64": "MQ", "token": "bad"}),
    "password_reset_complete": Rule(EVERYONE),
    "invitation-accept": Rule(EVERYONE, params=lambda w: {"token": WALK_TOKEN}),
    "staff-invite": Rule(frozenset({ADMIN})),
    "staff-invite POST": Rule(frozenset({ADMIN}), ok=frozenset({302}), method="post",
                              payload=_staff_invite, creates=Invitation),
    "care-teams": Rule(frozenset({ADMIN})),
    "care-teams POST": Rule(frozenset({ADMIN}), ok=frozenset({302}), method="post",
                            payload=_membership),
    "mfa-manage": Rule(AUTHENTICATED),
    "mfa-setup": Rule(AUTHENTICATED),
    # no walked user has an authenticator: nothing to verify, sent on
    "mfa-verify": Rule(AUTHENTICATED, ok=frozenset({302})),
    "patient-invite": Rule(frozenset({CLIN_IN}), shows_patient_a=True),
    # patient A already has an account: the invitation is refused with a message (400)
    "patient-invite POST": Rule(frozenset({CLIN_IN}), ok=frozenset({400}), method="post",
                                payload=lambda w: {"email": "someone@example.org"},
                                creates=Invitation),
    "admin:otp_totp_totpdevice_config": Rule(frozenset({ADMIN}), ok=ADMIN_PAGE, params=_device),
    "admin:otp_totp_totpdevice_qrcode": Rule(frozenset({ADMIN}), ok=ADMIN_PAGE, params=_device),
}
