from datetime import UTC, date, datetime

import pytest

from lupuscare.celltherapy.adverse_events import (
    AdverseEvent,
    Causality,
    Consciousness,
    Oxygen,
    RaisedIcp,
    Seizure,
    Seriousness,
    grade_crs,
    grade_icans,
    ice_score,
    investigator_report_due,
    report_status,
    reporting_clock,
    validate_ctcae_grade,
)
from lupuscare.errors import InputError


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_ctcae_grades_accepted(grade):
    assert validate_ctcae_grade(grade) == grade


@pytest.mark.parametrize("grade", [0, 6, 2.0, True, "3", None])
def test_ctcae_grades_refused(grade):
    with pytest.raises(InputError):
        validate_ctcae_grade(grade)


# --- CRS ---------------------------------------------------------------------------------------

def test_fever_threshold_38():
    assert grade_crs(max_temperature_c=38.0, hypotension=False).grade == 1
    assert grade_crs(max_temperature_c=37.9, hypotension=False).grade == 0
    assert grade_crs(max_temperature_c=39.0, hypotension=False, fever_other_cause=True).grade == 0


def test_hypotension_grades():
    assert grade_crs(max_temperature_c=38.5, hypotension=True).grade == 2
    assert grade_crs(max_temperature_c=38.5, hypotension=True,
                     vasopressors=["norepinephrine"]).grade == 3
    assert grade_crs(max_temperature_c=38.5, hypotension=True,
                     vasopressors=["norepinephrine", "vasopressin"]).grade == 3
    assert grade_crs(max_temperature_c=38.5, hypotension=True,
                     vasopressors=["vasopressin"]).grade == 3
    assert grade_crs(max_temperature_c=38.5, hypotension=True,
                     vasopressors=["norepinephrine", "phenylephrine"]).grade == 4
    with pytest.raises(InputError) as err:
        grade_crs(max_temperature_c=38.5, hypotension=False, vasopressors=["norepinephrine"])
    assert err.value.field == "hypotension"


def test_hypoxia_grades_and_the_6_l_min_edge():
    def g(**kw):
        return grade_crs(max_temperature_c=38.5, hypotension=False, **kw).grade

    assert g(oxygen=Oxygen.NASAL_CANNULA, nasal_cannula_l_min=6.0) == 2
    assert g(oxygen=Oxygen.NASAL_CANNULA, nasal_cannula_l_min=6.1) == 3
    assert g(oxygen=Oxygen.BLOW_BY) == 2
    for device in (Oxygen.HIGH_FLOW_NASAL_CANNULA, Oxygen.FACEMASK, Oxygen.NON_REBREATHER,
                   Oxygen.VENTURI):
        assert g(oxygen=device) == 3
    for device in (Oxygen.CPAP, Oxygen.BIPAP, Oxygen.MECHANICAL_VENTILATION):
        assert g(oxygen=device) == 4
    with pytest.raises(InputError) as err:
        g(oxygen=Oxygen.NASAL_CANNULA)
    assert err.value.field == "nasal_cannula_l_min"


def test_worse_of_hypotension_and_hypoxia_sets_the_grade():
    crs = grade_crs(max_temperature_c=38.2, hypotension=True, oxygen=Oxygen.CPAP)
    assert (crs.grade, crs.hypotension_grade, crs.hypoxia_grade) == (4, 2, 4)


def test_after_tocilizumab_fever_is_not_required():
    masked = grade_crs(max_temperature_c=37.0, hypotension=True, vasopressors=["norepinephrine"],
                       antipyretic_or_anticytokine_given=True)
    assert masked.grade == 3 and not masked.fever
    assert grade_crs(max_temperature_c=37.0, hypotension=True).grade == 0


# --- ICANS -------------------------------------------------------------------------------------

def test_ice_score_domains():
    assert ice_score(orientation=4, naming=3, commands=1, writing=1, attention=1) == 10
    with pytest.raises(InputError) as err:
        ice_score(orientation=5, naming=3, commands=1, writing=1, attention=1)
    assert err.value.field == "ice.orientation"


@pytest.mark.parametrize("ice,grade", [(10, 0), (9, 1), (7, 1), (6, 2), (3, 2), (2, 3), (0, 3)])
def test_ice_score_edges(ice, grade):
    assert grade_icans(ice=ice).grade == grade


def test_unarousable_is_grade_4_and_other_domains():
    assert grade_icans(ice=None, consciousness=Consciousness.UNAROUSABLE_OR_STUPOR_COMA).grade == 4
    assert grade_icans(ice=10, consciousness=Consciousness.AWAKENS_TO_VOICE).grade == 2
    assert grade_icans(ice=8, consciousness=Consciousness.AWAKENS_ONLY_TO_TOUCH).grade == 3
    assert grade_icans(ice=8, seizure=Seizure.RESOLVES_RAPIDLY_OR_NONCONVULSIVE_EEG).grade == 3
    assert grade_icans(ice=8, seizure=Seizure.PROLONGED_OR_REPETITIVE).grade == 4
    assert grade_icans(ice=10, deep_focal_motor_weakness=True).grade == 4
    assert grade_icans(ice=10, raised_icp=RaisedIcp.FOCAL_OEDEMA).grade == 3
    assert grade_icans(ice=10, raised_icp=RaisedIcp.DIFFUSE_OEDEMA_OR_SIGNS).grade == 4
    with pytest.raises(InputError):
        grade_icans(ice=None)
    with pytest.raises(InputError):
        grade_icans(ice=11)


# --- seriousness and clocks --------------------------------------------------------------------

KNOWN = date(2026, 3, 2)


def ae(**changes):
    base = dict(term="pneumonia", onset=date(2026, 3, 1),
                seriousness=frozenset({Seriousness.HOSPITALISATION}),
                causality=Causality.POSSIBLE, expected=False, sponsor_first_knowledge=KNOWN,
                ctcae_grade=3)
    base.update(changes)
    return AdverseEvent(**base)


def test_other_susar_15_days_on_the_day_and_a_day_after():
    clock = reporting_clock(ae())
    assert clock.required and clock.days == 15 and clock.due == date(2026, 3, 17)
    assert report_status(clock, date(2026, 3, 17)) == "due"
    assert report_status(clock, date(2026, 3, 18)) == "overdue"
    assert report_status(clock, date(2026, 3, 20), submitted_on=date(2026, 3, 17)) == "submitted"
    assert report_status(clock, date(2026, 3, 20), submitted_on=date(2026, 3, 18)) == \
        "submitted_late"


@pytest.mark.parametrize("criterion", [Seriousness.DEATH, Seriousness.LIFE_THREATENING])
def test_fatal_or_life_threatening_susar_7_days(criterion):
    clock = reporting_clock(ae(seriousness=frozenset({criterion, Seriousness.HOSPITALISATION})))
    assert clock.days == 7 and clock.due == date(2026, 3, 9)
    assert clock.follow_up_due == date(2026, 3, 17)
    assert report_status(clock, date(2026, 3, 9)) == "due"
    assert report_status(clock, date(2026, 3, 10)) == "overdue"


@pytest.mark.parametrize("changes,why", [
    (dict(seriousness=frozenset()), "not serious"),
    (dict(causality=Causality.UNLIKELY), "causality not suspected"),
    (dict(causality=Causality.UNRELATED), "causality not suspected"),
    (dict(expected=True), "expected"),
])
def test_non_susars_need_no_expedited_report(changes, why):
    clock = reporting_clock(ae(**changes))
    assert not clock.required and why in clock.reason
    assert report_status(clock, date(2026, 12, 1)) == "not_required"


def test_seriousness_is_independent_of_grade():
    assert not ae(seriousness=frozenset(), ctcae_grade=3).serious
    assert ae(ctcae_grade=2).serious


def test_clock_inputs_validated():
    with pytest.raises(InputError) as err:
        reporting_clock(ae(sponsor_first_knowledge=None))
    assert err.value.field == "sponsor_first_knowledge"
    with pytest.raises(InputError):
        reporting_clock(ae(sponsor_first_knowledge=date(2026, 2, 1)))
    with pytest.raises(InputError):
        reporting_clock(ae(ctcae_grade=7))


def test_grade_5_is_death_due_to_the_syndrome():
    assert grade_crs(max_temperature_c=39, hypotension=True, death_due_to_crs=True).grade == 5
    assert grade_icans(ice=0, death_due_to_icans=True).grade == 5


def test_ice_zero_awake_is_grade_3_not_4():
    assert grade_icans(ice=0, consciousness=Consciousness.AWAKENS_SPONTANEOUSLY).grade == 3


def test_investigator_to_sponsor_24_hours():
    aware = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    assert investigator_report_due(aware) == datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    with pytest.raises(InputError):
        investigator_report_due(datetime(2026, 3, 1, 22, 30))


# --- issue 11: missing temperature, duplicate vasopressors, death and life-threat always serious

def test_a_missing_temperature_is_not_assessable_never_grade_0():
    for kw in (dict(hypotension=False), dict(hypotension=True),
               dict(hypotension=True, vasopressors=["norepinephrine"], oxygen=Oxygen.CPAP)):
        g = grade_crs(max_temperature_c=None, **kw)
        assert g.grade is None and g.fever is None
        assert "not assessable" in g.explanation
    # once antipyretics/anti-cytokines are given, fever is no longer required: organ signs grade
    assert grade_crs(max_temperature_c=None, hypotension=True,
                     antipyretic_or_anticytokine_given=True).grade == 2
    # a recorded normal temperature is a real "no CRS"
    assert grade_crs(max_temperature_c=37.9, hypotension=True).grade == 0
    assert grade_crs(max_temperature_c=None, hypotension=False, death_due_to_crs=True).grade == 5


def test_the_same_vasopressor_listed_twice_counts_once():
    twice = grade_crs(max_temperature_c=38.5, hypotension=True,
                      vasopressors=["norepinephrine", "Norepinephrine", " norepinephrine "])
    assert twice.grade == 3 and twice.hypotension_grade == 3
    two = grade_crs(max_temperature_c=38.5, hypotension=True,
                    vasopressors=["norepinephrine", "phenylephrine"])
    assert two.grade == 4
    # vasopressin still does not make "multiple"
    assert grade_crs(max_temperature_c=38.5, hypotension=True,
                     vasopressors=["norepinephrine", "vasopressin", "vasopressin"]).grade == 3
    with pytest.raises(InputError) as err:
        grade_crs(max_temperature_c=38.5, hypotension=True, vasopressors="norepinephrine")
    assert err.value.field == "vasopressors"


def test_a_death_grade_5_is_always_serious_and_starts_the_7_day_clock():
    death = ae(seriousness=frozenset(), ctcae_grade=5)
    assert death.serious and Seriousness.DEATH in death.criteria
    clock = reporting_clock(death)
    assert clock.required and clock.days == 7 and clock.due == date(2026, 3, 9)
    assert report_status(clock, date(2026, 3, 9)) == "due"
    assert report_status(clock, date(2026, 3, 10)) == "overdue"


def test_a_life_threatening_event_grade_4_is_always_serious_and_starts_the_7_day_clock():
    event = ae(seriousness=frozenset(), ctcae_grade=4)
    assert event.serious and Seriousness.LIFE_THREATENING in event.criteria
    assert reporting_clock(event).days == 7
    ticked = ae(seriousness=frozenset({Seriousness.LIFE_THREATENING}), ctcae_grade=2)
    assert reporting_clock(ticked).days == 7
    # just below: grade 3 without a criterion is still not serious (severity is not seriousness)
    assert not ae(seriousness=frozenset(), ctcae_grade=3).serious
    assert reporting_clock(ae(ctcae_grade=3)).days == 15


def test_a_death_not_suspected_or_expected_still_needs_no_expedited_report():
    assert not reporting_clock(ae(seriousness=frozenset(), ctcae_grade=5,
                                  causality=Causality.UNRELATED)).required
    assert not reporting_clock(ae(seriousness=frozenset(), ctcae_grade=5, expected=True)).required
