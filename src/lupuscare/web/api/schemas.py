"""Shapes of the API's requests and answers. Input schemas check types only, strictly (a
``false`` is not a count, a ``"5"`` not a dose): ranges and vocabularies live once, in the
core and the models' validators (through the record services), and come back as 422 naming the
field."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import StrictBool, StrictFloat, StrictInt

from lupuscare.web.records.models.clinical import DEFAULT_WINDOW_DAYS
from lupuscare.web.records.services.labs import API_SOURCES


class CareTeamOut(Schema):
    id: int
    name: str


class PatientOut(Schema):
    id: int
    identifier: str
    given_name: str
    family_name: str
    birth_date: dt.date
    sex: str
    weight_kg: float | None
    sle_diagnosis_date: dt.date | None
    can_become_pregnant: bool | None
    care_team: CareTeamOut | None


class AssessmentOut(Schema):
    id: int
    date: dt.date
    window_days: int
    findings: list[str]
    not_attributable: list[str]
    swollen_28: int | None
    tender_28: int | None
    pga: float | None
    bilag_new_a: int | None
    bilag_new_b: int | None
    clinician_id: int | None
    notes: str


class AssessmentIn(Schema):
    date: dt.date
    window_days: StrictInt = DEFAULT_WINDOW_DAYS
    findings: list[str] = []
    not_attributable: list[str] = []
    swollen_28: StrictInt | None = None
    tender_28: StrictInt | None = None
    pga: StrictFloat | None = None
    bilag_new_a: StrictInt | None = None
    bilag_new_b: StrictInt | None = None
    notes: str = ""


class LabOut(Schema):
    id: int
    test: str
    loinc: str
    value: float
    unit: str
    low: float | None
    high: float | None
    collected_at: dt.datetime
    source: str


class LabIn(Schema):
    test: str
    loinc: str = ""
    value: StrictFloat
    unit: str
    low: StrictFloat | None = None
    high: StrictFloat | None = None
    collected_at: dt.datetime
    source: Literal[API_SOURCES] = "api"  # services.labs.API_SOURCES


class MedicationIn(Schema):
    drug: str
    daily_dose_mg: StrictFloat | None = None
    schedule: str = "daily"
    route: str = "oral"
    pulse: StrictBool = False
    start: dt.date
    stop: dt.date | None = None
    reason: str = ""
    tolerated: StrictBool | None = None
    investigational: StrictBool = False


class DamageOut(Schema):
    id: int
    item: str
    onset: dt.date
    count: int
    notes: str


class DamageIn(Schema):
    item: str
    onset: dt.date
    count: StrictInt = 1
    notes: str = ""


class RetractIn(Schema):
    reason: str


class MedicationOut(Schema):
    id: int
    drug: str
    daily_dose_mg: float | None
    schedule: str
    route: str
    pulse: bool
    start: dt.date
    stop: dt.date | None
    reason: str
    tolerated: bool | None
    investigational: bool


class ErrorOut(Schema):
    detail: str


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """422: every refused field, named by ``loc`` (e.g. ``["body", "payload", "value"]``)."""

    detail: list[FieldError]
