"""Builders for cell-therapy web tests: a valid MSC trial programme and each step of the flow,
done through ``services`` exactly as the views do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from lupuscare.web.accounts.models import User
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import Enrolment, Lot, Programme
from lupuscare.web.celltherapy.services.signoff import Step
from web.factories import PASSWORD, make_assessment, make_clinician, make_coordinator

TODAY = dt.date(2026, 3, 10)
UTC = dt.UTC


def make_programme(**fields: Any) -> Programme:
    """An MSC trial under an IND, registered, with a valid ethics approval: the gate allows it."""
    values: dict[str, Any] = dict(
        name="UC-MSC trial", modality="msc", regulatory_status="investigational_ind",
        authority="FDA", ind_or_cta_number="IND 012345", trial_registrations=["NCT02633163"],
        protocol_version="3.1", ethics_reference="IRB-2025-17",
        ethics_valid_from=dt.date(2025, 1, 1), ethics_valid_to=dt.date(2027, 12, 31),
        criteria_set="misle_nct02633163", schedule="misle_msc",
        endpoint_ruleset="paris_msc_sle_tolerance", consent_form_version="2",
        consent_form_effective=dt.date(2025, 6, 1), product_name="UC-MSC",
        product_source="umbilical_cord", manufacturer="Example GMP facility", max_passage=5,
        coi_issuer="LUP", storage_min_c=-196.0, storage_max_c=-150.0, dose_basis="per_kg",
        dose_target=1e6, dose_tolerance_pct=10.0, thaw_to_infusion_max_minutes=60,
        vital_ranges={"temperature_c": [35.5, 38.0], "systolic_mmhg": [90, 180]},
        discharge_items=["vital signs stable", "no infusion reaction"],
        min_observation_hours=2.0)
    values.update(fields)
    programme = Programme(**values)
    programme.full_clean()
    programme.save()
    return programme


NEGATIVE_DONOR = {t: "negative" for t in (
    "anti_hiv_1_2", "anti_hcv", "hbsag", "anti_hbc", "syphilis", "anti_htlv_1_2", "nat_hiv",
    "nat_hbv", "nat_hcv")}

PASSING_RESULTS: dict[str, Any] = {
    "CD73": 98.0, "CD90": 99.0, "CD105": 97.0, "CD45": 0.5, "CD34": 0.4, "CD14": 0.3,
    "CD79a": 0.2, "HLA-DR": 0.8, "viability": 92.0, "sterility": "no growth",
    "gram_stain": "no organisms seen", "endotoxin": 0.5, "mycoplasma": "negative",
    "karyotype": "normal", "potency_pbmc_inhibition": 35.0,
}


def clear_answers(programme: Programme) -> dict[str, bool]:
    """Every non-lab question of the programme's protocol answered: exclusions absent,
    inclusions met (the screening physician has looked at each)."""
    from lupuscare.web.celltherapy import protocols

    return {q.key: q.kind == "inclusion" for q in protocols.criteria(programme).questions}


def refer(world, programme: Programme | None = None, on: dt.date = TODAY) -> Enrolment:
    programme = programme or make_programme()
    return services.refer(programme, world.patient_a, world.clinician_a,
                          reason="refractory lupus nephritis", on=on)


def consent(enrolment: Enrolment, user, signed_on: dt.date = TODAY, **fields: Any):
    values = dict(consent_id="CF-1", form_version=enrolment.programme.consent_form_version,
                  signed_on=signed_on, signer=enrolment.patient.full_name, scopes=["treatment"])
    values.update(fields)
    return services.record_consent(enrolment, user, **values)


def lot_with_results(enrolment: Enrolment, creator, entrant, *, skip: tuple[str, ...] = (),
                     lot_number: str = "UC-26-001", **overrides: Any) -> Lot:
    """A lot in testing with every release result entered by ``entrant`` except ``skip``."""
    lot = services.create_lot(enrolment, creator, lot_number=lot_number,
                              collected_on=dt.date(2026, 3, 11), collection_site="GMP suite 1",
                              passage=3, donor_results=NEGATIVE_DONOR)
    lot = services.transition_lot(lot, creator, "in_testing",
                                  at=dt.datetime(2026, 3, 12, 9, tzinfo=UTC))
    results = {**PASSING_RESULTS, **overrides}
    for attribute, value in results.items():
        if attribute not in skip:
            services.enter_result(lot, entrant, attribute=attribute, value=value)
    lot.refresh_from_db()
    return lot


def qc_analyst():
    return User.objects.filter(username="qc_analyst").first() or \
        make_coordinator(username="qc_analyst")


def sign(user, step: Step, *, first=(), patient=None, password: str = PASSWORD,
         requester=None):
    """The second person signs in for ``step`` with their password, through the real
    ``authenticate_second_person`` (django-axes included), as the pages do."""
    request = RequestFactory().post("/celltherapy/", REMOTE_ADDR="127.0.0.1")
    request.user = requester or (first[0] if first else user)
    request.session = SessionStore()
    return services.authenticate_second_person(request, step, username=user.username,
                                               password=password, first=first, patient=patient)


def release(lot: Lot, releaser, status: str = "released", **fields: Any) -> Lot:
    """A QA release signed by ``releaser`` (a coordinator who signs in for it)."""
    return services.transition_lot(lot, releaser, status, release=sign(releaser, Step.QA_RELEASE),
                                   **fields)


def released_lot(world, enrolment: Enrolment | None = None, lot_number: str = "UC-26-001") -> Lot:
    """Referred, consented, tested by one user and released by a different one."""
    enrolment = enrolment or refer(world)
    consent(enrolment, world.clinician_a)
    qa_entrant = qc_analyst()
    lot = lot_with_results(enrolment, qa_entrant, qa_entrant, lot_number=lot_number)
    return release(lot, world.coordinator, at=dt.datetime(2026, 3, 20, 9, tzinfo=UTC))


def second_clinician(world):
    existing = User.objects.filter(username="second_nurse").first()
    if existing is not None:
        return existing
    nurse = make_clinician(username="second_nurse", first_name="Sam", last_name="Second")
    world.team_a.members.add(nurse)
    return nurse


def bedside_check(world, lot: Lot, *, planned: float | None = None, second=None,
                  start: dt.datetime | None = None, **fields: Any):
    """A pre-infusion check that clears (weight 62 kg, per-kg dose 1e6/kg), the second verifier
    signing in for it."""
    start = start or dt.datetime(2026, 3, 21, 10, tzinfo=UTC)
    second = second or second_clinician(world)
    values: dict[str, Any] = dict(
        lot=lot, planned_cells=planned if planned is not None else 62e6, weight_kg=62.0,
        second=sign(second, Step.BEDSIDE_IDENTITY, first=[world.clinician_a],
                    patient=lot.enrolment.patient),
        patient_identity_confirmed=True, patient_on_bag=lot.enrolment.patient.identifier,
        coi_on_bag=lot.coi_identifier, lot_on_bag=lot.lot_number,
        thaw_end=start - dt.timedelta(minutes=20), planned_start=start, volume_ml=100.0)
    values.update(fields)
    return services.check_before_infusion(lot.enrolment, world.clinician_a, **values)


_CHECK_FIELDS = {"weight_kg", "height_cm", "electronic_scan", "patient_identity_confirmed",
                 "patient_on_bag", "coi_on_bag", "lot_on_bag", "thaw_end", "volume_ml"}


def infuse(world, lot: Lot, *, delivered: float | None = None, second=None,
           start: dt.datetime | None = None, **fields: Any):
    """The cleared pre-infusion check, then the infusion as planned (30 min, vitals normal).
    Fields of the check (identity, thaw, weight, volume) go to the check, the rest to the
    record; the record's volume is the check's."""
    start = start or dt.datetime(2026, 3, 21, 10, tzinfo=UTC)
    delivered = delivered if delivered is not None else 62e6
    check = bedside_check(world, lot, planned=delivered, second=second, start=start,
                          **{k: v for k, v in fields.items() if k in _CHECK_FIELDS})
    values: dict[str, Any] = dict(
        pre_check=check, delivered_cells=delivered, started_at=start,
        ended_at=start + dt.timedelta(minutes=30), volume_ml=check.volume_ml,
        vitals=[{"at": start, "values": {"temperature_c": 36.8, "systolic_mmhg": 120}}])
    values.update({k: v for k, v in fields.items() if k not in _CHECK_FIELDS})
    return services.record_infusion(lot.enrolment, world.clinician_a, **values)


def visit(patient, date: dt.date, **fields: Any):
    fields.setdefault("findings", [])
    fields.setdefault("pga", 0.0)
    return make_assessment(patient, date=date, **fields)
