"""The seam for cell therapy: the core's eligibility and endpoint inputs, built from the record.

``screening_inputs`` gives ``lupuscare.celltherapy.eligibility.EligibilityInputs`` (SLEDAI-2K
from the instruments on the screening visit's document, the latest screening labs in each
criterion's unit, the medicine courses with the clinician's "failed" attestation);
``endpoint_inputs`` gives the values the programme's endpoint ruleset reads at a follow-up visit
(SLEDAI-2K, active sediment and SRI-4 from the instruments, renal labs, the week-20 prednisone
dose, the worst adverse-event grade). Every value comes from the instruments, the core's
definitions (``lupuscare.celltherapy.endpoints``) or straight from the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from lupuscare.celltherapy.eligibility import (
    EligibilityInputs,
    Lab,
    LabExclusion,
    RefractoryCriterion,
)
from lupuscare.celltherapy.eligibility import MedicationCourse as CoreCourse
from lupuscare.celltherapy.endpoints import active_sediment, taper_day
from lupuscare.clinical.glucocorticoids import daily_prednisone_equivalent
from lupuscare.clinical.units import convert
from lupuscare.errors import InputError
from lupuscare.instruments import score as score_instrument
from lupuscare.web.celltherapy import protocols
from lupuscare.web.celltherapy.models import Enrolment, FollowUpVisit, Infusion
from lupuscare.web.records.models import Assessment, LabResult, MedicationCourse

# Screening labs are read from this many days before the screening date (a lupuscare
# convention, no published source: protocols name their own screening window).
SCREENING_LAB_DAYS = 30


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def first_infusion(enrolment: Enrolment) -> Infusion | None:
    return enrolment.infusions.order_by("started_at").first()


def baseline_assessment(enrolment: Enrolment) -> Assessment | None:
    """The screening visit of the latest eligibility assessment, else the last visit on or
    before day 0."""
    screening = enrolment.eligibility.exclude(assessment=None).first()
    if screening is not None:
        return screening.assessment
    infusion = first_infusion(enrolment)
    limit = infusion.day0 if infusion else _today()
    return (Assessment.objects.filter(patient=enrolment.patient, date__lte=limit)
            .order_by("-date", "-id").first())


def _renal_values(doc: Mapping[str, Any]) -> dict[str, float]:
    """Latest UPCR (g/g) and creatinine (µmol/L) in the visit's lab window."""
    out: dict[str, float] = {}
    for lab in doc.get("labs", []):
        if lab["test"] == "upcr":
            out["upcr_g_g"] = convert("upcr", lab["value"], lab["unit"], "g/g")
        elif lab["test"] == "creatinine":
            out["creatinine"] = convert("creatinine", lab["value"], lab["unit"], "umol/L")
    return out


def _scored(instruments: dict[str, Any], key: str, name: str, document: dict[str, Any],
            **options: Any):
    """Score with the instruments engine; an input it lacks is recorded, not fatal: the ruleset
    then names the value as missing and the endpoint is 'not evaluable'."""
    try:
        result = score_instrument(name, document, **options)
    except InputError as exc:
        instruments[key] = {"instrument": name, "missing": f"{exc.field}: {exc.message}"}
        return None
    instruments[key] = result.to_dict()
    return result


def endpoint_inputs(enrolment: Enrolment, visit: FollowUpVisit) -> tuple[dict, dict, dict]:
    """(visit values, baseline values, instrument results) for the programme's ruleset; each
    value comes from ``lupuscare.instruments`` or straight from the record."""
    if visit.assessment is None:
        raise InputError("visit", f"{visit.label} has no recorded clinic visit")
    baseline = baseline_assessment(enrolment)
    visit_doc = visit.assessment.to_document(with_previous=False)
    instruments: dict[str, Any] = {}
    values: dict[str, float] = {}
    base: dict[str, float] = {}
    s = _scored(instruments, "sledai2k", "sledai2k", visit_doc)
    if s is not None:
        values["sledai2k_total"] = s.values["total"]
        values["active_sediment"] = active_sediment(s.values["items"])
    values |= _renal_values(visit_doc)
    if visit_doc.get("bilag"):
        values["bilag_new_a"] = visit_doc["bilag"].get("new_a")
        values["bilag_new_b"] = visit_doc["bilag"].get("new_b")
    if baseline is not None:
        base_doc = baseline.to_document(with_previous=False)
        instruments["baseline"] = {"assessment_id": baseline.pk,
                                   "date": baseline.date.isoformat()}
        b = _scored(instruments, "baseline_sledai2k", "sledai2k", base_doc)
        if b is not None:
            base["sledai2k_total"] = b.values["total"]
        base |= _renal_values(base_doc)
        sri = _scored(instruments, "sri", "sri", {**visit_doc, "previous": base_doc}, k=4)
        if sri is not None:
            values["sri4_responder"] = int(bool(sri.values["responder"]))
    infusion = first_infusion(enrolment)
    if infusion is not None:
        week20 = taper_day(infusion.day0)
        if visit.assessment.date >= week20:
            meds = MedicationCourse.objects.filter(patient=enrolment.patient).active_on(week20)
            values["prednisone_mg_day_week20"] = daily_prednisone_equivalent(
                [m.to_document() for m in meds])
        grades = enrolment.adverse_events.filter(
            onset__gte=infusion.day0, onset__lte=visit.assessment.date
        ).values_list("ctcae_grade", flat=True)
        values["max_ctcae_grade"] = max(grades, default=0)
    return values, base, instruments


def screening_inputs(enrolment: Enrolment, assessment: Assessment | None, *,
                     bilag: Mapping[str, str] | None, failed_course_ids: Iterable[int],
                     on: dt.date) -> tuple[EligibilityInputs, dict[str, Any]]:
    """Eligibility inputs computed from the record, plus a JSON snapshot of where each came from.

    SLEDAI-2K comes from the instruments engine on the visit's document; labs are the latest in
    the screening window, converted to each criterion's unit; medication courses come from the
    record, and whether each one failed is the clinician's attestation (``failed_course_ids``).
    """
    patient = enrolment.patient
    criteria = protocols.criteria(enrolment.programme)
    scores: dict[str, float] = {}
    snapshot: dict[str, Any] = {"on": on.isoformat()}
    if assessment is not None:
        if assessment.patient_id != patient.pk:
            raise InputError("assessment", "belongs to another patient")
        result = score_instrument("sledai2k", assessment.to_document(with_previous=False))
        scores["sledai2k_total"] = result.values["total"]
        snapshot["sledai2k"] = {"assessment_id": assessment.pk,
                                "date": assessment.date.isoformat(),
                                "total": result.values["total"], "version": result.version}
    labs: dict[str, Lab] = {}
    lab_snapshot = {}
    start = on - dt.timedelta(days=SCREENING_LAB_DAYS)
    for criterion in criteria.criteria:
        if not isinstance(criterion, LabExclusion) or criterion.lab in labs:
            continue
        row = (LabResult.objects.filter(patient=patient, test=criterion.lab,
                                        collected_at__date__gte=start,
                                        collected_at__date__lte=on)
               .order_by("-collected_at").first())
        if row is None:
            continue
        value = row.value if row.unit == criterion.unit else convert(
            criterion.lab, row.value, row.unit, criterion.unit)
        uln = row.high
        if uln is not None and row.unit != criterion.unit:
            uln = convert(criterion.lab, uln, row.unit, criterion.unit)
        labs[criterion.lab] = Lab(value, criterion.unit, uln)
        lab_snapshot[criterion.lab] = {"lab_id": row.pk, "value": row.value, "unit": row.unit,
                                       "as": value, "as_unit": criterion.unit,
                                       "collected_at": row.collected_at.isoformat()}
    snapshot["labs"] = lab_snapshot
    failed = set(failed_course_ids)
    courses = []
    course_snapshot = []
    wanted_units = {req.drug: req.dose_unit for c in criteria.criteria
                    if isinstance(c, RefractoryCriterion) for req in (*c.all_of, *c.any_of)}
    for course in MedicationCourse.objects.filter(patient=patient, start__lte=on):
        unit = wanted_units.get(course.drug)
        if unit not in {"mg/d", "g/d"} or course.daily_dose_mg is None or course.pulse:
            continue  # pulses (e.g. cyclophosphamide g/m² every 2 weeks) need the dose record
        dose = course.daily_dose_mg if unit == "mg/d" else course.daily_dose_mg / 1000
        days = ((course.stop or on) - course.start).days
        courses.append(CoreCourse(course.drug, dose, unit, days, course.pk in failed))
        course_snapshot.append({"course_id": course.pk, "drug": course.drug, "dose": dose,
                                "unit": unit, "days": days, "failed": course.pk in failed})
    snapshot["courses"] = course_snapshot
    snapshot["bilag"] = dict(bilag) if bilag else None
    return EligibilityInputs(scores, dict(bilag) if bilag else None, courses, labs), snapshot
