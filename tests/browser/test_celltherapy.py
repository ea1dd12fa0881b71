"""The cell-therapy main flow in a real browser: referral, eligibility, consent, lot release by
two people, infusion with the bedside check, a follow-up visit and the endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from web.factories import (
    PASSWORD,
    make_assessment,
    make_clinician,
    make_coordinator,
    make_medication,
    make_world,
)
from web_celltherapy.helpers import NEGATIVE_DONOR, PASSING_RESULTS, clear_answers, make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(transactional_db):
    world = make_world()
    today = timezone.localdate()
    programme = make_programme(name="UC-MSC trial", criteria_set="wang2014_nct01741857",
                               ethics_valid_from=today - dt.timedelta(days=400),
                               ethics_valid_to=today + dt.timedelta(days=400))
    make_assessment(world.patient_a, date=today - dt.timedelta(days=30),
                    findings=["arthritis", "rash_generalized", "alopecia"], pga=2.0)
    make_medication(world.patient_a, drug="prednisone", daily_dose_mg=30.0,
                    start=today - dt.timedelta(days=400), stop=today - dt.timedelta(days=300))
    make_medication(world.patient_a, drug="mycophenolate_mofetil", daily_dose_mg=2000.0,
                    start=today - dt.timedelta(days=400), stop=today - dt.timedelta(days=200))
    nurse = make_clinician(username="second_nurse")
    world.team_a.members.add(nurse)
    make_coordinator(username="qc_analyst")
    return world, programme, today


def _as(page, login, username: str) -> None:
    if page.get_by_role("button", name="Log out").count():
        page.get_by_role("button", name="Log out").click()
        page.wait_for_load_state()
    login(username, PASSWORD)


def _submit(page, name: str) -> str:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()
    return page.locator(".messages").inner_text()


def _only_refusals(page, expected: int) -> None:
    """No CSP violation and no script error. A refused form is shown again with status 400 and
    Chromium logs each such response as a console error: exactly the expected refusals."""
    refusals = [e for e in page.console_errors
                if e == "Failed to load resource: the server responded with a status of 400 "
                        "(Bad Request)"]
    assert len(refusals) == expected
    assert [e for e in page.console_errors if e not in refusals] == []


def test_referral_to_endpoint_in_the_browser(page, login, setup):
    world, programme, today = setup
    url = f"/celltherapy/patients/{world.patient_a.pk}/"
    label = page.get_by_label

    # a clinician of the patient's care team refers
    _as(page, login, "dr_in_team")
    page.goto(url)
    label("Referral reason").fill("refractory SLE despite MMF")
    assert "Referred." in _submit(page, "Refer")
    assert "Order allowed: investigational_trial" in page.locator("#gate-status").inner_text()

    # eligibility: SLEDAI-2K from the visit, courses from the record, failure attested
    label("Screening visit").select_option(label=str(today - dt.timedelta(days=30)))
    for box in page.locator("input[name=failed_courses]").all():
        box.check()
    # the protocol's non-lab questions, each answered (blank would be "not assessed")
    for key, yes in clear_answers(programme).items():
        page.locator(f"input[name=answer_{key}][value={'yes' if yes else 'no'}]").check()
    assert "Eligible." in _submit(page, "Assess eligibility")
    assert "sledai2k_total 8 meets >= 8" in page.locator("table").first.inner_text()

    # consent, signed before collection
    label("Consent document ID").fill("CF-001")
    label("Signed on").fill(str(today - dt.timedelta(days=25)))
    page.locator("input[name=scopes][value=treatment]").check()
    assert "Consent recorded." in _submit(page, "Record consent")

    # the QC analyst creates the lot and enters every release result
    _as(page, login, "qc_analyst")
    page.goto(url)
    page.get_by_text("New lot (collection)").click()
    label("Lot number").fill("UC-B-001")
    label("Collected on").fill(str(today - dt.timedelta(days=20)))
    label("Collection site").fill("GMP suite 1")
    label("Passage").fill("3")
    for test, value in NEGATIVE_DONOR.items():
        page.locator(f"input[name=donor_{test}]").fill(value)
    assert "created with identifier LUP-" in _submit(page, "Create lot")
    label("New lot status").select_option("in_testing")
    _submit(page, "Change lot status")
    for attribute, value in PASSING_RESULTS.items():
        page.locator("select[name=attribute]").select_option(attribute)
        label("Result value").fill(str(value))
        assert f"{attribute} entered." in _submit(page, "Enter result")
    # the analyst may not release a lot they tested, even signed in with their password
    label("New lot status").select_option("released")
    assert label("QA releaser (username)").input_value() == "qc_analyst"
    label("QA releaser's password").fill(PASSWORD)
    assert "two-person rule" in _submit(page, "Change lot status")

    # a different person releases, signing in for it
    _as(page, login, "coordinator")
    page.goto(url)
    label("New lot status").select_option("released")
    label("QA releaser's password").fill("not-my-password")
    assert "wrong username or password" in _submit(page, "Change lot status")
    assert page.locator(".lot-status").inner_text() == "in_testing"
    label("New lot status").select_option("released")
    label("QA releaser's password").fill(PASSWORD)
    assert "is now released" in _submit(page, "Change lot status")
    coi = page.locator(".lot h4 code").inner_text()

    # infusion eight days ago: the pre-infusion check, the second verifier signing in
    _as(page, login, "dr_in_team")
    page.goto(url)
    start = dt.datetime.combine(today - dt.timedelta(days=8), dt.time(10, 0))
    label("Viable cells in the bag").fill("62000000")
    label("Volume to infuse (mL)").fill("100")
    label("Patient identity confirmed (wristband and spoken)").check()
    label("Patient identifier on bag").fill(world.patient_a.identifier)
    label("Chain-of-identity on bag").fill(coi)
    label("Lot number on bag").fill("UC-B-001")
    label("Second verifier (username)").fill("second_nurse")
    label("Second verifier's password").fill("wrong")
    label("Thaw ended").fill((start - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"))
    label("Planned start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    assert "wrong username or password" in _submit(page, "Run pre-infusion check")
    assert label("Chain-of-identity on bag").input_value() == coi  # the input is kept
    label("Second verifier's password").fill(PASSWORD)
    assert "Cleared to start" in _submit(page, "Run pre-infusion check")
    # what was given is recorded from the cleared check
    label("Delivered viable cells").fill("62000000")
    label("Volume infused (mL)").fill("100")
    label("Infusion started").fill(start.strftime("%Y-%m-%dT%H:%M"))
    label("Infusion ended").fill((start + dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    message = _submit(page, "Record infusion")
    assert "Infusion recorded." in message and "Deviations" not in message
    assert "week 1" in page.locator("table").last.inner_text()

    # the week-1 clinic visit, linked, and the endpoint
    make_assessment(world.patient_a, date=today - dt.timedelta(days=1), findings=[], pga=0.5)
    page.goto(url)
    label("Planned visit").select_option("week 1")
    label("Clinic visit").select_option(label=str(today - dt.timedelta(days=1)))
    assert "week 1 recorded." in _submit(page, "Link follow-up visit")
    label("Endpoint at visit").select_option("week 1")
    assert "tolerated" in _submit(page, "Compute endpoint")
    assert "Immediate tolerance" in page.locator("#endpoints").inner_text()
    assert "stage: endpoint" in page.locator("#stage").inner_text()
    _only_refusals(page, 3)  # the analyst's release, a wrong password twice


def test_a_blocked_order_shows_the_fda_warning_and_needs_two_signatures(page, login, setup):
    world, _, today = setup
    make_programme(name="Clinic offer", regulatory_status="unknown_or_unapproved")
    url = f"/celltherapy/patients/{world.patient_a.pk}/"
    _as(page, login, "dr_in_team")
    page.goto(url)
    page.get_by_label("Programme").select_option(label="Clinic offer")
    page.get_by_label("Referral reason").fill("patient asked about a clinic offer")
    assert "BLOCKED" in _submit(page, "Refer")
    gate = page.locator(".enrolment").filter(has_text="Clinic offer").locator(
        "#gate-status")
    assert "the regulatory status is unknown or unapproved" in gate.inner_text()
    assert "you are likely being deceived" in gate.inner_text()
    gate.get_by_label("Override reason (physician)").fill("IRB-approved single-patient protocol")
    assert "a second, different physician must countersign" in _submit(page, "Request override")
    # the same physician cannot countersign
    page.get_by_label("Countersigning physician (username)").fill("dr_in_team")
    page.get_by_label("Countersigning physician's password").fill(PASSWORD)
    assert "must be a different person" in _submit(page, "Countersign override")
    _as(page, login, "second_nurse")
    page.goto(url)
    page.get_by_label("Countersigning physician (username)").fill("second_nurse")
    page.get_by_label("Countersigning physician's password").fill(PASSWORD)
    assert "Override countersigned." in _submit(page, "Countersign override")
    assert "Overridden by" in page.locator(".enrolment").filter(
        has_text="Clinic offer").locator("#gate-status").inner_text()
    _only_refusals(page, 1)  # the same physician's countersignature
