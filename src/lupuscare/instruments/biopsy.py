"""Kidney biopsy in lupus nephritis: ISN/RPS class (2003/2018) and the modified NIH indices.

- ISN/RPS class I-VI; III and IV may carry an activity label (A, A/C, C: 2003) and IV a
  segmental/global label (IV-S, IV-G: 2003, dropped in 2018); V may combine with III or IV
  (III+V, IV+V). Weening JJ et al. J Am Soc Nephrol 2004;15:241-50 and Kidney Int 2004;65:521-30.
- Modified NIH activity index (0-24): six features graded 0-3, fibrinoid necrosis and cellular or
  fibrocellular crescents counted twice; chronicity index (0-12): four features graded 0-3.
  Grading by extent: 0 absent, 1 < 25%, 2 25-50%, 3 > 50%. Bajema IM et al. Revision of the
  ISN/RPS classification for lupus nephritis. Kidney Int 2018;93:789-96.
Certainty: recalled standard content (spec section 9.4 [known]); the abstracts of Bajema 2018
and a 2023 review (Kidney Res Clin Pract 2023;42:166-73) confirm six activity and four
chronicity features replacing A, A/C and C; weights and grading bands were not re-read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lupuscare.dates import parse_date
from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.result import ExplanationItem, InstrumentResult

INSTRUMENT = "biopsy"
VERSION = "ISN/RPS 2003 class with 2018 revision; modified NIH activity (0-24) and chronicity (0-12)"
CITATION = (
    "Weening JJ et al. J Am Soc Nephrol 2004;15:241-50 (ISN/RPS 2003); Bajema IM et al. Kidney Int "
    "2018;93:789-96 (2018 revision, modified NIH indices). Recalled; weights not re-read."
)

# feature -> weight. Each feature is graded 0-3.
ACTIVITY_FEATURES: dict[str, int] = {
    "endocapillary_hypercellularity": 1,
    "neutrophils_karyorrhexis": 1,
    "fibrinoid_necrosis": 2,
    "hyaline_deposits": 1,
    "cellular_or_fibrocellular_crescents": 2,
    "interstitial_inflammation": 1,
}
CHRONICITY_FEATURES: dict[str, int] = {
    "total_glomerulosclerosis": 1,
    "fibrous_crescents": 1,
    "tubular_atrophy": 1,
    "interstitial_fibrosis": 1,
}
MAX_GRADE = 3
# ISN/RPS 2003: class III < 50% of glomeruli affected, class IV >= 50%; class VI >= 90% globally
# sclerosed without residual activity.
DIFFUSE_FROM_PERCENT = 50
ADVANCED_SCLEROSIS_FROM_PERCENT = 90
# Extent bands: grade 1 below 25%, grade 2 from 25% to 50% inclusive, grade 3 above 50%.
GRADE_BANDS = (25, 50)

REVISIONS = ("2003", "2018")
ROMAN = ("I", "II", "III", "IV", "V", "VI")
ACTIVITY_LABELS = ("A", "A/C", "C")
_COMPONENT = re.compile(
    r"^(?:CLASS\s*)?(?P<cls>VI|V|IV|III|II|I)"
    r"(?:\s*-\s*(?P<extent>[SG]))?"
    r"(?:\s*\(\s*(?P<activity>A\s*/\s*C|A|C)\s*\))?$"
)
EULAR_CRITERION = {  # biopsy class -> EULAR/ACR 2019 criterion name
    "II": "lupus_nephritis_class_ii_or_v", "V": "lupus_nephritis_class_ii_or_v",
    "III": "lupus_nephritis_class_iii_or_iv", "IV": "lupus_nephritis_class_iii_or_iv",
}


@dataclass(frozen=True, slots=True)
class ClassComponent:
    cls: str  # "I" .. "VI"
    extent: str | None = None  # "S" or "G" (class IV, 2003 only)
    activity: str | None = None  # "A", "A/C" or "C" (classes III and IV, 2003)

    def __str__(self) -> str:
        text = self.cls + (f"-{self.extent}" if self.extent else "")
        return text + (f" ({self.activity})" if self.activity else "")


@dataclass(frozen=True, slots=True)
class IsnRpsClass:
    components: tuple[ClassComponent, ...]

    def __str__(self) -> str:
        return " + ".join(str(c) for c in self.components)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(c.cls for c in self.components)

    def classification_criteria(self) -> tuple[str, ...]:
        """EULAR/ACR 2019 renal criterion names this class meets (highest weight first)."""
        names = {EULAR_CRITERION[c] for c in self.classes if c in EULAR_CRITERION}
        order = ("lupus_nephritis_class_iii_or_iv", "lupus_nephritis_class_ii_or_v")
        return tuple(n for n in order if n in names)


def parse_isn_rps_class(text: object, field: str = "class") -> IsnRpsClass:
    """Validate an ISN/RPS class such as ``"IV"``, ``"IV-G (A/C)"``, ``"III (A) + V"``."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, "an ISN/RPS class (I-VI, e.g. 'IV' or 'III + V') is required")
    parts = [p.strip() for p in text.upper().split("+")]
    components: list[ClassComponent] = []
    for part in parts:
        m = _COMPONENT.match(part)
        if m is None:
            raise InputError(field, f"not an ISN/RPS class: {part!r} (expected I-VI, optionally "
                             "III/IV with (A), (A/C) or (C), IV-S or IV-G)")
        cls, extent = m["cls"], m["extent"]
        activity = re.sub(r"\s+", "", m["activity"]) if m["activity"] else None
        if extent and cls != "IV":
            raise InputError(field, f"segmental/global (-S/-G) applies to class IV only, not {cls}")
        if activity and cls not in ("III", "IV"):
            raise InputError(field, f"activity labels (A, A/C, C) apply to classes III and IV, not {cls}")
        components.append(ClassComponent(cls, extent, activity))
    classes = sorted((c.cls for c in components), key=ROMAN.index)
    if len(classes) > 2 or (len(classes) == 2 and classes not in (["III", "V"], ["IV", "V"])):
        raise InputError(field, "the only combined classes are III + V and IV + V")
    components.sort(key=lambda c: ROMAN.index(c.cls))
    return IsnRpsClass(tuple(components))


def check_extent(isn: IsnRpsClass, affected: object = None, sclerosed: object = None,
                 field: str = "biopsy") -> None:
    """Check the class against the share of glomeruli affected / globally sclerosed, if given."""
    for value, name in ((affected, "glomeruli_affected_percent"),
                        (sclerosed, "glomeruli_globally_sclerosed_percent")):
        if value is not None:
            grade_from_percent(value, f"{field}.{name}")  # validates 0-100
    if affected is not None:
        if "III" in isn.classes and affected >= DIFFUSE_FROM_PERCENT:
            raise InputError(f"{field}.glomeruli_affected_percent",
                             f"class III is focal (< {DIFFUSE_FROM_PERCENT}% of glomeruli); "
                             f"{affected}% is diffuse (class IV)")
        if "IV" in isn.classes and affected < DIFFUSE_FROM_PERCENT:
            raise InputError(f"{field}.glomeruli_affected_percent",
                             f"class IV is diffuse (>= {DIFFUSE_FROM_PERCENT}% of glomeruli); "
                             f"{affected}% is focal (class III)")
    if sclerosed is not None and "VI" in isn.classes and sclerosed < ADVANCED_SCLEROSIS_FROM_PERCENT:
        raise InputError(f"{field}.glomeruli_globally_sclerosed_percent",
                         f"class VI needs >= {ADVANCED_SCLEROSIS_FROM_PERCENT}% of glomeruli "
                         "globally sclerosed")


def revision_notes(isn: IsnRpsClass, revision: str) -> list[str]:
    """What the 2018 revision changed about the labels used in ``isn``."""
    if revision not in REVISIONS:
        raise InputError("revision", f"must be one of {', '.join(REVISIONS)}")
    notes = []
    if revision == "2018":
        if any(c.extent for c in isn.components):
            notes.append("the 2018 revision dropped the IV-S / IV-G subdivision")
        if any(c.activity for c in isn.components):
            notes.append("the 2018 revision replaced the A, A/C and C labels with the NIH "
                         "activity and chronicity indices")
    return notes


def grade_from_percent(percent: float, field: str = "percent") -> int:
    """Extent -> NIH grade: 0 absent, 1 < 25%, 2 25-50%, 3 > 50%."""
    if isinstance(percent, bool) or not isinstance(percent, int | float) or percent != percent:
        raise InputError(field, f"must be a percentage, got {percent!r}")
    if not 0 <= percent <= 100:
        raise InputError(field, f"must be between 0 and 100, got {percent!r}")
    low, high = GRADE_BANDS
    if percent == 0:
        return 0
    if percent < low:
        return 1
    return 2 if percent <= high else 3


def _grade(value: object, field: str) -> int:
    """A grade 0-3, or ``{"percent": x}`` converted to a grade."""
    if isinstance(value, Mapping):
        if "percent" not in value:
            raise MissingInputError(f"{field}.percent", "a grade 0-3 or {\"percent\": x} is required")
        return grade_from_percent(value["percent"], f"{field}.percent")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GRADE:
        raise InputError(field, f"must be a whole grade 0-{MAX_GRADE} (or {{\"percent\": x}}), "
                         f"got {value!r}")
    return value


def _index(features: object, weights: dict[str, int], field: str) -> tuple[int, dict[str, int]]:
    if not isinstance(features, Mapping):
        raise MissingInputError(field, f"an object with {', '.join(weights)} is required")
    unknown = sorted(set(features) - set(weights))
    if unknown:
        raise InputError(f"{field}.{unknown[0]}", f"unknown feature; expected {', '.join(weights)}")
    grades: dict[str, int] = {}
    for name in weights:
        if name not in features:
            raise MissingInputError(f"{field}.{name}", "grade 0-3 required")
        grades[name] = _grade(features[name], f"{field}.{name}")
    return sum(grades[n] * w for n, w in weights.items()), grades


def nih_activity_index(features: Mapping[str, Any]) -> int:
    """Modified NIH activity index, 0-24 (necrosis and cellular/fibrocellular crescents x2)."""
    return _index(features, ACTIVITY_FEATURES, "activity")[0]


def nih_chronicity_index(features: Mapping[str, Any]) -> int:
    """Modified NIH chronicity index, 0-12."""
    return _index(features, CHRONICITY_FEATURES, "chronicity")[0]


def score(document: dict[str, Any], **options: Any) -> InstrumentResult:
    """Validate ``document['biopsy']`` = ``{date?, class, activity?, chronicity?, revision?}``."""
    biopsy = document.get("biopsy")
    if not isinstance(biopsy, Mapping):
        raise MissingInputError("biopsy", "{class, activity, chronicity} is required")
    revision = str(biopsy.get("revision", options.get("revision", "2018")))
    day = parse_date(biopsy.get("date"), "biopsy.date", required=False)
    isn = parse_isn_rps_class(biopsy.get("class"), "biopsy.class")
    warnings = revision_notes(isn, revision)
    check_extent(isn, biopsy.get("glomeruli_affected_percent"),
                 biopsy.get("glomeruli_globally_sclerosed_percent"))
    values: dict[str, Any] = {"class": str(isn), "classes": list(isn.classes),
                              "revision": revision, "date": day.isoformat() if day else None,
                              "activity_index": None, "chronicity_index": None,
                              "classification_criteria": list(isn.classification_criteria())}
    explanation = [ExplanationItem("isn_rps_class", str(isn), "biopsy.class")]
    for key, weights, name in (("activity", ACTIVITY_FEATURES, "activity_index"),
                               ("chronicity", CHRONICITY_FEATURES, "chronicity_index")):
        if biopsy.get(key) is None:
            continue
        total, grades = _index(biopsy[key], weights, f"biopsy.{key}")
        values[name] = total
        for feature, grade in grades.items():
            w = weights[feature]
            explanation.append(ExplanationItem(
                feature, grade * w, f"biopsy.{key}.{feature}={grade}",
                f"grade {grade} x {w}" if w > 1 else ""))
        explanation.append(ExplanationItem(name, total, f"biopsy.{key}",
                                           f"0-{sum(weights.values()) * MAX_GRADE}"))
    return InstrumentResult(INSTRUMENT, f"{VERSION}; class by the {revision} rules", CITATION,
                            values, tuple(explanation), tuple(warnings))

# The NIH indices' ranges (0-24 activity, 0-12 chronicity), from the weights above.
ACTIVITY_INDEX_MAX = sum(ACTIVITY_FEATURES.values()) * MAX_GRADE
CHRONICITY_INDEX_MAX = sum(CHRONICITY_FEATURES.values()) * MAX_GRADE
