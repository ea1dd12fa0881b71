"""URLs of the clinician workspace (namespace ``clinic``), mounted at ``/clinic/``.

Only ``patient_id`` and ``assessment_id`` appear in paths (the access-matrix test fills those);
other objects (an alert, a medication course) are named in the posted form or the query string
and always looked up inside the visible patient's records.
"""

from django.urls import path

from . import views

app_name = "clinic"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("alerts/", views.worklist_view, name="worklist"),
    path("patients/<int:patient_id>/", views.patient_view, name="patient"),
    path("patients/<int:patient_id>/alerts/acknowledge/", views.acknowledge_view,
         name="alert-acknowledge"),
    path("patients/<int:patient_id>/visits/new/", views.visit_create, name="visit-create"),
    path("patients/<int:patient_id>/visits/score/", views.visit_score, name="visit-score"),
    path("patients/<int:patient_id>/visits/<int:assessment_id>/", views.visit_view, name="visit"),
    path("patients/<int:patient_id>/visits/<int:assessment_id>/summary.pdf", views.visit_pdf,
         name="visit-pdf"),
    path("patients/<int:patient_id>/labs/new/", views.lab_create, name="lab-create"),
    path("patients/<int:patient_id>/labs/import/", views.lab_import, name="lab-import"),
    path("patients/<int:patient_id>/medications/new/", views.medication_create,
         name="medication-create"),
    path("patients/<int:patient_id>/medications/dose/", views.dose_change, name="dose-change"),
    path("patients/<int:patient_id>/medications/stop/", views.medication_stop,
         name="medication-stop"),
    path("patients/<int:patient_id>/records/correct/", views.record_correct, name="record-correct"),
    path("patients/<int:patient_id>/records/retract/", views.record_retract, name="record-retract"),
    path("patients/<int:patient_id>/refresh/", views.refresh_view, name="refresh"),
    path("patients/<int:patient_id>/damage/new/", views.damage_create, name="damage-create"),
    path("patients/<int:patient_id>/biopsies/new/", views.biopsy_create, name="biopsy-create"),
    path("patients/<int:patient_id>/eye-exams/new/", views.eye_exam_create, name="eye-exam-create"),
    path("patients/<int:patient_id>/contraception/new/", views.contraception_create,
         name="contraception-create"),
    path("patients/<int:patient_id>/classification/", views.classification_view,
         name="classification"),
]
