"""Two-person steps: the second person signs in at that moment.

A bedside identity check, a QA lot release, the physician's acknowledgement of an exceptional
release and a gate-override countersignature each need a second person who

- authenticates now, with their own password checked by Django's ``authenticate()`` (so
  django-axes counts the failures and refuses a locked-out account), plus every second factor
  registered in ``SECOND_FACTORS`` (none exists yet: the hook is where multi-factor sign-in plugs
  in);
- holds the role the step requires (``STEP_ROLES``: a physician countersigns a physician's
  override; QA release by a coordinator, the programme's QA role; a patient never signs);
- is not the first person (nor the patient whose record it is).

Every attempt, accepted or refused, is written to ``SignOff`` and to the audit log. Call
``authenticate_second_person`` *before* the step's own transaction, so a refused attempt stays
recorded when the step rolls back. Services take the returned ``Signature`` (which only this
module makes) instead of a user, so no step can be signed by naming someone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from lupuscare.errors import InputError
from lupuscare.web.accounts.models import Role
from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, Patient

from ..models import SignOff, SignOffStep

Step = SignOffStep
STEP_ROLES: dict[SignOffStep, frozenset[str]] = {
    Step.BEDSIDE_IDENTITY: frozenset({Role.CLINICIAN}),
    Step.QA_RELEASE: frozenset({Role.COORDINATOR}),
    Step.RELEASE_ACKNOWLEDGEMENT: frozenset({Role.CLINICIAN}),
    Step.OVERRIDE_COUNTERSIGNATURE: frozenset({Role.CLINICIAN}),
}
# A second factor: (request, user, answers from the form) -> None when satisfied, else the reason
# it is not. Empty until multi-factor sign-in exists; every registered factor must pass.
SecondFactor = Callable[[HttpRequest, object, Mapping[str, str]], str | None]
SECOND_FACTORS: list[SecondFactor] = []
_MADE_HERE = object()


@dataclass(frozen=True)
class Signature:
    """Proof that ``user`` signed ``step`` at ``at`` (made only by this module)."""

    user: object
    step: SignOffStep
    at: dt.datetime
    signoff: SignOff
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _MADE_HERE:
            raise TypeError("a Signature comes from authenticate_second_person only")


def _role_names(step: SignOffStep) -> str:
    return " or ".join(sorted(Role(r).label.lower() for r in STEP_ROLES[step]))


def _attempt(request: HttpRequest | None, step: SignOffStep, patient: Patient | None,
             first: list, username: str, signer, accepted: bool, reason: str,
             authenticated: bool = True) -> SignOff:
    row = SignOff.objects.create(
        step=step, patient=patient, first_users=[u.get_username() for u in first],
        username=username[:150], signer=signer, accepted=accepted, reason=reason[:300],
        authenticated=authenticated,
        ip=audit.client_ip(request) if request is not None else None)
    if request is not None:
        audit.record(request, patient, AuditAction.CREATE, row)  # the attempt, either way
    return row


def authenticate_second_person(request: HttpRequest, step: SignOffStep, *, username: str,
                               password: str, first: Iterable, patient: Patient | None,
                               factors: Mapping[str, str] | None = None,
                               field_prefix: str = "second") -> Signature:
    """Sign ``step`` as the person whose password this is, now; refused (InputError naming
    ``<field_prefix>_username`` or ``<field_prefix>_password``) unless it is a different person
    with the step's role. Every attempt is recorded."""
    first = [u for u in first if u is not None]
    username = (username or "").strip()
    user_field, password_field = f"{field_prefix}_username", f"{field_prefix}_password"

    def refuse(field_name: str, reason: str, signer=None):
        _attempt(request, step, patient, first, username, signer, False, reason)
        raise InputError(field_name, reason)

    if not username:
        raise InputError(user_field, f"the second person ({step.label}) must sign in")
    if not password:
        raise InputError(password_field, "the second person's password is required")
    # authenticate() runs django-axes first: it counts this failure, and refuses a locked-out
    # account even with the right password (it then marks the request ``axes_locked_out``)
    user = authenticate(request, username=username, password=password)
    if user is None:
        refuse(password_field, "this account is locked after too many failed sign-ins"
               if getattr(request, "axes_locked_out", False) else "wrong username or password")
    for factor in SECOND_FACTORS:
        problem = factor(request, user, factors or {})
        if problem:
            refuse(password_field, problem, user)
    if any(user.pk == u.pk for u in first):
        refuse(user_field, "must be a different person from the first", user)
    if patient is not None and patient.user_id is not None and patient.user_id == user.pk:
        refuse(user_field, "the patient cannot sign a step of their own treatment", user)
    if user.role not in STEP_ROLES[step]:
        refuse(user_field, f"{username} is not a {_role_names(step)}: {step.label} needs one",
               user)
    row = _attempt(request, step, patient, first, username, user, True, "")
    return Signature(user, step, row.at or timezone.now(), row, _token=_MADE_HERE)


def unattended_signature(user, step: SignOffStep, *, patient: Patient | None, first: Iterable,
                         reason: str) -> Signature:
    """A sign-off without a sign-in, for the demo loader's synthetic records only (no view
    reaches it). Recorded as not authenticated, with the reason."""
    first = [u for u in first if u is not None]
    if any(user.pk == u.pk for u in first):
        raise InputError(f"{step.value}", "must be a different person from the first")
    if user.role not in STEP_ROLES[step]:
        raise InputError(f"{step.value}", f"{user.get_username()} is not a {_role_names(step)}")
    row = _attempt(None, step, patient, first, user.get_username(), user, True, reason,
                   authenticated=False)
    return Signature(user, step, row.at or timezone.now(), row, _token=_MADE_HERE)


def signer(signature: Signature | None, step: SignOffStep, field_name: str, *,
           first: Iterable = ()):
    """The user who signed ``step`` (raises InputError naming ``field_name`` if the signature
    is missing, for another step, or by one of ``first``)."""
    if not isinstance(signature, Signature):
        raise InputError(field_name, f"{step.label}: the second person must sign in")
    if signature.step != step:
        raise InputError(field_name, f"the signature is for {signature.step.label}, "
                                     f"not {step.label}")
    if any(signature.user.pk == u.pk for u in first if u is not None):
        raise InputError(field_name, "must be a different person from the first")
    if signature.user.role not in STEP_ROLES[step]:
        raise InputError(field_name, f"{step.label} needs a {_role_names(step)}")
    return signature.user
