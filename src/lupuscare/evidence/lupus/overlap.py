"""Overlapping patient cohorts: find them, and keep one report per cohort in any pooled analysis.

Most MSC-in-lupus reports come from one programme (Drum Tower Hospital, Nanjing, Sun L group):
pilot series, a 4-year cohort, a 5-year update, a multicentre series that includes Drum Tower, a
lupus-nephritis series and a long-term LN cohort. Their enrolment years overlap or are not
reported, and none says how many patients it shares with the others, so the same patients may
appear in several of them (the data allow "may", not "are"). Pooling them as independent studies
could count people twice and shrink the confidence interval for no reason
(evidence-synthesis.md §B.5), so each is treated as possibly overlapping. The dataset therefore carries a
``cohort_id``; a study without one is its own cohort.

The rule, stated once so the report can print it:
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lupuscare.evidence.lupus.dataset import DISTINCT_COHORT, Dataset, same_centre_pairs

RULE = (
    "Within one cohort, a pooled analysis keeps exactly one report per outcome: the report with "
    "the largest number of patients contributing to that outcome; on a tie, the most recent "
    "report; on a further tie, the first study id in alphabetical order. Reports whose numbers "
    "are not seen in a primary source (secondary, unverified, not seen) are never candidates."
)


@dataclass(frozen=True)
class Candidate:
    """One report offering data for an outcome."""

    study_id: str
    cohort: str
    n: int
    year: int


@dataclass(frozen=True)
class Selection:
    """What a pooled analysis keeps and what it sets aside, with the reason for each exclusion."""

    kept: tuple[Candidate, ...]
    excluded: tuple[tuple[Candidate, str], ...]

    def to_dict(self) -> dict:
        return {
            "rule": RULE,
            "kept": [c.__dict__ for c in self.kept],
            "excluded": [{**c.__dict__, "reason": why} for c, why in self.excluded],
        }


def _rank(c: Candidate) -> tuple:
    # Largest n first, then most recent, then alphabetical study id.
    return (-c.n, -c.year, c.study_id)


def one_per_cohort(candidates: Iterable[Candidate]) -> Selection:
    """Apply ``RULE``: one candidate per cohort; every cohort with a candidate keeps exactly one."""
    by_cohort: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_cohort.setdefault(c.cohort, []).append(c)
    kept: list[Candidate] = []
    excluded: list[tuple[Candidate, str]] = []
    for cohort in sorted(by_cohort):
        ranked = sorted(by_cohort[cohort], key=_rank)
        winner = ranked[0]
        kept.append(winner)
        for other in ranked[1:]:
            excluded.append(
                (
                    other,
                    f"same cohort ({cohort}) as {winner.study_id}, "
                    f"which has {winner.n} patients for this outcome",
                )
            )
    return Selection(kept=tuple(kept), excluded=tuple(excluded))


@dataclass(frozen=True)
class CohortGroup:
    """Reports that share a cohort, with how many patients they report between them."""

    cohort: str
    centre_periods: tuple[str, ...]
    reports: tuple[tuple[str, int, int | None], ...]  # (study_id, year, largest n reported)
    periods: tuple[tuple[str, str], ...] = ()  # (study_id, enrolment years or "not reported")

    @property
    def naive_total(self) -> int:
        """Patients counted if every report were treated as independent."""
        return sum(n or 0 for _, _, n in self.reports)

    @property
    def largest_report(self) -> int:
        """A lower bound on distinct patients: the largest single report."""
        return max((n or 0 for _, _, n in self.reports), default=0)

    def to_dict(self) -> dict:
        return {
            "cohort": self.cohort,
            "centre_periods": list(self.centre_periods),
            "reports": [
                {
                    "study_id": s,
                    "year": y,
                    "max_n": n,
                    "period": dict(self.periods).get(s, "not reported"),
                }
                for s, y, n in self.reports
            ],
            "naive_total": self.naive_total,
            "largest_report": self.largest_report,
        }


def cohort_groups(
    dataset: Dataset, *, exclude_designs: Sequence[str] = ("meta_analysis",)
) -> list[CohortGroup]:
    """Cohorts with more than one report, for the overlap table (largest n per report shown)."""
    reports: dict[str, dict[str, tuple[int, int | None, str]]] = {}
    for r in dataset:
        if r.design in exclude_designs:
            continue
        per_cohort = reports.setdefault(r.cohort, {})
        year, n_max, centre = per_cohort.get(r.study_id, (r.year, None, r.centre_period))
        if r.n is not None and r.n > 1 and (n_max is None or r.n > n_max):
            n_max = r.n
        per_cohort[r.study_id] = (year, n_max, centre or r.centre_period)
    groups = []
    for cohort, studies in sorted(reports.items()):
        if len(studies) < 2:
            continue
        ordered = sorted(studies.items(), key=lambda kv: (kv[1][0], kv[0]))
        groups.append(
            CohortGroup(
                cohort=cohort,
                centre_periods=tuple(dict.fromkeys(c for _, (_, _, c) in ordered if c)),
                reports=tuple((sid, y, n) for sid, (y, n, _) in ordered),
                periods=tuple((sid, _period(dataset, sid)) for sid, _ in ordered),
            )
        )
    return groups


def _period(dataset: Dataset, study_id: str) -> str:
    p = dataset.first(study_id).period
    return f"{p[0]}-{p[1]}" if p else "not reported"


def centre_flags(dataset: Dataset) -> list[dict]:
    """Every pair of reports from one centre in overlapping (or unknown) periods, and how it is
    handled: merged into one cohort, or declared distinct by the curator."""
    out = []
    for a, b, centre in same_centre_pairs(dataset):
        if a.cohort == b.cohort:
            handling = f"same cohort ({a.cohort}): counted once"
        else:
            handling = f"declared {DISTINCT_COHORT} in the notes"
        periods = " / ".join(
            f"{r.study_id} {r.period[0]}-{r.period[1]}"
            if r.period
            else f"{r.study_id} period not reported"
            for r in (a, b)
        )
        out.append(
            {
                "a": a.study_id,
                "b": b.study_id,
                "centre": centre,
                "periods": periods,
                "handling": handling,
            }
        )
    return out
