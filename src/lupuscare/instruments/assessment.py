"""The assessment document (contracts.md section 2) parsed into typed, checked data.

Every instrument starts from ``Assessment.from_document(doc)``. Bad input raises
``InputError`` whose ``field`` is the path to the bad value (``labs[2].unit``, ``findings[0]``,
``pga``, ``previous.joints.swollen_28``), so the command line, the API and the forms can say
exactly what to fix. Unknown findings, lab tests, units and drugs are rejected, and so are
impossible values (negative counts, PGA outside 0-3 or with more than one decimal, joint counts
above 28). Unknown top-level fields are ignored, since other instruments (SDI, classification
criteria, renal response) read their own fields from the same document.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from typing_extensions import TypedDict

from lupuscare.clinical import glucocorticoids
from lupuscare.clinical import labs as lab_rules
from lupuscare.clinical.units import known_units
from lupuscare.clinical.vocabulary import CRITERIA_NAMES, DRUGS, FINDINGS, LAB_TESTS
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.pga import check_pga

_UNITS_BY_TEST: dict[str, frozenset[str]] = {t: frozenset(known_units(t)) for t in LAB_TESTS}
BILAG_DOMAINS: tuple[str, ...] = (
    "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
    "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological",
)  # BILAG-2004's nine organ domains (Isenberg 2005) [known]
BilagGrade = Literal["A", "B", "C", "D", "E"]
WINDOW_DAYS = (10, 28, 30)  # SLEDAI-2K windows in use (clinical-instruments.md 1.1)
JOINTS_28 = 28  # the 28-joint count (swollen and tender)


@lru_cache(maxsize=1)
def _criterion_names() -> frozenset[str]:
    """Criterion names of the classification instruments, when their vocabulary is installed."""
    try:
        from lupuscare.instruments.classification_vocabulary import CRITERIA
    except ImportError:
        return CRITERIA_NAMES
    return CRITERIA_NAMES | frozenset(CRITERIA)


def _excluded(name: str) -> str:
    if name not in FINDINGS and name not in _criterion_names():
        raise ValueError(f"unknown finding or criterion {name!r}")
    return name


def _bilag_domain(name: str) -> str:
    if name not in BILAG_DOMAINS:
        raise ValueError(f"unknown BILAG-2004 domain {name!r}; known: {', '.join(BILAG_DOMAINS)}")
    return name


# Literal types are checked inside pydantic-core (fast); ``_message`` turns their long
# "Input should be ..." text into "unknown finding 'x'".
FindingName = Literal[tuple(FINDINGS)]  # type: ignore[valid-type]
LabTestName = Literal[tuple(LAB_TESTS)]  # type: ignore[valid-type]
DrugName = Literal[tuple(DRUGS)]  # type: ignore[valid-type]
_LITERAL_NOUNS = {"findings": "finding", "test": "lab test", "drug": "drug (use the lower-case generic name)"}
ExcludedName = Annotated[str, AfterValidator(_excluded)]
Number = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]


class _cached:  # noqa: N801 - used like functools.cached_property
    """A per-instance cache without functools.cached_property's lock (hot path in batches).

    The parsed document is immutable, so a value computed once stays true; it is stored in the
    instance ``__dict__`` under a private name, not a field.
    """

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.key = f"_cache_{fn.__name__}"
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        try:
            return d[self.key]
        except KeyError:
            value = d[self.key] = self.fn(obj)
            return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, ignored_types=(_cached,))


class Patient(_Model):
    birth_date: dt.date | None = None
    sex: Literal["female", "male", "other", "unknown"] | None = None
    weight_kg: Annotated[float, Field(gt=0, le=500, allow_inf_nan=False)] | None = None


class Joints(_Model):
    swollen_28: Annotated[int, Field(ge=0, le=JOINTS_28)] | None = None
    tender_28: Annotated[int, Field(ge=0, le=JOINTS_28)] | None = None


class Lab(TypedDict):
    """One lab result: ``{"test", "value", "unit", "low"?, "high"?, "assay"?}`` (a plain dict).

    Labs and medications stay dicts (TypedDicts checked by pydantic-core) rather than model
    objects: building thousands of small objects dominated batch scoring time.
    """

    test: LabTestName
    value: NonNegative
    unit: str
    low: NotRequired[NonNegative | None]
    high: NotRequired[NonNegative | None]
    assay: NotRequired[str | None]


class Medication(TypedDict):
    """One medication: ``{"drug", "daily_dose_mg"?, "route"?, "pulse"?, "tolerated"?, ...}``."""

    drug: DrugName
    daily_dose_mg: NotRequired[NonNegative | None]
    route: NotRequired[str | None]
    pulse: NotRequired[bool]
    tolerated: NotRequired[bool | None]
    investigational: NotRequired[bool]
    start: NotRequired[dt.date | None]


class Bilag(_Model):
    new_a: Count = 0
    new_b: Count = 0


class Assessment(_Model):
    date: dt.date | None = None
    patient: Patient | None = None
    window_days: Literal[10, 28, 30] | None = None
    findings: list[FindingName] | None = None
    not_attributable: list[ExcludedName] = Field(default_factory=list)
    joints: Joints | None = None
    pga: Number | None = None
    labs: list[Lab] | None = None
    medications: list[Medication] | None = None
    bilag: Bilag | None = None
    bilag_grades: dict[Annotated[str, AfterValidator(_bilag_domain)], BilagGrade] | None = None
    hospitalised_for_sle: bool | None = None
    treatment_failure: bool | None = None
    previous: Assessment | None = None

    @field_validator("labs")
    @classmethod
    def _known_units(cls, labs: list[Lab] | None) -> list[Lab] | None:
        for i, lab in enumerate(labs or ()):
            test, unit = lab["test"], lab["unit"]
            if unit not in _UNITS_BY_TEST[test]:
                raise InputError(f"labs[{i}].unit", f"unknown unit {unit!r} for {test}; "
                                                    f"accepted: {', '.join(known_units(test))}")
        return labs

    @field_validator("pga")
    @classmethod
    def _pga(cls, v: float | None) -> float | None:
        if v is None:
            return None
        try:
            return check_pga(v)
        except InputError as e:
            raise ValueError(e.message) from None

    @classmethod
    def from_document(cls, document: Any) -> Assessment:
        """Parse and check a contracts section 2 document; ``InputError`` names the bad field."""
        if isinstance(document, Assessment):
            return document
        if not isinstance(document, dict):
            raise InputError("document", "expected a JSON object")
        try:
            return cls.model_validate(document)
        except ValidationError as e:
            raise _input_error(e) from None

    @classmethod
    def from_json(cls, text: str | bytes) -> Assessment:
        """Parse a document straight from JSON text (faster for batches); same errors."""
        try:
            return cls.model_validate_json(text)
        except ValidationError as e:
            err = e.errors()[0]
            if err["type"] == "json_invalid":
                raise InputError("document", f"invalid JSON: {err.get('ctx', {}).get('error', err['msg'])}") from None
            if err["type"] == "model_type":
                raise InputError("document", "expected a JSON object") from None
            raise _input_error(e) from None

    # ---- derived views the instruments share -------------------------------------------------

    @property
    def has_activity_input(self) -> bool:
        """True when the document says what is active (findings or labs), even if nothing is."""
        return self.findings is not None or self.labs is not None

    def require_activity_input(self) -> None:
        if not self.has_activity_input:
            raise MissingInputError("findings", "no findings or labs given")

    @_cached
    def active(self) -> dict[str, tuple[str, ...]]:
        """Active findings -> their sources (attested and lab-derived, minus not_attributable)."""
        return lab_rules.active_findings(self.findings or (), self.not_attributable, self.labs or ())

    def labs_of(self, test: str) -> list[Lab]:
        return [lab for lab in self.labs or () if lab["test"] == test]

    @_cached
    def prednisone_equivalent_mg(self) -> float | None:
        """Scheduled daily prednisone-equivalent (mg/day); None when medications were not given."""
        if self.medications is None:
            return None
        return glucocorticoids.daily_prednisone_equivalent(self.medications)

    def drugs(self, drug_class: str | None = None) -> set[str]:
        return {m["drug"] for m in self.medications or ()
                if drug_class is None or DRUGS[m["drug"]].drug_class == drug_class}


Assessment.model_rebuild()


def _input_error(e: ValidationError) -> InputError:
    """The first error as an ``InputError`` whose field is the full path to the bad value."""
    err = e.errors()[0]
    inner = err.get("ctx", {}).get("error")
    if isinstance(inner, InputError):  # raised by a validator that knows the finer path
        prefix = _path(err["loc"][:-1])
        field = inner.field if prefix == "document" else f"{prefix}.{inner.field}"
        return InputError(field, inner.message)
    return InputError(_path(err["loc"]), _message(err))


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]" or str(part).startswith(("function-", "literal[")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "document"


def _message(err: dict[str, Any]) -> str:
    if err.get("type") == "literal_error":
        names = [p for p in err["loc"] if isinstance(p, str) and p in _LITERAL_NOUNS]
        if names:
            return f"unknown {_LITERAL_NOUNS[names[-1]]} {err.get('input')!r}"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def parse(document: Any) -> Assessment:
    return Assessment.from_document(document)


def accepts_assessment(scorer: Any) -> Any:
    """Mark a scorer that also accepts a parsed ``Assessment`` (lets batches parse JSON once)."""
    scorer.accepts_assessment = True
    return scorer
