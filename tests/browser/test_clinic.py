"""The clinician workspace in a real browser: record a visit while the scores update live,
save it, see the timeline chart and a safety alert, acknowledge the alert with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lupuscare.web.clinic.models import ClinicAlert, StoredScore
from lupuscare.web.records.models import Assessment, AuditEvent
from web.factories import PASSWORD, make_lab, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    world = make_world()
    # a new UPCR of 0.9 g/g: the proteinuria work-up alert (lupuscare.rules.renal)
    make_lab(world.patient_a, test="upcr", value=900, unit="mg/g",
             collected_at=timezone.now() - dt.timedelta(days=1))
    return world


def _score(page, name: str) -> str:
    return page.locator(f'#live-scores [data-score="{name}"]').inner_text()


def test_record_a_visit_watch_the_scores_and_acknowledge_the_alert(page, login, world):
    login("dr_in_team", PASSWORD)
    page.goto(f"/clinic/patients/{world.patient_a.pk}/visits/new/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("New visit")

    sledai = page.locator('#live-scores [data-score="sledai2k"]')
    # the UPCR of 0.9 g/g collected yesterday is inside the 10-day window: proteinuria (4)
    page.get_by_label("arthritis", exact=True).check()
    expect(sledai).to_have_text("8")  # arthritis 4 + proteinuria 4 (SLEDAI-2K weights)
    page.get_by_label("pleurisy", exact=True).check()
    expect(sledai).to_have_text("10")  # + pleurisy 2
    page.get_by_label("Right wrist swollen").check()
    page.get_by_label("Left wrist swollen").check()
    expect(page.locator('#live-scores [data-score="joints"]')).to_have_text("2 swollen, 0 tender")
    expect(page.locator('#live-scores [data-score="sle-das"]')).to_be_visible()
    page.locator("#id_pga").fill("1.5")
    expect(page.locator('#live-scores [data-score="pga"]')).to_contain_text("1.5")
    expect(page.locator("#pga-value")).to_have_text("1.5")
    before = int(_score(page, "sledai2k"))

    page.get_by_role("button", name="Save visit").click()
    page.wait_for_load_state()
    assert "/visits/" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("Visit summary")
    visit = Assessment.objects.filter(patient=world.patient_a).latest("id")
    assert visit.findings == ["arthritis", "pleurisy"] and visit.swollen_28 == 2
    assert StoredScore.objects.get(assessment=visit, instrument="sledai2k").value == before

    page.goto(f"/clinic/patients/{world.patient_a.pk}/")
    page.wait_for_selector("#chart-activity .main-svg")  # Plotly drew the chart
    page.wait_for_selector("#chart-labs .main-svg")
    alert = page.locator("#alert-proteinuria_nephritis_workup")
    assert "proteinuria" in alert.inner_text().lower()
    alert.get_by_label("Reason for acknowledging (required)").fill("biopsy booked")
    alert.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert "Acknowledged by" in page.locator("#alert-proteinuria_nephritis_workup").inner_text()
    row = ClinicAlert.objects.get(patient=world.patient_a, code="proteinuria_nephritis_workup")
    assert row.status == "acknowledged" and row.acknowledgement_reason == "biopsy booked"
    assert AuditEvent.objects.filter(object_type="clinic.clinicalert", action="update").exists()
    assert page.console_errors == []  # no CSP violation, no script error


def test_dashboard_lists_the_patient_with_its_alert(page, login, world):
    login("dr_in_team", PASSWORD)
    page.goto(f"/clinic/patients/{world.patient_a.pk}/")
    # the page reads only: it shows the alert today's rules would raise, and a POST stores it
    assert "proteinuria" in page.locator("#alerts-pending").inner_text().lower()
    page.get_by_role("button", name="Update the alerts").click()
    page.wait_for_selector("#alert-list")
    assert page.locator("#alerts-pending").count() == 0
    page.goto("/clinic/")
    assert page.locator("#dashboard-table").get_by_text(world.patient_a.identifier).is_visible()
    assert "proteinuria" in page.locator(".worklist").inner_text().lower()
    assert world.patient_b.family_name not in page.content()
    assert page.console_errors == []
