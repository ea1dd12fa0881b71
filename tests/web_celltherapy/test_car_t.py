"""CAR-T products: a programme's release specification entered by a coordinator (limits validated
by the core, kept with history), CAR-T lots with a chain-of-identity identifier, results judged
against that specification at the limits, and two-person release; a lot without a specification
is refused release with the reason, and every refusal saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from lupuscare.celltherapy.identity import validate_coi
from lupuscare.errors import InputError
from lupuscare.web.celltherapy import services
from lupuscare.web.celltherapy.models import CarTReleaseSpec, Lot, LotEvent, QcResult
from web.factories import make_coordinator

from .helpers import UTC, consent, make_programme, refer, release

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 25, 9, tzinfo=UTC)
# illustrative sponsor limits for the tests (not defaults: the core has none for CAR-T)
LIMITS = dict(car_positive_min_pct=20.0, viability_min_pct=70.0, vcn_max_copies_per_cell=5.0)
PASSING = {"car_positive": 45.0, "viability": 91.0, "vector_copy_number": 1.8,
           "sterility": "no growth", "endotoxin": 0.3, "mycoplasma": "negative",
           "rcl": "not detected"}


def car_t_programme():
    return make_programme(
        name="Autologous CD19 CAR-T (test)", modality="car_t", product_name="CD19 CAR-T",
        product_source="autologous_t_cell_car", schedule="car_t",
        endpoint_ruleset="lunar_style_renal", max_passage=None, coi_issuer="CART",
        dose_basis="per_kg", dose_target=1e6)


def with_spec(programme, user, version="1", **limits):
    return services.set_car_t_spec(programme, user, version=version, **{**LIMITS, **limits})


@pytest.fixture
def car_t(world):
    programme = car_t_programme()
    enrolment = refer(world, programme)
    consent(enrolment, world.clinician_a,
            scopes=["treatment", "genetic_modification", "long_term_follow_up"])
    return programme, enrolment, make_coordinator(username="qc_analyst")


def new_lot(enrolment, user, number="CAR-26-001") -> Lot:
    lot = services.create_lot(enrolment, user, lot_number=number,
                              collected_on=dt.date(2026, 3, 11), collection_site="Apheresis unit")
    return services.transition_lot(lot, user, "in_testing",
                                   at=dt.datetime(2026, 3, 12, 9, tzinfo=UTC))


def enter_all(lot, user, **overrides):
    for attribute, value in {**PASSING, **overrides}.items():
        services.enter_result(lot, user, attribute=attribute, value=value)
    lot.refresh_from_db()
    return lot


# --- the specification --------------------------------------------------------------------------

def test_a_coordinator_enters_the_specification_and_every_version_is_kept(world, car_t):
    programme, _, _ = car_t
    row = with_spec(programme, world.coordinator)
    assert (row.version, row.car_positive_min_pct, row.viability_min_pct,
            row.vcn_max_copies_per_cell, row.rcl_required) == ("1", 20.0, 70.0, 5.0, True)
    with_spec(programme, world.coordinator, version="2", vcn_max_copies_per_cell=4.0)
    assert CarTReleaseSpec.objects.get().vcn_max_copies_per_cell == 4.0
    assert [h.version for h in CarTReleaseSpec.history.order_by("history_id")] == ["1", "2"]


def test_changed_limits_under_the_same_version_are_refused(world, car_t):
    programme, _, _ = car_t
    with_spec(programme, world.coordinator)
    with pytest.raises(InputError) as refused:
        with_spec(programme, world.coordinator, vcn_max_copies_per_cell=6.0)
    assert refused.value.field == "version"
    assert CarTReleaseSpec.objects.get().vcn_max_copies_per_cell == 5.0


@pytest.mark.parametrize(("field", "value"), [
    ("car_positive_min_pct", 100.1), ("car_positive_min_pct", -0.1),
    ("viability_min_pct", 100.5), ("vcn_max_copies_per_cell", 0.0),
    ("vcn_max_copies_per_cell", -1.0), ("vcn_max_copies_per_cell", float("nan")),
])
def test_bad_limits_are_refused_naming_the_field_and_nothing_is_saved(world, car_t, field, value):
    programme, _, _ = car_t
    with pytest.raises(InputError) as refused:
        with_spec(programme, world.coordinator, **{field: value})
    assert refused.value.field == field
    assert not CarTReleaseSpec.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("car_positive_min_pct", 100.0),
                                              ("car_positive_min_pct", 0.0),
                                              ("vcn_max_copies_per_cell", 0.01)])
def test_limits_at_the_edge_of_their_range_are_accepted(world, car_t, field, value):
    programme, _, _ = car_t
    assert getattr(with_spec(programme, world.coordinator, **{field: value}), field) == value


def test_only_a_coordinator_enters_it_and_only_for_a_car_t_programme(world, car_t):
    programme, _, _ = car_t
    with pytest.raises(InputError) as refused:
        with_spec(programme, world.clinician_a)
    assert refused.value.field == "entered_by"
    msc = make_programme()
    with pytest.raises(InputError) as refused:
        with_spec(msc, world.coordinator)
    assert refused.value.field == "programme"
    assert not CarTReleaseSpec.objects.exists()


def test_the_admin_form_refuses_what_the_core_refuses(world, car_t):
    programme, _, _ = car_t
    row = CarTReleaseSpec(programme=programme, version="1", entered_by=world.coordinator,
                          **{**LIMITS, "viability_min_pct": 101.0})
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "viability_min_pct" in refused.value.message_dict


def test_a_car_t_programme_with_a_mesenchymal_source_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        make_programme(name="bad", modality="car_t", product_source="umbilical_cord",
                       schedule="car_t")
    assert "product_source" in refused.value.message_dict


# --- lots -----------------------------------------------------------------------------------

def test_a_car_t_lot_is_the_patients_own_with_a_valid_coi(world, car_t):
    _, enrolment, qc = car_t
    lot = new_lot(enrolment, qc)
    assert lot.enrolment.patient == world.patient_a
    assert validate_coi(lot.coi_identifier).startswith("CART-2026-000001-")
    assert lot.donor_eligible is True  # autologous: no donor determination


def test_without_a_specification_results_and_release_are_refused_with_the_reason(world, car_t):
    _, enrolment, qc = car_t
    lot = new_lot(enrolment, qc)
    with pytest.raises(InputError) as refused:
        services.enter_result(lot, qc, attribute="viability", value=90.0)
    assert refused.value.field == "release_spec"
    events = LotEvent.objects.count()
    for status in ("released", "released_pending_final_sterility"):
        with pytest.raises(InputError) as refused:
            release(lot, world.coordinator, status, at=AT)
        assert refused.value.field == "release_spec"
        assert "no CAR-T release specification" in refused.value.message
    lot.refresh_from_db()
    assert lot.status == "in_testing" and LotEvent.objects.count() == events
    assert not QcResult.objects.exists()


# at the limit, just inside and just outside (limits: CAR+ >= 20 %, viability >= 70 %,
# vector copy number <= 5 copies/cell)
@pytest.mark.parametrize(("attribute", "value", "outcome"), [
    ("car_positive", 20.0, "pass"), ("car_positive", 19.9, "fail"), ("car_positive", 20.1, "pass"),
    ("viability", 70.0, "pass"), ("viability", 69.9, "fail"), ("viability", 70.1, "pass"),
    ("vector_copy_number", 5.0, "pass"), ("vector_copy_number", 5.01, "fail"),
    ("vector_copy_number", 4.99, "pass"),
])
def test_results_are_judged_at_the_limits_of_the_entered_specification(world, car_t, attribute,
                                                                      value, outcome):
    programme, enrolment, qc = car_t
    with_spec(programme, world.coordinator)
    lot = enter_all(new_lot(enrolment, qc), qc, **{attribute: value})
    line = next(x for x in lot.evaluation["lines"] if x["attribute"] == attribute)
    assert line["outcome"] == outcome
    assert lot.evaluation["releasable"] is (outcome == "pass")
    assert lot.evaluation["spec_version"] == "1"
    if outcome == "pass":
        assert release(lot, world.coordinator, at=AT).status \
            == "released"
    else:
        with pytest.raises(InputError) as refused:
            release(lot, world.coordinator, at=AT)
        assert refused.value.field == "evaluation"
        lot.refresh_from_db()
        assert lot.status == "in_testing"


@pytest.mark.parametrize(("attribute", "value"), [("rcl", "detected"),
                                                  ("mycoplasma", "positive"),
                                                  ("sterility", "growth: S. epidermidis")])
def test_a_failed_qualitative_test_blocks_release(world, car_t, attribute, value):
    programme, enrolment, qc = car_t
    with_spec(programme, world.coordinator)
    lot = enter_all(new_lot(enrolment, qc), qc, **{attribute: value})
    assert lot.evaluation["failed"] == [attribute]
    with pytest.raises(InputError):
        release(lot, world.coordinator, at=AT)


def test_rcl_optional_when_the_specification_says_so(world, car_t):
    programme, enrolment, qc = car_t
    with_spec(programme, world.coordinator, rcl_required=False)
    lot = new_lot(enrolment, qc)
    for attribute, value in PASSING.items():
        if attribute != "rcl":
            services.enter_result(lot, qc, attribute=attribute, value=value)
    assert services.evaluation_of(lot).releasable


def test_release_needs_a_second_person_and_a_missing_result_blocks_it(world, car_t):
    programme, enrolment, qc = car_t
    with_spec(programme, world.coordinator)
    lot = new_lot(enrolment, qc)
    for attribute, value in PASSING.items():
        if attribute != "vector_copy_number":
            services.enter_result(lot, qc, attribute=attribute, value=value)
    with pytest.raises(InputError) as refused:
        release(lot, world.coordinator, at=AT)
    assert "vector_copy_number" in refused.value.message
    services.enter_result(lot, qc, attribute="vector_copy_number", value=1.0)
    with pytest.raises(InputError):  # the analyst who entered results cannot release
        release(lot, qc, at=AT)
    lot = release(lot, world.coordinator, at=AT)
    assert lot.status == "released"
    assert lot.events.last().actor == world.coordinator


def test_a_percentage_above_100_is_refused_and_not_saved(world, car_t):
    programme, enrolment, qc = car_t
    with_spec(programme, world.coordinator)
    lot = new_lot(enrolment, qc)
    with pytest.raises(InputError) as refused:
        services.enter_result(lot, qc, attribute="car_positive", value=100.5)
    assert refused.value.field.endswith(".value")
    assert not QcResult.objects.exists()


# --- pages ----------------------------------------------------------------------------------

def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


FORM = {"version": "1", "car_positive_min_pct": "20", "viability_min_pct": "70",
        "vcn_max_copies_per_cell": "5", "rcl_required": "on"}


def test_the_coordinator_form_saves_and_a_refusal_saves_nothing(world, car_t):
    programme, _, _ = car_t
    client = _client(world.coordinator)
    bad = client.post("/celltherapy/programmes/release-spec/",
                      {**FORM, "programme": programme.pk, "vcn_max_copies_per_cell": "0"},
                      follow=True)
    assert "Refused: vcn_max_copies_per_cell" in bad.content.decode()
    assert not CarTReleaseSpec.objects.exists()
    ok = client.post("/celltherapy/programmes/release-spec/", {**FORM, "programme": programme.pk},
                     follow=True)
    page = ok.content.decode()
    assert "Version 1: CAR+ ≥ 20.0 %" in page
    assert CarTReleaseSpec.objects.get().entered_by == world.coordinator


@pytest.mark.parametrize("who", ["clinician_in_team", "clinician_outside_team", "admin",
                                 "patient_a"])
def test_no_one_else_may_post_a_specification(world, car_t, who):
    programme, _, _ = car_t
    response = _client(world.users()[who]).post("/celltherapy/programmes/release-spec/",
                                                 {**FORM, "programme": programme.pk})
    assert response.status_code in (302, 403, 404)
    assert not CarTReleaseSpec.objects.exists()


def test_the_patient_page_says_a_lot_without_a_specification_cannot_be_released(world, car_t):
    programme, enrolment, qc = car_t
    new_lot(enrolment, qc)
    page = _client(world.clinician_a).get(f"/celltherapy/patients/{world.patient_a.pk}/")
    assert page.status_code == 200
    assert "No release specification entered for this programme" in page.content.decode()
    with_spec(programme, world.coordinator)
    page = _client(world.clinician_a).get(f"/celltherapy/patients/{world.patient_a.pk}/")
    body = page.content.decode()
    assert "No release specification entered" not in body
    assert "vector_copy_number" in body and "car_positive" in body
