"""Notifications (namespace ``jobs``), mounted at ``/jobs/``: the signed-in user's own inbox and
preferences; no ids in paths (a notification is named in the POST and looked up among the
user's own)."""

from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/preferences/", views.preferences_view, name="preferences"),
]
