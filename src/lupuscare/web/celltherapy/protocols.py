"""The seam between stored programmes and the pure core: protocol data chosen by key, and the
core objects (gate programme, product definition, consent form...) built from a stored row.

Criteria sets, schedules and endpoint rulesets are versioned data that the core ships with their
citations; a programme names one of each. Nothing here decides anything clinical.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lupuscare.celltherapy import eligibility, endpoints, followup
from lupuscare.celltherapy.consent import ConsentForm
from lupuscare.celltherapy.custody import TemperatureRange
from lupuscare.celltherapy.dosing import DoseBasis, DoseRule
from lupuscare.celltherapy.infusion import DischargeCriteria, InfusionProtocol
from lupuscare.celltherapy.product import ProductDefinition, car_t_release_spec
from lupuscare.celltherapy.regulatory import EthicsApproval, Modality, RegulatoryStatus
from lupuscare.celltherapy.regulatory import Programme as CoreProgramme
from lupuscare.celltherapy.release import ProductSource, ReleaseSpec, msc_release_spec
from lupuscare.errors import InputError

if TYPE_CHECKING:
    from .models import CarTReleaseSpec, Programme

CRITERIA_SETS: dict[str, eligibility.CriteriaSet] = {
    "misle_nct02633163": eligibility.MISLE_NCT02633163,
    "wang2014_nct01741857": eligibility.WANG2014_NCT01741857,
}
SCHEDULES: dict[str, Callable[[], followup.Schedule]] = {
    "misle_msc": followup.misle_msc_schedule,
    "wang2014_msc": followup.wang2014_msc_schedule,
    "car_t": followup.car_t_schedule,
}
ENDPOINT_RULESETS: dict[str, endpoints.Ruleset] = {
    "kamen2022_sri4": endpoints.KAMEN2022_SRI4,
    "paris_msc_sle_tolerance": endpoints.PARIS_MSC_SLE_TOLERANCE,
    "lunar_style_renal": endpoints.LUNAR_STYLE_RENAL,
}


def core_programme(p: Programme) -> CoreProgramme:
    """The gate's view of a programme (raises InputError naming a bad stored field)."""
    ethics = None
    if p.ethics_reference or p.ethics_valid_from or p.ethics_valid_to:
        ethics = EthicsApproval(p.ethics_reference, p.ethics_valid_from, p.ethics_valid_to)
    return CoreProgramme(
        name=p.name, modality=Modality(p.modality),
        regulatory_status=RegulatoryStatus(p.regulatory_status),
        protocol_version=p.protocol_version, authority=p.authority,
        ind_or_cta_number=p.ind_or_cta_number,
        approved_indications=tuple(p.approved_indications or ()),
        trial_registrations=tuple(p.trial_registrations or ()), ethics_approval=ethics,
        authority_document=p.authority_document,
    )


def release_spec(p: Programme) -> ReleaseSpec:
    """The programme's release specification.

    MSC: the published tables (limits as the core defaults). CAR-T: the core has no defaults, so
    the limits come from the specification a coordinator entered (``CarTReleaseSpec``); without
    one, this refuses, naming ``release_spec``: such a lot can be collected but never judged
    or released.
    """
    if Modality(p.modality) is Modality.CAR_T:
        row = car_t_spec_row(p)
        if row is None:
            raise InputError("release_spec", f"no CAR-T release specification has been entered "
                                             f"for {p.name}: its lots cannot be judged or "
                                             f"released")
        return car_t_spec_from(row)
    if Modality(p.modality) is not Modality.MSC:
        raise InputError("programme.modality", f"no release specification for "
                                               f"{p.modality} products here")
    return msc_release_spec(p.product_name, p.spec_version)


def car_t_spec_row(p: Programme) -> CarTReleaseSpec | None:
    from .models import CarTReleaseSpec

    if p.pk is None:
        return None
    return CarTReleaseSpec.objects.filter(programme=p).first()


def car_t_spec_from(row: CarTReleaseSpec) -> ReleaseSpec:
    """The core's CAR-T spec from a stored row (raises InputError naming a bad limit)."""
    if Modality(row.programme.modality) is not Modality.CAR_T:
        raise InputError("programme", f"{row.programme.name} is not a CAR-T programme")
    return car_t_release_spec(
        row.programme.product_name, row.version, car_positive_min_pct=row.car_positive_min_pct,
        viability_min_pct=row.viability_min_pct,
        vcn_max_copies_per_cell=row.vcn_max_copies_per_cell, rcl_required=row.rcl_required)


def full_spec_if_entered(p: Programme) -> ReleaseSpec | None:
    """The full release spec, or None for a CAR-T programme whose specification is not entered."""
    if Modality(p.modality) is Modality.CAR_T and car_t_spec_row(p) is None:
        return None
    return product_definition(p).full_spec()


def product_definition(p: Programme) -> ProductDefinition:
    return ProductDefinition(
        name=p.product_name, modality=Modality(p.modality), source=ProductSource(p.product_source),
        manufacturer=p.manufacturer, release_spec=release_spec(p), dose_rule=dose_rule(p),
        storage=storage_range(p), max_passage=p.max_passage,
    )


def dose_rule(p: Programme) -> DoseRule:
    return DoseRule(DoseBasis(p.dose_basis), p.dose_target, p.dose_tolerance_pct)


def storage_range(p: Programme) -> TemperatureRange:
    return TemperatureRange(f"{p.product_name} storage", p.storage_min_c, p.storage_max_c)


def consent_form(p: Programme) -> ConsentForm:
    return ConsentForm(p.consent_form_version, p.consent_form_effective,
                       witness_required=p.consent_witness_required)


def infusion_protocol(p: Programme) -> InfusionProtocol:
    ranges = {k: (v[0], v[1]) for k, v in (p.vital_ranges or {}).items()}
    return InfusionProtocol(p.thaw_to_infusion_max_minutes, ranges)


def discharge_criteria(p: Programme) -> DischargeCriteria:
    return DischargeCriteria(p.protocol_version or "1", tuple(p.discharge_items or ()),
                             p.min_observation_hours)


def schedule(p: Programme) -> followup.Schedule:
    return SCHEDULES[p.schedule]()


def criteria(p: Programme) -> eligibility.CriteriaSet:
    return CRITERIA_SETS[p.criteria_set]


def ruleset(p: Programme) -> endpoints.Ruleset:
    return ENDPOINT_RULESETS[p.endpoint_ruleset]
