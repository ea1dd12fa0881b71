"""Cytopenias: new ones, neutropenia and anaemia, and counts that fall further, graded by depth.

Where an alert starts:
- platelets < 100 and leukocytes < 3 × 10⁹/L: the SLEDAI-2K glossary thresholds, imported from
  ``lupuscare.clinical.labs`` (one source of truth; Gladman DD et al. J Rheumatol 2002;29:288-91);
- neutrophils < 1.5 × 10⁹/L and haemoglobin < 10.0 g/dL: CTCAE v5 grade 2 and worse (project
  decision: grade 1 runs from the laboratory's lower limit of normal, which the context does not
  carry, so the alert starts where the grading no longer depends on it).

How deep (NCI CTCAE v5.0, 27 Nov 2017, "Investigations" and "Blood" terms; each band's lower
bound belongs to it, e.g. platelets 50 is grade 2 and 49.9 grade 3):
- platelet count decreased: G1 < LLN-75, G2 < 75-50, G3 < 50-25, G4 < 25 × 10⁹/L;
- neutrophil count decreased: G1 < LLN-1.5, G2 < 1.5-1.0, G3 < 1.0-0.5, G4 < 0.5 × 10⁹/L;
- white blood cell decreased: G1 < LLN-3.0, G2 < 3.0-2.0, G3 < 2.0-1.0, G4 < 1.0 × 10⁹/L;
- anaemia: G1 Hb < LLN-10.0, G2 < 10.0-8.0, G3 < 8.0 g/dL (grade 4 is clinical, not a number).
Certainty: single-source for all four. The CTCAE v5 term texts ("<LLN - 75,000/mm3",
"<1500 - 1000/mm3", "<3000 - 2000/mm3; <3.0 - 2.0 x 10e9/L", "Hgb <10.0 - 8.0 g/dL", "<8.0 g/dL;
transfusion indicated") were seen quoted identically in several independent public code files
and pages (search, this work). The NCI CTCAE v5.0 PDF itself was not opened.
Severity: grade 4 (platelets < 25, neutrophils < 0.5, leukocytes < 1.0 × 10⁹/L) is urgent
(life-threatening by CTCAE's own definition of grade 4); every other grade is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from lupuscare.clinical.labs import LEUKOPENIA_BELOW, THROMBOCYTOPENIA_BELOW
from lupuscare.rules.alert import Alert, Severity
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import LabResult, PatientContext

CYTOPENIA_CITATION = (
    "Thresholds of the SLEDAI-2K glossary (Gladman DD et al. J Rheumatol 2002;29:288-91) as used "
    "by lupuscare.clinical.labs; depth graded by NCI CTCAE v5.0 (2017)"
)
CTCAE_CITATION = "NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 Nov 2017"


@dataclass(frozen=True, slots=True)
class Count:
    """One blood count the rules grade: where the alert starts and CTCAE's grade bands."""

    test: str
    name: str  # plain words for the message
    unit: str
    alert_below: float
    # a value below grade_below[k] is at least grade k + 2 (below the first: grade 2, ...)
    grade_below: tuple[float, ...]
    grade_1_below: float | None  # None when the alert starts at grade 2 (grade 1 needs the LLN)

    def grade(self, value: float) -> int | None:
        """CTCAE grade of a value below ``alert_below``; None when not below it."""
        if not value < self.alert_below:
            return None
        grade = 1 if self.grade_1_below is not None else 2
        for k, bound in enumerate(self.grade_below, start=2):
            if value < bound:
                grade = k
        return grade


PLATELETS = Count("platelets", "thrombocytopenia", "× 10⁹/L", float(THROMBOCYTOPENIA_BELOW),
                  (75.0, 50.0, 25.0), grade_1_below=float(THROMBOCYTOPENIA_BELOW))
LEUKOCYTES = Count("wbc", "leukopenia", "× 10⁹/L", float(LEUKOPENIA_BELOW), (3.0, 2.0, 1.0),
                   grade_1_below=None)
NEUTROPHILS = Count("neutrophils", "neutropenia", "× 10⁹/L", 1.5, (1.5, 1.0, 0.5), grade_1_below=None)
HAEMOGLOBIN = Count("hemoglobin", "anaemia", "g/dL", 10.0, (10.0, 8.0), grade_1_below=None)
COUNTS: tuple[Count, ...] = (PLATELETS, LEUKOCYTES, NEUTROPHILS, HAEMOGLOBIN)
URGENT_GRADE = 4


def _severity(grade: int) -> Severity:
    return "urgent" if grade >= URGENT_GRADE else "warning"


def _run_start(history: list[LabResult], count: Count) -> LabResult:
    """The first result of the unbroken run of low results that ends with the latest."""
    start = history[-1]
    for x in reversed(history):
        if not x.value < count.alert_below:
            break
        start = x
    return start


def _new_below(count: Count, history: list[LabResult], code: str) -> Alert | None:
    """A count newly below its alert threshold (the previous result was not, or there is none)."""
    if not history or count.grade(history[-1].value) is None:
        return None
    latest = history[-1]
    previous = history[-2] if len(history) > 1 else None
    if previous is not None and previous.value < count.alert_below:
        return None  # known, not new (a further fall is cytopenia_worsening)
    grade = count.grade(latest.value)
    assert grade is not None
    before = ("no earlier result" if previous is None
              else f"previous {previous.value:g} on {previous.date.isoformat()}")
    return Alert(
        code=code,
        severity=_severity(grade),
        message=(f"New {count.name} (CTCAE grade {grade}): {count.test} {latest.value:g} {count.unit} on "
                 f"{latest.date.isoformat()} (below {count.alert_below:g}; {before}). Repeat the count "
                 "and look for lupus activity, drug toxicity or infection."),
        evidence={"test": count.test, "value": latest.value, "date": latest.date, "ctcae_grade": grade,
                  "threshold_below": count.alert_below,
                  "previous_value": previous.value if previous else None,
                  "previous_date": previous.date if previous else None},
        citation=CYTOPENIA_CITATION,
        certainty="single-source",
    )


def rule_new_thrombocytopenia(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _new_below(PLATELETS, ctx.lab_history("platelets"), "new_thrombocytopenia")


def rule_new_leukopenia(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _new_below(LEUKOCYTES, ctx.lab_history("wbc"), "new_leukopenia")


def _present(count: Count, history: list[LabResult], code: str, certainty) -> Alert | None:
    """An alert that stays on while the latest result is below the threshold; its grade (and so
    its message and severity) follows the latest result, so a deeper grade refreshes it."""
    if not history or count.grade(history[-1].value) is None:
        return None
    latest = history[-1]
    grade = count.grade(latest.value)
    assert grade is not None
    onset = _run_start(history, count)
    onset_grade = count.grade(onset.value)
    since = ("new" if onset is latest
             else f"below {count.alert_below:g} since {onset.date.isoformat()} (grade {onset_grade} then)")
    return Alert(
        code=code,
        severity=_severity(grade),
        message=(f"{count.name.capitalize()} CTCAE grade {grade}: {count.test} {latest.value:g} {count.unit} "
                 f"on {latest.date.isoformat()} ({since}). Repeat the count and look for drug "
                 "toxicity, lupus activity, haemolysis or infection."),
        evidence={"test": count.test, "value": latest.value, "date": latest.date, "ctcae_grade": grade,
                  "threshold_below": count.alert_below, "onset_date": onset.date,
                  "onset_grade": onset_grade},
        citation=CTCAE_CITATION,
        certainty=certainty,
    )


def rule_neutropenia(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _present(NEUTROPHILS, ctx.lab_history("neutrophils"), "neutropenia", "single-source")


def rule_anaemia(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    return _present(HAEMOGLOBIN, ctx.lab_history("hemoglobin"), "anaemia", "single-source")


def worsening(count: Count, history: list[LabResult]) -> dict | None:
    """How a count already below its threshold has fallen further: its latest result is in a
    deeper CTCAE grade than the first low result of the current run (or stays at grade 4)."""
    if len(history) < 2 or count.grade(history[-1].value) is None:
        return None
    onset = _run_start(history, count)
    latest = history[-1]
    if onset is latest:
        return None  # new, not worse: the new_* / present-state alerts say so
    grade, onset_grade = count.grade(latest.value), count.grade(onset.value)
    assert grade is not None and onset_grade is not None
    if not (grade > onset_grade or grade >= URGENT_GRADE):
        return None
    return {"test": count.test, "name": count.name, "unit": count.unit, "value": latest.value,
            "date": latest.date, "ctcae_grade": grade, "onset_value": onset.value,
            "onset_date": onset.date, "onset_grade": onset_grade}


def rule_cytopenia_worsening(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    """Every count that fell to a deeper grade since it first went low, in one alert (one code,
    so two worsening counts never overwrite each other's stored alert)."""
    histories = {
        "platelets": ctx.lab_history("platelets"),
        "wbc": ctx.lab_history("wbc"),
        "neutrophils": ctx.lab_history("neutrophils"),
        "hemoglobin": ctx.lab_history("hemoglobin"),
    }
    found = [w for c in COUNTS if (w := worsening(c, histories[c.test])) is not None]
    if not found:
        return None
    worst = max(w["ctcae_grade"] for w in found)
    parts = [f"{w['test']} {w['value']:g} {w['unit']} on {w['date'].isoformat()}, CTCAE grade "
             f"{w['ctcae_grade']} (was {w['onset_value']:g}, grade {w['onset_grade']}, on "
             f"{w['onset_date'].isoformat()})" for w in found]
    return Alert(
        code="cytopenia_worsening",
        severity=_severity(worst),
        message=("Falling further: " + "; ".join(parts) + ". Review drug toxicity, lupus activity "
                 "and infection; consider holding myelotoxic drugs."),
        evidence={"counts": found, "worst_ctcae_grade": worst},
        citation=CTCAE_CITATION,
        certainty="single-source",
    )
