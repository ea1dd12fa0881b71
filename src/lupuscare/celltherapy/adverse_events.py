"""Adverse events: CTCAE grade, ASTCT CRS and ICANS grades, seriousness, reporting clocks.

Seriousness (ICH E2A) and severity (grade) are independent and stored apart: a grade-3 event can
be non-serious and a grade-2 event serious (cell-therapy.md §4.2). Expedited reports are due for
SUSARs (serious, suspected, unexpected): 7 calendar days for fatal or life-threatening ones, 15
for the others, counted from day 0 = the sponsor's first knowledge (ICH E2A; 21 CFR 312.32(c)).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError

CTCAE_SOURCE = Source("NCI CTCAE v5.0 (27 Nov 2017): grades 1 mild .. 5 death related to AE "
                      "(cell-therapy.md §4.1)", Certainty.VERIFIED)
ASTCT_SOURCE = Source(
    "Lee DW et al. ASTCT consensus grading for cytokine release syndrome and neurologic toxicity "
    "associated with immune effector cells. Biol Blood Marrow Transplant 2019;25:625-638 "
    "(tables via PMC9327779 t0002, PMC8021214 T1, PMC8403007 t0004 with its ICE-0 footnote; "
    "cell-therapy.md §4.3)",
    Certainty.VERIFIED, "https://pmc.ncbi.nlm.nih.gov/articles/PMC9327779/table/t0002",
)
REPORTING_SOURCE = Source(
    "ICH E2A; 21 CFR 312.32(c)(1)-(2); EU CTR 536/2014: SUSAR fatal/life-threatening <= 7 "
    "calendar days, other SUSAR <= 15, from the sponsor's first knowledge (cell-therapy.md §4.2)",
    Certainty.VERIFIED, "https://compliance.ucsf.edu/ind-safety-reports",
)
FOLLOW_UP_SOURCE = Source("ICH E2A: complete follow-up to a 7-day report within 8 more days "
                          "(cell-therapy.md §4.2)", Certainty.RECALLED)

FATAL_OR_LIFE_THREATENING_DAYS = 7
OTHER_SUSAR_DAYS = 15
SEVEN_DAY_FOLLOW_UP_DAYS = 8

INVESTIGATOR_TO_SPONSOR_HOURS = 24
INVESTIGATOR_SOURCE = Source("21 CFR 312.64(b): investigator reports SAEs to the sponsor "
                             "immediately; protocols usually say within 24 h "
                             "(cell-therapy.md §4.2)", Certainty.RECALLED)

# Adverse events of special interest to pre-configure (cell-therapy.md §4.1, §4.3).
MSC_AESI = ("fever within 48 h of infusion", "infusion related reaction", "infection",
            "thromboembolic event", "ectopic tissue formation or malignancy")
CAR_T_AESI = ("cytokine release syndrome", "ICANS", "ICAHT", "infection",
              "hypogammaglobulinaemia", "secondary T-cell malignancy")

CRS_FEVER_C = 38.0  # ASTCT: fever >= 38 °C
LOW_FLOW_MAX_L_MIN = 6.0  # ASTCT: low-flow nasal cannula <= 6 L/min; > 6 is high-flow


CTCAE_DEATH = 5  # CTCAE v5 grade 5: death related to the adverse event
CTCAE_LIFE_THREATENING = 4  # CTCAE v5 grade 4: life-threatening consequences


def validate_ctcae_grade(grade: object, field: str = "ctcae_grade") -> int:
    """A CTCAE v5 grade is an integer 1-5 (0 means 'no event' and is not a grade)."""
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 5:
        raise InputError(field, f"must be a CTCAE grade 1-5, got {grade!r}")
    return grade


# --- ASTCT CRS --------------------------------------------------------------------------------

class Oxygen(StrEnum):
    NONE = "none"
    NASAL_CANNULA = "nasal_cannula"  # graded by flow: <= 6 L/min low-flow, > 6 high-flow
    BLOW_BY = "blow_by"
    HIGH_FLOW_NASAL_CANNULA = "high_flow_nasal_cannula"
    FACEMASK = "facemask"
    NON_REBREATHER = "non_rebreather"
    VENTURI = "venturi"
    CPAP = "cpap"
    BIPAP = "bipap"
    MECHANICAL_VENTILATION = "mechanical_ventilation"


_OXYGEN_GRADE = {
    Oxygen.NONE: 0, Oxygen.BLOW_BY: 2, Oxygen.HIGH_FLOW_NASAL_CANNULA: 3, Oxygen.FACEMASK: 3,
    Oxygen.NON_REBREATHER: 3, Oxygen.VENTURI: 3, Oxygen.CPAP: 4, Oxygen.BIPAP: 4,
    Oxygen.MECHANICAL_VENTILATION: 4,
}


@dataclass(frozen=True)
class CrsGrade:
    grade: int | None  # 0 = no CRS; None = not assessable (temperature missing, fever required)
    fever: bool | None  # None: no temperature recorded
    hypotension_grade: int
    hypoxia_grade: int
    explanation: str


def grade_crs(*, max_temperature_c: float | None, hypotension: bool,
              vasopressors: Iterable[str] = (), oxygen: Oxygen = Oxygen.NONE,
              nasal_cannula_l_min: float | None = None, fever_other_cause: bool = False,
              antipyretic_or_anticytokine_given: bool = False,
              death_due_to_crs: bool = False) -> CrsGrade:
    """ASTCT 2019 CRS grade from the worst fever, hypotension and hypoxia of the period.

    Fever >= 38.0 °C not due to another cause is required, unless antipyretics or anti-cytokine
    therapy (tocilizumab, steroids) have been given, after which hypotension and hypoxia alone
    grade. The more severe of hypotension and hypoxia sets the grade. Vasopressin does not count
    towards "multiple vasopressors"; vasopressin alone counts as one vasopressor. The same
    vasopressor listed twice (any case or spacing) is one vasopressor. Grade 5 is death due to
    CRS with no other principal cause.

    Without a temperature, and with fever still required (no antipyretic or anti-cytokine given),
    the grade is ``None``, "not assessable": a missing measurement is never "no CRS" (grade 0).
    """
    fever: bool | None = None
    if max_temperature_c is not None:
        temp = _check.number("max_temperature_c", max_temperature_c, minimum=25, maximum=45)
        fever = temp >= CRS_FEVER_C and not fever_other_cause
    if isinstance(vasopressors, str):
        raise InputError("vasopressors", "must be a list of vasopressor names")
    pressors = sorted({" ".join(_check.text(f"vasopressors[{i}]", p).split()).casefold()
                       for i, p in enumerate(vasopressors)})
    if pressors and not hypotension:
        raise InputError("hypotension", "vasopressors are recorded but hypotension is not")
    non_vasopressin = [p for p in pressors if p != "vasopressin"]
    if len(non_vasopressin) >= 2:
        hypo_bp = 4
    elif pressors:
        hypo_bp = 3
    else:
        hypo_bp = 2 if hypotension else 0
    if not isinstance(oxygen, Oxygen):
        raise InputError("oxygen", f"must be one of {[o.value for o in Oxygen]}")
    if oxygen is Oxygen.NASAL_CANNULA:
        flow = _check.number("nasal_cannula_l_min", nasal_cannula_l_min, positive=True,
                             maximum=80)
        hypoxia = 2 if flow <= LOW_FLOW_MAX_L_MIN else 3
    else:
        hypoxia = _OXYGEN_GRADE[oxygen]
    organ = max(hypo_bp, hypoxia)
    if death_due_to_crs:
        grade = 5
    elif fever:
        grade = max(organ, 1)
    elif antipyretic_or_anticytokine_given:
        grade = organ  # fever no longer required once treated
    elif fever is None:
        grade = None  # not assessable: fever decides, and no temperature was recorded
    else:
        grade = 0  # no CRS without fever
    if grade is None:
        return CrsGrade(None, None, hypo_bp, hypoxia,
                        "not assessable: no temperature recorded, and fever (>= 38.0 °C) is "
                        f"required before antipyretics; hypotension grade {hypo_bp}; hypoxia grade "
                        f"{hypoxia}")
    why = (f"fever {'not recorded' if fever is None else 'yes' if fever else 'no'}"
           f"{' (masked by antipyretic/anti-cytokine)' if antipyretic_or_anticytokine_given else ''}"
           f"; hypotension grade {hypo_bp}; hypoxia grade {hypoxia}")
    return CrsGrade(grade, fever, hypo_bp, hypoxia, why)


# --- ASTCT ICANS ------------------------------------------------------------------------------

ICE_MAX = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}


def ice_score(*, orientation: int, naming: int, commands: int, writing: int,
              attention: int) -> int:
    """Immune effector cell encephalopathy score, 0-10 (ASTCT 2019)."""
    parts = {"orientation": orientation, "naming": naming, "commands": commands,
             "writing": writing, "attention": attention}
    for name, value in parts.items():
        if isinstance(value, bool) or not isinstance(value, int) or \
                not 0 <= value <= ICE_MAX[name]:
            raise InputError(f"ice.{name}", f"must be an integer 0-{ICE_MAX[name]}")
    return sum(parts.values())


class Consciousness(StrEnum):
    NORMAL = "normal"
    AWAKENS_SPONTANEOUSLY = "awakens_spontaneously"  # depressed but wakes on its own: G1
    AWAKENS_TO_VOICE = "awakens_to_voice"  # G2
    AWAKENS_ONLY_TO_TOUCH = "awakens_only_to_touch"  # G3
    UNAROUSABLE_OR_STUPOR_COMA = "unarousable_or_stupor_coma"  # G4


class Seizure(StrEnum):
    NONE = "none"
    RESOLVES_RAPIDLY_OR_NONCONVULSIVE_EEG = "resolves_rapidly_or_nonconvulsive_eeg"  # G3
    PROLONGED_OR_REPETITIVE = "prolonged_or_repetitive"  # > 5 min or repeated: G4


class RaisedIcp(StrEnum):
    NONE = "none"
    FOCAL_OEDEMA = "focal_oedema"  # G3
    DIFFUSE_OEDEMA_OR_SIGNS = "diffuse_oedema_or_signs"  # G4


_CONSCIOUSNESS = {Consciousness.NORMAL: 0, Consciousness.AWAKENS_SPONTANEOUSLY: 1,
                  Consciousness.AWAKENS_TO_VOICE: 2, Consciousness.AWAKENS_ONLY_TO_TOUCH: 3,
                  Consciousness.UNAROUSABLE_OR_STUPOR_COMA: 4}
_SEIZURE = {Seizure.NONE: 0, Seizure.RESOLVES_RAPIDLY_OR_NONCONVULSIVE_EEG: 3,
            Seizure.PROLONGED_OR_REPETITIVE: 4}
_ICP = {RaisedIcp.NONE: 0, RaisedIcp.FOCAL_OEDEMA: 3, RaisedIcp.DIFFUSE_OEDEMA_OR_SIGNS: 4}


@dataclass(frozen=True)
class IcansGrade:
    grade: int
    domains: dict[str, int]


def _ice_domain_grade(ice: int | None, unarousable: bool) -> int:
    if unarousable:
        return 4  # ICE 0 because the patient cannot undergo it
    if ice is None:
        raise InputError("ice_score", "is required unless the patient is unarousable")
    if isinstance(ice, bool) or not isinstance(ice, int) or not 0 <= ice <= 10:
        raise InputError("ice_score", f"must be an integer 0-10, got {ice!r}")
    if ice == 10:
        return 0
    if ice >= 7:
        return 1
    if ice >= 3:
        return 2
    return 3


def grade_icans(*, ice: int | None, consciousness: Consciousness = Consciousness.NORMAL,
                seizure: Seizure = Seizure.NONE, deep_focal_motor_weakness: bool = False,
                raised_icp: RaisedIcp = RaisedIcp.NONE,
                death_due_to_icans: bool = False) -> IcansGrade:
    """ASTCT 2019 ICANS grade for adults and children >= 12 (the ICE tool; under 12 the
    consensus uses CAPD, not implemented here): the worst domain not attributable to another
    cause. ICE 0 is grade 3 if the patient is awake (e.g. global aphasia) and grade 4 only if
    unarousable. Tremor, myoclonus and intracranial haemorrhage do not count (CTCAE instead).
    """
    unarousable = consciousness is Consciousness.UNAROUSABLE_OR_STUPOR_COMA
    domains = {
        "ice": _ice_domain_grade(ice, unarousable),
        "consciousness": _CONSCIOUSNESS[Consciousness(consciousness)],
        "seizure": _SEIZURE[Seizure(seizure)],
        "motor": 4 if deep_focal_motor_weakness else 0,
        "raised_icp": _ICP[RaisedIcp(raised_icp)],
    }
    return IcansGrade(5 if death_due_to_icans else max(domains.values()), domains)


# --- seriousness, causality, expectedness, clocks --------------------------------------------

class Seriousness(StrEnum):
    """ICH E2A seriousness criteria."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"  # inpatient, or prolongation of an existing stay
    DISABILITY = "persistent_or_significant_disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    IMPORTANT_MEDICAL_EVENT = "important_medical_event"


class Causality(StrEnum):
    UNRELATED = "unrelated"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"

    @property
    def suspected(self) -> bool:
        """A reasonable possibility of a causal relationship (a suspected adverse reaction)."""
        return self in {Causality.POSSIBLE, Causality.PROBABLE, Causality.DEFINITE}


@dataclass(frozen=True)
class AdverseEvent:
    term: str
    onset: date
    seriousness: frozenset[Seriousness]
    causality: Causality
    expected: bool  # listed in the Investigator's Brochure / reference safety information
    sponsor_first_knowledge: date | None = None
    ctcae_grade: int | None = None

    @property
    def criteria(self) -> frozenset[Seriousness]:
        """The seriousness criteria met, including those the CTCAE grade implies: grade 5 is
        "death related to AE" and grade 4 "life-threatening consequences" (CTCAE v5 grade
        definitions), and ICH E2A counts a death and a life-threatening event as serious
        whatever was ticked. Severity and seriousness stay independent below grade 4."""
        implied = {CTCAE_DEATH: {Seriousness.DEATH},
                   CTCAE_LIFE_THREATENING: {Seriousness.LIFE_THREATENING}}.get(self.ctcae_grade, set())
        return frozenset(self.seriousness) | implied

    @property
    def serious(self) -> bool:
        return bool(self.criteria)

    @property
    def fatal_or_life_threatening(self) -> bool:
        return bool(self.criteria & {Seriousness.DEATH, Seriousness.LIFE_THREATENING})

    @property
    def susar(self) -> bool:
        return self.serious and self.causality.suspected and not self.expected


@dataclass(frozen=True)
class ReportingClock:
    required: bool
    days: int | None
    day0: date | None
    due: date | None
    follow_up_due: date | None
    reason: str


def reporting_clock(event: AdverseEvent) -> ReportingClock:
    """Which expedited report an event needs and when it is due (day 0 + 7 or + 15)."""
    _check.text("term", event.term)
    onset = _check.day("onset", event.onset)
    if event.ctcae_grade is not None:
        validate_ctcae_grade(event.ctcae_grade)
    if not isinstance(event.causality, Causality):
        raise InputError("causality", f"must be one of {[c.value for c in Causality]}")
    for s in event.seriousness:
        if not isinstance(s, Seriousness):
            raise InputError("seriousness", f"must be from {[c.value for c in Seriousness]}")
    if not event.susar:
        why = ("not serious" if not event.serious else
               "causality not suspected" if not event.causality.suspected else "expected")
        return ReportingClock(False, None, None, None, None,
                              f"no expedited report: {why} (periodic reporting applies)")
    day0 = _check.day("sponsor_first_knowledge", event.sponsor_first_knowledge)
    if day0 < onset:
        raise InputError("sponsor_first_knowledge", "is before the event's onset")
    fatal = event.fatal_or_life_threatening
    days = FATAL_OR_LIFE_THREATENING_DAYS if fatal else OTHER_SUSAR_DAYS
    due = day0 + timedelta(days=days)
    follow_up = due + timedelta(days=SEVEN_DAY_FOLLOW_UP_DAYS) if fatal else None
    kind = "fatal or life-threatening SUSAR" if fatal else "SUSAR"
    return ReportingClock(True, days, day0, due, follow_up,
                          f"{kind}: report within {days} calendar days of {day0}")


def report_status(clock: ReportingClock, on: date, submitted_on: date | None = None) -> str:
    """'not_required', 'submitted', 'submitted_late', 'due' or 'overdue' on ``on``."""
    on = _check.day("on", on)
    if not clock.required:
        return "not_required"
    assert clock.due is not None
    if submitted_on is not None:
        submitted_on = _check.day("submitted_on", submitted_on)
        return "submitted" if submitted_on <= clock.due else "submitted_late"
    return "due" if on <= clock.due else "overdue"


def investigator_report_due(site_aware_at: datetime) -> datetime:
    """When the site's SAE report to the sponsor is due (24 h, a protocol convention [R])."""
    return _check.moment("site_aware_at", site_aware_at) + timedelta(
        hours=INVESTIGATOR_TO_SPONSOR_HOURS)
