"""The FHIR endpoints, mounted at ``/fhir/`` (lupuscare.web.urls)."""

from django.urls import path

from . import views

app_name = "fhir"

urlpatterns = [
    path("", views.transaction_bundle, name="transaction"),
    path("metadata", views.metadata, name="metadata"),
    path("Patient/<int:patient_id>/$everything", views.everything, name="everything"),
]
