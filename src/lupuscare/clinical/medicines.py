"""The patient's medicines: which schedules are due when, the side effects the diary offers
per drug, and honest expectations of how long a medicine takes, each with its source.

Pure: plain values in and out (the diary's pages pass dates and schedule names). Monthly
schedules use the one calendar-month arithmetic of the core (``lupuscare.dates.add_months``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lupuscare.dates import add_months
from lupuscare.rules.hydroxychloroquine import HCQ, HCQ_ONSET_CITATION, HCQ_TOO_EARLY_MONTHS

# Routes a patient takes at home (an infusion or an intramuscular injection is given by the clinic,
# so the diary does not ask "taken?" for it).
SELF_ROUTES = frozenset({"oral", "sc", "topical", "other"})


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str
    certainty: str  # "verified" (checked against the source), "single-source", "recalled"


@dataclass(frozen=True, slots=True)
class SideEffect:
    name: str
    label: str
    advice: str


# Side effects the diary offers per drug, with the source that lists them. Anything else goes in
# the free-text "other" box. Hydroxychloroquine: stomach upset (nausea, diarrhoea), skin darkening
# (hyperpigmentation) and changes in vision (retinal toxicity, the reason for eye screening).
SIDE_EFFECTS: dict[str, tuple[SideEffect, ...]] = {
    HCQ: (
        SideEffect("stomach_upset", "Stomach upset (feeling sick, diarrhoea)",
                   "Taking it with food often helps. Tell your care team if it continues."),
        SideEffect("skin_darkening", "Darker patches of skin",
                   "Tell your care team at your next visit."),
        SideEffect("vision_changes", "Changes in your vision",
                   "Tell your care team soon: they may arrange an eye check."),
    ),
}
SIDE_EFFECT_SOURCES: dict[str, tuple[Source, ...]] = {
    HCQ: (
        Source("American College of Rheumatology. Hydroxychloroquine (Plaquenil), patient fact "
               "sheet", "https://rheumatology.org/patients/hydroxychloroquine-plaquenil",
               "recalled"),
        Source("Marmor MF et al. Recommendations on screening for chloroquine and "
               "hydroxychloroquine retinopathy (2016 revision). Ophthalmology 2016;123:1386-94",
               "https://doi.org/10.1016/j.ophtha.2016.01.058", "verified"),
    ),
}


@dataclass(frozen=True, slots=True)
class Expectation:
    drug: str
    text: str
    sources: tuple[Source, ...]


# How long a medicine takes to work, in plain words. The 3-month figure is the rules' own
# (``HCQ_TOO_EARLY_MONTHS``), so the patient page and the clinician's alert say the same thing.
EXPECTATIONS: dict[str, Expectation] = {
    HCQ: Expectation(
        HCQ,
        "Hydroxychloroquine works slowly: most people notice a difference after 1 to 3 months, "
        f"and the full effect can take up to 6 months. Your care team will usually wait about "
        f"{HCQ_TOO_EARLY_MONTHS} months before judging whether it works. Keep taking it unless "
        "they tell you otherwise.",
        (
            Source("American College of Rheumatology. Hydroxychloroquine (Plaquenil), patient "
                   "fact sheet ('improve after 1-2 months ... up to 6 months')",
                   "https://rheumatology.org/patients/hydroxychloroquine-plaquenil",
                   "single-source"),
            Source(HCQ_ONSET_CITATION, "https://www.nhs.uk/medicines/hydroxychloroquine/",
                   "single-source"),
        ),
    ),
}


def side_effects_for(drug: str) -> tuple[SideEffect, ...]:
    return SIDE_EFFECTS.get(drug, ())


def is_due(schedule: str, start: dt.date, stop: dt.date | None, day: dt.date) -> bool | None:
    """Whether a course is due on ``day``: True, False, or None when its schedule is "other"
    (the patient follows their own instructions, so the app shows it without deciding)."""
    if day < start or (stop is not None and day > stop):
        return False
    offset = (day - start).days
    if schedule == "daily":
        return True
    if schedule == "alternate_day":
        return offset % 2 == 0
    if schedule == "weekly":
        return offset % 7 == 0
    if schedule == "monthly":
        # the same day each month; in a shorter month, its last day (a dose due on the 31st
        # falls on 28/29 February and 30 April, never skipped and never late)
        months = (day.year - start.year) * 12 + day.month - start.month
        return add_months(start, months) == day
    if schedule == "once":
        return day == start
    return None




def drug_label(drug: str) -> str:
    return drug.replace("_", " ").capitalize()
