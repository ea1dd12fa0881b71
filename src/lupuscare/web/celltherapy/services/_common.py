"""Helpers shared by the service modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lupuscare.errors import InputError
from lupuscare.web.accounts.models import Role


def _today() -> dt.date:
    return timezone.localdate()


def _name(user) -> str:
    """How a person is named to the core (the two-person rules compare these)."""
    return user.get_username()


def _require_clinician(user, field: str) -> None:
    if getattr(user, "role", None) != Role.CLINICIAN:
        raise InputError(field, "must be a physician (a user with the clinician role)")


def _moment(value: Any, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value
    raise InputError(field, "must be a date and time")
