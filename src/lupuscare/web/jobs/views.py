"""The inbox and the preferences page: parse, call the service, render. GET never writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lupuscare.errors import InputError
from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction

from .forms import PreferenceForm
from .models import Notification
from .notify import preference_of
from .preferences import kinds_for, save_preferences

PAGE = 100


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's own notifications, unread first; POST marks one (``notification``) or all
    (``all``) read."""
    own = Notification.objects.filter(recipient=request.user)
    if request.method == "POST":
        if request.POST.get("all"):
            n = own.filter(read_at__isnull=True).update(read_at=timezone.now())
            messages.success(request, f"{n} marked as read.")
        else:
            try:
                pk = int(request.POST.get("notification", ""))
            except ValueError:
                raise Http404("No such notification.") from None
            if not own.filter(pk=pk).exists():
                raise Http404("No such notification.")
            own.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("jobs:inbox")
    rows = list(own.order_by("read_at", "-created_at", "-id")[:PAGE])
    # The messages name patients: a read of each patient shown, as the list pages record it.
    audit.record(request, None, AuditAction.READ,
                 patient_ids=sorted({n.patient_id for n in rows if n.patient_id}))
    return render(request, "jobs/inbox.html", {
        "rows": rows, "unread": own.filter(read_at__isnull=True).count()})


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    kinds = kinds_for(user)
    pref = preference_of(user)
    initial = {"time_zone": pref.time_zone, "email": pref.email,
               "email_details": pref.email_details, "muted_kinds": pref.muted_kinds,
               "quiet_start": pref.quiet_start, "quiet_end": pref.quiet_end,
               "diary_reminder_at": pref.diary_reminder_at,
               "nudge_after_days": pref.nudge_after_days}
    form = PreferenceForm(request.POST or None, initial=initial, kinds=kinds,
                          patient=user.is_patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            save_preferences(user, time_zone=data["time_zone"].strip(), email=data["email"],
                             email_details=data["email_details"],
                             muted_kinds=data["muted_kinds"], quiet_start=data["quiet_start"],
                             quiet_end=data["quiet_end"],
                             diary_reminder_at=data.get("diary_reminder_at"),
                             nudge_after_days=data.get("nudge_after_days"))
        except InputError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, f"{exc.field}: {exc.message}")
        else:
            messages.success(request, "Your notification preferences are saved.")
            return redirect("jobs:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "jobs/preferences.html",
                  {"form": form, "kinds": kinds, "has_email": bool(user.email)}, status=status)
