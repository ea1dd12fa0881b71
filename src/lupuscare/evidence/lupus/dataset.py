"""The curated dataset of mesenchymal stromal cell (MSC) studies in lupus: loading and validation.

One CSV row per study x outcome x time point x arm (``msc_sle.csv`` beside this module). Every
number carries its source (citation, DOI or registry ID, where it was read) and a provenance flag,
so a reader can always tell a number seen in a paper from one inferred or copied from a review.
The validator refuses a file that breaks the schema rather than guessing: a wrong denominator in
this dataset would end up as a wrong figure in front of a patient.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from lupuscare.errors import InputError

DATA_FILE = "msc_sle.csv"

COLUMNS: tuple[str, ...] = (
    "study_id",
    "year",
    "citation",
    "doi_or_id",
    "design",
    "population",
    "cohort_id",
    "centre_period",
    "centres",
    "period",
    "arm",
    "n",
    "cell_source",
    "dose",
    "schedule",
    "background_rx",
    "outcome",
    "outcome_label",
    "timepoint",
    "time_months",
    "stat",
    "value",
    "sd",
    "ci_lb",
    "ci_ub",
    "unit",
    "provenance",
    "derivation",
    "source",
    "location",
    "notes",
)

# Study designs. Single-arm and case-series data are before/after, never a comparison.
DESIGNS = ("rct", "single_arm", "case_series", "cohort", "meta_analysis")
ARMS = ("msc", "placebo", "control", "pooled")
STATS = (
    "mean",
    "median",
    "count",
    "percent",
    "value",
    "qualitative",
    "smd",
    "wmd",
    "md",
    "or",
    "rr",
)
# Provenance, weakest number of the row wins:
#   seen       read in the primary report (abstract, table) at the place in `source`/`location`
#   derived    computed from seen numbers; `derivation` says how
#   secondary  only in a later review or summary, not in the primary report
#   unverified recalled or inferred, not checked against any source
#   not_seen   looked for and not found: the row documents the gap and carries no number
PROVENANCE = ("seen", "derived", "secondary", "unverified", "not_seen")
# Only these may enter a pooled or recomputed number.
POOLABLE_PROVENANCE = frozenset({"seen", "derived"})

_STUDY_ID = re.compile(r"^[A-Z][A-Za-z]+([0-9]{4})[a-z]*$")
_COUNT_STATS = frozenset({"count"})
_CENTRE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PERIOD = re.compile(r"^([0-9]{4})-([0-9]{4})$")
# Notes containing this phrase declare two same-centre reports to be different patients.
DISTINCT_COHORT = "distinct cohort"
_INTERVAL_STATS = frozenset({"smd", "wmd", "md", "or", "rr", "percent", "count"})


@dataclass(frozen=True)
class Row:
    """One number (or one documented gap) with its source."""

    index: int  # 1-based data row number in the file (header is row 0)
    study_id: str
    year: int
    citation: str
    doi_or_id: str
    design: str
    population: str
    cohort_id: str
    centre_period: str
    centres: tuple[str, ...]  # normalised centre keys, e.g. ("nanjing-drumtower",)
    period: tuple[int, int] | None  # enrolment years (first, last); None when not reported
    arm: str
    n: int | None
    cell_source: str
    dose: str
    schedule: str
    background_rx: str
    outcome: str
    outcome_label: str
    timepoint: str
    time_months: float | None
    stat: str
    value: float | None
    sd: float | None
    ci_lb: float | None
    ci_ub: float | None
    unit: str
    provenance: str
    derivation: str
    source: str
    location: str
    notes: str

    @property
    def cohort(self) -> str:
        """The patient cohort this report draws on; a study without one is its own cohort."""
        return self.cohort_id or self.study_id

    @property
    def poolable(self) -> bool:
        return self.provenance in POOLABLE_PROVENANCE and self.value is not None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Dataset:
    """The validated rows, with the few look-ups the analysis needs."""

    rows: tuple[Row, ...]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def study_ids(self) -> list[str]:
        return sorted({r.study_id for r in self.rows})

    def study(self, study_id: str) -> list[Row]:
        return [r for r in self.rows if r.study_id == study_id]

    def first(self, study_id: str) -> Row:
        """The first row of a study (study-level fields are the same on every row)."""
        for r in self.rows:
            if r.study_id == study_id:
                return r
        raise InputError("study_id", f"no study {study_id!r} in the dataset")

    def select(
        self,
        *,
        outcome: str | None = None,
        study_id: str | None = None,
        arm: str | None = None,
        design: Iterable[str] | None = None,
        stat: str | None = None,
        poolable_only: bool = False,
    ) -> list[Row]:
        designs = set(design) if design is not None else None
        return [
            r
            for r in self.rows
            if (outcome is None or r.outcome == outcome)
            and (study_id is None or r.study_id == study_id)
            and (arm is None or r.arm == arm)
            and (designs is None or r.design in designs)
            and (stat is None or r.stat == stat)
            and (not poolable_only or r.poolable)
        ]

    def value(
        self, study_id: str, outcome: str, *, arm: str = "pooled", stat: str | None = None
    ) -> Row:
        """Exactly one row for (study, outcome, arm[, stat]); an error names what is ambiguous."""
        found = [r for r in self.select(study_id=study_id, outcome=outcome, arm=arm, stat=stat)]
        if len(found) != 1:
            raise InputError(f"{study_id}.{outcome}", f"expected one {arm} row, found {len(found)}")
        return found[0]


def _float(text: str, field: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(field, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(field, f"{text!r} is not a finite number")
    return value


def _int(text: str, field: str) -> int | None:
    value = _float(text, field)
    if value is None:
        return None
    if value != int(value):
        raise InputError(field, f"{text!r} is not a whole number")
    return int(value)


def _parse_row(index: int, raw: dict[str, str]) -> Row:
    where = f"row {index}"
    values = {c: (raw.get(c) or "").strip() for c in COLUMNS}

    study_id = values["study_id"]
    if not _STUDY_ID.match(study_id):
        raise InputError(f"{where}.study_id", f"{study_id!r} is not of the form AuthorYYYY")
    year = _int(values["year"], f"{where}.year")
    if year is None or not 1990 <= year <= 2100:
        raise InputError(f"{where}.year", "a publication year between 1990 and 2100 is required")
    if year != int(_STUDY_ID.match(study_id).group(1)):
        raise InputError(f"{where}.year", f"{year} disagrees with the study id {study_id!r}")
    for required in ("citation", "source"):
        if not values[required]:
            raise InputError(f"{where}.{required}", "is required on every row")
    for name, allowed in (("design", DESIGNS), ("provenance", PROVENANCE)):
        if values[name] not in allowed:
            raise InputError(
                f"{where}.{name}", f"{values[name]!r} is not one of {', '.join(allowed)}"
            )
    provenance = values["provenance"]
    if values["arm"] and values["arm"] not in ARMS:
        raise InputError(f"{where}.arm", f"{values['arm']!r} is not one of {', '.join(ARMS)}")
    if values["stat"] and values["stat"] not in STATS:
        raise InputError(f"{where}.stat", f"{values['stat']!r} is not one of {', '.join(STATS)}")

    n = _int(values["n"], f"{where}.n")
    if n is not None and n <= 0:
        raise InputError(f"{where}.n", "a sample size must be positive")
    value = _float(values["value"], f"{where}.value")
    sd = _float(values["sd"], f"{where}.sd")
    ci_lb = _float(values["ci_lb"], f"{where}.ci_lb")
    ci_ub = _float(values["ci_ub"], f"{where}.ci_ub")
    time_months = _float(values["time_months"], f"{where}.time_months")
    stat = values["stat"]

    if provenance == "not_seen":
        if any(x is not None for x in (value, sd, ci_lb, ci_ub)):
            raise InputError(
                f"{where}.value", "a not_seen row documents a gap and carries no number"
            )
    else:
        if not values["outcome"] or not values["arm"] or not stat:
            raise InputError(
                f"{where}.outcome", "outcome, arm and stat are required unless not_seen"
            )
        if value is None and stat != "qualitative":
            raise InputError(f"{where}.value", f"stat {stat!r} needs a value")
        if stat == "qualitative" and value is not None:
            raise InputError(f"{where}.value", "a qualitative row carries no number")
    if provenance == "derived" and not values["derivation"]:
        raise InputError(f"{where}.derivation", "a derived number must say how it was derived")
    if provenance != "derived" and values["derivation"]:
        raise InputError(f"{where}.derivation", "only derived rows carry a derivation")

    if sd is not None:
        if stat != "mean":
            raise InputError(f"{where}.sd", "an SD belongs to a mean")
        if sd < 0:
            raise InputError(f"{where}.sd", "a standard deviation cannot be negative")
    if (ci_lb is None) != (ci_ub is None):
        raise InputError(f"{where}.ci_lb", "give both interval limits or neither")
    if ci_lb is not None:
        if stat not in _INTERVAL_STATS:
            raise InputError(f"{where}.ci_lb", f"no interval is expected for stat {stat!r}")
        if not ci_lb <= (value if value is not None else ci_lb) <= ci_ub:
            raise InputError(
                f"{where}.ci_lb", f"the interval [{ci_lb}, {ci_ub}] must contain {value}"
            )
        if stat in ("or", "rr") and ci_lb <= 0:
            raise InputError(f"{where}.ci_lb", "a ratio's interval must be positive")
    if stat in _COUNT_STATS and value is not None:
        if value < 0 or value != int(value):
            raise InputError(f"{where}.value", "a count is a non-negative whole number")
        if n is not None and value > n:
            raise InputError(f"{where}.value", f"{int(value)} events exceed the denominator n={n}")
    if stat == "percent" and value is not None and not 0 <= value <= 100:
        raise InputError(f"{where}.value", "a percentage lies between 0 and 100")
    if stat in ("or", "rr") and value is not None and value <= 0:
        raise InputError(f"{where}.value", "a ratio must be positive")

    centres = tuple(c for c in values["centres"].split(";") if c)
    for c in centres:
        if not _CENTRE.match(c):
            raise InputError(
                f"{where}.centres", f"{c!r} is not a lower-case centre key like 'nanjing-drumtower'"
            )
    period = None
    if values["period"]:
        m = _PERIOD.match(values["period"])
        if not m or int(m.group(1)) > int(m.group(2)):
            raise InputError(
                f"{where}.period", f"{values['period']!r} is not a period like 2007-2010"
            )
        period = (int(m.group(1)), int(m.group(2)))

    return Row(
        index=index,
        study_id=study_id,
        year=year,
        citation=values["citation"],
        doi_or_id=values["doi_or_id"],
        design=values["design"],
        population=values["population"],
        cohort_id=values["cohort_id"],
        centre_period=values["centre_period"],
        centres=centres,
        period=period,
        arm=values["arm"],
        n=n,
        cell_source=values["cell_source"],
        dose=values["dose"],
        schedule=values["schedule"],
        background_rx=values["background_rx"],
        outcome=values["outcome"],
        outcome_label=values["outcome_label"],
        timepoint=values["timepoint"],
        time_months=time_months,
        stat=stat,
        value=value,
        sd=sd,
        ci_lb=ci_lb,
        ci_ub=ci_ub,
        unit=values["unit"],
        provenance=provenance,
        derivation=values["derivation"],
        source=values["source"],
        location=values["location"],
        notes=values["notes"],
    )


def _check_consistency(rows: list[Row]) -> None:
    """Rules across rows: unique keys, one design and cohort per study, one n per arm and time."""
    seen_keys: dict[tuple, int] = {}
    study_fields: dict[str, tuple] = {}
    arm_n: dict[tuple, tuple[int, int]] = {}
    for r in rows:
        if r.provenance == "not_seen":
            continue
        key = (r.study_id, r.arm, r.outcome, r.timepoint, r.stat, r.outcome_label)
        if key in seen_keys:
            raise InputError(
                f"row {r.index}",
                f"duplicates row {seen_keys[key]} ({', '.join(map(str, key[:5]))})",
            )
        seen_keys[key] = r.index
        fields = (r.design, r.cohort, r.year, r.centres, r.period)
        previous = study_fields.setdefault(r.study_id, fields)
        if previous != fields:
            raise InputError(
                f"row {r.index}.design",
                f"{r.study_id} has design/cohort/year/centres/period {fields}, earlier rows say {previous}",
            )
        if r.n is not None and r.stat in ("mean", "median", "count", "percent"):
            nkey = (r.study_id, r.arm, r.outcome, r.timepoint)
            prev = arm_n.setdefault(nkey, (r.n, r.index))
            if prev[0] != r.n:
                raise InputError(
                    f"row {r.index}.n",
                    f"n={r.n} disagrees with n={prev[0]} on row {prev[1]} for the same arm, outcome and time",
                )


def periods_overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    """Whether two enrolment periods can share patients; an unknown period always can."""
    if a is None or b is None:
        return True
    return a[0] <= b[1] and b[0] <= a[1]


def same_centre_pairs(rows: Iterable[Row]) -> list[tuple[Row, Row, str]]:
    """Pairs of reports (first row of each) from a shared centre with overlapping periods."""
    firsts: dict[str, Row] = {}
    for r in rows:
        if r.design != "meta_analysis" and r.centres:
            firsts.setdefault(r.study_id, r)
    studies = sorted(firsts.values(), key=lambda r: r.study_id)
    pairs = []
    for i, a in enumerate(studies):
        for b in studies[i + 1 :]:
            shared = sorted(set(a.centres) & set(b.centres))
            if shared and periods_overlap(a.period, b.period):
                pairs.append((a, b, shared[0]))
    return pairs


def _check_shared_centres(rows: list[Row]) -> None:
    """Reports from one centre in overlapping periods must share a cohort, or say why not.

    This is what stops a new Drum Tower report from being pooled as an independent study: the
    curator either gives it the programme's cohort_id or writes "distinct cohort" and the reason in
    its notes.
    """
    for a, b, centre in same_centre_pairs(rows):
        if a.cohort == b.cohort:
            continue
        declared = any(
            DISTINCT_COHORT in r.notes.lower()
            for r in rows
            if r.study_id in (a.study_id, b.study_id)
        )
        if not declared:
            raise InputError(
                f"row {b.index}.cohort_id",
                f"{a.study_id} and {b.study_id} share centre {centre} in overlapping periods: give them "
                f"one cohort_id, or write '{DISTINCT_COHORT}' and why in the notes",
            )


def parse(text: str) -> Dataset:
    """Parse and validate the dataset from CSV text; raises ``InputError`` naming row and field."""
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        detail = "; ".join(
            p
            for p in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(extra)}" if extra else "",
                "columns out of order" if not missing and not extra else "",
            )
            if p
        )
        raise InputError("header", detail)
    rows = [_parse_row(i, raw) for i, raw in enumerate(reader, start=1)]
    if not rows:
        raise InputError("rows", "the dataset is empty")
    _check_consistency(rows)
    _check_shared_centres(rows)
    return Dataset(rows=tuple(rows))


def load(path: str | Path | None = None) -> Dataset:
    """Load the packaged dataset (or another file of the same schema) and validate it."""
    if path is None:
        text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError("path", f"cannot read {path}: {exc.strerror}") from None
    return parse(text)
