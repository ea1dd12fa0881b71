"""What is due when: one pass (``run_due``) that the worker runs every few minutes and
``lupuscare jobs run-due`` runs once. Every job is idempotent: the nightly pass is recorded per
date (``JobRun``), and every message goes through ``notify.deliver``, whose ledger sends a
(kind, user, key) once, so running the pass twice sends nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from lupuscare.celltherapy.adverse_events import FATAL_OR_LIFE_THREATENING_DAYS, OTHER_SUSAR_DAYS
from lupuscare.celltherapy.followup import VisitState
from lupuscare.web.accounts.models import Role, User
from lupuscare.web.celltherapy.models import AdverseEvent, Enrolment
from lupuscare.web.celltherapy.services import visit_states
from lupuscare.web.clinic.alerts import refresh_alerts_or_error
from lupuscare.web.clinic.models import AlertStatus, ClinicAlert
from lupuscare.web.clinic.scoring import score_missing
from lupuscare.web.diary.models import RedFlagNotice
from lupuscare.web.diary.red_flags import PATIENT_WORDS
from lupuscare.web.records.models import DiaryEntry, Patient

from . import clock
from .models import JobRun, Kind, Preference
from .notify import deliver, deliver_pending

# The expedited-report reminder: on day 5 of a 7-day clock and day 12 of a 15-day clock (the
# sponsor's first knowledge is day 0), i.e. two and three days before the deadline. An operational
# choice of this project (issue 17), not a regulatory rule; the clocks themselves are the core's.
AE_REMINDER_DAY = {FATAL_OR_LIFE_THREATENING_DAYS: 5, OTHER_SUSAR_DAYS: 12}
# A check-in nudge for a patient without a reminder time goes out from this local time.
NUDGE_DEFAULT_AT = dt.time(10, 0)
# Red-flag notices younger than this are sent by the sweep if their on-commit task was lost.
RED_FLAG_SWEEP_DAYS = 2
RED_FLAG_CODES = frozenset(PATIENT_WORDS)  # alerts a diary entry opens (with its own notice)


def care_team_of(patient: Patient) -> list[User]:
    if patient.care_team_id is None:
        return []
    return list(patient.care_team.members.filter(is_active=True, role=Role.CLINICIAN))


def programme_staff(patient: Patient) -> list[User]:
    """Who hears about a cell-therapy order: every coordinator, and the patient's care team."""
    coordinators = list(User.objects.filter(role=Role.COORDINATOR, is_active=True))
    return coordinators + [u for u in care_team_of(patient) if u not in coordinators]


def _send_all(users: Iterable[User], kind: Kind, key: str, title: str, body: str, link: str,
              now: dt.datetime, patient: Patient) -> int:
    return sum(deliver(u, kind, key, title, body, link, now, patient) is not None for u in users)


# --- nightly ----------------------------------------------------------------------------------
def nightly_due(now: dt.datetime) -> bool:
    return (now.hour >= settings.LUPUSCARE_NIGHTLY_HOUR
            and not JobRun.objects.filter(job="nightly", period=now.date().isoformat(),
                                          finished_at__isnull=False).exists())


def nightly(now: dt.datetime) -> dict:
    """Score every unscored visit and refresh every patient's alerts (as of ``now``'s date)."""
    period = now.date().isoformat()
    run, _ = JobRun.objects.get_or_create(job="nightly", period=period,
                                          defaults={"started_at": now})
    scored = patients = 0
    errors: list[str] = []
    for patient in Patient.objects.order_by("pk"):
        with transaction.atomic():
            scored += score_missing(patient.pk)
            _, error = refresh_alerts_or_error(patient, now.date())
        patients += 1
        if error:
            errors.append(f"patient {patient.identifier}: {error}")
    run.finished_at = now
    run.summary = {"visits_scored": scored, "patients_refreshed": patients, "errors": errors}
    run.save()
    return {"job": "nightly", **run.summary}


# --- the care team at once --------------------------------------------------------------------
def notify_urgent_alert(alert: ClinicAlert, now: dt.datetime) -> int:
    """An open urgent alert, to the patient's care team (once per alert row)."""
    if alert.severity != "urgent" or alert.status != AlertStatus.OPEN:
        return 0
    if alert.code in RED_FLAG_CODES and any(
            alert.pk in (n.clinic_alert_ids or [])
            for n in RedFlagNotice.objects.filter(patient_id=alert.patient_id)):
        return 0  # the team hears of it as the red-flag notice that opened it
    p = alert.patient
    return _send_all(care_team_of(p), Kind.URGENT_ALERT, f"alert:{alert.pk}",
                     f"Urgent alert for patient {p.identifier}", alert.message,
                     reverse("patient-detail", args=[p.pk]), now, p)


def notify_red_flag(notice: RedFlagNotice, now: dt.datetime) -> int:
    p = notice.patient
    return _send_all(care_team_of(p), Kind.RED_FLAG, f"red-flag:{notice.pk}",
                     f"Diary red flag from patient {p.identifier} ({notice.local_date})",
                     "Reported: " + "; ".join(notice.signs) + ".",
                     reverse("diary:patient-diary", args=[p.pk]), now, p)


def sweep_urgent(now: dt.datetime) -> dict:
    """Urgent alerts and red flags whose on-commit task never ran (the ledger skips the rest)."""
    alerts = sum(notify_urgent_alert(a, now) for a in ClinicAlert.objects.filter(
        severity="urgent", status=AlertStatus.OPEN).select_related("patient__care_team"))
    since = now.date() - dt.timedelta(days=RED_FLAG_SWEEP_DAYS)
    flags = sum(notify_red_flag(n, now) for n in RedFlagNotice.objects.filter(
        local_date__gte=since).select_related("patient__care_team"))
    return {"job": "urgent", "alert_notifications": alerts, "red_flag_notifications": flags}


# --- cell therapy -----------------------------------------------------------------------------
def follow_ups(now: dt.datetime) -> dict:
    """Visits due (window open) and overdue (window closed, not done), once each."""
    on = now.date()
    due = overdue = 0
    for enrolment in Enrolment.objects.filter(withdrawn_on__isnull=True).select_related(
            "patient__care_team", "programme"):
        p = enrolment.patient
        staff = None
        for status in visit_states(enrolment, on):
            if status.state not in (VisitState.DUE, VisitState.OVERDUE):
                continue
            staff = staff if staff is not None else programme_staff(p)
            v = status.visit
            late = status.state is VisitState.OVERDUE
            kind = Kind.FOLLOW_UP_OVERDUE if late else Kind.FOLLOW_UP_DUE
            n = _send_all(
                staff, kind, f"visit:{enrolment.pk}:{v.label}:{status.state.value}",
                f"{v.label} visit {'overdue' if late else 'due'} for patient {p.identifier} "
                f"({enrolment.programme.name})",
                f"Window {v.window_start} to {v.window_end}"
                + (" has closed without a recorded visit." if late else "."),
                reverse("celltherapy:patient", args=[p.pk]), now, p)
            if late:
                overdue += n
            else:
                due += n
    return {"job": "follow_ups", "due_notifications": due, "overdue_notifications": overdue}


def ae_clocks(now: dt.datetime) -> dict:
    """Expedited reports not yet submitted: a reminder on the clock's reminder day, and overdue."""
    on = now.date()
    reminders = overdue = 0
    for ae in AdverseEvent.objects.filter(report_required=True, submitted_on__isnull=True,
                                          report_due__isnull=False).select_related(
            "enrolment__patient__care_team", "enrolment__programme"):
        day0 = ae.sponsor_first_knowledge
        length = (ae.report_due - day0).days
        p = ae.enrolment.patient
        link = reverse("celltherapy:patient", args=[p.pk])
        if on > ae.report_due:
            overdue += _send_all(
                programme_staff(p), Kind.AE_REPORT_OVERDUE, f"ae:{ae.pk}:overdue",
                f"Expedited report overdue for patient {p.identifier}",
                f"{ae.term}: the {length}-day report was due on {ae.report_due} and is not "
                "marked submitted.", link, now, p)
        elif (on - day0).days >= AE_REMINDER_DAY.get(length, length):
            reminders += _send_all(
                programme_staff(p), Kind.AE_REPORT_DUE, f"ae:{ae.pk}:day{AE_REMINDER_DAY.get(length)}",
                f"Expedited report due {ae.report_due} for patient {p.identifier}",
                f"{ae.term}: day {(on - day0).days} of {length} since the sponsor's first "
                f"knowledge on {day0}; the report is due on {ae.report_due}.", link, now, p)
    return {"job": "ae_clocks", "reminders": reminders, "overdue_notifications": overdue}


# --- patients ---------------------------------------------------------------------------------
def _patient_prefs():
    return Preference.objects.filter(user__role=Role.PATIENT, user__is_active=True,
                                     user__patient__isnull=False).select_related("user__patient")


def diary_reminders(now: dt.datetime) -> dict:
    """Each patient's daily reminder, once per local day, from their chosen local time on, and
    only if they have not checked in that day. A missed day is not sent late the next day."""
    sent = 0
    notes: list[str] = []
    for pref in _patient_prefs().filter(diary_reminder_at__isnull=False):
        zone = ZoneInfo(pref.time_zone)
        day = now.astimezone(zone).date()
        at = pref.diary_reminder_at
        if now < clock.moment(day, at, zone):
            continue
        patient = pref.user.patient
        if DiaryEntry.objects.filter(patient=patient, local_date=day).exists():
            continue
        body = "A minute for today's check-in helps your care team see how you are."
        if not clock.exists(day, at, zone):
            shifted = clock.moment(day, at, zone).astimezone(zone).strftime("%H:%M")
            body += (f" ({at:%H:%M} does not exist in {pref.time_zone} on {day}: the clocks "
                     f"went forward, so this reminder came at {shifted}.)")
            notes.append(f"user {pref.user_id}: {at:%H:%M} does not exist on {day}; sent at "
                         f"{shifted}")
        sent += deliver(pref.user, Kind.DIARY_REMINDER, day.isoformat(),
                        "Time for your daily check-in", body, reverse("diary:checkin"),
                        now, patient) is not None
    return {"job": "diary_reminders", "sent": sent, "notes": notes}


def checkin_nudges(now: dt.datetime) -> dict:
    """After the patient's chosen number of days without a check-in, one nudge per gap."""
    sent = 0
    for pref in _patient_prefs().filter(nudge_after_days__isnull=False):
        zone = ZoneInfo(pref.time_zone)
        day = now.astimezone(zone).date()
        if now < clock.moment(day, pref.diary_reminder_at or NUDGE_DEFAULT_AT, zone):
            continue
        last = (DiaryEntry.objects.filter(patient=pref.user.patient, local_date__lte=day)
                .order_by("-local_date").values_list("local_date", flat=True).first())
        since = last or pref.user.date_joined.astimezone(zone).date()
        if (day - since).days < pref.nudge_after_days:
            continue
        sent += deliver(pref.user, Kind.CHECKIN_NUDGE, f"since:{since.isoformat()}",
                        "We have not heard from you for a while",
                        f"Your last check-in was {(day - since).days} days ago. A short check-in "
                        "keeps your record and your care team up to date.",
                        reverse("diary:checkin"), now, pref.user.patient) is not None
    return {"job": "checkin_nudges", "sent": sent}


# --- the pass ---------------------------------------------------------------------------------
def run_due(now: dt.datetime) -> list[dict]:
    """Every job due at ``now`` (an aware datetime), once; what each did."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    now = now.astimezone(clock.UTC)
    out = []
    if nightly_due(now):
        try:
            out.append(nightly(now))
        except IntegrityError:  # another worker is running tonight's pass
            out.append({"job": "nightly", "skipped": "running elsewhere"})
    else:
        out.append({"job": "nightly", "skipped": "not due (done today, or before "
                                                  f"{settings.LUPUSCARE_NIGHTLY_HOUR:02d}:00 UTC)"})
    out += [sweep_urgent(now), follow_ups(now), ae_clocks(now), diary_reminders(now),
            checkin_nudges(now), {"job": "email", **deliver_pending(now)}]
    return out
