"""The demo cohort's IV-cyclophosphamide (and methylprednisolone) pulse patients raise the alerts
they should, on the pure generator converted to a PatientContext (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lupuscare.clinical.units import CANONICAL_UNIT, is_convertible, to_canonical
from lupuscare.dates import add_months
from lupuscare.demo.cohort import SyntheticPatient, generate_cohort
from lupuscare.rules import DiaryRedFlag, LabResult, MedicationCourse, PatientContext, evaluate

DAY = timedelta(days=1)


def context_of(p: SyntheticPatient, today: date, *, fever: bool = False) -> PatientContext:
    """The synthetic record as of ``today``: courses as recorded (pulses with their dates), the
    latest visit weight with its date, labs converted to the rules' canonical units."""
    visits = [v for v in p.visits if v.date <= today]
    labs = [LabResult(lab.test, to_canonical(lab.test, lab.value, lab.unit), v.date)
            for v in visits for lab in v.labs
            if lab.test in CANONICAL_UNIT and is_convertible(lab.test, lab.unit)]
    return PatientContext(
        today=today, birth_date=p.birth_date, sex=p.sex,
        weight_kg=visits[-1].weight_kg if visits else None,
        weight_date=visits[-1].date if visits else None,
        medications=tuple(MedicationCourse(c.drug, c.start, c.daily_dose_mg, stop=c.end,
                                           pulse=c.pulse, route=c.route)
                          for c in p.medications if c.start <= today),
        labs=tuple(labs),
        diary_red_flags=(DiaryRedFlag("fever", today),) if fever else (),
    )


@pytest.fixture(scope="module")
def cohort() -> list[SyntheticPatient]:
    return generate_cohort(200, 7, diaries=False).patients


def _courses(cohort, drug):
    found = [(p, c) for p in cohort for c in p.medications if c.drug == drug]
    assert found, f"the demo cohort has {drug} patients"
    return found


def _alert(ctx, code):
    return next((a for a in evaluate(ctx) if a.code == code), None)


def test_the_generator_records_cyclophosphamide_as_dated_iv_pulses(cohort):
    for _, c in _courses(cohort, "cyclophosphamide"):
        assert c.pulse and c.route == "intravenous" and c.end is not None and c.administrations == 6
        assert c.end == c.start + timedelta(days=70)  # 500 mg every 2 weeks x 6: first to last


def test_iv_cyclophosphamide_raises_the_teratogen_alerts_during_and_after_the_course(cohort):
    women = [(p, c) for p, c in _courses(cohort, "cyclophosphamide") if p.sex == "female"]
    assert women
    for p, c in women:
        later = [o for o in p.medications if o.drug == "cyclophosphamide" and o.start > c.start]
        during = _alert(context_of(p, c.start), "teratogen_without_contraception")
        assert during is not None and "cyclophosphamide" in during.evidence["drugs"], p.key
        after = _alert(context_of(p, c.end + DAY), "teratogen_washout")
        assert after is not None and "cyclophosphamide" in after.evidence["drugs"], p.key
        last = add_months(c.end, 12)
        assert "cyclophosphamide" in _alert(context_of(p, last), "teratogen_washout").evidence["drugs"]
        if not later:
            gone = _alert(context_of(p, last + DAY), "teratogen_washout")
            assert gone is None or "cyclophosphamide" not in gone.evidence["drugs"], p.key


def test_no_teratogen_alert_for_men_on_cyclophosphamide(cohort):
    for p, c in _courses(cohort, "cyclophosphamide"):
        if p.sex == "male":
            codes = {a.code for a in evaluate(context_of(p, c.start))}
            assert not codes & {"teratogen_without_contraception", "teratogen_washout"}


@pytest.mark.parametrize("drug", ["cyclophosphamide", "methylprednisolone"])
def test_fever_after_an_iv_pulse_is_urgent_for_28_days(cohort, drug):
    for p, c in _courses(cohort, drug):
        alert = _alert(context_of(p, c.end + timedelta(days=28), fever=True),
                       "diary_fever_on_immunosuppressants")
        assert alert is not None and drug in alert.evidence["drugs"], p.key
        assert alert.severity == "urgent"
        later = [o for o in p.medications if o.drug == drug and o.start > c.start]
        if not later:
            after = _alert(context_of(p, c.end + timedelta(days=29), fever=True),
                           "diary_fever_on_immunosuppressants")
            assert after is None or drug not in after.evidence["drugs"], p.key
