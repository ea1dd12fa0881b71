"""What the safety rules read: one patient's record as of one day, as plain validated values.

The web shell builds a ``PatientContext`` from its models (or a caller builds one from JSON with
``PatientContext.from_dict``); the rules never see a database. Anything dated after ``today`` is
ignored by the rules, so a record can be re-evaluated "as of" an earlier day.

Units are the canonical ones of ``lupuscare.clinical`` (convert before building a context):
``upcr`` g/g, ``urine_protein_24h`` g/d, ``egfr`` mL/min/1.73 m², ``platelets``, ``wbc`` and
``lymphocytes``, ``neutrophils`` 10^9/L, ``hemoglobin`` g/dL, ``creatinine`` µmol/L, ``temperature`` °C
(``lupuscare.clinical.units.CANONICAL_UNIT``; ``to_canonical`` converts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from lupuscare.celltherapy.regulatory import Modality
from lupuscare.clinical.diary import WARNING_SIGNS
from lupuscare.clinical.units import CANONICAL_UNIT, to_canonical
from lupuscare.clinical.vocabulary import DRUGS
from lupuscare.errors import InputError

Sex = Literal["female", "male", "other"]

# Diary red flags the rules understand: the daily warning signs plus a reported fever.
RED_FLAG_NAMES: frozenset[str] = frozenset(WARNING_SIGNS) | {"fever"}


def _check_date(value: Any, fieldname: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, date):
        raise InputError(fieldname, "must be a date (YYYY-MM-DD)")


def _check_number(value: Any, fieldname: str, *, low: float, high: float,
                  optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(fieldname, "must be a finite number")
    if not low <= value <= high:
        raise InputError(fieldname, f"must be between {low:g} and {high:g}")


@dataclass(frozen=True, slots=True)
class MedicationCourse:
    """One course of one drug. ``stop`` is the last day taken (inclusive); None while ongoing.

    A record with ``reason_not_prescribed`` set is a documented decision *not* to give the drug
    (e.g. hydroxychloroquine and "retinopathy"); it is never active and needs no dose.
    An IV pulse (``pulse=True``) is one infusion (``start == stop``, the JSON ``date``) or a
    series from its first (``start``) to its last infusion (``stop``); it needs no daily dose.
    The pulse exposes the patient from its date: it is active from ``start`` to ``stop`` like any
    course, and the drug's window after the last dose (``lupuscare.rules.exposure``) follows.
    ``washout_completed`` is the day a drug-elimination procedure was documented complete (for
    leflunomide: cholestyramine washout with two teriflunomide levels below 0.02 mg/L).
    """

    drug: str
    start: date
    daily_dose_mg: float | None = None
    stop: date | None = None
    pulse: bool = False
    reason_not_prescribed: str | None = None
    route: str | None = None  # None means oral/systemic; see clinical.glucocorticoids
    washout_completed: date | None = None

    def validate(self, where: str) -> None:
        if not isinstance(self.drug, str) or self.drug not in DRUGS:
            raise InputError(f"{where}.drug", f"unknown drug {self.drug!r}: use a lower-case generic "
                                              "name from lupuscare.clinical.vocabulary.DRUGS")
        _check_date(self.start, f"{where}.start")
        _check_date(self.stop, f"{where}.stop", optional=True)
        if self.stop is not None and self.stop < self.start:
            raise InputError(f"{where}.stop", "is before start")
        if not isinstance(self.pulse, bool):
            raise InputError(f"{where}.pulse", "must be true or false")
        if self.route is not None and (not isinstance(self.route, str) or not self.route.strip()):
            raise InputError(f"{where}.route", "must be a route name or null")
        _check_date(self.washout_completed, f"{where}.washout_completed", optional=True)
        if self.washout_completed is not None:
            if self.stop is None:
                raise InputError(f"{where}.washout_completed", "a washout needs the course's stop date")
            if self.washout_completed < self.stop:
                raise InputError(f"{where}.washout_completed", "is before the stop date")
        if self.reason_not_prescribed is not None:
            if not isinstance(self.reason_not_prescribed, str) or not self.reason_not_prescribed.strip():
                raise InputError(f"{where}.reason_not_prescribed", "must be a non-empty text")
        else:
            _check_number(self.daily_dose_mg, f"{where}.daily_dose_mg", low=0, high=100_000,
                          optional=self.pulse)

    def active_on(self, day: date) -> bool:
        if self.reason_not_prescribed is not None:
            return False
        return self.start <= day and (self.stop is None or day <= self.stop)


@dataclass(frozen=True, slots=True)
class LabResult:
    """One lab value in its canonical unit (see module docstring)."""

    test: str
    value: float
    date: date

    def validate(self, where: str) -> None:
        if not isinstance(self.test, str) or self.test not in CANONICAL_UNIT:
            raise InputError(f"{where}.test", f"unknown lab test {self.test!r}; known: "
                                              f"{', '.join(CANONICAL_UNIT)}")
        _check_number(self.value, f"{where}.value", low=0, high=1e7)
        _check_date(self.date, f"{where}.date")


@dataclass(frozen=True, slots=True)
class DiaryRedFlag:
    """A warning sign the patient reported in the diary on a given day."""

    flag: str
    date: date

    def validate(self, where: str) -> None:
        if self.flag not in RED_FLAG_NAMES:
            raise InputError(f"{where}.flag", f"unknown red flag {self.flag!r}; one of {sorted(RED_FLAG_NAMES)}")
        _check_date(self.date, f"{where}.date")


# Cell-therapy product kinds (the cell-therapy core's modalities: msc, car_t, other).
CELL_PRODUCTS: frozenset[str] = frozenset(m.value for m in Modality)


@dataclass(frozen=True, slots=True)
class CellTherapyInfusion:
    """One infusion of a cell-therapy product (``product``: msc, car_t or other) on ``date``."""

    product: str
    date: date

    def validate(self, where: str) -> None:
        if self.product not in CELL_PRODUCTS:
            raise InputError(f"{where}.product", f"unknown product kind {self.product!r}; one of "
                                                 f"{sorted(CELL_PRODUCTS)}")
        _check_date(self.date, f"{where}.date")


@dataclass(frozen=True, slots=True)
class HcqRiskFactors:
    """Major risk factors for hydroxychloroquine retinopathy that the record states directly.

    Dose above 5 mg/kg/day and an eGFR below 60 are also derived from the medication and lab
    history; tamoxifen also counts when an active tamoxifen course is recorded.
    """

    egfr_below_60: bool = False
    tamoxifen: bool = False
    retinal_or_macular_disease: bool = False


@dataclass(frozen=True, slots=True)
class PatientContext:
    today: date
    birth_date: date | None = None
    sex: Sex | None = None
    weight_kg: float | None = None
    weight_date: date | None = None  # when the weight was measured; None: not recorded
    can_become_pregnant: bool | None = None  # None: not recorded
    contraception_recorded: bool = False
    eye_exams: tuple[date, ...] = ()
    hcq_risk_factors: HcqRiskFactors = field(default_factory=HcqRiskFactors)
    medications: tuple[MedicationCourse, ...] = ()
    labs: tuple[LabResult, ...] = ()
    diary_red_flags: tuple[DiaryRedFlag, ...] = ()
    cell_therapy: tuple[CellTherapyInfusion, ...] = ()

    def __post_init__(self) -> None:
        _check_date(self.today, "today")
        _check_date(self.birth_date, "birth_date", optional=True)
        if self.sex is not None and self.sex not in ("female", "male", "other"):
            raise InputError("sex", "must be female, male or other")
        _check_number(self.weight_kg, "weight_kg", low=1, high=500, optional=True)
        _check_date(self.weight_date, "weight_date", optional=True)
        if self.weight_date is not None and self.weight_kg is None:
            raise InputError("weight_kg", "a weight date is given without a weight")
        for name in ("can_become_pregnant",):
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise InputError(name, "must be true, false or null")
        if not isinstance(self.contraception_recorded, bool):
            raise InputError("contraception_recorded", "must be true or false")
        for i, d in enumerate(self.eye_exams):
            _check_date(d, f"eye_exams[{i}]")
        for i, m in enumerate(self.medications):
            m.validate(f"medications[{i}]")
        for i, lab in enumerate(self.labs):
            lab.validate(f"labs[{i}]")
        for i, flag in enumerate(self.diary_red_flags):
            flag.validate(f"diary_red_flags[{i}]")
        for i, infusion in enumerate(self.cell_therapy):
            infusion.validate(f"cell_therapy[{i}]")

    # -- views the rules share -------------------------------------------------------------
    def active(self, drugs: Iterable[str]) -> list[MedicationCourse]:
        """Courses of any of ``drugs`` active today, IV pulses included (a pulse is active from
        its first to its last infusion; what follows is the drug's window, rules.exposure)."""
        wanted = set(drugs)
        return [m for m in self.medications if m.drug in wanted and m.active_on(self.today)]

    def lab_history(self, test: str) -> list[LabResult]:
        """Results of one test up to today, oldest first."""
        return sorted((x for x in self.labs if x.test == test and x.date <= self.today), key=lambda x: x.date)

    # -- construction from a JSON document ---------------------------------------------------
    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PatientContext:
        """Build from a JSON-like document (ISO dates as text); errors name the field.

        Unknown fields are refused (a misspelt field would otherwise be silently ignored).
        Labs may carry ``unit`` (any unit ``lupuscare.clinical.units`` converts); without it the
        value is in the canonical unit. A pulse gives ``date`` (one infusion) or ``start``/``stop``.
        """
        if not isinstance(doc, Mapping):
            raise InputError("document", "must be an object")
        _known(doc, _DOC_FIELDS, "")
        risk = doc.get("hcq_risk_factors") or {}
        if not isinstance(risk, Mapping):
            raise InputError("hcq_risk_factors", "must be an object")
        unknown = set(risk) - {"egfr_below_60", "tamoxifen", "retinal_or_macular_disease"}
        if unknown:
            raise InputError("hcq_risk_factors", f"unknown keys {sorted(unknown)}")
        for key, value in risk.items():
            if not isinstance(value, bool):
                raise InputError(f"hcq_risk_factors.{key}", "must be true or false")
        return cls(
            today=_parse_date(doc.get("today"), "today"),
            birth_date=_parse_date(doc.get("birth_date"), "birth_date", optional=True),
            sex=doc.get("sex"),
            weight_kg=doc.get("weight_kg"),
            weight_date=_parse_date(doc.get("weight_date"), "weight_date", optional=True),
            can_become_pregnant=doc.get("can_become_pregnant"),
            contraception_recorded=doc.get("contraception_recorded", False),
            eye_exams=tuple(_parse_date(d, f"eye_exams[{i}]") for i, d in enumerate(_list(doc, "eye_exams"))),
            hcq_risk_factors=HcqRiskFactors(**risk),
            medications=tuple(_medication(m, f"medications[{i}]")
                              for i, m in enumerate(_list(doc, "medications"))),
            labs=tuple(_lab(x, f"labs[{i}]") for i, x in enumerate(_list(doc, "labs"))),
            diary_red_flags=tuple(
                DiaryRedFlag(
                    flag=_get(x, "flag", f"diary_red_flags[{i}]"),
                    date=_parse_date(_get(x, "date", f"diary_red_flags[{i}]"), f"diary_red_flags[{i}].date"),
                )
                for i, x in enumerate(_known_items(doc, "diary_red_flags", {"flag", "date"}))
            ),
            cell_therapy=tuple(
                CellTherapyInfusion(
                    product=_get(x, "product", f"cell_therapy[{i}]"),
                    date=_parse_date(_get(x, "date", f"cell_therapy[{i}]"), f"cell_therapy[{i}].date"),
                )
                for i, x in enumerate(_known_items(doc, "cell_therapy", {"product", "date"}))
            ),
        )


_DOC_FIELDS = frozenset({
    "today", "birth_date", "sex", "weight_kg", "weight_date", "can_become_pregnant",
    "contraception_recorded", "eye_exams", "hcq_risk_factors", "medications", "labs",
    "diary_red_flags", "cell_therapy"})
_MEDICATION_FIELDS = frozenset({
    "drug", "start", "stop", "date", "daily_dose_mg", "pulse", "route", "reason_not_prescribed",
    "washout_completed",
    # accepted because the records' medication document carries them; the rules do not read them
    "tolerated", "investigational"})
_LAB_FIELDS = frozenset({"test", "value", "unit", "date"})


def _known(obj: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in obj:
        if key not in allowed:
            name = f"{where}.{key}" if where else str(key)
            raise InputError(name, f"unknown field; known: {', '.join(sorted(allowed))}")


def _known_items(doc: Mapping[str, Any], key: str, allowed: set[str]) -> list[Any]:
    items = _list(doc, key)
    for i, item in enumerate(items):
        _known(item, frozenset(allowed), f"{key}[{i}]")
    return items


def _medication(m: Mapping[str, Any], where: str) -> MedicationCourse:
    _known(m, _MEDICATION_FIELDS, where)
    pulse = m.get("pulse", False)
    if not isinstance(pulse, bool):
        raise InputError(f"{where}.pulse", "must be true or false")
    if "date" in m and m["date"] is not None:
        if not pulse:
            raise InputError(f"{where}.date", "is the date of a single pulse; give pulse: true, "
                                              "or start/stop for a course")
        if m.get("start") is not None or m.get("stop") is not None:
            raise InputError(f"{where}.date", "give either date (one pulse) or start/stop, not both")
        start = stop = _parse_date(m["date"], f"{where}.date")
    else:
        if pulse and m.get("start") is None:
            raise InputError(f"{where}.date", "a pulse needs its date (or start and stop for a series)")
        start = _parse_date(_get(m, "start", where), f"{where}.start")
        stop = _parse_date(m.get("stop"), f"{where}.stop", optional=True)
        if pulse and stop is None:
            stop = start  # a pulse given by its start alone is one infusion on that day
    return MedicationCourse(
        drug=_get(m, "drug", where),
        start=start,
        daily_dose_mg=m.get("daily_dose_mg"),
        stop=stop,
        pulse=pulse,
        reason_not_prescribed=m.get("reason_not_prescribed"),
        route=m.get("route"),
        washout_completed=_parse_date(m.get("washout_completed"), f"{where}.washout_completed",
                                      optional=True),
    )


def _lab(x: Mapping[str, Any], where: str) -> LabResult:
    _known(x, _LAB_FIELDS, where)
    test = _get(x, "test", where)
    value = _get(x, "value", where)
    if not isinstance(test, str) or test not in CANONICAL_UNIT:
        raise InputError(f"{where}.test", f"unknown lab test {test!r}; known: {', '.join(CANONICAL_UNIT)}")
    unit = x.get("unit")
    if unit is not None and unit != CANONICAL_UNIT[test]:
        if not isinstance(unit, str):
            raise InputError(f"{where}.unit", "must be a unit text")
        _check_number(value, f"{where}.value", low=0, high=1e7)
        try:
            value = to_canonical(test, value, unit)
        except InputError as e:
            raise InputError(f"{where}.{e.field}", e.message) from None
    return LabResult(test=test, value=value,
                     date=_parse_date(_get(x, "date", where), f"{where}.date"))


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key) or []
    if not isinstance(value, list | tuple):
        raise InputError(key, "must be a list")
    for i, item in enumerate(value):
        if key != "eye_exams" and not isinstance(item, Mapping):
            raise InputError(f"{key}[{i}]", "must be an object")
    return list(value)


def _get(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise InputError(f"{where}.{key}", "is required")
    return obj[key]


def _parse_date(value: Any, fieldname: str, *, optional: bool = False) -> date | None:
    if value is None:
        if optional:
            return None
        raise InputError(fieldname, "is required")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(fieldname, "must be a date (YYYY-MM-DD)")
