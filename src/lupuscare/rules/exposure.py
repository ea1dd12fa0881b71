"""How long a drug or a cell product keeps exposing the patient after its last dose.

Two tables, each window next to its source and certainty (one source of truth: the teratogen
and fever rules read them, nothing else holds a window):

- ``TERATOGEN_WASHOUT``: after a teratogen stops, how long a pregnancy is still at risk, so the
  "no contraception" alert stays on (``rules.pregnancy``);
- ``IMMUNOSUPPRESSION_AFTER``: after the last dose of a B-cell depleting antibody, an IV pulse or
  a cell-therapy infusion, how long a fever is still a possible serious infection
  (``rules.red_flags``).

A window's last day is the last day of exposure: the rule fires on it and not on the next day.
A course's last dose is its ``stop`` (a pulse given on one day has ``start == stop``); an ongoing
course (no stop) is simply active. Month windows use calendar months (``lupuscare.dates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lupuscare.clinical.vocabulary import B_CELL_DEPLETING
from lupuscare.dates import add_months
from lupuscare.rules.alert import Certainty
from lupuscare.rules.context import MedicationCourse, PatientContext


@dataclass(frozen=True, slots=True)
class Window:
    """``days`` or ``months`` after the last dose; ``until_washout``: until a washout is documented."""

    source: str
    certainty: Certainty
    days: int = 0
    months: int = 0
    until_washout: bool = False

    def last_day(self, last_dose: date, washout_completed: date | None = None) -> date | None:
        """The last day of exposure; None = open-ended (no documented washout yet)."""
        if self.until_washout:
            return None if washout_completed is None else washout_completed - timedelta(days=1)
        return add_months(last_dose, self.months) + timedelta(days=self.days)

    def describe(self) -> str:
        if self.until_washout:
            return "until a drug-elimination (washout) procedure is documented"
        parts = ([f"{self.months} months"] if self.months else []) + \
                ([f"{self.days} days"] if self.days else [])
        return " ".join(parts) + " after the last dose"


_MPA = Window(
    "Mycophenolate US prescribing information (CellCept and generics, section 8.3): acceptable "
    "contraception during treatment and for 6 weeks after stopping; BSR 2022 pregnancy "
    "prescribing guideline Table 1: stop at least 6 weeks before conception",
    "verified", days=42)
TERATOGEN_WASHOUT: dict[str, Window] = {
    # Verified in the BSR 2022 guideline's own Table 1 (Russell MD et al., Rheumatology 2023,
    # doi:10.1093/rheumatology/keac551, PMC10070073): mycophenolate mofetil "Stop ≥6 weeks
    # pre-conception". Label text seen in reproductions (MIMS: "for 6 weeks after therapy is
    # discontinued"; the US label's registry covers pregnancies "within 6 weeks of discontinuing").
    "mycophenolate_mofetil": _MPA,
    "mycophenolic_acid": _MPA,
    # Verified on DailyMed (methotrexate tablets, section 5.1): "effective contraception during
    # treatment ... and for 6 months after the final dose" (males: 3 months). BSR 2022 Table 1
    # (seen): "Stop ≥1 month pre-conception"; ACR 2020 advises 1-3 months (recalled). The label's
    # longer window is used.
    "methotrexate": Window(
        "Methotrexate US prescribing information (DailyMed, section 5.1): contraception for 6 "
        "months after the final dose; BSR 2022: stop at least 1 month before conception",
        "verified", months=6),
    # Leflunomide's active metabolite may persist up to 2 years; the label asks for contraception
    # until an accelerated elimination procedure (cholestyramine 8 g three times daily for 11
    # days) has brought teriflunomide below 0.02 mg/L on two tests at least 14 days apart. Seen in
    # reproductions of the US boxed warning and a laboratory's test page. BSR 2022 Table 1 (seen):
    # leflunomide peri-conception "No: Cholestyramine washout"; ACR 2020 (The Rheumatologist
    # summary, seen): discontinue, "with a wash out of leflunomide before pregnancy".
    "leflunomide": Window(
        "Leflunomide US prescribing information (boxed warning): contraception during treatment and "
        "an accelerated drug-elimination procedure (teriflunomide < 0.02 mg/L on two tests 14 days "
        "apart); BSR 2022 and ACR 2020: cholestyramine washout before pregnancy",
        "verified", until_washout=True),
    # "Advise female patients of reproductive potential ... to use highly effective contraception
    # during treatment and for up to 1 year after completion of therapy" (US label, seen in two
    # reproductions; a Philippine SmPC says 12 months). ACR 2020: discontinue before conception.
    "cyclophosphamide": Window(
        "Cyclophosphamide US prescribing information (section 8.3): contraception during treatment "
        "and for up to 1 year after completion of therapy; ACR 2020: discontinue before conception",
        "single-source", months=12),
    # Revlimid label (seen in reproductions): avoid pregnancy "for at least 4 weeks after
    # completing therapy". Thalidomide REMS: two methods of contraception "4 weeks before, during,
    # and at least 4 weeks after completing therapy" (International Myeloma Foundation booklet and
    # Micromedex patient text, seen; the Thalomid label itself not opened). ACR 2020 (secondary
    # summary, seen): discontinue thalidomide before pregnancy.
    "lenalidomide": Window(
        "Lenalidomide (Revlimid) US prescribing information 8.3 and REMS: avoid pregnancy for at "
        "least 4 weeks after completing therapy", "single-source", days=28),
    "thalidomide": Window(
        "Thalidomide (Thalomid) REMS: contraception for at least 4 weeks after completing therapy; "
        "ACR 2020: discontinue before conception", "single-source", days=28),
}

# Fever-rule windows. All are project decisions (no guideline states a window for "fever is a
# possible serious infection"), set long rather than short:
# - anti-CD20 antibodies: the Rituxan label describes B-cell recovery beginning about 6 months
#   after treatment and normal levels by about 12 months (recalled; a secondary review seen:
#   "recovery typically begins 6-9 months ... full reconstitution usually 9-12 months"). 12 months.
# - an IV pulse (cyclophosphamide, methylprednisolone, any immunosuppressant given as a pulse):
#   28 days, covering the cyclophosphamide leukocyte nadir at 1-2 weeks and recovery (recalled).
# - a cell-therapy infusion (CAR-T after lymphodepletion; MSC): 12 months, the period in which
#   most infections after CAR-T occur (recalled), applied to every product kind.
B_CELL_DEPLETION = Window(
    "Project decision: anti-CD20 B-cell depletion outlasts the last dose by months (rituximab US "
    "label: B-cell recovery from about 6 months, normal by about 12 months; recalled)",
    "project-decision", months=12)
PULSE_IMMUNOSUPPRESSION = Window(
    "Project decision: an IV pulse suppresses immunity for weeks after it is given (cyclophosphamide "
    "leukocyte nadir at 1-2 weeks; recalled)", "project-decision", days=28)
CELL_THERAPY_IMMUNOSUPPRESSION = Window(
    "Project decision: infections after CAR-T and other cell therapies concentrate in the first "
    "year after infusion (recalled)", "project-decision", months=12)


def immunosuppression_window(course: MedicationCourse) -> Window | None:
    """The fever-rule window after this course's last dose, or None (active days only)."""
    if course.drug in B_CELL_DEPLETING:
        return B_CELL_DEPLETION
    if course.pulse:
        return PULSE_IMMUNOSUPPRESSION
    return None


def exposure_end(course: MedicationCourse, window: Window | None) -> date | None:
    """Last day the course exposes the patient (None: ongoing or open-ended)."""
    if course.stop is None:
        return None
    if window is None:
        return course.stop
    return window.last_day(course.stop, course.washout_completed)


def exposed_on(course: MedicationCourse, window: Window | None, day: date) -> bool:
    """True when ``course`` exposes the patient on ``day``: active, or within its window after."""
    if course.reason_not_prescribed is not None or course.start > day:
        return False
    end = exposure_end(course, window)
    return end is None or day <= end


def cell_therapy_on(ctx: PatientContext) -> list[tuple[str, date, date]]:
    """(product, infusion date, last day of the window) for infusions exposing the patient today."""
    out = []
    for infusion in ctx.cell_therapy:
        if infusion.date > ctx.today:
            continue
        last = CELL_THERAPY_IMMUNOSUPPRESSION.last_day(infusion.date)
        if last is not None and ctx.today <= last:
            out.append((infusion.product, infusion.date, last))
    return out
