"""The clinical record: the to_document() seam, validation, history, the append-only audit log."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lupuscare.instruments.registry import score
from lupuscare.web.records.models import AuditEvent, DiaryEntry, LabResult, Patient
from lupuscare.web.records.models.audit import AuditLogIsAppendOnly

from .factories import (
    make_assessment,
    make_clinician,
    make_damage_item,
    make_diary_entry,
    make_lab,
    make_medication,
    make_patient,
)

pytestmark = pytest.mark.django_db

VISIT = dt.date(2026, 3, 1)


def at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class TestToDocument:
    def test_carries_the_visit_and_the_patient(self):
        patient = make_patient(birth_date=dt.date(1990, 5, 1), sex="female", weight_kg=62.0)
        visit = make_assessment(
            patient, date=VISIT, window_days=10, findings=["rash_generalized", "alopecia"],
            not_attributable=["fever"], swollen_28=4, tender_28=5, pga=1.2,
            bilag_new_a=0, bilag_new_b=1,
        )
        doc = visit.to_document()
        assert doc["date"] == "2026-03-01"
        assert doc["patient"] == {"birth_date": "1990-05-01", "sex": "female", "weight_kg": 62.0}
        assert doc["window_days"] == 10
        assert doc["findings"] == ["rash_generalized", "alopecia"]
        assert doc["not_attributable"] == ["fever"]
        assert doc["joints"] == {"swollen_28": 4, "tender_28": 5}
        assert doc["pga"] == 1.2
        assert doc["bilag"] == {"new_a": 0, "new_b": 1}
        assert "previous" not in doc
        json.dumps(doc)  # plain, JSON-ready

    def test_leaves_out_what_was_not_recorded(self):
        doc = make_assessment(make_patient(weight_kg=None)).to_document()
        assert "joints" not in doc and "pga" not in doc and "bilag" not in doc
        assert "weight_kg" not in doc["patient"]

    def test_labs_are_those_inside_the_window_boundaries_included(self):
        patient = make_patient()
        visit = make_assessment(patient, date=VISIT, window_days=10)
        start = VISIT - dt.timedelta(days=10)  # 2026-02-19
        inside = {
            "first_minute": at(start, 0, 0),
            "visit_day_last_minute": at(VISIT, 23, 59),
        }
        outside = {
            "day_before_window": at(start - dt.timedelta(days=1), 23, 59),
            "day_after_visit": at(VISIT + dt.timedelta(days=1), 0, 0),
        }
        for i, when in enumerate([*inside.values(), *outside.values()]):
            make_lab(patient, test="platelets", value=100 + i, unit="10*9/L", collected_at=when)
        values = [lab["value"] for lab in visit.to_document()["labs"]]
        assert values == [100, 101]  # oldest first, the two outside ones left out

    def test_the_window_follows_window_days(self):
        patient = make_patient()
        make_lab(patient, collected_at=at(VISIT - dt.timedelta(days=30)))
        assert make_assessment(patient, date=VISIT, window_days=30).to_document()["labs"]
        assert not make_assessment(patient, date=VISIT, window_days=28).to_document()["labs"]

    def test_lab_reference_limits_travel_with_the_value(self):
        patient = make_patient()
        make_lab(patient, test="c3", value=0.72, unit="g/L", low=0.9, high=1.8,
                 collected_at=at(VISIT))
        make_lab(patient, test="anti_dsdna", value=45, unit="[IU]/mL", collected_at=at(VISIT))
        labs = make_assessment(patient, date=VISIT).to_document()["labs"]
        assert {"test": "c3", "value": 0.72, "unit": "g/L", "low": 0.9, "high": 1.8} in labs
        assert {"test": "anti_dsdna", "value": 45.0, "unit": "[IU]/mL"} in labs

    def test_medications_are_those_active_on_the_date(self):
        patient = make_patient()
        day = dt.timedelta(days=1)
        make_medication(patient, drug="prednisone", daily_dose_mg=10, start=VISIT)  # starts today
        make_medication(patient, drug="azathioprine", start=VISIT + day)  # not yet
        make_medication(patient, drug="belimumab", start=VISIT - 9 * day, stop=VISIT)  # last day
        make_medication(patient, drug="methotrexate", start=VISIT - 9 * day, stop=VISIT - day)
        make_medication(patient, drug="hydroxychloroquine", daily_dose_mg=400,
                        start=VISIT - 99 * day, tolerated=True)
        meds = make_assessment(patient, date=VISIT).to_document()["medications"]
        assert [m["drug"] for m in meds] == ["hydroxychloroquine", "belimumab", "prednisone"]
        hcq = meds[0]
        assert hcq["daily_dose_mg"] == 400 and hcq["tolerated"] is True and hcq["pulse"] is False

    def test_previous_is_the_visit_before_without_its_own_previous(self):
        patient = make_patient()
        first = make_assessment(patient, date=VISIT - dt.timedelta(days=90), pga=2.0)
        second = make_assessment(patient, date=VISIT - dt.timedelta(days=30), pga=1.5)
        third = make_assessment(patient, date=VISIT, pga=1.0)
        make_assessment(make_patient(), date=VISIT - dt.timedelta(days=1))  # someone else's
        doc = third.to_document()
        assert doc["previous"]["date"] == second.date.isoformat()
        assert doc["previous"]["pga"] == 1.5
        assert "previous" not in doc["previous"]
        assert first.to_document().get("previous") is None

    def test_two_visits_on_one_day_are_ordered_by_creation(self):
        patient = make_patient()
        morning = make_assessment(patient, date=VISIT, pga=2.0)
        afternoon = make_assessment(patient, date=VISIT, pga=1.0)
        assert afternoon.previous() == morning
        assert morning.previous() is None

    def test_damage_is_what_began_on_or_before_the_date(self):
        patient = make_patient()
        make_damage_item(patient, item="cataract", onset=VISIT)
        make_damage_item(patient, item="cva", onset=VISIT - dt.timedelta(days=400), count=2)
        make_damage_item(patient, item="cataract", onset=VISIT + dt.timedelta(days=1))
        damage = make_assessment(patient, date=VISIT).to_document()["damage"]
        assert damage == [
            {"item": "cva", "onset": "2025-01-25", "count": 2},
            {"item": "cataract", "onset": "2026-03-01"},
        ]

    def test_the_core_scores_the_document(self):
        """The seam's output is what the instruments take: SLEDAI-2K scores it end to end."""
        patient = make_patient()
        make_lab(patient, test="c3", value=0.72, unit="g/L", low=0.9, high=1.8,
                 collected_at=at(VISIT - dt.timedelta(days=2)))
        visit = make_assessment(patient, date=VISIT, findings=["arthritis", "alopecia"])
        result = score("sledai2k", visit.to_document()).to_dict()
        # arthritis 4 + alopecia 2 + low complement (from C3 below its low) 2 (Gladman 2002)
        assert result["total"] == 8


class TestValidation:
    def test_unknown_finding_is_refused_by_name(self):
        visit = make_assessment(make_patient())
        visit.findings = ["arthritis", "sore_elbow"]
        with pytest.raises(ValidationError) as err:
            visit.full_clean()
        assert "findings" in err.value.message_dict
        assert "sore_elbow" in str(err.value.message_dict["findings"])

    def test_a_finding_cannot_be_both_attested_and_not_attributable(self):
        visit = make_assessment(make_patient())
        visit.findings, visit.not_attributable = ["fever"], ["fever"]
        with pytest.raises(ValidationError) as err:
            visit.full_clean()
        assert "not_attributable" in err.value.message_dict

    @pytest.mark.parametrize(
        ("field", "bad", "good"),
        [("pga", 3.01, 3.0), ("pga", -0.01, 0.0), ("swollen_28", 29, 28), ("tender_28", 29, 28),
         ("bilag_new_a", 10, 9), ("window_days", 14, 30), ("pga", 1.25, 1.2)],
    )
    def test_ranges_at_their_boundaries(self, field, bad, good):
        visit = make_assessment(make_patient())
        setattr(visit, field, good)
        visit.full_clean()
        setattr(visit, field, bad)
        with pytest.raises(ValidationError) as err:
            visit.full_clean()
        assert field in err.value.message_dict

    def test_pga_must_be_finite(self):
        visit = make_assessment(make_patient())
        visit.pga = float("nan")
        with pytest.raises(ValidationError) as err:
            visit.full_clean()
        assert "pga" in err.value.message_dict

    def test_lab_unit_must_be_known_for_its_test(self):
        lab = LabResult(patient=make_patient(), test="c3", value=0.8, unit="mmol/L",
                        collected_at=at(VISIT))
        with pytest.raises(ValidationError) as err:
            lab.full_clean()
        assert "unit" in err.value.message_dict and "g/L" in err.value.message_dict["unit"][0]
        lab.unit = "mg/dL"
        lab.full_clean()

    def test_unknown_lab_test_is_refused(self):
        lab = LabResult(patient=make_patient(), test="unobtainium", value=1, unit="g/L",
                        collected_at=at(VISIT))
        with pytest.raises(ValidationError) as err:
            lab.full_clean()
        assert "test" in err.value.message_dict

    def test_unknown_drug_is_refused(self):
        with pytest.raises(ValidationError) as err:
            make_medication(make_patient(), drug="snake_oil")
        assert "drug" in err.value.message_dict

    def test_unknown_sdi_item_is_refused_and_aliases_accepted(self):
        with pytest.raises(ValidationError) as err:
            make_damage_item(make_patient(), item="bad_knee")
        assert "item" in err.value.message_dict
        make_damage_item(make_patient(), item="major_psychosis")  # an alias the SDI knows

    @pytest.mark.parametrize("field", ["value", "low", "high"])
    def test_lab_values_are_not_negative(self, field):
        lab = LabResult(patient=make_patient(), test="c3", value=0.8, unit="g/L",
                        collected_at=at(VISIT))
        setattr(lab, field, 0.0)
        if field == "high":
            lab.low = 0.0
        lab.full_clean()
        setattr(lab, field, -0.1)
        with pytest.raises(ValidationError) as err:
            lab.full_clean()
        assert field in err.value.message_dict

    def test_reference_limits_in_order(self):
        lab = LabResult(patient=make_patient(), test="c3", value=0.8, unit="g/L", low=1.8,
                        high=0.9, collected_at=at(VISIT))
        with pytest.raises(ValidationError) as err:
            lab.full_clean()
        assert "high" in err.value.message_dict

    def test_medication_cannot_stop_before_it_starts(self):
        with pytest.raises(ValidationError) as err:
            make_medication(make_patient(), start=VISIT, stop=VISIT - dt.timedelta(days=1))
        assert "stop" in err.value.message_dict

    def test_diagnosis_not_before_birth(self):
        with pytest.raises(ValidationError) as err:
            make_patient(birth_date=VISIT, sle_diagnosis_date=VISIT - dt.timedelta(days=1))
        assert "sle_diagnosis_date" in err.value.message_dict

    def test_only_a_patient_user_links_to_a_patient(self):
        with pytest.raises(ValidationError) as err:
            make_patient(user=make_clinician())
        assert "user" in err.value.message_dict

    @pytest.mark.parametrize(
        ("field", "value"),
        [("symptoms", {"fatigue": 11}), ("symptoms", {"fatigue": -1}), ("symptoms", {"fatigue": 2.5}),
         ("symptoms", {"itchy_ears": 3}), ("warning_signs", ["sneezing"]),
         ("triggers", {"sun_hours": 25}), ("triggers", {"overwork": 1}),
         ("triggers", {"moon_phase": 1}), ("time_zone", "Mars/Olympus_Mons")],
    )
    def test_diary_refuses_bad_values(self, field, value):
        entry = DiaryEntry(patient=make_patient(), local_date=VISIT, **{field: value})
        with pytest.raises(ValidationError) as err:
            entry.full_clean()
        assert field in err.value.message_dict

    def test_diary_accepts_the_scale_ends(self):
        make_diary_entry(
            make_patient(), symptoms={"fatigue": 0, "joint_pain": 10},
            warning_signs=["foamy_urine"], triggers={"sun_hours": 24, "overwork": True},
        )

    def test_one_diary_entry_per_local_day(self):
        patient = make_patient()
        make_diary_entry(patient, local_date=VISIT)
        with pytest.raises(ValidationError):
            make_diary_entry(patient, local_date=VISIT)


class TestHistory:
    def test_a_change_keeps_who_when_and_the_value_before(self):
        clinician = make_clinician()
        patient = make_patient(weight_kg=62.0)
        patient.weight_kg = 58.5
        patient._history_user = clinician
        patient.save()
        newest, oldest = patient.history.all()[0], patient.history.all()[1]
        assert (oldest.weight_kg, newest.weight_kg) == (62.0, 58.5)
        assert newest.history_user == clinician
        assert newest.history_type == "~" and oldest.history_type == "+"
        assert newest.history_date >= oldest.history_date

    def test_every_clinical_model_keeps_history(self):
        patient = make_patient()
        for obj in (make_assessment(patient), make_lab(patient), make_medication(patient),
                    make_diary_entry(patient), make_damage_item(patient), patient):
            assert obj.history.count() == 1, type(obj).__name__


class TestAuditLog:
    def test_is_append_only(self):
        event = AuditEvent.objects.create(action="read", username="someone", path="/x/")
        event.path = "/rewritten/"
        with pytest.raises(AuditLogIsAppendOnly):
            event.save()
        with pytest.raises(AuditLogIsAppendOnly):
            event.delete()
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).update(path="/rewritten/")
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.all().delete()
        assert AuditEvent.objects.get(pk=event.pk).path == "/x/"

    def test_outlives_the_patient_it_names(self):
        """No database constraint: the log never blocks, and keeps the id of what it spoke of."""
        patient = make_patient()
        AuditEvent.objects.create(action="read", patient=patient)
        pk = patient.pk
        Patient.objects.filter(pk=pk).delete()
        assert AuditEvent.objects.filter(patient_id=pk).count() == 1


class TestWindowProperty:
    """For any window and any collection time, a lab is in the document exactly when its calendar
    day (clinic time zone) lies from ``date - window_days`` to ``date``."""

    @pytest.mark.django_db
    def test_lab_in_document_iff_its_day_is_in_the_window(self):
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        @settings(max_examples=25, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(window=st.sampled_from([10, 28, 30]),
               offset_minutes=st.integers(min_value=-40 * 24 * 60, max_value=3 * 24 * 60))
        def check(window: int, offset_minutes: int) -> None:
            patient = make_patient()
            collected = at(VISIT) + dt.timedelta(minutes=offset_minutes)
            make_lab(patient, collected_at=collected)
            doc = make_assessment(patient, date=VISIT, window_days=window).to_document()
            day = timezone.localdate(collected)
            expected = VISIT - dt.timedelta(days=window) <= day <= VISIT
            assert bool(doc["labs"]) == expected

        check()
