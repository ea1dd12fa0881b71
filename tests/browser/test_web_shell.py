"""The web shell in a real browser: clinicians, patients, and a wrong password."""

from __future__ import annotations

import re

import pytest

from web.factories import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    return make_world()


def test_clinician_sees_their_patients_and_opens_one(page, login, world):
    login("dr_in_team", PASSWORD)
    assert re.search(r"/patients/$", page.url)
    table = page.locator("#patient-list")
    assert table.get_by_text(world.patient_a.identifier).is_visible()
    assert world.patient_b.family_name not in page.content()
    page.get_by_role("link", name=f"{world.patient_a.family_name}, {world.patient_a.given_name}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == world.patient_a.full_name
    assert page.locator("#lab-table").get_by_text("c3").is_visible()
    assert page.locator("#assessments").get_by_text("arthritis").is_visible()
    assert page.console_errors == []  # no CSP violation, no script error


def test_patient_sees_only_their_own_page(page, login, live_server, world):
    login(world.patient_a.user.username, PASSWORD)
    assert page.url.endswith("/me/")
    assert page.get_by_text(world.patient_a.identifier).is_visible()
    response = page.goto(f"/patients/{world.patient_b.pk}/")
    assert response.status == 403
    assert world.patient_b.family_name not in page.content()
    response = page.goto(f"/api/patients/{world.patient_b.pk}")
    assert response.status == 404
    assert world.patient_b.identifier not in page.content()
    assert [e for e in page.console_errors if "403" not in e and "404" not in e] == []


def test_wrong_password_shows_an_error(page, login, world):
    login("dr_in_team", "not-the-password")
    assert page.url.endswith("/accounts/login/")
    alert = page.get_by_role("alert")
    assert "did not match" in alert.inner_text()
    assert page.context.cookies() == [] or all(
        c["name"] != "sessionid" for c in page.context.cookies()
    )


def test_logout(page, login, world):
    login("dr_in_team", PASSWORD)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    page.goto("/patients/")
    assert "/accounts/login/" in page.url


def test_api_docs_render_under_the_content_security_policy(page, login, world):
    login("dr_in_team", PASSWORD)
    page.goto("/api/docs")
    page.locator(".swagger-ui").first.wait_for()
    page.get_by_text("/api/patients/{patient_id}/labs").first.wait_for()
    assert page.console_errors == []


def test_admin_sees_a_records_history_without_policy_errors(page, login, world):
    patient = world.patient_a
    patient.weight_kg = 59.5
    patient.save()
    login("admin", PASSWORD)
    assert page.url.endswith("/admin/")
    page.goto(f"/admin/records/patient/{patient.pk}/history/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("59.5").first.is_visible()
    page.goto(f"/admin/records/careteam/{world.team_a.pk}/change/")  # the two-box member picker
    page.wait_for_load_state("networkidle")
    assert page.console_errors == []


def test_search_narrows_the_list_in_place_with_htmx(page, login, world):
    from web.factories import make_patient

    make_patient(world.team_a, identifier="MRN-CHARLIE-0003", family_name="Xanthopoulou")
    login("dr_in_team", PASSWORD)
    rows = page.locator("#patient-list tbody tr")
    assert rows.count() == 2
    page.evaluate("window.__marker = 'same page'")  # survives only if the page is not reloaded
    with page.expect_response(lambda r: "/patients/?q=" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Find a patient").fill("Xantho")
    page.wait_for_function("document.querySelectorAll('#patient-list tbody tr').length === 1")
    assert "Xanthopoulou" in rows.first.inner_text()
    assert page.evaluate("window.__marker") == "same page"
    assert "q=Xantho" in page.url  # the search is in the address, so back and reload work
    assert page.console_errors == []
