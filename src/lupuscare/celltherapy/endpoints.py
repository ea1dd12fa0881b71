"""Protocol-defined response and relapse rules as versioned data.

A ruleset is an ordered list of response levels (best first); a level is met when all its
conditions hold. Conditions compare a visit value, its change from baseline, or its percent of
baseline, and may apply only when the baseline lies in a range (e.g. LUNAR-style partial renal
response: UPCR < 1 if baseline <= 3, else <= 3). Inputs are plain numbers: SLEDAI-2K, DORIS,
LLDAS, SRI-4 and renal response come from ``lupuscare.instruments``; this module does not
re-implement them. A missing input makes the result "not evaluable", naming it.

The Nanjing MCR/PCR/relapse thresholds (Wang 2014, Arthritis Res Ther 16:R79) could not be
found (cell-therapy.md §3.2 [?]), so no ruleset for them ships here: a site enters the protocol's
own rules. The templates below are tagged with their certainty; results carry it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.compare import Op
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError


class Measure(StrEnum):
    VALUE = "value"  # the visit value
    FALL = "fall"  # baseline - visit (absolute)
    PERCENT_FALL = "percent_fall"  # (baseline - visit) / baseline x 100
    PERCENT_OF_BASELINE = "percent_of_baseline"  # visit / baseline x 100


@dataclass(frozen=True)
class Condition:
    key: str
    op: Op
    value: float
    measure: Measure = Measure.VALUE
    when_baseline: tuple[Op, float] | None = None  # applies only if baseline[key] op value

    def describe(self) -> str:
        text = f"{self.key} {self.measure.value} {self.op.value} {self.value:g}"
        if self.when_baseline:
            text += f" (when baseline {self.when_baseline[0].value} {self.when_baseline[1]:g})"
        return text


@dataclass(frozen=True)
class Level:
    name: str
    all_of: tuple[Condition, ...]


@dataclass(frozen=True)
class Ruleset:
    name: str
    version: str
    levels: tuple[Level, ...]
    source: Source
    none_label: str = "none"


@dataclass(frozen=True)
class EndpointResult:
    ruleset: str
    version: str
    result: str | None  # a level name, the none label, or None when not evaluable
    missing: tuple[str, ...]
    detail: tuple[str, ...]
    certainty: Certainty

    def to_dict(self) -> dict[str, object]:
        return {"ruleset": self.ruleset, "version": self.version, "result": self.result,
                "missing": list(self.missing), "detail": list(self.detail),
                "certainty": self.certainty.value}


def _value(where: str, data: Mapping[str, float], key: str) -> float | None:
    if key not in data or data[key] is None:
        return None
    return _check.number(f"{where}.{key}", data[key])


def _condition(cond: Condition, visit: Mapping[str, float],
               baseline: Mapping[str, float]) -> tuple[bool | None, str, list[str]]:
    missing = []
    current = _value("visit", visit, cond.key)
    if current is None:
        missing.append(f"visit.{cond.key}")
    base = None
    if cond.measure is not Measure.VALUE or cond.when_baseline:
        base = _value("baseline", baseline, cond.key)
        if base is None:
            missing.append(f"baseline.{cond.key}")
    if missing:
        return None, cond.describe() + ": missing", missing
    if cond.when_baseline and base is not None and \
            not cond.when_baseline[0].holds(base, cond.when_baseline[1]):
        return True, cond.describe() + ": not applicable", []
    assert current is not None
    if cond.measure is Measure.VALUE:
        measured = current
    else:
        assert base is not None
        if cond.measure is Measure.FALL:
            measured = base - current
        elif base == 0:
            raise InputError(f"baseline.{cond.key}", "is 0: a percent change is undefined")
        elif cond.measure is Measure.PERCENT_FALL:
            measured = (base - current) / base * 100
        else:
            measured = current / base * 100
    ok = cond.op.holds(round(measured, 9), cond.value)
    return ok, f"{cond.describe()}: {measured:.4g} -> {'met' if ok else 'not met'}", []


def evaluate_endpoint(ruleset: Ruleset, visit: Mapping[str, float],
                      baseline: Mapping[str, float] | None = None) -> EndpointResult:
    """The best level whose conditions all hold; 'none' if none; None if inputs are missing."""
    baseline = baseline or {}
    detail: list[str] = []
    missing: list[str] = []
    for level in ruleset.levels:
        outcomes = [_condition(c, visit, baseline) for c in level.all_of]
        level_missing = [m for _, _, ms in outcomes for m in ms]
        detail += [f"{level.name}: {text}" for _, text, _ in outcomes]
        if level_missing:
            missing += [m for m in level_missing if m not in missing]
            continue
        if all(ok for ok, _, _ in outcomes):
            if missing:  # a better level could not be judged: do not claim a lower one
                break
            return EndpointResult(ruleset.name, ruleset.version, level.name, (), tuple(detail),
                                  ruleset.source.certainty)
    if missing:
        return EndpointResult(ruleset.name, ruleset.version, None, tuple(missing),
                              tuple(detail), ruleset.source.certainty)
    return EndpointResult(ruleset.name, ruleset.version, ruleset.none_label, (), tuple(detail),
                          ruleset.source.certainty)


def evaluate_relapse(ruleset: Ruleset, *, prior_response: bool, visit: Mapping[str, float],
                     baseline: Mapping[str, float] | None = None) -> EndpointResult:
    """Relapse counts only after a prior clinical response (Wang 2014 [V])."""
    if not prior_response:
        return EndpointResult(ruleset.name, ruleset.version, "not_applicable", (),
                              ("no prior response: relapse is not defined",),
                              ruleset.source.certainty)
    return evaluate_endpoint(ruleset, visit, baseline)


# The endpoint inputs the record does not hold directly, defined here with the rulesets that read
# them (the web shell computes them from the record with these, never with its own copies).
# Active urinary sediment: any of the SLEDAI-2K urinary items (casts, haematuria, pyuria) scored
# at the visit (LUNAR-style renal response, "inactive sediment"; recalled, as the ruleset below).
SEDIMENT_ITEMS = ("urinary_casts", "hematuria", "pyuria")
# The steroid-taper time point of Kamen 2022 (prednisone <= 10 mg/day by week 20).
PREDNISONE_TAPER_WEEK = 20


def active_sediment(sledai_items: dict[str, int]) -> int:
    """1 when any urinary sediment item scored in the visit's SLEDAI-2K, else 0."""
    return int(any(sledai_items.get(item) for item in SEDIMENT_ITEMS))


def taper_day(day0: date) -> date:
    """The day of the steroid-taper time point after the infusion on ``day0``."""
    return day0 + timedelta(weeks=PREDNISONE_TAPER_WEEK)


LUNAR_STYLE_RENAL = Ruleset(
    name="LUNAR-style renal response (template)",
    version="1",
    levels=(
        Level("complete", (
            Condition("upcr_g_g", Op.LT, 0.5),
            Condition("creatinine", Op.LE, 115, Measure.PERCENT_OF_BASELINE),
            Condition("active_sediment", Op.EQ, 0),
        )),
        Level("partial", (
            Condition("upcr_g_g", Op.GE, 50, Measure.PERCENT_FALL),
            Condition("upcr_g_g", Op.LT, 1, when_baseline=(Op.LE, 3)),
            Condition("upcr_g_g", Op.LE, 3, when_baseline=(Op.GT, 3)),
            Condition("creatinine", Op.LE, 115, Measure.PERCENT_OF_BASELINE),
        )),
    ),
    source=Source("LUNAR-style complete/partial renal response as recalled in cell-therapy.md "
                  "§3.2; not checked against the LUNAR paper: verify before use",
                  Certainty.RECALLED),
)

GENERIC_RELAPSE = Ruleset(
    name="BILAG relapse after response (template)",
    version="1",
    levels=(
        Level("relapse", (Condition("bilag_new_a", Op.GE, 1),)),
        Level("relapse", (Condition("bilag_new_b", Op.GE, 2),)),
    ),
    source=Source("cell-therapy.md §3.2 generic relapse rule (new BILAG A or >= 2 new BILAG B), "
                  "to adapt per protocol", Certainty.RECALLED),
    none_label="no_relapse",
)


KAMEN2022_SRI4 = Ruleset(
    name="MUSC phase I SRI-4 with steroid taper (Kamen 2022)",
    version="1",
    levels=(
        Level("responder", (
            Condition("sri4_responder", Op.EQ, 1),  # from lupuscare.instruments (sri, k=4)
            Condition("prednisone_mg_day_week20", Op.LE, 10),
        )),
    ),
    source=Source("Kamen DL et al. Lupus Sci Med 2022;9:e000704: SRI-4 at week 24 with failure "
                  "to taper prednisone to <= 10 mg/day by week 20 counted as treatment failure "
                  "(cell-therapy.md §3.1, §3.2)", Certainty.VERIFIED,
                  "https://lupus.bmj.com/highwire/citation/140705/zotero"),
    none_label="non_responder",
)

PARIS_MSC_SLE_TOLERANCE = Ruleset(
    name="Immediate tolerance (MSC-SLE, NCT03562065)",
    version="1",
    levels=(Level("tolerated", (Condition("max_ctcae_grade", Op.LE, 2),)),),
    source=Source("MSC-SLE NCT03562065 primary endpoint: any CTCAE toxicity >= grade 3 counts as "
                  "not tolerated (cell-therapy.md §3.1, §4.1)", Certainty.VERIFIED,
                  "https://trials.co/clinical-trials-details/-/NCT03562065"),
    none_label="not_tolerated",
)


def b_cell_aplasia_days(infusion_date: date, cd19_counts: Sequence[tuple[date, float]], *,
                        reconstitution_per_ul: float) -> int | None:
    """Days from infusion to the first CD19+ count at or above the protocol's reconstitution
    threshold (cells/µL), or None if not yet reconstituted. The threshold has no default: it is
    protocol data (cell-therapy.md §6.3 names the endpoint, not a cut-off)."""
    day0 = _check.day("infusion_date", infusion_date)
    limit = _check.number("reconstitution_per_ul", reconstitution_per_ul, positive=True)
    rows = []
    for i, (when, count) in enumerate(cd19_counts):
        when = _check.day(f"cd19_counts[{i}].date", when)
        if when < day0:
            raise InputError(f"cd19_counts[{i}].date", f"{when} is before the infusion on {day0}")
        rows.append((when, _check.number(f"cd19_counts[{i}].value", count, minimum=0)))
    for when, count in sorted(rows):
        if count >= limit:
            return (when - day0).days
    return None
