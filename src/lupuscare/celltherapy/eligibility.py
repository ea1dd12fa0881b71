"""Protocol eligibility: inclusion and exclusion criteria as versioned data.

The shell passes plain inputs: SLEDAI-2K totals already computed by ``lupuscare.instruments``,
BILAG-2004 domain grades, medication courses, labs, and the screening clinician's answers to the
protocol's questions that no lab answers (active CNS lupus, dialysis, infections, malignancy,
pregnancy...). Every criterion reports passed / failed / not assessable and why, so a screening
visit shows exactly what keeps a patient out. A question with no answer is "not assessed", which
blocks eligibility like any criterion not assessable: silence is never read as "absent". Units are
not converted here: a lab or a dose in a unit other than the criterion's is refused by name
(convert upstream with ``lupuscare.clinical``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.compare import Op
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError

BILAG_GRADES = ("A", "B", "C", "D", "E")


@dataclass(frozen=True)
class MedicationCourse:
    """A past course: drug, dose (in ``dose_unit``), how long, and whether it failed."""

    drug: str
    dose: float
    dose_unit: str
    days: int
    inadequate_response: bool


@dataclass(frozen=True)
class Lab:
    value: float
    unit: str
    uln: float | None = None  # the laboratory's upper limit of normal, same unit


@dataclass(frozen=True)
class EligibilityInputs:
    """Plain inputs for one screening. ``scores`` keys: e.g. ``sledai2k_total``."""

    scores: Mapping[str, float] = field(default_factory=dict)
    bilag: Mapping[str, str] | None = None  # domain -> grade A..E
    courses: Sequence[MedicationCourse] = ()
    labs: Mapping[str, Lab] = field(default_factory=dict)
    # the clinician's answers to AttestedCriterion questions: key -> True (present) / False
    answers: Mapping[str, bool] = field(default_factory=dict)


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_ASSESSABLE = "not_assessable"


@dataclass(frozen=True)
class CriterionResult:
    name: str
    kind: str  # inclusion | exclusion
    status: Status
    reason: str


@dataclass(frozen=True)
class ScoreCriterion:
    """Inclusion: a score (``scores[key]``) compared with a threshold, e.g. SLEDAI-2K >= 6."""

    name: str
    key: str
    op: Op
    value: float
    kind: str = "inclusion"

    def evaluate(self, inputs: EligibilityInputs) -> CriterionResult:
        if self.key not in inputs.scores or inputs.scores[self.key] is None:
            return CriterionResult(self.name, self.kind, Status.NOT_ASSESSABLE,
                                   f"{self.key} is missing")
        score = _check.number(f"scores.{self.key}", inputs.scores[self.key])
        ok = self.op.holds(score, self.value)
        return CriterionResult(self.name, self.kind, Status.PASSED if ok else Status.FAILED,
                               f"{self.key} {score:g} {'meets' if ok else 'does not meet'} "
                               f"{self.op.value} {self.value:g}")


@dataclass(frozen=True)
class BilagCriterion:
    """Inclusion: at least ``min_a`` domains graded A, or at least ``min_b`` graded B."""

    name: str
    min_a: int = 1
    min_b: int = 2
    kind: str = "inclusion"

    def evaluate(self, inputs: EligibilityInputs) -> CriterionResult:
        if inputs.bilag is None:
            return CriterionResult(self.name, self.kind, Status.NOT_ASSESSABLE,
                                   "BILAG-2004 grades are missing")
        for domain, grade in inputs.bilag.items():
            if grade not in BILAG_GRADES:
                raise InputError(f"bilag.{domain}", f"must be one of {BILAG_GRADES}, got {grade!r}")
        a = sum(g == "A" for g in inputs.bilag.values())
        b = sum(g == "B" for g in inputs.bilag.values())
        ok = a >= self.min_a or b >= self.min_b
        return CriterionResult(self.name, self.kind, Status.PASSED if ok else Status.FAILED,
                               f"{a} BILAG A and {b} BILAG B; needs >= {self.min_a} A "
                               f"or >= {self.min_b} B")


@dataclass(frozen=True)
class CourseRequirement:
    """A failed course that counts towards 'refractory': drug, dose range, minimum duration."""

    drug: str
    dose_unit: str
    min_dose: float
    min_days: int
    max_dose: float | None = None
    min_dose_exclusive: bool = False  # '> 20 mg/day' rather than '>= 20 mg/day'

    def describe(self) -> str:
        low = f"{'>' if self.min_dose_exclusive else '>='} {self.min_dose:g}"
        high = f" and <= {self.max_dose:g}" if self.max_dose is not None else ""
        return f"{self.drug} {low}{high} {self.dose_unit} for >= {self.min_days} days, failed"

    def met_by(self, course: MedicationCourse, where: str) -> bool:
        if course.drug.casefold() != self.drug.casefold():
            return False
        if course.dose_unit != self.dose_unit:
            raise InputError(f"{where}.dose_unit",
                             f"is {course.dose_unit!r}; criterion needs {self.dose_unit!r}")
        dose = _check.number(f"{where}.dose", course.dose, minimum=0)
        days = _check.number(f"{where}.days", course.days, minimum=0)
        low_ok = dose > self.min_dose if self.min_dose_exclusive else dose >= self.min_dose
        high_ok = self.max_dose is None or dose <= self.max_dose
        return low_ok and high_ok and days >= self.min_days and course.inadequate_response


@dataclass(frozen=True)
class RefractoryCriterion:
    """Inclusion: every ``all_of`` course failed, and at least ``min_any`` of ``any_of``."""

    name: str
    all_of: tuple[CourseRequirement, ...] = ()
    any_of: tuple[CourseRequirement, ...] = ()
    min_any: int = 1
    kind: str = "inclusion"

    def evaluate(self, inputs: EligibilityInputs) -> CriterionResult:
        def met(req: CourseRequirement) -> bool:
            return any(req.met_by(c, f"courses[{i}]") for i, c in enumerate(inputs.courses))

        missing_all = [r.describe() for r in self.all_of if not met(r)]
        met_any = [r.describe() for r in self.any_of if met(r)]
        need_any = self.min_any if self.any_of else 0
        ok = not missing_all and len(met_any) >= need_any
        parts = []
        if missing_all:
            parts.append("not met: " + "; ".join(missing_all))
        if self.any_of:
            parts.append(f"{len(met_any)} of the alternatives met (needs {need_any})"
                         + (": " + "; ".join(met_any) if met_any else ""))
        return CriterionResult(self.name, self.kind, Status.PASSED if ok else Status.FAILED,
                               "; ".join(parts) or "refractory definition met")


@dataclass(frozen=True)
class LabExclusion:
    """Exclusion: the patient is out if ``lab`` ``op`` ``limit`` (or times the ULN)."""

    name: str
    lab: str
    op: Op
    limit: float
    unit: str
    times_uln: bool = False
    kind: str = "exclusion"

    def evaluate(self, inputs: EligibilityInputs) -> CriterionResult:
        lab = inputs.labs.get(self.lab)
        if lab is None:
            return CriterionResult(self.name, self.kind, Status.NOT_ASSESSABLE,
                                   f"{self.lab} is missing")
        value = _check.number(f"labs.{self.lab}.value", lab.value)
        if lab.unit != self.unit:
            raise InputError(f"labs.{self.lab}.unit",
                             f"is {lab.unit!r}; this criterion needs {self.unit!r}")
        shown = f"{value:g} {self.unit}"
        if self.times_uln:
            uln = _check.number(f"labs.{self.lab}.uln", lab.uln, positive=True)
            value = value / uln
            shown = f"{value:.2f} x ULN"
        excluded = self.op.holds(value, self.limit)
        limit = f"{self.limit:g}{' x ULN' if self.times_uln else ' ' + self.unit}"
        return CriterionResult(
            self.name, self.kind, Status.FAILED if excluded else Status.PASSED,
            f"{self.lab} {shown} {'is' if excluded else 'is not'} {self.op.value} {limit}")


@dataclass(frozen=True)
class AttestedCriterion:
    """A criterion the screening clinician answers (a finding, not a lab): ``answers[key]``.

    For an exclusion, True (present) excludes and False (absent) passes; for an inclusion, True
    passes and False fails. No answer is "not assessed": the criterion is not assessable and the
    patient is not eligible until someone has looked.
    """

    name: str
    key: str
    question: str
    source: Source
    kind: str = "exclusion"

    def evaluate(self, inputs: EligibilityInputs) -> CriterionResult:
        answer = inputs.answers.get(self.key)
        if answer is None:
            return CriterionResult(self.name, self.kind, Status.NOT_ASSESSABLE,
                                   f"not assessed: {self.question}")
        if not isinstance(answer, bool):
            raise InputError(f"answers.{self.key}", f"must be yes or no, got {answer!r}")
        if self.kind == "exclusion":
            status = Status.FAILED if answer else Status.PASSED
            reason = "present: excluded" if answer else "absent"
        else:
            status = Status.PASSED if answer else Status.FAILED
            reason = "yes" if answer else "no: not met"
        return CriterionResult(self.name, self.kind, status, f"{self.question} {reason}")


Criterion = (ScoreCriterion | BilagCriterion | RefractoryCriterion | LabExclusion
             | AttestedCriterion)


@dataclass(frozen=True)
class CriteriaSet:
    """One protocol's criteria, versioned; evaluate() is pure."""

    protocol: str
    version: str
    criteria: tuple[Criterion, ...]
    source: Source

    @property
    def questions(self) -> tuple[AttestedCriterion, ...]:
        """The criteria the screening clinician answers, in protocol order."""
        return tuple(c for c in self.criteria if isinstance(c, AttestedCriterion))


@dataclass(frozen=True)
class EligibilityResult:
    protocol: str
    version: str
    eligible: bool
    results: tuple[CriterionResult, ...]

    @property
    def not_assessable(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.results if r.status is Status.NOT_ASSESSABLE)

    def to_dict(self) -> dict[str, object]:
        return {"protocol": self.protocol, "version": self.version, "eligible": self.eligible,
                "criteria": [{"name": r.name, "kind": r.kind, "status": r.status.value,
                              "reason": r.reason} for r in self.results]}


def evaluate_eligibility(criteria: CriteriaSet, inputs: EligibilityInputs) -> EligibilityResult:
    """Eligible only when every criterion passed; a criterion not assessable blocks eligibility.

    An answer to a question the protocol does not ask is refused (a misspelt key would otherwise
    leave the real question unanswered without anyone noticing).
    """
    asked = {q.key for q in criteria.questions}
    for key in inputs.answers:
        if key not in asked:
            raise InputError(f"answers.{key}", f"is not a question of {criteria.protocol}")
    results = tuple(c.evaluate(inputs) for c in criteria.criteria)
    eligible = all(r.status is Status.PASSED for r in results)
    return EligibilityResult(criteria.protocol, criteria.version, eligible, results)


# --- published examples (as listed on the registries; confirm against the current protocol) ---

_MISLE_SOURCE = Source("NCT02633163 exclusion criteria via centerwatch and Cedars-Sinai trial "
                       "pages (cell-therapy.md §3.1)", Certainty.SECONDARY,
                       "https://clinicaltrials.gov/study/NCT02633163")
# NCT01741857's registry record lists inclusion criteria only. A cell-therapy screening that asked
# nothing about these would let an active infection or a pregnancy through as "eligible", so the
# safety exclusions MiSLE lists are asked here too, marked unverified for this protocol.
_WANG_SAFETY_SOURCE = Source(
    "not in the NCT01741857 registry record (inclusion criteria only): the safety exclusions "
    "NCT02633163 lists, asked by lupuscare; confirm against the full protocol",
    Certainty.UNVERIFIED, "https://clinicaltrials.gov/show/NCT01741857")


def _safety_exclusions(source: Source) -> tuple[AttestedCriterion, ...]:
    """The non-lab exclusions every MSC protocol here asks (MiSLE's list)."""
    return (
        AttestedCriterion("active CNS lupus", "active_cns_lupus",
                          "Active central nervous system lupus?", source),
        AttestedCriterion("lupus nephritis on dialysis", "dialysis",
                          "Lupus nephritis requiring dialysis?", source),
        AttestedCriterion("HIV", "hiv", "HIV infection?", source),
        AttestedCriterion("hepatitis B", "hepatitis_b", "Hepatitis B infection?", source),
        AttestedCriterion("hepatitis C", "hepatitis_c", "Hepatitis C infection?", source),
        AttestedCriterion("tuberculosis", "tuberculosis", "Tuberculosis?",
                          source),
        AttestedCriterion("malignancy within 5 years", "malignancy_5y",
                          "Cancer within the last 5 years?", source),
        AttestedCriterion("pregnancy", "pregnancy", "Pregnant?", source),
    )


MISLE_NCT02633163 = CriteriaSet(
    protocol="MiSLE NCT02633163",
    version="registry listing as summarised in cell-therapy.md §3.1",
    criteria=(
        ScoreCriterion("SLEDAI >= 6", "sledai2k_total", Op.GE, 6),
        BilagCriterion(">= 1 BILAG A or B", min_a=1, min_b=1),
        LabExclusion("eGFR < 30", "egfr", Op.LT, 30, "mL/min/{1.73_m2}"),
        LabExclusion("WBC < 2.0", "wbc", Op.LT, 2.0, "10*9/L"),
        LabExclusion("Hb < 8", "hemoglobin", Op.LT, 8, "g/dL"),
        LabExclusion("platelets < 30k", "platelets", Op.LT, 30, "10*9/L"),
        LabExclusion("AST > 4 x ULN", "ast", Op.GT, 4, "U/L", times_uln=True),
        LabExclusion("ALT > 4 x ULN", "alt", Op.GT, 4, "U/L", times_uln=True),
        *_safety_exclusions(_MISLE_SOURCE),
        AttestedCriterion("renal transplant", "renal_transplant", "Renal transplant?",
                          _MISLE_SOURCE),
        AttestedCriterion("zoster within 90 days", "zoster_90d",
                          "Herpes zoster within the last 90 days?", _MISLE_SOURCE),
        AttestedCriterion("serious infection within 60 days", "serious_infection_60d",
                          "Serious infection within the last 60 days?", _MISLE_SOURCE),
        AttestedCriterion("belimumab within 2 months", "belimumab_2m",
                          "Belimumab within the last 2 months?", _MISLE_SOURCE),
        AttestedCriterion("rituximab or other biologic within 6 months", "biologic_6m",
                          "Rituximab or another biologic within the last 6 months?",
                          _MISLE_SOURCE),
    ),
    source=Source("NCT02633163 eligibility via centerwatch and Cedars-Sinai trial pages "
                  "(cell-therapy.md §3.1)", Certainty.SECONDARY,
                  "https://clinicaltrials.gov/study/NCT02633163"),
)

WANG2014_NCT01741857 = CriteriaSet(
    protocol="UC-MSC multicentre NCT01741857",
    version="registry listing as summarised in cell-therapy.md §3.1",
    criteria=(
        ScoreCriterion("SLEDAI >= 8", "sledai2k_total", Op.GE, 8),
        RefractoryCriterion(
            "refractory: prednisone > 20 mg/d plus CYC or MMF",
            all_of=(CourseRequirement("prednisone", "mg/d", 20, 1, min_dose_exclusive=True),),
            any_of=(
                CourseRequirement("cyclophosphamide", "g/m2 q2w", 0.4, 182, max_dose=0.6),
                CourseRequirement("mycophenolate_mofetil", "g/d", 2.0, 91),
            ),
            min_any=1,
        ),
        AttestedCriterion("contraception for 12 months", "contraception_12m",
                          "Willing to use contraception during the study and for 12 months "
                          "after treatment?",
                          Source("ClinicalTrials.gov NCT01741857 inclusion criterion 5",
                                 Certainty.VERIFIED, "https://clinicaltrials.gov/show/NCT01741857"),
                          kind="inclusion"),
        *_safety_exclusions(_WANG_SAFETY_SOURCE),
    ),
    source=Source("ClinicalTrials.gov NCT01741857 (link to Wang 2014 paper unconfirmed) "
                  "(cell-therapy.md §3.1); 6 months taken as 182 days, 3 months as 91",
                  Certainty.VERIFIED, "https://clinicaltrials.gov/show/NCT01741857"),
)
