"""URLs of the evidence pages (namespace ``evidence``), mounted at ``/evidence/``."""

from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.evidence_view, name="page"),
    path("meta/", views.meta_view, name="meta"),
]
