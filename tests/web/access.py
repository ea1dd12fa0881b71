"""Access rules for the URL walk (``test_access_matrix.py``), shared with later apps.

Every URL the resolver knows needs a rule. This project's own pages have theirs in ``BASE_RULES``;
another app adds its rules in a module ``tests/<app>/access_rules.py`` that defines
``RULES: dict[str, Rule]`` keyed by the qualified URL name (``"namespace:name"``) and, if its URLs
need records of its own, ``extend_world(world)``, e.g.::

    from web.access import CLIN_IN, OWN_PATIENT_DATA, Rule

    RULES = {
        "clinic:scores": Rule(frozenset({CLIN_IN}), shows_patient_a=True),
        "clinic:score-detail": Rule(frozenset({CLIN_IN}),
                                    params=lambda w: {"score_id": str(w.records["score_a"].pk)}),
    }

A page and the form posted to it share one URL: a second rule named ``"<url name> POST"`` checks
the POST (as ``"lab-create POST"`` below). URL parameters named ``patient_id`` and ``assessment_id`` are filled with patient A's ids; any
other parameter needs ``params``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lupuscare.web.records.models import Assessment, DamageItem, LabResult, MedicationCourse

from .factories import World

ANON = "anonymous"
PATIENT_A, PATIENT_B = "patient_a", "patient_b"
CLIN_IN, CLIN_OUT = "clinician_in_team", "clinician_outside_team"
COORD, ADMIN = "coordinator", "admin"
ROLES = (ANON, PATIENT_A, PATIENT_B, CLIN_IN, CLIN_OUT, COORD, ADMIN)
AUTHENTICATED = frozenset(ROLES) - {ANON}
EVERYONE = frozenset(ROLES)

# Which patients each role may see anywhere in the application (the admin sees all, in the admin).
VISIBLE = {
    ANON: set(),
    PATIENT_A: {"a"},
    PATIENT_B: {"b"},
    CLIN_IN: {"a"},
    CLIN_OUT: {"b"},
    COORD: set(),
    ADMIN: {"a", "b"},
}


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    ok: frozenset[int] = frozenset({200})
    method: str = "get"
    payload: Callable[[World], dict[str, Any]] | None = None
    json: bool = False
    shows_patient_a: bool = False  # allowed roles must see patient A's identifier in the body
    creates: type | None = None  # the model a POST creates (refused POSTs must create nothing)
    params: Callable[[World], dict[str, str]] | None = None  # samples for other URL parameters


def _lab_form(world: World) -> dict[str, Any]:
    return {"test": "c4", "value": "0.08", "unit": "g/L", "collected_at": "2026-03-01T10:00"}


def _lab_json(world: World) -> dict[str, Any]:
    return {"test": "c4", "value": 0.08, "unit": "g/L", "collected_at": "2026-03-01T10:00:00Z"}


def _assessment_json(world: World) -> dict[str, Any]:
    return {"date": "2026-03-15", "findings": ["arthritis"], "pga": 1.5}


def _medication_json(world: World) -> dict[str, Any]:
    return {"drug": "prednisone", "daily_dose_mg": 5, "start": "2026-01-01"}


def _damage_json(world: World) -> dict[str, Any]:
    return {"item": "cataract", "onset": "2024-01-01"}


def _retract_params(world: World) -> dict[str, str]:
    return {"kind": "labs", "record_id": str(world.records["lab_a"].pk)}


def _reason_json(world: World) -> dict[str, Any]:
    return {"reason": "entered for the wrong patient"}


OWN_PATIENT_DATA = frozenset({PATIENT_A, CLIN_IN})  # who may read patient A's records
BASE_RULES: dict[str, Rule] = {
    "home": Rule(AUTHENTICATED, ok=frozenset({200, 302})),
    "login": Rule(EVERYONE, ok=frozenset({200, 302})),
    "logout": Rule(EVERYONE, ok=frozenset({302}), method="post"),
    "patient-list": Rule(frozenset({CLIN_IN, CLIN_OUT})),
    "patient-detail": Rule(frozenset({CLIN_IN}), shows_patient_a=True),
    "lab-create": Rule(frozenset({CLIN_IN}), shows_patient_a=True),
    "lab-create POST": Rule(
        frozenset({CLIN_IN}), ok=frozenset({302}), method="post", payload=_lab_form,
        creates=LabResult,
    ),
    "me": Rule(frozenset({PATIENT_A, PATIENT_B})),
    "favicon": Rule(EVERYONE, ok=frozenset({302})),
    "healthz": Rule(EVERYONE),  # a liveness probe: no data, no database
    "api:api-root": Rule(AUTHENTICATED, ok=frozenset({404})),
    "api:openapi-json": Rule(AUTHENTICATED),
    "api:openapi-view": Rule(AUTHENTICATED),
    "api:patient_list": Rule(frozenset({PATIENT_A, PATIENT_B, CLIN_IN, CLIN_OUT})),
    "api:patient_detail": Rule(OWN_PATIENT_DATA, shows_patient_a=True),
    "api:assessment_list": Rule(OWN_PATIENT_DATA),
    "api:assessment_document": Rule(OWN_PATIENT_DATA),
    "api:lab_list": Rule(OWN_PATIENT_DATA),
    "api:medication_list": Rule(OWN_PATIENT_DATA),
    "api:damage_list": Rule(OWN_PATIENT_DATA),
    "api:medication_create": Rule(
        frozenset({CLIN_IN}), ok=frozenset({201}), method="post", payload=_medication_json,
        json=True, creates=MedicationCourse,
    ),
    "api:damage_create": Rule(
        frozenset({CLIN_IN}), ok=frozenset({201}), method="post", payload=_damage_json,
        json=True, creates=DamageItem,
    ),
    "api:record_retract": Rule(
        frozenset({CLIN_IN}), ok=frozenset({200}), method="post", payload=_reason_json,
        json=True, params=_retract_params,
    ),
    "api:assessment_create": Rule(
        frozenset({CLIN_IN}), ok=frozenset({201}), method="post", payload=_assessment_json,
        json=True, creates=Assessment,
    ),
    "api:lab_create": Rule(
        frozenset({CLIN_IN}), ok=frozenset({201}), method="post", payload=_lab_json, json=True,
        creates=LabResult,
    ),
    # The Django admin is for administrators; everyone else is sent to its login page. What the
    # admin answers an administrator (403 for adding to the read-only audit log, 404 for a page
    # that does not exist) is the admin's own business: this rule is about everyone else.
    "admin:login": Rule(EVERYONE, ok=frozenset({200, 302})),
    "admin:logout": Rule(EVERYONE, ok=frozenset({200, 302}), method="post"),
    "admin:*": Rule(frozenset({ADMIN}), ok=frozenset({200, 302, 403, 404})),
}


TESTS_DIR = Path(__file__).resolve().parent.parent


def _rule_modules() -> list[Any]:
    modules = []
    for path in sorted(TESTS_DIR.glob("*/access_rules.py")):
        spec = importlib.util.spec_from_file_location(f"access_rules_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def world_extensions() -> list[Callable[[World], None]]:
    """Each app's optional ``extend_world(world)``: adds its records for patients A and B (into
    ``world.records``) before the walk."""
    return [m.extend_world for m in _rule_modules() if hasattr(m, "extend_world")]


def all_rules() -> dict[str, Rule]:
    """``BASE_RULES`` plus the ``RULES`` of every ``tests/*/access_rules.py``; a name defined
    twice is an error, so no app can loosen another's rule by accident."""
    rules = dict(BASE_RULES)
    for module in _rule_modules():
        path = module.__file__
        for name, rule in module.RULES.items():
            if name in rules:
                raise AssertionError(f"{path}: access rule {name!r} is already defined")
            rules[name] = rule
    return rules
