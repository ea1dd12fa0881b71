"""What the account pages decide: invitations, accepting them, care-team membership, second
factors, and the audit rows for each sign-in event. Views parse and render; these functions check,
write in one transaction and audit. A refusal raises ``AccountRefused`` naming the field.

Audit rows name the event in ``object_type`` (``auth.signin``, ``auth.mfa``,
``accounts.invitation``...): a sign-in step is ``signin``, its end ``signout``, a failure
``denied``, a new device or invitation ``create``, a removal ``delete``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, CareTeam, Patient
from lupuscare.web.records.services import Actor, update_patient

from .models import Invitation, Role, User

STAFF_ROLES = frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN})
LAST_SEEN = "lupuscare_last_seen"  # session: time of the last request (staff idle expiry)
HAS_MFA = "lupuscare_has_mfa"  # session: whether the user has an authenticator
NON_FIELD = "__all__"


class AccountRefused(Exception):
    """A refused account action; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))

    @classmethod
    def one(cls, field: str, message: str) -> AccountRefused:
        return cls({field: message})


def event(request: HttpRequest, action: str, kind: str, ident: object = "",
          patient: Patient | None = None, status: int | None = None) -> None:
    """One audit row for an account event (``kind``: what happened, ``ident``: to what)."""
    audit.record(request, patient, action, asked_for=(kind, str(ident)[:64]), status=status)


# --- invitations -------------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    link: str  # the one-time link (only ever in the email, never stored)


def _email_free(email: str) -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise AccountRefused.one("email", "this address is already used by an account")
    pending = Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, expires_at__gt=timezone.now())
    if pending.exists():
        raise AccountRefused.one("email", "an invitation to this address is still pending")


def _send(request: HttpRequest, invitation: Invitation, token: str) -> str:
    link = request.build_absolute_uri(reverse("invitation-accept", args=[token]))
    until = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M %Z")
    send_mail(
        "Your lupuscare invitation",
        f"You have been invited to lupuscare as {invitation.get_role_display().lower()}.\n\n"
        f"Choose your username and password here (the link works once, until {until}):\n"
        f"{link}\n\nIf you did not expect this, ignore this email.",
        None, [invitation.email])
    return link


def _create(request: HttpRequest, *, email: str, role: str, care_team: CareTeam | None,
            patient: Patient | None) -> Sent:
    token = secrets.token_urlsafe(32)
    hours = settings.LUPUSCARE_INVITATION_HOURS
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email, role=role, care_team=care_team, patient=patient,
            token_hash=token_hash(token), invited_by=request.user,
            expires_at=timezone.now() + dt.timedelta(hours=hours))
        event(request, AuditAction.CREATE, "accounts.invitation", invitation.pk, patient)
        # Inside the transaction: an email that cannot be sent leaves no invitation behind.
        try:
            link = _send(request, invitation, token)
        except (OSError, smtplib.SMTPException) as exc:
            transaction.set_rollback(True)
            raise AccountRefused.one(
                "email", f"the invitation email could not be sent ({exc.__class__.__name__}); "
                "nothing was saved: check the email settings and try again") from exc
    return Sent(invitation, link)


def invite_patient(request: HttpRequest, patient: Patient, email: str) -> Sent:
    """A clinician of the patient's care team invites them to their own record."""
    user = request.user
    if patient.care_team is None:
        raise AccountRefused.one(NON_FIELD, "this patient has no care team yet")
    if user.role != Role.CLINICIAN or not patient.care_team.members.filter(pk=user.pk).exists():
        raise AccountRefused.one(NON_FIELD, "only a clinician of this patient's care team may invite")
    if patient.user_id is not None:
        raise AccountRefused.one(NON_FIELD, "this patient already has an account")
    if patient.invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now()).exists():
        raise AccountRefused.one(NON_FIELD, "an invitation for this patient is still pending")
    _email_free(email)
    return _create(request, email=email, role=Role.PATIENT, care_team=patient.care_team,
                   patient=patient)


def invite_staff(request: HttpRequest, email: str, role: str, care_team: CareTeam | None) -> Sent:
    """An administrator invites a clinician (to a care team), a coordinator or an administrator."""
    if request.user.role != Role.ADMIN:
        raise AccountRefused.one(NON_FIELD, "only an administrator may invite staff")
    if role not in STAFF_ROLES:
        raise AccountRefused.one("role", "choose a staff role")
    if role == Role.CLINICIAN and care_team is None:
        raise AccountRefused.one("care_team", "a clinician joins a care team: choose one")
    if role != Role.CLINICIAN and care_team is not None:
        raise AccountRefused.one("care_team", "only clinicians belong to care teams")
    _email_free(email)
    return _create(request, email=email, role=role, care_team=care_team, patient=None)


def open_invitation(token: str, *, now: dt.datetime | None = None) -> Invitation:
    """The invitation a link names, if it can still be accepted."""
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise AccountRefused.one(NON_FIELD, "this invitation link is not valid")
    if invitation.accepted_at is not None:
        raise AccountRefused.one(NON_FIELD, "this invitation has already been used: sign in instead")
    if (now or timezone.now()) >= invitation.expires_at:
        raise AccountRefused.one(
            NON_FIELD, "this invitation has expired: ask for a new one")
    return invitation


def accept(request: HttpRequest, token: str, *, username: str, password: str,
           agreed_to_terms: bool) -> User:
    """Create the invited account, link a patient's record to it, and use up the link."""
    if not agreed_to_terms:
        raise AccountRefused.one("agree", "you must agree to the terms to create an account")
    with transaction.atomic():
        invitation = open_invitation(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:  # accepted by a concurrent request meanwhile
            raise AccountRefused.one(NON_FIELD, "this invitation has already been used")
        if User.objects.filter(username__iexact=username).exists():
            raise AccountRefused.one("username", "this username is taken: choose another")
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise AccountRefused.one(NON_FIELD, "this address is already used by an account")
        user = User(username=username, email=invitation.email, role=invitation.role)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountRefused.one("password1", " ".join(exc.messages)) from exc
        user.set_password(password)
        user.save()
        if invitation.role == Role.PATIENT:
            patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
            if patient.user_id is not None:
                raise AccountRefused.one(NON_FIELD, "this patient record already has an account")
            update_patient(Actor.from_request(request, "invitation"), patient, user=user,
                           reason="account created from an invitation")
        elif invitation.care_team is not None:
            invitation.care_team.members.add(user)
        invitation.accepted_at = timezone.now()
        invitation.user = user
        invitation.save(update_fields=["accepted_at", "user"])
        event(request, AuditAction.UPDATE, "accounts.invitation", invitation.pk,
              invitation.patient)
    return user


# --- care teams --------------------------------------------------------------------------------

def set_membership(request: HttpRequest, team: CareTeam, clinician: User, member: bool) -> None:
    """Add a clinician to a care team or take them off it (administrators only)."""
    if request.user.role != Role.ADMIN:
        raise AccountRefused.one(NON_FIELD, "only an administrator manages care teams")
    if clinician.role != Role.CLINICIAN:
        raise AccountRefused.one("clinician", "only clinicians belong to care teams")
    with transaction.atomic():
        if member:
            team.members.add(clinician)
        else:
            team.members.remove(clinician)
        event(request, AuditAction.UPDATE, "records.careteam", f"{team.pk}:{clinician.pk}")


# --- second factor -----------------------------------------------------------------------------

def mfa_required(user: User) -> bool:
    """Staff must use a second factor when ``LUPUSCARE_MFA_REQUIRED`` (production) is on."""
    return settings.LUPUSCARE_MFA_REQUIRED and user.role in STAFF_ROLES


def has_mfa(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def remember_mfa(request: HttpRequest, value: bool) -> None:
    """Keep in the session whether this user has an authenticator (read on every request)."""
    request.session[HAS_MFA] = value


def session_has_mfa(request: HttpRequest) -> bool:
    if HAS_MFA not in request.session:  # a session from before this was kept
        remember_mfa(request, has_mfa(request.user))
    return request.session[HAS_MFA]


def new_totp_key() -> str:
    """A fresh TOTP secret (hex, as django-otp stores it); saved only once a code proves it."""
    from django_otp.util import random_hex

    return random_hex(20)


def _recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.LUPUSCARE_RECOVERY_CODES)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


def unsaved_device(user: User, key: str) -> TOTPDevice:
    """The authenticator a setup page offers (its ``config_url`` feeds the app); not saved."""
    return TOTPDevice(user=user, name="authenticator app", key=key, confirmed=True)


def _code_matches(key: str, code: str) -> bool:
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6)
    totp.time = time.time()
    return code.isdigit() and totp.verify(int(code), tolerance=1)


def activate_totp(request: HttpRequest, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Save the authenticator once ``code`` matches ``key``; returns it and new recovery codes
    (shown once, kept only as single-use tokens). The session counts as verified from then on."""
    user = request.user
    code = code.strip().replace(" ", "")
    if not _code_matches(key, code):
        event(request, AuditAction.DENIED, "auth.mfa_setup", user.pk)
        raise AccountRefused.one(
            "code", "that code does not match: check the app's clock and enter the current code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = unsaved_device(user, key)
        device.save()
        codes = _recovery_codes(user)
        event(request, AuditAction.CREATE, "auth.mfa", user.pk)
    otp_login(request, device)
    remember_mfa(request, True)
    return device, codes


def verify_second_factor(request: HttpRequest, code: str) -> None:
    """Check an authenticator code (six digits) or a recovery code (used up on success) for the
    signed-in user and mark the session verified. django-otp throttles each device: after a wrong
    code the next try must wait (1 s, doubling)."""
    user = request.user
    code = code.strip().replace(" ", "").lower()
    if code.isdigit() and len(code) == 6:
        device, kind = TOTPDevice.objects.filter(user=user, confirmed=True).first(), "auth.mfa_verify"
    else:
        device, kind = StaticDevice.objects.filter(user=user).first(), "auth.mfa_recovery"
    if device is None:
        event(request, AuditAction.DENIED, kind, user.pk)
        raise AccountRefused.one("code", "enter the six-digit code from your app, or a recovery code")
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        event(request, AuditAction.DENIED, kind, user.pk, status=429)
        raise AccountRefused.one(
            "code", "too many wrong codes: wait a little, then enter the newest code")
    if otp_verify_token(user, device.persistent_id, code) is None:
        event(request, AuditAction.DENIED, kind, user.pk)
        raise AccountRefused.one("code", "that code is not right (a recovery code works only once)")
    otp_login(request, device)
    event(request, AuditAction.SIGN_IN, kind, user.pk)


def new_recovery_codes(request: HttpRequest) -> list[str]:
    if not has_mfa(request.user):
        raise AccountRefused.one(NON_FIELD, "set up an authenticator app first")
    with transaction.atomic():
        codes = _recovery_codes(request.user)
        event(request, AuditAction.UPDATE, "auth.mfa_recovery", request.user.pk)
    return codes


def remove_mfa(request: HttpRequest) -> None:
    user = request.user
    if mfa_required(user):
        raise AccountRefused.one(NON_FIELD, "your role must keep a second factor")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        event(request, AuditAction.DELETE, "auth.mfa", user.pk)
    remember_mfa(request, False)


def remaining_recovery_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()
