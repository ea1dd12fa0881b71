"""Field validators for clinical records: each raises ``ValidationError`` naming what is wrong.

The vocabularies are not repeated here: findings come from ``lupuscare.clinical.vocabulary``, lab
tests and their units from ``lupuscare.clinical.units``, drugs from the vocabulary's ``DRUGS``, SDI
items from ``lupuscare.instruments.sdi_items``, diary items from ``lupuscare.clinical.diary``.
"""

from __future__ import annotations

import math
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

from lupuscare.clinical import units
from lupuscare.clinical.diary import SYMPTOM_SCALE, SYMPTOMS, TRIGGERS, WARNING_SIGNS
from lupuscare.clinical.vocabulary import DRUGS, FINDINGS
from lupuscare.errors import InputError
from lupuscare.instruments.pga import check_pga
from lupuscare.instruments.sdi_items import ALIASES as SDI_ALIASES
from lupuscare.instruments.sdi_items import ITEMS as SDI_ITEMS

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def validate_name(value: str) -> None:
    """A lower-case snake_case identifier (still referenced by migration 0001)."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValidationError(f"{value!r} is not a lower-case snake_case name", code="invalid")


def validate_findings(value: Any) -> None:
    """A list of distinct finding names from the shared vocabulary."""
    if not isinstance(value, list):
        raise ValidationError("must be a list of finding names", code="invalid")
    bad = [item for item in value if not isinstance(item, str) or item not in FINDINGS]
    if bad:
        raise ValidationError(f"unknown findings: {', '.join(map(repr, bad))}", code="unknown")
    if len(set(value)) != len(value):
        raise ValidationError("findings must not repeat", code="duplicate")


def validate_drug(value: str) -> None:
    """A lower-case generic name the clinical core knows (contracts.md §2.3)."""
    if value not in DRUGS:
        raise ValidationError(
            f"unknown drug {value!r}; use a lower-case generic name such as prednisone or "
            "hydroxychloroquine (lupuscare.clinical.vocabulary.DRUGS)",
            code="unknown",
        )


def validate_sdi_item(value: str) -> None:
    """An SDI item name (or an alias) the damage index knows (contracts.md §2.4)."""
    if value not in SDI_ITEMS and value not in SDI_ALIASES:
        raise ValidationError(
            f"unknown SDI item {value!r}; see lupuscare.instruments.sdi_items.ITEMS", code="unknown"
        )


def validate_lab_test(value: str) -> None:
    """A lab test the unit conversions know (contracts.md §2.2)."""
    if value not in units.CANONICAL_UNIT:
        raise ValidationError(
            f"unknown lab test {value!r}; known: {', '.join(units.CANONICAL_UNIT)}", code="unknown"
        )


def lab_unit_error(test: str, unit: str) -> str | None:
    """Why ``unit`` is not accepted for ``test``, or None when it is."""
    if test not in units.CANONICAL_UNIT:
        return None  # reported on the test field
    known = units.known_units(test)
    if unit not in known:
        return f"unit {unit!r} is not known for {test}; use one of: {', '.join(known)}"
    return None


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as ``Europe/Berlin``."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone", code="invalid") from exc


def _finite_number(value: Any) -> bool:
    """A real, finite number (an integer too large for a float is not one)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def validate_symptoms(value: Any) -> None:
    """``{symptom: rating}`` with symptoms from the diary vocabulary and integer ratings 0-10."""
    if not isinstance(value, dict):
        raise ValidationError("must be an object of symptom -> rating", code="invalid")
    low, high = SYMPTOM_SCALE
    for name, rating in value.items():
        if name not in SYMPTOMS:
            raise ValidationError(f"unknown symptom {name!r}", code="unknown")
        if not isinstance(rating, int) or isinstance(rating, bool) or not low <= rating <= high:
            raise ValidationError(
                f"{name}: rating must be a whole number from {low} to {high}", code="range"
            )


def validate_warning_signs(value: Any) -> None:
    """A list of the warning signs present that day, from the diary vocabulary."""
    if not isinstance(value, list):
        raise ValidationError("must be a list of warning-sign names", code="invalid")
    bad = [v for v in value if v not in WARNING_SIGNS]
    if bad:
        raise ValidationError(f"unknown warning signs: {', '.join(map(repr, bad))}", code="unknown")


def validate_triggers(value: Any) -> None:
    """``{trigger: value}`` within each trigger's bounds; yes/no triggers take true/false."""
    if not isinstance(value, dict):
        raise ValidationError("must be an object of trigger -> value", code="invalid")
    for name, v in value.items():
        trigger = TRIGGERS.get(name)
        if trigger is None:
            raise ValidationError(f"unknown trigger {name!r}", code="unknown")
        if trigger.kind == "boolean":
            if not isinstance(v, bool):
                raise ValidationError(f"{name}: must be true or false", code="invalid")
        elif not _finite_number(v) or not trigger.low <= v <= trigger.high:
            raise ValidationError(
                f"{name}: must be a number from {trigger.low:g} to {trigger.high:g}", code="range"
            )


def validate_finite(value: float) -> None:
    if not _finite_number(value):
        raise ValidationError("must be a finite number", code="invalid")


def validate_pga(value: float) -> None:
    """The instrument's own PGA rule (0 to 3, one decimal place), as a form/model error."""
    try:
        check_pga(value)
    except InputError as exc:
        raise ValidationError(f"PGA {exc.message}") from exc
