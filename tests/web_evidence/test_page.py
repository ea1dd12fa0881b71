"""/evidence/: the report's content (patients first, then clinicians), interactive forest plots
from embedded JSON under a strict CSP, public access, cached context, navigation for every role."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from lupuscare.evidence.lupus import report
from lupuscare.web.evidence import context
from lupuscare.web.navigation import MENU, links_for
from web.factories import World

pytestmark = pytest.mark.django_db

SECTION_ORDER = ["disclaimer-top", "plain-summary", "certainty-plain", "approval", "fda-warning",
                 "claims", "overlap", "randomised", "prepost", "remission", "grade", "sources",
                 "disclaimer-bottom"]  # fmt: skip


@pytest.fixture(scope="module")
def report_ctx() -> dict:
    return report.report_context()


@pytest.fixture
def page_html(client: Client) -> str:
    response = client.get("/evidence/")
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_can_read_it_and_sections_come_patients_first(page_html: str):
    positions = [page_html.find(f'id="{s}"') for s in SECTION_ORDER]
    assert all(p > 0 for p in positions), dict(zip(SECTION_ORDER, positions, strict=True))
    assert positions == sorted(positions)


def test_plain_language_text_is_the_reports_own(page_html: str, report_ctx: dict):
    from django.utils.html import escape

    for paragraph in report_ctx["plain_summary"]:
        assert escape(paragraph) in page_html
    assert page_html.count(escape(report.DISCLAIMER)) == 2  # top and bottom
    assert escape(report.APPROVAL_STATUS) in page_html
    assert escape(report.FDA_WARNING) in page_html
    assert "FDA warning about unapproved stem-cell clinics" in page_html


def test_certainty_is_stated_in_words_for_every_outcome(page_html: str, report_ctx: dict):
    from django.utils.html import escape

    items = re.findall(r'<li data-outcome="([^"]+)">(.*?)</li>', page_html, re.DOTALL)
    assert [escape(c["outcome"]) for c in report_ctx["certainty"]] == [o for o, _ in items]
    for cert, (_, body) in zip(report_ctx["certainty"], items, strict=True):
        assert f"{cert['final']} certainty" in body
    # every outcome rates very low (docs/evidence/lupus.md), with GRADE's meaning spelled out
    assert all(c["final"] == "very low" for c in report_ctx["certainty"])
    assert "We have very little confidence" in page_html


def test_clinician_tables_carry_the_numbers(page_html: str, report_ctx: dict):
    rr = next(e for e in report_ctx["randomised"]["binary"] if e["outcome"] == "remission_any")
    assert "0.90 (0.55 to 1.46)" in page_html  # RR of renal remission, Deng 2017 (9/12 vs 5/6)
    assert rr["RR_exp"]["estimate"] == pytest.approx(0.9)
    assert "9/12" in page_html and "5/6" in page_html
    for sid in ("Deng2017", "Liang2010", "Gu2014", "Barbado2018"):
        assert sid in page_html
    for heading in ("Checks", "Overlapping patient cohorts", "correlation sensitivity",
                    "How certain is the evidence? (GRADE)", "Sources and the dataset"):  # fmt: skip
        assert heading in page_html
    assert report_ctx["dataset_digest"] in page_html
    assert not re.search(r"\b(nan|inf)\b", page_html, re.IGNORECASE)


def test_forest_plots_are_embedded_as_json_not_as_script(page_html: str, report_ctx: dict):
    assert report_ctx["figures_plotly"], "the report has at least one forest plot (remission)"
    for name, fig in report_ctx["figures_plotly"].items():
        div = f'id="forest-{name}" data-figure="forest-{name}-data"'
        assert div in page_html
        m = re.search(rf'<script id="forest-{name}-data" type="application/json">(.*?)</script>',
                      page_html, re.DOTALL)  # fmt: skip
        assert m, name
        assert json.loads(m.group(1)) == json.loads(json.dumps(fig["figure"]))
    # every other <script> is an external file from our origin: nothing inline to execute
    for tag in re.findall(r"<script[^>]*>", page_html):
        assert 'type="application/json"' in tag or re.search(r'src="/static/', tag), tag
    assert "/static/vendor/plotly/plotly.min.js" in page_html
    assert "/static/evidence/plots.js" in page_html


def test_strict_csp_header(client: Client):
    csp = client.get("/evidence/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_context_is_computed_once(monkeypatch):
    context.evidence_page.cache_clear()
    calls = []
    real = report.report_context
    monkeypatch.setattr(report, "report_context", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = context.evidence_page()
    assert context.evidence_page() is first
    assert calls == [1]


def test_only_get(client: Client):
    assert client.post("/evidence/").status_code == 405


def test_every_role_has_an_evidence_link(world: World, client: Client):
    for role in MENU:
        assert ("Evidence", "/evidence/") in links_for(role), role
    client.force_login(world.patient_a.user)
    assert (
        '<a href="/evidence/" aria-current="page">Evidence</a>'
        in client.get("/evidence/").content.decode()
    )
    client.force_login(world.clinician_a)
    assert '<a href="/evidence/">Evidence</a>' in client.get("/clinic/").content.decode()


def test_signed_in_users_get_the_tool_link(world: World, client: Client):
    assert 'href="/evidence/meta/"' in client.get("/evidence/").content.decode()
    client.force_login(world.clinician_a)
    assert "Open the meta-analysis tool" in client.get("/evidence/").content.decode()
