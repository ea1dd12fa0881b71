"""Product definitions: what the cells are, how they are released, dosed and stored.

A product ties a modality to a cell source, a release specification, a dose rule, a storage
range and manufacturing limits (maximum passage and cumulative population doublings, set per
product because no published cap applies to all: cell-therapy.md §1.2 [R]). CAR-T release limits
(CAR+ %, vector copy number, replication-competent lentivirus) are product-specific and have no
defaults here: the product's own specification must supply them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.compare import Op
from lupuscare.celltherapy.custody import TemperatureRange
from lupuscare.celltherapy.dosing import DoseRule
from lupuscare.celltherapy.regulatory import Modality
from lupuscare.celltherapy.release import (
    COMPENDIAL_SOURCE,
    NO_GROWTH,
    ProductSource,
    ReleaseSpec,
    SpecLine,
)
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError

CAR_T_SOURCES = frozenset({ProductSource.AUTOLOGOUS_T_CELL_CAR,
                           ProductSource.ALLOGENEIC_T_CELL_CAR})
PASSAGE_SOURCE = Source("cell-therapy.md §1.2: low passage (often P2-P5) and a maximum passage "
                        "or population-doubling number in the product specification",
                        Certainty.RECALLED)
CAR_T_SPEC_SOURCE = Source("cell-therapy.md §6.2 step 6: CAR+ %, viable cells, viability, vector "
                           "copy number, sterility, endotoxin, mycoplasma, RCL as the product "
                           "spec requires; limits from the product's own specification",
                           Certainty.RECALLED)


@dataclass(frozen=True)
class ProductDefinition:
    name: str
    modality: Modality
    source: ProductSource
    manufacturer: str
    release_spec: ReleaseSpec
    dose_rule: DoseRule
    storage: TemperatureRange
    max_passage: int | None = None
    max_population_doublings: float | None = None

    def __post_init__(self) -> None:
        _check.text("product.name", self.name)
        _check.text("product.manufacturer", self.manufacturer)
        car = self.source in CAR_T_SOURCES
        if car != (self.modality is Modality.CAR_T):
            raise InputError("product.source", f"{self.source.value} does not match modality "
                                               f"{self.modality.value}")
        if self.max_passage is not None:
            _check.number("product.max_passage", self.max_passage, minimum=0)
        if self.max_population_doublings is not None:
            _check.number("product.max_population_doublings", self.max_population_doublings,
                          positive=True)

    def full_spec(self) -> ReleaseSpec:
        """The release spec plus the product's passage and population-doubling limits."""
        extra = []
        if self.max_passage is not None:
            extra.append(SpecLine("passage", "batch record", "", Op.LE, self.max_passage,
                                  source=PASSAGE_SOURCE))
        if self.max_population_doublings is not None:
            extra.append(SpecLine("population_doublings", "batch record", "", Op.LE,
                                  self.max_population_doublings, source=PASSAGE_SOURCE))
        return ReleaseSpec(self.release_spec.product, self.release_spec.version,
                           self.release_spec.lines + tuple(extra))


def car_t_release_spec(product: str, version: str, *, car_positive_min_pct: float,
                       viability_min_pct: float, vcn_max_copies_per_cell: float,
                       rcl_required: bool = True) -> ReleaseSpec:
    """A CAR-T release spec; every numeric limit must come from the product's specification."""
    for name, value in (("car_positive_min_pct", car_positive_min_pct),
                        ("viability_min_pct", viability_min_pct)):
        _check.number(name, value, minimum=0, maximum=100)
    _check.number("vcn_max_copies_per_cell", vcn_max_copies_per_cell, positive=True)
    s = CAR_T_SPEC_SOURCE
    return ReleaseSpec(product, version, (
        SpecLine("car_positive", "flow cytometry", "%", Op.GE, car_positive_min_pct, source=s),
        SpecLine("viability", "flow cytometry", "%", Op.GE, viability_min_pct, source=s),
        SpecLine("vector_copy_number", "qPCR/ddPCR", "copies/cell", Op.LE,
                 vcn_max_copies_per_cell, source=s),
        SpecLine("sterility", "USP <71> / automated culture", accepted=(NO_GROWTH,),
                 final_culture=True, source=COMPENDIAL_SOURCE),
        SpecLine("endotoxin", "LAL (USP <85>)", "EU/mL", source=COMPENDIAL_SOURCE),
        SpecLine("mycoplasma", "PCR/NAT", accepted=("negative",), source=COMPENDIAL_SOURCE),
        SpecLine("rcl", "RCL assay", accepted=("not detected",), required=rcl_required,
                 source=s),
    ))
