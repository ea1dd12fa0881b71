"""Login, the clinician's list, the patient pages, the lab form, the admin, static assets."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lupuscare.web.records.models import AuditEvent, LabResult

from .factories import PASSWORD, World, make_assessment, make_patient

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestLogin:
    def test_right_password_logs_in_and_lands_by_role(self, world: World):
        client = Client()
        response = client.post("/accounts/login/", {"username": "dr_in_team", "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get("/")["Location"] == "/patients/"

    def test_patient_lands_on_their_home(self, world: World):
        client = Client()
        username = world.patient_a.user.username
        client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert client.get("/")["Location"] == "/me/"

    def test_wrong_password_shows_an_error(self, world: World):
        response = Client().post("/accounts/login/", {"username": "dr_in_team", "password": "nope"})
        assert response.status_code == 200
        assert b"did not match" in response.content
        assert "_auth_user_id" not in Client().session

    def test_passwords_are_stored_with_argon2(self, world: World):
        assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
        assert world.clinician_a.password.startswith("argon2$")

    def test_repeated_failures_lock_the_account_out(self, world: World):
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post("/accounts/login/", {"username": "dr_in_team", "password": "wrong"})
        # now even the right password is refused
        response = client.post("/accounts/login/", {"username": "dr_in_team", "password": PASSWORD})
        assert response.status_code == 429
        assert b"Too many failed log-ins" in response.content
        assert "_auth_user_id" not in client.session

    def test_logout_needs_a_post(self, world: World):
        client = _client(world.clinician_a)
        assert client.get("/accounts/logout/").status_code == 405
        assert client.post("/accounts/logout/").status_code == 302
        assert client.get("/patients/").status_code == 302  # back to the login page


class TestPatientList:
    def test_shows_only_the_teams_patients(self, world: World):
        body = _client(world.clinician_a).get("/patients/").content.decode()
        assert world.patient_a.family_name in body
        assert world.patient_b.family_name not in body

    def test_is_paginated_with_a_constant_number_of_queries(self, world: World):
        for i in range(settings.PAGE_SIZE + 5):
            p = make_patient(world.team_a, family_name=f"Listed{i:03d}")
            make_assessment(p)
        client = _client(world.clinician_a)
        client.get("/patients/")  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/patients/")
        assert response.status_code == 200
        assert response.context["page"].paginator.num_pages == 2
        assert len(response.context["page"].object_list) == settings.PAGE_SIZE
        # session + user + count + one page query + the audit insert (+ savepoints): not one per row
        assert len(queries) <= 8, [q["sql"] for q in queries]
        second = client.get("/patients/?page=2")
        assert len(second.context["page"].object_list) == 6  # 30 new + patient A, 25 per page

    def test_search(self, world: World):
        body = _client(world.clinician_a).get("/patients/?q=ALPHA").content.decode()
        assert world.patient_a.identifier in body


class TestPatientPages:
    def test_patient_page_shows_demographics_visits_and_labs(self, world: World):
        response = _client(world.clinician_a).get(f"/patients/{world.patient_a.pk}/")
        body = response.content.decode()
        assert "1990-05-01" in body and "62.0 kg" in body
        assert "arthritis" in body  # the visit's findings
        assert 'id="lab-table"' in body and "c3" in body
        assert "hydroxychloroquine" in body
        assert AuditEvent.objects.filter(patient=world.patient_a, action="read").exists()

    def test_patient_home_is_their_own_record(self, world: World):
        body = _client(world.patient_a.user).get("/me/").content.decode()
        assert world.patient_a.identifier in body
        assert world.patient_b.identifier not in body
        assert "Record a lab result" not in body  # patients read, clinicians record

    def test_patient_cannot_open_the_clinician_pages(self, world: World):
        client = _client(world.patient_a.user)
        assert client.get(f"/patients/{world.patient_a.pk}/").status_code == 403
        assert client.get("/patients/").status_code == 403


class TestLabForm:
    def test_records_a_lab(self, world: World):
        client = _client(world.clinician_a)
        url = f"/patients/{world.patient_a.pk}/labs/new/"
        response = client.post(url, {"test": "c4", "value": "0.08", "unit": "g/L", "low": "0.1",
                                     "high": "0.4", "collected_at": "2026-03-01T10:00"})
        assert response.status_code == 302
        lab = LabResult.objects.get(patient=world.patient_a, test="c4")
        assert (lab.value, lab.low, lab.high, lab.source) == (0.08, 0.1, 0.4, "manual")

    def test_bad_input_answers_400_naming_each_field_and_saves_nothing(self, world: World):
        client = _client(world.clinician_a)
        before = LabResult.objects.count()
        response = client.post(f"/patients/{world.patient_a.pk}/labs/new/",
                               {"test": "c4", "value": "lots", "unit": "parsecs",
                                "collected_at": ""})
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {"value", "unit", "collected_at"}
        assert LabResult.objects.count() == before
        response = client.post(f"/patients/{world.patient_a.pk}/labs/new/",
                               {"test": "c4", "value": "0.2", "unit": "parsecs",
                                "collected_at": "2026-03-01T10:00"})
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {"unit"}
        assert LabResult.objects.count() == before


class TestAdmin:
    def test_admin_sees_history_of_a_record(self, world: World):
        patient = world.patient_a
        patient.weight_kg = 60.0
        patient.save()
        response = _client(world.admin).get(f"/admin/records/patient/{patient.pk}/history/")
        assert response.status_code == 200
        assert b"60.0" in response.content and b"62.0" in response.content
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.user, event.patient_id, event.path) == (
            world.admin, patient.pk, f"/admin/records/patient/{patient.pk}/history/")

    def test_audit_log_is_read_only_in_the_admin(self, world: World):
        event = AuditEvent.objects.create(action="read", username="x", patient=world.patient_a)
        client = _client(world.admin)
        assert client.get("/admin/records/auditevent/").status_code == 200
        assert client.get("/admin/records/auditevent/add/").status_code == 403
        assert client.post(f"/admin/records/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_clinicians_do_not_reach_the_admin(self, world: World):
        response = _client(world.clinician_a).get("/admin/records/patient/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


class TestHeadersAndAssets:
    def test_content_security_policy_allows_only_our_origin(self, world: World):
        csp = Client().get("/accounts/login/")["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no CDN
        assert "unsafe-inline" not in csp and "http" not in csp

    def test_only_the_admin_may_use_inline_styles(self, world: World):
        ours = _client(world.admin).get("/accounts/login/")["Content-Security-Policy"]
        admin = _client(world.admin).get("/admin/")["Content-Security-Policy"]
        assert "unsafe-inline" not in ours
        assert "style-src 'self' 'unsafe-inline'" in admin
        assert "script-src 'self';" in admin + ";"

    def test_pages_have_no_inline_script_and_no_cdn(self, world: World):
        for client, url in ((Client(), "/accounts/login/"),
                            (_client(world.clinician_a), f"/patients/{world.patient_a.pk}/")):
            body = client.get(url).content.decode()
            assert "<script>" not in body and "<script " not in body.replace("<script src=", "")
            assert "https://" not in body and "http://" not in body

    def test_session_cookie_is_httponly_and_samesite(self, world: World):
        response = Client().post("/accounts/login/", {"username": "dr_in_team", "password": PASSWORD})
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"

    @pytest.mark.parametrize(
        ("path", "starts"),
        [("/static/django_htmx/htmx-2.min.js", b"var htmx"),
         ("/static/vendor/plotly/plotly.min.js", b"/**"),
         ("/static/lupuscare/site.css", b"/* lupuscare")],
    )
    def test_assets_are_served_locally(self, path, starts):
        response = Client().get(path)
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content.lstrip().startswith(starts) or starts in content[:2000]


def test_htmx_search_gets_only_the_table(world: World):
    response = _client(world.clinician_a).get("/patients/?q=ALPHA", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith("<table") and "<html" not in body
    assert world.patient_a.identifier in body


def test_admin_changes_are_audited(world: World):
    client = _client(world.admin)
    lab = world.records["lab_a"]
    url = f"/admin/records/labresult/{lab.pk}/change/"
    form = {"patient": world.patient_a.pk, "test": "c3", "loinc": "", "value": "0.65", "unit": "g/L",
            "low": "", "high": "", "collected_at_0": "2026-02-27", "collected_at_1": "09:00:00",
            "source": "manual"}
    response = client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    lab.refresh_from_db()
    assert lab.value == 0.65
    event = AuditEvent.objects.filter(action="update", object_id=str(lab.pk)).get()
    assert event.patient_id == world.patient_a.pk and event.user == world.admin
    assert lab.history.first().history_user == world.admin
    assert lab.history.all()[1].value == 0.72  # the value before


def test_htmx_requests_carry_the_csrf_token(world: World):
    body = _client(world.clinician_a).get("/patients/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


def test_navigation_lists_only_mounted_apps_for_the_role(world: World):
    from lupuscare.web.navigation import links_for

    clinician = dict(links_for("clinician"))
    assert clinician["Patients"] == "/patients/"
    assert "Administration" not in clinician
    assert dict(links_for("patient"))["My record"] == "/me/"
    assert links_for("nobody") == []
    body = _client(world.clinician_a).get("/patients/").content.decode()
    assert '<a href="/patients/" aria-current="page">Patients</a>' in body
