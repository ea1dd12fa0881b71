"""Every URL the application serves, walked with every role: no patient data leaks.

The URL list comes from Django's resolver, so a new URL is covered automatically, and a URL that
has no rule in ``RULES`` fails ``test_every_url_has_a_rule``. For each URL and role the answer is
either the page (roles the rule allows) or a refusal (403, 404, 401 for the API, or a redirect to
a login page), and whatever the answer, the body never contains the identifier or family name of
a patient that role may not see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from lupuscare.web.records.models import Assessment, AuditEvent, LabResult, Patient

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


def _lab_form(world: World) -> dict[str, Any]:
    return {"test": "c4", "value": "0.08", "unit": "g/L", "collected_at": "2026-03-01T10:00"}


def _lab_json(world: World) -> dict[str, Any]:
    return {"test": "c4", "value": 0.08, "unit": "g/L", "collected_at": "2026-03-01T10:00:00Z"}


def _assessment_json(world: World) -> dict[str, Any]:
    return {"date": "2026-03-15", "findings": ["arthritis"], "pga": 1.5}


OWN_PATIENT_DATA = frozenset({PATIENT_A, CLIN_IN})  # who may read patient A's records
RULES: dict[str, Rule] = {
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
    "api:api-root": Rule(AUTHENTICATED, ok=frozenset({404})),
    "api:openapi-json": Rule(AUTHENTICATED),
    "api:openapi-view": Rule(AUTHENTICATED),
    "api:patient_list": Rule(frozenset({PATIENT_A, PATIENT_B, CLIN_IN, CLIN_OUT})),
    "api:patient_detail": Rule(OWN_PATIENT_DATA, shows_patient_a=True),
    "api:assessment_list": Rule(OWN_PATIENT_DATA),
    "api:assessment_document": Rule(OWN_PATIENT_DATA),
    "api:lab_list": Rule(OWN_PATIENT_DATA),
    "api:medication_list": Rule(OWN_PATIENT_DATA),
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
# A page and the form posted to it share one URL: both are checked.
EXTRA_METHODS = {"lab-create": ["lab-create POST"]}


@dataclass
class Endpoint:
    key: str  # qualified URL name, or the route for an unnamed pattern
    namespace: str
    route: str
    pieces: list[Any] = field(default_factory=list)  # the pattern objects from root to leaf


def iter_endpoints() -> Iterator[Endpoint]:
    def walk(patterns, namespaces: list[str], pieces: list[Any]) -> Iterator[Endpoint]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = [*namespaces, p.namespace] if p.namespace else namespaces
                yield from walk(p.url_patterns, ns, [*pieces, p.pattern])
            elif isinstance(p, URLPattern):
                ns = ":".join(namespaces)
                route = "".join(str(x) for x in [*pieces, p.pattern])
                key = f"{ns}:{p.name}" if ns and p.name else (p.name or f"{ns}:<{route}>")
                yield Endpoint(key, ns, route, [*pieces, p.pattern])

    yield from walk(get_resolver().url_patterns, [], [])


def rule_for(endpoint: Endpoint) -> Rule | None:
    if endpoint.key in RULES:
        return RULES[endpoint.key]
    if endpoint.namespace == "admin":
        return RULES["admin:*"]
    return None


def _admin_object(world: World, route: str):
    """The object an admin URL's ``object_id`` should name: one tied to patient A."""
    m = re.match(r"admin/(\w+)/(\w+)/", route)
    model = apps.get_model(m.group(1), m.group(2))
    if model is Patient:
        return world.patient_a
    if model._meta.label == "accounts.User":
        return world.patient_a.user
    if model._meta.label == "records.CareTeam":
        return world.team_a
    if any(f.name == "patient" for f in model._meta.get_fields()):
        return model.objects.filter(patient=world.patient_a).first()
    return model.objects.first()


def concrete_url(endpoint: Endpoint, world: World) -> str:
    """The endpoint's URL with every parameter filled in, pointing at patient A's data."""
    parts = []
    for piece in endpoint.pieces:
        text = str(piece)
        if isinstance(piece, RoutePattern):
            def fill(match: re.Match) -> str:
                name = match.group(2)
                if name == "patient_id":
                    return str(world.patient_a.pk)
                if name == "assessment_id":
                    return str(world.records["assessment_a"].pk)
                if name == "content_type_id":
                    return str(ContentType.objects.get_for_model(Patient).pk)
                if name == "object_id" and "admin/r/" in endpoint.route:
                    return str(world.patient_a.pk)
                if name in {"object_id", "id"}:
                    obj = _admin_object(world, endpoint.route)
                    return str(obj.pk) if obj is not None else "999999"
                raise AssertionError(f"no sample value for URL parameter {name!r} in {endpoint.route}")

            parts.append(re.sub(r"<(?:(\w+):)?(\w+)>", fill, text))
        elif isinstance(piece, RegexPattern):
            parts.append(_fill_regex(endpoint, piece, world))
        else:  # pragma: no cover - Django has only these two
            raise AssertionError(f"unknown pattern type {type(piece)}")
    return "/" + "".join(parts)


def _fill_regex(endpoint: Endpoint, piece: RegexPattern, world: World) -> str:
    regex = piece.regex.pattern
    if "(?P<app_label>" in regex:
        return "records/"
    if "(?P<url>" in regex:
        return "no-such-admin-page/"
    if regex == r"^([^/]+)/history/([^/]+)/$":  # simple-history: one historical version
        obj = _admin_object(world, endpoint.route)
        return f"{obj.pk}/history/{obj.history.latest().history_id}/"
    raise AssertionError(f"no sample for regex URL {regex!r} in {endpoint.route}")


def _client_for(role: str, world: World) -> Client:
    client = Client()
    user = world.users()[role]
    if user is not None:
        client.force_login(user)
    return client


def _markers(world: World, key: str) -> list[str]:
    patient = world.patient_a if key == "a" else world.patient_b
    return [patient.identifier, patient.family_name]


def _is_login_redirect(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code == 302 and (
        location.startswith("/accounts/login/") or location.startswith("/admin/login/")
    )


def test_every_url_has_a_rule():
    missing = [e.key for e in iter_endpoints() if rule_for(e) is None]
    assert missing == [], f"URLs without an access rule in RULES: {missing}"
    # and the walk does see the application's own URLs (guards against an empty walk)
    keys = {e.key for e in iter_endpoints()}
    assert {"patient-detail", "me", "api:patient_detail", "api:lab_create"} <= keys


def test_a_url_without_a_rule_is_reported():
    stray = Endpoint("stray-page", "", "stray/")
    assert rule_for(stray) is None


@pytest.mark.django_db
def test_no_role_sees_data_it_may_not(world: World):
    AuditEvent.objects.create(patient=world.patient_a, action="read", username="seed")
    failures: list[str] = []
    checked = 0
    clients = {role: _client_for(role, world) for role in ROLES}
    for endpoint in iter_endpoints():
        rule_names = [endpoint.key, *EXTRA_METHODS.get(endpoint.key, [])]
        for rule_name in rule_names:
            rule = RULES.get(rule_name) or rule_for(endpoint)
            url = concrete_url(endpoint, world)
            for role in ROLES:
                client = clients[role]
                before = rule.creates.objects.count() if rule.creates else None
                if rule.method == "post":
                    data = rule.payload(world) if rule.payload else {}
                    if rule.json:
                        response = client.post(url, json.dumps(data), content_type="application/json")
                    else:
                        response = client.post(url, data)
                else:
                    response = client.get(url)
                checked += 1
                if "logout" in rule_name:  # log back in for the next URL
                    clients[role] = _client_for(role, world)
                status = response.status_code
                where = f"{rule.method.upper()} {url} ({rule_name}) as {role}: {status}"
                body = response.content.decode("utf-8", "replace")
                if role in rule.allowed:
                    if status not in rule.ok:
                        failures.append(f"{where}, expected one of {sorted(rule.ok)}")
                    if rule.shows_patient_a and world.patient_a.identifier not in body:
                        failures.append(f"{where}: patient A's page lacks patient A")
                else:
                    refused = status in (401, 403, 404) or _is_login_redirect(response)
                    if not refused:
                        failures.append(f"{where}, expected a refusal")
                    if rule.creates is not None and rule.creates.objects.count() != before:
                        failures.append(f"{where}: a refused POST saved a record")
                for key in {"a", "b"} - VISIBLE[role]:
                    for marker in _markers(world, key):
                        if marker in body:
                            failures.append(f"{where}: LEAK of patient {key.upper()} ({marker})")
    assert checked > 100
    assert failures == [], "\n".join(failures)
