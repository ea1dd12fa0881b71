"""Product release specification and the evaluation of a lot's test results.

A specification is data: one line per attribute, with operator, limit, unit, whether it must be
in before release, and its source. The ISCT identity panel (Dominici 2006) is the default MSC
identity block; marker "or" groups (CD14 or CD11b, CD79a or CD19) pass when at least one member
was measured and every measured member passes. Missing required results make a lot not
releasable, naming them; any failed result makes it not releasable (only the exceptional-release
path in ``lot`` can then let it go).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.compare import Op
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError


class ProductSource(StrEnum):
    """Where the cells come from (cell-therapy.md §1.3 and §7)."""

    AUTOLOGOUS_BM = "autologous_bm"
    ALLOGENEIC_BM = "allogeneic_bm"
    UMBILICAL_CORD = "umbilical_cord"
    WHARTONS_JELLY = "whartons_jelly"
    ADIPOSE = "adipose"
    AMNIOTIC = "amniotic"
    AUTOLOGOUS_T_CELL_CAR = "autologous_t_cell_car"
    ALLOGENEIC_T_CELL_CAR = "allogeneic_t_cell_car"

    @property
    def autologous(self) -> bool:
        return self in {ProductSource.AUTOLOGOUS_BM, ProductSource.AUTOLOGOUS_T_CELL_CAR}


ISCT_SOURCE = Source(
    "Dominici M et al. Minimal criteria for defining multipotent mesenchymal stromal cells. "
    "Cytotherapy 2006;8(4):315-317, doi:10.1080/14653240600855905 (cell-therapy.md §1.1)",
    Certainty.VERIFIED,
)
ISCT_POSITIVE_MIN_PCT = 95.0  # CD105, CD73, CD90: >= 95% of cells express
ISCT_NEGATIVE_MAX_PCT = 2.0  # CD45, CD34, CD14|CD11b, CD79a|CD19, HLA-DR: <= 2% express

VIABILITY_SOURCE = Source(
    "Thawed, washed BM-MSC product >= 70% viable: Circ Res 2018 phase I/II release table, "
    "PMC5993622 T5 (others use >= 80% or >= 85%: cell-therapy.md §1.2)",
    Certainty.VERIFIED, "https://pmc.ncbi.nlm.nih.gov/articles/PMC5993622/",
)
VIABILITY_MIN_PCT_EXAMPLE = 70.0
POTENCY_SOURCE = Source(
    "PHA-stimulated PBMC proliferation inhibited by >= 20% (PMC9289888; s12967-018-1659-4; "
    "cell-therapy.md §1.2)", Certainty.VERIFIED,
)
POTENCY_MIN_INHIBITION_PCT_EXAMPLE = 20.0
COMPENDIAL_SOURCE = Source(
    "Published MSC release tables (cell-therapy.md §1.2): sterility no growth (USP <71>, or "
    "automated culture), Gram stain no organisms, mycoplasma negative, normal karyotype; "
    "pharmacopoeial chapter numbers [R]", Certainty.VERIFIED,
)

NO_GROWTH = "no growth"
NO_GROWTH_TO_DATE = "no growth to date"


@dataclass(frozen=True)
class SpecLine:
    """One release test. Numeric lines compare with ``op``/``limit``; qualitative lines accept
    the values in ``accepted``. ``op`` None on a numeric line means "record it" (judged
    elsewhere, e.g. endotoxin per kg at dosing)."""

    attribute: str
    method: str
    unit: str = ""
    op: Op | None = None
    limit: float | None = None
    accepted: tuple[str, ...] = ()
    group: str = ""  # members of one "or" group share a group name
    required: bool = True  # required before release
    final_culture: bool = False  # may still be "no growth to date" at a pending release
    source: Source | None = None

    @property
    def qualitative(self) -> bool:
        return bool(self.accepted)

    def describe(self) -> str:
        if self.qualitative:
            return f"{self.attribute}: {' / '.join(self.accepted)}"
        if self.op is None:
            return f"{self.attribute}: recorded ({self.unit})"
        return f"{self.attribute} {self.op.value} {self.limit:g} {self.unit}".rstrip()


@dataclass(frozen=True)
class ReleaseSpec:
    product: str
    version: str
    lines: tuple[SpecLine, ...]

    def __post_init__(self) -> None:
        names = [line.attribute for line in self.lines]
        if len(set(names)) != len(names):
            raise InputError("release_spec.lines", "attribute names must be unique")


@dataclass(frozen=True)
class QcResult:
    attribute: str
    value: float | str
    entered_by: str


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"
    PENDING = "pending"  # final culture: no growth to date


@dataclass(frozen=True)
class LineOutcome:
    attribute: str
    outcome: Outcome
    detail: str


@dataclass(frozen=True)
class ReleaseEvaluation:
    lot_number: str
    product: str
    spec_version: str
    lines: tuple[LineOutcome, ...]
    missing_required: tuple[str, ...]
    failed: tuple[str, ...]
    pending_final: tuple[str, ...]
    entered_by: frozenset[str]

    @property
    def releasable(self) -> bool:
        """Every required result in and every result passing, final cultures included."""
        return not (self.missing_required or self.failed or self.pending_final)

    @property
    def releasable_pending_final_sterility(self) -> bool:
        """Everything in and passing except final cultures still growing nothing to date."""
        return not (self.missing_required or self.failed) and bool(self.pending_final)

    def to_dict(self) -> dict[str, object]:
        return {
            "lot_number": self.lot_number, "product": self.product,
            "spec_version": self.spec_version,
            "releasable": self.releasable,
            "releasable_pending_final_sterility": self.releasable_pending_final_sterility,
            "missing_required": list(self.missing_required), "failed": list(self.failed),
            "pending_final": list(self.pending_final),
            "lines": [{"attribute": x.attribute, "outcome": x.outcome.value, "detail": x.detail}
                      for x in self.lines],
        }


def _judge(line: SpecLine, result: QcResult, where: str) -> LineOutcome:
    if line.qualitative:
        if not isinstance(result.value, str):
            raise InputError(f"{where}.value", f"{line.attribute} takes one of {line.accepted}")
        value = result.value.strip().casefold()
        if value in {a.casefold() for a in line.accepted}:
            return LineOutcome(line.attribute, Outcome.PASS, result.value)
        if line.final_culture and value == NO_GROWTH_TO_DATE:
            return LineOutcome(line.attribute, Outcome.PENDING, "no growth to date (final pending)")
        return LineOutcome(line.attribute, Outcome.FAIL,
                           f"{result.value!r}, expected {' / '.join(line.accepted)}")
    bounds = {"minimum": 0, "maximum": 100} if line.unit == "%" else {}
    value = _check.number(f"{where}.value", result.value, **bounds)
    if line.op is None or line.limit is None:
        return LineOutcome(line.attribute, Outcome.PASS, f"{value:g} {line.unit} recorded")
    ok = line.op.holds(value, line.limit)
    return LineOutcome(line.attribute, Outcome.PASS if ok else Outcome.FAIL,
                       f"{value:g} {line.unit}, limit {line.op.value} {line.limit:g}")


def evaluate_release(spec: ReleaseSpec, lot_number: str,
                     results: Sequence[QcResult]) -> ReleaseEvaluation:
    """Judge every result against ``spec``; name what is missing, failed or pending."""
    lot_number = _check.text("lot_number", lot_number)
    by_name = {line.attribute: line for line in spec.lines}
    entered: dict[str, tuple[int, QcResult]] = {}
    for i, result in enumerate(results):
        where = f"results[{i}]"
        if result.attribute not in by_name:
            raise InputError(f"{where}.attribute",
                             f"{result.attribute!r} is not in release spec {spec.version}")
        if result.attribute in entered:
            raise InputError(f"{where}.attribute", f"{result.attribute} entered twice")
        _check.text(f"{where}.entered_by", result.entered_by)
        entered[result.attribute] = (i, result)

    outcomes: list[LineOutcome] = []
    for line in spec.lines:
        if line.attribute in entered:
            i, result = entered[line.attribute]
            outcomes.append(_judge(line, result, f"results[{i}]"))
        else:
            outcomes.append(LineOutcome(line.attribute, Outcome.MISSING, "no result"))

    missing, failed, pending = [], [], []
    outcome_of = {o.attribute: o for o in outcomes}
    for group in _groups(spec.lines):
        members = [outcome_of[line.attribute] for line in group]
        name = group[0].group or group[0].attribute
        measured = [m for m in members if m.outcome is not Outcome.MISSING]
        failed += [m.attribute for m in measured if m.outcome is Outcome.FAIL]
        pending += [m.attribute for m in measured if m.outcome is Outcome.PENDING]
        if not measured and any(line.required for line in group):
            missing.append(name)
    return ReleaseEvaluation(lot_number, spec.product, spec.version, tuple(outcomes), tuple(missing),
                             tuple(failed), tuple(pending),
                             frozenset(r.entered_by.strip() for _, r in entered.values()))


def _groups(lines: Iterable[SpecLine]) -> list[list[SpecLine]]:
    groups: dict[str, list[SpecLine]] = {}
    for line in lines:
        groups.setdefault(line.group or f"\0{line.attribute}", []).append(line)
    return list(groups.values())


def isct_identity_lines() -> tuple[SpecLine, ...]:
    """The ISCT 2006 identity panel: >= 95% CD105/CD73/CD90, <= 2% of each negative marker."""
    pos = [SpecLine(m, "flow cytometry", "%", Op.GE, ISCT_POSITIVE_MIN_PCT, source=ISCT_SOURCE)
           for m in ("CD73", "CD90", "CD105")]
    neg = [SpecLine(m, "flow cytometry", "%", Op.LE, ISCT_NEGATIVE_MAX_PCT, group=g,
                    source=ISCT_SOURCE)
           for m, g in (("CD45", ""), ("CD34", ""), ("CD14", "CD14|CD11b"),
                        ("CD11b", "CD14|CD11b"), ("CD79a", "CD79a|CD19"),
                        ("CD19", "CD79a|CD19"), ("HLA-DR", ""))]
    return tuple(pos + neg)


def msc_release_spec(product: str, version: str, *,
                     viability_min_pct: float = VIABILITY_MIN_PCT_EXAMPLE,
                     potency_min_inhibition_pct: float = POTENCY_MIN_INHIBITION_PCT_EXAMPLE,
                     karyotype_required: bool = True,
                     endotoxin_max_eu_per_ml: float | None = None) -> ReleaseSpec:
    """A release spec from the published MSC tables; every limit is a parameter.

    Endotoxin is always recorded (EU/mL); without a per-mL limit it is judged per kg of the
    recipient at dosing (``dosing.endotoxin_check``). Karyotype is often tested on the cell bank
    rather than each lot: set ``karyotype_required=False`` for such products.
    """
    viability_min_pct = _check.number("viability_min_pct", viability_min_pct, minimum=0,
                                      maximum=100)
    endo_op = None if endotoxin_max_eu_per_ml is None else Op.LE
    lines = isct_identity_lines() + (
        SpecLine("viability", "7-AAD flow / trypan blue", "%", Op.GE, viability_min_pct,
                 source=VIABILITY_SOURCE),
        SpecLine("gram_stain", "Gram stain", accepted=("no organisms seen",),
                 source=COMPENDIAL_SOURCE),
        SpecLine("sterility", "USP <71> / automated culture", accepted=(NO_GROWTH,),
                 final_culture=True, source=COMPENDIAL_SOURCE),
        SpecLine("endotoxin", "LAL (USP <85>)", "EU/mL", endo_op, endotoxin_max_eu_per_ml,
                 source=COMPENDIAL_SOURCE),
        SpecLine("mycoplasma", "PCR/NAT or culture", accepted=("negative",),
                 source=COMPENDIAL_SOURCE),
        SpecLine("karyotype", "G-banding", accepted=("normal",), required=karyotype_required,
                 source=COMPENDIAL_SOURCE),
        SpecLine("potency_pbmc_inhibition", "PHA-PBMC proliferation", "%", Op.GE,
                 potency_min_inhibition_pct, source=POTENCY_SOURCE),
    )
    return ReleaseSpec(product, version, lines)
