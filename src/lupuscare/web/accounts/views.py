"""Account pages: where a user lands by role, invitations, care teams and the second factor.

Views parse and render; ``services`` decides and audits. No GET writes: a setup page's new secret
travels signed in its own form and is saved only when a code proves it.
"""

from __future__ import annotations

from base64 import b32encode, b64encode
from io import BytesIO

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.qr import write_qrcode_image

from lupuscare.web.navigation import links_for
from lupuscare.web.records import audit
from lupuscare.web.records.models import AuditAction, CareTeam

from . import services
from .forms import (
    AcceptInvitationForm,
    CodeForm,
    InvitePatientForm,
    InviteStaffForm,
    MembershipForm,
    SetupForm,
    add_refusal,
)
from .models import Role, User
from .permissions import get_visible_patient, role_required
from .services import AccountRefused

SETUP_SALT = "lupuscare.mfa-setup"
SETUP_MAX_AGE = 15 * 60  # seconds a setup page's secret stays usable


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = request.user.role
    if role == Role.PATIENT:
        return redirect("me")
    if role == Role.CLINICIAN:
        return redirect("patient-list")
    if role == Role.ADMIN:
        return redirect("admin:index")
    if role == Role.COORDINATOR and links_for(role):
        return redirect(links_for(role)[0][1])  # the cell-therapy board, when that app is mounted
    return render(request, "accounts/home.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation, plus an audit row when the new password is set."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.event(self.request, AuditAction.UPDATE, "auth.password_reset", self.user.pk)
        return response


# --- invitations -------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@role_required(Role.CLINICIAN)
def patient_invite(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_patient(request.user, patient_id)
    form = InvitePatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_patient(request, patient, form.cleaned_data["email"])
        except AccountRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("patient-detail", patient_id=patient.pk)
    else:
        audit.record(request, patient, AuditAction.READ, patient)
    return render(request, "accounts/patient_invite.html", {"patient": patient, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = InviteStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invite_staff(request, data["email"], data["role"], data["care_team"])
        except AccountRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, f"Invitation sent to {data['email']}.")
            return redirect("staff-invite")
    return render(request, "accounts/staff_invite.html", {"form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.open_invitation(token)
    except AccountRefused as refused:
        return render(request, "accounts/invitation_invalid.html",
                      {"message": refused.errors[services.NON_FIELD]}, status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.accept(request, token, username=data["username"],
                                   password=data["password1"], agreed_to_terms=data["agree"])
        except AccountRefused as refused:
            add_refusal(form, refused)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to lupuscare: your account is ready.")
            return redirect("home")
    return render(request, "accounts/invitation_accept.html",
                  {"invitation": invitation, "form": form}, status=400 if form.errors else 200)


# --- care teams --------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def care_teams(request: HttpRequest) -> HttpResponse:
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_membership(request, data["team"], data["clinician"],
                                    data["action"] == "add")
        except AccountRefused as refused:
            add_refusal(form, refused)
        else:
            verb = "added to" if data["action"] == "add" else "removed from"
            messages.success(request, f"{data['clinician']} {verb} {data['team']}.")
            return redirect("care-teams")
    teams = CareTeam.objects.prefetch_related("members")
    clinicians = User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by("username")
    return render(request, "accounts/care_teams.html",
                  {"teams": teams, "clinicians": clinicians, "form": form},
                  status=400 if form.errors else 200)


# --- second factor -----------------------------------------------------------------------------

def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    form = SetupForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        try:
            key = signing.loads(form.cleaned_data["key"], salt=SETUP_SALT, max_age=SETUP_MAX_AGE)
        except signing.BadSignature:
            form.add_error(None, "this setup page has expired: add the new key below to your app")
        else:
            try:
                _device, codes = services.activate_totp(request, key, form.cleaned_data["code"])
            except AccountRefused as refused:
                add_refusal(form, refused)  # the same key again: the app already holds it
            else:
                return render(request, "accounts/recovery_codes.html", {"codes": codes})
    key = key or services.new_totp_key()
    config_url = services.unsaved_device(request.user, key).config_url
    qr = BytesIO()
    write_qrcode_image(config_url, qr)  # SVG, shown as a data: image (the CSP allows those)
    return render(request, "accounts/mfa_setup.html", {
        "form": form, "signed_key": signing.dumps(key, salt=SETUP_SALT),
        "secret": b32encode(bytes.fromhex(key)).decode(), "config_url": config_url,
        "qr": b64encode(qr.getvalue()).decode(),
        "required": services.mfa_required(request.user), "has_mfa": services.has_mfa(request.user),
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified() or not services.has_mfa(request.user):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_second_factor(request, form.cleaned_data["code"])
        except AccountRefused as refused:
            add_refusal(form, refused)
        else:
            return redirect(_next(request))
    return render(request, "accounts/mfa_verify.html",
                  {"form": form, "next": _next(request)}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def mfa_manage(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "recovery":
                codes = services.new_recovery_codes(request)
                return render(request, "accounts/recovery_codes.html", {"codes": codes})
            if request.POST.get("action") == "remove":
                services.remove_mfa(request)
                messages.success(request, "Two-step sign-in is off.")
                return redirect("mfa-manage")
            error = "choose an action"
        except AccountRefused as refused:
            error = "; ".join(refused.errors.values())
    return render(request, "accounts/mfa_manage.html", {
        "has_mfa": services.has_mfa(request.user),
        "required": services.mfa_required(request.user),
        "remaining": services.remaining_recovery_codes(request.user), "error": error,
    }, status=400 if error else 200)
