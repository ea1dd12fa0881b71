"""Every URL the application serves. ``tests/web/test_access_matrix.py`` walks all of them with
every role: a new URL needs an access rule (``tests/web/access.py`` explains where), or that test
fails.

A bounded-context app with a ``urls.py`` (``clinic``, ``diary``, ``celltherapy``, ``evidence``) is
mounted at ``/<app>/`` under its own namespace, without editing this file.
"""

from importlib.util import find_spec

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from lupuscare.web.accounts import views as account_views
from lupuscare.web.api.views import api
from lupuscare.web.records import views as record_views


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer (and the load benchmark's trivial page): no database, no
    session, no template."""
    return HttpResponse(b"ok\n", content_type="text/plain")


admin.site.site_header = "lupuscare administration"
admin.site.site_title = "lupuscare admin"

urlpatterns = [
    path("", account_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # password reset by email (Django's views), invitations, care teams, second factor
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(
        email_template_name="registration/password_reset_email.txt"), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("accounts/password/reset/<uidb64>/<token>/",
         account_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("accounts/invitation/<str:token>/", account_views.invitation_accept,
         name="invitation-accept"),
    path("accounts/staff/invite/", account_views.staff_invite, name="staff-invite"),
    path("accounts/care-teams/", account_views.care_teams, name="care-teams"),
    path("accounts/mfa/", account_views.mfa_manage, name="mfa-manage"),
    path("accounts/mfa/setup/", account_views.mfa_setup, name="mfa-setup"),
    path("accounts/mfa/verify/", account_views.mfa_verify, name="mfa-verify"),
    path("patients/<int:patient_id>/invite/", account_views.patient_invite,
         name="patient-invite"),
    path("patients/", record_views.patient_list, name="patient-list"),
    path("patients/<int:patient_id>/", record_views.patient_detail, name="patient-detail"),
    path("patients/<int:patient_id>/labs/new/", record_views.lab_create, name="lab-create"),
    path("me/", record_views.me, name="me"),
    path("api/", api.urls),
    path("fhir/", include("lupuscare.web.interop.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("lupuscare/favicon.svg")), name="favicon"),
]

MOUNTED_APPS = ("clinic", "diary", "celltherapy", "evidence", "jobs")
for _app in MOUNTED_APPS:
    if find_spec(f"lupuscare.web.{_app}.urls") is not None:
        urlpatterns.append(path(f"{_app}/", include(f"lupuscare.web.{_app}.urls")))
