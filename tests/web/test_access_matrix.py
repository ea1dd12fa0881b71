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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from lupuscare.web.records.models import AuditEvent, Patient

from .access import ROLES, VISIBLE, Rule, all_rules, world_extensions
from .factories import World

RULES = all_rules()


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
                rule = rule_for(endpoint)
                if rule is not None and rule.params is not None and name in rule.params(world):
                    return rule.params(world)[name]
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


@pytest.mark.slow  # every URL x every role, ~14 s
@pytest.mark.django_db
def test_no_role_sees_data_it_may_not(world: World):
    AuditEvent.objects.create(patient=world.patient_a, action="read", username="seed")
    for extend in world_extensions():
        extend(world)
    failures: list[str] = []
    checked = 0
    clients = {role: _client_for(role, world) for role in ROLES}
    for endpoint in iter_endpoints():
        extra = [name for name in RULES if name.startswith(f"{endpoint.key} ")]
        rule_names = [endpoint.key, *extra]
        for rule_name in rule_names:
            rule = RULES.get(rule_name) or rule_for(endpoint)
            if rule is None:
                failures.append(f"{endpoint.route} ({rule_name}): no access rule, not walked")
                continue
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
                    if "text/html" in response.get("Content-Type", "") and (
                        "{#" in body or "{%" in body
                    ):
                        failures.append(f"{where}: template syntax leaked into the page")
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
