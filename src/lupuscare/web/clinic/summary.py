"""The visit summary the patient takes home: one data structure, rendered as a printable page
and as a PDF (matplotlib's PDF backend: no system libraries, already a project dependency)."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field
from typing import Any

from lupuscare.clinical.glucocorticoids import daily_prednisone_equivalent
from lupuscare.clinical.vocabulary import FINDINGS
from lupuscare.instruments import sfi
from lupuscare.instruments.display import DISPLAY
from lupuscare.web import seam
from lupuscare.web.records.models import Assessment

from .models import StoredScore


@dataclass
class VisitSummary:
    patient_name: str
    identifier: str
    date: str
    clinician: str
    findings: list[str]
    scores: list[tuple[str, str]]
    medications: list[str]
    prednisone_equivalent: float
    labs: list[str]
    notes: str
    citations: list[str] = field(default_factory=list)


def _shown(score: StoredScore) -> str:
    r: dict[str, Any] = score.result
    if score.instrument in ("lldas", "doris"):
        return "met" if score.met else ("not met" if score.met is False else "not assessable")
    if score.instrument == "sfi":
        return sfi.FLARE_WORDS.get(score.category, score.category)
    if score.instrument == "sle-das":
        return f"{r['score']:.2f} ({r['category'].replace('_', '/')})"
    if score.instrument == "sri":
        return f"{'responder' if r['responder'] else 'not a responder'} (SRI-{r['k']})"
    if score.value is None:
        return "-"
    return f"{score.value:g}"


def build(assessment: Assessment) -> VisitSummary:
    patient = assessment.patient
    scores = list(assessment.stored_scores.all())
    meds = list(patient.medications.active_on(assessment.date).order_by("drug"))
    labs = seam.PatientRecord.load(patient, with_visits=False).labs_in_window(assessment)
    return VisitSummary(
        patient_name=patient.full_name,
        identifier=patient.identifier,
        date=assessment.date.isoformat(),
        clinician=(assessment.clinician.get_full_name() or assessment.clinician.get_username())
        if assessment.clinician else "",
        findings=[f"{name.replace('_', ' ')}: {FINDINGS[name].definition}"
                  for name in assessment.findings if name in FINDINGS],
        scores=[(DISPLAY[s.instrument].plain, _shown(s)) for s in scores
                if s.instrument in DISPLAY],
        medications=[f"{m.drug.replace('_', ' ')}"
                     + (f" {m.daily_dose_mg:g} mg/day" if m.daily_dose_mg is not None else "")
                     + (" (pulse)" if m.pulse else "") for m in meds],
        prednisone_equivalent=daily_prednisone_equivalent(meds),
        labs=[f"{lab.test} {lab.value:g} {lab.unit}"
              + (" (outside the reference range)" if (lab.low is not None and lab.value < lab.low)
                 or (lab.high is not None and lab.value > lab.high) else "") for lab in labs],
        notes=assessment.notes,
        citations=sorted({s.citation for s in scores}),
    )


def to_pdf(summary: VisitSummary) -> bytes:
    """An A4 PDF of the summary (text only, wrapped, as many pages as needed)."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"Visit summary {summary.date}",
                                    "Creator": "lupuscare"}) as pdf:
        for fig in pages(summary):
            pdf.savefig(fig)
    return buffer.getvalue()


def pages(summary: VisitSummary) -> list:
    """The summary laid out on A4 matplotlib figures, one per page."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    lines: list[tuple[str, str]] = [
        ("h1", f"Visit summary: {summary.patient_name}"),
        ("p", f"Identifier {summary.identifier} - visit on {summary.date}"
              + (f" - clinician {summary.clinician}" if summary.clinician else "")),
        ("h2", "Scores"),
        *[("p", f"{name}: {value}") for name, value in summary.scores],
        ("h2", "Findings at this visit"),
        *([("p", f) for f in summary.findings] or [("p", "none recorded")]),
        ("h2", "Medicines"),
        *([("p", m) for m in summary.medications] or [("p", "none recorded")]),
        ("p", f"Glucocorticoid dose as prednisone: {summary.prednisone_equivalent:g} mg/day"),
        ("h2", "Laboratory results in the visit window"),
        *([("p", lab) for lab in summary.labs] or [("p", "none")]),
    ]
    if summary.notes:
        lines += [("h2", "Notes"), ("p", summary.notes)]
    lines += [("h2", "Sources"), *[("small", c) for c in summary.citations]]
    lines += [("small", "This summary supports your care; it does not replace your clinician's "
                        "advice.")]
    size = {"h1": 15, "h2": 12, "p": 10, "small": 7.5}
    width = {"h1": 60, "h2": 80, "p": 95, "small": 125}
    figures: list[Figure] = []
    y = 0.0
    for kind, text in lines:
        for j, chunk in enumerate(textwrap.wrap(text, width[kind]) or [""]):
            step = size[kind] / 72 / 11.69 * 1.45 + (0.012 if kind == "h2" and j == 0 else 0)
            if not figures or y - step < 0.05:
                figures.append(Figure(figsize=(8.27, 11.69)))
                y = 0.95
            y -= step
            # Text as text: ``$...$`` in a note is not a formula (mathtext would garble it or
            # raise on ``$\frac$``), and TeX is never run.
            figures[-1].text(0.08, y, chunk, fontsize=size[kind], parse_math=False, usetex=False,
                             fontweight="bold" if kind in ("h1", "h2") else "normal")
    return figures
