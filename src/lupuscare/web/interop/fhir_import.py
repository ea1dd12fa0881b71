"""FHIR R4 import: a Bundle or NDJSON into the clinical record, through the one write path.

``import_entries`` reads the resources (``fhir_read``, no database), then in ONE transaction
finds or registers each patient by ``Patient.identifier`` and records every lab, weight and
medicine course with the record services (``Actor.system("fhir import")``): validation,
plausibility, re-scoring, alerts and audit as at every other door. Any refusal, whether from
reading or from a service, rolls everything back and names the FHIR path
(``FhirInvalid``). Re-importing the same input changes nothing: labs are matched by
patient + test + collection time + value + unit, courses by patient + drug + start.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from lupuscare.web.interop.fhir_read import (
    CourseIn,
    FhirInvalid,
    LabIn,
    Parsed,
    PatientIn,
    Problem,
    _Entry,
    read,
)
from lupuscare.web.records import services
from lupuscare.web.records.models import LabResult, MedicationCourse, Patient
from lupuscare.web.records.services import NON_FIELD, Actor, RecordInvalid

VIA = "fhir import"
_PATIENT_PATHS = {"birth_date": "birthDate", "sex": "gender", "given_name": "name[0].given",
                  "family_name": "name[0].family", "identifier": "identifier"}
_LAB_PATHS = {"value": "valueQuantity.value", "collected_at": "effectiveDateTime",
              "low": "referenceRange[0].low.value", "high": "referenceRange[0].high.value",
              "test": "code", "loinc": "code"}
_COURSE_FIELDS = ("daily_dose_mg", "schedule", "route", "pulse", "stop")


class _Summary:
    def __init__(self, parsed: Parsed) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(
            lambda: {"created": 0, "updated": 0, "unchanged": 0, "ignored": 0})
        self.notes = [{"path": n.path, "resource": n.resource_type, "note": n.note}
                      for n in parsed.notes]
        for n in parsed.notes:
            self.counts[n.resource_type]["ignored"] += 1

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"resources": {k: dict(v) for k, v in sorted(self.counts.items())}, "notes": self.notes}


def _mapped(exc: RecordInvalid, base: str, paths: dict[str, str]) -> list[Problem]:
    out = []
    for name, messages in exc.errors.items():
        where = paths.get(name)
        path = base if name == NON_FIELD or where is None else (
            where if where.startswith(("Bundle.", "line ")) else f"{base}.{where}")
        out += [Problem(path, m if where or name == NON_FIELD else f"{name}: {m}") for m in messages]
    return out


class NotPermitted(FhirInvalid):
    """A patient in the input is not one the caller may record for (or, when the caller may
    not register patients, not one the record holds): the same words either way."""


def import_entries(entries: list[_Entry], *, identifier_system: str | None = None,
                   user=None, actor: Actor | None = None,
                   may_record: Callable[[Patient], bool] | None = None) -> dict[str, Any]:
    """Import ``entries`` (from ``fhir_read.entries_of_bundle`` / ``entries_of_ndjson``);
    returns the summary of contracts §7. ``FhirInvalid`` means nothing was saved.

    ``may_record`` (the web door): only existing patients it accepts are written to, and no
    patient is registered; otherwise ``NotPermitted``."""
    parsed = read(entries)
    actor = actor or Actor.system(VIA, user)
    summary = _Summary(parsed)
    with transaction.atomic():
        problems: list[Problem] = []
        if may_record is not None:
            _check_permitted(parsed, identifier_system, may_record)
        records = _patients(actor, parsed, identifier_system, summary, problems)
        if problems:
            raise FhirInvalid(problems)
        _labs(actor, parsed.labs, records, summary, problems)
        _courses(actor, parsed.courses, records, summary, problems)
        if problems:
            raise FhirInvalid(problems)
    return summary.as_dict()


def _check_permitted(parsed: Parsed, identifier_system: str | None,
                     may_record: Callable[[Patient], bool]) -> None:
    refused = []
    for p in parsed.patients:
        _identifier, patient = _identity(p, identifier_system, [])
        if patient is None or not may_record(patient):
            refused.append(Problem(f"{p.path}.identifier", "no patient you may record for has this "
                                   "identifier (new patients are registered from the command line)"))
    if refused:
        raise NotPermitted(refused)


def _identity(p: PatientIn, identifier_system: str | None, problems: list[Problem]
              ) -> tuple[str | None, Patient | None]:
    """(the record's identifier, the existing patient or None) for one Patient resource."""
    candidates = [(s, v, path) for s, v, path in p.identifiers
                  if identifier_system is None or s == identifier_system]
    if not candidates:
        problems.append(Problem(f"{p.path}.identifier", f"no identifier with system {identifier_system!r}"))
        return None, None
    existing = {x.identifier: x for x in Patient.objects.filter(identifier__in=[v for _s, v, _p in candidates])}
    matched = {existing[v].pk: (v, path) for _s, v, path in candidates if v in existing}
    if len(matched) > 1:
        names = " and ".join(f"{path} ({v!r})" for v, path in matched.values())
        problems.append(Problem(f"{p.path}.identifier", f"conflicting identifiers: {names} name "
                                "two different patients"))
        return None, None
    if matched:
        value = next(iter(matched.values()))[0]
        return value, existing[value]
    values = list(dict.fromkeys(v for _s, v, _p in candidates))
    if len(values) > 1:
        problems.append(Problem(f"{p.path}.identifier", f"conflicting identifiers {', '.join(map(repr, values))} "
                                "for a new patient: say which system is the record's (--identifier-system)"))
        return None, None
    return values[0], None


def _patients(actor: Actor, parsed: Parsed, identifier_system: str | None, summary: _Summary,
              problems: list[Problem]) -> dict[int, Patient]:
    records: dict[int, Patient] = {}
    seen: dict[str, str] = {}
    for p in parsed.patients:
        identifier, patient = _identity(p, identifier_system, problems)
        if identifier is None:
            continue
        if identifier in seen:
            problems.append(Problem(f"{p.path}.identifier", f"the same patient as {seen[identifier]}"))
            continue
        seen[identifier] = p.path
        fields: dict[str, Any] = {"birth_date": p.birth_date, "sex": p.sex, "weight_kg": p.weight_kg,
                                  "sle_diagnosis_date": p.sle_diagnosis_date,
                                  "given_name": p.given_name or None, "family_name": p.family_name or None}
        fields = {k: v for k, v in fields.items() if v is not None}
        paths = {**_PATIENT_PATHS, "weight_kg": p.weight_path, "sle_diagnosis_date": p.sle_path}
        created = patient is None
        try:
            if created:
                for name, sub in (("given_name", "name"), ("family_name", "name"),
                                  ("birth_date", "birthDate"), ("sex", "gender")):
                    if name not in fields:
                        raise RecordInvalid.one(name, f"a new patient needs {sub}")
                patient = services.create_patient(actor, identifier=identifier, **fields)
                summary.add("Patient", "created")
                changes = fields
            else:
                changes = {k: v for k, v in fields.items() if getattr(patient, k) != v}
                if changes:
                    patient = services.update_patient(actor, patient, reason="FHIR import", **changes)
                summary.add("Patient", "updated" if set(changes) - {"weight_kg", "sle_diagnosis_date"}
                            else "unchanged")
            changed = "created" if created else "updated"
            if p.weight_path:  # the latest weight may change the record; earlier ones do not
                summary.add("Observation", changed if "weight_kg" in changes else "unchanged")
                for _ in range(p.weights - 1):
                    summary.add("Observation", "unchanged")
            if p.sle_path:
                summary.add("Condition", changed if "sle_diagnosis_date" in changes else "unchanged")
        except RecordInvalid as exc:
            problems += _mapped(exc, p.path, paths)
            continue
        records[id(p)] = patient
    return records


def _key(patient_pk: int, test: str, at: dt.datetime, value: float, unit: str) -> tuple:
    return patient_pk, test, at.timestamp(), float(value), unit


def _labs(actor: Actor, labs: list[LabIn], records: dict[int, Patient], summary: _Summary,
          problems: list[Problem]) -> None:
    by_patient: dict[int, list[LabResult]] = defaultdict(list)
    patients = {p.pk: p for p in records.values()}
    have: set[tuple] = {
        _key(*row) for row in LabResult.objects.filter(patient__in=list(patients))
        .values_list("patient_id", "test", "collected_at", "value", "unit")}
    for lab in labs:
        patient = records[id(lab.patient)]
        at = lab.collected_at if timezone.is_aware(lab.collected_at) else timezone.make_aware(
            lab.collected_at, timezone.get_default_timezone())
        key = _key(patient.pk, lab.test, at, lab.value, lab.unit)
        if key in have:
            summary.add("Observation", "unchanged")
            continue
        have.add(key)
        try:
            row = services.new_lab(patient, source="fhir", test=lab.test, loinc=lab.loinc,
                                   value=lab.value, unit=lab.unit, low=lab.low, high=lab.high,
                                   collected_at=at)
        except RecordInvalid as exc:
            problems += _mapped(exc, lab.path, {**_LAB_PATHS, "unit": lab.unit_path})
            continue
        by_patient[patient.pk].append((lab, row))
    if problems:
        return
    for pk, rows in by_patient.items():
        try:
            services.record_labs(actor, patients[pk], [row for _lab, row in rows])
        except RecordInvalid as exc:
            problems += _mapped(exc, rows[0][0].path, {})
            continue
        for _ in rows:
            summary.add("Observation", "created")


def _same(stored: Any, incoming: Any) -> bool:
    """Equal, a dose within 1e-6 mg/day (a dose per administration written with six decimals
    and divided back into a daily mean)."""
    if isinstance(stored, float) and isinstance(incoming, float):
        return abs(stored - incoming) <= 1e-6
    return stored == incoming


def _courses(actor: Actor, courses: list[CourseIn], records: dict[int, Patient], summary: _Summary,
             problems: list[Problem]) -> None:
    if problems:
        return
    for c in courses:
        patient = records[id(c.patient)]
        paths = {"drug": c.drug_path, "daily_dose_mg": c.dose_path, "start": c.start_path,
                 "stop": c.start_path.replace(".start", ".end")}
        wanted = {"daily_dose_mg": c.daily_dose_mg, "schedule": c.schedule, "route": c.route,
                  "pulse": c.pulse, "stop": c.stop}
        existing = MedicationCourse.objects.filter(patient=patient, drug=c.drug, start=c.start).first()
        try:
            if existing is None:
                services.start_medication(actor, patient, drug=c.drug, start=c.start,
                                          reason=c.reason, **wanted)
                summary.add(c.resource_type, "created")
                continue
            changes = {k: v for k, v in wanted.items() if not _same(getattr(existing, k), v)}
            if not changes:
                summary.add(c.resource_type, "unchanged")
            elif set(changes) == {"stop"} and existing.stop is None:
                services.stop_medication(actor, existing, stop=c.stop, reason="FHIR import")
                summary.add(c.resource_type, "updated")
            else:
                services.amend_medication(actor, existing, reason="FHIR import", **changes)
                summary.add(c.resource_type, "updated")
        except RecordInvalid as exc:
            problems += _mapped(exc, c.path, paths)
