"""Education content: every statement sourced, a disclaimer on every page, the myths corrected."""

from __future__ import annotations

import re

import pytest

from lupuscare.web.diary.education import DISCLAIMER, PAGES

CERTAINTIES = {"verified", "single-source", "recalled"}
URL = re.compile(r"^https?://\S+$")


def _statements():
    for page in PAGES:
        for section in page.sections:
            for st in section.statements:
                yield page, st


def test_every_statement_has_a_source_with_a_url_or_doi_and_a_certainty():
    n = 0
    for page, st in _statements():
        n += 1
        assert st.sources, f"{page.slug}: unsourced statement {st.text!r}"
        for s in st.sources:
            assert URL.match(s.url), (page.slug, s.url)
            assert s.title and s.certainty in CERTAINTIES
    assert n >= 25


def test_required_pages_and_myths_are_there():
    slugs = {p.slug for p in PAGES}
    assert {"what-is-lupus", "triggers", "treatments", "kidneys", "cell-therapy", "myths"} <= slugs
    myths = " ".join(st.text for p, st in _statements() if p.slug == "myths")
    assert "not cells that can become 'any cell'" in myths
    assert "antibiotics are not a general cause of lupus" in myths and "drug-induced lupus" in myths
    assert "no stem-cell product is approved for lupus" in myths


def test_cell_therapy_page_carries_the_fda_warning_with_its_source():
    page = next(p for p in PAGES if p.slug == "cell-therapy")
    texts = [(st.text, st.sources) for s in page.sections for st in s.statements]
    fda = [t for t, srcs in texts if any("fda.gov" in x.url for x in srcs)]
    assert any("likely being deceived" in t for t in fda)
    assert any("blindness, tumours and infections" in t for t in fda)


def test_classification_criteria_are_labelled_classification_not_diagnosis():
    text = " ".join(st.text for _, st in _statements())
    assert "classification criteria for research" in text and "not a diagnostic test" in text


@pytest.mark.django_db
def test_every_page_renders_every_statement_its_sources_and_the_disclaimer(patient_client):
    index = patient_client.get("/diary/learn/").content.decode()
    assert DISCLAIMER in index
    for page in PAGES:
        r = patient_client.get(f"/diary/learn/{page.slug}/")
        assert r.status_code == 200
        body = r.content.decode()
        assert DISCLAIMER in body and page.title in body
        for section in page.sections:
            for st in section.statements:
                from django.utils.html import escape

                assert escape(st.text) in body
                for s in st.sources:
                    assert escape(s.url) in body
    assert patient_client.get("/diary/learn/no-such-page/").status_code == 404


def _by_text(fragment: str):
    hits = [st for _, st in _statements() if fragment in st.text]
    assert len(hits) == 1, fragment
    return hits[0]


def test_sulfonamide_antibiotics_are_named_as_a_flare_trigger_with_verified_sources():
    page = next(p for p in PAGES if p.slug == "triggers")
    st = next(st for s in page.sections for st in s.statements if "Sulfonamide" in st.text)
    assert "trigger a lupus flare" in st.text and "trimethoprim-sulfamethoxazole" in st.text
    urls = {s.url for s in st.sources}
    assert "https://pubmed.ncbi.nlm.nih.gov/1629825/" in urls  # Petri & Allbritton 1992
    assert all(s.certainty == "verified" for s in st.sources)


@pytest.mark.parametrize("fragment", [
    "Sun protection (shade, clothing, broad-spectrum sunscreen)",
    "The insights page only says which things went together",
    "a fever while taking them needs a prompt call",
])
def test_statements_eular_does_not_make_are_no_longer_cited_to_eular(fragment):
    st = _by_text(fragment)
    assert not any("EULAR" in s.title for s in st.sources), st.sources


def test_car_t_statement_mentions_compassionate_use_and_expanded_access():
    st = _by_text("CAR-T is not an approved lupus treatment")
    assert "compassionate use" in st.text and "expanded access" in st.text
    assert "only in clinical trials" not in st.text
    assert any("expanded-access" in s.url for s in st.sources)
    assert any("36109639" in s.url for s in st.sources)  # Mackensen 2022: compassionate use
