"""Read FHIR R4 input (a Bundle or NDJSON lines) into the record's terms, touching no database.

Each resource is first validated by its fhir.resources model (R4B, wire-compatible with R4 for
these types), then mapped with the core's code maps (``lupuscare.clinical.codes``). Every
problem is kept with its FHIR path (``Bundle.entry[3].resource.valueQuantity.unit``) and the
whole input is refused if there is any (``FhirInvalid``); what is recognised but has no place in
the record, or is ignored by design, is kept as a note for the summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from lupuscare.clinical import codes
from lupuscare.clinical import dose_timing as dosage
from lupuscare.clinical.vocabulary import drugs_of_class
from lupuscare.errors import InputError

BUNDLE_TYPES = ("transaction", "collection", "batch")
READ_TYPES = ("Patient", "Observation", "MedicationStatement", "MedicationRequest", "Medication",
              "Condition")
# Read and deliberately not stored: allergies (the record has no allergy list) and what the
# export writes but the record derives itself (visits need findings; scores and alerts are
# recomputed from the record).
IGNORED_TYPES = {
    "AllergyIntolerance": "allergies are not stored by lupuscare (ignored)",
    "Encounter": "visits are recorded with their findings in the clinic, not imported (ignored)",
    "DetectedIssue": "alerts are recomputed from the record by the safety rules (ignored)",
    "Flag": "alerts are recomputed from the record by the safety rules (ignored)",
}
LAB_STATUSES = ("final", "amended", "corrected")
COURSE_STATUSES = {"MedicationStatement": ("active", "completed", "stopped", "on-hold", "unknown"),
                   "MedicationRequest": ("active", "completed", "stopped", "on-hold", "unknown")}
_IV = {"47625008", "255560000"}  # SNOMED CT routes: intravenous route; intravenous
_ROUTES_SNOMED = {"26643006": "oral", "47625008": "iv", "255560000": "iv", "34206005": "sc",
                  "78421000": "im", "6064005": "topical"}
_ROUTE_WORDS = {"oral": "oral", "po": "oral", "intravenous": "iv", "iv": "iv",
                "subcutaneous": "sc", "sc": "sc", "intramuscular": "im", "im": "im",
                "topical": "topical"}
_PULSED = drugs_of_class("glucocorticoid") | {"cyclophosphamide"}
SCHEDULES = ("daily", "alternate_day", "weekly", "monthly", "once", "other")  # records.Schedule


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


class FhirInvalid(InputError):
    """The input is refused; ``problems`` lists each (FHIR path, message). Nothing is saved."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        rest = "".join(f"; {p.path}: {p.message}" for p in problems[1:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(first.path, first.message + rest + more)


@dataclass
class PatientIn:
    path: str
    identifiers: list[tuple[str, str, str]]  # (system, value, path)
    given_name: str
    family_name: str
    birth_date: dt.date | None
    sex: str | None
    weight_kg: float | None = None
    weight_at: dt.datetime | dt.date | None = None
    weight_path: str = ""
    weights: int = 0  # body-weight Observations read (the latest is stored)
    sle_diagnosis_date: dt.date | None = None
    sle_path: str = ""


@dataclass
class LabIn:
    path: str
    patient: PatientIn
    test: str
    loinc: str
    value: float
    unit: str
    unit_path: str
    low: float | None
    high: float | None
    collected_at: dt.datetime


@dataclass
class CourseIn:
    path: str
    resource_type: str
    patient: PatientIn
    drug: str
    drug_path: str
    daily_dose_mg: float | None
    dose_path: str
    schedule: str
    route: str
    pulse: bool
    start: dt.date
    start_path: str
    stop: dt.date | None
    reason: str


@dataclass
class Note:
    path: str
    resource_type: str
    note: str


@dataclass
class Parsed:
    patients: list[PatientIn] = field(default_factory=list)
    labs: list[LabIn] = field(default_factory=list)
    courses: list[CourseIn] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # resources read, per type


@dataclass
class _Entry:
    where: str
    resource: dict[str, Any]
    full_url: str | None
    model: Any = None

    def path(self, sub: str = "") -> str:
        return f"{self.where}.{sub}" if sub else self.where

    @property
    def type(self) -> str:
        return self.resource.get("resourceType", "")


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def entries_of_bundle(doc: Any) -> list[_Entry]:
    if not isinstance(doc, dict):
        raise FhirInvalid([Problem("Bundle", "expected a JSON object (a FHIR Bundle)")])
    if doc.get("resourceType") != "Bundle":
        raise FhirInvalid([Problem("resourceType", f"expected 'Bundle', got {doc.get('resourceType')!r}"
                                   " (several resources: one per line, NDJSON)")])
    if doc.get("type") not in BUNDLE_TYPES:
        raise FhirInvalid([Problem("Bundle.type", f"must be one of {', '.join(BUNDLE_TYPES)}, "
                                                  f"got {doc.get('type')!r}")])
    raw = doc.get("entry", [])
    if not isinstance(raw, list):
        raise FhirInvalid([Problem("Bundle.entry", "must be a list")])
    out, problems = [], []
    for i, e in enumerate(raw):
        if not isinstance(e, dict) or not isinstance(e.get("resource"), dict):
            problems.append(Problem(f"Bundle.entry[{i}].resource", "each entry needs a resource object"))
            continue
        url = e.get("fullUrl")
        out.append(_Entry(f"Bundle.entry[{i}].resource", e["resource"], url if isinstance(url, str) else None))
    if problems:
        raise FhirInvalid(problems)
    return out


def entries_of_ndjson(lines: list[tuple[int, Any]]) -> list[_Entry]:
    """``lines``: (line number, parsed JSON value); blank lines are skipped by the caller."""
    out, problems = [], []
    for n, value in lines:
        if not isinstance(value, dict):
            problems.append(Problem(f"line {n}", "expected a FHIR resource (a JSON object)"))
            continue
        out.append(_Entry(f"line {n} ({value.get('resourceType', '?')})", value, None))
    if problems:
        raise FhirInvalid(problems)
    return out


def read(entries: list[_Entry]) -> Parsed:
    """Validate every resource, resolve references, map codes; ``FhirInvalid`` lists all problems."""
    problems: list[Problem] = []
    parsed = Parsed()
    by_key: dict[str, _Entry] = {}
    for e in entries:
        kind = e.type
        parsed.counts[kind or "?"] = parsed.counts.get(kind or "?", 0) + 1
        if kind in IGNORED_TYPES:
            parsed.notes.append(Note(e.path(), kind, IGNORED_TYPES[kind]))
            continue
        if kind not in READ_TYPES:
            problems.append(Problem(e.path("resourceType"), f"{kind!r} is not a resource type this "
                                    f"import reads; it reads {', '.join(READ_TYPES)} and ignores "
                                    f"{', '.join(IGNORED_TYPES)}"))
            continue
        try:
            e.model = get_fhir_model_class(kind).model_validate(e.resource)
        except ValidationError as exc:
            problems += [Problem(e.path(_loc(err["loc"])), err["msg"].removeprefix("Value error, "))
                         for err in exc.errors()]
            continue
        if e.full_url:
            by_key[e.full_url] = e
        if e.model.id:
            by_key[f"{kind}/{e.model.id}"] = e
    if problems:
        raise FhirInvalid(problems)

    patient_of: dict[int, PatientIn] = {}
    for e in entries:
        if e.model is not None and e.type == "Patient":
            p = _patient(e, problems)
            if p is not None:
                patient_of[id(e)] = p
                parsed.patients.append(p)
    ctx = _Context(by_key, patient_of, problems)
    for e in entries:
        if e.model is None or e.type in ("Patient", "Medication"):
            continue
        if e.type == "Observation":
            _observation(e, ctx, parsed)
        elif e.type in ("MedicationStatement", "MedicationRequest"):
            _course(e, ctx, parsed)
        elif e.type == "Condition":
            _condition(e, ctx, parsed)
    if problems:
        raise FhirInvalid(problems)
    return parsed


@dataclass
class _Context:
    by_key: dict[str, _Entry]
    patient_of: dict[int, PatientIn]
    problems: list[Problem]

    def resolve(self, e: _Entry, ref: Any, sub: str, kind: str) -> _Entry | None:
        target = None
        text = getattr(ref, "reference", None) if ref is not None else None
        if not text:
            self.problems.append(Problem(e.path(sub), f"needs a reference to a {kind} in the bundle"))
            return None
        target = self.by_key.get(text) or self.by_key.get("/".join(text.rstrip("/").split("/")[-2:]))
        if target is None or target.type != kind:
            self.problems.append(Problem(e.path(f"{sub}.reference"),
                                         f"{text!r} is not a {kind} in this bundle"))
            return None
        return target

    def patient(self, e: _Entry, ref: Any, sub: str = "subject") -> PatientIn | None:
        target = self.resolve(e, ref, sub, "Patient")
        return None if target is None else self.patient_of.get(id(target))


def _patient(e: _Entry, problems: list[Problem]) -> PatientIn | None:
    m = e.model
    ids = [(i.system or "", i.value, e.path(f"identifier[{k}]"))
           for k, i in enumerate(m.identifier or []) if i.value]
    if not ids:
        problems.append(Problem(e.path("identifier"), "a patient needs an identifier (system and value)"))
    sex = None
    if m.gender is not None:
        if m.gender in ("female", "male"):
            sex = m.gender
        else:
            problems.append(Problem(e.path("gender"), f"{m.gender!r} cannot be stored: the record keeps "
                                    "sex as the clinical formulas use it (female or male)"))
    name = next(iter(m.name or []), None)
    given = " ".join(name.given or []) if name is not None else ""
    family = (name.family or "") if name is not None else ""
    if ids and not problems:
        return PatientIn(e.path(), ids, given, family, m.birthDate, sex)
    return None


def _quantity(e: _Entry, q: Any, sub: str, problems: list[Problem]) -> tuple[float, str, str] | None:
    if q is None or q.value is None:
        problems.append(Problem(e.path(f"{sub}.value"), "needs a numeric value"))
        return None
    if q.code and (q.system in (None, codes.UCUM)):
        unit, unit_path = q.code, e.path(f"{sub}.code")
    elif q.unit:
        unit, unit_path = q.unit, e.path(f"{sub}.unit")
    else:
        problems.append(Problem(e.path(f"{sub}.unit"), "needs a UCUM unit"))
        return None
    return float(q.value), unit, unit_path


def _observation(e: _Entry, ctx: _Context, parsed: Parsed) -> None:
    m = e.model
    loincs = [(k, c.code) for k, c in enumerate(m.code.coding or []) if c.system == codes.LOINC and c.code]
    own = next((c.code for c in m.code.coding or []
                if c.system == codes.LUPUSCARE_LAB_SYSTEM and c.code in codes.CANONICAL_TESTS), None)
    if own and not any(codes.lab_test_for_loinc(c) for _k, c in loincs):
        loincs = [(0, codes.TEST_TO_LOINC.get(own) or f"lupuscare:{own}")]
    if not loincs:
        systems = {c.system for c in m.code.coding or []}
        if codes.LUPUSCARE_INSTRUMENT_SYSTEM in systems:
            parsed.notes.append(Note(e.path(), "Observation", "a stored score: recomputed from the "
                                     "record, not imported (ignored)"))
        else:
            parsed.notes.append(Note(e.path("code"), "Observation", "no LOINC code: not imported"))
        return
    k, loinc = next(((k, c) for k, c in loincs
                     if c == codes.BODY_WEIGHT_LOINC or codes.lab_test_for_loinc(c)), loincs[0])
    test = own if loinc == f"lupuscare:{own}" else codes.lab_test_for_loinc(loinc)
    if test is None and loinc != codes.BODY_WEIGHT_LOINC:
        parsed.notes.append(Note(e.path(f"code.coding[{k}].code"), "Observation",
                                 f"unknown LOINC code {loinc!r}: not imported"))
        return
    if m.status not in LAB_STATUSES:
        parsed.notes.append(Note(e.path("status"), "Observation",
                                 f"status {m.status!r}: not imported (reads {', '.join(LAB_STATUSES)})"))
        return
    patient = ctx.patient(e, m.subject)
    when = m.effectiveDateTime or m.effectiveInstant
    if when is None and test is not None:
        ctx.problems.append(Problem(e.path("effectiveDateTime"), "needs the collection time"))
    q = _quantity(e, m.valueQuantity, "valueQuantity", ctx.problems)
    if patient is None or q is None:
        return
    value, unit, unit_path = q
    if test is None:  # body weight: the latest one dated (or the only one) is the current weight
        factor = codes.BODY_WEIGHT_UNITS.get(unit)
        if factor is None:
            ctx.problems.append(Problem(unit_path, f"unknown unit {unit!r} for body weight; "
                                        f"accepted: {', '.join(codes.BODY_WEIGHT_UNITS)}"))
            return
        if not patient.weight_path or (when is not None and (
                patient.weight_at is None or _sort_key(when) >= _sort_key(patient.weight_at))):
            patient.weight_kg, patient.weight_at = value * factor, when
            patient.weight_path = e.path("valueQuantity.value")
        patient.weights += 1
        return
    low = high = None
    if m.referenceRange:
        rr = m.referenceRange[0]
        low = float(rr.low.value) if rr.low is not None and rr.low.value is not None else None
        high = float(rr.high.value) if rr.high is not None and rr.high.value is not None else None
    if when is None:
        return
    stored_loinc = "" if loinc.startswith("lupuscare:") else loinc
    parsed.labs.append(LabIn(e.path(), patient, test, stored_loinc, value, unit, unit_path, low, high,
                             _as_datetime(when)))


def _sort_key(when: dt.date | dt.datetime) -> tuple:
    return (when.date(), when.timestamp()) if isinstance(when, dt.datetime) else (when, 0)


def _as_datetime(when: dt.date | dt.datetime) -> dt.datetime:
    """A date-only collection time is midnight in the clinic's zone (the services make it aware)."""
    return when if isinstance(when, dt.datetime) else dt.datetime.combine(when, dt.time())


def _drug(e: _Entry, m: Any, ctx: _Context) -> tuple[str | None, str, str]:
    """(drug or None, path, what was read) from medicationCodeableConcept or a Medication."""
    concept, sub = m.medicationCodeableConcept, "medicationCodeableConcept"
    if concept is None and m.medicationReference is not None:
        target = ctx.resolve(e, m.medicationReference, "medicationReference", "Medication")
        if target is None:
            return None, e.path("medicationReference"), ""
        concept, e, sub = target.model.code, target, "code"
    if concept is None:
        return None, e.path(sub), ""
    for c in concept.coding or []:
        if c.system == codes.RXNORM and c.code and (drug := codes.drug_for_rxnorm(c.code)):
            return drug, e.path(sub), c.code
    for c in concept.coding or []:
        if c.system == codes.LUPUSCARE_DRUG_SYSTEM and c.code and (drug := codes.drug_for_name(c.code)):
            return drug, e.path(sub), c.code
    names = [concept.text] + [c.display for c in concept.coding or []]
    for name in names:
        if name and (drug := codes.drug_for_name(name)):
            return drug, e.path(sub), name
    return None, e.path(sub), next((n for n in names if n), "")


def _route(d: Any) -> str | None:
    if d is None or d.route is None:
        return None
    for c in d.route.coding or []:
        if c.code in _ROUTES_SNOMED:
            return _ROUTES_SNOMED[c.code]
    for text in [d.route.text] + [c.display for c in d.route.coding or []]:
        if text and (word := _ROUTE_WORDS.get(text.strip().lower())):
            return word
    return "other"


def _course(e: _Entry, ctx: _Context, parsed: Parsed) -> None:
    m, kind = e.model, e.type
    if m.status not in COURSE_STATUSES[kind]:
        parsed.notes.append(Note(e.path("status"), kind, f"status {m.status!r}: not imported"))
        return
    drug, drug_path, text = _drug(e, m, ctx)
    if drug is None:
        if text or drug_path:
            parsed.notes.append(Note(drug_path, kind, f"{text or 'this medicine'!r} is not a drug in "
                                     "lupuscare's vocabulary: not imported"))
        return
    patient = ctx.patient(e, m.subject)
    dosages_sub = "dosage" if kind == "MedicationStatement" else "dosageInstruction"
    dosages = getattr(m, dosages_sub) or []
    start = stop = None
    start_path = e.path("effectivePeriod.start")
    if kind == "MedicationStatement":
        if m.effectivePeriod is not None:
            start, stop = m.effectivePeriod.start, m.effectivePeriod.end
        elif m.effectiveDateTime is not None:
            start, start_path = m.effectiveDateTime, e.path("effectiveDateTime")
    else:
        bounds = next((d.timing.repeat.boundsPeriod for d in dosages if d.timing and d.timing.repeat
                       and d.timing.repeat.boundsPeriod), None)
        start_path = e.path(f"{dosages_sub}[0].timing.repeat.boundsPeriod.start")
        if bounds is not None:
            start, stop = bounds.start, bounds.end
        if start is None and m.authoredOn is not None:
            start, start_path = m.authoredOn, e.path("authoredOn")
    if start is None:
        ctx.problems.append(Problem(start_path, "needs the day the course started"))
    total, dosed = 0.0, False
    schedule, route, pulse, dose_path, per_admin = "daily", "oral", False, e.path(dosages_sub), None
    for k, d in enumerate(dosages):
        sub = f"{dosages_sub}[{k}]"
        route = _route(d) or route
        quantity = next((r.doseQuantity for r in d.doseAndRate or [] if r.doseQuantity), None)
        if quantity is None:
            continue
        dose_path = e.path(f"{sub}.doseAndRate[0].doseQuantity")
        q = _quantity(e, quantity, f"{sub}.doseAndRate[0].doseQuantity", ctx.problems)
        if q is None:
            continue
        value, unit, unit_path = q
        mg = dosage.dose_in_mg(value, unit)
        if mg is None:
            ctx.problems.append(Problem(unit_path, f"a dose in {unit!r} cannot be read as mg; "
                                        f"accepted: {', '.join(dosage.MG_PER_UNIT)}"))
            continue
        freq, period, unit_t = _repeat(d)
        times = dosage.per_day(freq, period, unit_t)
        if times is None:
            ctx.problems.append(Problem(e.path(f"{sub}.timing.repeat"), "needs a frequency and a "
                                        "period (s, min, h, d, wk, mo, a) or a timing code"))
            continue
        schedule = _own_schedule(d) or dosage.schedule_for(freq, period, unit_t)
        total += mg * float(times)
        per_admin = mg
        dosed = True
    if route == "iv" and drug in _PULSED:
        pulse, schedule = True, "once" if start is not None and start == stop else "other"
    schedule = next((s for d in dosages if (s := _own_schedule(d))), schedule)
    if patient is None or start is None:
        return
    reason = f"FHIR {kind}"
    if pulse and per_admin is not None:
        reason += f": {per_admin:g} mg IV per administration"
    parsed.courses.append(CourseIn(
        e.path(), kind, patient, drug, drug_path, total if dosed and not pulse else None,
        dose_path, schedule, route, pulse, _as_date(start), start_path,
        _as_date(stop) if stop is not None else None, reason))


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _own_schedule(d: Any) -> str | None:
    """The record's schedule when lupuscare's own export wrote it (Timing.code)."""
    if d.timing is None or d.timing.code is None:
        return None
    return next((c.code for c in d.timing.code.coding or []
                 if c.system == codes.LUPUSCARE_SCHEDULE_SYSTEM and c.code in SCHEDULES), None)


def _repeat(d: Any) -> tuple[int, float, str]:
    timing = d.timing
    if timing is None:
        return 1, 1, "d"
    if timing.repeat is not None and timing.repeat.periodUnit:
        r = timing.repeat
        return int(r.frequency or 1), float(r.period or 1), r.periodUnit
    if timing.code is not None:
        for c in timing.code.coding or []:
            if c.code in dosage.TIMING_CODES:
                return dosage.TIMING_CODES[c.code]
    return 0, 0, ""


def _condition(e: _Entry, ctx: _Context, parsed: Parsed) -> None:
    m = e.model
    found = next(((k, hit) for k, c in enumerate(m.code.coding or []) if m.code
                  if (hit := codes.condition_for_code(c.system or "", c.code or ""))), None) \
        if m.code is not None else None
    if found is None:
        parsed.notes.append(Note(e.path("code"), "Condition", "not a condition lupuscare records "
                                 "(SLE, lupus nephritis): not imported"))
        return
    status = m.verificationStatus.coding[0].code if m.verificationStatus and m.verificationStatus.coding else None
    if status in ("refuted", "entered-in-error"):
        parsed.notes.append(Note(e.path("verificationStatus"), "Condition", f"{status}: not imported"))
        return
    patient = ctx.patient(e, m.subject)
    _k, hit = found
    if patient is None:
        return
    onset = m.onsetDateTime
    if hit.condition == "sle" and onset is not None:
        patient.sle_diagnosis_date, patient.sle_path = _as_date(onset), e.path("onsetDateTime")
    else:
        what = "SLE without an onset date" if hit.condition == "sle" else "lupus nephritis"
        parsed.notes.append(Note(e.path(), "Condition", f"{what}: recognised, not stored (the record "
                                 "has no place for it)"))
