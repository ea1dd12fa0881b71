"""Red flags: the patient sees the urgent-care message at once, and the clinic gets an alert."""

from __future__ import annotations

import datetime as dt

import pytest

from lupuscare.web.clinic.models import ClinicAlert
from lupuscare.web.diary.checkin import local_today
from lupuscare.web.diary.models import RedFlagNotice
from lupuscare.web.records.models import AuditEvent, MedicationCourse

from .helpers import checkin_post

URL = "/diary/check-in/"
URGENT = "Please get medical help"


def _save_and_follow(client, **fields):
    r = client.post(URL, checkin_post(**fields), follow=True)
    assert r.status_code == 200, r.content.decode()[:2000]
    return r.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("sign", "code"), [
    ("chest_pain_breathing", "diary_chest_pain_breathing"),
    ("shortness_of_breath", "diary_shortness_of_breath"),
    ("seizure", "diary_seizure"),
])
def test_single_warning_sign_shows_urgent_message_and_alerts_the_clinic(patient_client, world, sign, code):
    body = _save_and_follow(patient_client, **{f"sign_{sign}": "on"})
    assert URGENT in body and "call your local emergency number" in body
    alert = ClinicAlert.objects.get(patient=world.patient_a, code=code)
    assert alert.severity == "urgent" and alert.status == "open"
    notice = RedFlagNotice.objects.get(patient=world.patient_a)
    assert notice.codes == [code] and notice.clinic_alert_ids == [alert.pk]
    # saving the same day again with the same sign: still one notice, one open alert
    _save_and_follow(patient_client, **{f"sign_{sign}": "on", "notes": "still"})
    assert RedFlagNotice.objects.filter(patient=world.patient_a).count() == 1
    assert ClinicAlert.objects.filter(patient=world.patient_a, code=code, status="open").count() == 1
    assert AuditEvent.objects.filter(patient=world.patient_a, object_type="diary.redflagnotice",
                                     action="create").exists()


@pytest.mark.django_db
def test_no_warning_sign_no_message_no_alert(patient_client, world):
    body = _save_and_follow(patient_client, symptom_fatigue="9", symptom_joint_pain="10")
    assert URGENT not in body
    assert not ClinicAlert.objects.filter(patient=world.patient_a, code__startswith="diary_").exists()
    assert not RedFlagNotice.objects.exists()


@pytest.mark.django_db
def test_foamy_urine_needs_swelling_too(patient_client, world):
    body = _save_and_follow(patient_client, sign_foamy_urine="on")
    assert URGENT not in body
    body = _save_and_follow(patient_client, sign_foamy_urine="on", sign_swollen_legs="on")
    assert URGENT in body and "foamy urine together with swelling" in body
    assert ClinicAlert.objects.filter(patient=world.patient_a, code="diary_foamy_urine_swollen_legs").exists()


@pytest.mark.django_db
def test_fever_is_a_red_flag_only_on_an_immunosuppressant(patient_client, world):
    # the world's patient takes hydroxychloroquine only: not an immunosuppressant here
    body = _save_and_follow(patient_client, symptom_fever="5")
    assert URGENT not in body
    MedicationCourse.objects.create(patient=world.patient_a, drug="azathioprine", daily_dose_mg=100,
                                    start=dt.date(2025, 1, 1))
    # rating 0 is "no fever": the boundary just below the clinic's threshold of 1
    assert URGENT not in _save_and_follow(patient_client, symptom_fever="0")
    body = _save_and_follow(patient_client, symptom_fever="1")
    assert URGENT in body and "lowers your defences" in body
    alert = ClinicAlert.objects.get(patient=world.patient_a, code="diary_fever_on_immunosuppressants")
    assert "azathioprine" in alert.message


@pytest.mark.django_db
def test_a_red_flag_from_yesterday_only_flags_that_day(patient_client, world):
    yesterday = local_today("Europe/Berlin") - dt.timedelta(days=1)
    body = _save_and_follow(patient_client, day=yesterday, sign_seizure="on")
    assert URGENT in body
    # today's entry without the sign shows no message, though the clinic alert stays open (7-day window)
    body = _save_and_follow(patient_client, symptom_fatigue="2")
    assert URGENT not in body
    assert ClinicAlert.objects.get(patient=world.patient_a, code="diary_seizure").status == "open"


@pytest.mark.django_db
def test_the_clinicians_diary_page_lists_red_flags(client, patient_client, world):
    _save_and_follow(patient_client, sign_chest_pain_breathing="on")
    client.force_login(world.clinician_a)
    body = client.get(f"/diary/patients/{world.patient_a.pk}/").content.decode()
    assert "Red flags reported" in body and "chest pain when breathing in" in body


@pytest.mark.django_db
def test_a_lab_the_rules_cannot_read_does_not_stop_the_warning(patient_client, world, caplog):
    from lupuscare.web.records.models import LabResult

    # a platelet count the rules read, made negative behind validation's back
    LabResult.objects.filter(pk=world.records["lab_a"].pk).update(test="platelets", unit="10*9/L", value=-5.0)
    body = _save_and_follow(patient_client, sign_seizure="on")
    assert URGENT in body
    notice = RedFlagNotice.objects.get(patient=world.patient_a)
    assert notice.codes == ["diary_seizure"]
    # the clinic's rules refuse the bad lab: said in the log; the notice is on the team's page
    assert "clinic alerts not refreshed" in caplog.text
