"""The patient companion on a phone-sized screen (390 x 844): check in, see the trend, open an
insight, trigger a red flag. Console errors (a CSP violation, a script error) fail every test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from lupuscare.web.diary.checkin import local_today
from lupuscare.web.records.models import DiaryEntry
from web.factories import PASSWORD, make_world
from web_diary.helpers import stress_diary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return make_world()


@pytest.fixture
def phone(browser, live_server, world) -> Iterator:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True,
                                  has_touch=True, timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(world.patient_a.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")
    yield page
    context.close()


def test_check_in_then_see_the_trend(phone, world):
    assert phone.get_by_role("heading", name="My diary").is_visible()
    phone.get_by_role("link", name="Daily check-in").click()
    phone.wait_for_url("**/diary/check-in/")
    # first check-in: the browser's own time zone is preselected by checkin.js
    assert phone.locator("#tz-current").inner_text() == "Europe/Berlin"
    phone.get_by_label("Tiredness or exhaustion").fill("6")
    phone.get_by_label("Joint pain").fill("3")
    phone.get_by_label("Time in the sun (hours)").fill("2.5")
    phone.get_by_label("Infection (cold, flu, urine infection...)").select_option("no")
    save = phone.get_by_role("button", name="Save check-in")
    box = save.bounding_box()
    assert box["height"] >= 44 and box["width"] <= PHONE["width"]  # a large touch target that fits
    save.click()
    phone.wait_for_url("**/diary/check-in/saved/**")
    assert phone.get_by_text("saved").first.is_visible()
    assert phone.get_by_role("alert").count() == 0  # no warning sign: no urgent message
    entry = DiaryEntry.objects.get(patient=world.patient_a, local_date=local_today("Europe/Berlin"))
    assert entry.symptoms == {"fatigue": 6, "joint_pain": 3} and entry.time_zone == "Europe/Berlin"

    phone.get_by_role("link", name="See your trends").click()
    phone.wait_for_url("**/diary/trends/")
    chart = phone.locator("#symptom-chart")
    chart.locator(".main-svg").first.wait_for()
    assert chart.get_attribute("data-drawn") == "2"
    assert chart.bounding_box()["width"] <= PHONE["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    assert phone.console_errors == []  # no CSP violation: Plotly injects no inline style


def test_bad_rating_is_named_and_nothing_is_saved(phone, world):
    phone.goto("/diary/check-in/")
    phone.get_by_label("Tiredness or exhaustion").fill("12")
    phone.get_by_role("button", name="Save check-in").click()
    phone.wait_for_load_state()
    summary = phone.locator(".error-summary")
    assert "Nothing was saved" in summary.inner_text()
    assert "Tiredness or exhaustion" in summary.inner_text()
    assert not DiaryEntry.objects.filter(patient=world.patient_a,
                                         local_date=local_today("Europe/Berlin")).exists()
    # the refused form answers 400, which Chromium logs; nothing else may appear
    assert [e for e in phone.console_errors if "status of 400" not in e] == []


def test_open_an_insight(phone, world):
    end = local_today("UTC")
    start = end - dt.timedelta(days=89)
    DiaryEntry.objects.bulk_create([
        DiaryEntry(patient=world.patient_a, local_date=start + dt.timedelta(days=i), time_zone="UTC", **row)
        for i, row in enumerate(stress_diary(90))
    ])
    phone.goto("/diary/insights/")
    insight = phone.locator("details.insight").first
    assert "went together" in insight.locator("summary").inner_text()
    assert not insight.locator("dl").is_visible()
    insight.locator("summary").click()
    assert insight.locator("dl").is_visible()
    assert "high-stress days" in insight.locator("dl").inner_text()
    assert "cause" not in phone.content().lower()
    assert phone.console_errors == []


def test_red_flag_shows_urgent_help_at_once(phone, world):
    phone.goto("/diary/check-in/")
    phone.get_by_label("Chest pain when breathing in").check()
    phone.get_by_role("button", name="Save check-in").click()
    phone.wait_for_url("**/diary/check-in/saved/**")
    alert = phone.get_by_role("alert")
    assert alert.is_visible()
    text = alert.inner_text()
    assert "Please get medical help" in text and "chest pain when breathing in" in text
    assert "emergency" in text and "care team has been alerted" in text
    top = alert.bounding_box()["y"]
    assert top < PHONE["height"]  # visible without scrolling
    from lupuscare.web.clinic.models import ClinicAlert

    assert ClinicAlert.objects.filter(patient=world.patient_a, code="diary_chest_pain_breathing").exists()
    assert phone.console_errors == []
