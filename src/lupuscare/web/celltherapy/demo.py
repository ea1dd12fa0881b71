"""The demo cohort's cell-therapy programme: a small synthetic UC-MSC trial with one patient at
every stage (referred, eligible, consented, lot released, infused, in follow-up, with an
endpoint, with an adverse event) and one order blocked by the gate.

Called by ``lupuscare demo`` through the loader's ``extra_loaders`` hook (registered in
``apps.py``), inside the load transaction. Every step goes through ``services``, so the demo
passes the same checks as real use. The programme runs "now": its dates count back from the day
the demo is loaded. Nothing here is a real trial: the names say "demo" and the IND number and
registrations are placeholders of the right shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models
from django.utils import timezone

from lupuscare.web.accounts.models import Role
from lupuscare.web.records import services as records
from lupuscare.web.records.models import Patient

from . import protocols, services
from .models import (
    AdverseEvent,
    CustodyRecord,
    Discharge,
    Enrolment,
    FollowUpVisit,
    Infusion,
    PreInfusionCheck,
    Programme,
)
from .services.signoff import Step, unattended_signature

DEMO_PROGRAMME = "Demo UC-MSC trial (synthetic)"
BLOCKED_PROGRAMME = "Demo: unlicensed clinic offer (blocked example)"
STAGES = ("referred", "eligible", "consented", "lot_released", "infused", "in_follow_up",
          "endpoint", "adverse_event")
QC_USERNAME = "demo-qc-analyst"
_SCREENING_FINDINGS = ["arthritis", "rash_generalized", "alopecia"]  # SLEDAI-2K 4 + 2 + 2 = 8
_PASSING = {
    "CD73": 98.0, "CD90": 99.0, "CD105": 97.0, "CD45": 0.5, "CD34": 0.4, "CD14": 0.3,
    "CD79a": 0.2, "HLA-DR": 0.8, "viability": 91.0, "sterility": "no growth",
    "gram_stain": "no organisms seen", "endotoxin": 0.5, "mycoplasma": "negative",
    "karyotype": "normal", "potency_pbmc_inhibition": 34.0,
}
_DONOR = {t: "negative" for t in ("anti_hiv_1_2", "anti_hcv", "hbsag", "anti_hbc", "syphilis",
                                  "anti_htlv_1_2", "nat_hiv", "nat_hbv", "nat_hcv")}
DEMO_SIGNOFF = "demo loader: synthetic two-person sign-off, nobody signed in"
# days before today of the infusion, per infused stage (so the follow-up states differ)
_INFUSED_DAYS_AGO = {"infused": 3, "in_follow_up": 40, "endpoint": 60, "adverse_event": 20}


def demo_programme() -> Programme:
    programme, _ = Programme.objects.get_or_create(name=DEMO_PROGRAMME, defaults=dict(
        modality="msc", regulatory_status="investigational_ind", authority="FDA (placeholder)",
        ind_or_cta_number="IND 000000 (demo)", trial_registrations=["NCT00000000"],
        protocol_version="1.0-demo", ethics_reference="IRB-DEMO-1",
        ethics_valid_from=dt.date(2025, 1, 1), ethics_valid_to=dt.date(2030, 12, 31),
        criteria_set="wang2014_nct01741857", schedule="misle_msc",
        endpoint_ruleset="paris_msc_sle_tolerance", consent_form_version="1",
        consent_form_effective=dt.date(2025, 1, 1), product_name="UC-MSC (demo)",
        product_source="umbilical_cord", manufacturer="Demo GMP facility", max_passage=5,
        coi_issuer="DEMO", storage_min_c=-196.0, storage_max_c=-150.0, dose_basis="per_kg",
        dose_target=1e6, dose_tolerance_pct=10.0, thaw_to_infusion_max_minutes=60,
        vital_ranges={"temperature_c": [35.5, 38.0], "systolic_mmhg": [90, 180]},
        discharge_items=["vital signs stable", "no infusion reaction"],
        min_observation_hours=2.0))
    return programme


def blocked_programme() -> Programme:
    programme, _ = Programme.objects.get_or_create(name=BLOCKED_PROGRAMME, defaults=dict(
        modality="msc", regulatory_status="unknown_or_unapproved", criteria_set="misle_nct02633163",
        schedule="misle_msc", endpoint_ruleset="paris_msc_sle_tolerance",
        consent_form_version="1", consent_form_effective=dt.date(2025, 1, 1),
        product_name="'Stem cell' infusion", product_source="umbilical_cord",
        manufacturer="unknown", coi_issuer="BLOCK", storage_min_c=-196.0, storage_max_c=-150.0,
        dose_basis="flat", dose_target=1e8))
    return programme


def _user(username: str, role: str, first: str, last: str, cohort=None):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, first_name=first, last_name=last,
                    password=make_password(None))
        user.save()
        if cohort is not None:
            from lupuscare.web.demo.models import DemoAccount

            DemoAccount.objects.create(cohort=cohort, user=user)
    return user


def load_programme(cohort, patient_ids: Sequence[int], *, on: dt.date | None = None) -> dict:
    """Enrol demo patients of the demo clinician's care team, one per stage; returns
    stage -> patient id. Needs at least nine such patients (else enrols as many as there are)."""
    on = on or timezone.localdate()
    User = get_user_model()
    clinician = User.objects.get(username="demo-clinician")
    team = clinician.care_teams.order_by("pk").first()
    second = team.members.exclude(pk=clinician.pk).order_by("username").first()
    if second is None:  # the bedside check needs a second person
        second = _user("demo-infusion-nurse", Role.CLINICIAN, "Ines", "Infusion nurse", cohort)
        team.members.add(second)
    coordinator = User.objects.get(username="demo-coordinator")
    qc = _user(QC_USERNAME, Role.COORDINATOR, "Quinn", "QC analyst", cohort)
    in_team = list(Patient.objects.filter(pk__in=patient_ids, care_team=team)
                   .exclude(user__username="demo-patient").order_by("pk")[:len(STAGES) + 1])
    programme = demo_programme()
    placed: dict[str, int] = {}
    for stage, patient in zip(STAGES, in_team, strict=False):
        _advance(programme, patient, stage, clinician=clinician, second=second,
                 coordinator=coordinator, qc=qc, on=on)
        placed[stage] = patient.pk
    if len(in_team) > len(STAGES):
        patient = in_team[len(STAGES)]
        services.refer(blocked_programme(), patient, clinician, on=on - dt.timedelta(days=2),
                       reason="patient asked about a 'stem cell' clinic offer")
        placed["blocked"] = patient.pk
    return placed


def wipe_programme_data(patient_ids: Sequence[int]) -> None:
    """Remove the cell-therapy rows of demo patients, for ``wipe_demo`` (synthetic data only).

    Real records never go this way: custody records refuse deletion (their manager is the audit
    log's append-only queryset) and infusions and adverse events are protected from cascades. A
    plain ``QuerySet`` is the one deliberate bypass, used here for the demo's own rows.
    """
    orders = Enrolment.objects.filter(patient_id__in=patient_ids)
    Discharge.objects.filter(infusion__enrolment__in=orders).delete()
    Infusion.objects.filter(enrolment__in=orders).delete()
    PreInfusionCheck.objects.filter(enrolment__in=orders).delete()
    AdverseEvent.objects.filter(enrolment__in=orders).delete()
    models.QuerySet(CustodyRecord).filter(lot__enrolment__in=orders).delete()
    orders.delete()


def _advance(programme: Programme, patient: Patient, stage: str, *, clinician, second,
             coordinator, qc, on: dt.date) -> None:
    order = STAGES.index(stage)
    infused_ago = _INFUSED_DAYS_AGO.get(stage, 45)
    day0 = on - dt.timedelta(days=infused_ago)
    referred = day0 - dt.timedelta(days=35)
    enrolment = services.refer(programme, patient, clinician, on=referred,
                               reason="refractory SLE despite glucocorticoids and MMF")
    if order < STAGES.index("eligible"):
        return
    # the clinical record goes through its one write path (scored, alerts refreshed, audited)
    writer = records.Actor.system("demo loader", clinician)
    screening = records.record_visit(writer, patient, date=referred, clinician=clinician,
                                     findings=list(_SCREENING_FINDINGS), pga=2.0,
                                     bilag_new_a=0, bilag_new_b=1)
    courses = [records.start_medication(
        writer, patient, drug=drug, daily_dose_mg=dose, start=referred - dt.timedelta(days=300),
        stop=referred - dt.timedelta(days=100), reason="demo: inadequate response")
        for drug, dose in (("prednisone", 30.0), ("mycophenolate_mofetil", 2000.0))]
    # demo answers: every non-lab exclusion absent, every attested inclusion met
    answers = {q.key: q.kind == "inclusion"
               for q in protocols.criteria(programme).questions}
    services.assess_eligibility(enrolment, clinician, assessment=screening,
                                failed_course_ids=[c.pk for c in courses], answers=answers,
                                on=referred)
    if order < STAGES.index("consented"):
        return
    services.record_consent(enrolment, coordinator, consent_id=f"DEMO-CF-{patient.pk}",
                            form_version=programme.consent_form_version,
                            signed_on=referred + dt.timedelta(days=3), signer=patient.full_name,
                            scopes=["treatment", "data_sharing"])
    if order < STAGES.index("lot_released"):
        return
    collected = referred + dt.timedelta(days=5)
    lot = services.create_lot(enrolment, qc, lot_number=f"DEMO-UC-{patient.pk:05d}",
                              collected_on=collected, collection_site="Demo GMP suite",
                              passage=3, donor_code=f"D{patient.pk % 97:03d}", donor_results=_DONOR)
    testing = dt.datetime.combine(collected + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
    services.transition_lot(lot, qc, "in_testing", at=testing)
    for attribute, value in _PASSING.items():
        services.enter_result(lot, qc, attribute=attribute, value=value)
    release = unattended_signature(coordinator, Step.QA_RELEASE, patient=patient, first=[qc],
                                   reason=DEMO_SIGNOFF)
    services.transition_lot(lot, coordinator, "released", release=release,
                            at=testing + dt.timedelta(days=20))
    if order < STAGES.index("infused"):
        return
    start = dt.datetime.combine(day0, dt.time(10), tzinfo=dt.UTC)
    weight = patient.weight_kg or 65.0
    bedside = unattended_signature(second, Step.BEDSIDE_IDENTITY, patient=patient,
                                   first=[clinician], reason=DEMO_SIGNOFF)
    check = services.check_before_infusion(
        enrolment, clinician, lot=lot, planned_cells=weight * 1e6 * 1.02, weight_kg=weight,
        second=bedside, patient_identity_confirmed=True, patient_on_bag=patient.identifier,
        coi_on_bag=lot.coi_identifier, lot_on_bag=lot.lot_number,
        thaw_end=start - dt.timedelta(minutes=25), planned_start=start, volume_ml=100.0)
    services.record_infusion(
        enrolment, clinician, pre_check=check, delivered_cells=weight * 1e6 * 1.02,
        started_at=start, ended_at=start + dt.timedelta(minutes=40), volume_ml=100.0,
        vitals=[{"at": start, "values": {"temperature_c": 36.9, "systolic_mmhg": 118}}])
    if stage == "adverse_event":
        onset = day0 + dt.timedelta(days=6)
        services.record_adverse_event(
            enrolment, clinician, term="pneumonia", onset=onset, ctcae_grade=3,
            seriousness=["hospitalisation"], causality="possible", expected=False,
            sponsor_first_knowledge=onset + dt.timedelta(days=1))
    if order < STAGES.index("in_follow_up"):
        return
    done = [v for v in FollowUpVisit.objects.filter(enrolment=enrolment).order_by("target")
            if v.target <= on]
    if stage == "in_follow_up":  # this patient missed week 4: the board shows it overdue
        done = [v for v in done if v.label != "week 4"]
    for visit in done:
        assessment = records.record_visit(
            records.Actor.system("demo loader", clinician), patient, date=visit.target,
            clinician=clinician, findings=["arthritis"], pga=1.0, bilag_new_a=0, bilag_new_b=0)
        services.record_visit(visit, assessment, on=on)
    if stage == "endpoint" and done:
        services.compute_endpoint(enrolment, done[-1], clinician)
