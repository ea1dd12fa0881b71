"""A deterministic synthetic lupus cohort: disease courses, visits, labs, treatment, damage, diaries.

Each patient is generated from ``(seed, index)`` alone, so patient 7 is the same whether the cohort
has 10 or 10,000 patients, and a cohort can be streamed (``iter_cohort``) without holding it in
memory. Nothing here touches a database; ``lupuscare.demo.load`` writes a cohort into Django.

The hidden disease course is a monthly Markov chain over remission / low activity / flare. A flare
is renal (lupus nephritis) or non-renal with an organ pattern (mucocutaneous, musculoskeletal,
serosal, haematological, constitutional, rarer vasculitic, myositic or neuropsychiatric). Flares
are more likely in patients with a higher personal hazard and less likely on hydroxychloroquine,
immunosuppressants and biologics. Visits come every 2-6 weeks during a flare and 3-6 months in
remission; labs (``lupuscare.demo.labs``) follow the latent activity; prednisone is raised at each
flare and tapered (``lupuscare.demo.treatment``); damage accrues with glucocorticoid exposure,
renal flares and time (``lupuscare.demo.damage``). Patients who use the app get a diary over the
last months of follow-up (``lupuscare.demo.diary``), some with planted trigger effects recorded in
``SyntheticPatient.planted``.

Synthetic data for demonstration and testing: plausible, not calibrated to any registry.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np

from lupuscare.demo import damage as damage_model
from lupuscare.demo.diary import DiaryTrace, FlarePeriod, PlantedEffect, generate_diary
from lupuscare.demo.labs import LabBaseline, LabState, LabValue, draw_baseline, draw_labs
from lupuscare.demo.names import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES
from lupuscare.demo.treatment import (
    FlareTreatment,
    MedicationCourse,
    dose_on,
    hcq_dose,
    prednisone_steps,
    round_to,
    steps_to_courses,
)
from lupuscare.errors import InputError

DEFAULT_AS_OF = date(2026, 1, 1)
MAX_PATIENTS = 1_000_000
APP_FRACTION = 0.35  # share of patients who use the diary app
PLANTED_FRACTION = 0.5  # share of app users with 1-2 planted trigger effects
NEPHRITIS_FRACTION = 0.35
MONTH = 30  # days per step of the latent process
WINDOW_DAYS = 10  # SLEDAI-2K's original window; the visit's labs are drawn on the visit day

State = Literal["remission", "low", "flare"]
FlareKind = Literal["renal", "non_renal"]

# Monthly chance of a flare by state, before the personal hazard and treatment factors.
_FLARE_RATE: dict[str, float] = {"remission": 0.025, "low": 0.07}
_TREATMENT_FACTOR = {"hcq": 0.7, "immunosuppressant": 0.75, "biologic": 0.7}
# Non-renal flare organ patterns and how often each is part of a flare.
_DOMAIN_WEIGHTS: dict[str, float] = {
    "mucocutaneous": 0.6, "musculoskeletal": 0.55, "serosal": 0.15, "haematological": 0.15,
    "constitutional": 0.2, "vasculitis": 0.03, "myositis": 0.02, "neuropsychiatric": 0.02,
}
# The showcase patient's (demo-patient's) diary always carries these two, so the demo can be shown.
SHOWCASE_PLANTED = (PlantedEffect("sun_hours", "rash", 2, 2.0),
                    PlantedEffect("stress", "joint_pain", 1, 1.5))
# Trigger-symptom pairs that can be planted: (trigger, symptom, lag range, effect range).
_PLANTABLE: tuple[tuple[str, str, tuple[int, int], tuple[float, float]], ...] = (
    ("sun_hours", "rash", (1, 3), (1.5, 2.5)),
    ("sun_hours", "fatigue", (1, 2), (1.0, 1.5)),
    ("stress", "joint_pain", (0, 1), (1.0, 1.5)),
    ("stress", "fatigue", (1, 1), (1.0, 1.5)),
    ("sleep_hours", "fatigue", (0, 1), (1.0, 1.5)),
    ("fluorescent_light", "rash", (1, 2), (1.2, 2.0)),
    ("infection", "joint_pain", (2, 3), (1.2, 2.0)),
    ("overwork", "fatigue", (1, 1), (1.0, 1.5)),
)


@dataclass(frozen=True, slots=True)
class Flare:
    onset: date
    end: date  # last active day (inclusive)
    kind: FlareKind
    severe: bool
    domains: tuple[str, ...]
    serology: float  # 0-1: how serologically active the flare is
    peak_upcr: float = 0.0  # mg/g at full renal activity (renal flares)
    complete_response: bool = True  # renal flares: proteinuria resolves without residue


@dataclass(frozen=True, slots=True)
class Visit:
    date: date
    state: State  # flare; low (low activity, or nephritis still resolving); remission
    flare_kind: FlareKind | None
    findings: tuple[str, ...]
    not_attributable: tuple[str, ...]  # e.g. proteinuria from damage, not activity
    labs: tuple[LabValue, ...]
    pga: float  # physician global assessment, 0-3
    weight_kg: float
    swollen_28: int
    tender_28: int
    systemic: float  # latent activity behind the labs, kept for validation
    renal: float
    serology: float


@dataclass(frozen=True, slots=True)
class DamageEvent:
    item: str  # SDI item name (contracts.md section 2.4)
    onset: date
    count: int = 1


@dataclass(frozen=True, slots=True)
class SyntheticPatient:
    index: int
    key: str  # stable demo identifier, e.g. DEMO-00001
    given_name: str
    family_name: str
    sex: Literal["female", "male"]
    birth_date: date
    weight_kg: float
    lupus_onset: date
    follow_up_start: date
    follow_up_end: date
    nephritis: bool
    nephritis_class: str | None  # ISN/RPS class of the (synthetic) biopsy
    dsdna_positive: bool
    flares: tuple[Flare, ...]
    visits: tuple[Visit, ...]
    medications: tuple[MedicationCourse, ...]
    damage: tuple[DamageEvent, ...]
    uses_app: bool
    diary: DiaryTrace | None = field(repr=False)

    @property
    def planted(self) -> tuple[PlantedEffect, ...]:
        """The trigger effects planted in this patient's diary (empty for a null patient)."""
        return tuple(t.effect for t in self.diary.planted) if self.diary else ()

    def age_on(self, day: date) -> float:
        return (day - self.birth_date).days / 365.25

    def assessment_document(self, visit_index: int, *, with_previous: bool = True) -> dict[str, Any]:
        """The visit as a contracts.md section 2 assessment document (input to ``score``)."""
        visit = self.visits[visit_index]
        doc: dict[str, Any] = {
            "date": visit.date.isoformat(),
            "patient": {"birth_date": self.birth_date.isoformat(), "sex": self.sex,
                        "weight_kg": visit.weight_kg},
            "window_days": WINDOW_DAYS,
            "findings": list(visit.findings),
            "not_attributable": list(visit.not_attributable),
            "joints": {"swollen_28": visit.swollen_28, "tender_28": visit.tender_28},
            "pga": visit.pga,
            "labs": [{"test": lab.test, "value": lab.value, "unit": lab.unit}
                     | ({"low": lab.low} if lab.low is not None else {})
                     | ({"high": lab.high} if lab.high is not None else {})
                     for lab in visit.labs],
            "medications": [
                {"drug": c.drug, "daily_dose_mg": c.daily_dose_mg, "route": c.route,
                 "pulse": c.pulse, "tolerated": True, "start": c.start.isoformat()}
                for c in self.medications
                if c.active_on(visit.date) and not c.pulse
            ],
            "lupus_onset": self.lupus_onset.isoformat(),
            "damage": [{"item": d.item, "onset": d.onset.isoformat(), "count": d.count}
                       for d in self.damage if d.onset <= visit.date],
        }
        if with_previous and visit_index > 0:
            doc["previous"] = self.assessment_document(visit_index - 1, with_previous=False)
        return doc


@dataclass(frozen=True, slots=True)
class Cohort:
    seed: int
    as_of: date
    patients: tuple[SyntheticPatient, ...]


def generate_cohort(n_patients: int, seed: int, *, as_of: date = DEFAULT_AS_OF,
                    diaries: bool = True) -> Cohort:
    """A cohort of ``n_patients``, deterministic for (n_patients, seed, as_of)."""
    return Cohort(seed, as_of, tuple(iter_cohort(n_patients, seed, as_of=as_of, diaries=diaries)))


def iter_cohort(n_patients: int, seed: int, *, as_of: date = DEFAULT_AS_OF,
                diaries: bool = True) -> Iterator[SyntheticPatient]:
    """Patients one at a time (for loading large cohorts without holding them in memory)."""
    if not isinstance(n_patients, int) or not 0 <= n_patients <= MAX_PATIENTS:
        raise InputError("patients", f"must be an integer from 0 to {MAX_PATIENTS}")
    if not isinstance(seed, int) or seed < 0:
        raise InputError("seed", "must be a non-negative integer")
    if not isinstance(as_of, date):
        raise InputError("as_of", "must be a date")
    for index in range(n_patients):
        yield generate_patient(seed, index, as_of=as_of, diaries=diaries)


def generate_patient(seed: int, index: int, *, as_of: date = DEFAULT_AS_OF,
                     diaries: bool = True) -> SyntheticPatient:
    """Patient ``index`` of the cohort with ``seed``. Patient 0 is the showcase patient: lupus
    nephritis, five years of follow-up, and a long diary with two planted trigger effects."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index])))
    return _PatientBuilder(rng, seed, index, as_of, diaries).build()


class _PatientBuilder:
    """Builds one patient in order: demographics, disease course, treatment, visits, damage, diary."""

    def __init__(self, rng: np.random.Generator, seed: int, index: int, as_of: date,
                 diaries: bool) -> None:
        self.rng, self.seed, self.index, self.as_of, self.diaries = rng, seed, index, as_of, diaries
        self.showcase = index == 0

    # -- demographics -------------------------------------------------------------------------
    def build(self) -> SyntheticPatient:
        rng = self.rng
        sex: Literal["female", "male"] = "female" if (self.showcase or rng.random() < 0.9) else "male"
        months = 60 if self.showcase else int(rng.integers(24, 61))
        self.start = self.as_of - timedelta(days=months * MONTH)
        self.months = months
        age_at_start = float(np.clip(rng.normal(38, 12), 18, 80))
        duration = 0.0 if rng.random() < 0.2 else float(min(rng.exponential(6), age_at_start - 16))
        self.birth = self.start - timedelta(days=math.ceil(age_at_start * 365.25))
        self.lupus_onset = self.start - timedelta(days=int(duration * 365.25))
        mean_w, sd_w = (68, 13) if sex == "female" else (82, 13)
        self.weight = round(float(np.clip(rng.normal(mean_w, sd_w), 42, 140)), 1)
        self.sex = sex
        self.nephritis = self.showcase or rng.random() < NEPHRITIS_FRACTION
        self.ln_class = (str(rng.choice(["III", "IV", "IV", "III+V", "IV+V", "V"]))
                         if self.nephritis else None)
        self.hazard = float(rng.lognormal(-0.1, 0.45)) * (1.4 if self.showcase else 1.0)
        self.sacq = rng.random() < 0.2  # serologically active, clinically quiescent
        self.lab_base: LabBaseline = draw_baseline(rng, sex)
        self.egfr_base = float(np.clip(128 - 0.9 * max(0.0, age_at_start - 25) + rng.normal(0, 8), 62, 130))
        if self.nephritis and duration > 0:  # earlier nephritis may have cost kidney function
            self.egfr_base *= float(rng.uniform(0.45, 1.0))

        self._course()
        self._treatment()
        visits = self._visits()
        damage = damage_model.accrue(rng, self)
        diary = self._diary()
        given = str(rng.choice(FEMALE_NAMES if sex == "female" else MALE_NAMES))
        return SyntheticPatient(
            index=self.index, key=f"DEMO-{self.index + 1:05d}", given_name=given,
            family_name=str(rng.choice(FAMILY_NAMES)), sex=sex, birth_date=self.birth,
            weight_kg=self.weight, lupus_onset=self.lupus_onset, follow_up_start=self.start,
            follow_up_end=self.as_of, nephritis=self.nephritis, nephritis_class=self.ln_class,
            dsdna_positive=self.lab_base.dsdna_positive, flares=tuple(self.flares),
            visits=tuple(visits), medications=tuple(self.courses), damage=tuple(damage),
            uses_app=diary is not None, diary=diary,
        )

    # -- the latent disease course ---------------------------------------------------------------
    def _course(self) -> None:
        rng = self.rng
        new_diagnosis = self.lupus_onset == self.start
        state: State
        if new_diagnosis or self.showcase:
            state = "flare"
        else:
            state = str(rng.choice(["remission", "low", "flare"], p=[0.4, 0.45, 0.15]))  # type: ignore[assignment]
        self.monthly: list[State] = []
        self.flares: list[Flare] = []
        self.decisions: list[tuple[date, str]] = []  # treatment escalations, filled in _treatment
        self.on = {"hcq": self.showcase or rng.random() < 0.92,
                   "immunosuppressant": False, "biologic": False}
        flare_onset: date | None = None
        for m in range(self.months):
            month_start = self.start + timedelta(days=m * MONTH)
            if state == "flare" and flare_onset is None:
                flare_onset = month_start + timedelta(days=0 if m == 0 else int(rng.integers(0, MONTH)))
                current = self._new_flare(flare_onset, first=m == 0)
            elif state == "flare":
                stay = 0.6 if current.kind == "renal" else (0.5 if current.severe else 0.35)
                if rng.random() >= stay:
                    end = month_start + timedelta(days=int(rng.integers(0, MONTH)))
                    self.flares.append(replace(current, end=max(end, flare_onset + timedelta(days=14))))
                    flare_onset = None
                    state = "low" if rng.random() < 0.8 else "remission"
                    self.monthly.append(state)
                    continue  # no new flare in the month one ended
            if state != "flare":
                factor = math.prod(_TREATMENT_FACTOR[k] for k, on in self.on.items() if on)
                # the showcase patient flares during the diary's last year, so the diary shows one
                showcase_flare = self.showcase and m == self.months - 8 and not any(
                    f.onset >= self.as_of - timedelta(days=540) for f in self.flares)
                if showcase_flare or rng.random() < _FLARE_RATE[state] * self.hazard * factor:
                    state = "flare"
                    flare_onset = month_start + timedelta(days=int(rng.integers(0, MONTH)))
                    current = self._new_flare(flare_onset, first=False)
                elif state == "low" and rng.random() < 0.15:
                    state = "remission"
                elif state == "remission" and rng.random() < 0.06:
                    state = "low"
            self.monthly.append(state)
        if flare_onset is not None:  # still active at the end of follow-up
            self.flares.append(replace(current, end=self.as_of))

    def _new_flare(self, onset: date, *, first: bool) -> Flare:
        rng = self.rng
        renal_flares = sum(f.kind == "renal" for f in self.flares)
        renal = self.nephritis and ((first and self.showcase) or rng.random() < (0.7 if renal_flares == 0 else 0.5))
        if renal:
            domains = ("renal",) + tuple(d for d in ("mucocutaneous", "musculoskeletal") if rng.random() < 0.3)
            severe = True
        else:
            picked = [d for d, w in _DOMAIN_WEIGHTS.items() if rng.random() < w]
            domains = tuple(picked) or ("mucocutaneous",)
            severe = (rng.random() < 0.3 or any(d in domains for d in
                      ("serosal", "vasculitis", "neuropsychiatric", "myositis", "haematological")))
        flare = Flare(
            onset=onset, end=onset, kind="renal" if renal else "non_renal", severe=severe,
            domains=domains, serology=float(rng.uniform(0.5, 1.0)),
            peak_upcr=float(np.clip(rng.lognormal(math.log(2200), 0.5), 700, 9000)) if renal else 0.0,
            complete_response=bool(rng.random() < 0.65) if renal else True,
        )
        self._escalate(flare)
        return flare

    def _escalate(self, flare: Flare) -> None:
        """Record treatment decisions made at a flare, and what the patient is on afterwards."""
        rng = self.rng
        count = len(self.flares) + 1
        if flare.kind == "renal":
            self.decisions.append((flare.onset, "renal_induction"))
            self.on["immunosuppressant"] = True
            if not self.on["biologic"] and rng.random() < 0.25:
                self.decisions.append((flare.onset, "belimumab"))
                self.on["biologic"] = True
            return
        if not self.on["immunosuppressant"] and (flare.severe or rng.random() < 0.6):
            self.decisions.append((flare.onset, "immunosuppressant"))
            self.on["immunosuppressant"] = True
        elif self.on["immunosuppressant"] and not self.on["biologic"] and count >= 2 and rng.random() < 0.5:
            self.decisions.append((flare.onset, "biologic"))
            self.on["biologic"] = True

    # -- latent activity on a given day ------------------------------------------------------------
    def flare_on(self, day: date) -> Flare | None:
        for f in self.flares:
            if f.onset <= day <= f.end:
                return f
        return None

    def monthly_state(self, day: date) -> State:
        m = min(max((day - self.start).days // MONTH, 0), self.months - 1)
        state = self.monthly[m]
        return "low" if state == "flare" else state

    def activity_on(self, day: date) -> tuple[float, float, float]:
        """(systemic, renal, serology) activity, each 0-1."""
        flare = self.flare_on(day)
        renal = self._renal_residual(day)
        base_sero = 0.35 if self.sacq else 0.05
        if flare is not None:
            if flare.kind == "renal":
                return 0.35, 1.0, max(flare.serology, base_sero)
            return (1.0 if flare.severe else 0.6), renal, max(flare.serology, base_sero)
        low = self.monthly_state(day) == "low"
        return (0.2 if low else 0.0), renal, base_sero + (0.15 if low else 0.0)

    def _renal_residual(self, day: date) -> float:
        """Renal activity fading after a renal flare: halving about monthly after a complete
        response, far slower after a partial one."""
        residual = 0.0
        for f in self.flares:
            if f.kind == "renal" and f.end < day:
                months = (day - f.end).days / MONTH
                residual = max(residual, (0.5 if f.complete_response else 0.85) ** months * 0.6)
        return residual

    def egfr_on(self, day: date) -> float:
        """Kidney function without the acute dip of an active flare: age drift and the permanent
        loss after each renal flare (larger after a partial response)."""
        years = (day - self.start).days / 365.25
        loss = 0.0
        for f in self.flares:
            if f.kind == "renal" and f.end < day:
                loss += 0.1 if f.complete_response else 0.3
        return max(5.0, self.egfr_base * (1 - loss) ** 1 - 0.8 * years)

    def proteinuria_floor(self, day: date) -> float:
        return sum(400.0 for f in self.flares if f.kind == "renal" and f.end < day and not f.complete_response)

    # -- treatment ---------------------------------------------------------------------------------
    def _treatment(self) -> None:
        rng = self.rng
        start, end = self.start, self.as_of
        courses: list[MedicationCourse] = []
        if self.on["hcq"] or self.showcase:
            hcq_start = self.lupus_onset + timedelta(days=int(rng.integers(0, 60)))
            courses.append(MedicationCourse("hydroxychloroquine", hcq_start, None, hcq_dose(self.weight)))
        first_state = self.monthly[0] if self.monthly else "remission"
        maintenance = float(rng.choice([0.0, 0.0, 2.5, 5.0]) if first_state == "remission"
                            else rng.choice([5.0, 5.0, 7.5]))
        treat = [FlareTreatment(f.onset, f.end, f.kind == "renal", f.severe) for f in self.flares]
        steps = prednisone_steps(treat, start, end, maintenance, self.weight, rng)
        courses += steps_to_courses("prednisone", steps, end)
        self.current: dict[str, int] = {}  # class -> index of the open course
        self.courses = courses
        history_is = self.nephritis and self.lupus_onset < start and rng.random() < 0.7
        if history_is or (self.lupus_onset < start and rng.random() < 0.3):
            self._start_is(self._pick_is(arthritis=False), self.lupus_onset + timedelta(days=90), "maintenance")
        for flare in self.flares:
            if flare.kind == "renal" or flare.severe and rng.random() < 0.4:
                self.courses.append(MedicationCourse(
                    "methylprednisolone", flare.onset, flare.onset + timedelta(days=2), None,
                    route="intravenous", pulse=True, dose_mg=500.0, administrations=3,
                    schedule="500 mg IV daily x3", indication="flare"))
        for day, decision in self.decisions:
            flare = self.flare_on(day) or self.flares[-1]
            if decision == "renal_induction":
                self._renal_induction(day)
            elif decision == "immunosuppressant":
                self._start_is(self._pick_is("musculoskeletal" in flare.domains), day, "flare")
            elif decision == "biologic":
                drug = "anifrolumab" if rng.random() < 0.4 else "belimumab"
                self._start_biologic(drug, day)
            elif decision == "belimumab":
                self._start_biologic("belimumab", day)

    def _pick_is(self, arthritis: bool) -> str:
        if arthritis and self.rng.random() < 0.6:
            return "methotrexate"
        return str(self.rng.choice(["azathioprine", "mycophenolate_mofetil"]))

    def _is_dose(self, drug: str) -> tuple[float, str]:
        if drug == "methotrexate":
            weekly = float(self.rng.choice([15.0, 20.0]))
            return round(weekly / 7, 2), f"{weekly:g} mg weekly"
        if drug == "azathioprine":
            dose = min(150.0, max(50.0, round_to(2 * self.weight, 25)))
            return dose, "daily"
        return 2000.0, "1000 mg twice daily"

    def _close(self, key: str, day: date) -> None:
        i = self.current.pop(key, None)
        if i is not None and self.courses[i].end is None:
            self.courses[i] = replace(self.courses[i], end=max(day - timedelta(days=1), self.courses[i].start))

    def _start_is(self, drug: str, day: date, indication: str) -> None:
        self._close("is", day)
        dose, schedule = self._is_dose(drug)
        self.courses.append(MedicationCourse(drug, day, None, dose, schedule=schedule, indication=indication))
        self.current["is"] = len(self.courses) - 1

    def _start_biologic(self, drug: str, day: date) -> None:
        if "biologic" in self.current:
            return
        if drug == "belimumab":
            course = MedicationCourse("belimumab", day, None, round(200 / 7, 2), route="subcutaneous",
                                      schedule="200 mg weekly", indication="flare")
        else:
            course = MedicationCourse("anifrolumab", day, None, round(300 / 28, 2), route="intravenous",
                                      dose_mg=300.0, schedule="300 mg IV every 4 weeks", indication="flare")
        self.courses.append(course)
        self.current["biologic"] = len(self.courses) - 1

    def _renal_induction(self, day: date) -> None:
        """Induction for lupus nephritis, then maintenance with mycophenolate or azathioprine."""
        self._close("is", day)
        if "biologic" in self.current and self.courses[self.current["biologic"]].drug == "anifrolumab":
            self._close("biologic", day)
        if self.rng.random() < 0.25:
            self.courses.append(MedicationCourse(
                "cyclophosphamide", day, day + timedelta(days=70), None, route="intravenous",
                pulse=True, dose_mg=500.0, administrations=6, schedule="500 mg IV every 2 weeks x6",
                indication="induction"))
            after = day + timedelta(days=84)
            maint = "azathioprine" if self.rng.random() < 0.4 else "mycophenolate_mofetil"
            if after <= self.as_of:
                self._start_is(maint, after, "maintenance")
        else:
            self.courses.append(MedicationCourse("mycophenolate_mofetil", day, None, 3000.0,
                                                 schedule="1500 mg twice daily", indication="induction"))
            self.current["is"] = len(self.courses) - 1
            after = day + timedelta(days=180)
            if after <= self.as_of:
                self._close("is", after)
                self.courses.append(MedicationCourse("mycophenolate_mofetil", after, None, 2000.0,
                                                     schedule="1000 mg twice daily",
                                                     indication="maintenance"))
                self.current["is"] = len(self.courses) - 1

    # -- visits ------------------------------------------------------------------------------------
    def _visit_dates(self) -> list[date]:
        """Scheduled visits by activity, plus an unscheduled one within a week of each flare."""
        rng = self.rng
        onsets = sorted(f.onset for f in self.flares if f.onset > self.start)
        days: list[date] = []
        day = self.start
        while day <= self.as_of:
            days.append(day)
            _, renal, _ = self.activity_on(day)
            if self.flare_on(day) is not None:
                gap = int(rng.integers(14, 43))
            elif renal > 0.1 or any(0 <= (day - f.end).days < 90 for f in self.flares):
                gap = int(rng.integers(30, 91))
            elif self.monthly_state(day) == "low":
                gap = int(rng.integers(60, 121))
            else:
                gap = int(rng.integers(90, 181))
            scheduled = day + timedelta(days=gap)
            onset = next((o for o in onsets if day < o <= scheduled), None)
            if onset is not None:
                scheduled = min(scheduled, max(onset + timedelta(days=int(rng.integers(0, 8))),
                                               day + timedelta(days=1)))
            day = scheduled
        return days

    def _visits(self) -> list[Visit]:
        visits = []
        for day in self._visit_dates():
            visits.append(self._visit(day))
        return visits

    def _visit(self, day: date) -> Visit:
        rng = self.rng
        flare = self.flare_on(day)
        systemic, renal, serology = self.activity_on(day)
        # resolving nephritis is activity, whatever the systemic state: never labelled remission
        peak = max((f.peak_upcr for f in self.flares if f.kind == "renal" and f.onset <= day), default=0.0)
        resolving = renal > 0.15 or renal * peak > 150  # mg/g of proteinuria still from activity
        state: State = "flare" if flare else ("low" if resolving else self.monthly_state(day))
        domains = flare.domains if flare else ()
        findings: list[str] = []
        swollen = tender = 0
        if flare is not None:
            for domain in domains:
                findings += _domain_findings(rng, domain)
            if "musculoskeletal" in domains:
                tender, swollen = int(rng.integers(4, 13)), int(rng.integers(3, 9))
        elif state == "low":
            if rng.random() < 0.5:
                findings.append(str(rng.choice(["alopecia", "rash_localized", "mucosal_ulcers"])))
            tender = int(rng.integers(0, 3))
        if renal >= 0.5 and rng.random() < 0.5 and "urinary_casts" not in findings:
            findings.append("urinary_casts")
        if flare is not None:
            pga = rng.uniform(2.0, 3.0) if flare.severe else rng.uniform(1.2, 2.0)
        else:
            pga = rng.uniform(0.4, 1.0) if state == "low" else rng.uniform(0.0, 0.3)
        lab_state = LabState(
            systemic=systemic, renal=renal, serology=serology,
            haematological="haematological" in domains, serositis="serosal" in domains,
            fever="fever" in findings, egfr=self.egfr_on(day),
            proteinuria_floor=self.proteinuria_floor(day),
            prednisone_mg=dose_on(self.courses, "prednisone", day),
        )
        labs = draw_labs(rng, self.lab_base, lab_state, self.sex, (day - self.birth).days / 365.25, peak)
        weight = round(self.weight + 0.08 * lab_state.prednisone_mg + float(rng.normal(0, 0.8)), 1)
        # Proteinuria left after a partial renal response, once nephritis is quiet, is damage: the
        # clinician marks it not attributable to activity (contracts.md section 2.1).
        upcr = next(lab.value for lab in labs if lab.test == "upcr")
        chronic = not resolving and lab_state.proteinuria_floor > 0 and upcr > 500
        return Visit(date=day, state=state, flare_kind=flare.kind if flare else None,
                     findings=tuple(dict.fromkeys(findings)),
                     not_attributable=("proteinuria",) if chronic else (),
                     labs=tuple(labs), pga=round(float(pga), 1),
                     weight_kg=weight, swollen_28=swollen, tender_28=tender,
                     systemic=systemic, renal=renal, serology=serology)

    # -- diary ---------------------------------------------------------------------------------------
    def _diary(self) -> DiaryTrace | None:
        rng = self.rng
        uses_app = self.showcase or rng.random() < APP_FRACTION
        # Draw every number even when diaries are off, so the rest of the patient is unchanged.
        length = 540 if self.showcase else int(rng.integers(120, 541))
        completeness = 0.85 if self.showcase else float(rng.uniform(0.55, 0.95))
        planted = (list(SHOWCASE_PLANTED) if self.showcase else
                   self._planted(int(rng.integers(1, 3)) if rng.random() < PLANTED_FRACTION else 0))
        diary_seed = int(rng.integers(0, 2**63))
        if not (uses_app and self.diaries):
            return None
        days = min(length, (self.as_of - self.start).days + 1)
        start = self.as_of - timedelta(days=days - 1)
        flares = [FlarePeriod(max(f.onset, start), f.end, f.kind, 1.0 if f.severe else 0.6)
                  for f in self.flares if f.end >= start]
        return generate_diary(diary_seed, start, days, planted, completeness=completeness, flares=flares)

    def _planted(self, n: int) -> list[PlantedEffect]:
        rng = self.rng
        chosen = rng.choice(len(_PLANTABLE), size=len(_PLANTABLE), replace=False)
        effects: list[PlantedEffect] = []
        symptoms: set[str] = set()
        for i in chosen:
            trigger, symptom, (lag_lo, lag_hi), (eff_lo, eff_hi) = _PLANTABLE[int(i)]
            lag = int(rng.integers(lag_lo, lag_hi + 1))
            effect = round(float(rng.uniform(eff_lo, eff_hi)), 1)
            if len(effects) < n and symptom not in symptoms:  # one planted effect per symptom
                effects.append(PlantedEffect(trigger, symptom, lag, effect))
                symptoms.add(symptom)
        return effects


def _domain_findings(rng: np.random.Generator, domain: str) -> list[str]:
    """Clinician-attested findings (contracts.md section 2.1) for an active organ domain.
    Lab-derived findings (proteinuria, haematuria, cytopenias, serology) come from the labs."""
    if domain == "mucocutaneous":
        out = [str(rng.choice(["rash_generalized", "rash_localized"]))]
        out += [f for f, p in (("alopecia", 0.5), ("mucosal_ulcers", 0.4)) if rng.random() < p]
        return out
    if domain == "musculoskeletal":
        return ["arthritis"]
    if domain == "serosal":
        return ["pleurisy"] if rng.random() < 0.6 else (["pericarditis"] if rng.random() < 0.7
                                                         else ["pleurisy", "pericarditis"])
    if domain == "constitutional":
        return ["fever"]
    if domain == "vasculitis":
        return ["vasculitis_mucocutaneous"]
    if domain == "myositis":
        return ["myositis"]
    if domain == "neuropsychiatric":
        return [str(rng.choice(["cranial_neuropathy", "peripheral_neuropathy", "seizure"]))]
    if domain == "renal":
        return ["urinary_casts"] if rng.random() < 0.5 else []
    return []  # haematological: thrombocytopenia and leukopenia show in the counts
