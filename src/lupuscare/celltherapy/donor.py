"""Allogeneic donor eligibility: infectious-disease markers must all be negative.

The panel is the one a published UC-MSC bank used (Hindawi Stem Cells Int 2022:4664917, Table 2;
cell-therapy.md §1.2 [V]); national rules (e.g. 21 CFR 1271 subpart C, EU 2006/17/EC) may add
tests: pass ``panel`` to extend it. Autologous products need no donor determination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lupuscare.celltherapy.release import ProductSource
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError

DONOR_PANEL: tuple[str, ...] = (
    "anti_hiv_1_2", "anti_hcv", "hbsag", "anti_hbc", "syphilis", "anti_htlv_1_2",
    "nat_hiv", "nat_hbv", "nat_hcv",
)
DONOR_SOURCE = Source("Hindawi Stem Cells Int 2022;4664917 Table 2 donor screening "
                      "(cell-therapy.md §1.2)", Certainty.VERIFIED)
NEGATIVE = frozenset({"negative", "non-reactive", "not detected"})


@dataclass(frozen=True)
class DonorEligibility:
    eligible: bool
    missing: tuple[str, ...]
    reactive: tuple[str, ...]
    source: Source = DONOR_SOURCE


def donor_eligibility(source: ProductSource, results: Mapping[str, str],
                      panel: Iterable[str] = DONOR_PANEL) -> DonorEligibility:
    """Eligible when every panel test is recorded negative; names missing and reactive tests."""
    if source.autologous:
        return DonorEligibility(True, (), ())
    missing, reactive = [], []
    for test in panel:
        value = results.get(test)
        if value is None:
            missing.append(test)
        elif not isinstance(value, str):
            raise InputError(f"results.{test}", "must be text, e.g. 'negative' or 'reactive'")
        elif value.strip().casefold() not in NEGATIVE:
            reactive.append(test)
    return DonorEligibility(not missing and not reactive, tuple(missing), tuple(reactive))
