"""The report: key sections, plain language first, self-contained (no external scripts/styles)."""

from __future__ import annotations

import re

import pytest

from lupuscare.evidence.lupus import report


@pytest.fixture(scope="module")
def ctx():
    return report.report_context()


@pytest.fixture(scope="module")
def page(ctx):
    return report.render_html(ctx)


SECTIONS = (
    "plain-summary",
    "questions",
    "approval",
    "fda-warning",
    "claims",
    "overlap",
    "randomised",
    "prepost",
    "remission",
    "grade",
    "sources",
    "disclaimer",
)


def test_every_key_section_is_present(page):
    for section in SECTIONS:
        assert f'id="{section}"' in page or f"id='{section}'" in page, section
    assert page.index('id="plain-summary"') < page.index('id="claims"')  # patients first


def test_no_external_scripts_styles_or_assets(page):
    assert "<script" not in page.lower()
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?https?:", page, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']https?:""", page, re.IGNORECASE)
    # The only absolute URLs are SVG/XLink namespace identifiers, which load nothing.
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_forest_plots_are_inline_svg_from_the_engine(ctx, page):
    assert set(ctx["figures"]) == {"remission"}  # the only synthesis of two or more reports
    assert page.count("<svg") == 1
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_no_forest_for_a_single_study(ctx):
    # Deng 2017 is the only trial with data: its results are tables, never a one-study "pooled" plot.
    assert not any(name.startswith("rct_") for name in ctx["figures"])
    assert all(e["RD"]["k"] == 1 for e in ctx["randomised"]["binary"])


def test_required_messages_for_patients(ctx, page):
    text = " ".join(ctx["plain_summary"])
    assert "9 of 12" in text and "5 of 6" in text  # the blinded trial, in counts
    assert "very low" in text
    assert "No stem-cell or mesenchymal stromal cell (MSC) product is approved for lupus" in page
    assert "likely being deceived" in page  # the FDA warning
    assert "Not medical advice" in page and "Medical disclaimer" in page


def test_numbers_for_clinicians(page):
    assert "assumed r" in page and "0.2" in page and "0.8" in page  # correlation sensitivity
    assert "nanjing-drumtower" in page  # overlap table
    assert "risk of bias" in page and "publication bias" in page  # GRADE table
    assert "10.1136/annrheumdis-2017-211073" in page  # sources list


def test_context_is_plain_data_for_the_web_app(ctx):
    import json

    plain = {k: v for k, v in ctx.items() if k != "figures"}
    json.dumps(plain, default=float)  # serialisable, no model objects
    assert ctx["title"] and ctx["disclaimer"] and ctx["certainty"]


def test_inline_svg_refuses_scripts():
    with pytest.raises(ValueError):
        report._inline_svg("<svg><script>alert(1)</script></svg>")
    with pytest.raises(ValueError):
        report._inline_svg('<svg><image href="https://example.org/x.png"/></svg>')


def test_plotly_figures_for_the_web_app(ctx):
    import json

    assert set(ctx["figures_plotly"]) == set(ctx["figures"])
    fig = ctx["figures_plotly"]["remission"]["figure"]
    assert {"data", "layout"} <= set(fig)
    json.dumps(ctx["figures_plotly"])


def test_a_plot_failure_becomes_a_note_not_a_crash(monkeypatch):
    import lupuscare.evidence.plots as plots

    def broken(*args, **kwargs):
        raise RuntimeError("no backend")

    monkeypatch.setattr(plots, "forest", broken)
    ctx = report.report_context()
    assert ctx["figures"] == {}
    assert ctx["figure_notes"] and "no backend" in ctx["figure_notes"][0]
    page = report.render_html(ctx)
    assert "forest plot not drawn" in page and 'id="grade"' in page
