"""Safety alerts: the rules seam, one row per open alert, acknowledgement with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lupuscare.rules import evaluate
from lupuscare.web.clinic.alerts import refresh_alerts
from lupuscare.web.clinic.models import ClinicAlert
from lupuscare.web.records.models import AuditEvent, LabResult
from lupuscare.web.seam import rule_context as to_rule_context
from web.factories import make_diary_entry, make_lab, make_medication

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)


def _at(day: dt.date):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _upcr(world, value: float, unit: str, day: dt.date):
    return make_lab(world.patient_a, test="upcr", value=value, unit=unit, collected_at=_at(day))


def test_context_converts_labs_to_the_rules_units(world):
    _upcr(world, 56.56, "mg/mmol", dt.date(2026, 3, 1))  # exactly 0.5 g/g (units module)
    make_lab(world.patient_a, test="platelets", value=95, unit="10*3/uL", collected_at=_at(TODAY))
    ctx = to_rule_context(world.patient_a, TODAY)
    upcr = ctx.lab_history("upcr")
    assert [x.value for x in upcr] == [0.5] and upcr[0].date == dt.date(2026, 3, 1)
    assert [x.value for x in ctx.lab_history("platelets")] == [95.0]
    assert ctx.weight_kg == 62.0 and ctx.sex == "female"
    assert [m.drug for m in ctx.medications] == ["hydroxychloroquine"]


@pytest.mark.parametrize(("value", "fires"), [(500, True), (499, False), (501, True)])
def test_proteinuria_alert_at_its_threshold_through_the_seam(world, value, fires):
    """UPCR >= 0.5 g/g opens the work-up alert (rules.renal); 500 mg/g is exactly 0.5 g/g."""
    _upcr(world, value, "mg/g", dt.date(2026, 3, 1))
    codes = {a.code for a in refresh_alerts(world.patient_a, TODAY)}
    assert ("proteinuria_nephritis_workup" in codes) is fires


def test_diary_warning_sign_gives_an_urgent_alert(world):
    make_diary_entry(world.patient_a, local_date=TODAY, warning_signs=["chest_pain_breathing"])
    alerts = refresh_alerts(world.patient_a, TODAY)
    assert alerts[0].code == "diary_chest_pain_breathing" and alerts[0].severity == "urgent"


def test_diary_fever_rating_counts_as_fever_on_immunosuppressants(world):
    make_medication(world.patient_a, drug="mycophenolate_mofetil", daily_dose_mg=2000.0)
    make_diary_entry(world.patient_a, local_date=TODAY, symptoms={"fever": 1})
    assert "diary_fever_on_immunosuppressants" in {a.code for a in refresh_alerts(world.patient_a, TODAY)}


def test_diary_fever_rating_zero_is_no_fever(world):
    make_medication(world.patient_a, drug="mycophenolate_mofetil", daily_dose_mg=2000.0)
    make_diary_entry(world.patient_a, local_date=TODAY, symptoms={"fever": 0})
    assert "diary_fever_on_immunosuppressants" not in {
        a.code for a in refresh_alerts(world.patient_a, TODAY)}


def test_alerts_are_deduplicated_and_resolved_when_they_stop(world):
    lab = _upcr(world, 900, "mg/g", dt.date(2026, 3, 1))
    refresh_alerts(world.patient_a, TODAY)
    refresh_alerts(world.patient_a, TODAY)
    rows = ClinicAlert.objects.filter(patient=world.patient_a, code="proteinuria_nephritis_workup")
    assert rows.count() == 1 and rows.get().status == "open"
    assert rows.get().history.count() == 1  # an unchanged re-evaluation writes no history
    lab.value = 100
    lab.save()
    refresh_alerts(world.patient_a, TODAY)
    assert rows.get().status == "resolved"
    lab.value = 900
    lab.save()
    refresh_alerts(world.patient_a, TODAY)
    assert rows.count() == 2 and rows.filter(status="open").count() == 1


def test_stored_alerts_match_the_pure_rules(world):
    _upcr(world, 900, "mg/g", dt.date(2026, 3, 1))
    make_diary_entry(world.patient_a, local_date=TODAY, warning_signs=["seizure"])
    expected = [a.code for a in evaluate(to_rule_context(world.patient_a, TODAY))]
    assert [r.code for r in refresh_alerts(world.patient_a, TODAY)] == expected


def test_acknowledging_needs_a_reason_is_audited_and_kept_in_history(clinician, world):
    _upcr(world, 900, "mg/g", dt.date(2026, 3, 1))
    alert = refresh_alerts(world.patient_a, TODAY)[0]
    url = reverse("clinic:alert-acknowledge", args=[world.patient_a.pk])
    response = clinician.post(url, {"alert": alert.pk, "reason": "   "})
    assert response.status_code == 400 and "reason" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "open"
    response = clinician.post(url, {"alert": alert.pk, "reason": "biopsy booked for Monday"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == world.clinician_a
    assert alert.acknowledgement_reason == "biopsy booked for Monday"
    assert [h.status for h in alert.history.order_by("history_date")] == ["open", "acknowledged"]
    assert AuditEvent.objects.filter(object_type="clinic.clinicalert", object_id=str(alert.pk),
                                     action="update", user=world.clinician_a).exists()
    # acknowledged stays acknowledged while the rule keeps firing
    refresh_alerts(world.patient_a, TODAY)
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    # and cannot be acknowledged twice
    assert clinician.post(url, {"alert": alert.pk, "reason": "again"}).status_code == 400


def test_another_teams_alert_cannot_be_acknowledged(clinician, world):
    alert = ClinicAlert.objects.create(
        patient=world.patient_b, code="x", severity="info", severity_rank=2, message="m",
        citation="c", certainty="recalled", last_evaluated_on=TODAY)
    url_b = reverse("clinic:alert-acknowledge", args=[world.patient_b.pk])
    url_a = reverse("clinic:alert-acknowledge", args=[world.patient_a.pk])
    assert clinician.post(url_b, {"alert": alert.pk, "reason": "r"}).status_code == 404
    assert clinician.post(url_a, {"alert": alert.pk, "reason": "r"}).status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"


def test_worklist_is_sorted_by_severity(clinician, world):
    for code, severity, rank in (("i", "info", 2), ("u", "urgent", 0), ("w", "warning", 1)):
        ClinicAlert.objects.create(patient=world.patient_a, code=code, severity=severity,
                                   severity_rank=rank, message=f"alert {code}", citation="c",
                                   certainty="recalled", last_evaluated_on=TODAY)
    body = clinician.get(reverse("clinic:worklist")).content.decode()
    assert body.index("alert u") < body.index("alert w") < body.index("alert i")


def test_the_seam_loads_every_lab_test_the_rules_read():
    import re
    from pathlib import Path

    import lupuscare.rules
    from lupuscare.web.seam import RULE_LAB_TESTS

    source = "".join(p.read_text() for p in Path(lupuscare.rules.__file__).parent.glob("*.py"))
    read = set(re.findall(r'lab_history\("(\w+)"\)', source))
    read |= set(re.findall(r'_new_below\(ctx, "(\w+)"', source))
    assert read and read <= set(RULE_LAB_TESTS)
    # every call names its test literally, or is the cytopenia helper's parameter (above)
    calls = re.findall(r"\.lab_history\(([^)]*)\)", source)
    assert calls and all(re.fullmatch(r'"\w+"|test', c) for c in calls), calls


def test_a_record_the_rules_cannot_read_is_said_not_hidden(clinician, world):
    # a negative count cannot come through the clinic forms, but may through other paths
    LabResult.objects.create(patient=world.patient_a, test="platelets", value=-5, unit="10*9/L",
                             collected_at=_at(TODAY))
    response = clinician.get(reverse("clinic:patient", args=[world.patient_a.pk]))
    assert response.status_code == 200
    assert "Safety rules could not run on this record (labs[0].value" in response.content.decode()


def test_recorded_contraception_silences_the_teratogen_alert(clinician, world):
    make_medication(world.patient_a, drug="mycophenolate_mofetil", daily_dose_mg=2000.0)
    assert "teratogen_without_contraception" in {a.code for a in refresh_alerts(world.patient_a, TODAY)}
    url = reverse("clinic:contraception-create", args=[world.patient_a.pk])
    response = clinician.post(url, {"method": "copper IUD", "start": "2026-03-20"})
    assert response.status_code == 302
    # starts after TODAY: not yet in use on TODAY
    assert "teratogen_without_contraception" in {a.code for a in refresh_alerts(world.patient_a, TODAY)}
    clinician.post(url, {"method": "levonorgestrel IUD", "start": "2025-06-01"})
    assert "teratogen_without_contraception" not in {
        a.code for a in refresh_alerts(world.patient_a, TODAY)}
    response = clinician.post(url, {"method": "pill", "start": "2025-06-01", "stop": "2025-01-01"})
    assert response.status_code == 400 and "stop" in response.context["form"].errors


def test_a_documented_leflunomide_washout_ends_the_teratogen_alert(world):
    """The record carries the washout date (``MedicationCourse.washout_completed``) through the
    seam: until it is recorded the 'no contraception' alert stays on after leflunomide stops; from
    the documented day on it does not (ACR 2020; leflunomide label)."""
    from lupuscare.web.records.services import Actor, amend_medication, start_medication

    patient = world.patient_a
    patient.can_become_pregnant = True
    patient.save()
    actor = Actor.system("test")
    course = start_medication(actor, patient, drug="leflunomide", daily_dose_mg=20.0,
                              start=dt.date(2025, 6, 1), stop=dt.date(2026, 1, 31))
    codes = {a.code for a in evaluate(to_rule_context(patient, TODAY))}
    assert "teratogen_washout" in codes
    amend_medication(actor, course, reason="washout documented", washout_completed=TODAY)
    assert "teratogen_washout" in {a.code for a in evaluate(to_rule_context(
        patient, TODAY - dt.timedelta(days=1)))}
    assert "teratogen_washout" not in {a.code for a in evaluate(to_rule_context(patient, TODAY))}
