"""Issue 12.2: visit notes are printed as text. ``$...$`` is not read as a formula (matplotlib's
mathtext garbled it, and ``$\\frac$`` was a 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lupuscare.web.clinic import summary
from lupuscare.web.clinic.scoring import store_scores
from web.factories import make_assessment

pytestmark = pytest.mark.django_db

NOTES = [
    "Dose $x$ mg, ask about $$ costs",
    r"Ratio \frac{1}{2} and $\frac$ and $\frac{a}{$",
    r"Path C:\temp\new and a lone $ sign, 5$ and $5",
    "$$",
    r"$\alpha$ \\ ^_ {} %",
]


def _texts(figures) -> list:
    return [t for fig in figures for t in fig.texts]


@pytest.mark.parametrize("notes", NOTES)
def test_the_pdf_renders_and_prints_the_notes_as_written(clinician, world, notes):
    visit = make_assessment(world.patient_a, date=dt.date(2026, 3, 2), findings=["arthritis"],
                            pga=1.0, notes=notes)
    store_scores(visit)
    response = clinician.get(reverse("clinic:visit-pdf", args=[world.patient_a.pk, visit.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")

    texts = _texts(summary.pages(summary.build(visit)))
    heading = next(i for i, t in enumerate(texts) if t.get_text() == "Notes")
    printed = " ".join(t.get_text() for t in texts[heading + 1:heading + 1 + len(notes) // 95 + 1])
    assert printed.startswith(" ".join(notes.split()))
    # and matplotlib treats every line as plain text, never as mathtext or TeX
    for t in texts:
        shown, math = t._preprocess_math(t.get_text())
        assert math is False and shown == t.get_text()
