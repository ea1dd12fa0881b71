"""Pages of the patient companion (namespace ``diary``, mounted at ``/diary/`` (``lupuscare/web/urls.py`` mounts it)).

The patient's pages find their own record through ``patients_visible_to`` (never an id in the
URL); a clinician reads a patient's diary only through ``get_visible_patient`` (their care team).
Every read and change of patient data is audited.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lupuscare.insights import DiarySeries, analyse
from lupuscare.insights.estimate import MIN_COMPLETENESS, MIN_EXPOSED_DAYS, MIN_UNEXPOSED_DAYS
from lupuscare.web.accounts.models import Role
from lupuscare.web.accounts.permissions import (
    get_visible_patient,
    patients_visible_to,
    role_required,
)
from lupuscare.web.records import audit, services
from lupuscare.web.records.models import AuditAction, DiaryEntry, MedicationCourse, Patient
from lupuscare.web.records.services import Actor, RecordInvalid

from . import checkin, export, medicines, photos, red_flags, retention, trends
from .education import DISCLAIMER, PAGES, PAGES_BY_SLUG
from .forms import CheckinForm, DayForm, DeleteAccountForm, DoseForm
from .models import DiaryPhoto, DoseLog

log = logging.getLogger(__name__)

INSIGHT_WINDOW_DAYS = 180
CLINICIAN_DIARY_DAYS = 30


def _own_patient(request: HttpRequest) -> Patient:
    patient = patients_visible_to(request.user).select_related("care_team").first()
    if patient is None:
        raise PermissionDenied("This account is not linked to a patient record.")
    return patient


def _parse_day(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Http404("No such day.") from exc


def _active_courses(patient: Patient, day: dt.date):
    return MedicationCourse.objects.filter(patient=patient).active_on(day).order_by("drug")


def due_today(patient: Patient, day: dt.date) -> list[medicines.DueItem]:
    courses = list(_active_courses(patient, day))
    logs = dict(DoseLog.objects.filter(patient=patient, local_date=day)
                .values_list("course_id", "status"))
    return medicines.due_items(courses, logs, day)


# --- home ------------------------------------------------------------------------------------
@login_required
@role_required(Role.PATIENT)
def home(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    today = checkin.local_today(checkin.latest_time_zone(patient))
    audit.record(request, patient, AuditAction.READ, patient)
    context = {
        "patient": patient, "today": today,
        "checked_in": DiaryEntry.objects.filter(patient=patient, local_date=today).exists(),
        "due": due_today(patient, today),
        "notices": red_flags.recent_notices(patient),
        "pages": PAGES,
        "week": _last_days(patient, today, 7),
    }
    return render(request, "diary/home.html", context)


def _last_days(patient: Patient, today: dt.date, n: int) -> list[tuple[dt.date, bool]]:
    """The last ``n`` days (today first) and whether each has a check-in: a missing day is fine,
    and a late entry can still be made for it."""
    days = [today - dt.timedelta(days=i) for i in range(n)]
    logged = set(DiaryEntry.objects.filter(patient=patient, local_date__in=days)
                 .values_list("local_date", flat=True))
    return [(d, d in logged) for d in days]


# --- check-in --------------------------------------------------------------------------------
@login_required
@role_required(Role.PATIENT)
def checkin_view(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    tz = checkin.latest_time_zone(patient)
    today = checkin.local_today(tz)
    if request.method == "POST":
        form = CheckinForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                entry, _flags = _save_checkin(request, patient, form)
            except RecordInvalid as exc:  # the service refused: nothing was saved
                for field, messages in exc.errors.items():
                    form.add_error(None, f"{field}: {'; '.join(messages)}")
            else:
                return redirect(f"{reverse('diary:saved')}?date={entry.local_date.isoformat()}")
        audit.record(request, patient, AuditAction.READ, patient)
        return render(request, "diary/checkin.html",
                      {"form": form, "patient": patient, "today": today, "origin": None,
                       "editing": None, "day_form": DayForm()}, status=400)
    day = _parse_day(request.GET.get("date"), today)
    initial, entry, origin = checkin.initial_for(patient, day)
    initial.setdefault("time_zone", tz)
    form = CheckinForm(initial=initial)
    audit.record(request, patient, AuditAction.READ, entry or patient)
    return render(request, "diary/checkin.html", {
        "form": form, "patient": patient, "today": today, "origin": origin, "editing": entry,
        "day_form": DayForm(initial={"date": day}), "auto_tz": entry is None and origin == "empty",
        "photos": entry.photos.all() if entry else [],
    })


def _save_checkin(request: HttpRequest, patient: Patient, form: CheckinForm):
    """Save the entry, its photo, and any red flags in one transaction: all or nothing."""
    values = form.values()
    stored = None
    try:
        with transaction.atomic():
            entry, _created = services.record_diary_entry(
                Actor.from_request(request, "diary"), patient, form.cleaned_data["local_date"],
                **values)
            if form.checked_photo is not None:
                p = form.checked_photo
                stored = photos.store(p)
                photo = DiaryPhoto.objects.create(
                    patient=patient, entry=entry, stored_name=stored, content_type=p.content_type,
                    size_bytes=len(p.data), width=p.width, height=p.height, sha256=p.sha256,
                    caption=form.cleaned_data.get("photo_caption", ""),
                )
                audit.record(request, patient, AuditAction.CREATE, photo)
            flags = red_flags.red_flags_of(entry)
            red_flags.raise_alerts(request, entry, flags)
    except Exception:
        if stored is not None:
            photos.remove(stored)
        raise
    return entry, flags


@login_required
@role_required(Role.PATIENT)
def saved(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    today = checkin.local_today(checkin.latest_time_zone(patient))
    day = _parse_day(request.GET.get("date"), today)
    entry = DiaryEntry.objects.filter(patient=patient, local_date=day).first()
    if entry is None:
        return redirect("diary:checkin")
    audit.record(request, patient, AuditAction.READ, entry)
    return render(request, "diary/saved.html", {
        "entry": entry, "flags": red_flags.red_flags_of(entry), "advice": red_flags.URGENT_ADVICE,
        "due": due_today(patient, today) if day == today else [],
    })


# --- medicines -------------------------------------------------------------------------------
@login_required
@role_required(Role.PATIENT)
def medicines_view(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    today = checkin.local_today(checkin.latest_time_zone(patient))
    courses = {c.pk: c for c in _active_courses(patient, today)}
    errors = None
    if request.method == "POST":
        course = courses.get(_int(request.POST.get("course")))
        if course is None or course.route not in medicines.SELF_ROUTES:
            raise Http404("No such medicine.")
        form = DoseForm(request.POST, side_effects=medicines.side_effects_for(course.drug),
                        today=today, auto_id=f"id_c{course.pk}_%s")
        if form.is_valid():
            d = form.cleaned_data
            with transaction.atomic():
                row = (DoseLog.objects.select_for_update()
                       .filter(course=course, local_date=d["local_date"]).first()
                       or DoseLog(course=course, patient=patient, local_date=d["local_date"]))
                created = row.pk is None
                row.status = d["status"]
                row.side_effects = d["side_effects"]
                row.other_side_effect = d["other_side_effect"]
                row.save()
                audit.record(request, patient, AuditAction.CREATE if created else AuditAction.UPDATE, row)
            return redirect("diary:medicines")
        errors = (course.pk, form)
    audit.record(request, patient, AuditAction.READ, patient)
    items = []
    logs = {r.course_id: r for r in DoseLog.objects.filter(patient=patient, local_date=today)}
    for item in due_today(patient, today):
        course = courses[item.course_id]
        effects = medicines.side_effects_for(course.drug)
        if errors and errors[0] == course.pk:
            form = errors[1]
        else:
            log_row = logs.get(course.pk)
            form = DoseForm(side_effects=effects, today=today, initial={
                "course": course.pk, "local_date": today,
                "status": log_row.status if log_row else None,
                "side_effects": log_row.side_effects if log_row else [],
                "other_side_effect": log_row.other_side_effect if log_row else "",
            }, auto_id=f"id_c{course.pk}_%s")
        items.append({"item": item, "form": form, "effects": effects,
                      "expectation": medicines.EXPECTATIONS.get(course.drug),
                      "sources": medicines.SIDE_EFFECT_SOURCES.get(course.drug, ())})
    others = [c for c in courses.values() if c.route not in medicines.SELF_ROUTES]
    schedule = [{"course": c, "label": medicines.drug_label(c.drug),
                 "expectation": medicines.EXPECTATIONS.get(c.drug)} for c in courses.values()]
    return render(request, "diary/medicines.html", {
        "items": items, "others": others, "today": today, "schedule": schedule,
        "history": DoseLog.objects.filter(patient=patient).select_related("course")[:30],
    }, status=400 if errors else 200)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- trends and insights ---------------------------------------------------------------------
@login_required
@role_required(Role.PATIENT)
def trends_view(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    today = checkin.local_today(checkin.latest_time_zone(patient))
    start = today - dt.timedelta(days=trends.DEFAULT_DAYS - 1)
    entries = DiaryEntry.objects.filter(patient=patient, local_date__gte=start, local_date__lte=today)
    audit.record(request, patient, AuditAction.READ, patient)
    scores = []
    from django.apps import apps

    if apps.is_installed("lupuscare.web.clinic"):
        StoredScore = apps.get_model("clinic", "StoredScore")
        scores = list(StoredScore.objects.filter(patient=patient).order_by("-date", "instrument")[:50])
    return render(request, "diary/trends.html", {
        "chart": trends.chart_data(entries, today), "scores": scores, "today": today,
    })


@login_required
@role_required(Role.PATIENT)
def insights_view(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    today = checkin.local_today(checkin.latest_time_zone(patient))
    start = today - dt.timedelta(days=INSIGHT_WINDOW_DAYS - 1)
    entries = list(DiaryEntry.objects.filter(patient=patient, local_date__gte=start,
                                             local_date__lte=today).order_by("local_date"))
    audit.record(request, patient, AuditAction.READ, patient)
    report = None
    if entries:
        first = entries[0].local_date
        rows = [{"date": e.local_date, "symptoms": e.symptoms, "triggers": e.triggers} for e in entries]
        series = DiarySeries.from_rows(rows, start=first, days=(today - first).days + 1)
        report = analyse(series)
    groups = {"went_together": [], "no_clear_pattern": [], "inseparable": [], "not_enough_data": []}
    for insight in (report.insights if report else ()):
        groups[insight.status].append(insight)
    return render(request, "diary/insights.html", {
        "report": report, "groups": groups, "days_logged": len(entries),
        "window": INSIGHT_WINDOW_DAYS,
        "gates": {"exposed": MIN_EXPOSED_DAYS, "unexposed": MIN_UNEXPOSED_DAYS,
                  "completeness": round(MIN_COMPLETENESS * 100)},
    })


# --- education -------------------------------------------------------------------------------
@login_required
def learn_index(request: HttpRequest) -> HttpResponse:
    return render(request, "diary/learn_index.html", {"pages": PAGES, "disclaimer": DISCLAIMER})


@login_required
def learn_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = PAGES_BY_SLUG.get(slug)
    if page is None:
        raise Http404("No such page.")
    return render(request, "diary/learn_page.html",
                  {"page": page, "pages": PAGES, "disclaimer": DISCLAIMER})


# --- photos ----------------------------------------------------------------------------------
@login_required
def photo_view(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A diary photo, for the patient and the clinicians of their care team only (404 otherwise).
    Never cached by shared caches; the browser is told not to guess its type."""
    photo = (DiaryPhoto.objects.filter(pk=photo_id, patient__in=patients_visible_to(request.user))
             .select_related("patient").first())
    if photo is None:
        raise Http404("No such photo.")
    path = photos.path_of(photo.stored_name)
    if not path.exists():
        raise Http404("No such photo.")
    audit.record(request, photo.patient, AuditAction.READ, photo)
    response = HttpResponse(path.read_bytes(), content_type=photo.content_type)  # at most 5 MB
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


# --- my data ---------------------------------------------------------------------------------
@login_required
@role_required(Role.PATIENT)
def my_data(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    days = retention.retention_days()
    audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "diary/my_data.html", {
        "form": DeleteAccountForm(), "what_happens": retention.what_happens(days),
        "patient": patient,
    })


@login_required
@role_required(Role.PATIENT)
def export_view(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    data = export.export_zip(patient)
    audit.record(request, patient, AuditAction.READ, patient)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="my-lupuscare-data.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@role_required(Role.PATIENT)
@require_POST
def delete_account_view(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    form = DeleteAccountForm(request.POST, request=request)
    days = retention.retention_days()
    if not form.is_valid():
        return render(request, "diary/my_data.html", {
            "form": form, "what_happens": retention.what_happens(days), "patient": patient,
        }, status=400)
    record = retention.delete_account(request, patient)
    logout(request)
    return render(request, "diary/deleted.html",
                  {"record": record, "what_happens": retention.what_happens(days)})


# --- the care team's view --------------------------------------------------------------------
@login_required
@role_required(Role.CLINICIAN)
def patient_diary(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The last weeks of a patient's diary for their care team: entries, photos, red flags."""
    patient = get_visible_patient(request.user, patient_id)
    since = timezone.localdate() - dt.timedelta(days=CLINICIAN_DIARY_DAYS + 1)
    entries = (DiaryEntry.objects.filter(patient=patient, local_date__gte=since)
               .prefetch_related("photos").order_by("-local_date"))
    audit.record(request, patient, AuditAction.READ, patient)
    from lupuscare.clinical.diary import SYMPTOMS, WARNING_SIGNS

    return render(request, "diary/patient_diary.html", {
        "patient": patient, "entries": entries, "symptoms": SYMPTOMS, "signs": WARNING_SIGNS,
        "notices": red_flags.recent_notices(patient, days=CLINICIAN_DIARY_DAYS),
    })
