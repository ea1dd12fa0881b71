"""What the report says in words (issue 15 items 11-15): harms, urine protein, the uncontrolled
remission figure, the Nanjing overlap, Liu 2018's interval and the approval status."""

from __future__ import annotations

import math

import pytest

from lupuscare.evidence.lupus import page as page_mod
from lupuscare.evidence.lupus import report
from lupuscare.evidence.lupus.dataset import load


@pytest.fixture(scope="module")
def ctx():
    return report.report_context(with_figures=False)


@pytest.fixture(scope="module")
def summary(ctx) -> list[str]:
    return ctx["plain_summary"]


def _paragraph(summary: list[str], start: str) -> str:
    hits = [p for p in summary if p.startswith(start)]
    assert len(hits) == 1, start
    return hits[0]


# --- 11. harms ---------------------------------------------------------------------------------


def test_plain_summary_states_the_msc_death_and_the_second_serious_infection(summary):
    harms = _paragraph(summary, "Harms:")
    assert "of the 12 people given MSC, one died of severe pneumonia" in harms
    assert "another had a serious infection (pneumonia and an abscess under the skin" in harms
    assert "only death was in the MSC group (1 of 12, against 0 of 6)" in harms
    assert "harms with MSC were the graver ones" in harms
    # it comes right after the trial's benefit paragraph, before the uncontrolled series
    assert summary.index(harms) == summary.index(
        _paragraph(summary, "What the best evidence shows")) + 1


def test_the_words_for_each_harm_match_what_the_dataset_recorded():
    notes = " ".join(r.notes for r in load().select(
        study_id="Deng2017", outcome="patients_with_reported_adverse_events"))
    for phrase in report.HARMS_IN_WORDS:
        assert phrase in notes, phrase


def test_adverse_event_row_is_not_read_as_fewer_harms_with_msc(ctx):
    pg = page_mod.build(ctx)
    row = next(r for r in pg["randomised"]["binary"].rows if r[0].startswith("Patients with an"))
    assert "not of severity" in row[0]
    assert row[1].startswith("2/12") and "death from severe pneumonia" in row[1]
    assert row[2].startswith("2/6") and "stroke" in row[2]
    cert = next(c for c in ctx["certainty"] if c["outcome"].startswith("Patients with an"))
    assert "not of severity" in cert["summary"] and "death from severe pneumonia" in cert["summary"]


def test_no_harms_paragraph_without_described_events():
    rct = {"binary": [{"outcome": "patients_with_reported_adverse_events", "arms": [
        {"study_id": "X", "msc": "1/10", "control": "1/10", "msc_events": 1, "msc_n": 10,
         "control_events": 1, "control_n": 10}]}]}
    assert report.harms_paragraph(rct) is None


# --- 12. urine protein: change from baseline first -------------------------------------------


def test_urine_protein_leads_with_the_change_from_baseline_and_its_interval(summary):
    text = _paragraph(summary, "What the best evidence shows")
    # Deng 2017 Table 2: change -2.1 (1.8), n = 12, vs -1.4 (1.1), n = 6 -> MD -0.7
    se = math.sqrt(1.8**2 / 12 + 1.1**2 / 6)
    lo, hi = -0.7 - 1.959964 * se, -0.7 + 1.959964 * se
    lead = (f"Urine protein fell from the start of the trial by 2.1 g a day on average with MSC "
            f"and by 1.4 g with the dummy infusion: a difference of 0.7 g a day, with a range of "
            f"plausible values from {lo:.1f} to {hi:+.1f} that includes no difference.")
    assert lead in text
    assert text.index("fell from the start") < text.index("At 6 months")
    # end-of-treatment levels 1.0 vs 3.1: 2.1 lower, of which 1.4 was there at the start
    assert "the MSC group began about 1.4 g a day lower" in text


# --- 13. the uncontrolled remission figure ----------------------------------------------------


def test_remission_figure_names_its_studies_and_leaves_out_the_trial_arm(ctx, summary):
    text = _paragraph(summary, "Reports without a comparison group")
    studies = ctx["remission"]["studies"]
    assert [s["study_id"] for s in studies] == ["Barbado2018", "Gu2014"]
    assert "Barbado2018: 3 of 3" in text and "Gu2014: 49 of 81" in text
    assert "(SLEDAI)" in text  # Barbado's remission is SLEDAI-defined, and the text says so
    assert "Deng2017" not in text and "MSC arm is not in this figure" in text
    assert f"about {page_mod.pct(ctx['remission']['proportion']['estimate'])}" in text


# --- 14. Nanjing overlap, Liang 2010, Liu 2018's interval -------------------------------------


def test_nanjing_overlap_is_stated_as_possible_not_as_fact(summary):
    text = _paragraph(summary, "Possibly counted twice")
    assert "may be the same people" in text
    assert "do not say how many patients they share" in text
    assert "same hospital programme" not in " ".join(summary)


def test_liang_2010_counts_the_15_patients_treated(ctx):
    # Liang 2010 abstract (Ann Rheum Dis 2010;69:1423-9): 15 enrolled and treated, 13 followed
    # more than 12 months, 12-month means for n = 12.
    row = load().value("Liang2010", "patients_treated", arm="msc")
    assert (row.value, row.n, row.provenance) == (15, 15, "seen")
    group = ctx["overlap"]["groups"][0]
    liang = next(r for r in group["reports"] if r["study_id"] == "Liang2010")
    assert liang["max_n"] == 15
    assert group["naive_total"] == sum(r["max_n"] or 0 for r in group["reports"])


def test_liu_2018_sledai_interval_is_narrower_than_the_review_could_give(ctx, summary):
    claims = {c["key"]: c for c in ctx["claims"]["pooled_claims"]}
    sledai, protein = claims["sledai"], claims["proteinuria_24h"]
    # SMD -1.76 (-2.00 to -1.51): SE = 0.49 / 3.92; two groups need 2 x (2 + d^2/4) / SE^2
    se = (-1.51 - -2.00) / (2 * 1.959964)
    assert sledai["implied_measurements_independent"] == pytest.approx(2 * (2 + 1.76**2 / 4) / se**2)
    assert sledai["implied_measurements_independent"] > 213 and sledai["narrower_than_the_review_allows"]
    assert not protein["narrower_than_the_review_allows"]  # -2.46 to -1.03: about 42
    text = _paragraph(summary, "What was claimed")
    assert "(-2.00 to -1.51) is narrower than studies this small would usually give" in text
    assert "more than the 213 patients" in text
    check = next(c for c in ctx["claims"]["checks"] if c["claim"].startswith("SLE disease activity"))
    assert "probably too narrow" in check["explanation"]


# --- 15. approval: US and EU, with dates and sources ------------------------------------------


def test_approval_status_covers_the_us_and_the_eu_with_dates_and_sources(ctx):
    status = report.APPROVAL_STATUS
    assert "United States" in status and "European Union" in status
    assert "Ryoncil, 18 December 2024" in status and "Alofisel" in status
    assert "withdrawn in December 2024" in status and "No CAR-T product is approved for lupus" in status
    regions = {a["region"] for a in ctx["approvals"]}
    assert {"United States (FDA)", "European Union (EMA / European Commission)"} <= regions
    for a in ctx["approvals"]:
        assert a["source"] and a["status"]
    assert "23 March 2018" in next(a["status"] for a in ctx["approvals"] if "EMA" in a["region"])
    assert "checked 2026-12-04" in report.APPROVAL_SOURCE


def test_approval_table_is_in_the_html_report(ctx):
    html = report.render_html(ctx)
    start = html.index('id="approval"')
    section = html[start:html.index("</section>", start)]
    assert "darvadstrocel (Alofisel)" in section and "remestemcel-L (Ryoncil)" in section
