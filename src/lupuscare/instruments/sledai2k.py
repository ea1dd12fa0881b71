"""SLEDAI-2K: the 24 weighted descriptors of SLE activity, with its variants.

Source: Gladman DD, Ibanez D, Urowitz MB. J Rheumatol 2002;29:288-91 [seen: abstract]; weights
[seen: medicalcriteria.com, pediatriconcall.com, HHE Rheumatology 2019 Table 4]. A descriptor
scores its full weight once if present at the visit or within the window (10 days by default;
28 or 30 days as options: Touma Z et al. Lupus 2010;19:49-51 validated 30 days). Range 0-105.

Variants (clinical-instruments.md 1.3 and 14.1, [known]):
- ``sledai-2k`` (default): persistent rash, alopecia, mucosal ulcers and proteinuria count.
- ``selena-sledai`` (Petri 2005; Buyon 2005): skin and mucosal items count new or ongoing;
  proteinuria counts only if new or increased by > 0.5 g/24 h.
- ``sledai`` (original 1992, Bombardier et al.): rash, alopecia, mucosal ulcers and proteinuria
  count only when new or recurrent (proteinuria also when increased by > 0.5 g/24 h).
"New" is judged against ``previous``: an item present at the previous assessment is persistent.
Without ``previous`` the item is scored as new and the result warns.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from lupuscare.clinical.labs import PROTEINURIA_24H_ABOVE
from lupuscare.clinical.units import to_canonical_exact
from lupuscare.errors import InputError
from lupuscare.instruments.assessment import WINDOW_DAYS, Assessment, accepts_assessment
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

CITATION = ("Gladman DD, Ibanez D, Urowitz MB. Systemic lupus erythematosus disease activity index "
            "2000. J Rheumatol 2002;29:288-91")
VARIANT_CITATIONS = {
    "sledai-2k": CITATION,
    "selena-sledai": "Petri M et al. N Engl J Med 2005;353:2550-8; Buyon JP et al. Ann Intern Med 2005;142:953-62",
    "sledai": "Bombardier C, Gladman DD, Urowitz MB et al. Arthritis Rheum 1992;35:630-40",
}
VARIANTS = tuple(VARIANT_CITATIONS)
DEFAULT_WINDOW_DAYS = 10


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    weight: int
    findings: tuple[str, ...]


# The 24 descriptors in published order. acute_confusional_state maps to organic brain syndrome
# (the ACR NP nomenclature's successor term); both vasculitis findings map to the one descriptor.
ITEMS: tuple[Item, ...] = (
    Item("seizure", 8, ("seizure",)),
    Item("psychosis", 8, ("psychosis",)),
    Item("organic_brain_syndrome", 8, ("organic_brain_syndrome", "acute_confusional_state")),
    Item("visual_disturbance", 8, ("visual_disturbance",)),
    Item("cranial_nerve_disorder", 8, ("cranial_neuropathy",)),
    Item("lupus_headache", 8, ("lupus_headache",)),
    Item("cva", 8, ("cva",)),
    Item("vasculitis", 8, ("vasculitis_mucocutaneous", "vasculitis_systemic")),
    Item("arthritis", 4, ("arthritis",)),
    Item("myositis", 4, ("myositis",)),
    Item("urinary_casts", 4, ("urinary_casts",)),
    Item("hematuria", 4, ("hematuria",)),
    Item("proteinuria", 4, ("proteinuria",)),
    Item("pyuria", 4, ("pyuria",)),
    Item("rash", 2, ("rash_localized", "rash_generalized")),
    Item("alopecia", 2, ("alopecia",)),
    Item("mucosal_ulcers", 2, ("mucosal_ulcers",)),
    Item("pleurisy", 2, ("pleurisy",)),
    Item("pericarditis", 2, ("pericarditis",)),
    Item("low_complement", 2, ("low_complement",)),
    Item("increased_dna_binding", 2, ("increased_dna_binding",)),
    Item("fever", 1, ("fever",)),
    Item("thrombocytopenia", 1, ("thrombocytopenia",)),
    Item("leukopenia", 1, ("leukopenia",)),
)
WEIGHTS: dict[str, int] = {i.name: i.weight for i in ITEMS}
SEROLOGY_ITEMS = frozenset({"low_complement", "increased_dna_binding"})
MAX_TOTAL = sum(WEIGHTS.values())  # 105
FINDING_TO_ITEM: dict[str, str] = {f: i.name for i in ITEMS for f in i.findings}

# Items the older variants score only when new (or, for proteinuria, increased).
NEW_ONLY: dict[str, frozenset[str]] = {
    "sledai-2k": frozenset(),
    "selena-sledai": frozenset({"proteinuria"}),
    "sledai": frozenset({"rash", "alopecia", "mucosal_ulcers", "proteinuria"}),
}
PROTEINURIA_INCREASE_ABOVE = PROTEINURIA_24H_ABOVE  # "recent increase of > 0.5 g/24 h"
ARTHRITIS_MORE_THAN_JOINTS = 2  # "more than 2 joints with pain and signs of inflammation"


_ITEM_ORDER = {i.name: n for n, i in enumerate(ITEMS)}


def items_present(a: Assessment) -> dict[str, tuple[str, ...]]:
    """Item -> the sources (findings or labs) behind it, for every item present, in item order."""
    out: dict[str, list[str]] = {}
    for finding, sources in a.active.items():
        item = FINDING_TO_ITEM.get(finding)
        if item is not None:
            if item in out:
                out[item].extend(sources)
            else:
                out[item] = list(sources)
    return {k: tuple(out[k]) for k in sorted(out, key=_ITEM_ORDER.__getitem__)}


def _max_protein(a: Assessment) -> tuple[str, Fraction] | None:
    """Highest quantified proteinuria as (test, canonical value); 24-h collection preferred."""
    for test in ("urine_protein_24h", "upcr"):
        values = [to_canonical_exact(test, lab["value"], lab["unit"]) for lab in a.labs_of(test)]
        if values:
            return test, max(values)
    return None


def is_new(item: str, a: Assessment) -> tuple[bool, str]:
    """Whether a present item counts as new/recurrent/increased versus ``previous``."""
    prev = a.previous
    if prev is None:
        return True, "no previous assessment: scored as new"
    if item not in items_present(prev):
        return True, "new since the previous assessment"
    if item == "proteinuria":
        now, before = _max_protein(a), _max_protein(prev)
        if now and before and now[0] == before[0] and now[1] - before[1] > PROTEINURIA_INCREASE_ABOVE:
            return True, "increased by > 0.5 since the previous assessment"
    return False, "persistent: present at the previous assessment"


def compute(a: Assessment, variant: str = "sledai-2k") -> tuple[dict[str, int], list[ExplanationItem], list[str]]:
    """Points per item (all 24), explanation of the items that counted, warnings."""
    points = dict.fromkeys(WEIGHTS, 0)
    explanation: list[ExplanationItem] = []
    warnings: list[str] = []
    new_only = NEW_ONLY[variant]
    for item, sources in items_present(a).items():
        note = ""
        if item in new_only:
            counts, note = is_new(item, a)
            if a.previous is None:
                warnings.append(f"{item}: persistence not assessable without 'previous'; scored as new")
            if not counts:
                explanation.append(ExplanationItem(item, 0, "; ".join(sources), f"not scored: {note}"))
                continue
        points[item] = WEIGHTS[item]
        source = sources[0] if len(sources) == 1 else "; ".join(sources)
        explanation.append(ExplanationItem(item, WEIGHTS[item], source, note))
    return points, explanation, warnings


def total(a: Assessment, variant: str = "sledai-2k") -> int:
    return sum(compute(a, variant)[0].values())


def paired_totals(now: Assessment, before: Assessment, variant: str) -> tuple[int, int, list[str]]:
    """Totals at two visits for a change score (``now.previous`` is ``before``).

    With a persistence variant (SELENA, 1992) an item present at both visits is not scored at
    ``now`` (persistent); if ``before`` has no ``previous`` of its own, its status there is
    unknown, and scoring it as new would fake an improvement of its full weight. Such an item is
    therefore left out of both totals (change 0), and a warning says so.
    """
    now_points = compute(now, variant)[0]
    before_points = compute(before, variant)[0]
    warnings: list[str] = []
    if NEW_ONLY[variant] and before.previous is None:
        both = set(items_present(now)) & set(items_present(before)) & NEW_ONLY[variant]
        for item in sorted(both):
            if now_points[item] == 0 and before_points[item]:
                before_points[item] = 0
                warnings.append(f"{item} present at both visits; its status before the earlier visit "
                                f"is unknown, so it is left out of both {variant} totals")
    return sum(now_points.values()), sum(before_points.values()), warnings


def check_options(variant: str, window_days: int | None, a: Assessment | None = None) -> int:
    if variant not in VARIANTS:
        raise InputError("variant", f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    window = window_days if window_days is not None else (a.window_days if a else None)
    window = DEFAULT_WINDOW_DAYS if window is None else window
    if window not in WINDOW_DAYS:
        raise InputError("window_days", f"must be one of {', '.join(map(str, WINDOW_DAYS))}")
    return window


_VARIANT_NAMES = {"sledai-2k": "SLEDAI-2K", "selena-sledai": "SELENA-SLEDAI", "sledai": "SLEDAI (1992)"}
_VERSIONS = {(v, w): f"{n}, {w}-day window" for v, n in _VARIANT_NAMES.items() for w in WINDOW_DAYS}


def version(variant: str, window: int) -> str:
    return _VERSIONS[variant, window]


@accepts_assessment
def score(document: dict, *, window_days: int | None = None, variant: str = "sledai-2k",
          **options: Any) -> InstrumentResult:
    """Score SLEDAI-2K (or a variant) for one assessment."""
    if options:
        raise InputError(next(iter(options)), "unknown option for sledai2k")
    a = Assessment.from_document(document)
    window = check_options(variant, window_days, a)
    a.require_activity_input()
    points, explanation, warnings = compute(a, variant)
    tot = sum(points.values())
    clinical = tot - sum(points[i] for i in SEROLOGY_ITEMS)
    if a.window_days is not None and window_days is not None and a.window_days != window_days:
        warnings.append(f"document window_days {a.window_days} overridden by option {window_days}")
    swollen = a.joints.swollen_28 if a.joints else None
    if not points["arthritis"] and swollen is not None and swollen > ARTHRITIS_MORE_THAN_JOINTS \
            and "arthritis" not in a.not_attributable:
        warnings.append(f"joints.swollen_28={swollen} but 'arthritis' is not attested: "
                        "the arthritis descriptor is scored only when the clinician attests it")
    return InstrumentResult(
        instrument="sledai2k", version=version(variant, window),
        citation=VARIANT_CITATIONS[variant],
        values={"total": tot, "clinical_total": clinical, "items": points,
                "variant": variant, "window_days": window},
        explanation=tuple(explanation), warnings=tuple(warnings),
    )
